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
// an account is kept apart (see seqs.go).
//
// The encoding, version 2 (written since schema version 3):
//
//	0x02  uvarint(count)  count × posting
//	posting: fstr(from) fstr(to) fstr(currency) uvarint(len) amount fstr(path)
//	fstr: uvarint(shared) uvarint(len) bytes
//
// Each string is front-coded against the same field of the previous
// posting: shared is the length of their longest common prefix (0 for the
// first posting), and only the rest follows. An entry's postings repeat
// themselves: a payment names its buyer on every posting and its product at
// the start of every path; a close pays a million participants from one
// pool with paths that differ in a few characters. A million-posting close
// took 90 MB, now about a third. amount is the big-endian value without
// leading zero bytes (zero is no bytes, at most 32).
//
// Version 1 (schema version 2) had str: uvarint(len) bytes, nothing shared;
// it is still read.
//
// Every string and the amount are bounded, and only the canonical form is
// accepted (shared as long as it can be), so a damaged row is an error,
// never a huge allocation or two byte strings for one entry.
const (
	postingsV1 = 1
	postingsV2 = 2
)

// PostingsBlobMax bounds one entry's encoded postings. SQLite and
// PostgreSQL refuse values near 1 GB; an entry beyond this (millions of
// postings with long explanations) is refused with a clear error instead.
const PostingsBlobMax = 512 << 20

var errPostingsBlob = errors.New("malformed postings")

// encodePostings appends the encoding of ps to dst.
func encodePostings(dst []byte, ps []ledger.Posting) []byte {
	dst = append(dst, postingsV2)
	dst = binary.AppendUvarint(dst, uint64(len(ps)))
	var prev ledger.Posting
	for i := range ps {
		p := &ps[i]
		dst = appendShared(dst, prev.From, p.From)
		dst = appendShared(dst, prev.To, p.To)
		dst = appendShared(dst, prev.Currency, p.Currency)
		b := p.Amount.Uint256().Bytes32()
		k := 0
		for k < len(b) && b[k] == 0 {
			k++
		}
		dst = binary.AppendUvarint(dst, uint64(len(b)-k))
		dst = append(dst, b[k:]...)
		dst = appendShared(dst, prev.Path, p.Path)
		prev = *p
	}
	return dst
}

// appendShared appends s front-coded against prev.
func appendShared(dst []byte, prev, s string) []byte {
	n := 0
	for n < len(prev) && n < len(s) && prev[n] == s[n] {
		n++
	}
	dst = binary.AppendUvarint(dst, uint64(n))
	return appendStr(dst, s[n:])
}

func appendStr(dst []byte, s string) []byte {
	dst = binary.AppendUvarint(dst, uint64(len(s)))
	return append(dst, s...)
}

// postingsLen bounds the size of a posting's encoding.
func postingsLen(ps []ledger.Posting) int {
	n := 1 + binary.MaxVarintLen64
	for i := range ps {
		p := &ps[i]
		// 33 for the amount and its length, 2 + 2 for each string's
		// shared and own lengths (each below 2^14).
		n += len(p.From) + len(p.To) + len(p.Currency) + len(p.Path) + 33 + 4*4
	}
	return n
}

// decodePostings parses what encodePostings wrote, in either version. It
// refuses anything else: an unknown version, lengths beyond the ledger's
// limits or past the end, a non-canonical amount or prefix, trailing bytes.
func decodePostings(b []byte) ([]ledger.Posting, error) {
	if len(b) == 0 || (b[0] != postingsV1 && b[0] != postingsV2) {
		return nil, fmt.Errorf("%w: unknown version", errPostingsBlob)
	}
	shared := b[0] == postingsV2
	d := decoder{b: b[1:]}
	n := d.uvarint()
	// Each posting takes at least 5 bytes (9 in version 2), which bounds
	// the count by the input before anything is allocated.
	if d.err != nil || n > ledger.PostingsMax || n > uint64(len(d.b))/5 {
		return nil, fmt.Errorf("%w: bad posting count", errPostingsBlob)
	}
	var out []ledger.Posting
	if n > 0 {
		out = make([]ledger.Posting, n)
	}
	var prev ledger.Posting
	field := func(prev string, max int) string {
		if !shared {
			return d.str(max)
		}
		return d.shared(prev, max)
	}
	for i := range out {
		p := &out[i]
		p.From = field(prev.From, ledger.AccountMaxLen)
		p.To = field(prev.To, ledger.AccountMaxLen)
		p.Currency = field(prev.Currency, ledger.AccountMaxLen)
		amt := d.bytes(32)
		if d.err == nil && len(amt) > 0 && amt[0] == 0 {
			d.err = errors.New("amount with a leading zero byte")
		}
		var v uint256.Int
		v.SetBytes(amt)
		p.Amount = money.FromUint256(&v)
		p.Path = field(prev.Path, ledger.PathMaxLen)
		if d.err != nil {
			return nil, fmt.Errorf("%w: posting %d: %v", errPostingsBlob, i, d.err)
		}
		prev = *p
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

// shared reads an fstr front-coded against prev. The prefix must be the
// longest the two strings share, so that one string has one encoding.
func (d *decoder) shared(prev string, max int) string {
	k := d.uvarint()
	if d.err != nil {
		return ""
	}
	if k > uint64(len(prev)) {
		d.err = fmt.Errorf("shares %d bytes of a %d-byte string", k, len(prev))
		return ""
	}
	rest := d.bytes(max - int(k))
	if d.err != nil {
		return ""
	}
	if int(k) < len(prev) && len(rest) > 0 && rest[0] == prev[k] {
		d.err = errors.New("shorter shared prefix than the strings have")
		return ""
	}
	if k == 0 {
		return string(rest)
	}
	return prev[:k] + string(rest)
}

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
