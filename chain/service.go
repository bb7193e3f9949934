package chain

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/tributary-ledger/tributary/engine"
	"github.com/tributary-ledger/tributary/errcode"
	"github.com/tributary-ledger/tributary/program/feeshare"
)

// Service is what `tributary serve --chain-rpc` runs: it connects to the
// endpoint in the background, retrying with backoff while it is
// unreachable, and then runs a Watcher. Meanwhile it answers the fee-share
// routes (feeshare.ChainClient) with ErrEndpoint and /readyz with the reason,
// so that the server starts even when the chain node does not.
type Service struct {
	url   string
	eng   *engine.Engine
	state StateReader
	cfg   Config
	dial  func(ctx context.Context, url string) (*Client, error)

	mu      sync.Mutex
	client  *Client
	watcher *Watcher
	dialErr error
}

// NewService returns a service for the endpoint at url; Run starts it.
//
// Errors: ErrConfig.
func NewService(url string, eng *engine.Engine, state StateReader, cfg Config) (*Service, error) {
	// Check the configuration now, so that a bad flag fails the start
	// rather than the background loop.
	if _, err := NewWatcher(&Client{}, eng, state, cfg); err != nil {
		return nil, err
	}
	if url == "" {
		return nil, errcode.Errorf(ErrConfig, "the chain endpoint URL is empty")
	}
	return &Service{url: url, eng: eng, state: state, cfg: cfg, dial: Dial, dialErr: errcode.Errorf(ErrEndpoint, "not connected to %s yet", url)}, nil
}

// Run connects, retrying until ctx ends, and then runs the watcher until
// ctx ends. It returns nil when ctx ends.
func (s *Service) Run(ctx context.Context) error {
	w, err := NewWatcher(&Client{}, s.eng, s.state, s.cfg)
	if err != nil {
		return err
	}
	cfg := w.cfg // with defaults
	var backoff time.Duration
	for {
		c, err := s.dial(ctx, s.url)
		if err == nil {
			w.c = c
			s.mu.Lock()
			s.client, s.watcher, s.dialErr = c, w, nil
			s.mu.Unlock()
			cfg.Log.Info("chain endpoint connected", "chain_id", c.ChainID(), "confirmations", cfg.Confirmations)
			return w.Run(ctx)
		}
		s.mu.Lock()
		s.dialErr = err
		s.mu.Unlock()
		backoff = min(max(2*backoff, cfg.BackoffMin), cfg.BackoffMax)
		cfg.Log.Warn("chain endpoint unreachable; retrying", "err", err, "retry_in", backoff.String())
		t := time.NewTimer(backoff)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil
		case <-t.C:
		}
	}
}

func (s *Service) connected() (*Client, *Watcher, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.client, s.watcher, s.dialErr
}

// Ready reports the connection's error until connected, then the
// watcher's.
func (s *Service) Ready(ctx context.Context) error {
	_, w, err := s.connected()
	if w == nil {
		return fmt.Errorf("chain endpoint: %w", err)
	}
	return w.Ready(ctx)
}

// Status returns the watcher's status, and false before it is connected.
func (s *Service) Status() (Status, bool) {
	_, w, _ := s.connected()
	if w == nil {
		return Status{}, false
	}
	return w.Status(), true
}

// errNotConnected is returned by the chain methods before the service has
// connected.
func (s *Service) errNotConnected(err error) error {
	if errors.Is(err, ErrEndpoint) {
		return err
	}
	return errcode.Errorf(ErrEndpoint, "chain endpoint not connected: %v", err)
}

// Facts is Client.Facts once connected.
//
// Errors: ErrEndpoint and those of Client.Facts.
func (s *Service) Facts(ctx context.Context, deployer, contract feeshare.Address) (feeshare.Facts, error) {
	c, _, err := s.connected()
	if c == nil {
		return feeshare.Facts{}, s.errNotConnected(err)
	}
	return c.Facts(ctx, deployer, contract)
}

// Head is Client.Head once connected.
//
// Errors: ErrEndpoint.
func (s *Service) Head(ctx context.Context) (uint64, error) {
	c, _, err := s.connected()
	if c == nil {
		return 0, s.errNotConnected(err)
	}
	return c.Head(ctx)
}

// Signer is Client.Signer once connected.
//
// Errors: ErrEndpoint and those of Client.Signer.
func (s *Service) Signer(req feeshare.Request, sig []byte) (feeshare.Address, error) {
	c, _, err := s.connected()
	if c == nil {
		return feeshare.Address{}, s.errNotConnected(err)
	}
	return c.Signer(req, sig)
}

// ChainID is the chain's id once connected, and 0 before.
func (s *Service) ChainID() uint64 {
	c, _, _ := s.connected()
	if c == nil {
		return 0
	}
	return c.ChainID()
}
