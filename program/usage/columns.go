package usage

import (
	"bytes"
	"encoding/json"
	"errors"
	"slices"
	"strconv"
	"unicode/utf8"

	"github.com/tributary-ledger/tributary/engine"
	"github.com/tributary-ledger/tributary/split"
)

// State chunks are JSON, so that they read well in a SQL shell, but a
// close of a million participants decodes millions of values, and
// encoding/json's reflection (and its two extra passes over every value
// handed to an UnmarshalJSON method) costs seconds there. The scanner
// below reads the JSON the program itself writes — plain strings, plain
// whole numbers, true and false, each key once — directly into columns:
// names (validated, so they never need escaping) as substrings of one
// string per column, counts and flags without reflection.
//
// Anything off that path — an escape, null, a fraction, a sign, a number
// of 20 digits, a duplicate or unknown key, malformed input — makes the
// scanner report false, and the caller hands the whole value to
// encoding/json, which decides: the result, or the error, is then exactly
// what it was before the scanner existed. So the scanner only ever has to
// be right about what it accepts, and FuzzChunks checks that against
// encoding/json.

// names is a column of strings.
type names []string

// counts is a column of counts.
type counts []uint64

// flags is a column of booleans.
type flags []bool

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

// scanner reads the plain JSON of state chunks. Its methods return false
// as soon as the input leaves the plain path; the scanner is then spent.
type scanner struct {
	b    []byte
	i    int
	offs []int // bounds of the names of the column being read, reused
}

func (s *scanner) reset(b []byte) { s.b, s.i = b, 0 }

func (s *scanner) skipSpace() {
	for s.i < len(s.b) && isSpace(s.b[s.i]) {
		s.i++
	}
}

// next skips space and consumes c when it comes next.
func (s *scanner) next(c byte) bool {
	s.skipSpace()
	if s.i < len(s.b) && s.b[s.i] == c {
		s.i++
		return true
	}
	return false
}

// atEnd reports whether nothing but space is left.
func (s *scanner) atEnd() bool {
	s.skipSpace()
	return s.i == len(s.b)
}

// str reads a plain string (no escapes, no control characters, valid
// UTF-8, which encoding/json would otherwise replace) and returns the
// bounds of its contents.
func (s *scanner) str() (start, end int, ok bool) {
	if !s.next('"') {
		return 0, 0, false
	}
	start = s.i
	ascii := true
	for s.i < len(s.b) {
		c := s.b[s.i]
		if c == '"' {
			end = s.i
			s.i++
			if !ascii && !utf8.Valid(s.b[start:end]) {
				return 0, 0, false
			}
			return start, end, true
		}
		if c == '\\' || c < 0x20 {
			return 0, 0, false
		}
		if c >= utf8.RuneSelf {
			ascii = false
		}
		s.i++
	}
	return 0, 0, false
}

// key reads an object key and the colon after it.
func (s *scanner) key() ([]byte, bool) {
	start, end, ok := s.str()
	if !ok || !s.next(':') {
		return nil, false
	}
	return s.b[start:end], true
}

// object reads an object, calling field with each key to read its value.
func (s *scanner) object(field func(key []byte) bool) bool {
	if !s.next('{') {
		return false
	}
	if s.next('}') {
		return true
	}
	for {
		k, ok := s.key()
		if !ok || !field(k) {
			return false
		}
		if s.next('}') {
			return true
		}
		if !s.next(',') {
			return false
		}
	}
}

// list reads the brackets and commas of an array, calling elem to read
// each element, and returns how many there were.
func (s *scanner) list(elem func(k int) bool) (int, bool) {
	if !s.next('[') {
		return 0, false
	}
	if s.next(']') {
		return 0, true
	}
	for n := 0; ; {
		if !elem(n) {
			return n, false
		}
		n++
		if s.next(']') {
			return n, true
		}
		if !s.next(',') {
			return n, false
		}
	}
}

// A column is read into dst: element k goes to dst[k] while k < len(dst);
// later ones are appended when grow is set (into a column of ChunkSize
// capacity when dst is nil), and otherwise only checked. The column
// readers return dst and the number of elements the array had. They are
// the hot loops of a close, so they work on local copies of the buffer
// and position rather than through list and closures.

