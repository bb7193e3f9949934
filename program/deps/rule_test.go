package deps

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/tributary-ledger/tributary/lockfile"
	"github.com/tributary-ledger/tributary/money"
	"github.com/tributary-ledger/tributary/split"
)

var anchor = time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC)

// SeedWorld is the seed's worked example (seed 003): meeting-bot (public)
// calls date-fp 4,100,000 times and calendar-utils 1,046,014 times and
// passes 28.48% at depth 1; date-fp calls calendar-utils 840,000 times and
// chrono-utils 410,000; acme/app (private) uses meeting-bot and passes
// nothing on.
func SeedWorld() World {
	contributors := func(a, b string) []split.Share {
		return []split.Share{{Account: a, ShareBP: 7000}, {Account: b, ShareBP: 3000}}
	}
	repo := func(id, vis string, pass []uint64, c []split.Share) Repo {
		name := strings.TrimPrefix(strings.TrimPrefix(id, "npm:"), "github.com/")
		a := DefaultAsset()
		a.PassBP, a.PassSet, a.Contributors = pass, pass != nil, c
		return Repo{ID: id, Owner: "owner:" + name, Treasury: "treasury:" + name, Visibility: vis, Packages: []string{"npm:" + name}, Asset: a}
	}
	return World{
		Params: Params{Currency: "USD", Anchor: anchor, BaseRate: BaseRate{Public: money.FromUint64(5510), Private: money.FromUint64(5800), NoTelemetry: money.FromUint64(4000)}},
		Repos: []Repo{
			repo("github.com/acme/app", Private, []uint64{}, nil),
			repo("npm:meeting-bot", Public, []uint64{2848}, contributors("dev:ana", "dev:ben")),
			repo("npm:date-fp", Public, nil, contributors("dev:cho", "dev:dee")),
			repo("npm:calendar-utils", Public, nil, nil),
			repo("npm:chrono-utils", Public, nil, contributors("dev:eli", "dev:fay")),
		},
		Deps: map[string][]string{
			"github.com/acme/app": {"npm:meeting-bot"},
			"npm:meeting-bot":     {"npm:date-fp", "npm:calendar-utils"},
			"npm:date-fp":         {"npm:calendar-utils", "npm:chrono-utils"},
		},
		Usage: map[string]map[string]uint64{
			"github.com/acme/app": {"npm:meeting-bot": 2_000_000},
			"npm:meeting-bot":     {"npm:date-fp": 4_100_000, "npm:calendar-utils": 1_046_014},
			"npm:date-fp":         {"npm:calendar-utils": 840_000, "npm:chrono-utils": 410_000},
		},
		Available: map[string]money.Amount{"treasury:meeting-bot": money.FromUint64(100_000), "treasury:acme/app": money.FromUint64(100_000)},
	}
}

