package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/spf13/cobra"
)

// Server limits. Timeouts keep a slow or stuck client from holding a
// connection forever; the body limit keeps one request from exhausting
// memory.
const (
	defaultAddr       = "127.0.0.1:8650"
	readHeaderTimeout = 5 * time.Second
	readTimeout       = 30 * time.Second
	writeTimeout      = 60 * time.Second
	idleTimeout       = 120 * time.Second
	shutdownTimeout   = 30 * time.Second
	requestBodyMax    = 4 << 20
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
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintln(w, `{"status":"ok"}`)
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		pctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		defer cancel()
		if err := s.Ping(pctx); err != nil {
			w.WriteHeader(http.StatusServiceUnavailable)
			fmt.Fprintln(w, `{"status":"store unreachable"}`)
			return
		}
		fmt.Fprintln(w, `{"status":"ready"}`)
	})
	srv := &http.Server{
		Handler:           http.MaxBytesHandler(mux, requestBodyMax),
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
	log.Info("tributary serving", "addr", ln.Addr().String(), "db", db)
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
	if err := srv.Shutdown(sctx); err != nil {
		return fmt.Errorf("shutting down: %w", err)
	}
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	log.Info("stopped")
	return nil
}
