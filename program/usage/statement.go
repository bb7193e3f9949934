package usage

import (
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
	Epoch     uint64       `json:"epoch" jsonschema:"minimum=0"`
	Start     string       `json:"start" schema:"Time"`
	End       string       `json:"end" schema:"Time"`
	Currency  string       `json:"currency" schema:"Currency"`
	Formula   string       `json:"formula"`
	PoolKind  string       `json:"pool_kind"`
	Revenue   money.Amount `json:"revenue" schema:"Amount"`
	CarryIn   money.Amount `json:"carry_in" schema:"Amount"`
	Target    money.Amount `json:"target" schema:"Amount"`
	Funding   money.Amount `json:"funding" schema:"Amount"`
	Pool      money.Amount `json:"pool" schema:"Amount"`
	Shortfall money.Amount `json:"shortfall" schema:"Amount"`
	Paid      money.Amount `json:"paid" schema:"Amount"`
	CarryOut  money.Amount `json:"carry_out" schema:"Amount"`
	Cap       money.Amount `json:"cap" schema:"Amount"`
	// Scores are in units of 1/score_unit.
	ScoreUnit    uint64          `json:"score_unit"`
	Metrics      []MetricFigures `json:"metrics"`
	Participants int             `json:"participants" jsonschema:"minimum=0"`
	PaidCount    int             `json:"paid_count" jsonschema:"minimum=0"`
	Notes        []string        `json:"notes"`
}

// MetricFigures are a metric's epoch figures: its weight, its total after
// clipping, and the median and clip level when it is clipped.
type MetricFigures struct {
	Name     string `json:"name" schema:"UsageName"`
	WeightBP uint64 `json:"weight_bp" jsonschema:"minimum=0"`
	ClipBP   uint64 `json:"clip_bp" jsonschema:"minimum=0"`
	Median   uint64 `json:"median" jsonschema:"minimum=0"`
	ClipAt   uint64 `json:"clip_at" jsonschema:"minimum=0"`
	// The epoch's total after clipping.
	Total uint64 `json:"total" jsonschema:"minimum=0"`
}

