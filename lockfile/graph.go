package lockfile

import (
	"cmp"
	"fmt"
	"slices"
	"unicode/utf8"

	"github.com/tributary-ledger/tributary/errcode"
)

// Ecosystems, the prefix of every package ID.
const (
	EcosystemNPM   = "npm"
	EcosystemCargo = "cargo"
	EcosystemGo    = "go"
	EcosystemPyPI  = "pypi"
)

// Package is one distinct name@version of an ecosystem.
type Package struct {
	// ID is "ecosystem:name@version", e.g. "npm:date-fp@1.2.3",
	// "go:golang.org/x/mod@v0.20.0", or "ecosystem:name" when the lockfile
	// records no version (a Go main module, a pnpm importer).
	ID        string `json:"id"`
	Ecosystem string `json:"ecosystem"`
	Name      string `json:"name"`
	Version   string `json:"version,omitempty"`
	// Root marks the project's own packages: the root and its workspace
	// members or local path packages, as the lockfile records them (see
	// Graph.Inferred for formats that do not record them).
	Root bool `json:"root,omitempty"`
}

// Kind says how a dependency was declared. When two packages are linked by
// more than one declaration, the edge keeps the first kind in this order.
type Kind uint8

// Kinds of edges.
const (
	KindRuntime  Kind = iota // a plain dependency
	KindOptional             // an optional dependency (npm optionalDependencies, poetry optional)
	KindPeer                 // a peer dependency (npm, yarn)
	KindDev                  // a development dependency of a root package
)

var kindNames = [...]string{"runtime", "optional", "peer", "dev"}

// String returns "runtime", "optional", "peer" or "dev".
func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return fmt.Sprintf("kind(%d)", k)
}

// MarshalText writes the kind's name, so JSON shows "dev", not 3.
func (k Kind) MarshalText() ([]byte, error) { return []byte(k.String()), nil }

// Edge is a resolved dependency: the package at index From depends on the
// package at index To of Graph.Packages. There is at most one edge per pair
// and none from a package to itself.
type Edge struct {
	From, To int
	Kind     Kind
}

// Graph is a lockfile's resolved dependency graph. Packages are sorted by ID
// and edges by (From, To), so one lockfile always gives the same graph.
type Graph struct {
	Format   Format
	Packages []Package
	Edges    []Edge
	// Unresolved counts dependencies the lockfile declares but does not hold:
	// optional packages for other platforms, peers nobody installed,
	// development dependencies left out of an install. They are not edges.
	Unresolved int
	// Inferred is empty when the lockfile records the project's roots and
	// their dependencies. Otherwise it says what was inferred: yarn.lock v1
	// and poetry.lock do not record the project at all, so their roots are
	// the packages that nothing outside their own cycle depends on (the
	// project's likely direct dependencies); npm lockfile v1 records the
	// root package but not its dependencies, which are taken to be the
	// top-level packages nothing requires.
	Inferred string
	// RootsInferred is true when the roots are not the project itself but
	// its likely direct dependencies (yarn.lock v1, poetry.lock).
	RootsInferred bool
}

// Roots returns the indices of the root packages, in ID order.
func (g *Graph) Roots() []int {
	var roots []int
	for i, p := range g.Packages {
		if p.Root {
			roots = append(roots, i)
		}
	}
	return roots
}

// Direct returns the indices of the project's direct dependencies, in ID
// order: the packages a root depends on that are not roots themselves, or,
// when the lockfile does not record the project (RootsInferred), the
// inferred roots.
func (g *Graph) Direct() []int {
	if g.RootsInferred {
		return g.Roots()
	}
	seen := map[int]bool{}
	for _, e := range g.Edges {
		if g.Packages[e.From].Root && !g.Packages[e.To].Root {
			seen[e.To] = true
		}
	}
	direct := make([]int, 0, len(seen))
	for i := range g.Packages {
		if seen[i] {
			direct = append(direct, i)
		}
	}
	return direct
}

// Index returns the index of the package with the given ID.
func (g *Graph) Index(id string) (int, bool) {
	return slices.BinarySearchFunc(g.Packages, id, func(p Package, id string) int { return cmp.Compare(p.ID, id) })
}

// packageID builds "eco:name@version", or "eco:name" without a version.
func packageID(eco, name, version string) string {
	if version == "" {
		return eco + ":" + name
	}
	return eco + ":" + name + "@" + version
}

// builder collects packages and edges while a parser reads a lockfile,
// deduplicates them and enforces the limits as they grow, so a hostile file
// is refused before it costs more than the limits allow.
type builder struct {
	lim        Limits
	eco        string
	ids        map[string]int
	pkgs       []Package
	edges      map[uint64]Kind
	unresolved int
	inferred   string
	infer      bool // mark the roots in finish (see markSourceRoots)
}

func newBuilder(eco string, lim Limits) *builder {
	return &builder{lim: lim, eco: eco, ids: map[string]int{}, edges: map[uint64]Kind{}}
}

