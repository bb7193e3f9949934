package chain

import (
	"context"
	"crypto/ecdsa"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/tributary-ledger/tributary/program/feeshare"
)

// BenchmarkWatcher measures the watcher's throughput: transactions applied
// per second from the simulated backend, 20 blocks of 100 transactions to a
// registered contract (a tenth of them failing), read over the client with
// their receipts and applied one engine batch per block to SQLite.
//
//	go test ./chain/ -run '^$' -bench Watcher -benchtime=3x
func BenchmarkWatcher(b *testing.B) {
	const blocks, perBlock, senders = 20, 100, 10
	ctx := context.Background()
	deployer := testKey(b, 1)
	keys := []*ecdsa.PrivateKey{deployer}
	for i := range senders {
		keys = append(keys, testKey(b, int64(100+i)))
	}
	sim, err := NewSim(ctx, keys...)
	if err != nil {
		b.Fatal(err)
	}
	defer sim.Close()
	path, err := sim.DeployFactoryPath(ctx, deployer)
	if err != nil {
		b.Fatal(err)
	}
	first := sim.mustHeadB(b).Number + 1
	for range blocks {
		for i := range perBlock {
			var data []byte
			if i%10 == 0 {
				data = []byte{1}
			}
			if _, err := sim.Send(ctx, keys[1+i%senders], &path.Contract, data, simGas); err != nil {
				b.Fatal(err)
			}
		}
		sim.Commit()
	}
	if err := sim.Settle(ctx); err != nil {
		b.Fatal(err)
	}
	last := sim.mustHeadB(b).Number
	b.ResetTimer()
	var txs uint64
	for i := range b.N {
		b.StopTimer()
		l := openLedger(b, filepath.Join(b.TempDir(), "b"+strconv.Itoa(i)+".db"))
		req := feeshare.Request{Action: feeshare.ActionRegister, Contract: path.Contract, Deployer: KeyAddress(deployer), Nonces: path.Nonces, ChainID: sim.Client.ChainID(), Expiry: testNow.Unix() + 3600, Nonce: 1}
		sig, err := Sign(req, deployer)
		if err != nil {
			b.Fatal(err)
		}
		if err := register(ctx, l, sim.Client, req, sig); err != nil {
			b.Fatal(err)
		}
		w := l.watcher(b, sim.Client, Config{Start: first, BlocksPerStep: BlocksPerStepMax})
		b.StartTimer()
		catchUp(b, w)
		b.StopTimer()
		st := w.Status()
		if st.Tip.Number != last || st.Txs != blocks*perBlock {
			b.Fatalf("applied up to block %d, %d txs; want %d, %d", st.Tip.Number, st.Txs, last, blocks*perBlock)
		}
		txs += st.Txs
		b.StartTimer()
	}
	b.ReportMetric(float64(txs)/b.Elapsed().Seconds(), "txs/s")
}

func (s *Sim) mustHeadB(b *testing.B) feeshare.BlockRef {
	h, err := s.Head(context.Background())
	if err != nil {
		b.Fatal(err)
	}
	return h
}