// StatementRow is one participant's line: raw counts, clipped counts, each
// metric's contribution to the score, every later step of the score, the
// formula's weight, and the amount. Counts and contributions are in the
// configuration's metric order; scores are in units of 1/ScoreUnit.
type StatementRow struct {
	Participant string `json:"participant" schema:"UsageParticipantId"`
	Category    string `json:"category"`
	// Counts, in the configuration's metric order.
	Raw []uint64 `json:"raw"`
	// Counts after clipping.
	Clipped []uint64 `json:"clipped"`
	// Each metric's contribution to the score.
	Contrib      []uint64 `json:"contrib"`
	Base         uint64   `json:"base" jsonschema:"minimum=0"`
	Smoothed     uint64   `json:"smoothed" jsonschema:"minimum=0"`
	Streak       uint64   `json:"streak" jsonschema:"minimum=0"`
	MultiplierBP uint64   `json:"multiplier_bp" jsonschema:"minimum=0"`
	Score        uint64   `json:"score" jsonschema:"minimum=0"`
	Qualified    bool     `json:"qualified"`
	// Why the participant did not qualify; empty when it did.
	Reason string `json:"reason" jsonschema:"enum=,enum=deregistered,enum=no score,enum=below min_score_bp,enum=below min_active_users,enum=category not configured"`
	// The formula's weight of the participant.
	Weight uint64       `json:"weight" jsonschema:"minimum=0"`
	Rank   uint32       `json:"rank" jsonschema:"minimum=0"`
	Amount money.Amount `json:"amount" schema:"Amount"`
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
// they need no escaping. A number equal to one just written (a clipped
// count that was not clipped, a score that no step changed) is copied
// rather than formatted again.
func (o *Outcome) AppendRow(b []byte, i int) []byte {
	cfg := o.in.Config
	M := len(cfg.Metrics)
	var buf [3 * MetricsMax]uint64
	vals := buf[:]
	if M > MetricsMax { // a configuration that was never validated
		vals = make([]uint64, 3*M)
	}
	raw, clipped, contrib := vals[:M], vals[M:2*M], vals[2*M:]
	active := o.in.Active[i]
	for m := range M {
		raw[m] = at(o.in.column(m), i)
		clipped[m] = o.clipped(m, raw[m])
		if active {
			contrib[m] = contribution(clipped[m], o.Totals[m], cfg.Metrics[m].WeightBP)
		}
	}
	var atBuf [MetricsMax + 1]int
	rawAt := atBuf[:] // where raw[m]'s digits are: b[rawAt[m]:rawAt[m+1]-1]
	if M > MetricsMax {
		rawAt = make([]int, M+1)
	}
	b = append(b, `{"participant":"`...)
	b = append(b, o.in.IDs[i]...)
	b = append(b, `","category":"`...)
	b = append(b, o.in.Category[i]...)
	b = append(b, `","raw":[`...)
	for m := range M {
		if m > 0 {
			b = append(b, ',')
		}
		rawAt[m] = len(b)
		b = strconv.AppendUint(b, raw[m], 10)
	}
	rawAt[M] = len(b) + 1
	b = append(b, `],"clipped":[`...)
	for m := range M {
		if m > 0 {
			b = append(b, ',')
		}
		if clipped[m] == raw[m] {
			b = append(b, b[rawAt[m]:rawAt[m+1]-1]...)
		} else {
			b = strconv.AppendUint(b, clipped[m], 10)
		}
	}
	b = append(b, `],"contrib":[`...)
	for m := range M {
		if m > 0 {
			b = append(b, ',')
		}
		b = strconv.AppendUint(b, contrib[m], 10)
	}
	var last repeat
	b = last.num(append(b, `],"base":`...), o.Base[i])
	b = last.num(append(b, `,"smoothed":`...), o.Smoothed[i])
	b = strconv.AppendUint(append(b, `,"streak":`...), o.Streak[i], 10)
	b = append(b, `,"multiplier_bp":`...)
	if o.Multiplier[i] == TotalBP { // no tier, or none reached: most rows
		b = append(b, totalBPText...)
	} else {
		b = strconv.AppendUint(b, o.Multiplier[i], 10)
	}
	b = last.num(append(b, `,"score":`...), o.Score[i])
	b = append(b, `,"qualified":`...)
	b = strconv.AppendBool(b, o.Reason[i] == reasonNone)
	b = append(b, `,"reason":"`...)
	b = append(b, reasonText[o.Reason[i]]...)
	b = last.num(append(b, `","weight":`...), o.Weight[i])
	var rank uint64
	if o.Rank != nil {
		rank = uint64(o.Rank[i])
	}
	b = strconv.AppendUint(append(b, `,"rank":`...), rank, 10)
	b = append(b, `,"amount":"`...)
	b = appendAmount(b, o.Amounts[i])
	return append(b, `"}`...)
}

var totalBPText = strconv.FormatUint(TotalBP, 10)

// repeat remembers the last number num wrote, to copy it when it comes
// again.
type repeat struct {
	v          uint64
	start, end int // its digits in the buffer; end 0: none yet
}

func (r *repeat) num(b []byte, v uint64) []byte {
	if r.end > 0 && v == r.v {
		start := len(b)
		b = append(b, b[r.start:r.end]...)
		r.start, r.end = start, len(b)
		return b
	}
	start := len(b)
	b = strconv.AppendUint(b, v, 10)
	r.v, r.start, r.end = v, start, len(b)
	return b
}

// appendAmount appends a.String() without allocating for amounts that
// fit in 64 bits, which all but the largest do.
func appendAmount(b []byte, a money.Amount) []byte {
	if a.IsUint64() {
		return strconv.AppendUint(b, a.Uint64(), 10)
	}
	return append(b, a.String()...)
}

// statementBlock is how many slots one goroutine writes at a time: big
// enough that handing blocks over costs nothing, small enough that the
// blocks in flight stay a few megabytes.
const statementBlock = 1024

// WriteStatement writes the statement: the header line, then one line per
// listed participant in slot order, each a JSON object. The bytes depend
// on nothing but the Input.
//
// Lines are formatted in blocks of slots on up to WorkersMax goroutines
// and written in slot order by the caller's goroutine, so that w (a hash,
// which cannot be split) is fed while the next blocks are formatted.
func (o *Outcome) WriteStatement(w io.Writer) error {
	head, err := json.Marshal(o.Header())
	if err != nil {
		return err
	}
	if _, err := w.Write(append(head, '\n')); err != nil {
		return err
	}
	n := len(o.in.IDs)
	return ordered((n+statementBlock-1)/statementBlock, func(k int, b []byte) []byte {
		if b == nil {
			b = make([]byte, 0, statementBlock*(160+40*len(o.in.Config.Metrics))) // about a block's lines
		}
		for i := k * statementBlock; i < min((k+1)*statementBlock, n); i++ {
			if o.Listed(i) {
				b = append(o.AppendRow(b, i), '\n')
			}
		}
		return b
	}, func(b []byte) error {
		_, err := w.Write(b)
		return err
	})
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
