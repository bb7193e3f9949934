package chain

import (
	"context"
	"testing"

	"github.com/tributary-ledger/tributary/program/feeshare"
)

const gasLimit = 300_000

func TestSimFactoryChain(t *testing.T) {
	ctx := context.Background()
	key := testKey(t, 100)
	sim, err := NewSim(ctx, key)
	if err != nil {
		t.Fatal(err)
	}
	defer sim.Close()
	p, err := sim.DeployFactoryPath(ctx, key)
	if err != nil {
		t.Fatal(err)
	}
	for name, a := range map[string]feeshare.Address{"FactoryA": p.FactoryA, "FactoryB": p.FactoryB, "MyContract": p.Contract} {
		f, err := sim.Client.Facts(ctx, KeyAddress(key), a)
		if err != nil {
			t.Fatal(err)
		}
		if !f.ContractHasCode {
			t.Errorf("%s at %x has no code", name, a)
		}
		if f.DeployerHasCode || f.DeployerNonce != 6 {
			t.Errorf("%s: deployer facts = %+v; want no code and nonce 6", name, f)
		}
	}
	if got, want := p.Nonces, []uint64{2, 2, 1}; len(got) != 3 || got[0] != want[0] || got[1] != want[1] || got[2] != want[2] {
		t.Errorf("nonces = %v; want %v", got, want)
	}
	// MyContract succeeds without calldata and reverts with it.
	ok, err := sim.Send(ctx, key, &p.Contract, nil, gasLimit)
	if err != nil {
		t.Fatal(err)
	}
	bad, err := sim.Send(ctx, key, &p.Contract, []byte{1}, gasLimit)
	if err != nil {
		t.Fatal(err)
	}
	if err := sim.commitAll(ctx); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		h    feeshare.Hash
		want bool
	}{{ok, true}, {bad, false}} {
		f, err := sim.Fee(ctx, c.h)
		if err != nil {
			t.Fatal(err)
		}
		if f.Success != c.want {
			t.Errorf("tx %x success = %v; want %v", c.h, f.Success, c.want)
		}
		if f.GasUsed == 0 || f.Fee.IsZero() {
			t.Errorf("tx %x fee = %+v; want gas used and a fee", c.h, f)
		}
	}
}

// TestBlockRead: the client's block carries each transaction's sender,
// target, gas used, effective price and status as the receipts say, both
// through eth_getBlockReceipts and the node's "from" and through one
// receipt and one ecrecover per transaction.
func TestBlockRead(t *testing.T) {
	ctx := context.Background()
	deployer, user := testKey(t, 1), testKey(t, 3)
	sim, err := NewSim(ctx, deployer, user)
	if err != nil {
		t.Fatal(err)
	}
	defer sim.Close()
	p, err := sim.DeployFactoryPath(ctx, deployer)
	if err != nil {
		t.Fatal(err)
	}
	ok, _ := sim.Send(ctx, user, &p.Contract, nil, gasLimit)
	bad, _ := sim.Send(ctx, deployer, &p.Contract, []byte{1}, gasLimit)
	if err := sim.commitAll(ctx); err != nil {
		t.Fatal(err)
	}
	slow, err := New(ctx, plainBackend{sim.rpc})
	if err != nil {
		t.Fatal(err)
	}
	for name, c := range map[string]*Client{"block receipts": sim.Client, "per transaction": slow} {
		for _, want := range []struct {
			h       feeshare.Hash
			from    feeshare.Address
			success bool
		}{{ok, KeyAddress(user), true}, {bad, KeyAddress(deployer), false}} {
			f, err := sim.Fee(ctx, want.h)
			if err != nil {
				t.Fatal(err)
			}
			b, err := c.block(ctx, f.Block)
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			var tx *feeshare.Tx
			for i := range b.Txs {
				if b.Txs[i].Hash == want.h {
					tx = &b.Txs[i]
				}
			}
			if b.Number != f.Block || tx == nil {
				t.Fatalf("%s: block %d (%d txs) lacks tx %x its receipt places there", name, b.Number, len(b.Txs), want.h)
			}
			if tx.From != want.from || tx.To == nil || *tx.To != p.Contract || tx.Success != want.success ||
				tx.GasUsed != f.GasUsed || tx.EffectiveGasPrice != f.EffectiveGasPrice {
				t.Errorf("%s: tx = %+v; want from %x to %x success %v gas %d price %s", name, *tx, want.from, p.Contract, want.success, f.GasUsed, f.EffectiveGasPrice)
			}
		}
	}
}

// plainBackend hides ethclient's extra methods, leaving only Backend.
type plainBackend struct{ Backend }
