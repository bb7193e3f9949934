package api_test

import (
	"context"
	"fmt"
	"math/big"
	"math/rand/v2"
	"net/http/httptest"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tributary-ledger/tributary/api"
	"github.com/tributary-ledger/tributary/auth"
	"github.com/tributary-ledger/tributary/client"
	"github.com/tributary-ledger/tributary/engine"
	"github.com/tributary-ledger/tributary/money"
	"github.com/tributary-ledger/tributary/programs"
	"github.com/tributary-ledger/tributary/store/sqlite"
	"github.com/tributary-ledger/tributary/wire"
)

// flowsEnv is a server whose clock the test sets, so that entries fall in
// the periods the test asks about.
func flowsEnv(t *testing.T, flowsMax int) (*client.Client, string, *atomic.Int64) {
	t.Helper()
	s, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "flows.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	if err := s.PutToken(context.Background(), auth.FromSecret(adminSecret, auth.Admin, nil, "test admin", time.Now())); err != nil {
		t.Fatal(err)
	}
	var clock atomic.Int64
	clock.Store(time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC).Unix())
	reg := money.NewRegistry()
	a := api.New(api.Config{Store: s, Engine: engine.New(s, reg), Currencies: reg, Modules: programs.Modules(programs.Deps{}),
		Now: func() time.Time { return time.Unix(clock.Load(), 0) }})
	api.SetFlowsEntriesMax(a, flowsMax)
	srv := httptest.NewServer(a.Handler())
	t.Cleanup(srv.Close)
	return client.New(srv.URL, adminSecret, nil), srv.URL, &clock
}

// TestFlowsSumEveryPostingOfThePeriod writes random transfers over three
// hours in two currencies and checks that the flows of the middle hour,
// read page by page, are exactly the sums of that hour's postings by path,
// with amounts past 2^64 and 2^53.
func TestFlowsSumEveryPostingOfThePeriod(t *testing.T) {
	ctx := context.Background()
	admin, _, clock := flowsEnv(t, 7)
	start := time.Unix(clock.Load(), 0).UTC()
	rng := rand.New(rand.NewPCG(21, 1))
	accounts := []string{"@buyer:1", "@buyer:2", "artist:a", "artist:b", "label"}
	want := map[flowKey]*big.Int{}
	count := map[flowKey]int{}
	inHour := 0
	for i := range 60 {
		// Times out of commit order, as programs' entries may be: the
		// period is not a run of sequence numbers.
		hour := rng.IntN(3)
		clock.Store(start.Add(time.Duration(hour)*time.Hour + time.Duration(i)*time.Second).Unix())
		cur := []string{"USD", "ETH"}[rng.IntN(2)]
		from := accounts[rng.IntN(2)] // external sources may go below zero
		to := accounts[2+rng.IntN(3)]
		amt := new(big.Int).Lsh(big.NewInt(int64(rng.IntN(1000)+1)), uint(rng.IntN(80)))
		p := wire.PostingJSON{From: from, To: to, Amount: wire.Amount(amt.String()), Currency: cur}
		if _, _, err := admin.CreateEntry(ctx, fmt.Sprintf("flow-%d", i), wire.EntryRequest{Postings: []wire.PostingJSON{p}}); err != nil {
			t.Fatal(err)
		}
		if hour != 1 {
			continue
		}
		inHour++
		k := flowKey{from, to, cur}
		if want[k] == nil {
			want[k] = new(big.Int)
		}
		want[k].Add(want[k], amt)
		count[k]++
	}
	// Paged (after=0: at most 7 entries a call), and at once from the
	// hour the server keeps summed, first read then kept.
	for _, mode := range []struct {
		after string
		calls int
	}{{"0", inHour/7 + 1}, {"", 1}, {"", 1}} {
		got, gotCount, entries, calls, hours := readFlows(t, admin, client.ListFlowsQuery{Since: start.Add(time.Hour), Until: start.Add(2 * time.Hour), After: mode.after})
		if entries != inHour || calls != mode.calls {
			t.Errorf("after=%q: read %d entries in %d calls; want %d in %d", mode.after, entries, calls, inHour, mode.calls)
		}
		if len(hours) != 1 || hours[start.Add(time.Hour)] != inHour {
			t.Errorf("after=%q: entries by hour %v; want %d in the hour at %v", mode.after, hours, inHour, start.Add(time.Hour))
		}
		if len(got) != len(want) {
			t.Errorf("after=%q: %d paths; want %d", mode.after, len(got), len(want))
		}
		for k, v := range want {
			if got[k] == nil || got[k].Cmp(v) != 0 || gotCount[k] != count[k] {
				t.Errorf("after=%q: path %v: %v in %d postings; want %v in %d", mode.after, k, got[k], gotCount[k], v, count[k])
			}
		}
	}
}

