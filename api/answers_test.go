package api

import (
	"errors"
	"strings"
	"testing"

	"github.com/tributary-ledger/tributary/engine"
	"github.com/tributary-ledger/tributary/errcode"
	"github.com/tributary-ledger/tributary/ledger"
)

// mapView is a view of a map of state values, for running an operation's
// rule without a store.
type mapView map[string]string

func (m mapView) State(key string) ([]byte, bool, error) {
	v, ok := m[key]
	return []byte(v), ok, nil
}
func (mapView) Withdrawal(string) (ledger.Withdrawal, bool, error) {
	return ledger.Withdrawal{}, false, nil
}
func (mapView) Balance(string, string) (ledger.Balance, error) { return ledger.Balance{}, nil }

// TestAnsweredRecordsWhatTheChangeLeaves checks the wrapper alone: the
// answer reads the change's writes over the state it replaces (a write
// wins, a deletion hides, the rest reads through), it is added to the
// change under the key's answer record, and a refusal records nothing.
func TestAnsweredRecordsWhatTheChangeLeaves(t *testing.T) {
	before := mapView{"a": "old", "gone": "x", "kept": "k"}
	rule := func(engine.View) (engine.Change, error) {
		return engine.Change{State: []engine.StateWrite{{Key: "a", Value: []byte("new")}, {Key: "gone"}}}, nil
	}
	read := func(v engine.View) (any, error) {
		out := map[string]any{}
		for _, k := range []string{"a", "gone", "kept"} {
			val, ok, err := v.State(k)
			if err != nil {
				return nil, err
			}
			out[k] = map[string]any{"value": string(val), "ok": ok}
		}
		return out, nil
	}
	var made []byte
	ch, err := answered(engine.Op{Key: "k1", Program: "p", Run: rule}, read, &made).Run(before)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"a":{"ok":true,"value":"new"},"gone":{"ok":false,"value":""},"kept":{"ok":true,"value":"k"}}`
	if string(made) != want {
		t.Errorf("answer = %s; want %s", made, want)
	}
	if n := len(ch.State); n != 3 || ch.State[2].Key != "answer/k1" || string(ch.State[2].Value) != want {
		t.Errorf("change writes %+v; want the rule's two writes and the answer under answer/k1", ch.State)
	}

	refused := errcode.Remote(errcode.Unprocessable, "refused", "refused")
	made = nil
	_, err = answered(engine.Op{Key: "k2", Run: func(engine.View) (engine.Change, error) { return engine.Change{}, refused }}, read, &made).Run(before)
	if !errors.Is(err, refused) || made != nil {
		t.Errorf("a refused rule: err %v, answer %s; want the refusal and no answer", err, made)
	}
}

// TestAnsweredRefusesAProgramWritingAnswers: a program that wrote under
// the answers' prefix would overwrite recorded answers or have its state
// overwritten by them; the wrapper fails the operation instead.
func TestAnsweredRefusesAProgramWritingAnswers(t *testing.T) {
	rule := func(engine.View) (engine.Change, error) {
		return engine.Change{State: []engine.StateWrite{{Key: answerKey("other"), Value: []byte("{}")}}}, nil
	}
	var made []byte
	_, err := answered(engine.Op{Key: "k1", Program: "p", Run: rule}, func(engine.View) (any, error) { return 1, nil }, &made).Run(mapView{})
	if err == nil || !strings.Contains(err.Error(), "prefix of recorded answers") || errcode.Code(err) != errcode.InternalCode {
		t.Errorf("err = %v; want an internal error about the prefix", err)
	}
}