// special marks the bytes that end the plain run of a string: the quote,
// a backslash, control characters, and the start of a multi-byte rune
// (checked for valid UTF-8 separately).
var special = func() (t [256]bool) {
	for c := range 256 {
		t[c] = c == '"' || c == '\\' || c < 0x20 || c >= utf8.RuneSelf
	}
	return t
}()

func skipSpace(b []byte, i int) int {
	for i < len(b) && isSpace(b[i]) {
		i++
	}
	return i
}

// open reads the '[' of a column and reports whether the array is empty
// (its ']' read too).
func (s *scanner) open() (empty, ok bool) {
	b := s.b
	i := skipSpace(b, s.i)
	if i == len(b) || b[i] != '[' {
		return false, false
	}
	i = skipSpace(b, i+1)
	if i < len(b) && b[i] == ']' {
		s.i = i + 1
		return true, true
	}
	s.i = i
	return false, true
}

// delim reads what follows an element at i: a comma (then more follows)
// or the closing bracket.
func (s *scanner) delim(i int) (more, ok bool) {
	b := s.b
	if i < len(b) && b[i] == ',' { // the plain case: no space
		s.i = i + 1
		return true, true
	}
	i = skipSpace(b, i)
	if i == len(b) {
		return false, false
	}
	switch b[i] {
	case ',':
		s.i = i + 1
		return true, true
	case ']':
		s.i = i + 1
		return false, true
	}
	return false, false
}

// uints reads a column of counts.
func (s *scanner) uints(dst []uint64, grow bool) ([]uint64, int, bool) {
	if grow && dst == nil {
		dst = make([]uint64, 0, ChunkSize)
	}
	empty, ok := s.open()
	if empty || !ok {
		return dst, 0, ok
	}
	b := s.b
	for n := 0; ; {
		i := skipSpace(b, s.i)
		start := i
		var v uint64
		for ; i < len(b); i++ {
			d := b[i] - '0'
			if d > 9 {
				break
			}
			v = v*10 + uint64(d)
		}
		if digits := i - start; digits == 0 || digits > 19 || digits > 1 && b[start] == '0' {
			return dst, n, false // 19 digits never overflow; 20 go to encoding/json
		}
		switch {
		case n < len(dst):
			dst[n] = v
		case grow:
			dst = append(dst, v)
		}
		n++
		more, ok := s.delim(i)
		if !more {
			return dst, n, ok
		}
	}
}

// bools reads a column of flags.
func (s *scanner) bools(dst []bool, grow bool) ([]bool, int, bool) {
	if grow && dst == nil {
		dst = make([]bool, 0, ChunkSize)
	}
	empty, ok := s.open()
	if empty || !ok {
		return dst, 0, ok
	}
	b := s.b
	for n := 0; ; {
		i := skipSpace(b, s.i)
		var v bool
		switch rest := b[i:]; {
		case len(rest) >= 4 && string(rest[:4]) == "true":
			v, i = true, i+4
		case len(rest) >= 5 && string(rest[:5]) == "false":
			i += 5
		default:
			return dst, n, false
		}
		switch {
		case n < len(dst):
			dst[n] = v
		case grow:
			dst = append(dst, v)
		}
		n++
		more, ok := s.delim(i)
		if !more {
			return dst, n, ok
		}
	}
}

