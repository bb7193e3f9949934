package feesharecli

import (
	"context"
	"crypto/ecdsa"
	"fmt"
	"text/tabwriter"
	"time"

	"github.com/tributary-ledger/tributary/cli"

	"github.com/spf13/cobra"

	"github.com/tributary-ledger/tributary/chain"
	"github.com/tributary-ledger/tributary/engine"
	"github.com/tributary-ledger/tributary/errcode"
	"github.com/tributary-ledger/tributary/money"
	"github.com/tributary-ledger/tributary/program/feeshare"
	"github.com/tributary-ledger/tributary/store/sqlite"
)

// demoConfirmations is the demo watcher's confirmation depth.
const demoConfirmations = 2

// newFeeshareDemoCmd is `tributary demo feeshare`.
func newFeeshareDemoCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "feeshare",
		Short: "The fee-share seed (002) on an in-process EVM chain",
		Long: `Runs the Evmos x/revenue scenario on go-ethereum's simulated backend (a real
EVM in this process) and a temporary SQLite store:
  1. the deployer creates FactoryA (at its nonce 2), FactoryA creates FactoryB
     (FactoryA's nonce 2), FactoryB creates MyContract (FactoryB's nonce 1);
  2. registrations with a wrong nonce path and signed by another key are
     refused; the deployer's EIP-712 signed registration with [2,2,1] succeeds;
  3. a user's transaction to MyContract pays the deployer 50% of its fee, a
     failed one pays the deployer nothing, a call to an unregistered contract
     pays the validators everything;
  4. the deployer cancels; the next transaction pays the deployer nothing.
The watcher applies blocks ` + fmt.Sprint(demoConfirmations) + ` confirmations deep. Prints every
transaction's fee and split, then the balances in ETH.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			format, err := cli.Output(cmd)
			if err != nil {
				return err
			}
			return feeshareDemo(cmd, format)
		},
	}
}

// feeshareDemo runs the scenario; see newFeeshareDemoCmd.
func feeshareDemo(cmd *cobra.Command, format string) error {
	ctx := cmd.Context()
	d, err := cli.OpenDemo(ctx)
	if err != nil {
		return err
	}
	defer d.Close()
	s, eng := d.Store, d.Engine

	deployer, user, other := chain.DemoKey("tributary demo deployer"), chain.DemoKey("tributary demo user"), chain.DemoKey("tributary demo other")
	sim, err := chain.NewSim(ctx, deployer, user, other)
	if err != nil {
		return err
	}
	defer sim.Close()
	path, err := sim.DeployFactoryPath(ctx, deployer)
	if err != nil {
		return fmt.Errorf("deploying the factories: %w", err)
	}
	// The demo's clock is the chain's: signatures expire an hour after
	// the head block.
	facts0, err := sim.Client.Facts(ctx, chain.KeyAddress(deployer), path.Contract)
	if err != nil {
		return err
	}
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	w, err := chain.NewWatcher(sim.Client, eng, s, chain.Config{Confirmations: demoConfirmations, Start: 1, Now: func() time.Time { return now }})
	if err != nil {
		return err
	}
	out := cmd.OutOrStdout()
	table := format == "table"
	say := func(f string, args ...any) {
		if table {
			cli.Printf(out, f, args...)
		}
	}
	say("Deployer %s (%s)\nMyContract %s, created through FactoryA %s and FactoryB %s, nonces %s; the chain's head is block %d\n\n",
		chain.KeyAddress(deployer).Hex(), chain.KeyAddress(deployer).Bech32(), path.Contract.Hex(), path.FactoryA.Hex(), path.FactoryB.Hex(), feeshare.FormatNonces(path.Nonces), facts0.Head)

	register := func(what string, key *ecdsa.PrivateKey, nonces []uint64, reqNonce uint64) error {
		req := feeshare.Request{Action: feeshare.ActionRegister, Contract: path.Contract, Deployer: chain.KeyAddress(deployer), Nonces: nonces,
			ChainID: sim.Client.ChainID(), Expiry: now.Add(time.Hour).Unix(), Nonce: reqNonce}
		sig, err := chain.Sign(req, key)
		if err != nil {
			return err
		}
		err = sim.Client.Verify(req, sig)
		if err == nil {
			var facts feeshare.Facts
			if facts, err = sim.Client.Facts(ctx, req.Deployer, req.Contract); err != nil {
				return err
			}
			_, err = eng.ApplyOne(ctx, feeshare.Register(fmt.Sprintf("demo:register-%d", reqNonce), now, req, facts, feeshare.ByDeployer))
		}
		if err != nil {
			say("register %-42s refused: %s (%s)\n", what, errcode.Code(err), err)
			return nil
		}
		say("register %-42s ok: fees of MyContract now pay the deployer %s\n", what, feeshare.FormatShares(feeshare.DefaultParams().DeveloperSharesBP))
		return nil
	}
	for _, r := range []struct {
		what   string
		key    *ecdsa.PrivateKey
		nonces []uint64
	}{
		{"with nonces [2,1,1]", deployer, []uint64{2, 1, 1}},
		{"signed by another key", other, path.Nonces},
		{"with nonces [2,2,1], signed by deployer", deployer, path.Nonces},
	} {
		if err := register(r.what, r.key, r.nonces, uint64(len(r.what))); err != nil {
			return err
		}
	}

	type sent struct {
		what string
		hash feeshare.Hash
	}
	var txs []sent
	send := func(what string, key *ecdsa.PrivateKey, to feeshare.Address, fail bool) error {
		var data []byte
		if fail {
			data = []byte{1} // MyContract reverts on calldata
		}
		h, err := sim.Send(ctx, key, &to, data, 100_000)
		txs = append(txs, sent{what, h})
		return err
	}
	confirm := func() error {
		sim.Commit()
		for range demoConfirmations {
			sim.Commit()
		}
		for {
			n, err := w.Step(ctx)
			if err != nil {
				return fmt.Errorf("chain watcher: %w", err)
			}
			if n == 0 {
				return nil
			}
		}
	}
	if err := send("user → MyContract", user, path.Contract, false); err != nil {
		return err
	}
	if err := send("other → MyContract (reverts)", other, path.Contract, true); err != nil {
		return err
	}
	if err := send("user → FactoryA (unregistered)", user, path.FactoryA, false); err != nil {
		return err
	}
	if err := confirm(); err != nil {
		return err
	}
	creq := feeshare.Request{Action: feeshare.ActionCancel, Contract: path.Contract, Deployer: chain.KeyAddress(deployer), ChainID: sim.Client.ChainID(), Expiry: now.Add(time.Hour).Unix(), Nonce: 100}
	csig, err := chain.Sign(creq, deployer)
	if err != nil {
		return err
	}
	if err := sim.Client.Verify(creq, csig); err != nil {
		return err
	}
	head, err := sim.Client.Head(ctx)
	if err != nil {
		return err
	}
	if _, err := eng.ApplyOne(ctx, feeshare.Cancel("demo:cancel", now, creq, head, feeshare.ByDeployer)); err != nil {
		return err
	}
	say("cancel   MyContract                                 ok: later transactions pay the validators everything\n\n")
	if err := send("user → MyContract (after cancel)", user, path.Contract, false); err != nil {
		return err
	}
	if err := confirm(); err != nil {
		return err
	}

	if table {
		tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
		cli.Printf(tw, "TX\tBLOCK\tSTATUS\tGAS USED\tEFFECTIVE GAS PRICE (wei)\tFEE (wei)\tTO DEVELOPER (wei)\n")
		for _, t := range txs {
			f, err := sim.Fee(ctx, t.hash)
			if err != nil {
				return err
			}
			status := "ok"
			if !f.Success {
				status = "failed"
			}
			dev, err := developerShare(ctx, s, t.hash)
			if err != nil {
				return err
			}
			cli.Printf(tw, "%s\t%d\t%s\t%d\t%s\t%s\t%s\n", t.what, f.Block, status, f.GasUsed, f.EffectiveGasPrice, f.Fee, dev)
		}
		if err := tw.Flush(); err != nil {
			return err
		}
		st := w.Status()
		cli.Printf(out, "\nThe watcher applied blocks up to %d (%d transactions, including the deployment's); balances:\n", st.Tip.Number, st.Txs)
	}
	bals, err := d.Balances(ctx)
	if err != nil {
		return err
	}
	return cli.WriteBalances(cmd, bals, format)
}

// developerShare is what the journal credited the deployer for one
// transaction: the postings of its fee entry that do not go to the
// validators.
func developerShare(ctx context.Context, s *sqlite.Store, tx feeshare.Hash) (money.Amount, error) {
	ents, err := s.Journal(ctx, 0, engine.BatchMax)
	if err != nil {
		return money.Zero, err
	}
	ref := "feeshare:tx:" + tx.Hex()
	var total money.Amount
	for _, e := range ents {
		if e.Ref != ref {
			continue
		}
		for _, p := range e.Postings {
			if p.From == feeshare.FeesAccount && p.To != feeshare.ValidatorsAccount {
				if total, err = total.Add(p.Amount); err != nil {
					return money.Zero, err
				}
			}
		}
	}
	return total, nil
}
