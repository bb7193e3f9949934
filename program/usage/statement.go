package usage

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"strconv"
	"time"

	"github.com/tributary-ledger/tributary/money"
)

// StatementHeader is the first line of a statement: the pool's accounting
// and each metric's epoch figures.
type StatementHeader struct {
	Epoch        uint64          `json:"epoch"`
	Start        string          `json:"start"`
	End          string          `json:"end"`
	Currency     string          `json:"currency"`
	Formula      string          `json:"formula"`
	PoolKind     string          `json:"pool_kind"`
	Revenue      money.Amount    `json:"revenue"`
	CarryIn      money.Amount    `json:"carry_in"`
	Target       money.Amount    `json:"target"`
	Funding      money.Amount    `json:"funding"`
	Pool         money.Amount    `json:"pool"`
	Shortfall    money.Amount    `json:"shortfall"`
	Paid         money.Amount    `json:"paid"`
	CarryOut     money.Amount    `json:"carry_out"`
	Cap          money.Amount    `json:"cap"`
	ScoreUnit    uint64          `json:"score_unit"`
	Metrics      []MetricFigures `json:"metrics"`
	Participants int             `json:"participants"`
	PaidCount    int             `json:"paid_count"`
	Notes        []string        `json:"notes"`
}

// MetricFigures are a metric's epoch figures: its weight, its total after
// clipping, and the median and clip level when it is clipped.
type MetricFigures struct {
	Name     string `json:"name"`
	WeightBP uint64 `json:"weight_bp"`
	ClipBP   uint64 `json:"clip_bp"`
	Median   uint64 `json:"median"`
	ClipAt   uint64 `json:"clip_at"`
	Total    uint64 `json:"total"`
}

// StatementRow is one participant's line: raw counts, clipped counts, each
// metric's contribution to the score, every later step of the score, the
// formula's weight, and the amount. Counts and contributions are in the
// configuration's metric order; scores are in units of 1/ScoreUnit.
type StatementRow struct {
	Participant  string       `json:"participant"`
	Category     string       `json:"category"`
	Raw          []uint64     `json:"raw"`
	Clipped      []uint64     `json:"clipped"`
	Contrib      []uint64     `json:"contrib"`
	Base         uint64       `json:"base"`
	Smoothed     uint64       `json:"smoothed"`
	Streak       uint64       `json:"streak"`
	MultiplierBP uint64       `json:"multiplier_bp"`
	Score        uint64       `json:"score"`
	Qualified    bool         `json:"qualified"`
	Reason       string       `json:"reason"`
	Weight       uint64       `json:"weight"`
	Rank         uint32       `json:"rank"`
	Amount       money.Amount `json:"amount"`
}

// Listed reports whether slot i has a statement line: every registered
// participant, and a deregistered one that still reported usage.
func (o *Outcome) Listed(i int) bool {
	if o.in.Active[i] {
		return true
	}
	for m := range o.in.Config.Metrics {
		if at(o.in.column(m), i) > 0 {
			return true
		}
	}
	return false
}

// Slot returns the slot of a participant ID.
func (o *Outcome) Slot(id string) (int, bool) {
	for i, x := range o.in.IDs {
		if x == id {
			return i, true
		}
	}
	return 0, false
}

// IDs returns the participant IDs by slot.
func (o *Outcome) IDs() []string { return o.in.IDs }

// Header returns the statement's first line.
func (o *Outcome) Header() StatementHeader {
	cfg := o.in.Config
	h := StatementHeader{
		Epoch: o.in.Epoch, Start: cfg.Epoch.Start(o.in.Epoch).Format(time.RFC3339), End: cfg.Epoch.End(o.in.Epoch).Format(time.RFC3339),
		Currency: cfg.Currency, Formula: cfg.Formula.Kind, PoolKind: cfg.Pool.Kind,
		Revenue: o.in.Revenue, CarryIn: o.in.CarryIn, Target: o.Target, Funding: o.in.Funding, Pool: o.Pool,
		Shortfall: o.Shortfall, Paid: o.Paid, CarryOut: o.CarryOut, Cap: o.Cap, ScoreUnit: ScoreUnit,
		Notes: append([]string{}, o.Notes...),
	}
	for m, metric := range cfg.Metrics {
		h.Metrics = append(h.Metrics, MetricFigures{Name: metric.Name, WeightBP: metric.WeightBP, ClipBP: metric.ClipBP, Median: o.Medians[m], ClipAt: o.ClipAt[m], Total: o.Totals[m]})
	}
	for i := range o.in.IDs {
		if o.Listed(i) {
			h.Participants++
		}
		if !o.Amounts[i].IsZero() {
			h.PaidCount++
		}
	}
	return h
}

