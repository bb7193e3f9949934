package api

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"time"

	"github.com/tributary-ledger/tributary/engine"
	"github.com/tributary-ledger/tributary/ledger"
	"github.com/tributary-ledger/tributary/money"
)

// RollupKeysMax bounds the flow sums the server keeps for whole hours
// (about 150 bytes each): past it, the hours used longest ago are dropped
// and summed again from the journal when asked for.
const RollupKeysMax = 1_000_000

// rollupWarmFactor times FlowsEntriesMax is how many entries of hours not
// yet kept one call may read to keep them (a day at one entry a second):
// once, so that the calls after it read only what is new.
const rollupWarmFactor = 10

// hourRollup is one whole UTC hour's flows (every account and currency)
// and its entries, as summed from the journal: every entry of the hour
// with a sequence number up to upTo. Sequence numbers are given in commit
// order, so an entry of the hour committed later, even one dated in the
// past, has a larger one: the rollups' cursor meets it and adds it.
type hourRollup struct {
	// sums are the hour's flows, each by its key's number in the
	// rollups' table (slot finds a key's sum while adding): merging a
	// week's 168 hours then adds numbered sums into a slice, instead of
	// hashing five strings for each of some 170,000.
	sums    []numberedSum
	slot    map[flowKey]int
	entries int
	upTo    uint64
	used    uint64
}

// numberedSum is a flow's sum by its key's number in the rollups' table.
type numberedSum struct {
	id  int32
	sum flowSum
}

// rollups are the hours the server has summed, kept between requests so
// that a period's flows cost its new entries and one indexed query per
// hour, not all its entries. They are read from the journal alone, so any
// store serves them and several servers over one store agree.
type rollups struct {
	mu    sync.Mutex
	hours map[time.Time]*hourRollup
	keys  int
	max   int
	tick  uint64
	// cursor: every entry up to this sequence number is in the kept
	// hours it falls in; started (at the newest entry) with the first use.
	cursor  uint64
	started bool
	// ids number the flow keys of the kept hours, table names them;
	// merged and touched are a request's merge, kept for the next (the
	// lock is held).
	ids     map[flowKey]int32
	table   []flowKey
	merged  []flowSum
	touched []int32
}

func newRollups(max int) *rollups {
	return &rollups{hours: map[time.Time]*hourRollup{}, max: max, ids: map[flowKey]int32{}}
}

// scanPage is how many entries scanJournal asks for at a time: the
// stores' largest page, so that an hour (3,600 entries at one a second)
// is one page, which the store bounds at the hour's last entry; a later
// page would walk on to the journal's end.
const scanPage = 10_000

// scanJournal calls each for every entry f selects, reading page by page,
// and returns how many it read.
func scanJournal(ctx context.Context, st Store, f ledger.JournalFilter, each func(ledger.Entry) error) (int, error) {
	f.Limit = scanPage
	n := 0
	for {
		page, err := st.JournalFiltered(ctx, f)
		if err != nil {
			return n, err
		}
		for _, e := range page {
			if err := each(e); err != nil {
				return n, err
			}
			f.After = e.Seq
		}
		n += len(page)
		if len(page) < f.Limit {
			return n, nil
		}
	}
}