// strs reads a column of names. The names kept are substrings of one
// string copied from the column's bytes, so that a column costs one
// allocation, not one per name; an empty name is "" and keeps nothing
// alive.
func (s *scanner) strs(dst []string, grow bool) ([]string, int, bool) {
	if grow && dst == nil {
		dst = make([]string, 0, ChunkSize)
	}
	empty, ok := s.open()
	if empty || !ok {
		return dst, 0, ok
	}
	b := s.b
	offs := s.offs[:0]
	n := 0
	for {
		i := skipSpace(b, s.i)
		if i == len(b) || b[i] != '"' {
			return dst, n, false
		}
		i++
		start := i
		for i < len(b) && !special[b[i]] {
			i++
		}
		if i < len(b) && b[i] >= utf8.RuneSelf { // not ASCII: the slow way
			for i < len(b) && b[i] != '"' {
				if b[i] == '\\' || b[i] < 0x20 {
					return dst, n, false
				}
				i++
			}
			if i < len(b) && !utf8.Valid(b[start:i]) {
				return dst, n, false
			}
		}
		if i == len(b) || b[i] != '"' {
			return dst, n, false
		}
		if n < len(dst) || grow {
			offs = append(offs, start, i)
		}
		n++
		more, ok := s.delim(i + 1)
		if !more {
			s.offs = offs
			if !ok {
				return dst, n, false
			}
			break
		}
	}
	lo, hi := -1, -1
	for k := 0; k < len(offs); k += 2 {
		if offs[k] < offs[k+1] {
			if lo < 0 {
				lo = offs[k]
			}
			hi = offs[k+1]
		}
	}
	var col string
	if lo >= 0 {
		col = string(b[lo:hi])
	}
	for k := 0; k < len(offs); k += 2 {
		var name string
		if offs[k] < offs[k+1] {
			name = col[offs[k]-lo : offs[k+1]-lo]
		}
		if j := k / 2; j < len(dst) {
			dst[j] = name
		} else {
			dst = append(dst, name)
		}
	}
	return dst, n, true
}

// UnmarshalJSON decodes a column of names.
func (c *names) UnmarshalJSON(b []byte) error {
	var s scanner
	s.reset(b)
	if out, _, ok := s.strs(nil, true); ok && s.atEnd() {
		*c = out
		return nil
	}
	return json.Unmarshal(b, (*[]string)(c))
}

// UnmarshalJSON decodes a column of counts.
func (c *counts) UnmarshalJSON(b []byte) error {
	var s scanner
	s.reset(b)
	if out, _, ok := s.uints(nil, true); ok && s.atEnd() {
		*c = out
		return nil
	}
	return json.Unmarshal(b, (*[]uint64)(c))
}

// UnmarshalJSON decodes a column of booleans.
func (c *flags) UnmarshalJSON(b []byte) error {
	var s scanner
	s.reset(b)
	if out, _, ok := s.bools(nil, true); ok && s.atEnd() {
		*c = out
		return nil
	}
	return json.Unmarshal(b, (*[]bool)(c))
}

// participantChunk is how participants are stored: by column, a chunk of
// ChunkSize slots per state value. Splits are rare and keyed by the slot's
// offset in the chunk.
type participantChunk struct {
	ID       names                    `json:"id"`
	Owner    names                    `json:"owner"`
	Account  names                    `json:"account"`
	Category names                    `json:"category"`
	Active   flags                    `json:"active"`
	Split    map[string][]split.Share `json:"split,omitempty"`
}

// Fields of a participant chunk, as bits, to refuse a key seen twice.
const (
	pcID = 1 << iota
	pcOwner
	pcAccount
	pcCategory
	pcActive
	pcSplit
)

// pcInto is where a participant chunk's columns are read to (see uints
// for dst and grow); a column with skip set is only checked.
type pcInto struct {
	pc        *participantChunk
	grow      bool
	skipOwner bool
	n         [5]int // elements of id, owner, account, category, active
}

// participants reads a participant chunk into dst. The split map, small
// and rare, is decoded by encoding/json from where it starts.
func (s *scanner) participants(dst *pcInto) bool {
	pc := dst.pc
	var seen int
	return s.object(func(k []byte) bool {
		var bit int
		var ok bool
		switch string(k) {
		case "id":
			bit = pcID
			pc.ID, dst.n[0], ok = s.strs(pc.ID, dst.grow)
		case "owner":
			bit = pcOwner
			if dst.skipOwner {
				_, dst.n[1], ok = s.strs(nil, false)
			} else {
				pc.Owner, dst.n[1], ok = s.strs(pc.Owner, dst.grow)
			}
		case "account":
			bit = pcAccount
			pc.Account, dst.n[2], ok = s.strs(pc.Account, dst.grow)
		case "category":
			bit = pcCategory
			pc.Category, dst.n[3], ok = s.strs(pc.Category, dst.grow)
		case "active":
			bit = pcActive
			pc.Active, dst.n[4], ok = s.bools(pc.Active, dst.grow)
		case "split":
			bit = pcSplit
			ok = s.rest(&pc.Split)
		}
		if bit == 0 || seen&bit != 0 {
			return false
		}
		seen |= bit
		return ok
	})
}