// Row returns slot i's statement line.
func (o *Outcome) Row(i int) StatementRow {
	cfg := o.in.Config
	M := len(cfg.Metrics)
	r := StatementRow{
		Participant: o.in.IDs[i], Category: o.in.Category[i],
		Raw: make([]uint64, M), Clipped: make([]uint64, M), Contrib: make([]uint64, M),
		Base: o.Base[i], Smoothed: o.Smoothed[i], Streak: o.Streak[i], MultiplierBP: o.Multiplier[i], Score: o.Score[i],
		Qualified: o.Reason[i] == reasonNone, Reason: reasonText[o.Reason[i]], Weight: o.Weight[i], Amount: o.Amounts[i],
	}
	if o.Rank != nil {
		r.Rank = o.Rank[i]
	}
	for m, metric := range cfg.Metrics {
		r.Raw[m] = at(o.in.column(m), i)
		r.Clipped[m] = o.clipped(m, r.Raw[m])
		if o.in.Active[i] {
			r.Contrib[m] = contribution(r.Clipped[m], o.Totals[m], metric.WeightBP)
		}
	}
	return r
}

// AppendRow appends slot i's line as JSON, byte for byte what
// json.Marshal(o.Row(i)) gives, without its allocations: a close writes a
// million of them. Participant IDs and categories are validated names, so
// they need no escaping.
func (o *Outcome) AppendRow(b []byte, i int) []byte {
	cfg := o.in.Config
	list := func(b []byte, name string, f func(m int) uint64) []byte {
		b = append(b, `,"`...)
		b = append(b, name...)
		b = append(b, `":[`...)
		for m := range cfg.Metrics {
			if m > 0 {
				b = append(b, ',')
			}
			b = strconv.AppendUint(b, f(m), 10)
		}
		return append(b, ']')
	}
	num := func(b []byte, name string, v uint64) []byte {
		b = append(b, `,"`...)
		b = append(b, name...)
		b = append(b, `":`...)
		return strconv.AppendUint(b, v, 10)
	}
	b = append(b, `{"participant":"`...)
	b = append(b, o.in.IDs[i]...)
	b = append(b, `","category":"`...)
	b = append(b, o.in.Category[i]...)
	b = append(b, '"')
	b = list(b, "raw", func(m int) uint64 { return at(o.in.column(m), i) })
	b = list(b, "clipped", func(m int) uint64 { return o.clipped(m, at(o.in.column(m), i)) })
	b = list(b, "contrib", func(m int) uint64 {
		if !o.in.Active[i] {
			return 0
		}
		return contribution(o.clipped(m, at(o.in.column(m), i)), o.Totals[m], cfg.Metrics[m].WeightBP)
	})
	b = num(b, "base", o.Base[i])
	b = num(b, "smoothed", o.Smoothed[i])
	b = num(b, "streak", o.Streak[i])
	b = num(b, "multiplier_bp", o.Multiplier[i])
	b = num(b, "score", o.Score[i])
	b = append(b, `,"qualified":`...)
	b = strconv.AppendBool(b, o.Reason[i] == reasonNone)
	b = append(b, `,"reason":"`...)
	b = append(b, reasonText[o.Reason[i]]...)
	b = append(b, '"')
	b = num(b, "weight", o.Weight[i])
	var rank uint64
	if o.Rank != nil {
		rank = uint64(o.Rank[i])
	}
	b = num(b, "rank", rank)
	b = append(b, `,"amount":"`...)
	b = append(b, o.Amounts[i].String()...)
	return append(b, `"}`...)
}

// WriteStatement writes the statement: the header line, then one line per
// listed participant in slot order, each a JSON object. The bytes depend
// on nothing but the Input.
func (o *Outcome) WriteStatement(w io.Writer) error {
	bw := bufio.NewWriterSize(w, 1<<16)
	head, err := json.Marshal(o.Header())
	if err != nil {
		return err
	}
	bw.Write(append(head, '\n'))
	var line []byte
	for i := range o.in.IDs {
		if !o.Listed(i) {
			continue
		}
		line = append(o.AppendRow(line[:0], i), '\n')
		if _, err := bw.Write(line); err != nil {
			return err
		}
	}
	return bw.Flush()
}

// Digest returns the SHA-256 of the statement's bytes, in hex: stored with
// a closed epoch, so that a statement recomputed later from the stored
// inputs can be checked against what was paid.
func (o *Outcome) Digest() string {
	h := sha256.New()
	if err := o.WriteStatement(h); err != nil {
		panic(err) // a hash never fails to write
	}
	return hex.EncodeToString(h.Sum(nil))
}
