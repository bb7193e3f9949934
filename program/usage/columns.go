package usage

import (
	"encoding/json"
	"errors"
	"strconv"
	"unicode/utf8"

	"github.com/tributary-ledger/tributary/split"
)

// State chunks are JSON, so that they read well in a SQL shell, but a
// close of a million participants decodes millions of values, and
// encoding/json's reflection costs seconds there. These column types keep
// the JSON as it is and decode it by hand: names (validated, so they never
// need escaping) as substrings of one string per column, counts and flags
// without reflection. Anything off the fast path — escapes, odd spacing,
// malformed input — goes to encoding/json, which decides.

// names is a column of strings.
type names []string

// counts is a column of counts.
type counts []uint64

// flags is a column of booleans.
type flags []bool

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

// elements calls each for every element of a JSON array in b, with the
// element's bounds. It returns false when b is not a plain array of plain
// elements (then the caller falls back to encoding/json).
func elements(b []byte, each func(start, end int) bool) bool {
	i, n := 0, len(b)
	skip := func() {
		for i < n && isSpace(b[i]) {
			i++
		}
	}
	skip()
	if i == n || b[i] != '[' {
		return false
	}
	i++
	skip()
	if i < n && b[i] == ']' {
		i++
		skip()
		return i == n
	}
	for {
		start := i
		if i < n && b[i] == '"' {
			i++
			for i < n && b[i] != '"' {
				if b[i] == '\\' || b[i] < 0x20 {
					return false
				}
				i++
			}
			if i == n {
				return false
			}
			i++
		} else {
			for i < n && b[i] != ',' && b[i] != ']' && !isSpace(b[i]) {
				i++
			}
		}
		if !each(start, i) {
			return false
		}
		skip()
		if i == n {
			return false
		}
		if b[i] == ']' {
			i++
			skip()
			return i == n
		}
		if b[i] != ',' {
			return false
		}
		i++
		skip()
	}
}

// UnmarshalJSON decodes a column of names.
func (c *names) UnmarshalJSON(b []byte) error {
	s := string(b) // one allocation; the names are substrings of it
	out := make([]string, 0, 64)
	ok := elements(b, func(start, end int) bool {
		if end-start < 2 || b[start] != '"' || !utf8.ValidString(s[start+1:end-1]) {
			return false
		}
		out = append(out, s[start+1:end-1])
		return true
	})
	if !ok {
		return json.Unmarshal(b, (*[]string)(c))
	}
	*c = out
	return nil
}

// UnmarshalJSON decodes a column of counts.
func (c *counts) UnmarshalJSON(b []byte) error {
	out := make([]uint64, 0, ChunkSize)
	ok := elements(b, func(start, end int) bool {
		e := b[start:end]
		if len(e) == 0 || len(e) > 19 || (len(e) > 1 && e[0] == '0') {
			return false
		}
		var v uint64
		for _, d := range e {
			if d < '0' || d > '9' {
				return false
			}
			v = v*10 + uint64(d-'0')
		}
		out = append(out, v)
		return true
	})
	if !ok {
		return json.Unmarshal(b, (*[]uint64)(c))
	}
	*c = out
	return nil
}

// UnmarshalJSON decodes a column of booleans.
func (c *flags) UnmarshalJSON(b []byte) error {
	out := make([]bool, 0, ChunkSize)
	ok := elements(b, func(start, end int) bool {
		switch string(b[start:end]) {
		case "true":
			out = append(out, true)
		case "false":
			out = append(out, false)
		default:
			return false
		}
		return true
	})
	if !ok {
		return json.Unmarshal(b, (*[]bool)(c))
	}
	*c = out
	return nil
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

func (pc *participantChunk) participants(first uint64) ([]Participant, error) {
	n := len(pc.ID)
	if len(pc.Owner) != n || len(pc.Account) != n || len(pc.Category) != n || len(pc.Active) != n {
		return nil, errChunk
	}
	ps := make([]Participant, n)
	for i := range ps {
		ps[i] = Participant{ID: pc.ID[i], Owner: pc.Owner[i], Account: pc.Account[i], Category: pc.Category[i], Active: pc.Active[i], Slot: first + uint64(i)}
	}
	for k, sp := range pc.Split {
		i, err := strconv.Atoi(k)
		if err != nil || i < 0 || i >= n {
			return nil, errChunk
		}
		ps[i].Split = sp
	}
	return ps, nil
}

func chunkOf(ps []Participant) participantChunk {
	n := len(ps)
	pc := participantChunk{ID: make(names, n), Owner: make(names, n), Account: make(names, n), Category: make(names, n), Active: make(flags, n)}
	for i, p := range ps {
		pc.ID[i], pc.Owner[i], pc.Account[i], pc.Category[i], pc.Active[i] = p.ID, p.Owner, p.Account, p.Category, p.Active
		if len(p.Split) > 0 {
			if pc.Split == nil {
				pc.Split = map[string][]split.Share{}
			}
			pc.Split[itoa(i)] = p.Split
		}
	}
	return pc
}

func itoa(i int) string { return strconv.Itoa(i) }

var errChunk = errors.New("usage: participant chunk columns disagree")
