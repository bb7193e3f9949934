package console_test

import (
	"context"
	"fmt"
	"math/big"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/tributary-ledger/tributary/client"
	"github.com/tributary-ledger/tributary/money"
	"github.com/tributary-ledger/tributary/wire"
)

// The browser tests drive Debian's headless Chromium through chromedp
// against demoServer. Without a Chromium they skip, unless
// TRIBUTARY_BROWSER_TESTS_REQUIRED is set (CI), when they fail.
// TRIBUTARY_CHROMIUM names the binary (default: chromium on the PATH);
// TRIBUTARY_SCREENSHOTS a directory to keep the screenshots in (default:
// the test's temporary directory, named in the log).

// browser starts a fresh headless Chromium and returns a tab in it.
func browser(t *testing.T) context.Context {
	t.Helper()
	path := os.Getenv("TRIBUTARY_CHROMIUM")
	if path == "" {
		path, _ = exec.LookPath("chromium")
	}
	if path == "" {
		if os.Getenv("TRIBUTARY_BROWSER_TESTS_REQUIRED") != "" {
			t.Fatal("Chromium is required (TRIBUTARY_BROWSER_TESTS_REQUIRED is set) but not found: apt-get install -y chromium, or set TRIBUTARY_CHROMIUM")
		}
		t.Skip("no Chromium: to run the browser tests, apt-get install -y chromium (or set TRIBUTARY_CHROMIUM=/path/to/chrome)")
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.Flag("no-sandbox", true),
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.WindowSize(1280, 900),
	)
	// A test that hangs is a failure, not a stuck CI run.
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	actx, acancel := chromedp.NewExecAllocator(ctx, opts...)
	t.Cleanup(acancel)
	bctx, bcancel := chromedp.NewContext(actx)
	t.Cleanup(bcancel)
	if err := chromedp.Do(bctx); err != nil {
		t.Fatalf("starting %s: %v", path, err)
	}
	return bctx
}

// tab opens another tab (its own sessionStorage) in the browser of ctx.
func tab(t *testing.T, ctx context.Context) context.Context {
	t.Helper()
	tctx, cancel := chromedp.NewContext(ctx)
	t.Cleanup(cancel)
	return tctx
}

func screenshotDir(t *testing.T) string {
	dir := os.Getenv("TRIBUTARY_SCREENSHOTS")
	if dir == "" {
		dir = t.TempDir()
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

func shoot(t *testing.T, ctx context.Context, dir, name string) {
	t.Helper()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatalf("screenshot %s: %v", name, err)
	}
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, png, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot: %s", path)
}

func do(t *testing.T, ctx context.Context, what string, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	if err := chromedp.Do(ctx, steps...); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

func eval[T any](t *testing.T, ctx context.Context, js string) T {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](js))
	if err != nil {
		t.Fatalf("%s: %v", js, err)
	}
	return v
}

// open shows the page at hash and waits until the console has drawn it.
func open(t *testing.T, ctx context.Context, url, hash string) {
	t.Helper()
	do(t, ctx, "open "+hash, chromedp.Navigate(url+"/"+hash))
	waitFor(t, ctx, fmt.Sprintf("document.querySelector('main').dataset.loaded === %q", hash))
}

// waitFor polls the page until the expression is true.
func waitFor(t *testing.T, ctx context.Context, js string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](js))
		if err != nil {
			t.Fatalf("waiting for %s: %v", js, err)
		}
		if ok {
			return
		}
		select {
		case <-ctx.Done():
			t.Fatalf("waiting for %s: %v", js, ctx.Err())
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			page, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`location.hash + " | " + document.querySelector("main").innerText`))
			t.Fatalf("waited 30s for %s; the page shows %s", js, page)
		}
	}
}

// unlabelled lists the page's controls a screen reader could not name:
// inputs and selects without a label, buttons and Sankey bands without text.
const unlabelled = `[...document.querySelectorAll("input, select")].filter(e => e.labels.length === 0).map(e => e.id || e.name)
	.concat([...document.querySelectorAll("button, [role=button]")].filter(e => !(e.getAttribute("aria-label") || e.textContent).trim()).map(e => e.outerHTML.slice(0, 60)))`

func checkLabels(t *testing.T, ctx context.Context, page string) {
	t.Helper()
	if bad := eval[[]string](t, ctx, unlabelled); len(bad) > 0 {
		t.Errorf("%s: controls without a label: %q", page, bad)
	}
}

