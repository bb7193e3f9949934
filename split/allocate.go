package split

import (
	"fmt"
	"math/bits"

	"github.com/holiman/uint256"

	"github.com/tributary-ledger/tributary/errcode"
	"github.com/tributary-ledger/tributary/money"
)

// Allocate hands out exactly total by shares, by largest remainder: every
// receiver gets the floor of total*share/sum, and the leftover units (fewer
// than len(shares)) go one each to the receivers with the largest remainders
// of that division, equal remainders to the earlier receiver. Parts are in the
// order of shares. Allocating zero is allowed and gives all-zero parts.
//
// Errors: ErrEmpty (no shares), ErrShareZero, ErrWeightsOverflow (the shares
// sum to more than 2^64-1).
func Allocate(total money.Amount, shares []uint64) ([]money.Amount, error) {
	parts := make([]money.Amount, len(shares))
	var scratch Scratch
	if err := AllocateInto(parts, total, shares, &scratch); err != nil {
		return nil, err
	}
	return parts, nil
}

// Scratch holds the buffers AllocateInto works in, so that a caller who
// allocates many times can reuse them instead of allocating per call. The zero
// value is ready to use. A Scratch must not be used by two goroutines at once.
type Scratch struct {
	wide  []uint256.Int // the parts as they are computed
	rem   []uint64      // (r*share_i) mod S: how much rounding down cut from part i
	order []int         // receiver indices, rearranged by selectTop
}

func (s *Scratch) grow(n int) {
	if cap(s.wide) < n {
		s.wide = make([]uint256.Int, n)
		s.rem = make([]uint64, n)
		s.order = make([]int, n)
	}
	s.wide, s.rem, s.order = s.wide[:n], s.rem[:n], s.order[:n]
}

// AllocateInto is Allocate writing into parts instead of allocating: parts
// must have len(shares), and scratch (which may be nil, at the price of
// allocating) is reused between calls. Once scratch has grown to the largest
// len(shares) it sees, AllocateInto allocates nothing. On error parts are left
// unchanged.
//
// A parts slice of the wrong length is a programmer error and panics.
//
// Errors: ErrEmpty, ErrShareZero, ErrWeightsOverflow.
func AllocateInto(parts []money.Amount, total money.Amount, shares []uint64, scratch *Scratch) error {
	n := len(shares)
	if len(parts) != n {
		panic(fmt.Sprintf("split: AllocateInto with %d parts for %d shares", len(parts), n))
	}
	if n == 0 {
		return errcode.Errorf(ErrEmpty, "allocation has no shares; it needs at least one")
	}
	// A zero share anywhere is reported before an overflowing sum, as
	// Split.Validate does.
	var sum, overflow uint64
	for i, sh := range shares {
		if sh == 0 {
			return errcode.Errorf(ErrShareZero, "share %d is 0; every share must be at least 1", i)
		}
		var carry uint64
		sum, carry = bits.Add64(sum, sh, 0)
		overflow |= carry
	}
	if overflow != 0 {
		return errcode.Errorf(ErrWeightsOverflow, "shares sum to more than 2^64-1 (%d); scale them down", uint64(1<<64-1))
	}
	if scratch == nil {
		scratch = new(Scratch)
	}
	scratch.grow(n)
	wide, rem := scratch.wide, scratch.rem

	// total = q*S + r with r < S. Then
	//   total*share_i/S = q*share_i + r*share_i/S,
	// so the 256-bit work is one multiplication by a uint64 per receiver
	// (which cannot overflow: q*share_i <= q*S <= total), and the rounding is
	// all in r*share_i/S, a 128-by-64-bit division that cannot overflow
	// either because r < S.
	t := total.Uint256()
	var q [4]uint64
	var r uint64
	for i := 3; i >= 0; i-- {
		if r|t[i] != 0 { // skip the empty top limbs of everyday amounts
			q[i], r = bits.Div64(r, t[i], sum)
		}
	}

	// Floors: part_i = q*share_i + floor(r*share_i/S). The limbs are kept in
	// variables, not arrays, so that they stay in registers.
	var given uint64 // sum of floor(r*share_i/S)
	q0, q1, q2, q3 := q[0], q[1], q[2], q[3]
	for i, sh := range shares {
		var f, rm uint64
		if r != 0 {
			hi, lo := bits.Mul64(r, sh)
			f, rm = bits.Div64(hi, lo, sum)
			given += f
		}
		rem[i] = rm
		h0, l0 := bits.Mul64(q0, sh)
		h1, l1 := bits.Mul64(q1, sh)
		p0, c := bits.Add64(l0, f, 0)
		p1, c := bits.Add64(h0, l1, c)
		p2 := h1 + c // h1 < sh, so this does not wrap
		var p3 uint64
		if q2|q3 != 0 { // totals of 2^128 units and more: rare
			h2, l2 := bits.Mul64(q2, sh)
			l3 := q3 * sh // the high half is zero: q*share_i < 2^256
			p2, c = bits.Add64(p2, l2, 0)
			p3 = h2 + l3 + c
		}
		wide[i] = uint256.Int{p0, p1, p2, p3}
	}

	// The exact shares of r sum to r, so what the floors did not hand out is
	// r - given = sum(rem)/S < n: one unit each for the k receivers that lost
	// the most to rounding.
	if k := r - given; k > 0 {
		order := scratch.order
		for i := range order {
			order[i] = i
		}
		selectTop(order, rem, int(k))
		for _, i := range order[:k] {
			w := &wide[i]
			var c uint64
			w[0], c = bits.Add64(w[0], 1, 0)
			w[1], c = bits.Add64(w[1], 0, c)
			w[2], c = bits.Add64(w[2], 0, c)
			w[3] += c
		}
	}

	// Copy out in a pass of its own: an Amount is built by copying a
	// uint256.Int, and copying one just written stalls on store forwarding,
	// which cost more than all the arithmetic above. Sum as we go to check
	// conservation.
	var s0, s1, s2, s3, s4 uint64 // s4 collects carries out of 256 bits
	for i := range parts {
		w := &wide[i]
		var c uint64
		s0, c = bits.Add64(s0, w[0], 0)
		s1, c = bits.Add64(s1, w[1], c)
		s2, c = bits.Add64(s2, w[2], c)
		s3, c = bits.Add64(s3, w[3], c)
		s4 += c
		parts[i] = money.FromUint256(w)
	}
	if s4 != 0 || s0 != t[0] || s1 != t[1] || s2 != t[2] || s3 != t[3] {
		// A broken invariant is a bug, not bad input: stop before a wrong
		// amount can reach a ledger.
		panic(fmt.Sprintf("split: parts of %s by %v sum to %v, not the total: %v", total, shares, (&uint256.Int{s0, s1, s2, s3}).Dec(), parts))
	}
	return nil
}

