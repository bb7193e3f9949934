// Package payoutcli is the payout program's command line: `tributary
// payout …` on a running server (destinations, batches, their exports and
// results, publishing a root on a chain, verifying an export), and
// `tributary demo payout`.
package payoutcli

import (
	"context"
	"crypto/ecdsa"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/tributary-ledger/tributary/chain"
	"github.com/tributary-ledger/tributary/cli"
	"github.com/tributary-ledger/tributary/client"
	"github.com/tributary-ledger/tributary/errcode"
	"github.com/tributary-ledger/tributary/money"
	"github.com/tributary-ledger/tributary/payout/merkle"
	"github.com/tributary-ledger/tributary/program/payout"
)

// Commands are the program's commands, for the registry.
func Commands() cli.Commands {
	return cli.Commands{Main: newPayoutCmd(), Demo: newDemoCmd()}
}

func batchID(s string) (uint64, error) { return payout.ParseID(s) }

func newPayoutCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "payout", Short: "Payouts on a running server: destinations, batches, exports, results, publishing, verifying"}
	var remote, writes []*cobra.Command
	add := func(c *cobra.Command, write bool) {
		remote = append(remote, c)
		if write {
			writes = append(writes, c)
		}
		cmd.AddCommand(c)
	}
	add(destinationCmd(), true)
	add(runCmd(), true)
	add(listCmd(), false)
	add(showCmd(), false)
	add(exportCmd(), false)
	add(resultsCmd(), true)
	add(publishCmd(), true)
	add(cancelCmd(), true)
	for _, c := range remote {
		cli.AddRemoteFlags(c)
	}
	for _, c := range writes {
		cli.AddKeyFlag(c)
	}
	cmd.AddCommand(verifyCmd())
	return cmd
}

func destinationCmd() *cobra.Command {
	return &cobra.Command{
		Use: "destination ACCOUNT [DESTINATION]", Short: "Show an account's payout destination, or register one (@bank:…, @psp:… or an EVM address)", Args: cobra.RangeArgs(1, 2),
		RunE: func(cmd *cobra.Command, args []string) error {
			format, err := cli.Output(cmd)
			if err != nil {
				return err
			}
			c := cli.Remote(cmd)
			var d payout.Destination
			if len(args) == 2 {
				d, _, err = c.SetPayoutDestination(cmd.Context(), cli.Key(cmd, "destination"), args[0], payout.DestinationRequest{Destination: args[1]})
			} else {
				d, err = c.GetPayoutDestination(cmd.Context(), args[0])
			}
			if err != nil {
				return err
			}
			if format == "json" {
				return cli.WriteJSON(cmd.OutOrStdout(), d)
			}
			cli.Printf(cmd.OutOrStdout(), "%s pays out to %s (%s rail)\n", d.Account, d.Destination, d.Rail)
			return nil
		},
	}
}

func runCmd() *cobra.Command {
	c := &cobra.Command{
		Use: "run CURRENCY", Short: "Make a payout batch of every balance with a destination (admin)", Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			req := payout.BatchRequest{Currency: args[0]}
			if m, _ := cmd.Flags().GetString("minimum"); m != "" {
				units, _, err := cli.DecimalArg(m, args[0])
				if err != nil {
					return err
				}
				req.Minimum = units
			}
			req.Program, _ = cmd.Flags().GetString("program")
			req.Prefix, _ = cmd.Flags().GetString("prefix")
			b, _, err := cli.Remote(cmd).CreatePayoutBatch(cmd.Context(), cli.Key(cmd, "payout"), req)
			if err != nil {
				return err
			}
			return printBatch(cmd, b)
		},
	}
	c.Flags().String("minimum", "", "smallest balance paid out, a decimal")
	c.Flags().String("program", "", "only this program's accounts (<program>:…)")
	c.Flags().String("prefix", "", "only accounts starting with this")
	return c
}

