package main

import (
	"github.com/spf13/cobra"

	"github.com/tributary-ledger/tributary/cli"
	"github.com/tributary-ledger/tributary/wire"
)

// newEntryCmd submits an entry of one posting to a running server, for the
// manual adjustments of the first hour (funding an account, a correction)
// without curl.
func newEntryCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "entry FROM TO AMOUNT CURRENCY",
		Short: "Submit an entry of one posting (an amount as a decimal, such as 10.00) to a running server, and print it",
		Long: `Submit an entry moving AMOUNT of CURRENCY from FROM to TO (POST /v1/entries),
under --key (a fresh one when omitted: a retry must pass the key printed
the first time). External accounts start with @ (@world, @bank:…). An entry
that pays an internal account out into an external one is for admin tokens
only; payees are paid by withdrawals.`,
		Args: cobra.ExactArgs(4),
		RunE: func(cmd *cobra.Command, args []string) error {
			amount, cur, err := cli.DecimalArg(args[2], args[3])
			if err != nil {
				return err
			}
			path, _ := cmd.Flags().GetString("path")
			req := wire.EntryRequest{Postings: []wire.PostingJSON{{From: args[0], To: args[1], Amount: amount, Currency: cur, Path: path}}}
			ent, _, err := cli.Remote(cmd).CreateEntry(cmd.Context(), cli.Key(cmd, "entry"), req)
			if err != nil {
				return err
			}
			return cli.PrintEntry(cmd, ent)
		},
	}
	cmd.Flags().String("path", "", "the posting's explanation (manual adjustments say why)")
	cli.AddRemoteFlags(cmd)
	cli.AddKeyFlag(cmd)
	return cmd
}