// selectTop rearranges order so that order[:k] holds the k receivers that
// rank first by (remainder descending, index ascending). That order is
// strict and total (indices differ), so the chosen set is unique however
// the selection runs. It is a quickselect, O(n) on average; a bad run of
// pivots (only adversarial remainders cause one) falls back to heapsort on
// what is left, so the worst case is O(n log n), never O(n^2). 0 < k < n.
func selectTop(order []int, rem []uint64, k int) {
	selectTopBudget(order, rem, k, 2*bits.Len(uint(len(order))))
}

// selectTopBudget is selectTop with the number of partitions allowed before
// falling back to heapsort, so that tests can drive the fallback.
func selectTopBudget(order []int, rem []uint64, k, budget int) {
	// before reports whether receiver a ranks ahead of receiver b.
	before := func(a, b int) bool {
		return rem[a] > rem[b] || rem[a] == rem[b] && a < b
	}
	nth := k - 1 // place the k-th ranked receiver at order[k-1]
	lo, hi := 0, len(order)
	for hi-lo > 12 {
		if budget == 0 {
			heapSort(order[lo:hi], before)
			return
		}
		budget--
		// Median of three as pivot, moved to order[lo].
		mid := lo + (hi-lo)/2
		a, b, c := lo, mid, hi-1
		if before(order[b], order[a]) {
			a, b = b, a
		}
		if before(order[c], order[b]) {
			b = c
			if before(order[b], order[a]) {
				b = a
			}
		}
		order[lo], order[b] = order[b], order[lo]
		// Hoare partition around the pivot: [lo+1, i) ranks ahead of it,
		// (j, hi) behind it.
		pv := order[lo]
		i, j := lo+1, hi-1
		for {
			for i <= j && before(order[i], pv) {
				i++
			}
			for i <= j && before(pv, order[j]) {
				j--
			}
			if i > j {
				break
			}
			order[i], order[j] = order[j], order[i]
			i++
			j--
		}
		order[lo], order[j] = order[j], order[lo]
		switch {
		case j == nth:
			return
		case nth < j:
			hi = j
		default:
			lo = j + 1
		}
	}
	// Insertion sort for the last few.
	for i := lo + 1; i < hi; i++ {
		for j := i; j > lo && before(order[j], order[j-1]); j-- {
			order[j], order[j-1] = order[j-1], order[j]
		}
	}
}

// heapSort sorts s so that s[i] ranks before s[j] for i < j. It is the
// fallback that bounds selectTop's worst case.
func heapSort(s []int, before func(a, b int) bool) {
	// Max-heap by "ranks last", so popping the root fills s from the back
	// with the lowest ranked.
	down := func(root, n int) {
		for {
			child := 2*root + 1
			if child >= n {
				return
			}
			if child+1 < n && before(s[child], s[child+1]) {
				child++
			}
			if !before(s[root], s[child]) {
				return
			}
			s[root], s[child] = s[child], s[root]
			root = child
		}
	}
	for i := len(s)/2 - 1; i >= 0; i-- {
		down(i, len(s))
	}
	for end := len(s) - 1; end > 0; end-- {
		s[0], s[end] = s[end], s[0]
		down(0, end)
	}
}
