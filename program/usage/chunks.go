package usage

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"sync"

	"github.com/tributary-ledger/tributary/engine"
	"github.com/tributary-ledger/tributary/split"
)

// The state chunks — participants (pc/), an epoch's counts (r/) and a
// close's snapshots (h/) — hold a million participants between them, and a
// close reads all of them. They are stored in a small versioned binary
// encoding, like the ledger's postings (store/sqlstore/postings.go):
//
//	participant chunk: 0x01 uvarint(n) strs(id) strs(owner) strs(account)
//	                   strs(category) bits(active)
//	                   uvarint(splits) splits × (uvarint(offset)
//	                   uvarint(shares) shares × (str(account) uvarint(bp)))
//	report chunk:      0x01 uvarint(metrics) metrics × (str(name) uints)
//	snapshot:          0x01 uvarint(n) strs(category) bits(active)
//	                   uints(streak) uints(smoothed)
//	                   uvarint(past) past × uints
//	strs:  n × (uvarint(shared) uvarint(len) bytes), each string
//	       front-coded against the one before it in its column
//	uints: uvarint(len) len × uvarint
//	bits:  ceil(n/8) bytes, slot k in bit k%8 of byte k/8, the rest zero
//	str:   uvarint(len) bytes
//
// Participant IDs and accounts repeat their neighbours' prefixes, so a
// chunk is about a third of its JSON, and it decodes without reflection
// or number parsing: a column of names is one string, of which each name
// is a substring.
//
// Versions before this wrote the same values as JSON, which is still read
// (a JSON value never starts with the byte 0x01) and never written. A
// chunk is rewritten in this encoding whenever it is written anyway, and
// the close rewrites every participant chunk it finds in JSON (see
// closeEpoch): participant chunks are read by every close, while report
// chunks and snapshots are read again only to explain their own epoch.
const chunkV1 = 1

// chunkSlotsMax bounds the slots a decoded chunk may claim, so that a
// damaged value is an error, never a huge allocation.
const chunkSlotsMax = ChunkSize

var errChunkBlob = errors.New("malformed state chunk")

// isBinary reports whether a stored chunk is in the binary encoding;
// otherwise it is an older version's JSON.
func isBinary(raw []byte) bool { return len(raw) > 0 && raw[0] == chunkV1 }

// participantChunk is how participants are stored: by column, a chunk of
// ChunkSize slots per state value. Splits are rare and keyed by the slot's
// offset in the chunk.
type participantChunk struct {
	ID, Owner, Account, Category []string
	Active                       []bool
	Split                        map[int][]split.Share
}

// reportChunk is one chunk's counts in one epoch, by metric name.
type reportChunk map[string][]uint64

// snapshot is one chunk's state as a close saw it and left it.
type snapshot struct {
	Category []string
	Active   []bool
	History  History // Streak, Smoothed and Past of the chunk's slots
}

// Encoders.

