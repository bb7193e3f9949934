package split

import (
	"fmt"
	"strings"

	"github.com/tributary-ledger/tributary/errcode"
	"github.com/tributary-ledger/tributary/money"
)

// Set is a validated collection of splits that may nest each other. Every
// reference resolves, there are no cycles, nesting stays within the limits,
// so allocating by any split in it cannot fail on configuration. A Set is
// immutable and safe for concurrent use.
type Set struct {
	nodes map[string]*node
	ids   []string // configured order
}

// node is a split prepared for allocation.
type node struct {
	split    Split    // deep copy of the configuration
	shares   []uint64 // receivers' shares, for AllocateInto
	steps    []string // per receiver: "split <share>"
	enters   []string // per receiver: "split:<id>" for a nested split, "" for an account
	children []*node  // per receiver: the nested split, nil for an account
	depth    int      // nesting levels including this split
	deepest  *node    // the child that gives depth, for naming the chain
	leaves   int      // leaf parts one allocation produces, capped at PartsMax+1
	words    int      // path steps over all leaf parts, saturating
}

// Part is what one leaf receiver gets from Set.Allocate, with the path that
// explains it.
type Part struct {
	Account string
	Amount  money.Amount
	// Path explains the part, one step per line of the configuration it
	// went through: "split <share>" for the share taken at each level,
	// "split:<id>" on entering a nested split, and the account last, e.g.
	// ["split 50%", "split:band", "split 20%", "drummer"].
	Path []string
}

// NewSet validates every split (see Split.Validate), then checks the set as a
// whole: IDs are unique, every nested split is in the set, no split contains
// itself directly or through others, nesting is at most lim.DepthMax levels
// and no split expands into more than lim.PartsMax leaf parts. Catching these
// when the configuration is saved means an allocation never meets them. The
// splits are copied; later changes to them do not affect the set. Problems are
// reported for the first split, in configured order, that has one.
//
// Errors: those of Split.Validate, ErrIDDuplicate, ErrUnknown, ErrCycle,
// ErrDepthMax, ErrPartsMax.
func NewSet(splits []Split, lim Limits) (*Set, error) {
	lim = lim.withDefaults()
	s := &Set{nodes: make(map[string]*node, len(splits)), ids: make([]string, 0, len(splits))}
	for _, sp := range splits {
		if err := sp.Validate(lim); err != nil {
			return nil, err
		}
		if _, dup := s.nodes[sp.ID]; dup {
			return nil, errcode.Errorf(ErrIDDuplicate, "split %q is defined twice; each split ID must be unique in a set", sp.ID)
		}
		s.nodes[sp.ID] = newNode(sp)
		s.ids = append(s.ids, sp.ID)
	}
	for _, id := range s.ids {
		n := s.nodes[id]
		for i, r := range n.split.Receivers {
			if r.Split == "" {
				continue
			}
			child, ok := s.nodes[r.Split]
			if !ok {
				return nil, errcode.Errorf(ErrUnknown, "split %q receiver %d names split %q, which is not defined; define it in the same set", id, i, r.Split)
			}
			n.children[i] = child
		}
	}
	if err := s.walkGraph(lim); err != nil {
		return nil, err
	}
	for _, id := range s.ids {
		n := s.nodes[id]
		if n.depth > lim.DepthMax {
			return nil, errcode.Errorf(ErrDepthMax, "split %q nests %d levels deep (%s); at most %d levels are allowed", id, n.depth, n.chain(), lim.DepthMax)
		}
		if n.leaves > lim.PartsMax {
			return nil, errcode.Errorf(ErrPartsMax, "split %q expands through its nested splits into more than %d parts; at most %d are allowed", id, lim.PartsMax, lim.PartsMax)
		}
	}
	return s, nil
}

