package wire

import (
	"bytes"
	"encoding/json"
	"strconv"
	"time"
	"unicode/utf8"
)

// The JSON of entries, read and written without reflection.
//
// On a single payment, encoding/json cost more CPU than the rest of the
// handler: reflection over the request's postings on the way in and over
// the entry on the way out, and the same again in the Go client. The paths
// here handle only JSON whose meaning is plain, and give way to
// encoding/json for anything else, so that every result and every error is
// still encoding/json's own:
//
//   - reading, objects whose keys are the exact field names, each at most
//     once; strings without escapes, control characters or invalid UTF-8;
//     whole numbers without sign, fraction or exponent; no null;
//   - writing, strings that encoding/json copies as they are (no quote,
//     backslash, control character, <, >, &, U+2028, U+2029 or invalid
//     UTF-8), and times it can write.
//
// Tests hold both paths to encoding/json on arbitrary input.

// jsonReader reads the plain subset of JSON described above. Every method
// reports false where the input leaves that subset (or is not JSON), and
// the caller then gives way to encoding/json.
type jsonReader struct {
	b []byte
	i int
}

func (r *jsonReader) space() {
	for r.i < len(r.b) {
		switch r.b[r.i] {
		case ' ', '\t', '\n', '\r':
			r.i++
		default:
			return
		}
	}
}

// next consumes c, after whitespace, if c comes next.
func (r *jsonReader) next(c byte) bool {
	r.space()
	if r.i < len(r.b) && r.b[r.i] == c {
		r.i++
		return true
	}
	return false
}

// end reports whether only whitespace is left.
func (r *jsonReader) end() bool {
	r.space()
	return r.i == len(r.b)
}

// raw reads a plain string and returns its bytes, quotes included.
func (r *jsonReader) raw() ([]byte, bool) {
	r.space()
	if r.i >= len(r.b) || r.b[r.i] != '"' {
		return nil, false
	}
	ascii := true
	for j := r.i + 1; j < len(r.b); j++ {
		switch c := r.b[j]; {
		case c == '"':
			s := r.b[r.i : j+1]
			if !ascii && !utf8.Valid(s) {
				return nil, false
			}
			r.i = j + 1
			return s, true
		case c == '\\' || c < 0x20:
			return nil, false
		case c >= utf8.RuneSelf:
			ascii = false
		}
	}
	return nil, false
}

// key reads an object key and the colon after it.
func (r *jsonReader) key() ([]byte, bool) {
	s, ok := r.raw()
	if !ok || !r.next(':') {
		return nil, false
	}
	return s[1 : len(s)-1], true
}

func (r *jsonReader) str(dst *string) bool { return r.strLike(dst, "") }

// strLike reads a string, sharing like when it is the same: postings of one
// payment repeat their payer and currency, which then cost one string each.
func (r *jsonReader) strLike(dst *string, like string) bool {
	s, ok := r.raw()
	if ok {
		if v := s[1 : len(s)-1]; string(v) == like {
			*dst = like
		} else {
			*dst = string(v)
		}
	}
	return ok
}

// uint reads a whole number of at most 19 digits, which always fits.
func (r *jsonReader) uint(dst *uint64) bool {
	r.space()
	start := r.i
	var n uint64
	for r.i < len(r.b) && '0' <= r.b[r.i] && r.b[r.i] <= '9' {
		n = n*10 + uint64(r.b[r.i]-'0')
		r.i++
	}
	digits := r.i - start
	if digits == 0 || digits > 19 || digits > 1 && r.b[start] == '0' {
		return false
	}
	if r.i < len(r.b) {
		switch r.b[r.i] {
		case '.', 'e', 'E':
			return false
		}
	}
	*dst = n
	return true
}

// object reads an object, handing each key to member, which reads the
// value (and refuses a key it has seen already: encoding/json lets the last
// one win, which is not plain).
func (r *jsonReader) object(member func(key []byte) bool) bool {
	if !r.next('{') {
		return false
	}
	if r.next('}') {
		return true
	}
	for {
		k, ok := r.key()
		if !ok || !member(k) {
			return false
		}
		if !r.next(',') {
			return r.next('}')
		}
	}
}

