package deps

import (
	"cmp"
	"fmt"
	"slices"
	"time"

	"github.com/tributary-ledger/tributary/money"
	"github.com/tributary-ledger/tributary/program/splitbook"
	"github.com/tributary-ledger/tributary/split"
)

// World is what an epoch's plan is computed from: the configuration, the
// linked repos, each repo's dependencies as its lockfile resolved them, the
// usage of the last closed epoch and what each treasury holds.
type World struct {
	Params Params
	Repos  []Repo
	// Deps[repo] are the packages ("npm:date-fp") the repo's lockfile
	// depends on directly.
	Deps map[string][]string
	// Usage[from][to] weighs the dependency of repo from on to (a repo ID
	// or a package): the larger of its metered and self-reported calls in
	// the last closed epoch. A repo with no entry sends no beacons.
	Usage map[string]map[string]uint64
	// Available[account] is what a treasury holds.
	Available map[string]money.Amount
	// Splits are the split book's splits the repos' contributors name, and
	// those they nest, in ID order.
	Splits []splitbook.Def
}

// Plan is an epoch's streams, fixed when it opens.
type Plan struct {
	Epoch    uint64    `json:"epoch"`
	Start    time.Time `json:"start"`
	End      time.Time `json:"end"`
	Currency string    `json:"currency"`
	Payers   []Payer   `json:"payers"`
	// Streams are in payer order, and for each payer depth first, each
	// holder's dependencies in ID order.
	Streams []Stream `json:"streams,omitempty"`
	// Recipients are the repos a stream pays, with their split as it stood
	// at open.
	Recipients []Recipient `json:"recipients"`
	// Splits are the split book's splits the recipients' contributors
	// name (a linked repo's, even one no stream paid), and those they nest, as they
	// stood at open, in ID order.
	Splits []splitbook.Def `json:"splits,omitempty"`
}

// Payer is what one paying repo's budget became. Conservation:
// Paid + Refused + Sleeper + Escrow = Reserved, and Reserved + Shortfall =
// Budget.
type Payer struct {
	Repo     string `json:"repo"`
	Owner    string `json:"owner"`
	Treasury string `json:"treasury"`
	Class    string `json:"class"`
	// Fork is true when the payer is a fork (recipients that refuse forks
	// take nothing from it).
	Fork      bool         `json:"fork,omitempty"`
	Budget    money.Amount `json:"budget"`
	Reserved  money.Amount `json:"reserved"`
	Shortfall money.Amount `json:"shortfall"`
	Sleeper   money.Amount `json:"sleeper"`
	Paid      money.Amount `json:"paid"`
	Refused   money.Amount `json:"refused"`
	Escrow    money.Amount `json:"escrow"`
}

// Stream is what one payer's budget leaves with one recipient along one
// path.
type Stream struct {
	Payer string `json:"payer"`
	// Path runs from the payer's direct dependency to the recipient, the
	// last element; its length is the depth.
	Path []string `json:"path"`
	// Weight is the last hop's usage weight.
	Weight uint64 `json:"weight"`
	// Held reached the recipient; Kept is what it did not pass on.
	Held money.Amount `json:"held"`
	Kept money.Amount `json:"kept"`
	// Paid is what it takes: Kept × acceptance, or nothing from a fork
	// it refuses; Refused returns to the payer. An unlinked package's
	// Kept goes to escrow (Escrow true).
	Paid    money.Amount `json:"paid"`
	Refused money.Amount `json:"refused"`
	Escrow  bool         `json:"escrow,omitempty"`
}

// Depth is the stream's depth: 1 for a direct dependency.
func (s Stream) Depth() int { return len(s.Path) }

// To is the stream's recipient.
func (s Stream) To() string { return s.Path[len(s.Path)-1] }

// Recipient is a repo that streams pay, and how it splits its income.
type Recipient struct {
	Repo         string        `json:"repo"`
	Owner        string        `json:"owner"`
	Contributors []split.Share `json:"contributors,omitempty"`
}

