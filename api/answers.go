package api

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/tributary-ledger/tributary/engine"
	"github.com/tributary-ledger/tributary/ledger"
)

// Recorded answers.
//
// A replay answers what the first request answered, byte for byte. A
// route that answers with the entry, or only with what its request set,
// keeps that promise by construction: the entry is stored under the key and
// the request is the same. A route whose answer reads program state does
// not: an asset with its split, royalty and the default royalty, a track
// with the collections it is in, a participant, the usage versions. Read
// after the commit, such an answer shows the state as it is when the
// replay comes — after any later write — and even the first answer may show
// a concurrent write it did not make.
//
// Such a route records its answer instead (applyAnswered). Its operation is
// wrapped so that, in the operation's own transaction and right after the
// program's rule has run, the answer is read through a view of the state as
// the change leaves it, and its JSON is written with the change, as program
// state under answerKey(key). The first request answers those bytes and a
// replay reads them back: the answer is the change's own, it commits or
// vanishes with it, and nothing that happens later can alter it.
//
// The other way out, answering only with what the request set (as the
// fee-share update does), was not taken for these routes: it would turn
// their documented answers (an asset with its effective royalty, a revoked
// license with its terms, a participant with its slot) into partial echoes
// that a client would have to complete with a read that can race, and
// some of what they answer is not in the request at all. Recording costs
// one state row per configuration write and one read per replay; no route
// that moves money (entries, payments, sales, license payments, purchases)
// records anything.

// answerPrefix starts the state keys of recorded answers. They live in the
// namespace of the operation's program, because the engine files every
// state write of an operation there; no program uses the prefix, and a
// change that writes under it is refused as a bug (answered) rather than
// let the two overwrite each other.
const answerPrefix = "answer/"

// answerKey is where the answer to the write under an idempotency key is
// recorded. A key names one entry only, so the record is written once and
// never changes.
func answerKey(key string) string { return answerPrefix + key }

// answerFunc reads a route's answer through a view of the program's state.
type answerFunc func(engine.View) (any, error)

// answered returns op with its answer recorded: after op's rule, answer
// reads the state as the change leaves it, and its JSON is added to the
// change under answerKey. *made holds the JSON of the last run, which is
// the committed one when op commits (a retried transaction runs op again;
// nothing runs it after the commit).
func answered(op engine.Op, answer answerFunc, made *[]byte) engine.Op {
	rule, key, program := op.Run, op.Key, op.Program
	op.Run = func(v engine.View) (engine.Change, error) {
		ch, err := rule(v)
		if err != nil {
			return ch, err
		}
		after := changedView{View: v, writes: make(map[string][]byte, len(ch.State))}
		for _, w := range ch.State {
			if strings.HasPrefix(w.Key, answerPrefix) {
				return engine.Change{}, fmt.Errorf("program %s writes state %q, under the prefix of recorded answers", program, w.Key)
			}
			after.writes[w.Key] = w.Value
		}
		body, err := answer(after)
		if err != nil {
			return engine.Change{}, err
		}
		raw, err := json.Marshal(body)
		if err != nil {
			return engine.Change{}, fmt.Errorf("encoding the answer to %s: %w", key, err)
		}
		*made = raw
		// Clipped, so that the program's own slice is never written past
		// its length.
		ch.State = append(slices.Clip(ch.State), engine.StateWrite{Key: answerKey(key), Value: raw})
		return ch, nil
	}
	return op
}

// changedView is a view with a change's state writes laid over it: the
// program's state as it stands once the change commits. Keys the change
// does not write are read (and locked) through the transaction's view.
type changedView struct {
	engine.View
	writes map[string][]byte // a nil value is a deletion
}

func (v changedView) State(key string) ([]byte, bool, error) {
	if val, ok := v.writes[key]; ok {
		return val, val != nil, nil
	}
	return v.View.State(key)
}

// applyAnswered applies op as apply does, with its answer recorded
// (answered), and answers status with the recorded bytes: those made in
// this request's transaction, or on a replay those stored with the first.
// respond, when not nil, makes the body from the recorded bytes and the
// entry, for an answer that also names what only the commit knows (the
// entry's sequence number); it must be a function of those alone.
func (s *Server) applyAnswered(w http.ResponseWriter, r *http.Request, op engine.Op, status int, answer answerFunc, respond func(recorded []byte, e ledger.Entry) (any, error)) error {
	var made []byte
	res, err := s.applyOp(w, r, answered(op, answer, &made))
	if err != nil {
		return err
	}
	raw := made
	if res.Replayed {
		// The first request's answer, not made: a run that lost a race
		// to a concurrent request with the same key made one that never
		// committed.
		if raw, err = s.recordedAnswer(r, op, answer); err != nil {
			return err
		}
	}
	if raw == nil {
		return fmt.Errorf("write %s committed without an answer", op.Key)
	}
	if respond == nil {
		writeRaw(w, status, raw)
		return nil
	}
	body, err := respond(raw, res.Entry)
	if err != nil {
		return err
	}
	writeJSON(w, status, body)
	return nil
}

// recordedAnswer reads the answer recorded with the write under op's key.
// A write committed before answers were recorded has none; its replay
// answers with the state as it is now, as every replay did then, since
// what the first request answered is known nowhere.
func (s *Server) recordedAnswer(r *http.Request, op engine.Op, answer answerFunc) ([]byte, error) {
	raw, ok, err := s.cfg.Store.State(r.Context(), op.Program, answerKey(op.Key))
	if err != nil || ok {
		return raw, err
	}
	body, err := answer(s.view(r, op.Program))
	if err != nil {
		return nil, err
	}
	return json.Marshal(body)
}

// writeRaw answers JSON encoded already, as writeJSON writes a value
// (json.Encoder ends it with a newline), so that a recorded answer reads
// exactly as the same value written by writeJSON.
func writeRaw(w http.ResponseWriter, status int, raw []byte) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(raw)
	_, _ = w.Write([]byte{'\n'})
}
