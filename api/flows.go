package api

import (
	"cmp"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/tributary-ledger/tributary/auth"
	"github.com/tributary-ledger/tributary/ledger"
	"github.com/tributary-ledger/tributary/money"
	"github.com/tributary-ledger/tributary/program"
	"github.com/tributary-ledger/tributary/wire"
)

// FlowsEntriesMax bounds the entries one GET /v1/flows sums: a longer
// period is read in several calls (its answer's next), so that no call
// holds the store for longer than this many entries take.
const FlowsEntriesMax = 10 * PageMax

const tagFlows = "Flows"

// flowRoutes are the aggregate reads the console draws from: the
// registered currencies, and a period's postings summed by path.
func (s *Server) flowRoutes() []Route {
	type none = program.NoBody
	return []Route{
		core(tagFlows, program.Route{Method: "GET", Path: "/v1/currencies", ID: "listCurrencies", Roles: auth.Roles, Handler: program.Describe[none, wire.CurrencyListJSON](false)}, s.listCurrencies),
		core(tagFlows, program.Route{Method: "GET", Path: "/v1/flows", ID: "listFlows", Roles: readOwn, Params: []program.Param{
			{Name: "account", In: "query", Doc: "Only postings from or to this account (its income and spending by path). Required for payee tokens.", Schema: "AccountName"},
			{Name: "since", In: "query", Doc: "Only entries at or after this RFC 3339 time.", Schema: "Time"},
			{Name: "until", In: "query", Doc: "Only entries before this RFC 3339 time.", Schema: "Time"},
			{Name: "currency", In: "query", Doc: "Only postings in this currency code.", Schema: "Currency"},
			{Name: "after", In: "query", Doc: "Only entries with a sequence number greater than this; the `next` of the previous answer.", Schema: "SeqString"}},
			Handler: program.Describe[none, wire.FlowListJSON](false)}, s.listFlows),
	}
}

