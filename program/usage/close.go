package usage

import (
	"cmp"
	"fmt"
	"math/bits"
	"slices"

	"github.com/tributary-ledger/tributary/errcode"
	"github.com/tributary-ledger/tributary/money"
	"github.com/tributary-ledger/tributary/split"
)

// History is what a close needs of earlier epochs, per participant slot.
// Columns are indexed by slot; a column shorter than the participants (or
// missing) counts as zeros, which is what a newly registered participant has.
type History struct {
	Streak   []uint64   `json:"streak,omitempty"`   // consecutive epochs at or above the tier threshold
	Smoothed []uint64   `json:"smoothed,omitempty"` // decay smoothing: the last smoothed score
	Past     [][]uint64 `json:"past,omitempty"`     // rolling smoothing: Past[k][i] is slot i's base score k+1 epochs ago
}

func at(col []uint64, i int) uint64 {
	if i < len(col) {
		return col[i]
	}
	return 0
}

// Input is everything the close of one epoch depends on. Participants are
// in slot order (registration order), which is also the order receivers
// are listed in every allocation, so ties go to the earlier registration.
type Input struct {
	Epoch    uint64
	Config   Config   // the configuration in force for the epoch
	IDs      []string // participant IDs by slot
	Category []string // participant categories by slot
	Active   []bool   // false for deregistered participants: they score nothing
	// Counts[m][i] is slot i's count of metric m (config order) in the
	// epoch; a missing or short column counts as zeros.
	Counts  [][]uint64
	History History      // as left by the previous epoch's close
	Revenue money.Amount // platform revenue recorded in the epoch
	CarryIn money.Amount // left over from the previous epoch
	Funding money.Amount // what the funding account holds: the pool never exceeds it
	// Rules is the rules revision to close under; 0 is the current one
	// (Rules). Explain recomputes a closed epoch under the revision it was
	// closed with.
	Rules int
}

// Rules revisions: how a close computes what the configuration leaves
// open. A closed epoch is recomputed (Explain) under the revision it was
// closed with, so that a change of rules never turns the digest stored at
// its close into a false alarm; the revision is stored with its summary.
const (
	// RulesOriginal: the median of an even number of counts is the lower
	// of the middle two, and min_score_bp is a share of 10^16 (ScoreUnit ×
	// TotalBP), the score of one participant holding every metric.
	RulesOriginal = 1
	// RulesTopScore: the median of an even number of counts is the mean
	// of the middle two, a half rounded up, and min_score_bp is a share of
	// the epoch's top score.
	RulesTopScore = 2
	// Rules is the revision of every new close.
	Rules = RulesTopScore
)

// rules returns the revision to close under.
func (in *Input) rules() int {
	if in.Rules == 0 {
		return Rules
	}
	return in.Rules
}

// Why a participant was not paid.
const (
	reasonNone uint8 = iota
	reasonInactive
	reasonNoScore
	reasonMinScore
	reasonMinUsers
	reasonCategory
)

var reasonText = [...]string{"", "deregistered", "no score", "below min_score_bp", "below min_active_users", "category not configured"}

// Outcome is the result of closing an epoch: amounts per slot, the pool's
// accounting, the history the next close needs, and every intermediate
// column the statement shows.
type Outcome struct {
	in *Input

	Target    money.Amount // what the pool rules ask for, carry-in included
	Pool      money.Amount // what is handed out or carried: min(Target, Funding)
	Shortfall money.Amount // Target - Pool: unfunded, reported, never overdrawn
	Paid      money.Amount // sum of Amounts
	CarryOut  money.Amount // Pool - Paid: stays in the funding account for the next epoch
	Cap       money.Amount // the cap on one participant, when configured

	Totals, Medians, ClipAt []uint64 // per metric
	Base, Smoothed, Score   []uint64 // per slot
	Streak, Multiplier      []uint64 // per slot
	Weight                  []uint64 // per slot: the formula's weight (score, or its square root)
	Rank                    []uint32 // ranked_decay: 1-based rank, 0 when unranked
	Reason                  []uint8
	Amounts                 []money.Amount
	Next                    History
	Notes                   []string // pool-level facts: empty categories, everyone capped, scaled ladders
}