// graph is the world resolved to nodes: repos first (in ID order), then
// unlinked packages (in name order).
type graph struct {
	ids    []string
	repos  []*Repo // nil for a package node
	at     map[string]int32
	owner  map[string]int32 // package → repo node
	deps   [][]dep          // by node; weighted, in ID order
	telem  []bool           // the repo sends beacons
	nRepos int
}

type dep struct {
	to int32
	w  uint64
}

// resolve builds the graph of a world.
func resolve(w *World) (*graph, error) {
	repos := slices.Clone(w.Repos)
	slices.SortFunc(repos, func(a, b Repo) int { return cmp.Compare(a.ID, b.ID) })
	g := &graph{at: make(map[string]int32, len(repos)), owner: map[string]int32{}, nRepos: len(repos)}
	for i := range repos {
		if i > 0 && repos[i].ID == repos[i-1].ID {
			return nil, fmt.Errorf("deps: repo %s listed twice", repos[i].ID)
		}
		g.ids = append(g.ids, repos[i].ID)
		g.repos = append(g.repos, &repos[i])
		g.at[repos[i].ID] = int32(i)
		for _, p := range repos[i].Packages {
			g.owner[p] = int32(i)
		}
	}
	var unlinked []string
	seen := map[string]bool{}
	for _, r := range repos {
		for _, p := range w.Deps[r.ID] {
			if _, ok := g.owner[p]; !ok && !seen[p] {
				seen[p] = true
				unlinked = append(unlinked, p)
			}
		}
	}
	slices.Sort(unlinked)
	for _, p := range unlinked {
		g.ids = append(g.ids, p)
		g.repos = append(g.repos, nil)
	}
	g.deps = make([][]dep, len(g.ids))
	g.telem = make([]bool, len(g.ids))
	for i := range repos {
		g.deps[i], g.telem[i] = g.weigh(w, int32(i), unlinked)
	}
	return g, nil
}

// node returns the node a package resolves to.
func (g *graph) node(pkg string, unlinked []string) int32 {
	if r, ok := g.owner[pkg]; ok {
		return r
	}
	j, _ := slices.BinarySearch(unlinked, pkg)
	return int32(g.nRepos + j)
}

// weigh returns repo i's dependencies with their weights: its calls into
// each in the last closed epoch when it sends beacons, else the fallback
// (stars+1) × (commits in 90 days + 1) of each (1 for an unlinked
// package). Packages of one repo collapse to one node; a dependency on
// itself is dropped; a weight of zero is no dependency.
func (g *graph) weigh(w *World, i int32, unlinked []string) ([]dep, bool) {
	r := g.repos[i]
	var targets []int32
	for _, p := range w.Deps[r.ID] {
		if t := g.node(p, unlinked); t != i {
			targets = append(targets, t)
		}
	}
	if len(targets) == 0 {
		return nil, len(w.Usage[r.ID]) > 0
	}
	slices.Sort(targets)
	targets = slices.Compact(targets)
	ds := make([]dep, len(targets))
	for k, t := range targets {
		ds[k].to = t
	}
	usage := w.Usage[r.ID]
	if len(usage) > 0 {
		for to, calls := range usage {
			t, ok := g.at[to]
			if !ok {
				if _, pkg := seenPackage(g, to, unlinked); pkg {
					t = g.node(to, unlinked)
				} else {
					continue
				}
			}
			if k, found := slices.BinarySearchFunc(ds, t, func(d dep, t int32) int { return cmp.Compare(d.to, t) }); found {
				ds[k].w += calls
			}
		}
	} else {
		for k, d := range ds {
			ds[k].w = 1
			if rr := g.repos[d.to]; rr != nil {
				ds[k].w = (rr.Meta.Stars + 1) * (rr.Meta.Commits90 + 1)
			}
		}
	}
	ds = slices.DeleteFunc(ds, func(d dep) bool { return d.w == 0 })
	return ds, len(usage) > 0
}

