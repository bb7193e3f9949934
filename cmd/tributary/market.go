package main

import (
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/tributary-ledger/tributary/money"
	"github.com/tributary-ledger/tributary/program/market"
	"github.com/tributary-ledger/tributary/wire"
)

func newMarketCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "market", Short: "The market program on a running server: assets, sales, license payments"}
	asset := &cobra.Command{
		Use: "asset ID", Short: "Show an asset: owner, split, effective royalty", Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			format, err := outputFormat(cmd)
			if err != nil {
				return err
			}
			a, err := remote(cmd).Asset(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			if format == "json" {
				return writeJSON(cmd.OutOrStdout(), a)
			}
			w := cmd.OutOrStdout()
			printf(w, "asset %s, owner %s, sold %v, royalty %s%s\n", a.ID, a.Owner, a.Sold, pctBP(a.EffectiveRoyaltyBP), map[bool]string{true: " (override)", false: " (default)"}[a.RoyaltyBP != nil])
			for _, r := range a.Split {
				printf(w, "  %s  %s\n", pctBP(r.ShareBP), r.Account)
			}
			return nil
		},
	}
	sell := &cobra.Command{
		Use: "sell ITEM AMOUNT CURRENCY", Short: "Record a sale of an asset (or, with --license, of a license); AMOUNT is a decimal", Args: cobra.ExactArgs(3),
		RunE: func(cmd *cobra.Command, args []string) error {
			amount, cur, err := decimalArg(args[1], args[2])
			if err != nil {
				return err
			}
			buyer, _ := cmd.Flags().GetString("buyer")
			seller, _ := cmd.Flags().GetString("seller")
			req := market.SaleRequest{Asset: args[0], Amount: amount, Currency: cur, Buyer: buyer, Seller: seller}
			if lic, _ := cmd.Flags().GetBool("license"); lic {
				req.Asset, req.License = "", args[0]
			}
			e, _, err := remote(cmd).Sell(cmd.Context(), keyFlag(cmd, "sale"), req)
			if err != nil {
				return err
			}
			return printEntry(cmd, e)
		},
	}
	sell.Flags().String("buyer", "@buyer", "paying account (external: @…)")
	sell.Flags().String("seller", "", "seller's account, needed for a secondary sale")
	sell.Flags().Bool("license", false, "ITEM is a license, not an asset")
	pay := &cobra.Command{
		Use: "pay LICENSE AMOUNT CURRENCY", Short: "Make a recurring license payment; AMOUNT is a decimal", Args: cobra.ExactArgs(3),
		RunE: func(cmd *cobra.Command, args []string) error {
			amount, cur, err := decimalArg(args[1], args[2])
			if err != nil {
				return err
			}
			payer, _ := cmd.Flags().GetString("payer")
			e, _, err := remote(cmd).PayLicense(cmd.Context(), keyFlag(cmd, "license-payment"), args[0], market.LicensePaymentRequest{Amount: amount, Currency: cur, Payer: payer})
			if err != nil {
				return err
			}
			return printEntry(cmd, e)
		},
	}
	pay.Flags().String("payer", "@licensee", "paying account (external: @…)")
	for _, c := range []*cobra.Command{asset, sell, pay} {
		addRemoteFlags(c)
		if c != asset {
			c.Flags().String("key", "", "idempotency key (default: a new one, printed)")
		}
		cmd.AddCommand(c)
	}
	return cmd
}

// decimalArg parses a decimal amount of a known currency into base units.
func decimalArg(amount, currency string) (wire.Amount, string, error) {
	c, err := money.NewRegistry().Lookup(currency)
	if err != nil {
		return "", "", err
	}
	a, err := money.Parse(amount, c)
	if err != nil {
		return "", "", err
	}
	return wire.Amount(a.String()), c.Code, nil
}

func pctBP(bp uint64) string {
	s := money.Format(money.FromUint64(bp), money.Currency{Code: "BP", Decimals: 2})
	return strings.TrimSuffix(strings.TrimSuffix(s, "00"), ".") + "%"
}

// printEntry prints an entry's postings with their paths, in decimals.
func printEntry(cmd *cobra.Command, e wire.EntryJSON) error {
	format, err := outputFormat(cmd)
	if err != nil {
		return err
	}
	if format == "json" {
		return writeJSON(cmd.OutOrStdout(), e)
	}
	printf(cmd.OutOrStdout(), "entry %d (key %s)\n", e.Seq, e.Key)
	tw := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 0, 2, ' ', 0)
	for _, p := range e.Postings {
		printf(tw, "%s\t%s %s\t%s\n", p.To, decimal(string(p.Amount), p.Currency), p.Currency, p.Path)
	}
	return tw.Flush()
}