func printBatch(cmd *cobra.Command, b payout.Batch) error {
	format, err := cli.Output(cmd)
	if err != nil {
		return err
	}
	if format == "json" {
		return cli.WriteJSON(cmd.OutOrStdout(), b)
	}
	w := cmd.OutOrStdout()
	cli.Printf(w, "batch %d: %s, %d lines, total %s %s (bank %s, chain %s)\n", b.ID, b.State, b.Lines, cli.Decimal(string(b.Total), b.Currency), b.Currency, cli.Decimal(string(b.BankTotal), b.Currency), cli.Decimal(string(b.ChainTotal), b.Currency))
	cli.Printf(w, "  pending %d, paid %d, failed %d, claimed %d, voided %d\n", b.Pending, b.Paid, b.Failed, b.Claimed, b.Voided)
	if b.Root != "" {
		cli.Printf(w, "  claims tree: root %s, %d leaves, total %s %s\n", b.Root, b.Leaves, cli.Decimal(string(b.TreeTotal), b.Currency), b.Currency)
	}
	if r := b.Receipt; r != nil {
		cli.Printf(w, "  receipt: tx %s in block %d on %s\n", r.Tx, r.Block, r.Contract)
	}
	return nil
}

func listCmd() *cobra.Command {
	return &cobra.Command{
		Use: "list", Short: "List payout batches", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			format, err := cli.Output(cmd)
			if err != nil {
				return err
			}
			var all []payout.Batch
			q := client.ListPayoutBatchesQuery{Limit: 1000}
			for {
				page, err := cli.Remote(cmd).ListPayoutBatches(cmd.Context(), q)
				if err != nil {
					return err
				}
				all = append(all, page.Batches...)
				if page.Next == "" {
					break
				}
				q.After = page.Next
			}
			if format == "json" {
				return cli.WriteJSON(cmd.OutOrStdout(), map[string]any{"batches": all})
			}
			tw := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 0, 2, ' ', 0)
			cli.Printf(tw, "ID\tSTATE\tLINES\tTOTAL\tPENDING\tROOT\n")
			for _, b := range all {
				cli.Printf(tw, "%d\t%s\t%d\t%s %s\t%d\t%s\n", b.ID, b.State, b.Lines, cli.Decimal(string(b.Total), b.Currency), b.Currency, b.Pending, b.Root)
			}
			return tw.Flush()
		},
	}
}

func showCmd() *cobra.Command {
	return &cobra.Command{
		Use: "show ID", Short: "Show a payout batch", Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := batchID(args[0])
			if err != nil {
				return err
			}
			b, err := cli.Remote(cmd).GetPayoutBatch(cmd.Context(), strconv.FormatUint(id, 10))
			if err != nil {
				return err
			}
			return printBatch(cmd, b)
		},
	}
}

func exportCmd() *cobra.Command {
	c := &cobra.Command{
		Use: "export ID", Short: "Write a batch's export: csv (bank lines, for a provider), json (lines and leaves) or tree (the claims tree's dump)", Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := batchID(args[0])
			if err != nil {
				return err
			}
			format, _ := cmd.Flags().GetString("format")
			c := cli.Remote(cmd)
			var raw []byte
			switch format {
			case "csv":
				raw, err = c.PayoutExportCSV(cmd.Context(), id)
			case "json":
				raw, err = c.PayoutExportJSON(cmd.Context(), id)
			case "tree":
				raw, err = c.PayoutTree(cmd.Context(), id)
			default:
				return errcode.Errorf(cli.ErrOutput, "export format %q is unknown; want csv, json or tree", format)
			}
			if err != nil {
				return err
			}
			if file, _ := cmd.Flags().GetString("file"); file != "" {
				return os.WriteFile(file, raw, 0o644)
			}
			_, err = cmd.OutOrStdout().Write(raw)
			return err
		},
	}
	c.Flags().String("format", "csv", "csv, json or tree")
	c.Flags().String("file", "", "write to this file instead of standard output")
	return c
}

