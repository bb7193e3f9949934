package main

import (
	"crypto/rand"
	"encoding/hex"
	"os"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/tributary-ledger/tributary/client"
	"github.com/tributary-ledger/tributary/errcode"
	"github.com/tributary-ledger/tributary/money"
	"github.com/tributary-ledger/tributary/program"
	"github.com/tributary-ledger/tributary/wire"
)

// Commands that talk to a running server take --server and --token, or
// TRIBUTARY_SERVER and TRIBUTARY_TOKEN.
func addRemoteFlags(cmd *cobra.Command) {
	cmd.Flags().String("server", "", "server URL (default $TRIBUTARY_SERVER or http://127.0.0.1:8650)")
	cmd.Flags().String("token", "", "API token (default $TRIBUTARY_TOKEN)")
}

func remote(cmd *cobra.Command) *client.Client {
	token, _ := cmd.Flags().GetString("token")
	if token == "" {
		token = os.Getenv("TRIBUTARY_TOKEN")
	}
	return client.New(serverURL(cmd), token, nil)
}

// anonymous is a client that sends no token, for requests that carry
// their own authority (a deployer's signature): a token the server does
// not expect there would be refused, not ignored.
func anonymous(cmd *cobra.Command) *client.Client {
	return client.New(serverURL(cmd), "", nil)
}

func serverURL(cmd *cobra.Command) string {
	server, _ := cmd.Flags().GetString("server")
	if server == "" {
		server = os.Getenv("TRIBUTARY_SERVER")
	}
	if server == "" {
		server = "http://" + defaultAddr
	}
	return server
}

// decimal formats base units in whole units of a known currency, and leaves
// them as they are for an unknown one.
func decimal(units, currency string) string {
	c, err := money.NewRegistry().Lookup(currency)
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

// newKey makes an idempotency key for a command run without --key. It is
// printed, so that a run whose answer was lost can be repeated with it.
func newKey(prefix string) string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return prefix + "-" + hex.EncodeToString(b[:])
}

func keyFlag(cmd *cobra.Command, prefix string) string {
	k, _ := cmd.Flags().GetString("key")
	if k == "" {
		k = newKey(prefix)
		printf(cmd.ErrOrStderr(), "idempotency key: %s (repeat with --key %s if the answer is lost)\n", k, k)
	}
	return k
}

func newBalanceCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "balance ACCOUNT",
		Short: "Show an account's balances (from a running server)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			format, err := outputFormat(cmd)
			if err != nil {
				return err
			}
			acct, err := remote(cmd).GetAccount(cmd.Context(), args[0])
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
				rows = append(rows, row{b.Currency, decimal(b.Posted, b.Currency), decimal(b.Pending, b.Currency), decimal(b.Available, b.Currency)})
			}
			if format == "json" {
				return writeJSON(cmd.OutOrStdout(), map[string]any{"account": acct.Account, "external": acct.External, "balances": rows})
			}
			tw := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 0, 2, ' ', 0)
			printf(tw, "CURRENCY\tPOSTED\tPENDING\tAVAILABLE\n")
			for _, r := range rows {
				printf(tw, "%s\t%s\t%s\t%s\n", r.Currency, r.Posted, r.Pending, r.Available)
			}
			return tw.Flush()
		},
	}
	addRemoteFlags(cmd)
	return cmd
}

func printWithdrawal(cmd *cobra.Command, w wire.WithdrawalJSON) error {
	format, err := outputFormat(cmd)
	if err != nil {
		return err
	}
	if format == "json" {
		return writeJSON(cmd.OutOrStdout(), w)
	}
	printf(cmd.OutOrStdout(), "withdrawal %s: %s %s from %s to %s, %s\n", w.ID, decimal(string(w.Amount), w.Currency), w.Currency, w.Account, w.Destination, w.State)
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
			w, _, err := remote(cmd).RequestWithdrawal(cmd.Context(), keyFlag(cmd, "withdrawal"), wire.WithdrawalRequest{Account: args[0], Amount: wire.Amount(amt.String()), Currency: cur.Code, Destination: dest})
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
				cl := remote(cmd)
				key := keyFlag(cmd, use)
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
			format, err := outputFormat(cmd)
			if err != nil {
				return err
			}
			account, _ := cmd.Flags().GetString("account")
			state, _ := cmd.Flags().GetString("state")
			page, err := remote(cmd).ListWithdrawals(cmd.Context(), client.ListWithdrawalsQuery{Account: account, State: state, Limit: program.PageMax})
			if err != nil {
				return err
			}
			ws, next := page.Withdrawals, page.Next
			if format == "json" {
				return writeJSON(cmd.OutOrStdout(), map[string]any{"withdrawals": ws, "next": next})
			}
			tw := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 0, 2, ' ', 0)
			printf(tw, "ID\tACCOUNT\tAMOUNT\tCURRENCY\tSTATE\tDESTINATION\n")
			for _, w := range ws {
				printf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", w.ID, w.Account, decimal(string(w.Amount), w.Currency), w.Currency, w.State, w.Destination)
			}
			return tw.Flush()
		},
	}
	list.Flags().String("account", "", "only this account's withdrawals")
	list.Flags().String("state", "", "pending, posted or voided")
	for _, c := range []*cobra.Command{request, resolve("post", "Post a pending withdrawal: the money has left", true), resolve("void", "Void a pending withdrawal: the money returns", false), list} {
		addRemoteFlags(c)
		if c != list {
			c.Flags().String("key", "", "idempotency key (default: a new one, printed)")
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
			format, err := outputFormat(cmd)
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
			page, err := remote(cmd).ListEntries(cmd.Context(), q)
			if err != nil {
				return err
			}
			ents, next := page.Entries, page.Next
			if format == "json" {
				return writeJSON(cmd.OutOrStdout(), map[string]any{"entries": ents, "next": next})
			}
			tw := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 0, 2, ' ', 0)
			printf(tw, "SEQ\tTIME\tKEY\tKIND\tFROM\tTO\tAMOUNT\tCURRENCY\tPATH\n")
			for _, e := range ents {
				for _, p := range e.Postings {
					printf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", e.Seq, e.Time.Format(time.RFC3339), e.Key, e.Kind, p.From, p.To, decimal(string(p.Amount), p.Currency), p.Currency, p.Path)
				}
			}
			if err := tw.Flush(); err != nil {
				return err
			}
			if next != "" {
				printf(cmd.OutOrStdout(), "more: --after %s\n", next)
			}
			return nil
		},
	}
	cmd.Flags().String("account", "", "only entries with a posting from or to this account")
	cmd.Flags().Uint64("after", 0, "entries after this sequence number")
	cmd.Flags().Int("limit", 100, "entries per page (1 to 1000)")
	cmd.Flags().String("since", "", "entries at or after this time (RFC 3339)")
	cmd.Flags().String("until", "", "entries before this time (RFC 3339)")
	addRemoteFlags(cmd)
	return cmd
}
