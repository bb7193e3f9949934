package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/tributary-ledger/tributary/api"
	"github.com/tributary-ledger/tributary/engine"
	"github.com/tributary-ledger/tributary/errcode"
	"github.com/tributary-ledger/tributary/store/postgres"
	"github.com/tributary-ledger/tributary/store/sqlite"
)

// defaultDB is the embedded store's file when --db is not given.
const defaultDB = "./tributary.db"

var errOutput = errcode.New(errcode.Invalid, "output_invalid", "unknown output format")

func newRoot() *cobra.Command {
	root := &cobra.Command{
		Use:           "tributary",
		Short:         "Tributary shares revenue exactly: payments in, rules decide, a double-entry ledger records every unit",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.PersistentFlags().StringP("output", "o", "table", "output format: table or json")
	root.AddCommand(newSplitCmd(), newLedgerCmd(), newServeCmd(), newTokenCmd(), newBalanceCmd(), newWithdrawCmd(), newJournalCmd(), newDemoCmd(), newMarketCmd(), newCollectionCmd(), newUsageCmd(), newFeeshareCmd())
	return root
}

// outputFormat returns the --output flag, checked.
func outputFormat(cmd *cobra.Command) (string, error) {
	f, _ := cmd.Flags().GetString("output")
	if f != "table" && f != "json" {
		return "", errcode.Errorf(errOutput, "output format %q is unknown; want table or json", f)
	}
	return f, nil
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// store is what the commands need of either store.
type store interface {
	engine.Store
	engine.JournalReader
	api.Store
	Close() error
}

// openStore opens the store named by db: a postgres:// URL, or a SQLite
// file path.
func openStore(ctx context.Context, db string) (store, error) {
	if isPostgres(db) {
		return postgres.Open(ctx, db, "")
	}
	return sqlite.Open(ctx, db)
}

func addDBFlag(cmd *cobra.Command) {
	cmd.Flags().String("db", defaultDB, "SQLite file path or postgres:// URL")
}

func dbFlag(cmd *cobra.Command) string {
	db, _ := cmd.Flags().GetString("db")
	return db
}

func printf(w io.Writer, format string, args ...any) { fmt.Fprintf(w, format, args...) }

func isPostgres(db string) bool {
	return strings.HasPrefix(db, "postgres://") || strings.HasPrefix(db, "postgresql://")
}