// scoreBlock is how many slots one goroutine scores at a time.
const scoreBlock = 1 << 14

// Isqrt returns the integer square root of x: the largest r with r*r <= x.
func Isqrt(x uint64) uint64 {
	if x < 2 {
		return x
	}
	// Newton's method from an over-estimate 2^ceil(bits/2) decreases
	// monotonically to the floor of the root.
	r := uint64(1) << ((bits.Len64(x) + 1) / 2)
	for {
		next := (r + x/r) / 2
		if next >= r {
			return r
		}
		r = next
	}
}

// mulDiv64 returns floor(a*b/d) for a result known to fit in 64 bits.
func mulDiv64(a, b, d uint64) uint64 {
	hi, lo := bits.Mul64(a, b)
	q, _ := bits.Div64(hi, lo, d)
	return q
}

// contribution is one metric's part of a score: weight_bp × count/total ×
// ScoreUnit, rounded down.
func contribution(count, total, weightBP uint64) uint64 {
	if count == 0 || total == 0 || weightBP == 0 {
		return 0
	}
	return mulDiv64(count, weightBP*ScoreUnit, total)
}

// PoolTarget returns what a configuration's pool rules ask for from the
// epoch's revenue, before carry-over and funding.
func PoolTarget(p Pool, revenue money.Amount) (money.Amount, error) {
	switch p.Kind {
	case PoolFixedPercentage:
		q, _, err := revenue.MulDiv(p.PercentBP, TotalBP)
		return q, err
	case PoolFixedAmount:
		return p.Amount, nil
	case PoolDynamic:
		var sum, lower money.Amount
		for _, b := range p.Bands {
			upper := b.UpTo
			if upper.IsZero() || revenue.Cmp(upper) < 0 {
				upper = revenue
			}
			if upper.Cmp(lower) <= 0 {
				break
			}
			slice, _ := upper.Sub(lower)
			part, _, err := slice.MulDiv(b.RateBP, TotalBP)
			if err != nil {
				return money.Zero, err
			}
			if sum, err = sum.Add(part); err != nil {
				return money.Zero, err
			}
			lower = upper
		}
		return sum, nil
	}
	return money.Zero, errcode.Errorf(ErrConfig, "pool.kind %q is unknown", p.Kind)
}

// Close computes the close of an epoch. It is pure and deterministic: the
// same Input always gives the same Outcome and the same statement bytes.
//
// Errors: money.ErrOverflow when the pool does not fit in 256 bits, and an
// internal error for inconsistent input columns (a programmer error).
func Close(in *Input) (*Outcome, error) {
	if err := in.check(); err != nil {
		return nil, err
	}
	o := &Outcome{in: in}
	o.clip()
	o.score()
	if err := o.fund(); err != nil {
		return nil, err
	}
	if err := o.handOut(); err != nil {
		return nil, err
	}
	o.account()
	return o, nil
}

// check refuses input columns that disagree and an unknown rules
// revision (programmer errors).
func (in *Input) check() error {
	if r := in.rules(); r != RulesOriginal && r != RulesTopScore {
		return fmt.Errorf("usage: rules revision %d is unknown", r)
	}
	n := len(in.IDs)
	if len(in.Category) != n || len(in.Active) != n {
		return fmt.Errorf("usage: close input has %d IDs, %d categories, %d active flags", n, len(in.Category), len(in.Active))
	}
	if len(in.Counts) > len(in.Config.Metrics) {
		return fmt.Errorf("usage: close input has %d count columns for %d metrics", len(in.Counts), len(in.Config.Metrics))
	}
	return nil
}

