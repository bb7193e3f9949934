package split

import (
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/tributary-ledger/tributary/money"
)

// label is a label split that pays a band, which pays its members.
var label = []Split{
	{ID: "label", Unit: BasisPoints, Receivers: []Receiver{
		nest("band", 5000),
		acct("label:treasury", 1500),
		acct("producer", 3500),
	}},
	{ID: "band", Unit: BasisPoints, Receivers: []Receiver{
		acct("singer", 4000),
		acct("guitarist", 4000),
		acct("drummer", 2000),
	}},
}

func TestSetAllocateNested(t *testing.T) {
	set, err := NewSet(label, Limits{})
	if err != nil {
		t.Fatalf("NewSet(label): %v", err)
	}
	tests := []struct {
		id    string
		total uint64
		want  []Part
	}{
		{"label", 198, []Part{
			// band gets 99, then 39.6 / 39.6 / 19.8: floors 39, 39, 19 and
			// the 2 left over to the largest remainders (.8 for the drummer,
			// then .6 for the singer, who is listed first).
			{"singer", money.FromUint64(40), []string{"split 50%", "split:band", "split 40%", "singer"}},
			{"guitarist", money.FromUint64(39), []string{"split 50%", "split:band", "split 40%", "guitarist"}},
			{"drummer", money.FromUint64(20), []string{"split 50%", "split:band", "split 20%", "drummer"}},
			{"label:treasury", money.FromUint64(30), []string{"split 15%", "label:treasury"}},
			{"producer", money.FromUint64(69), []string{"split 35%", "producer"}},
		}},
		{"label", 0, []Part{
			{"singer", money.Zero, []string{"split 50%", "split:band", "split 40%", "singer"}},
			{"guitarist", money.Zero, []string{"split 50%", "split:band", "split 40%", "guitarist"}},
			{"drummer", money.Zero, []string{"split 50%", "split:band", "split 20%", "drummer"}},
			{"label:treasury", money.Zero, []string{"split 15%", "label:treasury"}},
			{"producer", money.Zero, []string{"split 35%", "producer"}},
		}},
		{"band", 5, []Part{
			{"singer", money.FromUint64(2), []string{"split 40%", "singer"}},
			{"guitarist", money.FromUint64(2), []string{"split 40%", "guitarist"}},
			{"drummer", money.FromUint64(1), []string{"split 20%", "drummer"}},
		}},
	}
	for _, tt := range tests {
		got, err := set.Allocate(tt.id, money.FromUint64(tt.total))
		if err != nil {
			t.Errorf("Allocate(%s, %d) error: %v", tt.id, tt.total, err)
			continue
		}
		if diff := cmp.Diff(tt.want, got, amountCmp); diff != "" {
			t.Errorf("Allocate(%s, %d) = %v; want %v (-want +got):\n%s", tt.id, tt.total, got, tt.want, diff)
		}
	}
}

func TestSetAllocateRepeatedAccountAndWeights(t *testing.T) {
	// The same account in two places stays two parts, each with its path;
	// weights appear as share/sum.
	set, err := NewSet([]Split{
		{ID: "top", Unit: Weights, Receivers: []Receiver{acct("alice", 1), nest("crew", 2)}},
		{ID: "crew", Unit: Weights, Receivers: []Receiver{acct("alice", 3), acct("bob", 7)}},
	}, Limits{})
	if err != nil {
		t.Fatalf("NewSet: %v", err)
	}
	got, err := set.Allocate("top", money.FromUint64(30))
	if err != nil {
		t.Fatalf("Allocate(top, 30): %v", err)
	}
	want := []Part{
		{"alice", money.FromUint64(10), []string{"split 1/3", "alice"}},
		{"alice", money.FromUint64(6), []string{"split 2/3", "split:crew", "split 3/10", "alice"}},
		{"bob", money.FromUint64(14), []string{"split 2/3", "split:crew", "split 7/10", "bob"}},
	}
	if diff := cmp.Diff(want, got, amountCmp); diff != "" {
		t.Errorf("Allocate(top, 30) = %v; want %v (-want +got):\n%s", got, want, diff)
	}
	// Paths do not share spare capacity: appending to one must not change
	// the next.
	_ = append(got[0].Path, "extra")
	if got[1].Path[0] != "split 2/3" {
		t.Errorf("appending to Path of part 0 changed part 1's path to %v", got[1].Path)
	}
}

