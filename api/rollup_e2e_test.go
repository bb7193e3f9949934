package api_test

import (
	"context"
	"fmt"
	"math/big"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/tributary-ledger/tributary/client"
	"github.com/tributary-ledger/tributary/wire"
)

// TestFlowsRollupsKeepUp: the flows answered at once from the hours the
// server keeps summed are the flows read page by page from the journal,
// on every store, also after entries dated in a kept hour commit later,
// with partial hours at the ends and with a currency.
func TestFlowsRollupsKeepUp(t *testing.T) {
	bigs := cmp.Comparer(func(a, b *big.Int) bool { return a.Cmp(b) == 0 })
	for name, open := range stores(t) {
		t.Run(name, func(t *testing.T) {
			t0 := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
			clk := &clock{now: t0}
			e := startAt(t, open(t), clk.Now)
			ctx := context.Background()
			n := 0
			pay := func(at time.Time, to, cur string) {
				t.Helper()
				clk.set(at)
				n++
				p := wire.PostingJSON{From: "@buyer", To: to, Amount: wire.Amount(fmt.Sprint(1000 + n)), Currency: cur}
				if _, _, err := e.admin.CreateEntry(ctx, fmt.Sprint("roll-", n), wire.EntryRequest{Postings: []wire.PostingJSON{p}}); err != nil {
					t.Fatal(err)
				}
			}
			for h := range 3 {
				for i := range 5 {
					pay(t0.Add(time.Duration(h)*time.Hour+time.Duration(i)*10*time.Minute), []string{"artist:a", "artist:b"}[i%2], []string{"USD", "ETH"}[(h+i)%2])
				}
			}
			same := func(what string, q client.ListFlowsQuery) {
				t.Helper()
				kept, keptN, keptE, calls, keptH := readFlows(t, e.admin, q)
				q.After = "0"
				paged, pagedN, pagedE, _, pagedH := readFlows(t, e.admin, q)
				if calls != 1 || keptE != pagedE || !cmp.Equal(kept, paged, bigs) || !cmp.Equal(keptN, pagedN) || !cmp.Equal(keptH, pagedH) {
					t.Errorf("%s: kept hours answer %d entries in %d calls, %v %v %v; paged: %d entries, %v %v %v", what, keptE, calls, kept, keptN, keptH, pagedE, paged, pagedN, pagedH)
				}
			}
			whole := client.ListFlowsQuery{Since: t0, Until: t0.Add(3 * time.Hour)}
			same("three hours", whole)
			// Dated in the second hour, committed after it was kept.
			pay(t0.Add(time.Hour+55*time.Minute), "artist:c", "USD")
			pay(t0.Add(5*time.Hour), "artist:c", "USD")
			same("three hours, after a late entry", whole)
			same("partial hours at both ends", client.ListFlowsQuery{Since: t0.Add(25 * time.Minute), Until: t0.Add(2*time.Hour + 25*time.Minute)})
			same("one currency", client.ListFlowsQuery{Since: t0, Until: t0.Add(6 * time.Hour), Currency: "USD"})
			if _, _, entries, _, _ := readFlows(t, e.admin, client.ListFlowsQuery{Since: t0, Until: t0.Add(6 * time.Hour)}); entries != 17 {
				t.Errorf("six hours: %d entries; want 17", entries)
			}
		})
	}
}