// clip is step 1: clip each metric at its multiple of the epoch's median,
// then total it.
func (o *Outcome) clip() {
	in := o.in
	M := len(in.Config.Metrics)
	o.Totals, o.Medians, o.ClipAt = make([]uint64, M), make([]uint64, M), make([]uint64, M)
	var scratch []uint64
	for m, metric := range in.Config.Metrics {
		col := in.column(m)
		if metric.ClipBP != 0 {
			if scratch == nil {
				scratch = make([]uint64, 0, len(col))
			}
			scratch = scratch[:0]
			for i, c := range col {
				if c > 0 && in.Active[i] {
					scratch = append(scratch, c)
				}
			}
			if len(scratch) > 0 {
				o.Medians[m] = median(scratch, in.rules())
				o.ClipAt[m] = mulDiv64(o.Medians[m], metric.ClipBP, TotalBP)
			}
		}
		var total uint64
		for i, c := range col {
			if in.Active[i] {
				total += o.clipped(m, c)
			}
		}
		o.Totals[m] = total
	}
}

// scorer holds what step 2 needs for every slot.
type scorer struct {
	o           *Outcome
	cols        [][]uint64 // counts by metric
	pastCols    int        // rolling smoothing: the past scores kept
	tierMetric  int        // -1: no tier
	usersMetric int        // -1: no minimum of active users
	top         uint64     // the epoch's top score
}

// score is step 2: weighted shares, smoothed, multiplied by the tier
// reached, then qualified. Every slot's score depends on its own counts
// and history only: the slots are scored in blocks on up to WorkersMax
// goroutines, each writing its own slots. Qualifying needs the top score
// (min_score_bp is a share of it), so it is a second pass.
func (o *Outcome) score() {
	s := o.newScorer()
	n := len(o.in.IDs)
	blocks := (n + scoreBlock - 1) / scoreBlock
	parallel(blocks, func(k int) {
		for i := k * scoreBlock; i < min((k+1)*scoreBlock, n); i++ {
			s.slot(i)
		}
	})
	for _, score := range o.Score { // a deregistered slot scores 0
		s.top = max(s.top, score)
	}
	parallel(blocks, func(k int) {
		for i := k * scoreBlock; i < min((k+1)*scoreBlock, n); i++ {
			if o.in.Active[i] {
				s.qualify(i)
			}
		}
	})
}

// newScorer allocates the per-slot columns and the history the next close
// needs, and resolves the metrics the options name.
func (o *Outcome) newScorer() *scorer {
	in, cfg, n := o.in, o.in.Config, len(o.in.IDs)
	o.Base, o.Smoothed, o.Score = make([]uint64, n), make([]uint64, n), make([]uint64, n)
	o.Streak, o.Multiplier, o.Weight = make([]uint64, n), make([]uint64, n), make([]uint64, n)
	o.Reason, o.Amounts = make([]uint8, n), make([]money.Amount, n)
	s := &scorer{o: o, tierMetric: -1, usersMetric: -1}
	switch cfg.Smoothing.Kind {
	case SmoothingRolling:
		s.pastCols = int(cfg.Smoothing.Epochs) - 1
		o.Next.Past = make([][]uint64, s.pastCols)
		for k := range o.Next.Past {
			o.Next.Past[k] = make([]uint64, n)
		}
	case SmoothingDecay:
		o.Next.Smoothed = o.Smoothed
	}
	if cfg.Tier != nil {
		s.tierMetric, _ = cfg.MetricIndex(cfg.Tier.Metric)
		o.Next.Streak = o.Streak
	}
	if cfg.Qualify.ActiveUsersMetric != "" {
		s.usersMetric, _ = cfg.MetricIndex(cfg.Qualify.ActiveUsersMetric)
	}
	s.cols = make([][]uint64, len(cfg.Metrics))
	for m := range s.cols {
		s.cols[m] = in.column(m)
	}
	return s
}

// slot scores slot i.
func (s *scorer) slot(i int) {
	o := s.o
	o.Multiplier[i] = TotalBP
	if !o.in.Active[i] {
		o.Reason[i] = reasonInactive
		return
	}
	var base uint64
	for m, metric := range o.in.Config.Metrics {
		base += contribution(o.clipped(m, at(s.cols[m], i)), o.Totals[m], metric.WeightBP)
	}
	o.Base[i] = base
	o.Smoothed[i] = s.smooth(i, base)
	o.Score[i] = s.tier(i, o.Smoothed[i])
}

