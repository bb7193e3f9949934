package split

import (
	"math/big"
	"math/rand/v2"
	"strconv"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/holiman/uint256"

	"github.com/tributary-ledger/tributary/errcode"
	"github.com/tributary-ledger/tributary/money"
)

// units parses base units, failing the test on a typo.
func units(t testing.TB, s string) money.Amount {
	t.Helper()
	a, err := money.ParseUnits(s)
	if err != nil {
		t.Fatalf("ParseUnits(%q): %v", s, err)
	}
	return a
}

func amounts(t testing.TB, ss ...string) []money.Amount {
	t.Helper()
	out := make([]money.Amount, len(ss))
	for i, s := range ss {
		out[i] = units(t, s)
	}
	return out
}

// amountCmp compares amounts by value; Amount's field is unexported.
var amountCmp = cmp.Comparer(func(a, b money.Amount) bool { return a.Cmp(b) == 0 })

func TestAllocateGolden(t *testing.T) {
	const eth = "000000000000000000" // 10^18 wei per ETH
	tests := []struct {
		name   string
		total  string
		shares []uint64
		want   []string
	}{
		// The collection seed: $1.98 at 50/15/35. The leftover cent goes to
		// the 15% receiver, whose exact share (29.7) lost the most.
		{"cents", "198", []uint64{5000, 1500, 3500}, []string{"99", "30", "69"}},
		{"usdc", "1980000", []uint64{5000, 1500, 3500}, []string{"990000", "297000", "693000"}},
		{"thirds", "100", []uint64{1, 1, 1}, []string{"34", "33", "33"}},
		{"thirds tie goes to earlier", "101", []uint64{1, 1, 1}, []string{"34", "34", "33"}},
		{"eth exact", "1000" + eth, []uint64{5000, 3000, 2000}, []string{"500" + eth, "300" + eth, "200" + eth}},
		// 7 wei over 50/30/20: exact 3.5, 2.1, 1.4 -> floors 3, 2, 1 and the
		// leftover wei to the largest remainder (0.5).
		{"eth uneven", "1000000000000000000007", []uint64{5000, 3000, 2000}, []string{"500000000000000000004", "300000000000000000002", "200000000000000000001"}},
		{"zero", "0", []uint64{5000, 1500, 3500}, []string{"0", "0", "0"}},
		{"one receiver", "12345", []uint64{10000}, []string{"12345"}},
		{"one unit", "1", []uint64{1, 1, 1}, []string{"1", "0", "0"}},
		{"one unit to largest", "1", []uint64{1, 2, 1}, []string{"0", "1", "0"}},
		{"weights", "10", []uint64{3, 7}, []string{"3", "7"}},
		{"max total", money.Max.String(), []uint64{1, 1}, []string{"57896044618658097711785492504343953926634992332820282019728792003956564819968", "57896044618658097711785492504343953926634992332820282019728792003956564819967"}},
		// 2^64-1 divides 2^256-1, so this one is exact.
		{"max total max weight", money.Max.String(), []uint64{1<<64 - 2, 1}, []string{"115792089237316195417293883273301227089093912875511959159873407211943617363966", "6277101735386680764176071790128604879584176795969512275969"}},
		{"max total huge weights", money.Max.String(), []uint64{1<<64 - 3, 1}, []string{"115792089237316195417293883273301227088753630508591020696354692372290720497655", "6277101735386680764516354157049543343102891635622409142280"}},
		{"fewer units than receivers", "2", []uint64{1, 1, 1, 1, 1}, []string{"1", "1", "0", "0", "0"}},
	}
	for _, tt := range tests {
		total := units(t, tt.total)
		got, err := Allocate(total, tt.shares)
		if err != nil {
			t.Errorf("%s: Allocate(%s, %v) error: %v", tt.name, tt.total, tt.shares, err)
			continue
		}
		if diff := cmp.Diff(amounts(t, tt.want...), got, amountCmp); diff != "" {
			t.Errorf("%s: Allocate(%s, %v) = %v; want %v (-want +got):\n%s", tt.name, tt.total, tt.shares, got, tt.want, diff)
		}
	}
}

func TestAllocateErrors(t *testing.T) {
	tests := []struct {
		name   string
		shares []uint64
		want   string
	}{
		{"nil", nil, "split_empty"},
		{"empty", []uint64{}, "split_empty"},
		{"zero share", []uint64{5000, 0, 5000}, "split_share_zero"},
		{"overflow", []uint64{1 << 63, 1 << 63}, "split_weights_overflow"},
		{"max fits", []uint64{1<<64 - 2, 1}, ""},
	}
	for _, tt := range tests {
		_, err := Allocate(money.FromUint64(198), tt.shares)
		if got := errorCode(err); got != tt.want {
			t.Errorf("%s: Allocate(198, %v) error code = %q (%v); want %q", tt.name, tt.shares, got, err, tt.want)
		}
	}
}

