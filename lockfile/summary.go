package lockfile

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
)

// cycleExamplesMax bounds the cycles a summary shows.
const cycleExamplesMax = 3

// Summary is what `tributary deps scan FILE` reports about a lockfile.
type Summary struct {
	Format Format `json:"format"`
	// Packages counts distinct name@version packages; Edges the resolved
	// dependencies between two of them.
	Packages int `json:"packages"`
	Edges    int `json:"edges"`
	// Roots are the IDs of the root packages.
	Roots      []string `json:"roots"`
	Inferred   string   `json:"inferred,omitempty"`
	Unresolved int      `json:"unresolved"`
	Cycles     Cycles   `json:"cycles"`
	// Depths[d] counts the packages whose shortest path from a root has d
	// edges (roots are depth 0); Unreachable those no root reaches.
	Depths      []int `json:"depths"`
	Unreachable int   `json:"unreachable"`
}

// Cycles describes the graph's cycles by its strongly connected components:
// sets of packages each of which reaches every other.
type Cycles struct {
	// Count is the number of components of two packages or more.
	Count int `json:"count"`
	// Largest is the number of packages in the largest.
	Largest int `json:"largest"`
	// Examples holds one shortest cycle from each of the largest few
	// components, as package IDs with the first repeated at the end.
	Examples [][]string `json:"examples"`
}

// Summarize counts what a graph holds: packages, edges, cycles and the depth
// of every package from the roots.
func Summarize(g *Graph) Summary {
	s := Summary{Format: g.Format, Packages: len(g.Packages), Edges: len(g.Edges), Inferred: g.Inferred, Unresolved: g.Unresolved, Roots: []string{}, Depths: []int{}}
	for _, r := range g.Roots() {
		s.Roots = append(s.Roots, g.Packages[r].ID)
	}
	adj := newAdjacency(len(g.Packages), g.Edges)
	s.Cycles = cycles(g, adj)
	s.Depths, s.Unreachable = depths(g, adj)
	return s
}

// adjacency holds the edges in compressed rows: the successors of package i
// are to[start[i]:start[i+1]]. Graph.Edges is sorted by From, so it is one
// pass.
type adjacency struct {
	start, to []int
}

func newAdjacency(n int, edges []Edge) adjacency {
	a := adjacency{start: make([]int, n+1), to: make([]int, len(edges))}
	for _, e := range edges {
		a.start[e.From+1]++
	}
	for i := 0; i < n; i++ {
		a.start[i+1] += a.start[i]
	}
	fill := slices.Clone(a.start[:n])
	for _, e := range edges {
		a.to[fill[e.From]] = e.To
		fill[e.From]++
	}
	return a
}

func (a adjacency) next(i int) []int { return a.to[a.start[i]:a.start[i+1]] }

// depths runs a breadth-first search from every root at once.
func depths(g *Graph, adj adjacency) (hist []int, unreachable int) {
	depth := make([]int, len(g.Packages))
	for i := range depth {
		depth[i] = -1
	}
	queue := g.Roots()
	for _, r := range queue {
		depth[r] = 0
	}
	for head := 0; head < len(queue); head++ {
		i := queue[head]
		for _, j := range adj.next(i) {
			if depth[j] < 0 {
				depth[j] = depth[i] + 1
				queue = append(queue, j)
			}
		}
	}
	hist = []int{}
	for _, d := range depth {
		if d < 0 {
			unreachable++
			continue
		}
		for len(hist) <= d {
			hist = append(hist, 0)
		}
		hist[d]++
	}
	return hist, unreachable
}

// cycles finds the strongly connected components and one shortest cycle in
// each of the largest few.
func cycles(g *Graph, adj adjacency) Cycles {
	comps := components(len(g.Packages), adj)
	c := Cycles{Examples: [][]string{}}
	var big [][]int
	for _, comp := range comps {
		if len(comp) > 1 {
			big = append(big, comp)
		}
	}
	c.Count = len(big)
	slices.SortStableFunc(big, func(x, y []int) int { return cmp.Or(cmp.Compare(len(y), len(x)), cmp.Compare(x[0], y[0])) })
	for n, comp := range big {
		if n == 0 {
			c.Largest = len(comp)
		}
		if n >= cycleExamplesMax {
			break
		}
		var ids []string
		for _, i := range shortestCycle(comp, adj) {
			ids = append(ids, g.Packages[i].ID)
		}
		c.Examples = append(c.Examples, ids)
	}
	return c
}