// smooth returns slot i's smoothed score and records what the next close's
// smoothing needs.
func (s *scorer) smooth(i int, base uint64) uint64 {
	o, sm, h := s.o, s.o.in.Config.Smoothing, &s.o.in.History
	switch sm.Kind {
	case SmoothingRolling:
		sum := base
		for k := 0; k < s.pastCols; k++ {
			if k < len(h.Past) {
				sum += at(h.Past[k], i)
			}
		}
		if s.pastCols > 0 {
			o.Next.Past[0][i] = base
			for k := 1; k < s.pastCols; k++ {
				if k-1 < len(h.Past) {
					o.Next.Past[k][i] = at(h.Past[k-1], i)
				}
			}
		}
		return sum / sm.Epochs
	case SmoothingDecay:
		prev := at(h.Smoothed, i)
		hi1, lo1 := bits.Mul64(base, TotalBP-sm.DecayBP)
		hi2, lo2 := bits.Mul64(prev, sm.DecayBP)
		lo, c := bits.Add64(lo1, lo2, 0)
		hi := hi1 + hi2 + c
		smoothed, _ := bits.Div64(hi, lo, TotalBP)
		return smoothed
	}
	return base
}

// tier returns slot i's score: its smoothed score times the multiplier of
// the highest tier level its streak reached.
func (s *scorer) tier(i int, smoothed uint64) uint64 {
	if s.tierMetric < 0 {
		return smoothed
	}
	o, t := s.o, s.o.in.Config.Tier
	if at(s.cols[s.tierMetric], i) >= t.Threshold {
		o.Streak[i] = at(o.in.History.Streak, i) + 1
	}
	for _, l := range t.Levels {
		if o.Streak[i] >= l.Epochs {
			o.Multiplier[i] = l.MultiplierBP
		}
	}
	return mulDiv64(smoothed, o.Multiplier[i], TotalBP)
}

// qualify says why slot i is not paid, or gives it its formula weight.
func (s *scorer) qualify(i int) {
	o, q := s.o, s.o.in.Config.Qualify
	score := o.Score[i]
	switch {
	case score == 0:
		o.Reason[i] = reasonNoScore
	case s.belowMinScore(score):
		o.Reason[i] = reasonMinScore
	case s.usersMetric >= 0 && at(s.cols[s.usersMetric], i) < q.MinActiveUsers:
		o.Reason[i] = reasonMinUsers
	}
	if o.Reason[i] == reasonNone {
		o.Weight[i] = score
		if o.in.Config.Formula.Kind == Quadratic {
			o.Weight[i] = Isqrt(score)
		}
	}
}

// belowMinScore reports whether a score falls short of min_score_bp.
func (s *scorer) belowMinScore(score uint64) bool {
	minBP := s.o.in.Config.Qualify.MinScoreBP
	if s.o.in.rules() == RulesOriginal {
		return score < minBP*ScoreUnit
	}
	return belowShare(score, s.top, minBP)
}

// belowShare reports whether score < top × bp / TotalBP, exactly: it
// compares score × TotalBP with top × bp in 128 bits, as neither product
// need fit in 64 (a score with a tier multiplier reaches 10^17).
func belowShare(score, top, bp uint64) bool {
	sh, sl := bits.Mul64(score, TotalBP)
	th, tl := bits.Mul64(top, bp)
	return sh < th || sh == th && sl < tl
}

// fund is step 3: the pool is what the rules ask for plus the carry-over,
// never more than the funding account holds.
func (o *Outcome) fund() error {
	in, cfg := o.in, o.in.Config
	target, err := PoolTarget(cfg.Pool, in.Revenue)
	if err != nil {
		return err
	}
	if o.Target, err = target.Add(in.CarryIn); err != nil {
		return err
	}
	o.Pool = o.Target
	if o.Pool.Cmp(in.Funding) > 0 {
		o.Pool = in.Funding
	}
	o.Shortfall, _ = o.Target.Sub(o.Pool)
	if cfg.CapBP > 0 {
		o.Cap, _, _ = o.Pool.MulDiv(cfg.CapBP, TotalBP)
	}
	return nil
}

