package lockfile

import (
	"cmp"
	"maps"
	"slices"
)

// RepoGraph is a package graph collapsed to repos: every package published by
// one repo is one node, and dependencies between packages of one repo are
// gone (a repo does not pay itself).
type RepoGraph struct {
	Nodes []RepoNode // sorted by ID
	Edges []RepoEdge // sorted by (From, To)
}

// RepoNode is a repo, or a package that maps to no repo (it keeps its
// package ID, so that unclaimed packages stay visible, e.g. for escrow).
type RepoNode struct {
	ID string
	// Linked is true when ID is a repo's, false for an unmapped package.
	Linked bool
	// Root is true when one of its packages is a root of the lockfile.
	Root bool
	// Packages are the IDs of the packages collapsed into the node, sorted.
	Packages []string
}

// RepoEdge says that a package of From depends on a package of To.
type RepoEdge struct {
	From, To int
	// Count is how many package edges collapsed into this one.
	Count int
	// Kind is the strongest kind among them.
	Kind Kind
}

// Collapse maps each package to a repo through repos, whose keys are package
// IDs ("npm:date-fp@1.2.3") or, for every version at once, ecosystem-qualified
// names ("npm:date-fp"); an exact ID wins. The mapping is the caller's: who
// may map a package to a repo is decided outside this package.
func Collapse(g *Graph, repos map[string]string) *RepoGraph {
	nodeOf := make([]string, len(g.Packages))
	linked := map[string]bool{}
	members := map[string][]string{}
	root := map[string]bool{}
	for i, p := range g.Packages {
		id, ok := repos[p.ID]
		if !ok {
			id, ok = repos[p.Ecosystem+":"+p.Name]
		}
		if !ok {
			id = p.ID
		}
		nodeOf[i] = id
		linked[id] = linked[id] || ok
		members[id] = append(members[id], p.ID)
		root[id] = root[id] || p.Root
	}
	rg := &RepoGraph{}
	for _, id := range slices.Sorted(maps.Keys(members)) {
		rg.Nodes = append(rg.Nodes, RepoNode{ID: id, Linked: linked[id], Root: root[id], Packages: members[id]})
	}
	at := make(map[string]int, len(rg.Nodes))
	for i, n := range rg.Nodes {
		at[n.ID] = i
	}
	edges := map[[2]int]*RepoEdge{}
	for _, e := range g.Edges {
		from, to := at[nodeOf[e.From]], at[nodeOf[e.To]]
		if from == to {
			continue
		}
		if re, ok := edges[[2]int{from, to}]; ok {
			re.Count++
			re.Kind = min(re.Kind, e.Kind)
			continue
		}
		edges[[2]int{from, to}] = &RepoEdge{From: from, To: to, Count: 1, Kind: e.Kind}
	}
	for _, re := range edges {
		rg.Edges = append(rg.Edges, *re)
	}
	slices.SortFunc(rg.Edges, func(x, y RepoEdge) int {
		return cmp.Or(cmp.Compare(x.From, y.From), cmp.Compare(x.To, y.To))
	})
	return rg
}