func TestSetGetCopies(t *testing.T) {
	splits := []Split{{ID: "s", Unit: Weights, Receivers: []Receiver{acct("a", 1), acct("b", 1)}}}
	set, err := NewSet(splits, Limits{})
	if err != nil {
		t.Fatal(err)
	}
	splits[0].Receivers[0].Account = "mallory" // the caller's copy, after NewSet
	got, ok := set.Get("s")
	if !ok {
		t.Fatalf("Get(s) = _, false; want true")
	}
	want := Split{ID: "s", Unit: Weights, Receivers: []Receiver{acct("a", 1), acct("b", 1)}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Get(s) = %v; want %v", got, want)
	}
	got.Receivers[1].Account = "mallory"
	again, _ := set.Get("s")
	if diff := cmp.Diff(want, again); diff != "" {
		t.Errorf("Get(s) after changing an earlier result = %v; want %v", again, want)
	}
	if _, ok := set.Get("nope"); ok {
		t.Errorf("Get(nope) = _, true; want false")
	}
	if diff := cmp.Diff([]string{"s"}, set.IDs()); diff != "" {
		t.Errorf("IDs() = %v; want [s]", set.IDs())
	}
}

// chain returns splits c0 → c1 → … → c(n-1), each paying the next half and
// an account the rest; the last pays one account.
func chainSplits(n int) []Split {
	splits := make([]Split, n)
	for i := range splits {
		id := "c" + strconv.Itoa(i)
		splits[i] = Split{ID: id, Unit: BasisPoints, Receivers: []Receiver{acct("payee-"+id, 5000), nest("c"+strconv.Itoa(i+1), 5000)}}
	}
	splits[n-1].Receivers = []Receiver{acct("payee-last", 10000)}
	return splits
}

func TestNewSetErrors(t *testing.T) {
	fan := func(id, child string, n int) Split {
		s := Split{ID: id, Unit: Weights}
		for i := range n {
			if child == "" {
				s.Receivers = append(s.Receivers, acct(id+"-"+strconv.Itoa(i), 1))
			} else {
				s.Receivers = append(s.Receivers, nest(child+strconv.Itoa(i), 1))
			}
		}
		return s
	}
	// 3 splits of 10 leaves under one of 3: 30 parts.
	wide := []Split{fan("top", "leaf", 3), fan("leaf0", "", 10), fan("leaf1", "", 10), fan("leaf2", "", 10)}
	tests := []struct {
		name     string
		splits   []Split
		lim      Limits
		wantCode string
		wantMsg  string
	}{
		{"label", label, Limits{}, "", ""},
		{"no splits", nil, Limits{}, "", ""},
		{"depth at limit", chainSplits(8), Limits{}, "", ""},
		{"depth at custom limit", chainSplits(3), Limits{DepthMax: 3}, "", ""},
		{"parts at limit", wide, Limits{PartsMax: 30}, "", ""},
		{"shared child", []Split{
			{ID: "a", Unit: Weights, Receivers: []Receiver{nest("b", 1), nest("c", 1)}},
			{ID: "b", Unit: Weights, Receivers: []Receiver{nest("c", 1)}},
			{ID: "c", Unit: Weights, Receivers: []Receiver{acct("x", 1)}},
		}, Limits{}, "", ""},

		{"invalid split", []Split{label[0], {ID: "band", Unit: BasisPoints, Receivers: []Receiver{acct("a", 1)}}}, Limits{}, "split_shares_sum", "split \"band\""},
		{"duplicate id", []Split{label[1], label[0], label[1]}, Limits{}, "split_id_duplicate", "\"band\" is defined twice"},
		{"unknown", label[:1], Limits{}, "split_unknown", "split \"label\" receiver 0 names split \"band\", which is not defined"},
		{"self", []Split{{ID: "a", Unit: Weights, Receivers: []Receiver{acct("x", 1), nest("a", 1)}}}, Limits{}, "split_cycle", "split cycle: a → a;"},
		{"two", []Split{
			{ID: "a", Unit: Weights, Receivers: []Receiver{nest("b", 1)}},
			{ID: "b", Unit: Weights, Receivers: []Receiver{nest("a", 1)}},
		}, Limits{}, "split_cycle", "split cycle: a → b → a;"},
		{"cycle below the root", []Split{
			{ID: "root", Unit: Weights, Receivers: []Receiver{acct("x", 1), nest("a", 1)}},
			{ID: "c", Unit: Weights, Receivers: []Receiver{acct("y", 1), nest("a", 1)}},
			{ID: "b", Unit: Weights, Receivers: []Receiver{nest("c", 1)}},
			{ID: "a", Unit: Weights, Receivers: []Receiver{nest("b", 1)}},
		}, Limits{}, "split_cycle", "split cycle: a → b → c → a;"},
		{"depth", chainSplits(9), Limits{}, "split_depth_max", "split \"c0\" nests 9 levels deep (c0 → c1 → c2 → c3 → c4 → c5 → c6 → c7 → c8); at most 8 levels are allowed"},
		{"depth custom", chainSplits(4), Limits{DepthMax: 3}, "split_depth_max", "at most 3 levels"},
		{"parts", wide, Limits{PartsMax: 29}, "split_parts_max", "split \"top\" expands through its nested splits into more than 29 parts"},
		{"receivers max", []Split{fan("s", "", 5)}, Limits{ReceiversMax: 4}, "split_receivers_max", "at most 4"},
	}
	for _, tt := range tests {
		set, err := NewSet(tt.splits, tt.lim)
		if got := errorCode(err); got != tt.wantCode {
			t.Errorf("%s: NewSet() error code = %q (%v); want %q", tt.name, got, err, tt.wantCode)
			continue
		}
		if err != nil {
			if !strings.Contains(err.Error(), tt.wantMsg) {
				t.Errorf("%s: NewSet() error = %q; want it to contain %q", tt.name, err, tt.wantMsg)
			}
			if set != nil {
				t.Errorf("%s: NewSet() = %v with an error; want nil", tt.name, set)
			}
		}
	}
}