// readResults reads a provider's results file: CSV with a header naming
// reference and result (paid or failed), in any column order.
func readResults(path string) (map[string][]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if len(rows) == 0 {
		return nil, fmt.Errorf("%s is empty; want a header with reference and result", path)
	}
	ref, res := -1, -1
	for i, h := range rows[0] {
		switch strings.TrimSpace(strings.ToLower(h)) {
		case "reference":
			ref = i
		case "result":
			res = i
		}
	}
	if ref < 0 || res < 0 {
		return nil, fmt.Errorf("%s: the header %v lacks reference or result", path, rows[0])
	}
	out := map[string][]string{}
	for n, row := range rows[1:] {
		if len(row) <= max(ref, res) {
			return nil, fmt.Errorf("%s: line %d has %d fields", path, n+2, len(row))
		}
		r := strings.TrimSpace(row[res])
		if r != payout.ResultPaid && r != payout.ResultFailed {
			return nil, fmt.Errorf("%s: line %d: result %q; want paid or failed", path, n+2, r)
		}
		out[r] = append(out[r], strings.TrimSpace(row[ref]))
	}
	return out, nil
}

func resultsCmd() *cobra.Command {
	return &cobra.Command{
		Use: "results ID FILE", Short: "Record a provider's results (CSV: reference,result with paid or failed)", Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := batchID(args[0])
			if err != nil {
				return err
			}
			byResult, err := readResults(args[1])
			if err != nil {
				return err
			}
			key := cli.Key(cmd, "results")
			var b payout.Batch
			// One request per outcome, each under a key of its own derived
			// from the run's: a rerun replays both.
			for _, r := range []string{payout.ResultPaid, payout.ResultFailed} {
				if len(byResult[r]) == 0 {
					continue
				}
				b, _, err = cli.Remote(cmd).RecordPayoutResults(cmd.Context(), key+"-"+r, strconv.FormatUint(id, 10), payout.ResultsRequest{Result: r, References: byResult[r]})
				if err != nil {
					return fmt.Errorf("recording the %s lines: %w", r, err)
				}
			}
			if b.ID == 0 {
				return fmt.Errorf("%s names no lines", args[1])
			}
			return printBatch(cmd, b)
		},
	}
}

func cancelCmd() *cobra.Command {
	return &cobra.Command{
		Use: "cancel ID", Short: "Cancel an open batch: every line is voided (admin)", Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := batchID(args[0])
			if err != nil {
				return err
			}
			b, _, err := cli.Remote(cmd).CancelPayoutBatch(cmd.Context(), cli.Key(cmd, "cancel"), strconv.FormatUint(id, 10))
			if err != nil {
				return err
			}
			return printBatch(cmd, b)
		},
	}
}

func publishCmd() *cobra.Command {
	c := &cobra.Command{
		Use:   "publish ID",
		Short: "Publish a batch: with --chain-rpc, post its root on the claims contract first and keep the transaction as its receipt",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := batchID(args[0])
			if err != nil {
				return err
			}
			c := cli.Remote(cmd)
			b, err := c.GetPayoutBatch(cmd.Context(), strconv.FormatUint(id, 10))
			if err != nil {
				return err
			}
			if b.State != payout.StateOpen {
				return errcode.Errorf(payout.ErrState, "batch %d is %s; only an open batch is published", id, b.State)
			}
			req := payout.PublishRequest{}
			if rpc, _ := cmd.Flags().GetString("chain-rpc"); rpc != "" {
				if b.Root == "" {
					return errcode.Errorf(payout.ErrState, "batch %d has no on-chain lines: publish it without --chain-rpc", id)
				}
				r, err := postRoot(cmd, rpc, b)
				if err != nil {
					return err
				}
				req.Receipt = r
				cli.Printf(cmd.ErrOrStderr(), "root %s posted in tx %s, block %d\n", b.Root, r.Tx, r.Block)
			}
			b, _, err = c.PublishPayoutBatch(cmd.Context(), cli.Key(cmd, "publish"), strconv.FormatUint(id, 10), req)
			if err != nil {
				return err
			}
			return printBatch(cmd, b)
		},
	}
	c.Flags().String("chain-rpc", "", "JSON-RPC endpoint of the chain the claims contract is on")
	c.Flags().String("chain-key", "", "file holding the operator's private key (64 hex digits)")
	c.Flags().String("contract", "", "the claims contract's address (its code is checked)")
	c.Flags().String("deploy-token", "", "deploy a new claims contract paying this ERC-20 token instead of --contract")
	c.Flags().Int("attempts", 5, "tries to reach the chain, waiting twice as long after each failure")
	return c
}

