package main

import (
	"strconv"
	"text/tabwriter"
	"time"

	"github.com/tributary-ledger/tributary/cli"

	"github.com/spf13/cobra"

	"github.com/tributary-ledger/tributary/client"
	"github.com/tributary-ledger/tributary/errcode"
	"github.com/tributary-ledger/tributary/money"
	"github.com/tributary-ledger/tributary/program"
	"github.com/tributary-ledger/tributary/wire"
)

func newBalanceCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "balance ACCOUNT",
		Short: "Show an account's balances (from a running server)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			format, err := cli.Output(cmd)
			if err != nil {
				return err
			}
			acct, err := cli.Remote(cmd).GetAccount(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			type row struct {
				Currency  string `json:"currency"`
				Posted    string `json:"posted"`
				Pending   string `json:"pending"`
				Available string `json:"available"`
			}
			rows := []row{}
			for _, b := range acct.Balances {
				rows = append(rows, row{b.Currency, cli.Decimal(b.Posted, b.Currency), cli.Decimal(b.Pending, b.Currency), cli.Decimal(b.Available, b.Currency)})
			}
			if format == "json" {
				return cli.WriteJSON(cmd.OutOrStdout(), map[string]any{"account": acct.Account, "external": acct.External, "balances": rows})
			}
			if len(rows) == 0 {
				// An empty table would read as a failure to answer.
				cli.Printf(cmd.OutOrStdout(), "%s has no balances: nothing was ever posted to or from it (check the name)\n", acct.Account)
				return nil
			}
			tw := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 0, 2, ' ', 0)
			cli.Printf(tw, "CURRENCY\tPOSTED\tPENDING\tAVAILABLE\n")
			for _, r := range rows {
				cli.Printf(tw, "%s\t%s\t%s\t%s\n", r.Currency, r.Posted, r.Pending, r.Available)
			}
			return tw.Flush()
		},
	}
	cli.AddRemoteFlags(cmd)
	return cmd
}

func printWithdrawal(cmd *cobra.Command, w wire.WithdrawalJSON) error {
	format, err := cli.Output(cmd)
	if err != nil {
		return err
	}
	if format == "json" {
		return cli.WriteJSON(cmd.OutOrStdout(), cli.WithdrawalDecimals(w))
	}
	cli.Printf(cmd.OutOrStdout(), "withdrawal %s: %s %s from %s to %s, %s\n", w.ID, cli.Decimal(string(w.Amount), w.Currency), w.Currency, w.Account, w.Destination, w.State)
	return nil
}

func newWithdrawCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "withdraw", Short: "Request, post, void and list withdrawals (on a running server)"}
	request := &cobra.Command{
		Use:   "request ACCOUNT AMOUNT CURRENCY",
		Short: "Reserve AMOUNT (a decimal, e.g. 12.50) of ACCOUNT's balance for withdrawal",
		Args:  cobra.ExactArgs(3),
		RunE: func(cmd *cobra.Command, args []string) error {
			cur, err := money.NewRegistry().Lookup(args[2])
			if err != nil {
				return err
			}
			amt, err := money.Parse(args[1], cur)
			if err != nil {
				return err
			}
			dest, _ := cmd.Flags().GetString("destination")
			w, _, err := cli.Remote(cmd).RequestWithdrawal(cmd.Context(), cli.Key(cmd, "withdrawal"), wire.WithdrawalRequest{Account: args[0], Amount: wire.Amount(amt.String()), Currency: cur.Code, Destination: dest})
			if err != nil {
				return err
			}
			return printWithdrawal(cmd, w)
		},
	}
	request.Flags().String("destination", "", "external account receiving the money (default @payout)")
	resolve := func(use, short string, post bool) *cobra.Command {
		c := &cobra.Command{
			Use: use + " ID", Short: short, Args: cobra.ExactArgs(1),
			RunE: func(cmd *cobra.Command, args []string) error {
				cl := cli.Remote(cmd)
				key := cli.Key(cmd, use)
				var w wire.WithdrawalJSON
				var err error
				if post {
					w, _, err = cl.PostWithdrawal(cmd.Context(), key, args[0])
				} else {
					w, _, err = cl.VoidWithdrawal(cmd.Context(), key, args[0])
				}
				if err != nil {
					return err
				}
				return printWithdrawal(cmd, w)
			},
		}
		return c
	}
	list := &cobra.Command{
		Use: "list", Short: "List withdrawals", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			format, err := cli.Output(cmd)
			if err != nil {
				return err
			}
			account, _ := cmd.Flags().GetString("account")
			state, _ := cmd.Flags().GetString("state")
			page, err := cli.Remote(cmd).ListWithdrawals(cmd.Context(), client.ListWithdrawalsQuery{Account: account, State: state, Limit: program.PageMax})
			if err != nil {
				return err
			}
			ws, next := page.Withdrawals, page.Next
			if format == "json" {
				out := make([]wire.WithdrawalJSON, len(ws))
				for i, w := range ws {
					out[i] = cli.WithdrawalDecimals(w)
				}
				return cli.WriteJSON(cmd.OutOrStdout(), map[string]any{"withdrawals": out, "next": next})
			}
			tw := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 0, 2, ' ', 0)
			cli.Printf(tw, "ID\tACCOUNT\tAMOUNT\tCURRENCY\tSTATE\tDESTINATION\n")
			for _, w := range ws {
				cli.Printf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", w.ID, w.Account, cli.Decimal(string(w.Amount), w.Currency), w.Currency, w.State, w.Destination)
			}
			return tw.Flush()
		},
	}
	list.Flags().String("account", "", "only this account's withdrawals")
	list.Flags().String("state", "", "pending, posted or voided")
	for _, c := range []*cobra.Command{request, resolve("post", "Post a pending withdrawal: the money has left", true), resolve("void", "Void a pending withdrawal: the money returns", false), list} {
		cli.AddRemoteFlags(c)
		if c != list {
			cli.AddKeyFlag(c)
		}
		cmd.AddCommand(c)
	}
	return cmd
}

func newJournalCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "journal",
		Short: "List journal entries (from a running server)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			format, err := cli.Output(cmd)
			if err != nil {
				return err
			}
			var q client.ListEntriesQuery
			q.Account, _ = cmd.Flags().GetString("account")
			if after, _ := cmd.Flags().GetUint64("after"); after > 0 {
				q.After = strconv.FormatUint(after, 10)
			}
			q.Limit, _ = cmd.Flags().GetInt("limit")
			for name, dst := range map[string]*time.Time{"since": &q.Since, "until": &q.Until} {
				if v, _ := cmd.Flags().GetString(name); v != "" {
					t, err := time.Parse(time.RFC3339, v)
					if err != nil {
						return errcode.Errorf(program.ErrQuery, "--%s %q; want an RFC 3339 time such as 2026-11-22T12:00:00Z", name, v)
					}
					*dst = t
				}
			}
			page, err := cli.Remote(cmd).ListEntries(cmd.Context(), q)
			if err != nil {
				return err
			}
			ents, next := page.Entries, page.Next
			if format == "json" {
				out := make([]wire.EntryJSON, len(ents))
				for i, e := range ents {
					out[i] = cli.EntryDecimals(e)
				}
				return cli.WriteJSON(cmd.OutOrStdout(), map[string]any{"entries": out, "next": next})
			}
			tw := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 0, 2, ' ', 0)
			cli.Printf(tw, "SEQ\tTIME\tKEY\tKIND\tFROM\tTO\tAMOUNT\tCURRENCY\tPATH\n")
			for _, e := range ents {
				for _, p := range e.Postings {
					cli.Printf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", e.Seq, e.Time.Format(time.RFC3339), e.Key, e.Kind, p.From, p.To, cli.Decimal(string(p.Amount), p.Currency), p.Currency, p.Path)
				}
			}
			if err := tw.Flush(); err != nil {
				return err
			}
			if next != "" {
				cli.Printf(cmd.OutOrStdout(), "more: --after %s\n", next)
			}
			return nil
		},
	}
	cmd.Flags().String("account", "", "only entries with a posting from or to this account")
	cmd.Flags().Uint64("after", 0, "entries after this sequence number")
	cmd.Flags().Int("limit", 100, "entries per page (1 to 1000)")
	cmd.Flags().String("since", "", "entries at or after this time (RFC 3339)")
	cmd.Flags().String("until", "", "entries before this time (RFC 3339)")
	cli.AddRemoteFlags(cmd)
	return cmd
}