// errorCode is errcode.Code that maps no error to "".
func errorCode(err error) string {
	if err == nil {
		return ""
	}
	return errcode.Code(err)
}

func TestAllocateIntoReuse(t *testing.T) {
	var scratch Scratch
	// Large then small then large again: stale scratch must not leak into
	// a later call.
	cases := []struct {
		total  uint64
		shares []uint64
		want   []uint64
	}{
		{1000, []uint64{1, 1, 1, 1, 1, 1, 1}, []uint64{143, 143, 143, 143, 143, 143, 142}},
		{198, []uint64{5000, 1500, 3500}, []uint64{99, 30, 69}},
		{100, []uint64{1, 1, 1}, []uint64{34, 33, 33}},
		{10, []uint64{1, 1, 1, 1, 1, 1, 1}, []uint64{2, 2, 2, 1, 1, 1, 1}},
	}
	for _, c := range cases {
		parts := make([]money.Amount, len(c.shares))
		if err := AllocateInto(parts, money.FromUint64(c.total), c.shares, &scratch); err != nil {
			t.Fatalf("AllocateInto(%d, %v): %v", c.total, c.shares, err)
		}
		want := make([]money.Amount, len(c.want))
		for i, w := range c.want {
			want[i] = money.FromUint64(w)
		}
		if diff := cmp.Diff(want, parts, amountCmp); diff != "" {
			t.Errorf("AllocateInto(%d, %v) = %v; want %v", c.total, c.shares, parts, c.want)
		}
	}
}

func TestAllocateIntoNoAllocs(t *testing.T) {
	shares := benchShares(1000)
	parts := make([]money.Amount, len(shares))
	total := units(t, "1234567891234567891234567") // ~1.2M ETH in wei: r != 0
	var scratch Scratch
	allocs := testing.AllocsPerRun(100, func() {
		if err := AllocateInto(parts, total, shares, &scratch); err != nil {
			t.Fatal(err)
		}
	})
	if allocs != 0 {
		t.Errorf("AllocateInto allocates %v times per call; want 0", allocs)
	}
}

func TestAllocateIntoLengthMismatchPanics(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Errorf("AllocateInto with 2 parts for 3 shares did not panic")
		}
	}()
	_ = AllocateInto(make([]money.Amount, 2), money.FromUint64(1), []uint64{1, 1, 1}, nil)
}

// reference allocates by the rule as written, with math/big and a full
// stable sort: floor every exact share, then one unit each to the largest
// remainders, ties to the earlier receiver. It is slow and obviously right.
func reference(total *big.Int, shares []uint64) []*big.Int {
	sum := new(big.Int)
	for _, s := range shares {
		sum.Add(sum, new(big.Int).SetUint64(s))
	}
	parts := make([]*big.Int, len(shares))
	rems := make([]*big.Int, len(shares))
	given := new(big.Int)
	for i, s := range shares {
		p := new(big.Int).Mul(total, new(big.Int).SetUint64(s))
		parts[i], rems[i] = p.QuoRem(p, sum, new(big.Int))
		given.Add(given, parts[i])
	}
	left := new(big.Int).Sub(total, given).Int64()
	idx := make([]int, len(shares))
	for i := range idx {
		idx[i] = i
	}
	// Insertion sort: stable, and the reference must not share code with
	// the thing it checks.
	for i := 1; i < len(idx); i++ {
		for j := i; j > 0 && rems[idx[j]].Cmp(rems[idx[j-1]]) > 0; j-- {
			idx[j], idx[j-1] = idx[j-1], idx[j]
		}
	}
	for _, i := range idx[:left] {
		parts[i].Add(parts[i], big.NewInt(1))
	}
	return parts
}

func toBig(a money.Amount) *big.Int { return a.Uint256().ToBig() }

