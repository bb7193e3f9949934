package chain

import (
	"context"
	"errors"
	"net"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/tributary-ledger/tributary/program/feeshare"
)

// Both satisfy what the fee-share routes need, without chain importing api.
var (
	_ feeshare.ChainClient = (*Client)(nil)
	_ feeshare.ChainClient = (*Service)(nil)
)

// TestServiceConnectsLate: the endpoint is unreachable at first; the
// service reports it, answers the routes with ErrEndpoint, keeps retrying,
// and once connected applies the chain.
func TestServiceConnectsLate(t *testing.T) {
	l := newLedger(t)
	s := registered(t, l)
	s.send(t, s.user, s.path.Contract, false)
	s.sim.Commit()
	head := s.mustHead(t)
	svc, err := NewService("http://127.0.0.1:1", l.eng, l.st, Config{Start: 1, Poll: time.Millisecond, BackoffMin: time.Millisecond, BackoffMax: 4 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	attempts := 0
	svc.dial = func(ctx context.Context, url string) (*Client, error) {
		mu.Lock()
		defer mu.Unlock()
		attempts++
		if attempts <= 3 {
			return nil, errorsEndpoint("connection refused")
		}
		return s.sim.Client, nil
	}
	ctx := context.Background()
	if err := svc.Ready(ctx); !errors.Is(err, ErrEndpoint) {
		t.Errorf("Ready before connecting = %v; want %s", err, ErrEndpoint.Code())
	}
	if _, err := svc.Facts(ctx, KeyAddress(s.deployer), s.path.Contract); !errors.Is(err, ErrEndpoint) {
		t.Errorf("Facts before connecting err = %v; want %s", err, ErrEndpoint.Code())
	}
	if id := svc.ChainID(); id != 0 {
		t.Errorf("ChainID before connecting = %d; want 0", id)
	}
	rctx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- svc.Run(rctx) }()
	waitFor(t, func() bool { st, ok := svc.Status(); return ok && st.Tip.Number == head.Number })
	if err := svc.Ready(ctx); err != nil {
		t.Errorf("Ready once caught up = %v; want nil", err)
	}
	if id := svc.ChainID(); id != s.sim.Client.ChainID() {
		t.Errorf("ChainID = %d; want %d", id, s.sim.Client.ChainID())
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("Run = %v; want nil", err)
	}
	expect(t, s.sim, 1, head.Number, s.path.Contract, func(uint64) bool { return true }).check(t, l, KeyAddress(s.deployer))
}

func errorsEndpoint(msg string) error { return endpointErr("eth_chainId", errors.New(msg)) }

func TestNewServiceRefusesBadConfig(t *testing.T) {
	l := newLedger(t)
	if _, err := NewService("", l.eng, l.st, Config{}); !errors.Is(err, ErrConfig) {
		t.Errorf("empty URL: err = %v; want %s", err, ErrConfig.Code())
	}
	if _, err := NewService("http://x", l.eng, l.st, Config{Confirmations: ConfirmationsMax + 1}); !errors.Is(err, ErrConfig) {
		t.Errorf("too many confirmations: err = %v; want %s", err, ErrConfig.Code())
	}
}

// TestWatcherOverHTTP follows the chain through a real JSON-RPC endpoint
// over HTTP, as `tributary serve --chain-rpc` does.
func TestWatcherOverHTTP(t *testing.T) {
	ctx := context.Background()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	deployer, user := testKey(t, 1), testKey(t, 3)
	sim, err := NewSimHTTP(ctx, port, deployer, user)
	if err != nil {
		t.Fatal(err)
	}
	defer sim.Close()
	path, err := sim.DeployFactoryPath(ctx, deployer)
	if err != nil {
		t.Fatal(err)
	}
	c, err := Dial(ctx, "http://127.0.0.1:"+strconv.Itoa(port))
	if err != nil {
		t.Fatal(err)
	}
	if c.ChainID() != sim.Client.ChainID() {
		t.Fatalf("chain id over HTTP = %d; want %d", c.ChainID(), sim.Client.ChainID())
	}
	l := newLedger(t)
	req, sig := signed(t, c, deployer, feeshare.Request{Action: feeshare.ActionRegister, Contract: path.Contract, Deployer: KeyAddress(deployer), Nonces: path.Nonces, Nonce: 1})
	if err := register(ctx, l, c, req, sig); err != nil {
		t.Fatal(err)
	}
	for range 3 {
		if _, err := sim.Send(ctx, user, &path.Contract, nil, simGas); err != nil {
			t.Fatal(err)
		}
		sim.Commit()
	}
	head, err := sim.Head(ctx)
	if err != nil {
		t.Fatal(err)
	}
	w := l.watcher(t, c, Config{Start: 1})
	catchUp(t, w)
	if got := w.Status().Tip; got != head {
		t.Errorf("tip over HTTP = %+v; want %+v", got, head)
	}
	expect(t, sim, 1, head.Number, path.Contract, func(uint64) bool { return true }).check(t, l, KeyAddress(deployer))
}