// TestSeedExample is the seed's worked example, to the cent.
func TestSeedExample(t *testing.T) {
	plan, err := Rule(0, SeedWorld())
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	total := money.Zero
	for _, s := range plan.Streams {
		got = append(got, fmt.Sprintf("%s → %s = %s", s.Payer, strings.Join(s.Path, " → "), money.Format(s.Paid, money.USD)))
		total = mustAdd(total, s.Paid)
	}
	want := []string{
		"github.com/acme/app → npm:meeting-bot = 58.00",
		"npm:meeting-bot → npm:calendar-utils = 11.20",
		"npm:meeting-bot → npm:date-fp = 31.40",
		"npm:meeting-bot → npm:date-fp → npm:calendar-utils = 8.40",
		"npm:meeting-bot → npm:date-fp → npm:chrono-utils = 4.10",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("streams:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if money.Format(total, money.USD) != "113.10" {
		t.Errorf("total %s; want 113.10", money.Format(total, money.USD))
	}
	st, err := Settle(plan)
	if err != nil {
		t.Fatal(err)
	}
	var parts []string
	for _, in := range st.Income {
		for _, p := range in.Parts {
			parts = append(parts, fmt.Sprintf("%s %s %s", in.Repo, p.Account, money.Format(p.Amount, money.USD)))
		}
	}
	wantParts := []string{
		"npm:calendar-utils owner:calendar-utils 19.60",
		"npm:chrono-utils dev:eli 2.87",
		"npm:chrono-utils dev:fay 1.23",
		"npm:date-fp dev:cho 21.98",
		"npm:date-fp dev:dee 9.42",
		"npm:meeting-bot dev:ana 40.60",
		"npm:meeting-bot dev:ben 17.40",
	}
	if strings.Join(parts, "\n") != strings.Join(wantParts, "\n") {
		t.Errorf("parts:\n%s\nwant:\n%s", strings.Join(parts, "\n"), strings.Join(wantParts, "\n"))
	}
	if money.Format(st.Total, money.USD) != "113.10" {
		t.Errorf("close posts %s; want 113.10", money.Format(st.Total, money.USD))
	}
	// date-fp, calendar-utils and chrono-utils hold nothing: they are
	// listed with their whole budget short and pay nothing.
	for _, p := range plan.Payers {
		if p.Repo == "npm:date-fp" && (!p.Reserved.IsZero() || p.Shortfall.Uint64() != 5510) {
			t.Errorf("date-fp's line %+v; want nothing reserved, 55.10 short", p)
		}
	}
}

// TestRecomputeIsByteIdentical: the plan and the settlement of one world
// encode to the same bytes every time (maps are never iterated into the
// output unsorted).
func TestRecomputeIsByteIdentical(t *testing.T) {
	encode := func() string {
		plan, err := Rule(4, SeedWorld())
		if err != nil {
			t.Fatal(err)
		}
		st, err := Settle(plan)
		if err != nil {
			t.Fatal(err)
		}
		b, err := json.Marshal(EpochRecord{State: EpochClosed, Plan: plan, Settlement: &st})
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	first := encode()
	for i := 0; i < 20; i++ {
		if encode() != first {
			t.Fatal("a recompute of the same epoch encodes differently")
		}
	}
}

// TestGraphOf: a lockfile's graph keeps the repo's direct runtime
// dependencies by name, collapsing versions and leaving out development
// dependencies and the repo's own packages.
func TestGraphOf(t *testing.T) {
	lock := `{"name":"app","lockfileVersion":3,"packages":{
		"":{"name":"app","dependencies":{"date-fp":"^1","own-helper":"^1"},"devDependencies":{"jest":"^29"}},
		"node_modules/date-fp":{"version":"1.0.0","dependencies":{"chrono-utils":"^2"}},
		"node_modules/own-helper":{"version":"1.0.0","dependencies":{"left-pad":"^1"}},
		"node_modules/left-pad":{"version":"1.3.0"},
		"node_modules/jest":{"version":"29.0.0","dev":true},
		"node_modules/chrono-utils":{"version":"2.0.0"}}}`
	g, err := lockfile.Parse([]byte(lock), lockfile.Options{Name: "package-lock.json"})
	if err != nil {
		t.Fatal(err)
	}
	got := GraphOf(g, []string{"npm:own-helper"})
	if strings.Join(got.Deps, ",") != "npm:date-fp,npm:left-pad" || got.Packages != 6 || got.Format != "npm" {
		t.Errorf("graph %+v; want date-fp and left-pad (through the repo's own helper), not jest or chrono-utils", got)
	}
}

// TestCreditsLeaveOutOneOwner: income from a payer of the recipient's own
// owner is paid but earns no contributor credit.
func TestCreditsLeaveOutOneOwner(t *testing.T) {
	w := SeedWorld()
	for i := range w.Repos {
		if w.Repos[i].ID == "npm:date-fp" {
			w.Repos[i].Owner = "owner:meeting-bot" // meeting-bot's owner owns date-fp too
		}
	}
	plan, err := Rule(0, w)
	if err != nil {
		t.Fatal(err)
	}
	credits, err := Credits(plan)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]uint64{}
	for _, c := range credits {
		got[c.Account] = c.Amount.Uint64()
	}
	// date-fp's $31.40 comes from its own owner's meeting-bot: no credit
	// for cho and dee; meeting-bot's $58.00 from acme counts.
	if got["dev:cho"] != 0 || got["dev:dee"] != 0 || got["dev:ana"] != 4060 || got["dev:ben"] != 1740 {
		t.Errorf("credits %v; want none for date-fp's contributors, 40.60 and 17.40 for meeting-bot's", got)
	}
}
