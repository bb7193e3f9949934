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

	"github.com/tributary-ledger/tributary/cli"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/spf13/cobra"

	"github.com/tributary-ledger/tributary/api"
	"github.com/tributary-ledger/tributary/chain"
	"github.com/tributary-ledger/tributary/console"
	"github.com/tributary-ledger/tributary/engine"
	"github.com/tributary-ledger/tributary/money"
	"github.com/tributary-ledger/tributary/payout/merkle"
	"github.com/tributary-ledger/tributary/program/feeshare"
	"github.com/tributary-ledger/tributary/programs"
	"github.com/tributary-ledger/tributary/scheduler"
)

// Server limits. Timeouts keep a slow or stuck client from holding a
// connection forever; the API bounds request bodies itself (api.BodyMax).
const (
	readHeaderTimeout = 5 * time.Second
	readTimeout       = 30 * time.Second
	writeTimeout      = 60 * time.Second
	idleTimeout       = 120 * time.Second
	shutdownTimeout   = 30 * time.Second
	// groupMax bounds the operations committed together in one
	// transaction: room for 16 clients' single payments many times over,
	// and for several batch requests of a hundred (a request larger than
	// this goes alone).
	groupMax = 1000
	// scheduleTick is how often the scheduler looks for due runs: a
	// schedule's period is a minute at the shortest.
	scheduleTick = 10 * time.Second
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
			ch, err := chainFlagValues(cmd)
			if err != nil {
				return err
			}
			bk, err := backupFlagValues(cmd, cli.DBFlag(cmd))
			if err != nil {
				return err
			}
			return serveWithChain(ctx, cli.DBFlag(cmd), addr, slog.New(slog.NewJSONHandler(cmd.ErrOrStderr(), nil)), nil, ch, bk)
		},
	}
	cli.AddDBFlag(cmd)
	cmd.Flags().String("addr", cli.DefaultAddr, "address to listen on")
	cmd.Flags().String("chain-rpc", "", "EVM JSON-RPC endpoint (http, ws or ipc) whose transaction fees the fee-share program distributes; empty: no chain")
	cmd.Flags().Uint64("chain-confirmations", 12, fmt.Sprintf("apply block N once the chain's head is at least N plus this many blocks (at most %d)", chain.ConfirmationsMax))
	cmd.Flags().String("chain-currency", chain.DefaultCurrency, "ledger currency of the fees (wei as base units)")
	cmd.Flags().Uint64("chain-start", 0, "first block to apply when the store has no fee-share cursor yet; afterwards the cursor decides")
	cmd.Flags().String("payout-chain-rpc", "", "EVM JSON-RPC endpoint of the chain the payout claims contract is on; with --payout-contract, confirmed Claimed events post the payout lines they pay; empty: none")
	cmd.Flags().String("payout-contract", "", "the payout claims contract's address (its code is checked at start)")
	cmd.Flags().String("payout-currency", "USDC", "ledger currency of the claims contract's token")
	cmd.Flags().Uint64("payout-confirmations", 12, "apply a block's claims once the head is this many blocks past it")
	cmd.Flags().Uint64("payout-start", 0, "first block to read claims from when there is no claims cursor yet (the contract's deployment block)")
	cmd.Flags().String("chain-base-fee", feeshare.BaseFeeCollected, "what the chain does with the EIP-1559 base fee: collected (Evmos, OP-stack chains such as Base: the developer's share is of the whole fee) or burned (Ethereum mainnet: the burned part goes to "+feeshare.BurnAccount+" and the share is of the priority fee)")
	addBackupFlags(cmd)
	return cmd
}

// chainOptions are the --chain-* flags; a zero value runs no watcher.
type chainOptions struct {
	rpc           string
	confirmations uint64
	currency      string
	start         uint64
	baseFee       string
	// The payout claims contract, followed when payoutRPC is set.
	payoutRPC, payoutContract, payoutCurrency string
	payoutConfirmations, payoutStart          uint64
}

