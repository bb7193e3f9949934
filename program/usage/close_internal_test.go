package usage

import (
	"cmp"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
)

// TestLowerMedian: selection gives what sorting gives, on random,
// duplicate-heavy and ordered counts.
func TestLowerMedian(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 8))
	for iter := 0; iter < 3000; iter++ {
		n := 1 + rng.IntN(300)
		if iter%100 == 0 {
			n = 1 + rng.IntN(100_000)
		}
		xs := make([]uint64, n)
		spread := uint64(1) << uint(rng.IntN(40))
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
		if got, want := lowerMedian(xs), sorted[(n-1)/2]; got != want {
			t.Fatalf("iteration %d (n=%d): lowerMedian = %d; sorting gives %d", iter, n, got, want)
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
