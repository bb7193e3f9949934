package main

import (
	"sort"

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
			format, err := outputFormat(cmd)
			if err != nil {
				return err
			}
			s, err := openStore(cmd.Context(), dbFlag(cmd))
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
				return writeJSON(cmd.OutOrStdout(), map[string]any{"ok": true, "entries": rep.Entries, "balances": rep.Balances, "totals": totals})
			}
			w := cmd.OutOrStdout()
			printf(w, "ok: %d entries, %d balances; every balance recomputed from the journal, every currency sums to zero\n", rep.Entries, rep.Balances)
			for _, c := range curs {
				printf(w, "  %s moved: %s base units\n", c, rep.Totals[c])
			}
			return nil
		},
	}
	addDBFlag(verify)
	cmd.AddCommand(verify)
	return cmd
}