// handOut is step 4: the pool is divided by the formula.
func (o *Outcome) handOut() error {
	var alloc allocator
	capped := o.in.Config.CapBP > 0
	switch o.in.Config.Formula.Kind {
	case ProRata, Quadratic:
		o.proRata(&alloc, capped)
	case CategoryWeighted:
		return o.byCategory(&alloc, capped)
	case RankedDecay:
		o.ranked(&alloc, capped)
	}
	return nil
}

// proRata hands the pool out by weight over every qualified participant.
func (o *Outcome) proRata(alloc *allocator, capped bool) {
	n := len(o.Weight)
	members := make([]int, 0, n)
	for i := 0; i < n; i++ {
		if o.Weight[i] > 0 {
			members = append(members, i)
		}
	}
	if left := alloc.capped(o, o.Pool, members, o.Weight, capped); !left.IsZero() && len(members) > 0 {
		o.Notes = append(o.Notes, "every qualified participant reached the cap; the rest is carried")
	}
}

// byCategory splits the pool by the categories' fixed shares, then each
// category's part by weight over its qualified participants; the part of a
// category without any is carried.
func (o *Outcome) byCategory(alloc *allocator, capped bool) error {
	cats := o.in.Config.Formula.Categories
	index := make(map[string]int, len(cats))
	shares := make([]uint64, len(cats))
	for c, cat := range cats {
		index[cat.Name], shares[c] = c, cat.ShareBP
	}
	members := make([][]int, len(cats))
	for i := range o.Weight {
		if o.Weight[i] == 0 {
			continue
		}
		c, ok := index[o.in.Category[i]]
		if !ok {
			o.Reason[i], o.Weight[i] = reasonCategory, 0
			continue
		}
		members[c] = append(members[c], i)
	}
	parts, err := split.Allocate(o.Pool, shares)
	if err != nil {
		return err
	}
	for c, part := range parts {
		if len(members[c]) == 0 && !part.IsZero() {
			o.Notes = append(o.Notes, "category "+cats[c].Name+" has no qualified participant; its "+part.String()+" is carried")
		}
		alloc.capped(o, part, members[c], o.Weight, capped)
	}
	return nil
}

// account is step 5: every unit is accounted for, paid + carried = pool.
func (o *Outcome) account() {
	var err error
	for _, a := range o.Amounts {
		if o.Paid, err = o.Paid.Add(a); err != nil {
			panic("usage: payouts overflow the pool") // they are parts of the pool
		}
	}
	if o.CarryOut, err = o.Pool.Sub(o.Paid); err != nil {
		panic(fmt.Sprintf("usage: paid %s out of a pool of %s", o.Paid, o.Pool)) // a broken invariant: stop
	}
}

// column returns metric m's counts, or nil.
func (in *Input) column(m int) []uint64 {
	if m < len(in.Counts) {
		return in.Counts[m]
	}
	return nil
}

// clipped returns a count after metric m's outlier clipping.
func (o *Outcome) clipped(m int, c uint64) uint64 {
	if o.in.Config.Metrics[m].ClipBP != 0 && o.Medians[m] > 0 && c > o.ClipAt[m] {
		return o.ClipAt[m]
	}
	return c
}

// allocator holds buffers reused between allocations.
type allocator struct {
	shares  []uint64
	parts   []money.Amount
	scratch split.Scratch
}

