package sqlstore

import (
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/holiman/uint256"

	"github.com/tributary-ledger/tributary/ledger"
	"github.com/tributary-ledger/tributary/money"
)

// An entry's postings are stored in its own row, in one byte string, rather
// than one row per posting: with a row per posting (and an index on each
// side) a 4-posting entry cost 12 B-tree inserts, most of a commit's time on
// SQLite. Reads want all of an entry's postings anyway. Which entries touch
// an account is kept apart, in entry_accounts (see seqs.go).
//
// The encoding, version 1:
//
//	0x01  uvarint(count)  count × posting
//	posting: str(from) str(to) str(currency) uvarint(len) amount str(path)
//	str: uvarint(len) bytes
//
// where amount is the big-endian value without leading zero bytes (zero is
// no bytes, at most 32). Every string and the amount are bounded, so a
// damaged row is an error, never a huge allocation.
const postingsV1 = 1

// PostingsBlobMax bounds one entry's encoded postings. SQLite and
// PostgreSQL refuse values near 1 GB; an entry beyond this (millions of
// postings with long explanations) is refused with a clear error instead.
const PostingsBlobMax = 512 << 20

var errPostingsBlob = errors.New("malformed postings")

// encodePostings appends the encoding of ps to dst.
func encodePostings(dst []byte, ps []ledger.Posting) []byte {
	dst = append(dst, postingsV1)
	dst = binary.AppendUvarint(dst, uint64(len(ps)))
	for i := range ps {
		p := &ps[i]
		dst = appendStr(dst, p.From)
		dst = appendStr(dst, p.To)
		dst = appendStr(dst, p.Currency)
		b := p.Amount.Uint256().Bytes32()
		k := 0
		for k < len(b) && b[k] == 0 {
			k++
		}
		dst = binary.AppendUvarint(dst, uint64(len(b)-k))
		dst = append(dst, b[k:]...)
		dst = appendStr(dst, p.Path)
	}
	return dst
}

func appendStr(dst []byte, s string) []byte {
	dst = binary.AppendUvarint(dst, uint64(len(s)))
	return append(dst, s...)
}

// postingsLen is the size of a posting's encoding.
func postingsLen(ps []ledger.Posting) int {
	n := 1 + binary.MaxVarintLen64
	for i := range ps {
		p := &ps[i]
		n += len(p.From) + len(p.To) + len(p.Currency) + len(p.Path) + 32 + 5*3
	}
	return n
}

// decodePostings parses what encodePostings wrote. It refuses anything
// else: an unknown version, lengths beyond the ledger's limits or past the
// end, a non-canonical amount, trailing bytes.
func decodePostings(b []byte) ([]ledger.Posting, error) {
	if len(b) == 0 || b[0] != postingsV1 {
		return nil, fmt.Errorf("%w: unknown version", errPostingsBlob)
	}
	d := decoder{b: b[1:]}
	n := d.uvarint()
	// Each posting takes at least 5 bytes, which bounds the count by the
	// input before anything is allocated.
	if d.err != nil || n > ledger.PostingsMax || n > uint64(len(d.b))/5 {
		return nil, fmt.Errorf("%w: bad posting count", errPostingsBlob)
	}
	var out []ledger.Posting
	if n > 0 {
		out = make([]ledger.Posting, n)
	}
	for i := range out {
		p := &out[i]
		p.From = d.str(ledger.AccountMaxLen)
		p.To = d.str(ledger.AccountMaxLen)
		p.Currency = d.str(ledger.AccountMaxLen)
		amt := d.bytes(32)
		if d.err == nil && len(amt) > 0 && amt[0] == 0 {
			d.err = errors.New("amount with a leading zero byte")
		}
		var v uint256.Int
		v.SetBytes(amt)
		p.Amount = money.FromUint256(&v)
		p.Path = d.str(ledger.PathMaxLen)
		if d.err != nil {
			return nil, fmt.Errorf("%w: posting %d: %v", errPostingsBlob, i, d.err)
		}
	}
	if len(d.b) != 0 {
		return nil, fmt.Errorf("%w: %d trailing bytes", errPostingsBlob, len(d.b))
	}
	return out, nil
}

type decoder struct {
	b   []byte
	err error
}

func (d *decoder) uvarint() uint64 {
	if d.err != nil {
		return 0
	}
	v, n := binary.Uvarint(d.b)
	if n <= 0 || (n > 1 && d.b[n-1] == 0) { // overlong forms are not canonical
		d.err = errors.New("bad length")
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *decoder) bytes(max int) []byte {
	n := d.uvarint()
	if d.err != nil {
		return nil
	}
	if n > uint64(max) || n > uint64(len(d.b)) {
		d.err = fmt.Errorf("length %d beyond %d or the end", n, max)
		return nil
	}
	v := d.b[:n]
	d.b = d.b[n:]
	return v
}

func (d *decoder) str(max int) string { return string(d.bytes(max)) }

// entryAccounts returns the distinct accounts an entry's postings name, in
// the order they first appear.
func entryAccounts(ps []ledger.Posting, buf []string) []string {
	out := buf[:0]
	if len(ps) > 8 {
		// A map only for large entries: a payment names a handful of
		// accounts, and scanning them beats hashing.
		seen := make(map[string]bool, 2*len(ps))
		for i := range ps {
			for _, a := range [2]string{ps[i].From, ps[i].To} {
				if !seen[a] {
					seen[a] = true
					out = append(out, a)
				}
			}
		}
		return out
	}
	for i := range ps {
		for _, a := range [2]string{ps[i].From, ps[i].To} {
			dup := false
			for _, x := range out {
				if x == a {
					dup = true
					break
				}
			}
			if !dup {
				out = append(out, a)
			}
		}
	}
	return out
}