// array reads an array, calling elem for each element.
func (r *jsonReader) array(elem func() bool) bool {
	if !r.next('[') {
		return false
	}
	if r.next(']') {
		return true
	}
	for {
		if !elem() {
			return false
		}
		if !r.next(',') {
			return r.next(']')
		}
	}
}

// once marks bit in seen, reporting false if it was already marked.
func once(seen *uint8, bit uint8) bool {
	if *seen&bit != 0 {
		return false
	}
	*seen |= bit
	return true
}

// posting reads a posting; prev is the one before it, whose strings it
// shares where they are the same.
func (r *jsonReader) posting(p, prev *PostingJSON) bool {
	var seen uint8
	return r.object(func(k []byte) bool {
		switch string(k) { // a conversion to compare does not allocate
		case "from":
			return once(&seen, 1) && r.strLike(&p.From, prev.From)
		case "to":
			return once(&seen, 2) && r.strLike(&p.To, prev.To)
		case "amount":
			return once(&seen, 4) && r.strLike((*string)(&p.Amount), string(prev.Amount))
		case "currency":
			return once(&seen, 8) && r.strLike(&p.Currency, prev.Currency)
		case "path":
			return once(&seen, 16) && r.strLike(&p.Path, prev.Path)
		}
		return false
	})
}

func (r *jsonReader) postings(dst *[]PostingJSON) bool {
	// An empty array is an empty slice, not nil, as encoding/json has it;
	// room for a payment's usual few postings saves growing.
	ps := make([]PostingJSON, 0, 4)
	ok := r.array(func() bool {
		var prev PostingJSON
		if len(ps) > 0 {
			prev = ps[len(ps)-1]
		}
		ps = append(ps, PostingJSON{})
		return r.posting(&ps[len(ps)-1], &prev)
	})
	*dst = ps
	return ok
}

func (r *jsonReader) entryRequest(req *EntryRequest) bool {
	var seen uint8
	return r.object(func(k []byte) bool {
		return string(k) == "postings" && once(&seen, 1) && r.postings(&req.Postings)
	})
}

func (r *jsonReader) batchRequest(req *BatchRequest) bool {
	var seen uint8
	return r.object(func(k []byte) bool {
		if string(k) != "entries" || !once(&seen, 1) {
			return false
		}
		items := []BatchItem{}
		ok := r.array(func() bool {
			items = append(items, BatchItem{})
			it := &items[len(items)-1]
			var seen uint8
			return r.object(func(k []byte) bool {
				switch string(k) { // a conversion to compare does not allocate
				case "key":
					return once(&seen, 1) && r.str(&it.Key)
				case "postings":
					return once(&seen, 2) && r.postings(&it.Postings)
				}
				return false
			})
		})
		req.Entries = items
		return ok
	})
}

func (r *jsonReader) entry(e *EntryJSON) bool {
	var seen uint8
	return r.object(func(k []byte) bool {
		switch string(k) { // a conversion to compare does not allocate
		case "seq":
			return once(&seen, 1) && r.uint(&e.Seq)
		case "key":
			return once(&seen, 2) && r.str(&e.Key)
		case "kind":
			return once(&seen, 4) && r.str(&e.Kind)
		case "program":
			return once(&seen, 8) && r.str(&e.Program)
		case "ref":
			return once(&seen, 16) && r.str(&e.Ref)
		case "time":
			// encoding/json hands a time its literal, quotes and all.
			s, ok := r.raw()
			return once(&seen, 32) && ok && e.Time.UnmarshalJSON(s) == nil
		case "postings":
			return once(&seen, 64) && r.postings(&e.Postings)
		}
		return false
	})
}

// HasFastDecode reports whether v is a request type with a plain path.
func HasFastDecode(v any) bool {
	switch v.(type) {
	case *EntryRequest, *BatchRequest:
		return true
	}
	return false
}

// DecodeFast reads a whole body into v, which is zero, for the request
// types that have a plain path. It reports false, leaving v zero, where
// encoding/json must decide.
func DecodeFast(data []byte, v any) bool {
	r := &jsonReader{b: data}
	switch v := v.(type) {
	case *EntryRequest:
		if r.entryRequest(v) && r.end() {
			return true
		}
		*v = EntryRequest{}
	case *BatchRequest:
		if r.batchRequest(v) && r.end() {
			return true
		}
		*v = BatchRequest{}
	}
	return false
}