// seenPackage reports whether name is a package the graph knows: mapped to
// a repo or unlinked.
func seenPackage(g *graph, name string, unlinked []string) (int32, bool) {
	if r, ok := g.owner[name]; ok {
		return r, true
	}
	_, ok := slices.BinarySearch(unlinked, name)
	return 0, ok
}

// Rule computes epoch n's plan from a world: for every repo with
// dependencies and a budget, the budget by class and multiplier, reserved
// from what its treasury holds; the sleeper skim; the rest split over its
// direct dependencies by weight, then passed on depth by depth along simple
// paths; acceptance and forks; escrow for unlinked packages. Every split is
// by largest remainder, so every payer's reservation is accounted for to
// the unit.
//
// Errors: the world is inconsistent (a repo twice), or an amount overflows.
func Rule(n uint64, w World) (Plan, error) {
	p := w.Params.withDefaults()
	g, err := resolve(&w)
	if err != nil {
		return Plan{}, err
	}
	plan := Plan{Epoch: n, Start: p.Start(n), End: p.End(n), Currency: p.Currency, Payers: []Payer{}, Streams: []Stream{}, Recipients: []Recipient{}}
	c := newCursor(g, p)
	for i := 0; i < g.nRepos; i++ {
		line, err := c.pay(int32(i), w.Available[g.repos[i].Treasury])
		if err != nil {
			return Plan{}, err
		}
		if line != nil {
			plan.Payers = append(plan.Payers, *line)
		}
	}
	plan.Streams = c.streams
	plan.Splits = w.Splits
	for i := 0; i < g.nRepos; i++ {
		if c.paid[i] {
			r := g.repos[i]
			plan.Recipients = append(plan.Recipients, Recipient{Repo: r.ID, Owner: r.Owner, Contributors: r.Asset.Contributors})
		}
	}
	return plan, nil
}

// cursor walks one payer's budget through the graph.
type cursor struct {
	g       *graph
	p       Params
	onPath  []bool
	path    []int32
	payer   *Repo
	line    *Payer
	streams []Stream
	paid    []bool // repos some stream pays
	scratch split.Scratch
	parts   [][]money.Amount // per depth
	shares  [][]uint64
	kids    [][]dep
	weight  uint64 // the weight of the hop into the node being held
}

func newCursor(g *graph, p Params) *cursor {
	c := &cursor{g: g, p: p, onPath: make([]bool, len(g.ids)), paid: make([]bool, len(g.ids))}
	c.parts = make([][]money.Amount, p.DepthMax+1)
	c.shares = make([][]uint64, p.DepthMax+1)
	c.kids = make([][]dep, p.DepthMax+1)
	return c
}

// class returns a payer's class.
func (c *cursor) class(i int32) string {
	switch {
	case c.g.repos[i].Visibility == Private:
		return ClassPrivate
	case c.g.telem[i]:
		return ClassPublic
	}
	return ClassNoTelemetry
}

// pay computes payer i's line and appends its streams; nil when it pays
// nothing (no dependencies, or a zero budget).
func (c *cursor) pay(i int32, available money.Amount) (*Payer, error) {
	r := c.g.repos[i]
	if len(c.g.deps[i]) == 0 {
		return nil, nil
	}
	class := c.class(i)
	budget, _, err := c.p.BaseRate.rate(class).MulDiv(uint64(r.Asset.Multiplier), uint64(DecimalOne))
	if err != nil {
		return nil, err
	}
	if budget.IsZero() {
		return nil, nil
	}
	line := &Payer{Repo: r.ID, Owner: r.Owner, Treasury: r.Treasury, Class: class, Fork: r.ForkOf != "", Budget: budget, Reserved: budget}
	if available.Cmp(budget) < 0 {
		line.Reserved = available
		line.Shortfall, _ = budget.Sub(available)
	}
	line.Sleeper, _, _ = line.Reserved.MulDiv(c.p.SleeperBP, TotalBP)
	rest, _ := line.Reserved.Sub(line.Sleeper)
	c.payer, c.line = r, line
	c.onPath[i] = true
	c.path = append(c.path[:0], i)
	err = c.hold(i, rest, 0)
	c.onPath[i] = false
	return line, err
}

