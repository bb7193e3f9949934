package main

import (
	"regexp"
	"strings"

	"github.com/spf13/cobra"

	"github.com/tributary-ledger/tributary/errcode"
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
	root.AddCommand(newSplitCmd(), newLedgerCmd(), newVerifyCmd(), newServeCmd(), newTokenCmd(), newBalanceCmd(), newWithdrawCmd(), newJournalCmd(), newEventsCmd(), newSplitsCmd(), newEntryCmd(), newBackupCmd(), newRestoreCmd(), newBenchCmd())
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
	root.SetFlagErrorFunc(func(cmd *cobra.Command, err error) error {
		hint := ""
		if negative.MatchString(err.Error()) {
			hint = " (a negative number reads as a flag; amounts are zero or more)"
		}
		return errcode.Errorf(ErrUsage, "%v; see %s --help%s", err, cmd.CommandPath(), hint)
	})
	commandsOnly(root)
	return root
}

// negative matches pflag's error for an argument such as -1.
var negative = regexp.MustCompile(`shorthand flag: '[0-9]'`)

// Errors of the command line itself.
var (
	ErrCommand = errcode.New(errcode.NotFound, "command_unknown", "no such command")
	ErrUsage   = errcode.New(errcode.Invalid, "usage_invalid", "the command line is malformed")
)

// commandsOnly makes every command that only groups others (demo, token,
// withdraw, …) fail on a name it does not know, listing the ones it has,
// instead of printing its help and succeeding; called with no name it
// prints its help.
func commandsOnly(c *cobra.Command) {
	for _, sub := range c.Commands() {
		commandsOnly(sub)
	}
	if !c.HasSubCommands() || c.Runnable() {
		return
	}
	c.Args = cobra.ArbitraryArgs
	c.RunE = func(cmd *cobra.Command, args []string) error {
		if len(args) == 0 {
			return cmd.Help()
		}
		var names []string
		for _, sub := range cmd.Commands() {
			if sub.IsAvailableCommand() {
				names = append(names, sub.Name())
			}
		}
		return errcode.Errorf(ErrCommand, "unknown command %q for %q; commands: %s", args[0], cmd.CommandPath(), strings.Join(names, ", "))
	}
}
