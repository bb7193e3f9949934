package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/tributary-ledger/tributary/auth"
	"github.com/tributary-ledger/tributary/client"
	"github.com/tributary-ledger/tributary/money"
	"github.com/tributary-ledger/tributary/program/deps"
	"github.com/tributary-ledger/tributary/program/payout"
	"github.com/tributary-ledger/tributary/program/splitbook"
	"github.com/tributary-ledger/tributary/wire"
)

// npmLock writes a package-lock.json v3 of a project that depends on deps.
func npmLock(name string, deps ...string) string {
	pkgs := map[string]any{}
	root := map[string]any{"name": name, "dependencies": map[string]string{}}
	for _, d := range deps {
		root["dependencies"].(map[string]string)[d] = "^1.0.0"
		pkgs["node_modules/"+d] = map[string]any{"version": "1.0.0"}
	}
	pkgs[""] = root
	b, _ := json.Marshal(map[string]any{"name": name, "lockfileVersion": 3, "packages": pkgs})
	return string(b)
}

// postRaw sends a body to a route the Go client has no method for.
func postRaw(t *testing.T, e *env, path, key, body string) (int, string) {
	t.Helper()
	return sendRaw(t, e, "POST", path, key, body)
}

// sendRaw sends a body as the admin, as it is.
func sendRaw(t *testing.T, e *env, method, path, key, body string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(method, e.srv.URL+path, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+adminSecret)
	req.Header.Set("Idempotency-Key", key)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// TestDepsSeedEndToEnd runs the seed's worked example through the server:
// repos linked and mapped by a configurator, asset.toml applied by the
// owner, lockfiles uploaded, usage reported for epoch 0, epoch 0 opened on
// the fallback and closed, epoch 1 opened on epoch 0's usage — the seed's
// $31.40, $11.20, $8.40, $4.10 and $58.00 — and closed at its end, into
// the contributors' balances.
func TestDepsSeedEndToEnd(t *testing.T) {
	for name, open := range stores(t) {
		t.Run(name, func(t *testing.T) {
			anchor := time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC)
			clk := &clock{now: anchor.Add(-time.Hour)}
			e := startAt(t, open(t), clk.Now)
			ctx := context.Background()
			config := e.token(t, auth.Configurator)
			owner := e.token(t, auth.Payee, "owner:meeting-bot")
			if _, _, err := e.admin.SetDepsConfig(ctx, "cfg", deps.Params{Currency: "USD", Anchor: anchor,
				BaseRate: deps.BaseRate{Public: money.FromUint64(5510), Private: money.FromUint64(5800), NoTelemetry: money.FromUint64(4000)}}); err != nil {
				t.Fatal(err)
			}
			repos := []struct {
				id, vis, asset, lock string
			}{
				{"github.com/acme/app", "private", "[royalties]\npass_bp = []\n", npmLock("app", "meeting-bot")},
				{"npm:meeting-bot", "public", "[royalties]\nmultiplier = 1.0\npass_bp = [2848]\n[[contributors]]\naccount = \"dev:ana\"\nshare = 7000\n[[contributors]]\naccount = \"dev:ben\"\nshare = 3000\n", npmLock("meeting-bot", "date-fp", "calendar-utils")},
				{"npm:date-fp", "public", "[[contributors]]\naccount = \"dev:cho\"\nshare = 7000\n[[contributors]]\naccount = \"dev:dee\"\nshare = 3000\n", npmLock("date-fp", "calendar-utils", "chrono-utils")},
				{"npm:calendar-utils", "public", "", ""},
				{"npm:chrono-utils", "public", "", ""},
			}
			for _, r := range repos {
				short := strings.TrimPrefix(strings.TrimPrefix(r.id, "npm:"), "github.com/")
				if _, _, err := config.LinkDepsRepo(ctx, "link-"+r.id, deps.RepoRequest{ID: r.id, Owner: "owner:" + strings.ReplaceAll(short, "/", "-"), Treasury: "treasury:" + strings.ReplaceAll(short, "/", "-"), Visibility: r.vis, Packages: []string{"npm:" + short}}); err != nil {
					t.Fatal(err)
				}
				if r.asset != "" {
					if _, _, err := config.ApplyDepsRepoAsset(ctx, "asset-"+r.id, r.id, deps.AssetRequest{TOML: r.asset}); err != nil {
						t.Fatal(err)
					}
				}
				if r.lock != "" {
					g, _, err := config.UploadDepsLockfile(ctx, "lock-"+r.id, r.id, deps.LockfileRequest{Name: "package-lock.json", Content: r.lock})
					if err != nil {
						t.Fatal(err)
					}
					if g.Format != "npm" || len(g.Deps) == 0 {
						t.Errorf("%s's graph %+v", r.id, g)
					}
				}
			}
			// An owner applies its own asset.toml, and no one else's.
			if _, _, err := owner.ApplyDepsRepoAsset(ctx, "own-asset", "npm:meeting-bot", deps.AssetRequest{TOML: repos[1].asset}); err != nil {
				t.Errorf("the owner applying its asset.toml: %v", err)
			}
			_, _, err := owner.ApplyDepsRepoAsset(ctx, "other-asset", "npm:date-fp", deps.AssetRequest{TOML: ""})
			refused(t, "another's asset.toml", err, "forbidden")
			_, _, err = config.SetDepsRepoPackages(ctx, "claim", "npm:chrono-utils", deps.PackagesRequest{Packages: []string{"npm:chrono-utils", "npm:date-fp"}})
			refused(t, "a package mapped twice", err, "deps_package_taken")
			if _, _, err := e.admin.CreateSplit(ctx, "fund-split", splitbook.Def{ID: "fund", Unit: "weight", Receivers: []splitbook.ReceiverDef{{Account: "treasury:meeting-bot", Share: 1}, {Account: "treasury:acme-app", Share: 1}}}); err != nil {
				t.Fatal(err)
			}
			if _, _, err := e.admin.CreatePayment(ctx, "fund", splitbook.PaymentRequest{From: "@sponsor", Split: "fund", Amount: "200000", Currency: "USD"}); err != nil {
				t.Fatal(err)
			}
			usage := `{"reports":[
				{"from":"npm:meeting-bot","to":"npm:date-fp","calls":4000000,"epoch":0,"source":"prod"},
				{"from":"npm:meeting-bot","to":"npm:date-fp","calls":100000,"epoch":0,"source":"ci"},
				{"from":"npm:meeting-bot","to":"npm:calendar-utils","calls":1046014,"epoch":0,"source":"prod"},
				{"from":"npm:date-fp","to":"npm:calendar-utils","calls":840000,"epoch":0,"source":"prod"},
				{"from":"npm:date-fp","to":"npm:chrono-utils","calls":410000,"epoch":0,"source":"prod"},
				{"from":"github.com/acme/app","to":"npm:meeting-bot","calls":10,"epoch":0,"source":"prod"},
				{"from":"github.com/acme/app","to":"npm:meeting-bot","calls":999,"epoch":0,"source":"self_report"}]}`
			if code, body := postRaw(t, e, "/v1/deps/usage", "usage-0", usage); code != 201 {
				t.Fatalf("usage: %d %s", code, body)
			}
			for _, bad := range []struct{ body, code string }{
				{`{"reports":[{"from":"npm:date-fp","to":"npm:chrono-utils","calls":1,"epoch":0,"source":"prod","ip":"10.0.0.1"}]}`, "deps_usage_invalid"},
				{`{"reports":[{"from":"npm:date-fp","to":"npm:chrono-utils","calls":1,"epoch":0,"source":"prod","payload":{}}]}`, "deps_usage_invalid"},
				{`{"reports":[{"from":"npm:date-fp","to":"npm:chrono-utils","calls":-3,"epoch":0,"source":"prod"}]}`, "deps_usage_invalid"},
				{`{"reports":[{"from":"npm:date-fp","to":"npm:chrono-utils","calls":1.5,"epoch":0,"source":"prod"}]}`, "deps_usage_invalid"},
				{`{"reports":[{"from":"npm:date-fp","to":"npm:chrono-utils","calls":1,"epoch":0,"source":"self_report"}]}`, "deps_usage_invalid"},
				{`{"reports":[{"from":"npm:nope","to":"npm:chrono-utils","calls":1,"epoch":0,"source":"prod"}]}`, "deps_repo_unknown"},
				{`{"reports":[]}`, "deps_limit"},
				{`{"reports":[],"user":"x"}`, "deps_usage_invalid"},
			} {
				if code, body := postRaw(t, e, "/v1/deps/usage", "bad-"+bad.body, bad.body); !strings.Contains(body, `"`+bad.code+`"`) || code < 400 {
					t.Errorf("%s: %d %s; want %s", bad.body, code, body, bad.code)
				}
			}
			if _, _, err := config.OpenDepsEpoch(ctx, "open-0", 0); err != nil {
				t.Fatal(err)
			}
			_, _, err = config.CloseDepsEpoch(ctx, "close-0-early", 0)
			refused(t, "closing before the end", err, "deps_epoch_state")
			clk.set(anchor.Add(7 * 24 * time.Hour))
			if _, _, err := config.CloseDepsEpoch(ctx, "close-0", 0); err != nil {
				t.Fatal(err)
			}
			if code, body := postRaw(t, e, "/v1/deps/usage", "usage-late", `{"reports":[{"from":"npm:date-fp","to":"npm:chrono-utils","calls":1,"epoch":0,"source":"prod"}]}`); code != 409 || !strings.Contains(body, "deps_epoch_closed") {
				t.Errorf("a report for a closed epoch: %d %s", code, body)
			}
			_, _, err = e.admin.ReportDepsUsage(ctx, "usage-late-client", deps.UsageBatch{Reports: []deps.Report{{From: "npm:date-fp", To: "npm:chrono-utils", Calls: 1, Epoch: 0, Source: deps.SourceProd}}})
			refused(t, "a report for a closed epoch, through the client", err, "deps_epoch_closed")
			if _, _, err := e.admin.ReportDepsUsage(ctx, "usage-1", deps.UsageBatch{Reports: []deps.Report{{From: "npm:date-fp", To: "npm:chrono-utils", Calls: 1, Epoch: 1, Source: deps.SourceProd}}}); err != nil {
				t.Errorf("a report for epoch 1 through the client: %v", err)
			}
			before := map[string]string{}
			for _, a := range []string{"dev:ana", "dev:ben", "dev:cho", "dev:dee", "owner:calendar-utils", "owner:chrono-utils"} {
				before[a] = available(t, e.admin, a, "USD")
			}
			if _, _, err := config.OpenDepsEpoch(ctx, "open-1", 1); err != nil {
				t.Fatal(err)
			}
			// The epoch-1 streams are the seed's.
			st, err := config.GetDepsStreams(ctx, client.GetDepsStreamsQuery{At: anchor.Add(7*24*time.Hour + time.Hour).Format(time.RFC3339)})
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, s := range st.Streams {
				got = append(got, fmt.Sprintf("%s → %s = %s", s.Payer, strings.Join(s.Path, " → "), s.EpochAmount))
			}
			want := "github.com/acme/app → npm:meeting-bot = 5800\nnpm:meeting-bot → npm:calendar-utils = 1120\nnpm:meeting-bot → npm:date-fp = 3140\nnpm:meeting-bot → npm:date-fp → npm:calendar-utils = 840\nnpm:meeting-bot → npm:date-fp → npm:chrono-utils = 410"
			if strings.Join(got, "\n") != want || st.EpochAmount != "11310" {
				t.Errorf("epoch 1 streams:\n%s\n(total %s)\nwant:\n%s\n(total 11310)", strings.Join(got, "\n"), st.EpochAmount, want)
			}
			mrr, err := config.GetDepsStreams(ctx, client.GetDepsStreamsQuery{To: "npm:calendar-utils", At: anchor.Add(7*24*time.Hour + 84*time.Hour).Format(time.RFC3339)})
			if err != nil {
				t.Fatal(err)
			}
			// 1960 cents over 604800 s: the sum of 1851851 and 1388888 (× 10^-9 cents/s); half-way, 980.
			if mrr.EpochAmount != "1960" || mrr.EpochAccrued != "980" || mrr.StreamRate != "3240739" {
				t.Errorf("calendar-utils' incoming: %+v", mrr)
			}
			clk.set(anchor.Add(14 * 24 * time.Hour))
			closed, _, err := config.CloseDepsEpoch(ctx, "close-1", 1)
			if err != nil {
				t.Fatal(err)
			}
			if closed.State != deps.EpochClosed || closed.Settlement.Total.Uint64() != 11310 {
				t.Errorf("close: %+v", closed.Settlement)
			}
			for a, cents := range map[string]int64{"dev:ana": 4060, "dev:ben": 1740, "dev:cho": 2198, "dev:dee": 942, "owner:calendar-utils": 1960, "owner:chrono-utils": 410} {
				var b, n int64
				fmt.Sscan(before[a], &b)
				fmt.Sscan(available(t, e.admin, a, "USD"), &n)
				if n-b != cents {
					t.Errorf("%s received %d; want %d", a, n-b, cents)
				}
			}
			if r := available(t, e.admin, deps.ReserveAccount(1), "USD"); r != "0" {
				t.Errorf("the reserve of epoch 1 holds %s after its close", r)
			}
			ex, err := config.ExplainDepsEpoch(ctx, 1, client.ExplainDepsEpochQuery{Repo: "npm:date-fp"})
			if err != nil {
				t.Fatal(err)
			}
			if len(ex.Into) != 1 || len(ex.OutOf) != 2 || ex.Income == nil || ex.Income.Amount.Uint64() != 3140 {
				t.Errorf("explain date-fp: %+v", ex)
			}
			credit, err := config.GetDepsCredit(ctx, "dev:ana")
			if err != nil || credit.Credit == "" || credit.Credit == "0" {
				t.Errorf("dev:ana's credit %+v, %v", credit, err)
			}
			_, _, err = config.CloseDepsEpoch(ctx, "close-1-again", 1)
			refused(t, "closing twice", err, "deps_epoch_closed")
			settleEpoch(t, e, config)
		})
	}
}

