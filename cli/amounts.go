package cli

import (
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/tributary-ledger/tributary/money"
	"github.com/tributary-ledger/tributary/wire"
)

// builtin holds the built-in currencies; made once, not per amount.
var builtin = money.NewRegistry()

// Decimal formats base units in whole units of a known currency, and
// leaves them as they are for an unknown one.
func Decimal(units, currency string) string {
	c, err := builtin.Lookup(currency)
	if err != nil {
		return units + " (base units)"
	}
	neg := strings.HasPrefix(units, "-")
	a, err := money.ParseUnits(strings.TrimPrefix(units, "-"))
	if err != nil {
		return units
	}
	s := money.Format(a, c)
	if neg {
		s = "-" + s
	}
	return s
}

// DecimalArg parses a decimal amount of a known currency into base units.
//
// Errors: money.ErrUnknownCurrency and money's parse errors.
func DecimalArg(amount, currency string) (wire.Amount, string, error) {
	c, err := builtin.Lookup(currency)
	if err != nil {
		return "", "", err
	}
	a, err := money.Parse(amount, c)
	if err != nil {
		return "", "", err
	}
	return wire.Amount(a.String()), c.Code, nil
}

// EntryDecimals returns an entry with its postings' amounts in decimals of
// their currencies, as every command prints amounts, in tables and JSON
// alike.
func EntryDecimals(e wire.EntryJSON) wire.EntryJSON {
	ps := make([]wire.PostingJSON, len(e.Postings))
	for i, p := range e.Postings {
		p.Amount = wire.Amount(Decimal(string(p.Amount), p.Currency))
		ps[i] = p
	}
	e.Postings = ps
	return e
}

// WithdrawalDecimals returns a withdrawal with its amount in decimals.
func WithdrawalDecimals(w wire.WithdrawalJSON) wire.WithdrawalJSON {
	w.Amount = wire.Amount(Decimal(string(w.Amount), w.Currency))
	return w
}

// PrintEntry prints an entry's postings with their paths, in decimals.
func PrintEntry(cmd *cobra.Command, e wire.EntryJSON) error {
	format, err := Output(cmd)
	if err != nil {
		return err
	}
	if format == "json" {
		return WriteJSON(cmd.OutOrStdout(), EntryDecimals(e))
	}
	Printf(cmd.OutOrStdout(), "entry %d (key %s)\n", e.Seq, e.Key)
	tw := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 0, 2, ' ', 0)
	for _, p := range e.Postings {
		Printf(tw, "%s\t%s %s\t%s\n", p.To, Decimal(string(p.Amount), p.Currency), p.Currency, p.Path)
	}
	return tw.Flush()
}