// rest decodes the value that starts at the scanner's position with
// encoding/json, and moves past it.
func (s *scanner) rest(v any) bool {
	dec := json.NewDecoder(bytes.NewReader(s.b[s.i:]))
	if err := dec.Decode(v); err != nil {
		return false
	}
	s.i += int(dec.InputOffset())
	return true
}

// decodeParticipantChunk reads a whole participant chunk into fresh
// columns, as json.Unmarshal would.
func decodeParticipantChunk(raw []byte, pc *participantChunk) error {
	var s scanner
	s.reset(raw)
	var fast participantChunk
	if s.participants(&pcInto{pc: &fast, grow: true}) && s.atEnd() {
		*pc = fast
		return nil
	}
	return json.Unmarshal(raw, pc)
}

// prepare refuses a chunk whose columns disagree or whose split keys are
// not offsets of its slots, and readies it for reads and changes: columns
// never nil (an empty chunk is written back as empty arrays), splits
// keyed by canonical offsets, empty ones dropped, as the chunk is written.
func (pc *participantChunk) prepare() error {
	n := len(pc.ID)
	if len(pc.Owner) != n || len(pc.Account) != n || len(pc.Category) != n || len(pc.Active) != n {
		return errChunk
	}
	canonical := true
	for k, sp := range pc.Split {
		i, err := strconv.Atoi(k)
		if err != nil || i < 0 || i >= n {
			return errChunk
		}
		canonical = canonical && len(sp) > 0 && itoa(i) == k
	}
	if !canonical {
		keys := make([]string, 0, len(pc.Split))
		for k := range pc.Split {
			keys = append(keys, k)
		}
		slices.Sort(keys) // a deterministic winner when two keys name one offset
		m := map[string][]split.Share{}
		for _, k := range keys {
			i, _ := strconv.Atoi(k)
			if sp := pc.Split[k]; len(sp) > 0 {
				m[itoa(i)] = sp
			} else {
				delete(m, itoa(i))
			}
		}
		pc.Split = m
	}
	for _, col := range []*names{&pc.ID, &pc.Owner, &pc.Account, &pc.Category} {
		if *col == nil {
			*col = make(names, 0, ChunkSize) // a new chunk, to be filled
		}
	}
	if pc.Active == nil {
		pc.Active = make(flags, 0, ChunkSize)
	}
	return nil
}

// len returns the participants in a prepared chunk.
func (pc *participantChunk) len() int { return len(pc.ID) }

// at returns the participant at offset i of a prepared chunk whose first
// slot is first.
func (pc *participantChunk) at(i int, first uint64) Participant {
	return Participant{ID: pc.ID[i], Owner: pc.Owner[i], Account: pc.Account[i], Category: pc.Category[i], Active: pc.Active[i], Split: pc.Split[itoa(i)], Slot: first + uint64(i)}
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
		delete(pc.Split, itoa(i))
		return
	}
	if pc.Split == nil {
		pc.Split = map[string][]split.Share{}
	}
	pc.Split[itoa(i)] = sp
}

func itoa(i int) string { return strconv.Itoa(i) }

var errChunk = errors.New("usage: participant chunk columns disagree")

// reportChunk is one chunk's counts in one epoch, by metric name.
type reportChunk map[string]counts

// reports reads a report chunk into a map, as json.Unmarshal would into
// a nil one.
func (s *scanner) reports() (reportChunk, bool) {
	rc := reportChunk{}
	ok := s.object(func(k []byte) bool {
		if _, dup := rc[string(k)]; dup {
			return false
		}
		col, _, ok := s.uints(nil, true)
		rc[string(k)] = col
		return ok
	})
	return rc, ok
}

// decodeReportChunk reads a report chunk, as json.Unmarshal would into rc.
func decodeReportChunk(raw []byte, rc *reportChunk) error {
	var s scanner
	s.reset(raw)
	if fast, ok := s.reports(); ok && s.atEnd() {
		if *rc == nil {
			*rc = fast
			return nil
		}
		for k, col := range fast {
			(*rc)[k] = col
		}
		return nil
	}
	return json.Unmarshal(raw, rc)
}