// postRoot posts b's root on the claims contract, retrying an unreachable
// chain with backoff, and returns the mined transaction.
func postRoot(cmd *cobra.Command, rpc string, b payout.Batch) (*payout.Receipt, error) {
	ctx := cmd.Context()
	keyFile, _ := cmd.Flags().GetString("chain-key")
	raw, err := os.ReadFile(keyFile)
	if err != nil {
		return nil, fmt.Errorf("--chain-key: %w", err)
	}
	key, err := chain.ParseKey(string(raw))
	if err != nil {
		return nil, err
	}
	root, err := merkle.ParseHash(b.Root)
	if err != nil {
		return nil, err
	}
	total, err := money.ParseUnits(string(b.TreeTotal))
	if err != nil {
		return nil, err
	}
	attempts, _ := cmd.Flags().GetInt("attempts")
	var receipt *payout.Receipt
	err = retry(ctx, max(1, attempts), func() error {
		backend, err := chain.DialClaims(ctx, rpc)
		if err != nil {
			return err
		}
		claims, err := claimsContract(cmd, backend, key)
		if err != nil {
			return err
		}
		tx, err := claims.PostRoot(ctx, key, b.ID, root, total)
		if err != nil {
			return err
		}
		r, err := claims.Wait(ctx, tx, time.Second)
		if err != nil {
			return err
		}
		id, err := backend.ChainID(ctx)
		if err != nil {
			return err
		}
		receipt = &payout.Receipt{ChainID: id.Uint64(), Contract: claims.Address().Hex(), Tx: r.Tx.Hex(), Block: r.Block, BlockHash: r.BlockHash.Hex()}
		return nil
	})
	return receipt, err
}

func claimsContract(cmd *cobra.Command, backend chain.ClaimsBackend, key *ecdsa.PrivateKey) (*chain.Claims, error) {
	ctx := cmd.Context()
	if token, _ := cmd.Flags().GetString("deploy-token"); token != "" {
		t, err := merkle.ParseAddress(token)
		if err != nil {
			return nil, err
		}
		claims, tx, err := chain.DeployClaims(ctx, backend, key, t, merkle.Address(chain.KeyAddress(key)))
		if err != nil {
			return nil, err
		}
		if _, err := claims.Wait(ctx, tx, time.Second); err != nil {
			return nil, err
		}
		cli.Printf(cmd.ErrOrStderr(), "claims contract deployed at %s; fund it with the token before posting\n", claims.Address().Hex())
		return claims, nil
	}
	addr, _ := cmd.Flags().GetString("contract")
	a, err := merkle.ParseAddress(addr)
	if err != nil {
		return nil, fmt.Errorf("--contract: %w", err)
	}
	return chain.AttachClaims(ctx, backend, a)
}

// retry runs f up to attempts times while the chain is unreachable
// (chain.ErrEndpoint), waiting one second, then two, then four.
func retry(ctx context.Context, attempts int, f func() error) error {
	wait := time.Second
	for i := 1; ; i++ {
		err := f()
		if err == nil || i == attempts || !errors.Is(err, chain.ErrEndpoint) {
			return err
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(wait):
		}
		wait *= 2
	}
}

func verifyCmd() *cobra.Command {
	c := &cobra.Command{
		Use: "verify FILE", Short: "Recompute a JSON export's total, claims tree root and every proof, and check them against its lines (and a tree dump, with --tree)", Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			raw, err := os.ReadFile(args[0])
			if err != nil {
				return err
			}
			var ex payout.Export
			if err := json.Unmarshal(raw, &ex); err != nil {
				return fmt.Errorf("%s is not a payout export: %w", args[0], err)
			}
			var dump []byte
			if f, _ := cmd.Flags().GetString("tree"); f != "" {
				if dump, err = os.ReadFile(f); err != nil {
					return err
				}
			}
			rep, err := Verify(ex, dump)
			if err != nil {
				return err
			}
			cli.Printf(cmd.OutOrStdout(), "ok: batch %d, %d lines summing to %s, %d leaves under root %s, %d proofs verified\n", ex.Batch.ID, len(ex.Lines), ex.Batch.Total, rep.Leaves, ex.Batch.Root, rep.Proofs)
			return nil
		},
	}
	c.Flags().String("tree", "", "the batch's tree dump (payout export --format tree), checked against the export")
	return c
}