// passBP is the share a holder at depth d passes on, for the current
// payer.
func (c *cursor) passBP(d int) uint64 {
	list := c.payer.Asset.PassBP
	if !c.payer.Asset.PassSet {
		list = c.p.PassBP
	}
	if d >= 1 && d <= len(list) {
		return list[d-1]
	}
	return 0
}

// hold gives x, held by node h at depth d, to h's dependencies not on the
// path: everything at depth 0 (the payer), the pass-through share deeper.
// It returns after recording the stream of what h keeps (for d ≥ 1).
func (c *cursor) hold(h int32, x money.Amount, d int) error {
	passed := x
	var kids []dep
	if d < c.p.DepthMax && c.g.repos[h] != nil {
		kids = c.kids[d][:0]
		for _, k := range c.g.deps[h] {
			if !c.onPath[k.to] {
				kids = append(kids, k)
			}
		}
		c.kids[d] = kids
	}
	if d > 0 {
		passed, _, _ = x.MulDiv(c.passBP(d), TotalBP)
		if passed.IsZero() || passed.Cmp(c.p.PassMin) < 0 {
			passed = money.Zero
		}
	}
	if len(kids) == 0 {
		passed = money.Zero
	}
	if d > 0 {
		kept, _ := x.Sub(passed)
		c.keep(h, x, kept)
	}
	if passed.IsZero() {
		return nil
	}
	parts, shares := c.parts[d][:0], c.shares[d][:0]
	for _, k := range kids {
		parts = append(parts, money.Zero)
		shares = append(shares, k.w)
	}
	c.parts[d], c.shares[d] = parts, shares
	if err := split.AllocateInto(parts, passed, shares, &c.scratch); err != nil {
		return err
	}
	for k, kid := range kids {
		if parts[k].IsZero() {
			continue
		}
		c.onPath[kid.to] = true
		c.path = append(c.path, kid.to)
		c.weight = kid.w
		err := c.hold(kid.to, parts[k], d+1)
		c.path = c.path[:len(c.path)-1]
		c.onPath[kid.to] = false
		if err != nil {
			return err
		}
	}
	return nil
}

// keep records the stream of what node h keeps of x: paid by its
// acceptance (nothing from a fork it refuses), the rest refused; an
// unlinked package's part goes to escrow.
func (c *cursor) keep(h int32, held, kept money.Amount) {
	path := make([]string, len(c.path)-1)
	for k, n := range c.path[1:] {
		path[k] = c.g.ids[n]
	}
	s := Stream{Payer: c.payer.ID, Path: path, Weight: c.weight, Held: held, Kept: kept, Paid: money.Zero, Refused: money.Zero}
	r := c.g.repos[h]
	switch {
	case kept.IsZero():
		return // passed on whole: the streams below it say where
	case r == nil:
		s.Escrow = true
		c.line.Escrow = mustAdd(c.line.Escrow, kept)
	case c.payer.ForkOf != "" && !r.Asset.AllowForks:
		s.Refused = kept
	default:
		s.Paid, _, _ = kept.MulDiv(uint64(r.Asset.Acceptance), uint64(DecimalOne))
		s.Refused, _ = kept.Sub(s.Paid)
	}
	if !s.Paid.IsZero() {
		c.paid[h] = true
	}
	c.line.Paid = mustAdd(c.line.Paid, s.Paid)
	c.line.Refused = mustAdd(c.line.Refused, s.Refused)
	c.streams = append(c.streams, s)
}

// mustAdd adds parts of one reservation, which cannot overflow.
func mustAdd(a, b money.Amount) money.Amount {
	s, err := a.Add(b)
	if err != nil {
		panic(fmt.Sprintf("deps: parts of a reservation overflow: %v", err))
	}
	return s
}
