package feeshare

import (
	"strconv"

	"github.com/tributary-ledger/tributary/errcode"
)

// A registration takes effect from a block. The seed pays the developer
// for transactions "occurring after registration" and no longer after a
// cancel; the watcher applies a block only once it is confirmations deep,
// long after the request was accepted. So every register, update and
// cancel is placed in the chain: it applies to blocks after the chain's
// head when it was accepted (and after the last block already applied,
// which it never rewrites), and each transaction is paid by the
// registration as of its own block. The versions a change supersedes are
// kept only as long as the watcher may still apply a block they cover,
// that is, within the cursor's reorg reach; the seal of each block prunes
// what fell out of reach (see pruneHistory).

// record is what revenue/<contract> holds: the registration in force now
// (flattened, the shape older builds stored, so that their records read as
// registrations for every block; a zero Contract when none is in force),
// and the superseded versions the watcher may still apply blocks under,
// oldest first.
type record struct {
	Registration
	Past []span `json:"past,omitempty"`
}

// span is a superseded version: its Registration applied to the blocks
// from its From up to, not including, To.
type span struct {
	Registration
	To uint64 `json:"to_block"`
}

// Limits of the history.
const (
	// PastMax bounds the superseded versions of one contract that are
	// still within reorg reach: a change beyond it is refused until the
	// watcher has applied enough blocks for the oldest to fall out.
	PastMax = 64
	// prunePerBlock bounds the history entries one block's seal prunes, so
	// that a block's batch stays small however many changes preceded it;
	// the rest wait for the next blocks.
	prunePerBlock = 64
)

// ErrPastMax refuses a change to a contract whose registration changed
// PastMax times within the watcher's reorg reach.
var ErrPastMax = errcode.New(errcode.Conflict, "feeshare_changes_max", "the contract's registration changed too often within the blocks the watcher may still apply")

func (r *record) registered() bool { return !r.Contract.IsZero() }

// at returns the registration that applies to block n, or nil.
func (r *record) at(n uint64) *Registration {
	if r.registered() && n >= r.From {
		return &r.Registration
	}
	for i := len(r.Past) - 1; i >= 0; i-- {
		if sp := &r.Past[i]; sp.From <= n && n < sp.To {
			return &sp.Registration
		}
	}
	return nil
}

// floor is the first block a new version may start at: never before the
// version it follows, so that versions never overlap.
func (r *record) floor() uint64 {
	f := uint64(0)
	if len(r.Past) > 0 {
		f = r.Past[len(r.Past)-1].To
	}
	if r.registered() {
		f = max(f, r.From)
	}
	return f
}

// supersede ends the version in force before block from, keeping it in
// Past unless it never applied to a block. It reports whether it kept one.
//
// Errors: ErrPastMax.
func (r *record) supersede(from uint64) (bool, error) {
	if !r.registered() {
		return false, nil
	}
	kept := r.From < from
	if kept {
		if len(r.Past) >= PastMax {
			return false, errcode.Errorf(ErrPastMax, "contract %s changed %d times since block %d, which the watcher may still apply; retry once it has applied block %d", r.Contract.Hex(), len(r.Past), r.Past[0].From, r.Past[0].To)
		}
		r.Past = append(r.Past, span{Registration: r.Registration, To: from})
	}
	r.Registration = Registration{}
	return kept, nil
}

// prune drops the versions that end at or before block low.
func (r *record) prune(low uint64) {
	i := 0
	for i < len(r.Past) && r.Past[i].To <= low {
		i++
	}
	r.Past = r.Past[i:]
	if len(r.Past) == 0 {
		r.Past = nil
	}
}

// effectiveFrom is the first block a change accepted now applies to: the
// one after the chain's head as the caller read it and after the last block
// applied here, and not before the contract's last version.
func (s *stateTx) effectiveFrom(head uint64, r *record) (uint64, error) {
	var tip BlockRef
	if _, err := s.get(headKey, &tip); err != nil {
		return 0, err
	}
	return max(max(head, tip.Number)+1, r.floor()), nil
}

// readRecord reads a contract's record; a zero record when it has none.
func (s *stateTx) readRecord(c Address) (record, error) {
	var r record
	_, err := s.get(revenueKey(c), &r)
	return r, err
}

// putRecord writes r, or deletes it when it holds nothing.
func (s *stateTx) putRecord(c Address, r record) {
	if !r.registered() && len(r.Past) == 0 {
		s.del(revenueKey(c))
		return
	}
	s.put(revenueKey(c), r)
}

// History pruning. Each superseded version is queued with the block it
// ends at, in the order of the changes; the seal of a block pops the queue
// while its front ends at or before the lowest block the watcher may still
// apply, and prunes that contract's record.
const (
	pruneHeadKey = "prune/head" // position of the front
	pruneTailKey = "prune/tail" // position after the back
)

func pruneItemKey(i uint64) string { return "prune/i/" + strconv.FormatUint(i, 10) }

type pruneItem struct {
	Contract Address `json:"contract"`
	To       uint64  `json:"to_block"`
}

// queuePrune queues contract's version ending at block to.
func (s *stateTx) queuePrune(c Address, to uint64) error {
	var tail uint64
	if _, err := s.get(pruneTailKey, &tail); err != nil {
		return err
	}
	s.put(pruneItemKey(tail), pruneItem{Contract: c, To: to})
	s.put(pruneTailKey, tail+1)
	return nil
}

// pruneHistory drops, from at most prunePerBlock queued records, the
// versions that end at or before block low: no block the watcher may still
// apply (low and later) falls in them.
func (s *stateTx) pruneHistory(low uint64) error {
	var head, tail uint64
	if _, err := s.get(pruneTailKey, &tail); err != nil || tail == 0 {
		return err
	}
	if _, err := s.get(pruneHeadKey, &head); err != nil {
		return err
	}
	start := head
	for n := 0; head < tail && n < prunePerBlock; n++ {
		var it pruneItem
		if _, err := s.get(pruneItemKey(head), &it); err != nil {
			return err
		}
		if it.To > low {
			break
		}
		r, err := s.readRecord(it.Contract)
		if err != nil {
			return err
		}
		r.prune(low)
		s.putRecord(it.Contract, r)
		s.del(pruneItemKey(head))
		head++
	}
	switch {
	case head == tail:
		s.del(pruneHeadKey)
		s.del(pruneTailKey)
	case head != start:
		s.put(pruneHeadKey, head)
	}
	return nil
}
