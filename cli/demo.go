package cli

import (
	"context"
	"os"
	"path/filepath"
	"sort"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/tributary-ledger/tributary/engine"
	"github.com/tributary-ledger/tributary/ledger"
	"github.com/tributary-ledger/tributary/money"
	"github.com/tributary-ledger/tributary/store/sqlite"
)

// Demo is a demo's temporary SQLite store and an engine over it with the
// default currencies.
type Demo struct {
	dir      string
	Store    *sqlite.Store
	Engine   *engine.Engine
	Registry *money.Registry
}

// OpenDemo makes a temporary store for a demo; Close removes it.
func OpenDemo(ctx context.Context) (*Demo, error) {
	dir, err := os.MkdirTemp("", "tributary-demo-")
	if err != nil {
		return nil, err
	}
	s, err := sqlite.Open(ctx, filepath.Join(dir, "demo.db"))
	if err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	reg := money.NewRegistry()
	return &Demo{dir: dir, Store: s, Engine: engine.New(s, reg), Registry: reg}, nil
}

// Close closes the store and removes it.
func (d *Demo) Close() {
	d.Store.Close()
	os.RemoveAll(d.dir)
}

// Balance is an internal account's balance in decimals.
type Balance struct {
	Account  string `json:"account"`
	Currency string `json:"currency"`
	Amount   string `json:"amount"`
}

// Balances verifies the journal and returns every internal account's
// balance in decimals.
func (d *Demo) Balances(ctx context.Context) ([]Balance, error) {
	if _, err := engine.Verify(ctx, d.Store); err != nil {
		return nil, err
	}
	bals, err := d.Store.BalancesPage(ctx, ledger.BalanceKey{}, 0)
	if err != nil {
		return nil, err
	}
	out := []Balance{}
	for _, b := range bals {
		if ledger.IsExternal(b.Account) {
			continue
		}
		c, err := d.Registry.Lookup(b.Currency)
		if err != nil {
			return nil, err
		}
		out = append(out, Balance{Account: b.Account, Currency: b.Currency, Amount: money.Format(b.Available().Amount, c)})
	}
	return out, nil
}

// Posting is a posting as a demo's JSON holds it, its amount in decimals.
type Posting struct {
	Entry    string `json:"entry"` // the key of the step that wrote it
	From     string `json:"from"`
	To       string `json:"to"`
	Amount   string `json:"amount"`
	Currency string `json:"currency"`
	Path     string `json:"path"`
}

// Journal returns every posting the demo committed, in order, as its JSON
// holds them.
func (d *Demo) Journal(ctx context.Context) ([]Posting, error) {
	const page = 1000
	out := []Posting{}
	for after := uint64(0); ; {
		ents, err := d.Store.Journal(ctx, after, page)
		if err != nil {
			return nil, err
		}
		for _, e := range ents {
			out = append(out, Postings(e)...)
			after = e.Seq
		}
		if len(ents) < page {
			return out, nil
		}
	}
}

// Postings returns an entry's postings as a demo's JSON holds them.
func Postings(e ledger.Entry) []Posting {
	out := make([]Posting, len(e.Postings))
	for i, p := range e.Postings {
		out[i] = Posting{Entry: e.Key, From: p.From, To: p.To, Amount: Decimal(p.Amount.String(), p.Currency), Currency: p.Currency, Path: p.Path}
	}
	return out
}

// WriteDemo prints a demo's balances sorted by currency and account, as a
// table or as one JSON document: {"balances": […]} with what else the
// demo's table printed before them, under extra's names.
func WriteDemo(cmd *cobra.Command, out []Balance, format string, extra map[string]any) error {
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Currency != out[j].Currency {
			return out[i].Currency < out[j].Currency
		}
		return out[i].Account < out[j].Account
	})
	if format == "json" {
		doc := map[string]any{"balances": out}
		for k, v := range extra {
			doc[k] = v
		}
		return WriteJSON(cmd.OutOrStdout(), doc)
	}
	tw := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 0, 2, ' ', 0)
	Printf(tw, "ACCOUNT\tCURRENCY\tBALANCE\n")
	for _, b := range out {
		Printf(tw, "%s\t%s\t%s\n", b.Account, b.Currency, b.Amount)
	}
	return tw.Flush()
}
