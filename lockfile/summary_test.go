package lockfile

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// graphOf builds a graph from "a b" lines (a depends on b) with the given
// roots, through the builder, as a parser would.
func graphOf(t *testing.T, roots []string, lines ...string) *Graph {
	t.Helper()
	b := newBuilder(EcosystemNPM, Limits{}.withDefaults())
	add := func(name string) int {
		i, err := b.add(name, "1.0.0")
		if err != nil {
			t.Fatal(err)
		}
		return i
	}
	for _, r := range roots {
		b.root(add(r))
	}
	for _, l := range lines {
		f := strings.Fields(l)
		if err := b.edge(add(f[0]), add(f[1]), KindRuntime); err != nil {
			t.Fatal(err)
		}
	}
	return b.finish(FormatNPM)
}

func TestSummarize(t *testing.T) {
	tests := []struct {
		name  string
		roots []string
		edges []string
		want  Summary
	}{
		{
			name: "a chain", roots: []string{"r"}, edges: []string{"r a", "a b", "b c"},
			want: Summary{Packages: 4, Edges: 3, Roots: []string{"npm:r@1.0.0"}, Depths: []int{1, 1, 1, 1}, Cycles: Cycles{Examples: [][]string{}}},
		},
		{
			name: "a diamond counts each package at its shortest depth", roots: []string{"r"}, edges: []string{"r a", "r b", "a c", "b c", "c d"},
			want: Summary{Packages: 5, Edges: 5, Roots: []string{"npm:r@1.0.0"}, Depths: []int{1, 2, 1, 1}, Cycles: Cycles{Examples: [][]string{}}},
		},
		{
			name: "two cycles, the larger first; a self-dependency is no edge", roots: []string{"r"},
			edges: []string{"r a", "a b", "b a", "r x", "x y", "y z", "z x", "z y", "q q", "q r"},
			want: Summary{
				Packages: 7, Edges: 9, Roots: []string{"npm:r@1.0.0"}, Depths: []int{1, 2, 2, 1}, Unreachable: 1,
				Cycles: Cycles{Count: 2, Largest: 3, Examples: [][]string{
					{"npm:x@1.0.0", "npm:y@1.0.0", "npm:z@1.0.0", "npm:x@1.0.0"},
					{"npm:a@1.0.0", "npm:b@1.0.0", "npm:a@1.0.0"},
				}},
			},
		},
		{
			name: "no roots: everything is unreachable", edges: []string{"a b"},
			want: Summary{Packages: 2, Edges: 1, Roots: []string{}, Depths: []int{}, Unreachable: 2, Cycles: Cycles{Examples: [][]string{}}},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := Summarize(graphOf(t, tc.roots, tc.edges...))
			tc.want.Format = FormatNPM
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("Summarize (-want +got):\n%s", diff)
			}
		})
	}
}

// A cycle example is a shortest cycle through the component's first package,
// also when a longer one is found first in edge order.
func TestShortestCycle(t *testing.T) {
	g := graphOf(t, nil, "a b", "b c", "c d", "d a", "a d")
	got := Summarize(g).Cycles.Examples
	want := [][]string{{"npm:a@1.0.0", "npm:d@1.0.0", "npm:a@1.0.0"}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("examples (-want +got):\n%s", diff)
	}
}

// Only three cycles are shown, however many there are; all are counted.
func TestCycleExamplesBounded(t *testing.T) {
	var edges []string
	for _, p := range []string{"a", "b", "c", "d", "e"} {
		edges = append(edges, p+"1 "+p+"2", p+"2 "+p+"1")
	}
	c := Summarize(graphOf(t, nil, edges...)).Cycles
	if c.Count != 5 || c.Largest != 2 || len(c.Examples) != 3 {
		t.Errorf("count, largest, examples = %d, %d, %d; want 5, 2, 3", c.Count, c.Largest, len(c.Examples))
	}
}