// capped hands total out over members by their weights, by largest
// remainder, reusing members' memory. With a cap, a member whose part would exceed its headroom
// (the cap less what it has already) gets exactly its headroom, and the
// rest is handed out again over the others, until nobody exceeds it. It
// returns what could not be handed out (no members, or everyone capped).
func (a *allocator) capped(o *Outcome, total money.Amount, members []int, weights []uint64, capped bool) money.Amount {
	set := members // capped overwrites members: no caller needs them after
	for len(set) > 0 && !total.IsZero() {
		if cap(a.shares) < len(set) {
			a.shares, a.parts = make([]uint64, len(set)), make([]money.Amount, len(set))
		}
		shares, parts := a.shares[:len(set)], a.parts[:len(set)]
		for j, i := range set {
			shares[j] = weights[i]
		}
		if err := split.AllocateInto(parts, total, shares, &a.scratch); err != nil {
			panic(err) // weights are positive and their sum fits in 64 bits (see ScoreUnit)
		}
		over := 0
		if capped {
			for j, i := range set {
				if parts[j].Cmp(o.headroom(i)) > 0 {
					over++
				}
			}
		}
		if over == 0 {
			for j, i := range set {
				o.Amounts[i], _ = o.Amounts[i].Add(parts[j])
			}
			return money.Zero
		}
		// Fix the members over the cap at it, and share the rest again.
		keep := set[:0]
		for j, i := range set {
			if h := o.headroom(i); parts[j].Cmp(h) > 0 {
				o.Amounts[i] = o.Cap
				total, _ = total.Sub(h)
			} else {
				keep = append(keep, i)
			}
		}
		set = keep
	}
	return total
}

func (o *Outcome) headroom(i int) money.Amount {
	h, _ := o.Cap.Sub(o.Amounts[i])
	return h
}

// ranked pays the App Mining ladder: the top participant gets decay_bp of
// the pool, the next decay_bp of what remains, and so on; what remains at
// the end is carried, or spread over the ranked participants in proportion
// to their ladder amounts.
func (o *Outcome) ranked(alloc *allocator, capped bool) {
	f := o.in.Config.Formula
	ranked := 0
	for _, w := range o.Weight {
		if w > 0 {
			ranked++
		}
	}
	order := make([]rankKey, 0, ranked)
	for i, w := range o.Weight {
		if w > 0 {
			order = append(order, rankKey{o.Score[i], i})
		}
	}
	sortRanks(order, o.in.IDs)
	if f.Ranks > 0 && uint64(len(order)) > f.Ranks {
		order = order[:f.Ranks]
	}
	o.Rank = make([]uint32, len(o.Weight))
	remaining := o.Pool
	for k, key := range order {
		i := key.slot
		o.Rank[i] = uint32(k + 1)
		rung, _, _ := remaining.MulDiv(f.DecayBP, TotalBP)
		if capped && rung.Cmp(o.Cap) > 0 {
			rung = o.Cap
		}
		if rung.IsZero() {
			// What remains no longer pays a unit, and never will: every
			// later rung is zero too. Only the ranks are left to set.
			for j := k + 1; j < len(order); j++ {
				o.Rank[order[j].slot] = uint32(j + 1)
			}
			break
		}
		o.Amounts[i] = rung
		remaining, _ = remaining.Sub(rung)
	}
	if f.remainder() != RemainderSpread || remaining.IsZero() || len(order) == 0 {
		return
	}
	// Spread by ladder amounts. Allocation weights are 64-bit: when the
	// ladder's sum does not fit, every amount is shifted right by the same
	// number of bits, which keeps the proportions to within that rounding.
	var sum money.Amount
	for _, key := range order {
		sum, _ = sum.Add(o.Amounts[key.slot])
	}
	shift := max(sum.Uint256().BitLen()-63, 0)
	if shift > 0 {
		o.Notes = append(o.Notes, fmt.Sprintf("ladder amounts shifted right by %d bits to serve as spread weights", shift))
	}
	members := make([]int, 0, len(order))
	ladder := make([]uint64, len(o.Weight))
	for _, key := range order {
		i := key.slot
		w := o.Amounts[i].Uint256()
		w.Rsh(w, uint(shift))
		if ladder[i] = w.Uint64(); ladder[i] > 0 {
			members = append(members, i)
		}
	}
	alloc.capped(o, remaining, members, ladder, capped)
}

// rankKey is a slot to rank, with its score beside it rather than behind
// an index into a column of a million.
type rankKey struct {
	score uint64
	slot  int
}