// add returns the index of name@version, adding the package when it is new.
//
// Errors: ErrMalformed for an empty, overlong or non-printable name or
// version; ErrPackagesMax.
func (b *builder) add(name, version string) (int, error) {
	if err := checkText("package name", name, false); err != nil {
		return 0, err
	}
	if err := checkText("version", version, true); err != nil {
		return 0, err
	}
	id := packageID(b.eco, name, version)
	if i, ok := b.ids[id]; ok {
		return i, nil
	}
	if len(b.pkgs) >= b.lim.PackagesMax {
		return 0, errcode.Errorf(ErrPackagesMax, "lockfile has more than %d distinct packages (name@version); at most %d are allowed", b.lim.PackagesMax, b.lim.PackagesMax)
	}
	b.ids[id] = len(b.pkgs)
	b.pkgs = append(b.pkgs, Package{ID: id, Ecosystem: b.eco, Name: name, Version: version})
	return len(b.pkgs) - 1, nil
}

// checkText refuses names and versions that no registry allows and that would
// garble a printed summary: empty (unless allowed), longer than nameBytesMax,
// invalid UTF-8, or holding control characters or spaces.
func checkText(what, s string, emptyOK bool) error {
	switch {
	case s == "" && !emptyOK:
		return errcode.Errorf(ErrMalformed, "%s is empty; it must be 1 to %d bytes", what, nameBytesMax)
	case len(s) > nameBytesMax:
		return errcode.Errorf(ErrMalformed, "%s is %d bytes; at most %d are allowed", what, len(s), nameBytesMax)
	case !utf8.ValidString(s):
		return errcode.Errorf(ErrMalformed, "%s %q is not valid UTF-8", what, s)
	}
	for _, r := range s {
		if r <= ' ' || r == 0x7f {
			return errcode.Errorf(ErrMalformed, "%s %q holds a space or control character; none is allowed", what, s)
		}
	}
	return nil
}

// root marks package i as one of the project's own.
func (b *builder) root(i int) { b.pkgs[i].Root = true }

// edge records that from depends on to. A self-dependency is dropped (it
// appears when two install locations of one name@version depend on each
// other's copies); a repeated pair keeps the strongest kind.
//
// Errors: ErrEdgesMax.
func (b *builder) edge(from, to int, k Kind) error {
	if from == to {
		return nil
	}
	key := uint64(from)<<32 | uint64(uint32(to))
	if old, ok := b.edges[key]; ok {
		b.edges[key] = min(old, k)
		return nil
	}
	if len(b.edges) >= b.lim.EdgesMax {
		return errcode.Errorf(ErrEdgesMax, "lockfile has more than %d distinct dependency edges; at most %d are allowed", b.lim.EdgesMax, b.lim.EdgesMax)
	}
	b.edges[key] = k
	return nil
}

// inferRoots asks finish to mark the roots, for formats that do not record
// the project, and says so in the graph.
func (b *builder) inferRoots(why string) {
	b.infer = true
	b.inferred = why
}

// finish sorts packages by ID and edges by (From, To) and returns the graph.
func (b *builder) finish(format Format) *Graph {
	order := make([]int, len(b.pkgs))
	for i := range order {
		order[i] = i
	}
	slices.SortFunc(order, func(x, y int) int { return cmp.Compare(b.pkgs[x].ID, b.pkgs[y].ID) })
	at := make([]int, len(b.pkgs)) // old index → new index
	pkgs := make([]Package, len(b.pkgs))
	for n, o := range order {
		at[o] = n
		pkgs[n] = b.pkgs[o]
	}
	edges := make([]Edge, 0, len(b.edges))
	for key, k := range b.edges {
		edges = append(edges, Edge{From: at[key>>32], To: at[uint32(key)], Kind: k})
	}
	slices.SortFunc(edges, func(x, y Edge) int {
		return cmp.Or(cmp.Compare(x.From, y.From), cmp.Compare(x.To, y.To))
	})
	g := &Graph{Format: format, Packages: pkgs, Edges: edges, Unresolved: b.unresolved, Inferred: b.inferred}
	if b.infer {
		g.markSourceRoots()
		g.RootsInferred = true
	}
	return g
}

// markSourceRoots marks as roots the packages that no package outside their
// own cycle depends on: the sources of the graph of cycles. A package nobody
// depends on is one; so is every member of a cycle nothing outside depends on
// (sphinx and sphinxcontrib-serializinghtml depend on each other, and
// a project that uses sphinx installs both), since the lockfile does not say
// which member the project named.
func (g *Graph) markSourceRoots() {
	adj := newAdjacency(len(g.Packages), g.Edges)
	comp := make([]int, len(g.Packages))
	comps := components(len(g.Packages), adj)
	for c, members := range comps {
		for _, i := range members {
			comp[i] = c
		}
	}
	entered := make([]bool, len(comps))
	for _, e := range g.Edges {
		if comp[e.From] != comp[e.To] {
			entered[comp[e.To]] = true
		}
	}
	for i := range g.Packages {
		g.Packages[i].Root = !entered[comp[i]]
	}
}
