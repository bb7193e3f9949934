package cli

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/tributary-ledger/tributary/auth"
	"github.com/tributary-ledger/tributary/engine"
	"github.com/tributary-ledger/tributary/errcode"
	"github.com/tributary-ledger/tributary/ledger"
	"github.com/tributary-ledger/tributary/program"
	"github.com/tributary-ledger/tributary/store/postgres"
	"github.com/tributary-ledger/tributary/store/sqlite"
)

// DefaultDB is the embedded store's file when --db is not given.
const DefaultDB = "./tributary.db"

// Store is what the commands that work on a store need of either.
type Store interface {
	engine.Store
	engine.JournalReader
	State(ctx context.Context, program, key string) ([]byte, bool, error)
	StatePage(ctx context.Context, program, prefix, after string, limit int) ([]engine.StateValue, error)
	EntryByKey(ctx context.Context, key string) (ledger.Entry, error)
	EntryBySeq(ctx context.Context, seq uint64) (ledger.Entry, error)
	Withdrawal(ctx context.Context, id string) (ledger.Withdrawal, error)
	AccountBalances(ctx context.Context, account string) ([]ledger.Balance, error)
	PutToken(ctx context.Context, t auth.Token) error
	Tokens(ctx context.Context) ([]auth.Token, error)
	RevokeToken(ctx context.Context, id string, at time.Time) (auth.Token, error)
	Close() error
}

// OpenStore opens the store db names: a postgres:// URL, or a SQLite file
// path.
func OpenStore(ctx context.Context, db string) (Store, error) {
	if IsPostgres(db) {
		return postgres.Open(ctx, db, "")
	}
	return sqlite.Open(ctx, db)
}

// ErrNoDatabase refuses a command that reads a store when --db names a
// file that does not exist: opening it would create an empty database and
// answer as if the real one were empty.
var ErrNoDatabase = errcode.New(errcode.NotFound, "database_missing", "no database at the --db path")

// OpenExisting opens the store db names for a command that reads it (or
// changes what is there): a SQLite file must exist already.
//
// Errors: ErrNoDatabase, and OpenStore's.
func OpenExisting(ctx context.Context, db string) (Store, error) {
	if !IsPostgres(db) {
		if _, err := os.Stat(db); errors.Is(err, fs.ErrNotExist) {
			return nil, errcode.Errorf(ErrNoDatabase, "no database at %s; pass --db with the file serve writes (default %s) or a postgres:// URL", db, DefaultDB)
		}
	}
	return OpenStore(ctx, db)
}

// AddDBFlag adds --db to a command that works on a store.
func AddDBFlag(cmd *cobra.Command) {
	cmd.Flags().String("db", DefaultDB, "SQLite file path or postgres:// URL")
}

// DBFlag returns the --db flag.
func DBFlag(cmd *cobra.Command) string {
	db, _ := cmd.Flags().GetString("db")
	return db
}

// IsPostgres reports whether db is a PostgreSQL URL.
func IsPostgres(db string) bool {
	return strings.HasPrefix(db, "postgres://") || strings.HasPrefix(db, "postgresql://")
}

// View reads a program's committed state and balances from a store, for
// the commands that recompute from it (explain, simulate).
func View(ctx context.Context, s Store, program string) engine.View {
	return storeView{ctx: ctx, s: s, program: program}
}

type storeView struct {
	ctx     context.Context
	s       Store
	program string
}

func (v storeView) State(key string) ([]byte, bool, error) {
	return v.s.State(v.ctx, v.program, key)
}

// Withdrawal reads none: no program that recomputes offline reads one.
// ProgramState reads another program's state (engine.ReadOnly).
func (v storeView) ProgramState(program, key string) ([]byte, bool, error) {
	return v.s.State(v.ctx, program, key)
}

func (v storeView) Withdrawal(string) (ledger.Withdrawal, bool, error) {
	return ledger.Withdrawal{}, false, nil
}

func (v storeView) Balance(account, currency string) (ledger.Balance, error) {
	bals, err := v.s.AccountBalances(v.ctx, account)
	for _, b := range bals {
		if b.Currency == currency {
			return b, err
		}
	}
	return ledger.Balance{BalanceKey: ledger.BalanceKey{Account: account, Currency: currency}}, err
}

// Records reads what a program's verification needs from a store
// (program.Records): its committed state, withdrawals and the journal.
func Records(ctx context.Context, s Store, prog string) program.Records {
	return records{storeView{ctx: ctx, s: s, program: prog}}
}

type records struct{ storeView }

// Withdrawal reads one, unlike the recomputing commands' View.
func (r records) Withdrawal(id string) (ledger.Withdrawal, bool, error) {
	w, err := r.s.Withdrawal(r.ctx, id)
	if errcode.Code(err) == ledger.ErrNotFound.Code() {
		return w, false, nil
	}
	return w, err == nil, err
}

func (r records) List(prefix, after string, limit int) ([]engine.StateValue, error) {
	return r.s.StatePage(r.ctx, r.program, prefix, after, limit)
}

func (r records) EntryByKey(key string) (ledger.Entry, error) { return r.s.EntryByKey(r.ctx, key) }
func (r records) EntryBySeq(seq uint64) (ledger.Entry, error) { return r.s.EntryBySeq(r.ctx, seq) }