// sortRanks sorts keys by score, highest first, ties to the lower ID
// (then, for IDs that are equal, which registered participants never
// are, the earlier slot): a total order, so any correct sort gives the
// same result. The keys are sorted by the bytes of the score from the top
// (an in-place radix sort) until a range is small enough to compare: a
// comparison sort of a million keys cost a third of a second.
func sortRanks(keys []rankKey, ids []string) { radixRank(keys, ids, 56) }

// radixRank sorts keys whose scores agree above bit shift+8 by the byte
// of the score at shift, highest first, and each bucket the same way one
// byte down; small buckets and equal scores are sorted by comparison.
func radixRank(keys []rankKey, ids []string, shift int) {
	for len(keys) > 64 && shift >= 0 {
		digit := func(k rankKey) int { return int(^k.score >> uint(shift) & 0xff) } // ^: highest first
		var count [256]int
		for _, k := range keys {
			count[digit(k)]++
		}
		if count[digit(keys[0])] == len(keys) { // one bucket: next byte
			shift -= 8
			continue
		}
		var next, end [256]int
		sum := 0
		for d := range count {
			next[d] = sum
			sum += count[d]
			end[d] = sum
		}
		// American flag sort: swap each key into its bucket's next place.
		for d := range count {
			for next[d] < end[d] {
				k := keys[next[d]]
				kd := digit(k)
				if kd == d {
					next[d]++
					continue
				}
				keys[next[d]], keys[next[kd]] = keys[next[kd]], k
				next[kd]++
			}
		}
		start := 0
		for d := range count {
			if count[d] > 1 {
				radixRank(keys[start:start+count[d]], ids, shift-8)
			}
			start += count[d]
		}
		return
	}
	slices.SortFunc(keys, func(a, b rankKey) int {
		if a.score != b.score {
			return cmp.Compare(b.score, a.score)
		}
		if c := cmp.Compare(ids[a.slot], ids[b.slot]); c != 0 {
			return c
		}
		return cmp.Compare(a.slot, b.slot)
	})
}

// median returns the median of xs, reordering xs: the middle element of
// an odd number; of an even number, under RulesTopScore, the mean of the
// middle two, and when that ends in a half (the two differ by an odd
// number) it rounds up. The median sets where counts are clipped, and
// clipping takes from a participant: rounding up can only spare a count
// that the exact median would clip by a fraction, never clip one it
// would spare. Under RulesOriginal it is the lower of the middle two.
func median(xs []uint64, rules int) uint64 {
	k := (len(xs) - 1) / 2
	lo := selectRank(xs, k)
	if len(xs)%2 == 1 || rules == RulesOriginal {
		return lo
	}
	hi := slices.Min(xs[k+1:]) // selectRank leaves every larger rank above k
	return lo + (hi-lo+1)/2    // no overflow: hi ≥ lo
}

// selectRank returns the element of rank k of xs, the one sorting would
// put at xs[k], and leaves xs partitioned around it: nothing after k is
// smaller. It selects instead of sorting a million counts: three-way
// partitions around medians of three, and a range that does not shrink
// within 2·log2(n) rounds (adversarial counts) is sorted instead, so the
// worst case stays n log n.
func selectRank(xs []uint64, k int) uint64 {
	lo, hi := 0, len(xs) // xs[lo:hi] holds rank k; before lo nothing is larger, from hi nothing smaller
	for budget := 2 * bits.Len(uint(len(xs))); hi-lo > 16 && budget > 0; budget-- {
		a, b, c := xs[lo], xs[lo+(hi-lo)/2], xs[hi-1]
		p := max(min(a, b), min(max(a, b), c))
		lt, i, gt := lo, lo, hi // [lo,lt) < p, [lt,i) == p, [gt,hi) > p
		for i < gt {
			switch x := xs[i]; {
			case x < p:
				xs[lt], xs[i] = x, xs[lt]
				lt++
				i++
			case x > p:
				gt--
				xs[gt], xs[i] = x, xs[gt]
			default:
				i++
			}
		}
		switch {
		case k < lt:
			hi = lt
		case k >= gt:
			lo = gt
		default:
			return p // xs[lt:gt] all equal p, and k is among them
		}
	}
	slices.Sort(xs[lo:hi])
	return xs[k]
}
