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
	sim.Commit()
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
