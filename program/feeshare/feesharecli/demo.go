package feesharecli

import (
	"context"
	"crypto/ecdsa"
	"fmt"
	"io"
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
	sc, err := newScenario(cmd, d, format)
	if err != nil {
		return err
	}
	defer sc.sim.Close()
	if err := sc.registrations(); err != nil {
		return err
	}
	if err := sc.transactions(); err != nil {
		return err
	}
	if err := sc.printFees(); err != nil {
		return err
	}
	bals, err := d.Balances(ctx)
	if err != nil {
		return err
	}
	postings, err := d.Journal(ctx)
	if err != nil {
		return err
	}
	return cli.WriteDemo(cmd, bals, format, map[string]any{"postings": postings})
}

// scenario is the demo's chain, keys, store and watcher, and the
// transactions it sent.
type scenario struct {
	ctx                   context.Context
	out                   io.Writer
	table                 bool
	d                     *cli.Demo
	sim                   *chain.Sim
	w                     *chain.Watcher
	path                  chain.FactoryPath
	deployer, user, other *ecdsa.PrivateKey
	now                   time.Time
	txs                   []sent
}

// sent is a transaction the demo sent, and what it was.
type sent struct {
	what string
	hash feeshare.Hash
}

// newScenario starts the simulated chain, deploys the factories and the
// contract, and makes the watcher.
func newScenario(cmd *cobra.Command, d *cli.Demo, format string) (*scenario, error) {
	ctx := cmd.Context()
	sc := &scenario{ctx: ctx, out: cmd.OutOrStdout(), table: format == "table", d: d, now: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC),
		deployer: chain.DemoKey("tributary demo deployer"), user: chain.DemoKey("tributary demo user"), other: chain.DemoKey("tributary demo other")}
	sim, err := chain.NewSim(ctx, sc.deployer, sc.user, sc.other)
	if err != nil {
		return nil, err
	}
	sc.sim = sim
	if sc.path, err = sim.DeployFactoryPath(ctx, sc.deployer); err != nil {
		sim.Close()
		return nil, fmt.Errorf("deploying the factories: %w", err)
	}
	// The demo's clock is the chain's: signatures expire an hour after
	// the head block.
	facts0, err := sim.Client.Facts(ctx, chain.KeyAddress(sc.deployer), sc.path.Contract)
	if err == nil {
		sc.w, err = chain.NewWatcher(sim.Client, d.Engine, d.Store, chain.Config{Confirmations: demoConfirmations, Start: 1, Now: func() time.Time { return sc.now }})
	}
	if err != nil {
		sim.Close()
		return nil, err
	}
	dep, p := chain.KeyAddress(sc.deployer), sc.path
	sc.say("Deployer %s (%s)\nMyContract %s, created through FactoryA %s and FactoryB %s, nonces %s; the chain's head is block %d\n\n",
		dep.Hex(), dep.Bech32(), p.Contract.Hex(), p.FactoryA.Hex(), p.FactoryB.Hex(), feeshare.FormatNonces(p.Nonces), facts0.Head)
	return sc, nil
}

func (sc *scenario) say(f string, args ...any) {
	if sc.table {
		cli.Printf(sc.out, f, args...)
	}
}

// registrations tries a wrong nonce path, another signer and the right
// registration.
func (sc *scenario) registrations() error {
	for _, r := range []struct {
		what   string
		key    *ecdsa.PrivateKey
		nonces []uint64
	}{
		{"with nonces [2,1,1]", sc.deployer, []uint64{2, 1, 1}},
		{"signed by another key", sc.other, sc.path.Nonces},
		{"with nonces [2,2,1], signed by deployer", sc.deployer, sc.path.Nonces},
	} {
		if err := sc.register(r.what, r.key, r.nonces, uint64(len(r.what))); err != nil {
			return err
		}
	}
	return nil
}

// register sends a registration signed by key and says how it went; a
// refusal is part of the story, not an error.
func (sc *scenario) register(what string, key *ecdsa.PrivateKey, nonces []uint64, reqNonce uint64) error {
	req := feeshare.Request{Action: feeshare.ActionRegister, Contract: sc.path.Contract, Deployer: chain.KeyAddress(sc.deployer), Nonces: nonces,
		ChainID: sc.sim.Client.ChainID(), Expiry: sc.now.Add(time.Hour).Unix(), Nonce: reqNonce}
	sig, err := chain.Sign(req, key)
	if err != nil {
		return err
	}
	err = sc.sim.Client.Verify(req, sig)
	if err == nil {
		var facts feeshare.Facts
		if facts, err = sc.sim.Client.Facts(sc.ctx, req.Deployer, req.Contract); err != nil {
			return err
		}
		_, err = sc.d.Engine.ApplyOne(sc.ctx, feeshare.Register(fmt.Sprintf("demo:register-%d", reqNonce), sc.now, req, facts, feeshare.ByDeployer))
	}
	if err != nil {
		sc.say("register %-42s refused: %s (%s)\n", what, errcode.Code(err), err)
		return nil
	}
	sc.say("register %-42s ok: fees of MyContract now pay the deployer %s\n", what, feeshare.FormatShares(feeshare.DefaultParams().DeveloperSharesBP))
	return nil
}

