package main

import (
	"github.com/spf13/cobra"
	"github.com/tributary-ledger/tributary/programs"
)

func newRoot() *cobra.Command {
	root := &cobra.Command{
		Use:           "tributary",
		Short:         "Tributary shares revenue exactly: payments in, rules decide, a double-entry ledger records every unit",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.PersistentFlags().StringP("output", "o", "table", "output format: table or json")
	root.AddCommand(newSplitCmd(), newLedgerCmd(), newServeCmd(), newTokenCmd(), newBalanceCmd(), newWithdrawCmd(), newJournalCmd(), newBackupCmd(), newRestoreCmd(), newBenchCmd())
	demo := &cobra.Command{Use: "demo", Short: "Replay a seed's worked example on a temporary embedded store"}
	root.AddCommand(demo)
	// Each registered program adds its own commands.
	for _, p := range programs.All {
		if p.Commands == nil {
			continue
		}
		cmds := p.Commands()
		if cmds.Main != nil {
			root.AddCommand(cmds.Main)
		}
		if cmds.Demo != nil {
			demo.AddCommand(cmds.Demo)
		}
	}
	return root
}