func chainFlagValues(cmd *cobra.Command) (chainOptions, error) {
	var o chainOptions
	var err error
	if o.rpc, err = cmd.Flags().GetString("chain-rpc"); err != nil {
		return o, err
	}
	if o.confirmations, err = cmd.Flags().GetUint64("chain-confirmations"); err != nil {
		return o, err
	}
	if o.currency, err = cmd.Flags().GetString("chain-currency"); err != nil {
		return o, err
	}
	if o.start, err = cmd.Flags().GetUint64("chain-start"); err != nil {
		return o, err
	}
	if o.baseFee, err = cmd.Flags().GetString("chain-base-fee"); err != nil {
		return o, err
	}
	o.payoutRPC, _ = cmd.Flags().GetString("payout-chain-rpc")
	o.payoutContract, _ = cmd.Flags().GetString("payout-contract")
	o.payoutCurrency, _ = cmd.Flags().GetString("payout-currency")
	o.payoutConfirmations, _ = cmd.Flags().GetUint64("payout-confirmations")
	o.payoutStart, _ = cmd.Flags().GetUint64("payout-start")
	if (o.payoutRPC == "") != (o.payoutContract == "") {
		return o, fmt.Errorf("--payout-chain-rpc and --payout-contract go together: name both or neither")
	}
	return o, nil
}

// startClaims attaches the payout claims contract and runs its
// reconciler in the background until ctx ends; stop waits for it.
func startClaims(ctx context.Context, eng *engine.Engine, s chain.StateReader, log *slog.Logger, ch chainOptions) (check api.ReadyCheck, stop func(), err error) {
	addr, err := merkle.ParseAddress(ch.payoutContract)
	if err != nil {
		return check, nil, fmt.Errorf("--payout-contract: %w", err)
	}
	b, err := chain.DialClaims(ctx, ch.payoutRPC)
	if err != nil {
		return check, nil, err
	}
	claims, err := chain.AttachClaims(ctx, b, addr)
	if err != nil {
		return check, nil, err
	}
	r, err := chain.NewClaimsReconciler(claims, eng, s, chain.ReconcilerConfig{Currency: ch.payoutCurrency, Confirmations: ch.payoutConfirmations, Start: ch.payoutStart, Log: log.With("component", "claims")})
	if err != nil {
		return check, nil, err
	}
	rctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := r.Run(rctx); err != nil {
			log.Error("claims reconciler stopped", "err", err)
		}
	}()
	log.Info("claims reconciler started", "rpc", redact(ch.payoutRPC), "contract", addr.Hex(), "confirmations", ch.payoutConfirmations)
	return api.ReadyCheck{Name: "payout-claims", Check: r.Ready}, func() { cancel(); <-done }, nil
}

// serve runs the server until ctx ends, then shuts down gracefully: it stops
// accepting connections, lets in-flight requests finish, and closes the
// store. ready, when not nil, receives the bound address once listening.
func serve(ctx context.Context, db, addr string, log *slog.Logger, ready chan<- string) error {
	return serveWithChain(ctx, db, addr, log, ready, chainOptions{}, backupOptions{})
}