// settleEpoch settles the seed's epoch 1 in one payout batch: its lines are
// what epoch 1 paid each payee with a destination (not their balances,
// which hold epoch 0's income too), the others are listed, a second settle
// under another key answers the same batch, and an open epoch is refused.
func settleEpoch(t *testing.T, e *env, config *client.Client) {
	t.Helper()
	ctx := context.Background()
	_, _, err := e.admin.SettleDepsEpoch(ctx, "settle-none", 1)
	refused(t, "settling with no destination registered", err, "payout_batch_empty")
	_, _, err = config.SettleDepsEpoch(ctx, "settle-config", 1)
	refused(t, "a configurator settling", err, "forbidden")
	_, _, err = e.admin.SettleDepsEpoch(ctx, "settle-9", 9)
	refused(t, "settling an epoch never opened", err, "deps_epoch_unknown")
	if _, _, err := config.OpenDepsEpoch(ctx, "open-2", 2); err != nil {
		t.Fatal(err)
	}
	_, _, err = e.admin.SettleDepsEpoch(ctx, "settle-2", 2)
	refused(t, "settling an open epoch", err, "deps_epoch_state")
	// Epoch 1's batch is written under deps:settle:1 whatever key the
	// request came with: a platform entry taking that key first would
	// block the settlement, so the key is refused (and settling below
	// still works).
	_, _, err = e.admin.CreateEntry(ctx, "deps:settle:1", wire.EntryRequest{Postings: []wire.PostingJSON{usd("@world", "dev:ana", "1")}})
	refused(t, "a platform entry under an epoch's settle key", err, "key_reserved")
	dests := map[string]string{"dev:ana": "@bank:ana", "dev:cho": "0x5B38Da6a701c568545dCfcB03FcB875f56beddC4", "owner:calendar-utils": "@bank:cal"}
	for a, d := range dests {
		if _, _, err := e.admin.SetPayoutDestination(ctx, "dest-"+a, a, payout.DestinationRequest{Destination: d}); err != nil {
			t.Fatal(err)
		}
	}
	before := available(t, e.admin, "dev:ana", "USD")
	got, replayed, err := e.admin.SettleDepsEpoch(ctx, "settle-1", 1)
	if err != nil || replayed {
		t.Fatalf("settling epoch 1: %v (replayed %v)", err, replayed)
	}
	b := got.Batch
	if b.State != payout.StateOpen || b.Lines != 3 || b.ChainLines != 1 || b.Total != "8218" || b.Root == "" {
		t.Errorf("epoch 1's batch: %+v", b)
	}
	var missing []string
	for _, p := range got.Missing {
		missing = append(missing, fmt.Sprintf("%s %s", p.Account, p.Amount))
	}
	if strings.Join(missing, ", ") != "dev:ben 1740, dev:dee 942, owner:chrono-utils 410" {
		t.Errorf("payees left out: %v", missing)
	}
	lines := map[string]string{}
	for _, l := range exportLines(t, e, b.ID) {
		lines[l.Account] = string(l.Units)
	}
	if want := map[string]string{"dev:ana": "4060", "dev:cho": "2198", "owner:calendar-utils": "1960"}; fmt.Sprint(lines) != fmt.Sprint(want) {
		t.Errorf("the batch's lines %v; want epoch 1's amounts %v", lines, want)
	}
	var was, now int64
	fmt.Sscan(before, &was)
	fmt.Sscan(available(t, e.admin, "dev:ana", "USD"), &now)
	if was-now != 4060 || now == 0 {
		t.Errorf("dev:ana had %d available, now %d: the batch reserves epoch 1's 4060 and leaves epoch 0's income", was, now)
	}
	again, replayed, err := e.admin.SettleDepsEpoch(ctx, "settle-1-other-key", 1)
	if err != nil || !replayed || again.Batch.ID != b.ID {
		t.Errorf("settling epoch 1 again: batch %d, replayed %v, %v; want batch %d replayed", again.Batch.ID, replayed, err, b.ID)
	}
	if n := available(t, e.admin, "dev:ana", "USD"); n != fmt.Sprint(now) {
		t.Errorf("the second settle moved dev:ana's balance: %s → %s", fmt.Sprint(now), n)
	}
}

