package sqlstore

import (
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/tributary-ledger/tributary/engine"
)

// entry_accounts has one row per account and transaction, not per account
// and entry: the row's seq is the first entry of the transaction that names
// the account, and more lists the later ones. A batch of 1,000 payments to
// 1,000 payees and one fee account writes about 2,000 index rows instead of
// 5,000; the fee account's entries of a batch are one row.
//
// more is a list of uvarints, each the (positive) distance from the
// previous sequence number. Empty when the transaction named the account
// once.

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
// A transaction holds at most engine.BatchMax entries, which bounds the list.
func decodeSeqs(dst []uint64, first uint64, more []byte) ([]uint64, error) {
	dst = append(dst, first)
	prev := first
	for n := 0; len(more) > 0; n++ {
		d, k := binary.Uvarint(more)
		if k <= 0 || (k > 1 && more[k-1] == 0) || d == 0 || prev+d < prev || n >= engine.BatchMax {
			return nil, fmt.Errorf("%w after entry %d", errSeqsBlob, prev)
		}
		prev += d
		dst = append(dst, prev)
		more = more[k:]
	}
	return dst, nil
}
