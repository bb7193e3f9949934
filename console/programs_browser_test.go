package console_test

import (
	"cmp"
	"context"
	"fmt"
	"math/big"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/tributary-ledger/tributary/client"
	"github.com/tributary-ledger/tributary/engine"
	"github.com/tributary-ledger/tributary/money"
	"github.com/tributary-ledger/tributary/program/collection"
	"github.com/tributary-ledger/tributary/program/deps/depscli"
	"github.com/tributary-ledger/tributary/program/payout"
	"github.com/tributary-ledger/tributary/program/usage"
)

// clock is the server's settable clock: usage epochs end by it.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }

func (c *clock) set(t time.Time) { c.mu.Lock(); c.now = t; c.mu.Unlock() }

// seedUsage runs two monthly epochs of the seed's ranked_decay (20% of what
// remains to each rank, over a $100,000 pool) for three apps, whose ranks
// swap in the second: app-1 is paid $20,000 in epoch 0 and $12,800 in
// epoch 1.
func seedUsage(t *testing.T, admin *client.Client, clk *clock) {
	t.Helper()
	ctx := context.Background()
	must := func(what string, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	_, _, err := admin.SetUsageConfig(ctx, "usage-cfg", usage.Config{
		Currency: "USD",
		Epoch:    usage.Epoch{Length: usage.EpochMonth, Anchor: demoStart},
		Metrics:  []usage.Metric{{Name: "calls", WeightBP: 10000}},
		Pool:     usage.Pool{Kind: usage.PoolFixedAmount, Amount: money.FromUint64(100_000_00), Account: "usage:treasury"},
		Formula:  usage.Formula{Kind: usage.RankedDecay, DecayBP: 2000},
	})
	must("usage config", err)
	for i := 1; i <= 3; i++ {
		_, _, err := admin.RegisterUsageParticipant(ctx, fmt.Sprint("app-", i), usage.ParticipantRequest{ID: fmt.Sprint("app-", i), Owner: fmt.Sprint("dev-", i), Account: fmt.Sprint("dev-", i)})
		must("register", err)
	}
	for epoch, counts := range [][]usage.Count{{50, 40, 30}, {10, 40, 50}} {
		start := demoStart.AddDate(0, epoch, 0)
		clk.set(start.Add(9 * 24 * time.Hour))
		_, _, err := admin.RecordUsageRevenue(ctx, fmt.Sprint("rev-", epoch), usage.RevenueRequest{Amount: "10000000", Currency: "USD", From: "@platform"})
		must("revenue", err)
		b := usage.Batch{Epoch: uint64(epoch)}
		for i, c := range counts {
			b.Reports = append(b.Reports, usage.Report{Participant: fmt.Sprint("app-", i+1), Metric: "calls", Count: c})
		}
		_, _, err = admin.ReportUsage(ctx, fmt.Sprint("report-", epoch), b)
		must("report", err)
		clk.set(start.AddDate(0, 1, 0))
		_, _, err = admin.CloseUsageEpoch(ctx, fmt.Sprint("close-", epoch), uint64(epoch))
		must("close", err)
	}
}

// seedCollection makes the collection seed's album (three tracks, $5.00)
// and buys it twice: the rotation pays song-1 then song-2 their prices.
func seedCollection(t *testing.T, admin *client.Client) {
	t.Helper()
	ctx := context.Background()
	tracks := []collection.TrackRequest{
		{ID: "song-1", Price: "198", Currency: "USD", Split: []collection.Recipient{{Account: "payee-1", ShareBP: 5000}, {Account: "payee-2", ShareBP: 1500}, {Account: "payee-3", ShareBP: 3500}}},
		{ID: "song-2", Price: "200", Currency: "USD", Split: []collection.Recipient{{Account: "payee-4", ShareBP: 10000}}},
		{ID: "song-3", Price: "150", Currency: "USD", Split: []collection.Recipient{{Account: "payee-5", ShareBP: 10000}}},
	}
	for _, tr := range tracks {
		if _, _, err := admin.CreateCollectionTrack(ctx, "t-"+tr.ID, tr); err != nil {
			t.Fatal(err)
		}
	}
	if _, _, err := admin.CreateCollection(ctx, "c1", collection.CollectionRequest{ID: "best-of-2026", Creator: "payee-3", Price: "500", Currency: "USD", Tracks: []string{"song-1", "song-2", "song-3"}}); err != nil {
		t.Fatal(err)
	}
	for i := range 2 {
		if _, _, err := admin.CreateCollectionPurchase(ctx, fmt.Sprint("buy-", i), collection.Purchase{Collection: "best-of-2026", Currency: "USD", Buyer: "@buyer"}); err != nil {
			t.Fatal(err)
		}
	}
}

// texts is the text of every element selector matches, trimmed.
func texts(t *testing.T, ctx context.Context, selector string) []string {
	t.Helper()
	return eval[[]string](t, ctx, fmt.Sprintf(`[...document.querySelectorAll(%q)].map(e => e.textContent.trim())`, selector))
}

func TestProgramsInABrowser(t *testing.T) {
	clk := &clock{now: demoStart.Add(-24 * time.Hour)}
	url, admin := demoServerAt(t, clk.Now)
	seedUsage(t, admin, clk)
	seedCollection(t, admin)
	ctx := browser(t)
	shots := screenshotDir(t)
	signIn(t, ctx, url, adminSecret, "")
	period := "&since=" + demoSince + "&until=" + demoUntil

	t.Run("an asset and its sales", func(t *testing.T) {
		open(t, ctx, url, "#/programs?asset=asset-7"+period)
		do(t, ctx, "sales", chromedp.WaitVisible("#sales-table"))
		// The demo sold asset-7 twice in ETH and once in USD.
		got := texts(t, ctx, "#sales-table tbody td.num")
		if want := []string{"1,000.00 ETH", "1,000.00 ETH", "1,234.57 USD"}; fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("asset-7's sales show %q; want %q", got, want)
		}
		if got := texts(t, ctx, "#market dd"); len(got) < 2 || got[1] != "owner 70%, collaborator 30%" {
			t.Errorf("asset-7's facts %q; want its split owner 70%%, collaborator 30%%", got)
		}
		checkLabels(t, ctx, "programs")
	})

	t.Run("a collection's rotation and each track's earnings", func(t *testing.T) {
		open(t, ctx, url, "#/programs?collection=best-of-2026"+period)
		do(t, ctx, "tracks", chromedp.WaitVisible("#tracks-table"))
		// Two purchases paid song-1 its $1.98 and song-2 its $2.00; the
		// next pays song-3.
		earned := eval[[]string](t, ctx, `[...document.querySelectorAll("#tracks-table tbody tr")].map(r => r.dataset.track + " " + r.dataset.earned + " " + r.lastChild.textContent)`)
		if want := []string{"song-1 198 1.98 USD", "song-2 200 2.00 USD", "song-3 0 0.00 USD"}; fmt.Sprint(earned) != fmt.Sprint(want) {
			t.Errorf("tracks' earnings %q; want %q", earned, want)
		}
		if next := texts(t, ctx, "#tracks-table strong"); fmt.Sprint(next) != "[(next)]" || !strings.Contains(eval[string](t, ctx, `document.querySelector("#tracks-table strong").closest("tr").dataset.track`), "song-3") {
			t.Errorf("the rotation marks %q as next; want song-3", next)
		}
	})

	t.Run("an epoch's statement beside another epoch", func(t *testing.T) {
		open(t, ctx, url, "#/programs?epoch=0&participants=app-1,app-2,app-3&compare=1"+period)
		do(t, ctx, "statement", chromedp.WaitVisible("#statement-table"), chromedp.WaitVisible("#compare-table"))
		for _, id := range []string{"app-1", "app-2", "app-3"} {
			st, err := admin.GetUsageStatement(context.Background(), 0, client.GetUsageStatementQuery{Participant: id})
			if err != nil || len(st.Rows) != 1 {
				t.Fatalf("statement of %s: %+v, %v", id, st, err)
			}
			shown := eval[string](t, ctx, fmt.Sprintf(`document.querySelector('#statement-table tr[data-participant=%q]').lastChild.textContent`, id))
			if units := shownUnits(t, shown, money.USD); units != st.Rows[0].Amount.String() {
				t.Errorf("%s's amount shows %q; the API's statement says %s", id, shown, st.Rows[0].Amount)
			}
		}
		if got := texts(t, ctx, "#statement-table tbody td:last-child"); fmt.Sprint(got) != "[20,000.00 USD 16,000.00 USD 12,800.00 USD]" {
			t.Errorf("epoch 0 pays %q; want the seed's 20,000.00, 16,000.00 and 12,800.00 USD", got)
		}
		if got := texts(t, ctx, "#statement-table tbody tr:first-child td:nth-child(2)"); fmt.Sprint(got) != "[50 / 50]" {
			t.Errorf("app-1's calls (raw / clipped) show %q; want 50 / 50", got)
		}
		// Scores are shown from their integer digits, as the API gives them.
		st, err := admin.GetUsageStatement(context.Background(), 0, client.GetUsageStatementQuery{Participant: "app-1"})
		if err != nil {
			t.Fatal(err)
		}
		shown := texts(t, ctx, "#statement-table tbody tr:first-child td:nth-child(7)")
		if digits := strings.NewReplacer(",", "", ".", "").Replace(fmt.Sprint(shown)); len(shown) != 1 || strings.TrimLeft(digits, "[0") != strings.TrimLeft(fmt.Sprint(st.Rows[0].Score)+"]", "0") {
			t.Errorf("app-1's score shows %q; the API's is %d (in 1/%d)", shown, st.Rows[0].Score, st.Header.ScoreUnit)
		}
		// Beside epoch 1: each app's difference is the API's, signed.
		for _, id := range []string{"app-1", "app-2", "app-3"} {
			diff := new(big.Int)
			for epoch, sign := range []int64{-1, 1} {
				st, err := admin.GetUsageStatement(context.Background(), uint64(epoch), client.GetUsageStatementQuery{Participant: id})
				if err != nil || len(st.Rows) != 1 {
					t.Fatalf("statement of %s: %+v, %v", id, st, err)
				}
				v, _ := new(big.Int).SetString(st.Rows[0].Amount.String(), 10)
				diff.Add(diff, v.Mul(v, big.NewInt(sign)))
			}
			shown := eval[string](t, ctx, fmt.Sprintf(`document.querySelector('#compare-table tr[data-participant=%q]').lastChild.textContent`, id))
			units := shownUnits(t, strings.TrimLeft(shown, "+-"), money.USD)
			if strings.HasPrefix(shown, "-") {
				units = "-" + units
			}
			if units != diff.String() || (diff.Sign() >= 0) != strings.HasPrefix(shown, "+") {
				t.Errorf("%s in epoch 1 beside epoch 0 shows %q; the API's statements differ by %s", id, shown, diff)
			}
		}
		if got := texts(t, ctx, "#usage-header dd"); len(got) < 6 || got[5] != "48,800.00 USD" {
			t.Errorf("epoch 0's header %q; want 48,800.00 USD paid", got)
		}
		checkLabels(t, ctx, "programs")
		shoot(t, ctx, shots, "programs.png")
	})

	t.Run("a what-if of an epoch under another configuration", func(t *testing.T) {
		open(t, ctx, url, "#/programs?epoch=0&participants=app-1,app-2,app-3"+period)
		field := `#whatif-form input[name="formula.decay_bp"]`
		do(t, ctx, "what-if form", chromedp.WaitVisible(field))
		if v := eval[string](t, ctx, `document.querySelector('`+field+`').value`); v != "2000" {
			t.Errorf("the what-if starts from decay_bp %q; want the epoch's 2000", v)
		}
		// Each rank takes half of what remains instead of a fifth.
		do(t, ctx, "recompute", chromedp.SetValue(field, "5000"), chromedp.Click(`#whatif-form button[type="submit"]`), chromedp.WaitVisible("#whatif-table"))
		rows := eval[[]string](t, ctx, `[...document.querySelectorAll("#whatif-table tbody tr")].map(r => [...r.children].map(c => c.textContent).join(" | "))`)
		want := []string{
			"app-1 | 20,000.00 USD | 50,000.00 USD | +30,000.00 USD",
			"app-2 | 16,000.00 USD | 25,000.00 USD | +9,000.00 USD",
			"app-3 | 12,800.00 USD | 12,500.00 USD | -300.00 USD",
		}
		if fmt.Sprint(rows) != fmt.Sprint(want) {
			t.Errorf("the what-if shows %q; want %q", rows, want)
		}
		// Nothing was written: the statement still pays the seed's figures.
		st, err := admin.GetUsageStatement(context.Background(), 0, client.GetUsageStatementQuery{Participant: "app-3"})
		if err != nil || st.Rows[0].Amount.String() != "1280000" {
			t.Errorf("epoch 0's statement after the what-if: %+v, %v; want app-3 still paid 1280000", st.Rows, err)
		}
		// A refused configuration shows the API's refusal.
		do(t, ctx, "refused", chromedp.SetValue(field, "0"), chromedp.Click(`#whatif-form button[type="submit"]`), chromedp.WaitVisible("#whatif-result [role=alert]"))
		if got := eval[string](t, ctx, `document.querySelector("#whatif-result").textContent`); !strings.Contains(got, "usage_pool_unallocatable") {
			t.Errorf("a what-if at decay 0 shows %q; want the refusal usage_pool_unallocatable", got)
		}
		checkLabels(t, ctx, "programs")
		shoot(t, ctx, shots, "programs-whatif.png")
	})

	t.Run("payout batches on the overview", func(t *testing.T) {
		b, _, err := admin.CreatePayoutBatch(context.Background(), "batch-1", payout.BatchRequest{Currency: "ETH"})
		if err != nil {
			t.Fatal(err)
		}
		open(t, ctx, url, "#/overview?"+period[1:])
		row := fmt.Sprintf(`#batches-table tr[data-batch="%d"]`, b.ID)
		do(t, ctx, "batches", chromedp.WaitVisible(row))
		shown := eval[string](t, ctx, `document.querySelector('`+row+` td.num').textContent`)
		if units := shownUnits(t, shown, money.ETH); units != string(b.Total) || b.Total == "0" {
			t.Errorf("batch %d's total shows %q; the API says %s", b.ID, shown, b.Total)
		}
	})

	t.Run("the overview follows payout batches live", func(t *testing.T) {
		open(t, ctx, url, "#/overview?"+period[1:])
		// The stream is open once its last events are listed.
		do(t, ctx, "stream", chromedp.WaitVisible("#events li"), chromedp.WaitVisible("#batches-table"))
		b, _, err := admin.CreatePayoutBatch(context.Background(), "batch-live", payout.BatchRequest{Currency: "USD"})
		if err != nil {
			t.Fatal(err)
		}
		row := fmt.Sprintf(`#batches-table tr[data-batch="%d"]`, b.ID)
		do(t, ctx, "the new batch, without a reload", chromedp.WaitVisible(row), chromedp.WaitVisible(`#events li[data-type="payout.batch"]`))
		shown := eval[string](t, ctx, `document.querySelector('`+row+` td.num').textContent`)
		if units := shownUnits(t, shown, money.USD); units != string(b.Total) {
			t.Errorf("batch %d's total shows %q; the API says %s", b.ID, shown, b.Total)
		}
	})

	t.Run("phone width", func(t *testing.T) {
		p := tab(t, ctx)
		do(t, p, "phone", chromedp.EmulateViewport(390, 844))
		signIn(t, p, url, adminSecret, "")
		open(t, p, url, "#/programs?epoch=0&participants=app-1"+period)
		do(t, p, "statement", chromedp.WaitVisible("#statement-table"))
		// Nothing wider than the screen but the scrolling tables and charts.
		if w := eval[int](t, p, `document.documentElement.scrollWidth`); w > 390 {
			t.Errorf("the Programs page is %d px wide at a 390 px phone width", w)
		}
		shoot(t, p, shots, "programs-phone.png")
	})
}