// exportLines reads a payout batch's export.
func exportLines(t *testing.T, e *env, id uint64) []payout.ExportLine {
	t.Helper()
	req, _ := http.NewRequest("GET", fmt.Sprintf("%s/v1/payouts/%d/export.json", e.srv.URL, id), nil)
	req.Header.Set("Authorization", "Bearer "+adminSecret)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var ex payout.Export
	if err := json.NewDecoder(resp.Body).Decode(&ex); err != nil {
		t.Fatal(err)
	}
	return ex.Lines
}

// TestDepsBadInput sends the bad input over HTTP, each refused
// with its code and status, and finds nothing written: the configuration
// as before, the repos refused not linked, the repo's graph and asset as
// they were.
func TestDepsBadInput(t *testing.T) {
	anchor := time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC)
	clk := &clock{now: anchor.Add(-time.Hour)}
	e := startAt(t, stores(t)["sqlite"](t), clk.Now)
	cfg := `{"currency":"USD","anchor":"2026-01-05T00:00:00Z","base_rate":{"public":"5510","private":"5800","no_telemetry":"4000"},"sleeper_bp":100,"pass_min":"100"}`
	for i, w := range []struct{ method, path, body string }{
		{"PUT", "/v1/deps/config", cfg},
		{"POST", "/v1/deps/repos", `{"id":"npm:a","owner":"own:a","treasury":"tr:a","visibility":"public","packages":["npm:a"]}`},
		{"POST", "/v1/deps/repos", `{"id":"npm:b","owner":"own:b","treasury":"tr:b","visibility":"public","packages":["npm:b"]}`},
		{"POST", "/v1/deps/repos/npm:a/lockfile", `{"name":"package-lock.json","content":` + jsonString(npmLock("a", "b")) + `}`},
	} {
		if code, body := sendRaw(t, e, w.method, w.path, fmt.Sprintf("setup-%d", i), w.body); code >= 300 {
			t.Fatalf("%s %s: %d %s", w.method, w.path, code, body)
		}
	}
	state := func() string {
		var sb strings.Builder
		for _, path := range []string{"/v1/deps/config", "/v1/deps/repos/npm:a", "/v1/deps/repos/npm:b"} {
			req, _ := http.NewRequest("GET", e.srv.URL+path, nil)
			req.Header.Set("Authorization", "Bearer "+adminSecret)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			sb.Write(b)
		}
		return sb.String()
	}
	before := state()
	big := strings.Repeat("x", 5<<20)
	for _, tt := range []struct {
		what, method, path, body string
		status                   int
		code                     string
	}{
		{"a malformed lockfile names the line", "POST", "/v1/deps/repos/npm:a/lockfile", `{"name":"yarn.lock","content":"# yarn lockfile v1\n\nb@^1:\n  version \"1.0.0\"\n   bad indent\n"}`, 400, "lockfile_malformed"},
		{"a malformed lockfile names the field", "POST", "/v1/deps/repos/npm:a/lockfile", `{"name":"package-lock.json","content":"{\"lockfileVersion\":3,\"packages\":[]}"}`, 400, "lockfile_malformed"},
		{"an unknown format", "POST", "/v1/deps/repos/npm:a/lockfile", `{"name":"notes.txt","content":"hello"}`, 400, "lockfile_format_unknown"},
		{"a named format that does not exist", "POST", "/v1/deps/repos/npm:a/lockfile", `{"format":"maven","content":"<project/>"}`, 400, "lockfile_format_unknown"},
		{"an oversized lockfile", "POST", "/v1/deps/repos/npm:a/lockfile", `{"name":"yarn.lock","content":"` + big + `"}`, 413, "body_too_large"},
		{"a package mapped to two repos", "PUT", "/v1/deps/repos/npm:b/packages", `{"packages":["npm:b","npm:a"]}`, 409, "deps_package_taken"},
		{"a package linked twice", "POST", "/v1/deps/repos", `{"id":"npm:c","owner":"own:c","treasury":"tr:c","visibility":"public","packages":["npm:a"]}`, 409, "deps_package_taken"},
		{"a package of an unknown ecosystem", "POST", "/v1/deps/repos", `{"id":"npm:c","owner":"own:c","treasury":"tr:c","visibility":"public","packages":["maven:c"]}`, 400, "deps_id_invalid"},
		{"a repo ID with a space", "POST", "/v1/deps/repos", `{"id":"npm:c d","owner":"own:c","treasury":"tr:c","visibility":"public"}`, 400, "deps_id_invalid"},
		{"a visibility neither public nor private", "POST", "/v1/deps/repos", `{"id":"npm:c","owner":"own:c","treasury":"tr:c","visibility":"internal"}`, 422, "deps_repo_invalid"},
		{"an external treasury", "POST", "/v1/deps/repos", `{"id":"npm:c","owner":"own:c","treasury":"@bank:c","visibility":"public"}`, 422, "deps_repo_invalid"},
		{"an owner that is no account", "POST", "/v1/deps/repos", `{"id":"npm:c","owner":"own c","treasury":"tr:c","visibility":"public"}`, 400, "account_invalid"},
		{"a fork of itself", "POST", "/v1/deps/repos", `{"id":"npm:c","owner":"own:c","treasury":"tr:c","visibility":"public","fork_of":"npm:c"}`, 422, "deps_repo_invalid"},
		{"a multiplier out of range", "PUT", "/v1/deps/repos/npm:a/asset", `{"toml":"[royalties]\nmultiplier = 100.5\n"}`, 422, "deps_decimal_invalid"},
		{"a multiplier not an exact decimal", "PUT", "/v1/deps/repos/npm:a/asset", `{"toml":"[royalties]\nmultiplier = 1e2\n"}`, 422, "deps_decimal_invalid"},
		{"a multiplier with seven places", "PUT", "/v1/deps/repos/npm:a/asset", `{"toml":"[royalties]\nmultiplier = 1.0000001\n"}`, 422, "deps_decimal_invalid"},
		{"a negative acceptance", "PUT", "/v1/deps/repos/npm:a/asset", `{"toml":"[royalties]\nacceptance = -0.5\n"}`, 422, "deps_decimal_invalid"},
		{"an acceptance above 1", "PUT", "/v1/deps/repos/npm:a/asset", `{"toml":"[royalties]\nacceptance = 1.5\n"}`, 422, "deps_decimal_invalid"},
		{"a split not summing to 10000", "PUT", "/v1/deps/repos/npm:a/asset", `{"toml":"[[contributors]]\naccount = \"dev:a\"\nshare = 6000\n[[contributors]]\naccount = \"dev:b\"\nshare = 3000\n"}`, 422, "split_shares_sum"},
		{"an unknown key in asset.toml", "PUT", "/v1/deps/repos/npm:a/asset", `{"toml":"[royalties]\nbonus = 2\n"}`, 422, "deps_asset_invalid"},
		{"a depth above the limit", "PUT", "/v1/deps/config", strings.Replace(cfg, `"sleeper_bp"`, `"depth_max":9,"sleeper_bp"`, 1), 422, "deps_config_invalid"},
		{"a sleeper skim above 100%", "PUT", "/v1/deps/config", strings.Replace(cfg, `"sleeper_bp":100`, `"sleeper_bp":10001`, 1), 422, "deps_config_invalid"},
		{"an epoch of ten seconds", "PUT", "/v1/deps/config", strings.Replace(cfg, `"sleeper_bp"`, `"epoch_seconds":10,"sleeper_bp"`, 1), 422, "deps_config_invalid"},
		{"no anchor", "PUT", "/v1/deps/config", strings.Replace(cfg, `"anchor":"2026-01-05T00:00:00Z",`, ``, 1), 422, "deps_config_invalid"},
		{"an anchor not in UTC", "PUT", "/v1/deps/config", strings.Replace(cfg, `00:00:00Z`, `00:00:00+02:00`, 1), 422, "deps_config_invalid"},
		{"a pass-through above 100%", "PUT", "/v1/deps/config", strings.Replace(cfg, `"sleeper_bp"`, `"pass_bp":[10001],"sleeper_bp"`, 1), 422, "deps_config_invalid"},
		{"an unknown escrow expiry", "PUT", "/v1/deps/config", strings.Replace(cfg, `"sleeper_bp"`, `"escrow_expiry":"burn","sleeper_bp"`, 1), 422, "deps_config_invalid"},
		{"a base rate whose stream rate overflows", "PUT", "/v1/deps/config", strings.Replace(cfg, `"public":"5510"`, `"public":"`+money.Max.String()+`"`, 1), 422, "deps_config_invalid"},
		{"an unknown currency", "PUT", "/v1/deps/config", strings.Replace(cfg, `"USD"`, `"XYZ"`, 1), 422, "currency_unknown"},
		{"a beacon with an identity field", "POST", "/v1/deps/usage", `{"reports":[{"from":"npm:a","to":"npm:b","calls":1,"epoch":0,"source":"prod","user":"u1"}]}`, 400, "deps_usage_invalid"},
		{"a negative count", "POST", "/v1/deps/usage", `{"reports":[{"from":"npm:a","to":"npm:b","calls":-1,"epoch":0,"source":"prod"}]}`, 400, "deps_usage_invalid"},
		{"a fractional count", "POST", "/v1/deps/usage", `{"reports":[{"from":"npm:a","to":"npm:b","calls":2.5,"epoch":0,"source":"prod"}]}`, 400, "deps_usage_invalid"},
		{"closing an epoch never opened", "POST", "/v1/deps/epochs/0/close", ``, 422, "deps_epoch_unknown"},
		{"opening out of order", "POST", "/v1/deps/epochs/3/open", ``, 409, "deps_epoch_state"},
		{"an epoch that is no number", "POST", "/v1/deps/epochs/x/open", ``, 400, "bad_request"},
	} {
		code, body := sendRaw(t, e, tt.method, tt.path, "bad-"+strings.ReplaceAll(tt.what, " ", "-"), tt.body)
		if code != tt.status || !strings.Contains(body, `"code":"`+tt.code+`"`) {
			t.Errorf("%s: %d %.300s; want %d %s", tt.what, code, body, tt.status, tt.code)
		}
	}
	if after := state(); after != before {
		t.Errorf("a refusal wrote something:\nbefore %s\nafter  %s", before, after)
	}
	if code, _ := sendRaw(t, e, "POST", "/v1/deps/epochs/0/open", "open-0", ""); code != 201 {
		t.Fatalf("opening epoch 0: %d", code)
	}
	for _, tt := range []struct {
		what, path string
		status     int
		code       string
	}{
		{"closing before the end", "/v1/deps/epochs/0/close", 409, "deps_epoch_state"},
		{"settling an open epoch", "/v1/deps/epochs/0/settle", 409, "deps_epoch_state"},
	} {
		if code, body := sendRaw(t, e, "POST", tt.path, "bad-"+strings.ReplaceAll(tt.what, " ", "-"), ""); code != tt.status || !strings.Contains(body, `"code":"`+tt.code+`"`) {
			t.Errorf("%s: %d %.300s; want %d %s", tt.what, code, body, tt.status, tt.code)
		}
	}
}

func jsonString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}