func (s *Server) listCurrencies(w http.ResponseWriter, _ *http.Request, _ *Call) error {
	out := wire.CurrencyListJSON{Currencies: []wire.CurrencyInfoJSON{}}
	for _, c := range s.cfg.Currencies.All() {
		out.Currencies = append(out.Currencies, wire.CurrencyInfoJSON{Code: c.Code, Decimals: int(c.Decimals)})
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// flowKey is one path money takes: from an account, by a program's rule,
// to an account.
type flowKey struct{ from, program, rule, to, currency string }

// flowSum is what a path carried.
type flowSum struct {
	amount   money.Amount
	postings int
}

func (s *Server) listFlows(w http.ResponseWriter, r *http.Request, c *Call) error {
	q := r.URL.Query()
	if a := q.Get("account"); a != "" {
		if err := ledger.ValidateAccount(a); err != nil {
			return err
		}
	}
	f, err := journalFilter(r, c, min(PageMax, s.flowsMax), "sums the flows")
	if err != nil {
		return err
	}
	currency := q.Get("currency")
	if currency != "" {
		if _, err := s.cfg.Currencies.Lookup(currency); err != nil {
			return err
		}
	}
	sums := map[flowKey]*flowSum{}
	hours := map[time.Time]int{}
	// The whole period at once from the hours the server keeps summed,
	// when it asks for every account and has whole hours to keep.
	if f.Account == "" && !q.Has("after") && !f.Since.IsZero() && !f.Until.IsZero() {
		n, ok, err := s.rollups.period(r.Context(), s.cfg.Store, f.Since, f.Until, currency, rollupWarmFactor*s.flowsMax, sums, hours)
		if err != nil {
			return err
		}
		if ok {
			writeJSON(w, http.StatusOK, wire.FlowListJSON{Flows: flowList(sums), Entries: n, Hours: hourList(hours)})
			return nil
		}
		clear(sums)
		clear(hours)
	}
	entries, more := 0, false
	for entries < s.flowsMax {
		page, err := s.cfg.Store.JournalFiltered(r.Context(), f)
		if err != nil {
			return err
		}
		for _, e := range page {
			if err := addFlows(sums, e, currency, f.Account); err != nil {
				return err
			}
			hours[e.Time.UTC().Truncate(time.Hour)]++
			f.After = e.Seq
		}
		entries += len(page)
		if more = len(page) == f.Limit; !more {
			break
		}
	}
	out := wire.FlowListJSON{Flows: flowList(sums), Entries: entries, Hours: hourList(hours)}
	if more {
		out.Next = strconv.FormatUint(f.After, 10)
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// addFlows adds an entry's postings in currency ("" for all) from or to
// account ("" for any) to sums.
func addFlows(sums map[flowKey]*flowSum, e ledger.Entry, currency, account string) error {
	return eachFlow(e, currency, account, func(k flowKey, amount money.Amount) error { return addFlow(sums, k, amount, 1) })
}

// eachFlow calls fn with the flow of each of an entry's postings in
// currency ("" for all) from or to account ("" for any).
func eachFlow(e ledger.Entry, currency, account string, fn func(flowKey, money.Amount) error) error {
	for _, p := range e.Postings {
		if currency != "" && p.Currency != currency {
			continue
		}
		if account != "" && p.From != account && p.To != account {
			continue
		}
		if err := fn(flowKey{p.From, e.Program, Rule(p.Path, p.To), p.To, p.Currency}, p.Amount); err != nil {
			return err
		}
	}
	return nil
}

// addFlow adds amount, of postings postings, to the flow k of sums.
func addFlow(sums map[flowKey]*flowSum, k flowKey, amount money.Amount, postings int) error {
	sum := sums[k]
	if sum == nil {
		sum = &flowSum{}
		sums[k] = sum
	}
	total, err := sum.amount.Add(amount)
	if err != nil {
		return err
	}
	sum.amount = total
	sum.postings += postings
	return nil
}

func flowList(sums map[flowKey]*flowSum) []wire.FlowJSON {
	out := make([]wire.FlowJSON, 0, len(sums))
	for k, v := range sums {
		out = append(out, wire.FlowJSON{From: k.from, Program: k.program, Rule: k.rule, To: k.to, Currency: k.currency, Amount: wire.Amount(v.amount.String()), Postings: v.postings})
	}
	slices.SortFunc(out, func(a, b wire.FlowJSON) int {
		return cmp.Or(cmp.Compare(a.From, b.From), cmp.Compare(a.Program, b.Program), cmp.Compare(a.Rule, b.Rule), cmp.Compare(a.To, b.To), cmp.Compare(a.Currency, b.Currency))
	})
	return out
}

// Rule names the rule of a program that made a posting, from its
// explanation path: the step before the payee ("market:a → split 70% →
// owner" is "split"; "… → platform fee 2.5% → treasury" is "platform
// fee"), or the last step when the path does not end at the payee, cut
// before its first figure so that one rule's postings at different rates
// are one rule. A posting without a path has no rule ("").
func Rule(path, to string) string {
	steps := strings.Split(path, " → ")
	if len(steps) < 2 {
		return ""
	}
	step := steps[len(steps)-1]
	if step == to {
		step = steps[len(steps)-2]
	}
	words := strings.Fields(step)
	for i, w := range words {
		if strings.ContainsAny(w, "0123456789") {
			words = words[:i]
			break
		}
	}
	return strings.Join(words, " ")
}

func hourList(hours map[time.Time]int) []wire.FlowHourJSON {
	out := make([]wire.FlowHourJSON, 0, len(hours))
	for h, n := range hours {
		out = append(out, wire.FlowHourJSON{Hour: h, Entries: n})
	}
	slices.SortFunc(out, func(a, b wire.FlowHourJSON) int { return a.Hour.Compare(b.Hour) })
	return out
}