// reportsInto reads a report chunk for a close: the counts of metrics[m]
// go to dst[m] (element k to dst[m][k] while k < len(dst[m])), and those
// of metrics no longer configured are checked and dropped. On false dst
// may be partly written.
func (s *scanner) reportsInto(metrics []Metric, dst [][]uint64) bool {
	var seen uint64 // a bit per metric, to refuse a key seen twice
	if len(metrics) > 64 {
		return false // never validated; encoding/json decides
	}
	return s.object(func(k []byte) bool {
		for m, metric := range metrics {
			if metric.Name == string(k) {
				if seen&(1<<m) != 0 {
					return false
				}
				seen |= 1 << m
				_, _, ok := s.uints(dst[m], false)
				return ok
			}
		}
		_, _, ok := s.uints(nil, false)
		return ok
	})
}

// snapshot is one chunk's state as a close saw it and left it.
type snapshot struct {
	Category names       `json:"category"`
	Active   flags       `json:"active"`
	History  historyJSON `json:"history"`
}

// historyJSON is History as stored, with fast-decoding columns.
type historyJSON struct {
	Streak   counts   `json:"streak,omitempty"`
	Smoothed counts   `json:"smoothed,omitempty"`
	Past     []counts `json:"past,omitempty"`
}

// snapshotInto reads a close snapshot, growing its columns from what they
// hold (see uints); with skipCategory the categories are only checked.
func (s *scanner) snapshotInto(sn *snapshot, skipCategory bool) bool {
	var seen int
	return s.object(func(k []byte) bool {
		var bit int
		var ok bool
		switch string(k) {
		case "category":
			bit = 1
			if skipCategory {
				_, _, ok = s.strs(nil, false)
			} else {
				sn.Category, _, ok = s.strs(sn.Category[:0], true)
			}
		case "active":
			bit = 2
			sn.Active, _, ok = s.bools(sn.Active[:0], true)
		case "history":
			bit = 4
			ok = s.history(&sn.History)
		}
		if bit == 0 || seen&bit != 0 {
			return false
		}
		seen |= bit
		return ok
	})
}

func (s *scanner) history(h *historyJSON) bool {
	var seen int
	return s.object(func(k []byte) bool {
		var bit int
		var ok bool
		switch string(k) {
		case "streak":
			bit = 1
			h.Streak, _, ok = s.uints(h.Streak[:0], true)
		case "smoothed":
			bit = 2
			h.Smoothed, _, ok = s.uints(h.Smoothed[:0], true)
		case "past":
			bit = 4
			past := []counts{} // not nil: encoding/json leaves [] as an empty slice
			_, ok = s.list(func(int) bool {
				col, _, ok := s.uints(nil, true)
				past = append(past, col)
				return ok
			})
			h.Past = past
		}
		if bit == 0 || seen&bit != 0 {
			return false
		}
		seen |= bit
		return ok
	})
}

// decodeSnapshot reads a close snapshot into fresh columns, as
// json.Unmarshal would.
func decodeSnapshot(raw []byte, sn *snapshot) error {
	var s scanner
	s.reset(raw)
	var fast snapshot
	if s.snapshotInto(&fast, false) && s.atEnd() {
		*sn = fast
		return nil
	}
	return json.Unmarshal(raw, sn)
}

// Writers. Each appends exactly the bytes json.Marshal gives, or reports
// false when a string needs escaping (never for validated names), and the
// caller uses json.Marshal.

// plain reports whether encoding/json writes s as it is between quotes:
// printable ASCII but for " and \, and < > & (which it escapes for HTML).
func plain(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			return false
		}
	}
	return true
}

func appendStrs(b []byte, col []string) ([]byte, bool) {
	if col == nil {
		return append(b, "null"...), true
	}
	b = append(b, '[')
	for i, s := range col {
		if !plain(s) {
			return b, false
		}
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, '"')
		b = append(b, s...)
		b = append(b, '"')
	}
	return append(b, ']'), true
}