func newNode(sp Split) *node {
	sp.Receivers = append([]Receiver(nil), sp.Receivers...)
	n := &node{
		split:    sp,
		shares:   make([]uint64, len(sp.Receivers)),
		steps:    make([]string, len(sp.Receivers)),
		enters:   make([]string, len(sp.Receivers)),
		children: make([]*node, len(sp.Receivers)),
	}
	var sum uint64
	for _, r := range sp.Receivers {
		sum += r.Share // Validate checked that this does not overflow
	}
	for i, r := range sp.Receivers {
		n.shares[i] = r.Share
		n.steps[i] = "split " + FormatShare(sp.Unit, r.Share, sum)
		if r.Split != "" {
			n.enters[i] = "split:" + r.Split
		}
	}
	return n
}

// color marks a split's state in the depth-first search for cycles.
type color uint8

const (
	white color = iota // not reached yet
	gray               // on the current path: reaching it again closes a cycle
	black              // finished: it and everything below it are acyclic
)

// frame is one split on walkGraph's path: the split and the next receiver
// to look at.
type frame struct {
	n    *node
	next int
}

// walkGraph searches the splits depth first, in configured order, to refuse
// cycles and to compute each split's depth and leaf count bottom up. It keeps
// its own stack instead of recursing, because until the search finishes
// nothing bounds how deep the nesting goes.
func (s *Set) walkGraph(lim Limits) error {
	colors := make(map[*node]color, len(s.nodes))
	leavesCap := lim.PartsMax + 1
	if leavesCap < 0 { // PartsMax was math.MaxInt
		leavesCap = lim.PartsMax
	}
	var stack []frame
	for _, id := range s.ids {
		root := s.nodes[id]
		if colors[root] != white {
			continue
		}
		colors[root] = gray
		stack = append(stack[:0], frame{n: root})
		for len(stack) > 0 {
			top := &stack[len(stack)-1]
			if top.next < len(top.n.children) {
				child := top.n.children[top.next]
				top.next++
				if child == nil {
					continue
				}
				switch colors[child] {
				case gray:
					return cycleError(stack, child)
				case white:
					colors[child] = gray
					stack = append(stack, frame{n: child})
				}
				continue
			}
			// Every child is finished: compute this split bottom up. The
			// counts saturate so that no fan-out, however wide, overflows
			// them; NewSet refuses a split whose leaves reach the cap.
			n := top.n
			n.depth, n.deepest, n.leaves, n.words = 1, nil, 0, 0
			for _, child := range n.children {
				if child == nil {
					n.leaves = addCapped(n.leaves, 1, leavesCap)
					n.words = addCapped(n.words, 2, maxInt) // share step, account
					continue
				}
				if child.depth+1 > n.depth {
					n.depth, n.deepest = child.depth+1, child
				}
				n.leaves = addCapped(n.leaves, child.leaves, leavesCap)
				// Every leaf below gets this split's share step and the step
				// into the child in front of its own path.
				n.words = addCapped(n.words, child.words, maxInt)
				n.words = addCapped(n.words, child.leaves, maxInt)
				n.words = addCapped(n.words, child.leaves, maxInt)
			}
			colors[n] = black
			stack = stack[:len(stack)-1]
		}
	}
	return nil
}

const maxInt = int(^uint(0) >> 1)

// addCapped returns min(a+b, limit) for non-negative a, b <= limit, without
// overflowing.
func addCapped(a, b, limit int) int {
	if a > limit-b {
		return limit
	}
	return a + b
}

// cycleError names the cycle that reaching target from the top of stack
// closes, in order, ending where it started: "split cycle: a → b → a".
func cycleError(stack []frame, target *node) error {
	start := len(stack) - 1
	for stack[start].n != target {
		start--
	}
	ids := make([]string, 0, len(stack)-start+1)
	for _, f := range stack[start:] {
		ids = append(ids, f.n.split.ID)
	}
	ids = append(ids, target.split.ID)
	return errcode.Errorf(ErrCycle, "split cycle: %s; a split may not contain itself, directly or through other splits", strings.Join(ids, " → "))
}