// A chain of as many packages as the default limit allows, closed into one
// cycle, is summarized: the component search and the cycle's path are
// iterative, so depth costs heap, not stack.
func TestLongChain(t *testing.T) {
	b := newBuilder(EcosystemNPM, Limits{}.withDefaults())
	n := DefaultLimits.PackagesMax
	prev := -1
	for i := 0; i < n; i++ {
		p, err := b.add("p", itoa(i))
		if err != nil {
			t.Fatal(err)
		}
		if prev >= 0 {
			if err := b.edge(prev, p, KindRuntime); err != nil {
				t.Fatal(err)
			}
		} else {
			b.root(p)
		}
		prev = p
	}
	first, _ := b.add("p", "0")
	if err := b.edge(prev, first, KindRuntime); err != nil { // close one huge cycle
		t.Fatal(err)
	}
	s := Summarize(b.finish(FormatNPM))
	if s.Cycles.Count != 1 || s.Cycles.Largest != n || len(s.Depths) != n {
		t.Errorf("cycles, largest, depths = %d, %d, %d; want 1, %d, %d", s.Cycles.Count, s.Cycles.Largest, len(s.Depths), n, n)
	}
}

// The JSON document has integer counts and the graph with edges by ID, and
// parses back to the same numbers.
func TestDocument(t *testing.T) {
	g := mustParse(t, testdata(t, "cargo-v4.Cargo.lock"), Options{Name: "Cargo.lock"})
	data, err := json.Marshal(NewDocument(g))
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Format   string `json:"format"`
		Packages int    `json:"packages"`
		Edges    int    `json:"edges"`
		Cycles   struct {
			Count int `json:"count"`
		} `json:"cycles"`
		Graph struct {
			Packages []struct {
				ID   string `json:"id"`
				Root bool   `json:"root"`
			} `json:"packages"`
			Edges []struct{ From, To, Kind string } `json:"edges"`
		} `json:"graph"`
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Format != "cargo" || doc.Packages != 5 || doc.Edges != 6 || len(doc.Graph.Packages) != 5 || len(doc.Graph.Edges) != 6 || doc.Cycles.Count != 1 {
		t.Errorf("document = %s", data)
	}
	if e := doc.Graph.Edges[0]; e.From != "cargo:app@0.1.0" || e.To != "cargo:core-lib@1.0.0" || e.Kind != "runtime" {
		t.Errorf("first edge = %+v; want app → core-lib 1.0.0, runtime", e)
	}
	if !doc.Graph.Packages[0].Root {
		t.Errorf("app is not marked root in %s", data)
	}
}

func TestSummaryText(t *testing.T) {
	g := mustParse(t, testdata(t, "cargo-v4.Cargo.lock"), Options{Name: "Cargo.lock"})
	want := `format       cargo
packages     5
edges        6
roots        2
  cargo:app@0.1.0
  cargo:util@0.3.0
unresolved   0
cycles       1 (largest: 2 packages)
  cargo:app@0.1.0 → cargo:util@0.3.0 → cargo:app@0.1.0
depth        packages
  0          2
  1          2
  2          1
unreachable  0
`
	if diff := cmp.Diff(want, Summarize(g).Text()); diff != "" {
		t.Errorf("Text (-want +got):\n%s", diff)
	}
}

func TestDirect(t *testing.T) {
	tests := []struct {
		file string
		want []string
	}{
		{"npm-v3.package-lock.json", []string{"npm:@types/ms@0.7.34", "npm:chalk@4.1.2", "npm:debug@2.6.9", "npm:debug@4.4.3", "npm:is-number@6.0.0", "npm:is-number@7.0.0", "npm:ms@2.1.2", "npm:ms@2.1.3"}},
		// yarn v1 records no project: its inferred roots are the direct dependencies.
		{"yarn-v1.yarn.lock", []string{"npm:@types/ms@0.7.34", "npm:chalk@4.1.2", "npm:debug@2.6.9", "npm:debug@4.4.3", "npm:is-number@6.0.0", "npm:is-number@7.0.0", "npm:ms@2.1.2"}},
	}
	for _, tc := range tests {
		g := mustParse(t, testdata(t, tc.file), Options{Name: tc.file})
		var got []string
		for _, i := range g.Direct() {
			got = append(got, g.Packages[i].ID)
		}
		if diff := cmp.Diff(tc.want, got); diff != "" {
			t.Errorf("%s: Direct (-want +got):\n%s", tc.file, diff)
		}
	}
}