func TestSetAllocateUnknown(t *testing.T) {
	set, err := NewSet(label, Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := set.Allocate("nope", money.FromUint64(1)); errorCode(err) != "split_unknown" {
		t.Errorf("Allocate(nope, 1) error = %v; want split_unknown", err)
	}
}

func TestSetAllocateDeepChain(t *testing.T) {
	set, err := NewSet(chainSplits(8), Limits{})
	if err != nil {
		t.Fatal(err)
	}
	got, err := set.Allocate("c0", money.FromUint64(256))
	if err != nil {
		t.Fatal(err)
	}
	last := got[len(got)-1]
	wantPath := []string{"split 50%", "split:c1", "split 50%", "split:c2", "split 50%", "split:c3", "split 50%", "split:c4", "split 50%", "split:c5", "split 50%", "split:c6", "split 50%", "split:c7", "split 100%", "payee-last"}
	if diff := cmp.Diff(wantPath, last.Path); diff != "" {
		t.Errorf("Allocate(c0, 256) last path = %v; want %v", last.Path, wantPath)
	}
	if last.Amount.Cmp(money.FromUint64(2)) != 0 {
		t.Errorf("Allocate(c0, 256) last amount = %s; want 2", last.Amount)
	}
}

// TestSetAllocateConserves builds random acyclic sets (each split nests only
// splits defined after it) and checks that every allocation hands out
// exactly its total, one part per leaf, every part on a well-formed path.
func TestSetAllocateConserves(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 14))
	for round := range 2000 {
		nSplits := 1 + rng.IntN(6)
		splits := make([]Split, nSplits)
		for i := range splits {
			unit := BasisPoints
			if rng.IntN(2) == 0 {
				unit = Weights
			}
			n := 1 + rng.IntN(6)
			shares := randShares(rng, n)
			if unit == BasisPoints {
				shares = bpShares(rng, n)
			}
			rs := make([]Receiver, n)
			used := map[int]bool{}
			for j := range rs {
				rs[j] = acct("acct-"+strconv.Itoa(i)+"-"+strconv.Itoa(j), shares[j])
				if i+1 < nSplits && rng.IntN(3) == 0 {
					child := i + 1 + rng.IntN(nSplits-i-1)
					if !used[child] {
						used[child] = true
						rs[j] = nest("s"+strconv.Itoa(child), shares[j])
					}
				}
			}
			splits[i] = Split{ID: "s" + strconv.Itoa(i), Unit: unit, Receivers: rs}
		}
		set, err := NewSet(splits, Limits{})
		if err != nil {
			t.Fatalf("round %d: NewSet(%v): %v", round, splits, err)
		}
		for _, sp := range splits {
			total := randTotal(rng)
			parts, err := set.Allocate(sp.ID, total)
			if err != nil {
				t.Fatalf("round %d: Allocate(%s, %s): %v", round, sp.ID, total, err)
			}
			sum := money.Zero
			for _, p := range parts {
				if sum, err = sum.Add(p.Amount); err != nil {
					t.Fatalf("round %d: Allocate(%s, %s) parts overflow", round, sp.ID, total)
				}
				if n := len(p.Path); n < 2 || n%2 != 0 || p.Path[n-1] != p.Account || !strings.HasPrefix(p.Path[0], "split ") {
					t.Fatalf("round %d: Allocate(%s, %s) part %v has a malformed path", round, sp.ID, total, p)
				}
			}
			if sum.Cmp(total) != 0 {
				t.Fatalf("round %d: Allocate(%s, %s) parts sum to %s; want %s", round, sp.ID, total, sum, total)
			}
		}
	}
}

// bpShares draws n basis-point shares summing to exactly 10000.
func bpShares(rng *rand.Rand, n int) []uint64 {
	shares := make([]uint64, n)
	left := uint64(TotalBasisPoints)
	for i := range shares[:n-1] {
		shares[i] = 1 + rng.Uint64N(left-uint64(n-1-i))
		left -= shares[i]
	}
	shares[n-1] = left
	return shares
}
