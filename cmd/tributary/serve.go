package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/tributary-ledger/tributary/api"
	"github.com/tributary-ledger/tributary/auth"
	"github.com/tributary-ledger/tributary/engine"
	"github.com/tributary-ledger/tributary/money"
)

// Server limits. Timeouts keep a slow or stuck client from holding a
// connection forever; the API bounds request bodies itself (api.BodyMax).
const (
	defaultAddr       = "127.0.0.1:8650"
	readHeaderTimeout = 5 * time.Second
	readTimeout       = 30 * time.Second
	writeTimeout      = 60 * time.Second
	idleTimeout       = 120 * time.Second
	shutdownTimeout   = 30 * time.Second
	// groupMax bounds the writes committed together in one transaction.
	groupMax = 256
)

func newServeCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Start the engine (embedded SQLite ./tributary.db on 127.0.0.1:8650 by default)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			addr, _ := cmd.Flags().GetString("addr")
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			return serve(ctx, dbFlag(cmd), addr, slog.New(slog.NewJSONHandler(cmd.ErrOrStderr(), nil)), nil)
		},
	}
	addDBFlag(cmd)
	cmd.Flags().String("addr", defaultAddr, "address to listen on")
	return cmd
}

// serve runs the server until ctx ends, then shuts down gracefully: it stops
// accepting connections, lets in-flight requests finish, and closes the
// store. ready, when not nil, receives the bound address once listening.
func serve(ctx context.Context, db, addr string, log *slog.Logger, ready chan<- string) error {
	s, err := openStore(ctx, db)
	if err != nil {
		return err
	}
	defer s.Close()
	if secret := os.Getenv("TRIBUTARY_ADMIN_TOKEN"); secret != "" {
		tok := auth.FromSecret(secret, auth.Admin, nil, "TRIBUTARY_ADMIN_TOKEN", time.Now().UTC())
		if err := s.PutToken(ctx, tok); err != nil {
			return fmt.Errorf("installing TRIBUTARY_ADMIN_TOKEN: %w", err)
		}
		log.Info("admin token from TRIBUTARY_ADMIN_TOKEN installed", "token_id", tok.ID)
	}
	currencies := money.NewRegistry()
	eng := engine.New(s, currencies)
	// SQLite has one writer: one committer; PostgreSQL takes a few at once.
	workers := 1
	if isPostgres(db) {
		workers = 4
	}
	group := engine.NewGroup(eng, workers, groupMax)
	defer group.Close()
	srv := &http.Server{
		Handler: api.New(api.Config{
			Store:      s,
			Engine:     eng,
			Group:      group,
			Currencies: currencies,
			Log:        log,
		}).Handler(),
		ReadHeaderTimeout: readHeaderTimeout,
		ReadTimeout:       readTimeout,
		WriteTimeout:      writeTimeout,
		IdleTimeout:       idleTimeout,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("listening on %s: %w", addr, err)
	}
	log.Info("tributary serving", "addr", ln.Addr().String(), "db", redact(db))
	if ready != nil {
		ready <- ln.Addr().String()
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down: finishing in-flight requests")
	sctx, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
	defer cancel()
	// Event streams never finish on their own: Shutdown does not wait for
	// hijacked or streaming connections beyond its context, so give it one.
	if err := srv.Shutdown(sctx); err != nil && !errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("shutting down: %w", err)
	}
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	log.Info("stopped")
	return nil
}

// redact hides a database URL's password in logs.
func redact(db string) string {
	if u, err := url.Parse(db); err == nil && u.User != nil {
		if _, has := u.User.Password(); has {
			u.User = url.UserPassword(u.User.Username(), "xxxxx")
			return u.String()
		}
	}
	return db
}
