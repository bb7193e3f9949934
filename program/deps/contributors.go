package deps

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/tributary-ledger/tributary/engine"
	"github.com/tributary-ledger/tributary/errcode"
	"github.com/tributary-ledger/tributary/money"
	"github.com/tributary-ledger/tributary/program/splitbook"
	"github.com/tributary-ledger/tributary/split"
)

// SplitPrefix marks a contributor that is a split of the split book, named
// as the split book names a nested split in its paths: a contributor
// "split:band" is paid through split "band" and everything it nests.
//
// How the split book is read: an operation reads its own program's state,
// so the open (which fixes each recipient's split) declares the split book
// in engine.Op.Reads and reads it read-only through engine.ReadOnly, in its
// own transaction. The other way, a handler reading the splits and passing
// them into the operation, would put the splits into the operation's digest
// (a retry after a split changed would conflict instead of replaying) and
// would read them outside the transaction that uses them. The splits read
// are stored with the plan (Plan.Splits), so the close posts what the open
// computed and Settle stays a pure function of the plan.
const SplitPrefix = "split:"

// contributorSplit returns the split a contributor account names, if any.
func contributorSplit(account string) (string, bool) {
	return strings.CutPrefix(account, SplitPrefix)
}

// splitLimits are the split book's limits with one level taken by the
// contributors split, which is the top of every nesting it starts.
func splitLimits() split.Limits {
	lim := split.DefaultLimits
	lim.DepthMax--
	return lim
}

// readSplits reads from the split book every split the repos' contributors
// name, and every split those nest, in ID order.
//
// Errors: ErrAsset (a contributor names a split the book does not hold),
// and those of reading the state.
func readSplits(v engine.View, repos []Repo) ([]splitbook.Def, error) {
	book := engine.ReadOnly(v, splitbook.Program)
	seen := map[string]splitbook.Def{}
	var queue []string
	for _, r := range repos {
		for _, c := range r.Asset.Contributors {
			if id, ok := contributorSplit(c.Account); ok {
				queue = append(queue, id)
			}
		}
	}
	for len(queue) > 0 {
		id := queue[0]
		queue = queue[1:]
		if _, ok := seen[id]; ok {
			continue
		}
		if len(seen) >= splitbook.SplitsMax {
			return nil, errcode.Errorf(splitbook.ErrSplitsMax, "the contributors nest more than %d splits", splitbook.SplitsMax)
		}
		d, ok, err := splitbook.ReadDef(book, id)
		if err != nil {
			return nil, err
		}
		if !ok {
			return nil, errcode.Errorf(ErrAsset, "contributor %s%s names no split of the split book; create it with POST /v1/splits first", SplitPrefix, id)
		}
		seen[id] = d
		for _, rc := range d.Receivers {
			if rc.Split != "" {
				queue = append(queue, rc.Split)
			}
		}
	}
	out := make([]splitbook.Def, 0, len(seen))
	for _, id := range slices.Sorted(maps.Keys(seen)) {
		out = append(out, seen[id])
	}
	return out, nil
}

// splitSet checks the splits contributors nest as the split book does
// (cycles, references, parts), with the contributors split as the first
// of the book's depth levels.
//
// Errors: split's ErrCycle, ErrDepthMax, ErrUnknown, ErrPartsMax and the
// splits' own validation errors.
func splitSet(defs []splitbook.Def) (*split.Set, error) {
	if len(defs) == 0 {
		return nil, nil
	}
	sps := make([]split.Split, len(defs))
	for i, d := range defs {
		sp, err := d.Split()
		if err != nil {
			return nil, err
		}
		sps[i] = sp
	}
	set, err := split.NewSet(sps, splitLimits())
	if err != nil {
		return nil, fmt.Errorf("the splits the contributors name (the contributors split is the first of %d levels): %w", split.DefaultLimits.DepthMax, err)
	}
	return set, nil
}

// splitIncome splits a recipient's income over its contributors by their
// basis points (largest remainder), each nested split's part over that
// split as the split book allocates it, or gives it all to the owner when
// the repo names no contributors. A nested part's Path names each level:
// the contributor's share, the split entered, each share taken, the
// account.
//
// Errors: a contributor names a split missing from set (the plan was made
// with every split its contributors name, so this does not happen).
func splitIncome(r Recipient, x money.Amount, set *split.Set) ([]Part, error) {
	if len(r.Contributors) == 0 {
		return []Part{{Account: r.Owner, Amount: x}}, nil
	}
	amounts, err := split.AllocateShares(x, r.Contributors)
	if err != nil {
		return nil, err
	}
	parts := make([]Part, 0, len(amounts))
	for i, a := range amounts {
		c := r.Contributors[i]
		id, nested := contributorSplit(c.Account)
		if !nested {
			parts = append(parts, Part{Account: c.Account, Amount: a})
			continue
		}
		if set == nil {
			return nil, fmt.Errorf("deps: repo %s's contributor %s: the split was not read", r.Repo, c.Account)
		}
		leaves, err := set.Allocate(id, a)
		if err != nil {
			return nil, fmt.Errorf("deps: repo %s's contributor %s: %w", r.Repo, c.Account, err)
		}
		head := []string{"contributor " + split.FormatShare(split.BasisPoints, c.ShareBP, split.TotalBasisPoints), c.Account}
		for _, l := range leaves {
			parts = append(parts, Part{Account: l.Account, Amount: l.Amount, Path: append(slices.Clip(head), l.Path...)})
		}
	}
	return parts, nil
}

// checkSplits refuses a repo whose contributors name a split the book does
// not hold, or nest past the book's depth with the contributors split on
// top, or through a cycle.
//
// Errors: ErrAsset, and split's errors as splitSet gives them.
func checkSplits(v engine.View, r Repo) error {
	defs, err := readSplits(v, []Repo{r})
	if err != nil {
		return err
	}
	_, err = splitSet(defs)
	return err
}

// repoIncome splits x over r's contributors as they stand now, reading the
// splits they name (an escrow paid out at a close).
func repoIncome(v engine.View, r Repo, x money.Amount) ([]Part, error) {
	defs, err := readSplits(v, []Repo{r})
	if err != nil {
		return nil, err
	}
	set, err := splitSet(defs)
	if err != nil {
		return nil, err
	}
	return splitIncome(Recipient{Repo: r.ID, Owner: r.Owner, Contributors: r.Asset.Contributors}, x, set)
}