// chain names the deepest nesting below n: "a → b → c".
func (n *node) chain() string {
	var ids []string
	for m := n; m != nil; m = m.deepest {
		ids = append(ids, m.split.ID)
	}
	return strings.Join(ids, " → ")
}

// Get returns a copy of the split with the given ID, and whether the set
// holds it. The copy is the caller's: changing it does not change the set.
func (s *Set) Get(id string) (Split, bool) {
	n, ok := s.nodes[id]
	if !ok {
		return Split{}, false
	}
	sp := n.split
	sp.Receivers = append([]Receiver(nil), sp.Receivers...)
	return sp, true
}

// IDs returns the IDs of the splits in the set, in configured order.
func (s *Set) IDs() []string { return append([]string(nil), s.ids...) }

// Allocate hands out exactly total by the split with the given ID: the split
// allocates total among its receivers by largest remainder (see the package
// function Allocate), and every receiver that is a nested split allocates its
// part by its own shares in turn. Parts come out depth first in configured
// order, one per leaf receiver, including parts of zero (so that a caller can
// explain why a payee got nothing) and keeping an account that appears in
// several places as several parts (each with its own path). The parts always
// sum to total.
//
// Errors: ErrUnknown.
func (s *Set) Allocate(id string, total money.Amount) ([]Part, error) {
	root, ok := s.nodes[id]
	if !ok {
		return nil, errcode.Errorf(ErrUnknown, "split %q is not defined in this set", id)
	}
	a := allocation{
		parts:   make([]Part, 0, root.leaves),
		paths:   make([]string, 0, root.words),
		prefix:  make([]string, 0, 2*root.depth),
		amounts: make([][]money.Amount, root.depth),
	}
	a.walk(root, total, 0)
	// Each level checked its own sum; this checks that the walk visited
	// every part exactly once.
	sum := money.Zero
	for _, p := range a.parts {
		var err error
		if sum, err = sum.Add(p.Amount); err != nil {
			panic(fmt.Sprintf("split: parts of %s by split %q overflow: %v", total, id, err))
		}
	}
	if sum.Cmp(total) != 0 {
		panic(fmt.Sprintf("split: parts of %s by split %q sum to %s", total, id, sum))
	}
	return a.parts, nil
}

// allocation is the working state of one Set.Allocate.
type allocation struct {
	parts   []Part
	paths   []string         // backing array of every part's Path
	prefix  []string         // path of the split being walked
	amounts [][]money.Amount // one buffer per nesting level
	scratch Scratch
}

func (a *allocation) walk(n *node, total money.Amount, level int) {
	amounts := a.amounts[level]
	if cap(amounts) < len(n.shares) {
		amounts = make([]money.Amount, len(n.shares))
		a.amounts[level] = amounts
	}
	amounts = amounts[:len(n.shares)]
	if err := AllocateInto(amounts, total, n.shares, &a.scratch); err != nil {
		// NewSet validated the shares; failing now is a bug.
		panic(fmt.Sprintf("split: allocating by validated split %q: %v", n.split.ID, err))
	}
	mark := len(a.prefix)
	for i, r := range n.split.Receivers {
		a.prefix = append(a.prefix, n.steps[i])
		if child := n.children[i]; child != nil {
			a.prefix = append(a.prefix, n.enters[i])
			a.walk(child, amounts[i], level+1)
		} else {
			a.prefix = append(a.prefix, r.Account)
			start := len(a.paths)
			a.paths = append(a.paths, a.prefix...)
			// A full slice expression, so that appending to one part's path
			// can never overwrite the next part's.
			path := a.paths[start:len(a.paths):len(a.paths)]
			a.parts = append(a.parts, Part{Account: r.Account, Amount: amounts[i], Path: path})
		}
		a.prefix = a.prefix[:mark]
	}
}
