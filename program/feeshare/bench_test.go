package feeshare_test

import (
	"context"
	"testing"

	"github.com/tributary-ledger/tributary/money"
	fs "github.com/tributary-ledger/tributary/program/feeshare"
)

// BenchmarkApplyBlock measures fee distribution through the engine on
// SQLite: blocks of 200 transactions, half to a registered contract, each
// block one engine batch. One op is one transaction.
func BenchmarkApplyBlock(b *testing.B) {
	e, _ := open(b)
	ctx := context.Background()
	d := addr(1)
	c, _ := fs.DeriveCreate(d, []uint64{0})
	other := addr(2)
	if _, err := e.ApplyOne(ctx, fs.Register("r", t0, fs.Request{Contract: c, Deployer: d, Nonces: []uint64{0}}, fs.Facts{DeployerNonce: 1, ContractHasCode: true}, fs.ByAdmin("bench"))); err != nil {
		b.Fatal(err)
	}
	const perBlock = 200
	price := money.FromUint64(1_500_000_007)
	var parent fs.Hash
	b.ResetTimer()
	for done, n := 0, uint64(1); done < b.N; n++ {
		blk := fs.Block{Number: n, Hash: fs.Hash{0: 0xb, 1: byte(n >> 16), 2: byte(n >> 8), 3: byte(n)}, Parent: parent, Time: t0}
		for i := 0; i < perBlock && done < b.N; i++ {
			to := &c
			if i%2 == 1 {
				to = &other
			}
			blk.Txs = append(blk.Txs, fs.Tx{Hash: fs.Hash{0: byte(n >> 16), 1: byte(n >> 8), 2: byte(n), 3: byte(i >> 8), 4: byte(i)}, To: to, GasUsed: 21000 + uint64(i), EffectiveGasPrice: price, Success: true})
			done++
		}
		res, err := e.Apply(ctx, fs.ApplyBlock(blk, fs.Chain{Currency: "ETH"}))
		if err != nil {
			b.Fatal(err)
		}
		if err := res[len(res)-1].Err; err != nil {
			b.Fatal(err)
		}
		parent = blk.Hash
	}
}