// DecodeJSON sets e from the first JSON value in data exactly as
// json.NewDecoder(bytes.NewReader(data)).Decode(e) would: the Go client
// reads every entry it is answered with this way.
func (e *EntryJSON) DecodeJSON(data []byte) error {
	// The plain path starts from nothing; encoding/json merges into what e
	// holds, and decides when e holds something.
	if e.isZero() {
		r := &jsonReader{b: data}
		if r.entry(e) {
			return nil
		}
		*e = EntryJSON{}
	}
	return json.NewDecoder(bytes.NewReader(data)).Decode(e)
}

func (e *EntryJSON) isZero() bool {
	return e.Seq == 0 && e.Key == "" && e.Kind == "" && e.Program == "" && e.Ref == "" && e.Time == (time.Time{}) && e.Postings == nil
}

// jsonWriter appends JSON as encoding/json writes it; ok turns false, for
// good, at the first string or time encoding/json would write differently.
type jsonWriter struct {
	b  []byte
	ok bool
}

// raw appends s as it is: punctuation and field names.
func (w *jsonWriter) raw(s string) { w.b = append(w.b, s...) }

// str appends s quoted, if encoding/json would write it as it is.
func (w *jsonWriter) str(s string) {
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c < 0x20 || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
				w.ok = false
				return
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 || r == '\u2028' || r == '\u2029' {
			w.ok = false
			return
		}
		i += size
	}
	w.b = append(w.b, '"')
	w.b = append(w.b, s...)
	w.b = append(w.b, '"')
}

func (w *jsonWriter) uint(n uint64) { w.b = strconv.AppendUint(w.b, n, 10) }

// time appends t as its MarshalJSON does: AppendText writes what
// MarshalJSON quotes, and refuses the same times.
func (w *jsonWriter) time(t time.Time) {
	w.b = append(w.b, '"')
	var err error
	if w.b, err = t.AppendText(w.b); err != nil {
		w.ok = false
		return
	}
	w.b = append(w.b, '"')
}

func (w *jsonWriter) postings(ps []PostingJSON) {
	if ps == nil {
		w.raw("null")
		return
	}
	w.raw("[")
	for i, p := range ps {
		if i > 0 {
			w.raw(",")
		}
		w.raw(`{"from":`)
		w.str(p.From)
		w.raw(`,"to":`)
		w.str(p.To)
		w.raw(`,"amount":`)
		w.str(string(p.Amount))
		w.raw(`,"currency":`)
		w.str(p.Currency)
		if p.Path != "" {
			w.raw(`,"path":`)
			w.str(p.Path)
		}
		w.raw("}")
	}
	w.raw("]")
}

// entry follows EntryJSON's fields and tags, omitempty included.
func (w *jsonWriter) entry(e *EntryJSON) {
	w.raw(`{"seq":`)
	w.uint(e.Seq)
	w.raw(`,"key":`)
	w.str(e.Key)
	w.raw(`,"kind":`)
	w.str(e.Kind)
	if e.Program != "" {
		w.raw(`,"program":`)
		w.str(e.Program)
	}
	if e.Ref != "" {
		w.raw(`,"ref":`)
		w.str(e.Ref)
	}
	w.raw(`,"time":`)
	w.time(e.Time)
	w.raw(`,"postings":`)
	w.postings(e.Postings)
	w.raw("}")
}

// AppendJSON appends r as json.Marshal encodes it: the Go client sends every
// single entry this way.
func (r EntryRequest) AppendJSON(b []byte) ([]byte, error) {
	w := jsonWriter{b: b, ok: true}
	w.raw(`{"postings":`)
	w.postings(r.Postings)
	w.raw("}")
	if w.ok {
		return w.b, nil
	}
	out, err := json.Marshal(r)
	return append(b, out...), err
}

// EncodeFast appends v as json.Encoder writes it, newline included, for
// the answers that have a plain path, reporting false where encoding/json
// must write it instead.
func EncodeFast(b []byte, v any) ([]byte, bool) {
	e, isEntry := v.(EntryJSON)
	if !isEntry {
		return b, false
	}
	w := jsonWriter{b: b, ok: true}
	w.entry(&e)
	w.raw("\n")
	return w.b, w.ok
}
