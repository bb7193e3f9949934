package ledger_test

import (
	"fmt"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tributary-ledger/tributary/ledger"
	"github.com/tributary-ledger/tributary/money"
)

// heapInUse returns the live heap after a full collection, so that a
// difference of two readings is what the structures built in between keep
// alive.
func heapInUse() uint64 {
	runtime.GC()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc
}

// BenchmarkBalancesMemory measures what an in-process ledger.Balances map
// costs per account: the map's slots, the Balance values (four 256-bit
// sums and the key) and the account names, which are built fresh as when
// they are read from a store. Each account gets one credit from an
// external account through ledger.Apply. The bytes/account metric is the
// live heap the finished map holds, over its number of balances; ns/op is
// the time to build the whole map.
func BenchmarkBalancesMemory(b *testing.B) {
	for _, n := range []int{1_000, 100_000, 1_000_000} {
		b.Run(fmt.Sprintf("accounts=%d", n), func(b *testing.B) {
			if testing.Short() && n > 100_000 {
				b.Skip("large map skipped in -short mode")
			}
			var perAccount float64
			for b.Loop() {
				b.StopTimer()
				before := heapInUse()
				b.StartTimer()
				bals := make(ledger.Balances)
				for i := 0; i < n; i++ {
					p := []ledger.Posting{{
						From:     "@world",
						To:       "payee:" + strconv.Itoa(1_000_000+i), // 14 bytes, unique
						Currency: money.USDC.Code,
						Amount:   money.FromUint64(uint64(1_000_000 + i)),
					}}
					if err := ledger.Apply(bals, ledger.Transfer, p); err != nil {
						b.Fatal(err)
					}
				}
				b.StopTimer()
				after := heapInUse()
				if len(bals) != n+1 {
					b.Fatalf("map has %d balances; want %d", len(bals), n+1)
				}
				perAccount = float64(int64(after)-int64(before)) / float64(len(bals))
				runtime.KeepAlive(bals)
				b.StartTimer()
			}
			b.ReportMetric(perAccount, "bytes/account")
		})
	}
}

// BenchmarkEntriesMemory measures what a ledger.Entry with 4 postings (a
// payment split three ways plus a fee) costs in memory when a slice of them
// is held, as a journal page or a batch is. With strings=shared the account
// names come from a pool of 1000 payees, the currency is a constant, and
// only the key, buyer and explanation paths are built per entry, as the
// engine holds them. With strings=distinct every string is allocated on
// its own, as when entries are scanned from SQL rows.
func BenchmarkEntriesMemory(b *testing.B) {
	payees := make([]string, 1000)
	for i := range payees {
		payees[i] = fmt.Sprintf("payee:%04d", i)
	}
	at := time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)
	for _, distinct := range []bool{false, true} {
		own := func(s string) string { return s }
		if distinct {
			own = strings.Clone
		}
		name := "strings=shared"
		if distinct {
			name = "strings=distinct"
		}
		for _, n := range []int{1_000, 100_000} {
			b.Run(fmt.Sprintf("%s/entries=%d", name, n), func(b *testing.B) {
				var perEntry float64
				for b.Loop() {
					b.StopTimer()
					before := heapInUse()
					b.StartTimer()
					ents := make([]ledger.Entry, n)
					for i := range ents {
						product := "product:" + strconv.Itoa(i%5000)
						buyer := "@buyer:" + strconv.Itoa(i%100_000)
						a, c, d := payees[i%1000], payees[(i+7)%1000], payees[(i+13)%1000]
						price := uint64(1+i%200) * 250_000
						fee := price * 25 / 1000
						rest := price - fee
						s0, s1 := rest*50/100, rest*30/100
						ents[i] = ledger.Entry{
							Seq:  uint64(i + 1),
							Key:  "sale:" + strconv.Itoa(10_000_000+i),
							Kind: ledger.Transfer,
							Time: at.Add(time.Duration(i) * time.Millisecond),
							Postings: []ledger.Posting{
								{From: buyer, To: own(a), Currency: own(money.USDC.Code), Amount: money.FromUint64(s0), Path: product + " → split 50% → " + a},
								{From: own(buyer), To: own(c), Currency: own(money.USDC.Code), Amount: money.FromUint64(s1), Path: product + " → split 30% → " + c},
								{From: own(buyer), To: own(d), Currency: own(money.USDC.Code), Amount: money.FromUint64(rest - s0 - s1), Path: product + " → split 20% → " + d},
								{From: own(buyer), To: own("platform:fee"), Currency: own(money.USDC.Code), Amount: money.FromUint64(fee), Path: product + " → fee 2.5%"},
							},
						}
					}
					b.StopTimer()
					after := heapInUse()
					perEntry = float64(int64(after)-int64(before)) / float64(n)
					runtime.KeepAlive(ents)
					b.StartTimer()
				}
				b.ReportMetric(perEntry, "bytes/entry")
			})
		}
	}
}