func appendStr(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

func appendStrs(b []byte, col []string) []byte {
	prev := ""
	for _, s := range col {
		n := 0
		for n < len(prev) && n < len(s) && prev[n] == s[n] {
			n++
		}
		b = binary.AppendUvarint(b, uint64(n))
		b = appendStr(b, s[n:])
		prev = s
	}
	return b
}

func appendBits(b []byte, col []bool) []byte {
	for k := 0; k < len(col); k += 8 {
		var x byte
		for j := k; j < min(k+8, len(col)); j++ {
			if col[j] {
				x |= 1 << (j - k)
			}
		}
		b = append(b, x)
	}
	return b
}

func appendUints(b []byte, col []uint64) []byte {
	b = binary.AppendUvarint(b, uint64(len(col)))
	for _, v := range col {
		b = binary.AppendUvarint(b, v)
	}
	return b
}

// appendParticipantChunk appends the encoding of a prepared chunk (its
// columns of one length).
func appendParticipantChunk(b []byte, pc *participantChunk) []byte {
	b = append(b, chunkV1)
	b = binary.AppendUvarint(b, uint64(len(pc.ID)))
	for _, col := range [][]string{pc.ID, pc.Owner, pc.Account, pc.Category} {
		b = appendStrs(b, col)
	}
	b = appendBits(b, pc.Active)
	offsets := make([]int, 0, len(pc.Split))
	for k := range pc.Split {
		offsets = append(offsets, k)
	}
	slices.Sort(offsets)
	b = binary.AppendUvarint(b, uint64(len(offsets)))
	for _, k := range offsets {
		b = binary.AppendUvarint(b, uint64(k))
		sp := pc.Split[k]
		b = binary.AppendUvarint(b, uint64(len(sp)))
		for _, s := range sp {
			b = appendStr(b, s.Account)
			b = binary.AppendUvarint(b, s.ShareBP)
		}
	}
	return b
}

// appendReportChunk appends the encoding of rc, metrics in name order.
func appendReportChunk(b []byte, rc reportChunk) []byte {
	b = append(b, chunkV1)
	names := make([]string, 0, len(rc))
	for k := range rc {
		names = append(names, k)
	}
	slices.Sort(names)
	b = binary.AppendUvarint(b, uint64(len(names)))
	for _, k := range names {
		b = appendStr(b, k)
		b = appendUints(b, rc[k])
	}
	return b
}

// appendSnapshot appends the encoding of sn (its categories and flags of
// one length).
func appendSnapshot(b []byte, sn *snapshot) []byte {
	b = append(b, chunkV1)
	b = binary.AppendUvarint(b, uint64(len(sn.Category)))
	b = appendStrs(b, sn.Category)
	b = appendBits(b, sn.Active)
	b = appendUints(b, sn.History.Streak)
	b = appendUints(b, sn.History.Smoothed)
	b = binary.AppendUvarint(b, uint64(len(sn.History.Past)))
	for _, col := range sn.History.Past {
		b = appendUints(b, col)
	}
	return b
}

// The state writes of chunks. buf is scratch the caller reuses between
// writes; the value written is an exact-size copy.

func writeParticipantChunk(key string, pc *participantChunk, buf *[]byte) engine.StateWrite {
	*buf = appendParticipantChunk((*buf)[:0], pc)
	return engine.StateWrite{Key: key, Value: slices.Clone(*buf)}
}

func writeReportChunk(key string, rc reportChunk, buf *[]byte) engine.StateWrite {
	*buf = appendReportChunk((*buf)[:0], rc)
	return engine.StateWrite{Key: key, Value: slices.Clone(*buf)}
}

func writeSnapshot(key string, sn *snapshot, buf *[]byte) engine.StateWrite {
	*buf = appendSnapshot((*buf)[:0], sn)
	return engine.StateWrite{Key: key, Value: slices.Clone(*buf)}
}

// decoder reads the binary encoding from b[i:]. The first error sticks:
// later reads return zero values, and the caller checks err once. It moves
// an index, not the slice, so that reading writes no pointers (a close
// decodes millions of values while the collector runs).
type decoder struct {
	b   []byte
	i   int
	err error
	buf []byte // scratch for a column of names
	end []int  // scratch: where each name of the column ends in buf
}

func (d *decoder) fail(what string) {
	if d.err == nil {
		d.err = fmt.Errorf("%w: %s", errChunkBlob, what)
		d.i = len(d.b) // nothing more is read
	}
}

func (d *decoder) uvarint() uint64 {
	if d.i < len(d.b) && d.b[d.i] < 0x80 { // the common case: one byte
		d.i++
		return uint64(d.b[d.i-1])
	}
	if d.err != nil {
		return 0
	}
	v, n := binary.Uvarint(d.b[d.i:])
	if n <= 0 {
		d.fail("bad number")
		return 0
	}
	d.i += n
	return v
}

// left returns how many bytes are left to read.
func (d *decoder) left() int { return len(d.b) - d.i }

// count reads a count of things each taking at least size bytes, at most
// max of them, so that it is bounded by the input before anything is
// allocated.
func (d *decoder) count(size, max int) int {
	v := d.uvarint()
	if v > uint64(max) || v > uint64(d.left()/size) {
		d.fail("count beyond the input or its limit")
		return 0
	}
	return int(v)
}

func (d *decoder) bytes(n uint64) []byte {
	if n > uint64(d.left()) {
		d.fail("string past the end")
		return nil
	}
	b := d.b[d.i : d.i+int(n)]
	d.i += int(n)
	return b
}

func (d *decoder) str() string { return string(d.bytes(d.uvarint())) }

// strsInto reads a column of n names. Name k goes to dst[k] while k <
// len(dst); the names kept are substrings of one string, so that a column
// costs one allocation, not one per name. With dst nil the column is only
// checked.
func (d *decoder) strsInto(n int, dst []string) {
	keep := min(n, len(dst))
	buf, end := d.buf[:0], d.end[:0]
	prev, start := 0, 0 // the previous name's length, and where it starts in buf
	for k := 0; k < n && d.err == nil; k++ {
		shared := d.uvarint()
		rest := d.bytes(d.uvarint())
		if shared > uint64(prev) {
			d.fail("prefix longer than the name before")
			break
		}
		if k < keep {
			buf = append(buf, buf[start:start+int(shared)]...)
			start = len(buf) - int(shared)
			buf = append(buf, rest...)
			end = append(end, len(buf))
		}
		prev = int(shared) + len(rest)
	}
	d.buf, d.end = buf, end
	if d.err != nil || keep == 0 {
		return
	}
	all, from := string(buf), 0
	for k, e := range end {
		dst[k] = all[from:e]
		from = e
	}
}

// bitsInto reads n flags into dst[k] while k < len(dst).
func (d *decoder) bitsInto(n int, dst []bool) {
	b := d.bytes(uint64((n + 7) / 8))
	if d.err != nil {
		return
	}
	if n%8 != 0 && b[len(b)-1]>>(n%8) != 0 {
		d.fail("flag bits past the last slot")
		return
	}
	for k := 0; k < min(n, len(dst)); k++ {
		dst[k] = b[k/8]>>(k%8)&1 == 1
	}
}

// uintsInto reads a column of counts: element k goes to dst[k] while k <
// len(dst); with grow, later ones are appended. It returns dst and the
// column's length.
func (d *decoder) uintsInto(dst []uint64, grow bool) ([]uint64, int) {
	n := d.count(1, chunkSlotsMax)
	if grow && dst == nil {
		dst = make([]uint64, 0, n)
	}
	for k := 0; k < n && d.err == nil; k++ {
		v := d.uvarint()
		switch {
		case k < len(dst):
			dst[k] = v
		case grow:
			dst = append(dst, v)
		}
	}
	return dst, n
}

func (d *decoder) done() error {
	if d.err == nil && d.left() > 0 {
		d.fail("trailing bytes")
	}
	return d.err
}

// open starts decoding a binary chunk.
func (d *decoder) open(raw []byte) {
	d.b, d.i, d.err = raw, 1, nil
	if !isBinary(raw) {
		d.fail("unknown version")
	}
}

// decoders holds decoders between chunks, for their scratch.
var decoders = sync.Pool{New: func() any { return new(decoder) }}

func getDecoder() *decoder { return decoders.Get().(*decoder) }

func putDecoder(d *decoder) {
	d.b = nil
	decoders.Put(d)
}

// participantsInto decodes a participant chunk into pc's columns: slot k's
// values go to each column's element k while k < its length (see
// strsInto), and a nil column is only checked; with fresh, pc gets new
// columns of the chunk's length first. It returns how many participants
// the chunk has, and its splits by offset.
func (d *decoder) participantsInto(raw []byte, pc *participantChunk, fresh bool) (n int, splits map[int][]split.Share, err error) {
	d.open(raw)
	n = d.count(8, chunkSlotsMax) // a participant takes at least 8 bytes of names
	if fresh {
		*pc = participantChunk{ID: make([]string, n), Owner: make([]string, n), Account: make([]string, n), Category: make([]string, n), Active: make([]bool, n)}
	}
	d.strsInto(n, pc.ID)
	d.strsInto(n, pc.Owner)
	d.strsInto(n, pc.Account)
	d.strsInto(n, pc.Category)
	d.bitsInto(n, pc.Active)
	count := d.count(2, n)
	last := -1
	for range count {
		k := int(d.uvarint())
		if d.err == nil && (k <= last || k >= n) {
			d.fail("split offset out of order or past the chunk")
		}
		last = k
		sp := make([]split.Share, d.count(2, SplitReceiversMax))
		for j := range sp {
			sp[j] = split.Share{Account: d.str(), ShareBP: d.uvarint()}
		}
		if d.err != nil {
			break
		}
		if splits == nil {
			splits = map[int][]split.Share{}
		}
		splits[k] = sp
	}
	return n, splits, d.done()
}

// reportsInto decodes a report chunk for a close: the counts of metrics[m]
// go to dst[m] (see uintsInto), those of metrics no longer configured are
// checked and dropped.
func (d *decoder) reportsInto(raw []byte, metrics []Metric, dst [][]uint64) error {
	d.open(raw)
	count := d.count(2, d.left())
	prev := ""
	for k := 0; k < count && d.err == nil; k++ {
		name := d.str()
		if k > 0 && name <= prev {
			d.fail("metrics out of order")
		}
		prev = name
		var col []uint64
		if m := slices.IndexFunc(metrics, func(x Metric) bool { return x.Name == name }); m >= 0 {
			col = dst[m]
		}
		d.uintsInto(col, false)
	}
	return d.done()
}

// snapshotInto decodes a close snapshot; with skipCategory the categories
// are only checked.
func (d *decoder) snapshotInto(raw []byte, sn *snapshot, skipCategory bool) error {
	d.open(raw)
	n := d.count(2, chunkSlotsMax) // a slot takes at least 2 bytes of category
	if !skipCategory {
		sn.Category = make([]string, n)
	}
	d.strsInto(n, sn.Category)
	sn.Active = make([]bool, n)
	d.bitsInto(n, sn.Active)
	sn.History.Streak, _ = d.uintsInto(nil, true)
	sn.History.Smoothed, _ = d.uintsInto(nil, true)
	past := d.count(1, d.left())
	for range past {
		col, _ := d.uintsInto(nil, true)
		sn.History.Past = append(sn.History.Past, col)
	}
	return d.done()
}

// Decoders of whole chunks, in either encoding.

// decodeParticipantChunk decodes a whole participant chunk into fresh
// columns, checked and ready for reads and changes (see prepare).
func decodeParticipantChunk(raw []byte, pc *participantChunk) error {
	if !isBinary(raw) {
		return decodeParticipantChunkJSON(raw, pc)
	}
	d := getDecoder()
	defer putDecoder(d)
	_, splits, err := d.participantsInto(raw, pc, true)
	pc.Split = splits
	return err
}

// decodeReportChunk decodes a report chunk into rc.
func decodeReportChunk(raw []byte, rc *reportChunk) error {
	if !isBinary(raw) {
		return json.Unmarshal(raw, rc)
	}
	d := getDecoder()
	defer putDecoder(d)
	d.open(raw)
	count := d.count(2, d.left())
	out := make(reportChunk, count)
	prev := ""
	for k := 0; k < count && d.err == nil; k++ {
		name := d.str()
		if k > 0 && name <= prev {
			d.fail("metrics out of order")
		}
		prev = name
		out[name], _ = d.uintsInto(nil, true)
	}
	if err := d.done(); err != nil {
		return err
	}
	*rc = out
	return nil
}

// decodeSnapshot decodes a close snapshot, in either encoding.
func decodeSnapshot(raw []byte, sn *snapshot, skipCategory bool) error {
	if !isBinary(raw) {
		var j snapshotJSON
		if err := json.Unmarshal(raw, &j); err != nil {
			return err
		}
		*sn = snapshot(j)
		return nil
	}
	d := getDecoder()
	defer putDecoder(d)
	return d.snapshotInto(raw, sn, skipCategory)
}

// The JSON of older versions.

// participantChunkJSON is a participant chunk as older versions wrote it.
type participantChunkJSON struct {
	ID       []string                 `json:"id"`
	Owner    []string                 `json:"owner"`
	Account  []string                 `json:"account"`
	Category []string                 `json:"category"`
	Active   []bool                   `json:"active"`
	Split    map[string][]split.Share `json:"split,omitempty"`
}

// snapshotJSON is a close snapshot as older versions wrote it.
type snapshotJSON struct {
	Category []string `json:"category"`
	Active   []bool   `json:"active"`
	History  History  `json:"history"`
}

// decodeParticipantChunkJSON decodes an older version's participant chunk.
// Its split keys are decimal offsets; when two spell one offset ("07" and
// "7") the last in sorted order wins, and an empty split is none, as the
// older versions read them. A key that is not an offset is refused.
func decodeParticipantChunkJSON(raw []byte, pc *participantChunk) error {
	var j participantChunkJSON
	if err := json.Unmarshal(raw, &j); err != nil {
		return err
	}
	*pc = participantChunk{ID: j.ID, Owner: j.Owner, Account: j.Account, Category: j.Category, Active: j.Active}
	keys := make([]string, 0, len(j.Split))
	for k := range j.Split {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		i, err := strconv.Atoi(k)
		if err != nil || i < 0 {
			return fmt.Errorf("%w: split key %q is not a slot offset", errChunkBlob, k)
		}
		if pc.Split == nil {
			pc.Split = map[int][]split.Share{}
		}
		if sp := j.Split[k]; len(sp) > 0 {
			pc.Split[i] = sp
		} else {
			delete(pc.Split, i)
		}
	}
	return nil
}

// prepare refuses a chunk whose columns disagree or whose splits are not
// at offsets of its slots, and readies it for reads and changes: columns
// never nil (an empty chunk is written back as empty columns).
func (pc *participantChunk) prepare() error {
	n := len(pc.ID)
	if len(pc.Owner) != n || len(pc.Account) != n || len(pc.Category) != n || len(pc.Active) != n {
		return errChunk
	}
	for i := range pc.Split {
		if i >= n {
			return errChunk
		}
	}
	for _, col := range []*[]string{&pc.ID, &pc.Owner, &pc.Account, &pc.Category} {
		if *col == nil {
			*col = make([]string, 0, ChunkSize) // a new chunk, to be filled
		}
	}
	if pc.Active == nil {
		pc.Active = make([]bool, 0, ChunkSize)
	}
	return nil
}

// len returns the participants in a prepared chunk.
func (pc *participantChunk) len() int { return len(pc.ID) }

// at returns the participant at offset i of a prepared chunk whose first
// slot is first.
func (pc *participantChunk) at(i int, first uint64) Participant {
	return Participant{ID: pc.ID[i], Owner: pc.Owner[i], Account: pc.Account[i], Category: pc.Category[i], Active: pc.Active[i], Split: pc.Split[i], Slot: first + uint64(i)}
}

// set replaces the participant at offset i.
func (pc *participantChunk) set(i int, p Participant) {
	pc.ID[i], pc.Owner[i], pc.Account[i], pc.Category[i], pc.Active[i] = p.ID, p.Owner, p.Account, p.Category, p.Active
	pc.setSplit(i, p.Split)
}

// add appends a participant.
func (pc *participantChunk) add(p Participant) {
	pc.ID, pc.Owner, pc.Account = append(pc.ID, p.ID), append(pc.Owner, p.Owner), append(pc.Account, p.Account)
	pc.Category, pc.Active = append(pc.Category, p.Category), append(pc.Active, p.Active)
	pc.setSplit(len(pc.ID)-1, p.Split)
}

func (pc *participantChunk) setSplit(i int, sp []split.Share) {
	if len(sp) == 0 {
		delete(pc.Split, i)
		return
	}
	if pc.Split == nil {
		pc.Split = map[int][]split.Share{}
	}
	pc.Split[i] = sp
}

var errChunk = errors.New("usage: participant chunk columns disagree")