// flowKey is a flow's path without its program and rule.
type flowKey struct{ from, to, cur string }

// readFlows reads the flows of q, following next, and returns their sums
// by path, the postings, entries and calls, and the entries by hour.
func readFlows(t *testing.T, admin *client.Client, q client.ListFlowsQuery) (map[flowKey]*big.Int, map[flowKey]int, int, int, map[time.Time]int) {
	t.Helper()
	got := map[flowKey]*big.Int{}
	gotCount := map[flowKey]int{}
	entries, calls := 0, 0
	hours := map[time.Time]int{}
	for {
		page, err := admin.ListFlows(context.Background(), q)
		if err != nil {
			t.Fatal(err)
		}
		calls++
		entries += page.Entries
		for _, h := range page.Hours {
			hours[h.Hour] += h.Entries
		}
		for _, f := range page.Flows {
			if f.Program != "" {
				t.Errorf("flow %+v: program %q; want none for entries submitted directly", f, f.Program)
			}
			k := flowKey{f.From, f.To, f.Currency}
			v, ok := new(big.Int).SetString(string(f.Amount), 10)
			if !ok {
				t.Fatalf("flow amount %q is not an integer", f.Amount)
			}
			if got[k] == nil {
				got[k] = new(big.Int)
			}
			got[k].Add(got[k], v)
			gotCount[k] += f.Postings
		}
		if page.Next == "" {
			return got, gotCount, entries, calls, hours
		}
		q.After = page.Next
	}
}

// TestFlowsOfAnAccount: with account=, the flows are exactly the paths
// from or to it, whatever else the entries moved.
func TestFlowsOfAnAccount(t *testing.T) {
	ctx := context.Background()
	admin, _, _ := flowsEnv(t, 3)
	for i := range 10 {
		ps := []wire.PostingJSON{usd("@buyer:1", "artist:a", fmt.Sprint(100+i)), usd("@buyer:1", "label", "7")}
		if i%2 == 0 {
			ps = append(ps, usd("@buyer:2", "artist:b", "5"))
		}
		if _, _, err := admin.CreateEntry(ctx, fmt.Sprintf("acct-%d", i), wire.EntryRequest{Postings: ps}); err != nil {
			t.Fatal(err)
		}
	}
	q := client.ListFlowsQuery{Account: "artist:b"}
	var got []string
	for {
		page, err := admin.ListFlows(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range page.Flows {
			got = append(got, fmt.Sprintf("%s→%s %s×%d", f.From, f.To, f.Amount, f.Postings))
		}
		if page.Next == "" {
			break
		}
		q.After = page.Next
	}
	// Read in two calls of 3 entries (artist:b is in 5): the answers' flows
	// are added by the caller.
	if fmt.Sprint(got) != "[@buyer:2→artist:b 15×3 @buyer:2→artist:b 10×2]" {
		t.Errorf("flows of artist:b: %v", got)
	}
}

func TestFlowsRefusals(t *testing.T) {
	ctx := context.Background()
	admin, url, _ := flowsEnv(t, api.FlowsEntriesMax)
	tok, err := admin.CreateToken(ctx, wire.TokenRequest{Role: string(auth.Payee), Accounts: []string{"artist:a"}})
	if err != nil {
		t.Fatal(err)
	}
	payee := client.New(url, tok.Secret, nil)
	_, err = payee.ListFlows(ctx, client.ListFlowsQuery{})
	wantCode(t, "payee reads every flow", err, "forbidden", 403)
	_, err = payee.ListFlows(ctx, client.ListFlowsQuery{Account: "artist:b"})
	wantCode(t, "payee reads another's flows", err, "forbidden", 403)
	if _, err := payee.ListFlows(ctx, client.ListFlowsQuery{Account: "artist:a"}); err != nil {
		t.Errorf("payee reads its own flows: %v", err)
	}
	_, err = admin.ListFlows(ctx, client.ListFlowsQuery{Currency: "XYZ"})
	wantCode(t, "unknown currency", err, "currency_unknown", 422)
	_, err = admin.ListFlows(ctx, client.ListFlowsQuery{After: "x"})
	wantCode(t, "after not a number", err, "query_invalid", 400)
	// Every role may read the currencies, to format amounts.
	cs, err := payee.ListCurrencies(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(cs.Currencies) != "[{ETH 18} {USD 2} {USDC 6}]" {
		t.Errorf("currencies = %v", cs.Currencies)
	}
}
