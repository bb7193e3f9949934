package usage

import (
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
	order := []int{0, 1, 2, 3, 4, 5}
	rankOrder(order, score, ids)
	if want := []int{1, 4, 2, 5, 0, 3}; !slices.Equal(order, want) {
		t.Errorf("rank order = %v; want %v", order, want)
	}
}
