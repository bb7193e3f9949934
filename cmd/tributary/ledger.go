package main

import (
	"sort"

	"github.com/tributary-ledger/tributary/cli"

	"github.com/spf13/cobra"

	"github.com/tributary-ledger/tributary/engine"
)

func newLedgerCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "ledger", Short: "Inspect and check the ledger"}
	verify := &cobra.Command{
		Use:   "verify",
		Short: "Recompute every balance from the journal and check conservation per currency",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			format, err := cli.Output(cmd)
			if err != nil {
				return err
			}
			s, err := cli.OpenExisting(cmd.Context(), cli.DBFlag(cmd))
			if err != nil {
				return err
			}
			defer s.Close()
			rep, err := engine.Verify(cmd.Context(), s)
			if err != nil {
				return err
			}
			curs := make([]string, 0, len(rep.Totals))
			for c := range rep.Totals {
				curs = append(curs, c)
			}
			sort.Strings(curs)
			if format == "json" {
				totals := map[string]string{}
				for _, c := range curs {
					totals[c] = rep.Totals[c].String()
				}
				return cli.WriteJSON(cmd.OutOrStdout(), map[string]any{"ok": true, "entries": rep.Entries, "balances": rep.Balances, "totals": totals})
			}
			w := cmd.OutOrStdout()
			cli.Printf(w, "ok: %d entries, %d balances; every balance recomputed from the journal, every currency sums to zero\n", rep.Entries, rep.Balances)
			for _, c := range curs {
				cli.Printf(w, "  %s moved: %s base units\n", c, rep.Totals[c])
			}
			return nil
		},
	}
	cli.AddDBFlag(verify)
	cmd.AddCommand(verify)
	return cmd
}