// checkParts verifies conservation and that every part is the floor or the
// ceiling of its exact share, using math/big. It returns the first failure.
func checkParts(total money.Amount, shares []uint64, parts []money.Amount, tmp *bigTemps) string {
	if len(parts) != len(shares) {
		return "wrong number of parts"
	}
	tb := total.Uint256().Bytes32()
	tmp.total.SetBytes(tb[:])
	tmp.sum.SetUint64(0)
	for _, s := range shares {
		tmp.share.SetUint64(s)
		tmp.sum.Add(&tmp.sum, &tmp.share)
	}
	tmp.acc.SetUint64(0)
	for i, s := range shares {
		b := parts[i].Uint256().Bytes32()
		tmp.part.SetBytes(b[:])
		tmp.acc.Add(&tmp.acc, &tmp.part)
		tmp.share.SetUint64(s)
		tmp.exact.Mul(&tmp.total, &tmp.share)
		tmp.exact.QuoRem(&tmp.exact, &tmp.sum, &tmp.rem)
		// part must be floor, or floor+1 when the share was not exact.
		switch tmp.part.Cmp(&tmp.exact) {
		case 0:
		case 1:
			tmp.exact.Add(&tmp.exact, tmp.one)
			if tmp.rem.Sign() == 0 || tmp.part.Cmp(&tmp.exact) != 0 {
				return "part " + parts[i].String() + " is more than one unit above its exact share"
			}
		default:
			return "part " + parts[i].String() + " is below the floor of its exact share " + tmp.exact.String()
		}
	}
	if tmp.acc.Cmp(&tmp.total) != 0 {
		return "parts sum to " + tmp.acc.String() + ", not " + tmp.total.String()
	}
	return ""
}

// bigTemps are reused big.Ints so that a million checks do not allocate a
// million times.
type bigTemps struct {
	total, sum, share, acc, part, exact, rem big.Int
	one                                      *big.Int
}

func newBigTemps() *bigTemps { return &bigTemps{one: big.NewInt(1)} }

// randTotal draws a total from a mix of magnitudes: small (many ties and
// zero parts), 18-decimal sized, full 256-bit, and near 2^256-1.
func randTotal(rng *rand.Rand) money.Amount {
	switch rng.IntN(6) {
	case 0:
		return money.FromUint64(rng.Uint64N(100))
	case 1:
		return money.FromUint64(rng.Uint64())
	case 2: // up to ~10^27: a billion ETH in wei
		return money.FromUint256(&uint256.Int{rng.Uint64(), rng.Uint64N(1 << 26), 0, 0})
	case 3:
		return money.FromUint256(&uint256.Int{rng.Uint64(), rng.Uint64(), rng.Uint64(), rng.Uint64()})
	case 4: // 2^256-1 minus a little
		return money.FromUint256(&uint256.Int{^rng.Uint64N(1000), ^uint64(0), ^uint64(0), ^uint64(0)})
	default:
		return money.FromUint256(&uint256.Int{rng.Uint64(), rng.Uint64(), rng.Uint64(), 0})
	}
}

// randShares draws n shares: basis points summing to 10000 (when n allows),
// small weights (many equal remainders), or huge weights whose sum still
// fits in 64 bits.
func randShares(rng *rand.Rand, n int) []uint64 {
	shares := make([]uint64, n)
	switch mode := rng.IntN(4); {
	case mode == 0 && n <= TotalBasisPoints:
		// n-1 distinct cut points in [1, 10000) make n positive parts.
		left := uint64(TotalBasisPoints)
		for i := range shares[:n-1] {
			maxShare := left - uint64(n-1-i)
			shares[i] = 1 + rng.Uint64N(min(maxShare, 2*TotalBasisPoints/uint64(n)+1))
			left -= shares[i]
		}
		shares[n-1] = left
	case mode == 1:
		for i := range shares {
			shares[i] = 1 + rng.Uint64N(3)
		}
	case mode == 2:
		limit := (^uint64(0)) / uint64(n)
		for i := range shares {
			shares[i] = 1 + rng.Uint64N(limit)
		}
	default:
		for i := range shares {
			shares[i] = 1 + rng.Uint64N(1_000_000)
		}
	}
	return shares
}