func appendUints(b []byte, col []uint64) []byte {
	if col == nil {
		return append(b, "null"...)
	}
	b = append(b, '[')
	for i, v := range col {
		if i > 0 {
			b = append(b, ',')
		}
		b = strconv.AppendUint(b, v, 10)
	}
	return append(b, ']')
}

func appendBools(b []byte, col []bool) []byte {
	if col == nil {
		return append(b, "null"...)
	}
	b = append(b, '[')
	for i, v := range col {
		if i > 0 {
			b = append(b, ',')
		}
		b = strconv.AppendBool(b, v)
	}
	return append(b, ']')
}

// appendParticipantChunk appends json.Marshal(pc).
func appendParticipantChunk(b []byte, pc *participantChunk) ([]byte, bool) {
	ok := true
	field := func(name string, col []string) {
		if ok {
			b = append(b, name...)
			b, ok = appendStrs(b, col)
		}
	}
	field(`{"id":`, pc.ID)
	field(`,"owner":`, pc.Owner)
	field(`,"account":`, pc.Account)
	field(`,"category":`, pc.Category)
	if !ok {
		return b, false
	}
	b = appendBools(append(b, `,"active":`...), pc.Active)
	if len(pc.Split) > 0 {
		sp, err := json.Marshal(pc.Split)
		if err != nil {
			return b, false
		}
		b = append(append(b, `,"split":`...), sp...)
	}
	return append(b, '}'), true
}

// appendReportChunk appends json.Marshal(rc): keys in order, as
// encoding/json sorts them.
func appendReportChunk(b []byte, rc reportChunk) ([]byte, bool) {
	if rc == nil {
		return append(b, "null"...), true
	}
	keys := make([]string, 0, len(rc))
	for k := range rc {
		if !plain(k) {
			return b, false
		}
		keys = append(keys, k)
	}
	slices.Sort(keys)
	b = append(b, '{')
	for i, k := range keys {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, '"')
		b = append(b, k...)
		b = append(b, `":`...)
		b = appendUints(b, rc[k])
	}
	return append(b, '}'), true
}

// appendSnapshot appends json.Marshal(sn).
func appendSnapshot(b []byte, sn *snapshot) ([]byte, bool) {
	b = append(b, `{"category":`...)
	b, ok := appendStrs(b, sn.Category)
	if !ok {
		return b, false
	}
	b = appendBools(append(b, `,"active":`...), sn.Active)
	b = append(b, `,"history":{`...)
	h := &sn.History
	sep := ""
	if len(h.Streak) > 0 {
		b = appendUints(append(b, `"streak":`...), h.Streak)
		sep = ","
	}
	if len(h.Smoothed) > 0 {
		b = append(b, sep...)
		b = appendUints(append(b, `"smoothed":`...), h.Smoothed)
		sep = ","
	}
	if len(h.Past) > 0 {
		b = append(b, sep...)
		b = append(b, `"past":[`...)
		for k, col := range h.Past {
			if k > 0 {
				b = append(b, ',')
			}
			b = appendUints(b, col)
		}
		b = append(b, ']')
	}
	return append(b, "}}"...), true
}

// The state writes of chunks: the writers' bytes when they can, else
// encoding/json's (the same bytes, slower). buf is scratch the caller
// reuses between writes; the value written is an exact-size copy.

func writeParticipantChunk(key string, pc *participantChunk, buf *[]byte) engine.StateWrite {
	b, ok := appendParticipantChunk((*buf)[:0], pc)
	*buf = b
	if !ok {
		return engine.WriteJSON(key, pc)
	}
	return engine.StateWrite{Key: key, Value: bytes.Clone(b)}
}

func writeReportChunk(key string, rc reportChunk, buf *[]byte) engine.StateWrite {
	b, ok := appendReportChunk((*buf)[:0], rc)
	*buf = b
	if !ok {
		return engine.WriteJSON(key, rc)
	}
	return engine.StateWrite{Key: key, Value: bytes.Clone(b)}
}

func writeSnapshot(key string, sn *snapshot, buf *[]byte) engine.StateWrite {
	b, ok := appendSnapshot((*buf)[:0], sn)
	*buf = b
	if !ok {
		return engine.WriteJSON(key, sn)
	}
	return engine.StateWrite{Key: key, Value: bytes.Clone(b)}
}