func signIn(t *testing.T, ctx context.Context, url, secret, account string) {
	t.Helper()
	do(t, ctx, "sign in",
		chromedp.Navigate(url+"/#/signin"),
		chromedp.WaitVisible("#token"),
		chromedp.SendKeys("#token", secret),
		chromedp.SendKeys("#account", account),
		chromedp.Click(`#signin button[type="submit"]`))
	want := "#/overview"
	if account != "" {
		want = "#/account/" + account
	}
	waitFor(t, ctx, fmt.Sprintf("document.querySelector('main').dataset.loaded === %q", want))
}

func availableOf(t *testing.T, c *client.Client, account, currency string) string {
	t.Helper()
	a, err := c.GetAccount(context.Background(), account)
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range a.Balances {
		if b.Currency == currency {
			return b.Available
		}
	}
	t.Fatalf("%s has no %s balance", account, currency)
	return ""
}

// shownUnits reads a formatted amount ("1,234.5 ETH") back into base units.
func shownUnits(t *testing.T, text string, c money.Currency) string {
	t.Helper()
	num := strings.ReplaceAll(strings.TrimSuffix(strings.TrimSpace(text), " "+c.Code), ",", "")
	a, err := money.Parse(num, c)
	if err != nil {
		t.Fatalf("shown amount %q: %v", text, err)
	}
	return a.String()
}