// period sums the flows in currency ("" for all) of [since, until) into
// sums and its entries by hour into hours: whole hours from the rollups
// (summing those not yet kept, and adding to the kept ones what committed
// since), the partial hours at either end from the journal. It reads at
// most budget entries of hours not yet kept; past that it keeps what it
// summed and answers false, and the caller reads the period as before.
func (r *rollups) period(ctx context.Context, st Store, since, until time.Time, currency string, budget int, sums map[flowKey]*flowSum, hours map[time.Time]int) (int, bool, error) {
	first := since.UTC().Truncate(time.Hour)
	if first.Before(since) {
		first = first.Add(time.Hour)
	}
	last := until.UTC().Truncate(time.Hour)
	if !first.Before(last) {
		return 0, false, nil
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if err := r.catchUp(ctx, st); err != nil {
		return 0, false, err
	}
	r.tick++
	entries := 0
	var kept []*hourRollup
	for h := first; h.Before(last); h = h.Add(time.Hour) {
		hr := r.hours[h]
		if hr == nil {
			if budget <= 0 {
				r.evict()
				return 0, false, nil
			}
			hr = &hourRollup{slot: map[flowKey]int{}}
			n, err := scanJournal(ctx, st, ledger.JournalFilter{Since: h, Until: h.Add(time.Hour)}, func(e ledger.Entry) error {
				return r.add(hr, e)
			})
			if err != nil {
				return 0, false, err
			}
			budget -= n
			r.hours[h] = hr
			r.keys += len(hr.sums)
		}
		hr.used = r.tick
		kept = append(kept, hr)
	}
	if err := r.merge(kept, currency, sums); err != nil {
		return 0, false, err
	}
	for _, hr := range kept {
		entries += hr.entries
	}
	for i, h := 0, first; h.Before(last); i, h = i+1, h.Add(time.Hour) {
		if kept[i].entries > 0 {
			hours[h] = kept[i].entries
		}
	}
	r.evict()
	// The partial hours at the ends, from the journal.
	for _, span := range [][2]time.Time{{since, first}, {last, until}} {
		if !span[0].Before(span[1]) {
			continue
		}
		n, err := scanJournal(ctx, st, ledger.JournalFilter{Since: span[0], Until: span[1]}, func(e ledger.Entry) error {
			hours[e.Time.UTC().Truncate(time.Hour)]++
			return addFlows(sums, e, currency, "")
		})
		if err != nil {
			return 0, false, err
		}
		entries += n
	}
	return entries, true, nil
}

// merge adds the flows in currency ("" for all) of the hours kept to sums:
// by number into merged, then once each into sums.
func (r *rollups) merge(kept []*hourRollup, currency string, sums map[flowKey]*flowSum) error {
	if len(r.merged) < len(r.table) {
		r.merged = append(r.merged, make([]flowSum, len(r.table)-len(r.merged))...)
	}
	defer func() {
		for _, id := range r.touched {
			r.merged[id] = flowSum{}
		}
		r.touched = r.touched[:0]
	}()
	for _, hr := range kept {
		for _, ns := range hr.sums {
			if currency != "" && r.table[ns.id].currency != currency {
				continue
			}
			m := &r.merged[ns.id]
			if m.postings == 0 {
				r.touched = append(r.touched, ns.id)
			}
			total, err := m.amount.Add(ns.sum.amount)
			if err != nil {
				return err
			}
			m.amount, m.postings = total, m.postings+ns.sum.postings
		}
	}
	for _, id := range r.touched {
		if err := addFlow(sums, r.table[id], r.merged[id].amount, r.merged[id].postings); err != nil {
			return err
		}
	}
	return nil
}

// add sums e into the hour hr, numbering the keys it has not seen.
func (r *rollups) add(hr *hourRollup, e ledger.Entry) error {
	hr.entries++
	hr.upTo = max(hr.upTo, e.Seq)
	return eachFlow(e, "", "", func(k flowKey, amount money.Amount) error {
		i, ok := hr.slot[k]
		if !ok {
			id, ok := r.ids[k]
			if !ok {
				id = int32(len(r.table))
				r.ids[k] = id
				r.table = append(r.table, k)
			}
			i = len(hr.sums)
			hr.slot[k] = i
			hr.sums = append(hr.sums, numberedSum{id: id})
		}
		s := &hr.sums[i].sum
		total, err := s.amount.Add(amount)
		if err != nil {
			return err
		}
		s.amount, s.postings = total, s.postings+1
		return nil
	})
}

// catchUp adds to the kept hours the entries committed since the cursor
// (by the journal's sequence index: a call costs the new entries), each to
// the hour it is dated in, if that hour is kept and did not sum it. The
// first call starts the cursor at the newest entry, found from the
// newest entry.committed event (committed with its entry).
func (r *rollups) catchUp(ctx context.Context, st Store) error {
	if !r.started {
		seq, err := newestEntry(ctx, st)
		if err != nil {
			return err
		}
		r.cursor, r.started = seq, true
	}
	_, err := scanJournal(ctx, st, ledger.JournalFilter{After: r.cursor}, func(e ledger.Entry) error {
		r.cursor = e.Seq
		hr := r.hours[e.Time.UTC().Truncate(time.Hour)]
		if hr == nil || e.Seq <= hr.upTo {
			return nil
		}
		before := len(hr.sums)
		if err := r.add(hr, e); err != nil {
			return err
		}
		r.keys += len(hr.sums) - before
		return nil
	})
	if err != nil {
		// An hour may hold part of an entry: start again from nothing.
		clear(r.hours)
		r.keys, r.started = 0, false
	}
	return err
}

// eventsLookBack is how many events newestEntry reads at a time.
var eventsLookBack uint64 = 1024

// newestEntry is the sequence number of the newest entry that an
// entry.committed event names, looked for from the newest event back, a
// page at a time (0 if none: the cursor then starts at the journal's
// beginning). A page of other events alone (a batch's results resolving
// a thousand lines) must not send the cursor back to the beginning: the
// first flows call would then read the whole journal.
func newestEntry(ctx context.Context, st Store) (uint64, error) {
	head, err := st.EventHead(ctx)
	if err != nil {
		return 0, err
	}
	for end := head; end > 0; {
		from := end - min(end, eventsLookBack)
		evs, err := st.Events(ctx, from, int(end-from))
		if err != nil {
			return 0, err
		}
		for i := len(evs) - 1; i >= 0; i-- {
			if evs[i].Type != engine.EventEntryCommitted {
				continue
			}
			var d struct {
				Seq uint64 `json:"seq"`
			}
			if err := json.Unmarshal(evs[i].Data, &d); err != nil {
				return 0, fmt.Errorf("event %d: %w", evs[i].Seq, err)
			}
			return d.Seq, nil
		}
		end = from
	}
	return 0, nil
}

// evict drops the hours used longest ago while more than max sums are kept
// (but never those of the request under way, used at the current tick).
func (r *rollups) evict() {
	for r.keys > r.max {
		var oldest time.Time
		var o *hourRollup
		for h, hr := range r.hours {
			if hr.used < r.tick && (o == nil || hr.used < o.used) {
				oldest, o = h, hr
			}
		}
		if o == nil {
			return
		}
		r.keys -= len(o.sums)
		delete(r.hours, oldest)
	}
	// The table keeps the keys of hours dropped: past twice the sums
	// kept, start again from nothing (summing hours again when asked).
	if len(r.table) > 2*r.max {
		clear(r.hours)
		clear(r.ids)
		r.table, r.merged, r.keys = nil, nil, 0
	}
}