// components is Tarjan's algorithm, iterative so that a long chain cannot
// exhaust the stack. Each component's members are sorted.
func components(n int, adj adjacency) [][]int {
	index := make([]int, n)
	low := make([]int, n)
	onStack := make([]bool, n)
	for i := range index {
		index[i] = -1
	}
	var stack, comps = []int{}, [][]int{}
	type frame struct{ v, edge int }
	next := 0
	for root := 0; root < n; root++ {
		if index[root] >= 0 {
			continue
		}
		calls := []frame{{v: root}}
		index[root], low[root] = next, next
		next++
		stack = append(stack, root)
		onStack[root] = true
		for len(calls) > 0 {
			f := &calls[len(calls)-1]
			succ := adj.next(f.v)
			if f.edge < len(succ) {
				w := succ[f.edge]
				f.edge++
				switch {
				case index[w] < 0:
					index[w], low[w] = next, next
					next++
					stack = append(stack, w)
					onStack[w] = true
					calls = append(calls, frame{v: w})
				case onStack[w]:
					low[f.v] = min(low[f.v], index[w])
				}
				continue
			}
			v := f.v
			calls = calls[:len(calls)-1]
			if len(calls) > 0 {
				p := calls[len(calls)-1].v
				low[p] = min(low[p], low[v])
			}
			if low[v] == index[v] {
				var comp []int
				for {
					w := stack[len(stack)-1]
					stack = stack[:len(stack)-1]
					onStack[w] = false
					comp = append(comp, w)
					if w == v {
						break
					}
				}
				slices.Sort(comp)
				comps = append(comps, comp)
			}
		}
	}
	return comps
}

// shortestCycle returns a shortest cycle through the component's first
// member, by breadth-first search inside the component, closed by repeating
// the first member.
func shortestCycle(comp []int, adj adjacency) []int {
	start := comp[0]
	inComp := make(map[int]bool, len(comp))
	for _, v := range comp {
		inComp[v] = true
	}
	prev := map[int]int{}
	queue := []int{start}
	for head := 0; head < len(queue); head++ {
		v := queue[head]
		for _, w := range adj.next(v) {
			if w == start {
				path := []int{start}
				for u := v; u != start; u = prev[u] {
					path = append(path, u)
				}
				slices.Reverse(path[1:])
				return append(path, start)
			}
			if _, seen := prev[w]; !seen && inComp[w] {
				prev[w] = v
				queue = append(queue, w)
			}
		}
	}
	return []int{start} // unreachable for a component of two or more
}

// Text renders the summary for a terminal.
func (s Summary) Text() string {
	var b strings.Builder
	fmt.Fprintf(&b, "format       %s\n", s.Format)
	fmt.Fprintf(&b, "packages     %d\n", s.Packages)
	fmt.Fprintf(&b, "edges        %d\n", s.Edges)
	fmt.Fprintf(&b, "roots        %d\n", len(s.Roots))
	for _, r := range s.Roots[:min(len(s.Roots), 10)] {
		fmt.Fprintf(&b, "  %s\n", r)
	}
	if len(s.Roots) > 10 {
		fmt.Fprintf(&b, "  … and %d more\n", len(s.Roots)-10)
	}
	if s.Inferred != "" {
		fmt.Fprintf(&b, "inferred     %s\n", s.Inferred)
	}
	fmt.Fprintf(&b, "unresolved   %d\n", s.Unresolved)
	fmt.Fprintf(&b, "cycles       %d", s.Cycles.Count)
	if s.Cycles.Count > 0 {
		fmt.Fprintf(&b, " (largest: %d packages)", s.Cycles.Largest)
	}
	b.WriteString("\n")
	for _, c := range s.Cycles.Examples {
		fmt.Fprintf(&b, "  %s\n", strings.Join(c, " → "))
	}
	b.WriteString("depth        packages\n")
	for d, n := range s.Depths {
		fmt.Fprintf(&b, "  %-10d %d\n", d, n)
	}
	fmt.Fprintf(&b, "unreachable  %d\n", s.Unreachable)
	return b.String()
}

// Document is the JSON that `tributary deps scan FILE --output json`
// prints: the summary, with integer "packages" and "edges" counts, and the
// graph itself.
type Document struct {
	Summary
	Graph DocumentGraph `json:"graph"`
}

// DocumentGraph is the graph with edges named by package ID.
type DocumentGraph struct {
	Packages []Package      `json:"packages"`
	Edges    []DocumentEdge `json:"edges"`
}

// DocumentEdge is one edge: from depends on to.
type DocumentEdge struct {
	From string `json:"from"`
	To   string `json:"to"`
	Kind Kind   `json:"kind"`
}

// NewDocument builds the JSON document of a graph.
func NewDocument(g *Graph) Document {
	d := Document{Summary: Summarize(g), Graph: DocumentGraph{Packages: g.Packages, Edges: make([]DocumentEdge, len(g.Edges))}}
	if d.Graph.Packages == nil {
		d.Graph.Packages = []Package{}
	}
	for i, e := range g.Edges {
		d.Graph.Edges[i] = DocumentEdge{From: g.Packages[e.From].ID, To: g.Packages[e.To].ID, Kind: e.Kind}
	}
	return d
}