func TestConsoleInABrowser(t *testing.T) {
	url, admin := demoServer(t)
	ctx := browser(t)
	shots := screenshotDir(t)

	// An admin signs in and lands on the overview, whose totals and event
	// stream come from the API.
	signIn(t, ctx, url, adminSecret, "")
	open(t, ctx, url, "#/overview?since="+demoSince+"&until="+demoUntil)
	do(t, ctx, "events", chromedp.WaitVisible("#events li"))
	if got := eval[string](t, ctx, `document.querySelector("#totals-table tbody").innerText`); !strings.Contains(got, "market") || !strings.Contains(got, "2,105") {
		t.Errorf("totals lack the market's 2,105 ETH moved:\n%s", got)
	}
	// Entries per hour: the demo's 8 entries fall in 6 hours.
	if got := eval[[]string](t, ctx, `[...document.querySelectorAll("#hours rect")].map(r => r.dataset.entries)`); fmt.Sprint(got) != "[3 1 1 1 1 1]" {
		t.Errorf("entries per hour %v; want [3 1 1 1 1 1]", got)
	}
	checkLabels(t, ctx, "overview")
	shoot(t, ctx, shots, "overview.png")

	t.Run("balance equals the API's", func(t *testing.T) {
		open(t, ctx, url, "#/account/owner")
		want := availableOf(t, admin, "owner", "ETH")
		units := eval[string](t, ctx, `document.querySelector('#balance-table tr[data-currency="ETH"] td[data-available]').dataset.available`)
		text := eval[string](t, ctx, `document.querySelector('#balance-table tr[data-currency="ETH"] td[data-available]').textContent`)
		if units != want || shownUnits(t, text, money.ETH) != want {
			t.Errorf("owner's ETH: page says %s (%q); the API says %s", units, text, want)
		}
		if n := eval[int](t, ctx, `document.querySelectorAll("#postings-table tbody tr").length`); n == 0 {
			t.Error("the account page lists no postings")
		}
		// Income by source and program over the demo's period: its ETH
		// rows add up to what the API's flows say came in.
		open(t, ctx, url, "#/account/owner?since="+demoSince+"&until="+demoUntil)
		flows, err := admin.ListFlows(context.Background(), client.ListFlowsQuery{Account: "owner", Since: demoStart, Until: demoStart.AddDate(0, 3, 0), Currency: "ETH"})
		if err != nil {
			t.Fatal(err)
		}
		wantIn := new(big.Int)
		for _, f := range flows.Flows {
			if f.To == "owner" {
				v, _ := new(big.Int).SetString(string(f.Amount), 10)
				wantIn.Add(wantIn, v)
			}
		}
		// The balance over the period ends at today's posted balance and
		// starts, before the demo's first sale, at zero.
		a, err := admin.GetAccount(context.Background(), "owner")
		if err != nil {
			t.Fatal(err)
		}
		var posted string
		for _, b := range a.Balances {
			if b.Currency == "ETH" {
				posted = string(b.Posted)
			}
		}
		chart := `document.querySelector('#balance-chart figure[data-currency="ETH"]')`
		if end, start := eval[string](t, ctx, chart+`.dataset.end`), eval[string](t, ctx, chart+`.dataset.start`); end != posted || start != "0" {
			t.Errorf("owner's ETH chart runs from %s to %s; want 0 to the API's posted %s", start, end, posted)
		}
		if shown := eval[string](t, ctx, chart+`.querySelector(".end").textContent`); shownUnits(t, shown, money.ETH) != posted {
			t.Errorf("owner's ETH chart says it ends at %q; the API says %s", shown, posted)
		}
		if label := eval[string](t, ctx, chart+`.querySelector("svg").getAttribute("aria-label")`); !strings.HasPrefix(label, "Posted ETH balance from 2026-01-01 until 2026-04-01: 0.00 ETH at the start, ") {
			t.Errorf("owner's ETH chart is labelled %q", label)
		}
		gotIn := new(big.Int)
		for _, a := range eval[[]string](t, ctx, `[...document.querySelectorAll('#income-table tr[data-currency="ETH"]')].map(r => r.dataset.amount)`) {
			v, _ := new(big.Int).SetString(a, 10)
			gotIn.Add(gotIn, v)
		}
		if gotIn.Sign() == 0 || gotIn.Cmp(wantIn) != 0 {
			t.Errorf("owner's ETH income on the page: %s; the API's flows: %s", gotIn, wantIn)
		}
	})

	t.Run("a Sankey band lists its postings", func(t *testing.T) {
		flows, err := admin.ListFlows(context.Background(), client.ListFlowsQuery{Since: demoStart, Until: demoStart.AddDate(0, 3, 0), Currency: "ETH"})
		if err != nil {
			t.Fatal(err)
		}
		// Two bands, each summed here from the API's flows: the market's
		// split rule as a whole (program → rule), and what it paid owner
		// (rule → payee).
		for _, tc := range []struct {
			band string
			of   func(f wire.FlowJSON) bool
		}{
			{"market|split (market)", func(f wire.FlowJSON) bool { return f.Program == "market" && f.Rule == "split" }},
			{"split (market)|owner", func(f wire.FlowJSON) bool { return f.Program == "market" && f.Rule == "split" && f.To == "owner" }},
		} {
			open(t, ctx, url, "#/flows?since="+demoSince+"&until="+demoUntil+"&currency=ETH")
			sel := fmt.Sprintf(`path.band[data-band=%q]`, tc.band)
			want, postings := new(big.Int), 0
			for _, f := range flows.Flows {
				if tc.of(f) {
					v, _ := new(big.Int).SetString(string(f.Amount), 10)
					want.Add(want, v)
					postings += f.Postings
				}
			}
			if band := eval[string](t, ctx, `document.querySelector('`+sel+`').dataset.amount`); band != want.String() || want.Sign() == 0 {
				t.Errorf("band %s carries %s; the API's flows say %s", tc.band, band, want)
			}
			// Its label is the exact amount, formatted.
			if label := eval[string](t, ctx, `document.querySelector('`+sel+`').getAttribute("aria-label")`); shownUnits(t, label[strings.LastIndex(label, ": ")+2:], money.ETH) != want.String() {
				t.Errorf("band %s is labelled %q; want %s base units", tc.band, label, want)
			}
			// Follow it with the keyboard: focus the band, press Enter.
			do(t, ctx, "select band", chromedp.Focus(sel), chromedp.KeyEvent("\r"), chromedp.WaitVisible("#postings-table"))
			amounts := eval[[]string](t, ctx, `[...document.querySelectorAll("#postings-table tbody tr")].map(r => r.dataset.amount)`)
			sum := new(big.Int)
			for _, a := range amounts {
				v, _ := new(big.Int).SetString(a, 10)
				sum.Add(sum, v)
			}
			if len(amounts) != postings || sum.Cmp(want) != 0 {
				t.Errorf("band %s lists %d postings summing to %s; want %d summing to %s", tc.band, len(amounts), sum, postings, want)
			}
			if paths := eval[string](t, ctx, `document.querySelector("#postings-table tbody td.path").textContent`); !strings.Contains(paths, "→ split ") {
				t.Errorf("band %s lists a posting whose path is %q; want the split's", tc.band, paths)
			}
		}
		checkLabels(t, ctx, "flows")
		shoot(t, ctx, shots, "flows.png")
	})

	t.Run("a withdrawal's state changes through the event stream", func(t *testing.T) {
		open(t, ctx, url, "#/account/collaborator")
		before := availableOf(t, admin, "collaborator", "ETH")
		do(t, ctx, "request", chromedp.SendKeys("#withdraw-amount", "1.5"), chromedp.Click("#withdraw-submit"), chromedp.WaitVisible(`#withdrawals td[data-state="pending"]`))
		id := eval[string](t, ctx, `document.querySelector('#withdrawals tr[data-withdrawal]').dataset.withdrawal`)
		b, _ := new(big.Int).SetString(before, 10)
		after := b.Sub(b, big.NewInt(1_500_000_000_000_000_000)).String()
		if got := availableOf(t, admin, "collaborator", "ETH"); got != after {
			t.Errorf("after requesting 1.5 ETH, available is %s; want %s", got, after)
		}
		// Posted by someone else (the payout job): the page hears it on
		// the event stream, once it is open; it does not poll.
		do(t, ctx, "live", chromedp.WaitVisible(`#live-note[data-live="open"]`))
		if _, _, err := admin.PostWithdrawal(context.Background(), "post-"+id, id); err != nil {
			t.Fatal(err)
		}
		do(t, ctx, "posted", chromedp.WaitVisible(fmt.Sprintf(`#withdrawals tr[data-withdrawal=%q] td[data-state="posted"]`, id)))
		checkLabels(t, ctx, "account")
		shoot(t, ctx, shots, "account.png")
	})

	t.Run("a payee sees its own account and not another", func(t *testing.T) {
		secret := payeeToken(t, admin, "owner")
		p := tab(t, ctx)
		do(t, p, "phone width", chromedp.EmulateViewport(390, 844))
		signIn(t, p, url, secret, "owner")
		if got, want := eval[string](t, p, `document.querySelector('#balance-table td[data-available]').dataset.available`), availableOf(t, admin, "owner", "ETH"); got != want {
			t.Errorf("payee's page says %s; the API says %s", got, want)
		}
		// The payee requests a withdrawal to its registered destination.
		do(t, p, "request", chromedp.SendKeys("#withdraw-amount", "2"), chromedp.Click("#withdraw-submit"), chromedp.WaitVisible(`#withdrawals td[data-state="pending"]`))
		ws, err := admin.ListWithdrawals(context.Background(), client.ListWithdrawalsQuery{Account: "owner", State: "pending"})
		if err != nil {
			t.Fatal(err)
		}
		if len(ws.Withdrawals) != 1 || ws.Withdrawals[0].Amount != "2000000000000000000" || ws.Withdrawals[0].Currency != "ETH" {
			t.Errorf("after the payee's request, owner's pending withdrawals are %+v; want one of 2 ETH", ws.Withdrawals)
		}
		// The payee's page hears its own events live: the platform posts
		// the withdrawal and the page lists the change as the API words it.
		do(t, p, "live", chromedp.WaitVisible(`#live-note[data-live="open"]`))
		if _, _, err := admin.PostWithdrawal(context.Background(), "post-owner", ws.Withdrawals[0].ID); err != nil {
			t.Fatal(err)
		}
		heard := `[...document.querySelectorAll('#account-events li[data-type="withdrawal.changed"]')].map(li => li.textContent)`
		waitFor(t, p, heard+`.some(x => x.endsWith("owner: 2.00 ETH posted"))`)
		for _, ev := range eval[[]string](t, p, heard) {
			if !strings.Contains(ev, " owner: ") {
				t.Errorf("the payee's page lists another account's event: %q", ev)
			}
		}
		shoot(t, p, shots, "payee-phone.png")
		open(t, p, url, "#/account/collaborator")
		do(t, p, "refused", chromedp.WaitVisible(`.error[data-error-code="forbidden"]`))
		if n := eval[int](t, p, `document.querySelectorAll("#balance-table").length`); n != 0 {
			t.Error("a payee token's page shows another account's balance")
		}
		open(t, p, url, "#/flows")
		do(t, p, "refused", chromedp.WaitVisible(`#sankey .error[data-error-code="forbidden"]`))
		shoot(t, p, shots, "payee-forbidden.png")
	})
}