// TestAllocateProperties checks conservation and the one-unit bound on
// 1,000,000 random cases, and the exact largest-remainder choice against the
// reference on a share of them.
func TestAllocateProperties(t *testing.T) {
	rng := rand.New(rand.NewPCG(2026, 6))
	tmp := newBigTemps()
	var scratch Scratch
	parts := make([]money.Amount, 0, 5000)
	cases := 0
	check := func(total money.Amount, shares []uint64, againstReference bool) {
		t.Helper()
		cases++
		parts = parts[:len(shares)]
		if err := AllocateInto(parts, total, shares, &scratch); err != nil {
			t.Fatalf("AllocateInto(%s, %v): %v", total, shares, err)
		}
		if msg := checkParts(total, shares, parts, tmp); msg != "" {
			t.Fatalf("Allocate(%s, %v) = %v: %s", total, shares, parts, msg)
		}
		if againstReference {
			want := reference(toBig(total), shares)
			for i := range want {
				if toBig(parts[i]).Cmp(want[i]) != 0 {
					t.Fatalf("Allocate(%s, %v) = %v; want %v (largest remainder, ties to the earlier)", total, shares, parts, want)
				}
			}
		}
	}
	// Many small cases: 1 to 12 receivers.
	for i := range 960_000 {
		n := 1 + rng.IntN(12)
		check(randTotal(rng), randShares(rng, n), i%4 == 0)
	}
	// Middling: up to 300 receivers.
	for i := range 40_000 {
		n := 1 + rng.IntN(300)
		check(randTotal(rng), randShares(rng, n), i%10 == 0)
	}
	// Thousands of receivers with huge weights and huge totals.
	for i := range 300 {
		n := 1000 + rng.IntN(4000)
		check(randTotal(rng), randShares(rng, n), i%30 == 0)
	}
	// Adversarial for the selection: all remainders equal, or sorted either
	// way, with the leftover just below the number of receivers.
	for _, n := range []int{13, 100, 1000, 4999} {
		equal := make([]uint64, n)
		for i := range equal {
			equal[i] = 1
		}
		check(money.FromUint64(uint64(n)*1000+uint64(n)-1), equal, true)
		rising := make([]uint64, n)
		falling := make([]uint64, n)
		for i := range rising {
			rising[i], falling[i] = uint64(i+1), uint64(n-i)
		}
		for _, total := range []uint64{uint64(n) * 7919, 1, uint64(n*(n+1)/2) - 1} {
			check(money.FromUint64(total), rising, true)
			check(money.FromUint64(total), falling, true)
		}
	}
	if cases < 1_000_000 {
		t.Fatalf("ran %d cases; want at least 1,000,000", cases)
	}
}

func TestSelectTopAgainstSort(t *testing.T) {
	// selectTop directly, including its heapsort fallback, against a full
	// sort by the same rank.
	rng := rand.New(rand.NewPCG(7, 7))
	for range 2000 {
		n := 2 + rng.IntN(200)
		rem := make([]uint64, n)
		for i := range rem {
			rem[i] = rng.Uint64N(uint64(1 + rng.IntN(5)*n))
		}
		k := 1 + rng.IntN(n-1)
		order := make([]int, n)
		for i := range order {
			order[i] = i
		}
		// Budgets 0 and 1 drive the heapsort fallback; -1 is the default.
		switch budget := rng.IntN(4) - 1; budget {
		case -1:
			selectTop(order, rem, k)
		default:
			selectTopBudget(order, rem, k, budget)
		}
		sorted := make([]int, n)
		for i := range sorted {
			sorted[i] = i
		}
		heapSort(sorted, func(a, b int) bool { return rem[a] > rem[b] || rem[a] == rem[b] && a < b })
		for i := 1; i < n; i++ {
			a, b := sorted[i-1], sorted[i]
			if rem[a] < rem[b] || rem[a] == rem[b] && a > b {
				t.Fatalf("heapSort(%v) = %v; not in rank order at %d", rem, sorted, i)
			}
		}
		got := map[int]bool{}
		for _, i := range order[:k] {
			got[i] = true
		}
		want := map[int]bool{}
		for _, i := range sorted[:k] {
			want[i] = true
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Fatalf("selectTop(%v, k=%d) chose %v; want %v", rem, k, order[:k], sorted[:k])
		}
	}
}

// benchShares returns n basis-point shares summing to 10000 that are not
// all equal, so that remainders differ and the selection has work to do.
func benchShares(n int) []uint64 {
	shares := make([]uint64, n)
	left := uint64(TotalBasisPoints)
	for i := range shares[:n-1] {
		s := uint64(TotalBasisPoints/n) + uint64(i%3) - 1
		if s == 0 {
			s = 1
		}
		shares[i] = s
		left -= s
	}
	shares[n-1] = left
	return shares
}

func BenchmarkAllocate(b *testing.B) {
	// An 18-decimal total that no share divides: 1,234,567.891234567891234567
	// ETH in wei.
	total, err := money.ParseUnits("1234567891234567891234567")
	if err != nil {
		b.Fatal(err)
	}
	for _, n := range []int{10, 1000} {
		b.Run("receivers="+strconv.Itoa(n), func(b *testing.B) {
			shares := benchShares(n)
			parts := make([]money.Amount, n)
			var scratch Scratch
			for b.Loop() {
				if err := AllocateInto(parts, total, shares, &scratch); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/receiver")
		})
	}
}