// transactions sends the seed's transactions, cancels the registration,
// sends one more, and lets the watcher apply them all.
func (sc *scenario) transactions() error {
	p := sc.path
	for _, t := range []struct {
		what string
		key  *ecdsa.PrivateKey
		to   feeshare.Address
		fail bool
	}{
		{"user → MyContract", sc.user, p.Contract, false},
		{"other → MyContract (reverts)", sc.other, p.Contract, true},
		{"user → FactoryA (unregistered)", sc.user, p.FactoryA, false},
	} {
		if err := sc.send(t.what, t.key, t.to, t.fail); err != nil {
			return err
		}
	}
	if err := sc.confirm(); err != nil {
		return err
	}
	if err := sc.cancel(); err != nil {
		return err
	}
	if err := sc.send("user → MyContract (after cancel)", sc.user, p.Contract, false); err != nil {
		return err
	}
	return sc.confirm()
}

func (sc *scenario) send(what string, key *ecdsa.PrivateKey, to feeshare.Address, fail bool) error {
	var data []byte
	if fail {
		data = []byte{1} // MyContract reverts on calldata
	}
	h, err := sc.sim.Send(sc.ctx, key, &to, data, 100_000)
	sc.txs = append(sc.txs, sent{what, h})
	return err
}

// confirm mines the pending block and enough blocks to confirm it, and
// lets the watcher apply everything it may.
func (sc *scenario) confirm() error {
	sc.sim.Commit()
	for range demoConfirmations {
		sc.sim.Commit()
	}
	for {
		n, err := sc.w.Step(sc.ctx)
		if err != nil {
			return fmt.Errorf("chain watcher: %w", err)
		}
		if n == 0 {
			return nil
		}
	}
}

// cancel cancels MyContract's registration, signed by the deployer.
func (sc *scenario) cancel() error {
	req := feeshare.Request{Action: feeshare.ActionCancel, Contract: sc.path.Contract, Deployer: chain.KeyAddress(sc.deployer), ChainID: sc.sim.Client.ChainID(), Expiry: sc.now.Add(time.Hour).Unix(), Nonce: 100}
	sig, err := chain.Sign(req, sc.deployer)
	if err != nil {
		return err
	}
	if err := sc.sim.Client.Verify(req, sig); err != nil {
		return err
	}
	head, err := sc.sim.Client.Head(sc.ctx)
	if err != nil {
		return err
	}
	if _, err := sc.d.Engine.ApplyOne(sc.ctx, feeshare.Cancel("demo:cancel", sc.now, req, head, feeshare.ByDeployer)); err != nil {
		return err
	}
	sc.say("cancel   MyContract                                 ok: later transactions pay the validators everything\n\n")
	return nil
}

// printFees prints every transaction's fee and what the journal credited
// the developer for it.
func (sc *scenario) printFees() error {
	if !sc.table {
		return nil
	}
	tw := tabwriter.NewWriter(sc.out, 0, 0, 2, ' ', 0)
	cli.Printf(tw, "TX\tBLOCK\tSTATUS\tGAS USED\tEFFECTIVE GAS PRICE (wei)\tFEE (wei)\tTO DEVELOPER (wei)\n")
	for _, t := range sc.txs {
		f, err := sc.sim.Fee(sc.ctx, t.hash)
		if err != nil {
			return err
		}
		status := "ok"
		if !f.Success {
			status = "failed"
		}
		dev, err := developerShare(sc.ctx, sc.d.Store, t.hash)
		if err != nil {
			return err
		}
		cli.Printf(tw, "%s\t%d\t%s\t%d\t%s\t%s\t%s\n", t.what, f.Block, status, f.GasUsed, f.EffectiveGasPrice, f.Fee, dev)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	st := sc.w.Status()
	cli.Printf(sc.out, "\nThe watcher applied blocks up to %d (%d transactions, including the deployment's); balances:\n", st.Tip.Number, st.Txs)
	return nil
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