// serveWithChain is serve with a chain watcher when ch names an endpoint:
// it follows the chain in the background, feeds the fee-share routes its
// facts and signature checks, and reports its health in /readyz. With
// bk.dir set it also backs the SQLite store up on a schedule.
func serveWithChain(ctx context.Context, db, addr string, log *slog.Logger, ready chan<- string, ch chainOptions, bk backupOptions) error {
	s, err := openServeStore(ctx, db)
	if err != nil {
		return err
	}
	defer s.Close()
	if secret := os.Getenv(envAdmin); secret != "" {
		if err := installEnvAdmin(ctx, s, secret, time.Now().UTC(), log); err != nil {
			return err
		}
	}
	currencies := money.NewRegistry()
	eng := engine.New(s, currencies)
	// One committer, on either store. SQLite has one writer. PostgreSQL's
	// writers serialize on the journal counters anyway, and once a group
	// locked its balances in one statement and wrote its rows in another,
	// four committers only made groups four times smaller: 16 clients'
	// single payments cost the server about 170 µs and PostgreSQL 145 µs
	// each with four, 120 and 70 with one, at a higher rate
	// (BENCHMARKS.md, "PostgreSQL at half the CPU").
	group := engine.NewGroup(eng, 1, groupMax)
	defer group.Close()
	apiCfg := api.Config{
		Store:      s,
		Engine:     eng,
		Group:      group,
		Currencies: currencies,
		Log:        log,
		Registry:   prometheus.NewRegistry(),
	}
	if bk.dir != "" {
		check, stopBackups, err := startBackups(ctx, db, bk, apiCfg.Registry, log.With("component", "backup"))
		if err != nil {
			return err
		}
		defer stopBackups()
		apiCfg.Ready = append(apiCfg.Ready, check)
	}
	var deps programs.Deps
	if ch.rpc != "" {
		svc, err := chain.NewService(ch.rpc, eng, s, chain.Config{Confirmations: ch.confirmations, Currency: ch.currency, Start: ch.start, BaseFee: ch.baseFee, Log: log.With("component", "chain")})
		if err != nil {
			return err
		}
		deps.FeeshareChain = svc
		apiCfg.Ready = append(apiCfg.Ready, api.ReadyCheck{Name: "chain", Check: svc.Ready})
		// The watcher stops with ctx, before the store closes (deferred
		// above): wait for it on the way out.
		wctx, stopWatcher := context.WithCancel(ctx)
		watcherDone := make(chan struct{})
		go func() {
			defer close(watcherDone)
			if err := svc.Run(wctx); err != nil {
				log.Error("chain watcher stopped", "err", err)
			}
		}()
		defer func() { stopWatcher(); <-watcherDone }()
		log.Info("chain watcher started", "rpc", redact(ch.rpc), "confirmations", ch.confirmations)
	}
	if ch.payoutRPC != "" {
		check, stop, err := startClaims(ctx, eng, s, log, ch)
		if err != nil {
			return err
		}
		defer stop()
		apiCfg.Ready = append(apiCfg.Ready, check)
	}
	apiCfg.Modules = programs.Modules(deps)
	apiSrv := api.New(apiCfg)
	// On PostgreSQL, other nodes' commits wake this node's event streams
	// (LISTEN/NOTIFY); the listener stops with ctx, before the store closes.
	lctx, stopListening := context.WithCancel(ctx)
	listenDone := make(chan struct{})
	go func() { defer close(listenDone); apiSrv.Listen(lctx) }()
	defer func() { stopListening(); <-listenDone }()
	// The scheduler runs the schedules' due periods (none until an admin
	// sets one); it stops with ctx, before the store closes.
	sctx, stopScheduler := context.WithCancel(ctx)
	schedulerDone := make(chan struct{})
	runner := &scheduler.Runner{Store: s, Invoker: apiSrv, Engine: eng, Now: time.Now, Log: log.With("component", "scheduler")}
	go func() { defer close(schedulerDone); runner.Run(sctx, scheduleTick) }()
	defer func() { stopScheduler(); <-schedulerDone }()
	srv := &http.Server{
		Handler:           console.Mount(apiSrv.Handler()),
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

// serveStore is what serve needs of a store: the commands' and the API's.
type serveStore interface {
	cli.Store
	api.Store
}

// openServeStore opens db for serving. Both stores are serve stores; the
// check keeps a store that is not from failing later, at its first read.
func openServeStore(ctx context.Context, db string) (serveStore, error) {
	s, err := cli.OpenStore(ctx, db)
	if err != nil {
		return nil, err
	}
	ss, ok := s.(serveStore)
	if !ok {
		s.Close()
		return nil, fmt.Errorf("the store of %s cannot serve the API (%T)", redact(db), s)
	}
	return ss, nil
}
