package sqlstore

import (
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/tributary-ledger/tributary/engine"
)

// Which entries name an account is kept per balance (account and currency),
// in two places, so that a commit writes no index row for most of the
// balances it changes:
//
//   - balances.recent lists the latest entries that changed the balance, at
//     most RecentMax of them. The commit rewrites that row anyway, with the
//     new sums.
//   - When a commit would take the list past RecentMax, the whole list,
//     with the commit's own entries, moves to one entry_accounts row
//     (account, currency, seq = its first entry, more = the rest) and the
//     balance's list starts empty again.
//
// Before schema version 3 the index had a row per account and transaction,
// whatever the currency; those rows are kept with currency "" and read the
// same way.
//
// Version 2 wrote about two index rows per payment of a batch (one for the
// buyer, one shared by its payees), each a B-tree insert at a random place,
// and most of a batch's dirty pages; a close paying a million participants
// wrote a million. Now a payee's index row comes once every RecentMax
// payments, and a close writes none.
//
// Lists are uvarints: in an entry_accounts row's more, each the (positive)
// distance from the previous sequence number, the first being the row's
// seq; in balances.recent, the first sequence number itself, then the
// distances. Empty: no entries.

// RecentMax bounds the entries a balance row lists.
const RecentMax = 32

// seqsListMax bounds one list: a balance's RecentMax plus a whole batch.
const seqsListMax = RecentMax + engine.BatchMax

var errSeqsBlob = errors.New("malformed entry list")

// encodeSeqs returns the encoding of seqs[1:] relative to seqs[0]; seqs
// ascend strictly.
func encodeSeqs(seqs []uint64) []byte {
	out := []byte{} // never nil: nil would be stored as NULL
	for i := 1; i < len(seqs); i++ {
		out = binary.AppendUvarint(out, seqs[i]-seqs[i-1])
	}
	return out
}

// decodeSeqs appends first and the sequence numbers that more lists to dst.
func decodeSeqs(dst []uint64, first uint64, more []byte) ([]uint64, error) {
	dst = append(dst, first)
	return decodeDeltas(dst, first, more)
}

func decodeDeltas(dst []uint64, prev uint64, more []byte) ([]uint64, error) {
	for n := 0; len(more) > 0; n++ {
		d, k := binary.Uvarint(more)
		if k <= 0 || (k > 1 && more[k-1] == 0) || d == 0 || prev+d < prev || n+1 >= seqsListMax {
			return nil, fmt.Errorf("%w after entry %d", errSeqsBlob, prev)
		}
		prev += d
		dst = append(dst, prev)
		more = more[k:]
	}
	return dst, nil
}

// encodeRecent appends the balances.recent encoding of seqs (ascending
// strictly) to dst.
func encodeRecent(dst []byte, seqs []uint64) []byte {
	if dst == nil {
		dst = []byte{} // never NULL
	}
	for i, s := range seqs {
		if i == 0 {
			dst = binary.AppendUvarint(dst, s)
		} else {
			dst = binary.AppendUvarint(dst, s-seqs[i-1])
		}
	}
	return dst
}

// decodeRecent appends the sequence numbers a balances.recent value lists
// to dst.
func decodeRecent(dst []uint64, b []byte) ([]uint64, error) {
	if len(b) == 0 {
		return dst, nil
	}
	first, k := binary.Uvarint(b)
	if k <= 0 || (k > 1 && b[k-1] == 0) || first == 0 {
		return nil, fmt.Errorf("%w: bad first entry", errSeqsBlob)
	}
	start := len(dst)
	dst, err := decodeDeltas(append(dst, first), first, b[k:])
	if err != nil {
		return nil, err
	}
	if len(dst)-start > RecentMax {
		return nil, fmt.Errorf("%w: %d recent entries, at most %d", errSeqsBlob, len(dst)-start, RecentMax)
	}
	return dst, nil
}
