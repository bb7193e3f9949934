package deps

import (
	"slices"

	"github.com/tributary-ledger/tributary/lockfile"
)

// GraphOf reduces a lockfile's graph to what the rule needs of a repo:
// the packages (by name, "npm:date-fp") its own packages depend on
// directly. The repo's own packages are the lockfile's roots and the
// packages it publishes (own); dependencies among them are dropped (a repo
// does not pay itself), and so are development dependencies (a test
// framework is not what the repo ships). When the lockfile does not record
// the project (yarn v1, poetry), its inferred roots are the direct
// dependencies.
func GraphOf(g *lockfile.Graph, own []string) Graph {
	s := lockfile.Summarize(g)
	out := Graph{Format: string(g.Format), Packages: len(g.Packages), Edges: len(g.Edges), Cycles: s.Cycles.Count, Deps: []string{}}
	name := func(i int) string { return g.Packages[i].Ecosystem + ":" + g.Packages[i].Name }
	self := func(i int) bool { return !g.RootsInferred && g.Packages[i].Root || slices.Contains(own, name(i)) }
	if g.RootsInferred {
		for _, r := range g.Roots() {
			if !self(r) {
				out.Deps = append(out.Deps, name(r))
			}
		}
	}
	for _, e := range g.Edges {
		if self(e.From) && !self(e.To) && e.Kind != lockfile.KindDev {
			out.Deps = append(out.Deps, name(e.To))
		}
	}
	slices.Sort(out.Deps)
	out.Deps = slices.Compact(out.Deps)
	return out
}