// TestDepsStreamsInABrowser draws the dependency streams of the deps
// seed's epoch 1 (`tributary demo deps`, left open), on a server clock an
// hour into it: each band of the graph carries the API's rate for its
// payer and dependency, and each repo's incoming rate is the API's sum.
func TestDepsStreamsInABrowser(t *testing.T) {
	seed, err := depscli.SeedOps(money.NewRegistry())
	if err != nil {
		t.Fatal(err)
	}
	var open1 []engine.Op
	for _, op := range seed {
		if op.Key != "demo:close:1" {
			open1 = append(open1, op)
		}
	}
	at := time.Date(2026, 1, 12, 1, 0, 0, 0, time.UTC)
	url, admin := demoServerWith(t, func() time.Time { return at }, open1)
	st, err := admin.GetDepsStreams(context.Background(), client.GetDepsStreamsQuery{From: "npm:meeting-bot"})
	if err != nil || len(st.Streams) == 0 {
		t.Fatalf("the API's streams: %+v, %v; want epoch 1's", st, err)
	}
	// What the page should show for npm:meeting-bot's streams, summed from
	// the API's: by payer and dependency (the bands), and by dependency
	// (the incoming table).
	const payer = "npm:meeting-bot"
	bands, incoming := map[string]string{}, map[string]string{}
	add := func(m map[string]string, k, rate string) {
		sum, _ := new(big.Int).SetString(cmp.Or(m[k], "0"), 10)
		v, ok := new(big.Int).SetString(rate, 10)
		if !ok {
			t.Fatalf("rate %q", rate)
		}
		m[k] = sum.Add(sum, v).String()
	}
	for _, s := range st.Streams {
		if s.Payer != payer {
			continue
		}
		dep := s.Path[len(s.Path)-1]
		add(bands, s.Payer+"|"+dep, string(s.StreamRate))
		add(incoming, dep, string(s.StreamRate))
	}
	if len(bands) == 0 {
		t.Fatalf("the API's streams %+v have none from %s", st.Streams, payer)
	}
	ctx := browser(t)
	signIn(t, ctx, url, adminSecret, "")
	open(t, ctx, url, "#/programs?from="+payer)
	do(t, ctx, "a payer's streams", chromedp.WaitVisible("#streams-graph path.band"), chromedp.WaitVisible("#incoming-table"))
	shown := eval[map[string]string](t, ctx, `Object.fromEntries([...document.querySelectorAll("#streams-graph path.band")].map(b => [b.dataset.band, b.dataset.amount]))`)
	if fmt.Sprint(shown) != fmt.Sprint(bands) {
		t.Errorf("the graph's bands carry %v; the API's streams from %s sum to %v", shown, payer, bands)
	}
	rows := eval[map[string]string](t, ctx, `Object.fromEntries([...document.querySelectorAll("#incoming-table tbody tr")].map(r => [r.dataset.repo, r.dataset.rate]))`)
	if fmt.Sprint(rows) != fmt.Sprint(incoming) {
		t.Errorf("the incoming rates show %v; the API's streams sum to %v", rows, incoming)
	}
	checkLabels(t, ctx, "programs")
	shoot(t, ctx, screenshotDir(t), "programs-deps.png")
}
