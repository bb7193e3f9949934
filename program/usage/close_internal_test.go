package usage

import (
	"cmp"
	"fmt"
	"math/big"
	"math/rand/v2"
	"slices"
	"testing"
)

// TestMedian: selection gives what sorting gives, on random,
// duplicate-heavy and ordered counts: the middle count of an odd number;
// of an even number the mean of the middle two with a half rounded up
// (RulesTopScore), or the lower of them (RulesOriginal). The mean is
// computed here in big integers, independently of median's own sum.
func TestMedian(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 8))
	for iter := 0; iter < 3000; iter++ {
		n := 1 + rng.IntN(300)
		if iter%100 == 0 {
			n = 1 + rng.IntN(100_000)
		}
		xs := make([]uint64, n)
		spread := uint64(1) << uint(rng.IntN(64))
		if iter%7 == 0 {
			spread = 1<<64 - 1 // counts near the top of uint64: the mean must not overflow
		}
		for i := range xs {
			xs[i] = 1 + rng.Uint64N(spread)
		}
		switch iter % 5 {
		case 1:
			slices.Sort(xs)
		case 2:
			slices.Sort(xs)
			slices.Reverse(xs)
		case 3: // organ pipe
			slices.Sort(xs)
			slices.Reverse(xs[n/2:])
		}
		sorted := slices.Clone(xs)
		slices.Sort(sorted)
		lower := sorted[(n-1)/2]
		want := lower
		if n%2 == 0 {
			sum := new(big.Int).Add(new(big.Int).SetUint64(lower), new(big.Int).SetUint64(sorted[n/2]))
			want = sum.Add(sum, big.NewInt(1)).Rsh(sum, 1).Uint64() // (a+b+1)/2: half up
		}
		if got := median(slices.Clone(xs), RulesOriginal); got != lower {
			t.Fatalf("iteration %d (n=%d): original median = %d; sorting gives %d", iter, n, got, lower)
		}
		if got := median(xs, RulesTopScore); got != want {
			t.Fatalf("iteration %d (n=%d): median = %d; sorting gives %d", iter, n, got, want)
		}
	}
}

// TestBelowShare: the 128-bit comparison agrees with big integers on
// scores whose products overflow 64 bits.
func TestBelowShare(t *testing.T) {
	rng := rand.New(rand.NewPCG(6, 1))
	for iter := 0; iter < 100_000; iter++ {
		top := rng.Uint64N(MultiplierBPMax * ScoreUnit * 10)
		score := rng.Uint64N(top + 1)
		bp := rng.Uint64N(TotalBP + 1)
		if iter%3 == 0 { // on the boundary: score × TotalBP = top × bp
			top = (top / TotalBP) * TotalBP
			score = top / TotalBP * bp
		}
		l := new(big.Int).Mul(new(big.Int).SetUint64(score), big.NewInt(TotalBP))
		r := new(big.Int).Mul(new(big.Int).SetUint64(top), new(big.Int).SetUint64(bp))
		if got, want := belowShare(score, top, bp), l.Cmp(r) < 0; got != want {
			t.Fatalf("belowShare(%d, %d, %d) = %v; want %v", score, top, bp, got, want)
		}
	}
}

// TestRankOrder: highest score first, ties to the lower ID.
func TestRankOrder(t *testing.T) {
	score := []uint64{5, 9, 5, 1, 9, 5}
	ids := []string{"e", "b", "a", "z", "c", "d"}
	if got, want := ranks([]int{0, 1, 2, 3, 4, 5}, score, ids), []int{1, 4, 2, 5, 0, 3}; !slices.Equal(got, want) {
		t.Errorf("rank order = %v; want %v", got, want)
	}
}

// TestRankOrderAgainstComparison: the radix sort gives the order a
// comparison sort gives, with ties in score, in ID, and both.
func TestRankOrderAgainstComparison(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 9))
	for iter := 0; iter < 300; iter++ {
		n := 1 + rng.IntN(5000)
		score := make([]uint64, n)
		ids := make([]string, n)
		spread := uint64(1) << uint(1+rng.IntN(63))
		for i := range n {
			score[i] = rng.Uint64N(spread)
			if rng.IntN(4) == 0 {
				score[i] = score[rng.IntN(i+1)] // a tie
			}
			ids[i] = fmt.Sprintf("id-%d", rng.IntN(2*n))
		}
		var order []int
		for i := range n {
			if rng.IntN(5) > 0 {
				order = append(order, i)
			}
		}
		want := slices.Clone(order)
		slices.SortFunc(want, func(a, b int) int {
			if c := cmp.Compare(score[b], score[a]); c != 0 {
				return c
			}
			if c := cmp.Compare(ids[a], ids[b]); c != 0 {
				return c
			}
			return cmp.Compare(a, b)
		})
		if got := ranks(order, score, ids); !slices.Equal(got, want) {
			t.Fatalf("iteration %d: radix order differs from comparison order", iter)
		}
	}
}

// ranks returns the slots of order as sortRanks orders them.
func ranks(order []int, score []uint64, ids []string) []int {
	keys := make([]rankKey, len(order))
	for k, i := range order {
		keys[k] = rankKey{score[i], i}
	}
	sortRanks(keys, ids)
	out := make([]int, len(keys))
	for k, key := range keys {
		out[k] = key.slot
	}
	return out
}
