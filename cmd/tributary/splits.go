package main

import (
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/tributary-ledger/tributary/cli"
	"github.com/tributary-ledger/tributary/errcode"
	"github.com/tributary-ledger/tributary/program/splitbook"
	"github.com/tributary-ledger/tributary/split"
)

// newSplitsCmd creates and reads named splits on a running server, and
// pays by them, so that the common path needs no curl.
func newSplitsCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "splits", Short: "Create, read and pay by named splits (on a running server)"}
	create := &cobra.Command{
		Use:   "create ID ACCOUNT=SHARE...",
		Short: "Create or replace a named split: shares as percentages (artist:1=70%), basis points (7000bp) or weights (2)",
		Args:  cobra.MinimumNArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			def, err := splitDef(args[0], args[1:])
			if err != nil {
				return err
			}
			key := cli.Key(cmd, "split")
			c := cli.Remote(cmd)
			var out splitbook.Def
			if replace, _ := cmd.Flags().GetBool("replace"); replace {
				out, _, err = c.ReplaceSplit(cmd.Context(), key, def.ID, splitbook.DefReplacement{Unit: def.Unit, Receivers: def.Receivers})
			} else {
				out, _, err = c.CreateSplit(cmd.Context(), key, def)
			}
			if err != nil {
				return err
			}
			return printSplit(cmd, out)
		},
	}
	create.Flags().Bool("replace", false, "replace the split of this ID instead of creating it")
	get := &cobra.Command{
		Use: "get ID", Short: "Show a named split", Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			def, err := cli.Remote(cmd).GetSplit(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			return printSplit(cmd, def)
		},
	}
	pay := &cobra.Command{
		Use: "pay ID FROM AMOUNT CURRENCY", Short: "Pay an amount (a decimal, such as 1.98) from an account by a named split, and print where each unit went", Args: cobra.ExactArgs(4),
		RunE: func(cmd *cobra.Command, args []string) error {
			amount, cur, err := cli.DecimalArg(args[2], args[3])
			if err != nil {
				return err
			}
			memo, _ := cmd.Flags().GetString("memo")
			ent, _, err := cli.Remote(cmd).CreatePayment(cmd.Context(), cli.Key(cmd, "pay"), splitbook.PaymentRequest{From: args[1], Split: args[0], Amount: amount, Currency: cur, Memo: memo})
			if err != nil {
				return err
			}
			return cli.PrintEntry(cmd, ent)
		},
	}
	pay.Flags().String("memo", "", "written into every posting's path")
	for _, c := range []*cobra.Command{create, get, pay} {
		cli.AddRemoteFlags(c)
		cmd.AddCommand(c)
	}
	cli.AddKeyFlag(create)
	cli.AddKeyFlag(pay)
	return cmd
}

// splitDef reads ACCOUNT=SHARE arguments into a split definition; a
// receiver named split:ID is the nested split ID.
func splitDef(id string, args []string) (splitbook.Def, error) {
	accounts := make([]string, len(args))
	shares := make([]string, len(args))
	for i, a := range args {
		acct, share, ok := strings.Cut(a, "=")
		if !ok || acct == "" {
			return splitbook.Def{}, errcode.Errorf(errShare, "receiver %q; want ACCOUNT=SHARE, such as artist:1=70%%", a)
		}
		accounts[i], shares[i] = acct, share
	}
	unit, values, err := parseShares(shares)
	if err != nil {
		return splitbook.Def{}, err
	}
	def := splitbook.Def{ID: id, Unit: "weight"}
	if unit == split.BasisPoints {
		def.Unit = "bp"
	}
	for i, acct := range accounts {
		r := splitbook.ReceiverDef{Account: acct, Share: values[i]}
		if nested, ok := strings.CutPrefix(acct, "split:"); ok {
			r = splitbook.ReceiverDef{Split: nested, Share: values[i]}
		}
		def.Receivers = append(def.Receivers, r)
	}
	return def, nil
}

func printSplit(cmd *cobra.Command, def splitbook.Def) error {
	format, err := cli.Output(cmd)
	if err != nil {
		return err
	}
	if format == "json" {
		return cli.WriteJSON(cmd.OutOrStdout(), def)
	}
	cli.Printf(cmd.OutOrStdout(), "split %s (%s)\n", def.ID, def.Unit)
	tw := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 0, 2, ' ', 0)
	for _, r := range def.Receivers {
		who := r.Account
		if r.Split != "" {
			who = "split:" + r.Split
		}
		share := split.FormatShare(split.BasisPoints, r.Share, split.TotalBasisPoints)
		if def.Unit != "bp" {
			share = "weight " + strconv.FormatUint(r.Share, 10)
		}
		cli.Printf(tw, "  %s\t%s\n", who, share)
	}
	return tw.Flush()
}
