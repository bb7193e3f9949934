package engine

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/tributary-ledger/tributary/errcode"
	"github.com/tributary-ledger/tributary/ledger"
)

// ReadJSON reads the program state value at key into dst. A missing value
// is ledger.ErrNotFound, naming what and id ("asset", "asset-7").
func ReadJSON(v View, key, what, id string, dst any) error {
	raw, ok, err := v.State(key)
	if err != nil {
		return err
	}
	if !ok {
		return errcode.Errorf(ledger.ErrNotFound, "%s %q does not exist", what, id)
	}
	if err := json.Unmarshal(raw, dst); err != nil {
		return fmt.Errorf("%s %s is corrupt: %w", what, id, err)
	}
	return nil
}

// WriteJSON returns the state write storing v as JSON at key. Programs keep
// their state as JSON so that it reads well in a SQL shell and survives
// added fields.
func WriteJSON(key string, v any) StateWrite {
	raw, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("engine: encoding state %s: %v", key, err)) // state types always encode
	}
	return StateWrite{Key: key, Value: raw}
}

// ReadJSONOr reads the state value at key into dst when there is one and
// leaves dst as it is (a default) when there is none.
func ReadJSONOr(v View, key string, dst any) error {
	raw, ok, err := v.State(key)
	if err != nil || !ok {
		return err
	}
	if err := json.Unmarshal(raw, dst); err != nil {
		return fmt.Errorf("state %s is corrupt: %w", key, err)
	}
	return nil
}

// JSONOp returns an operation of program whose request body, for
// idempotency, is what it does and the JSON of its input.
func JSONOp(program, key, what string, at time.Time, input any, run func(View) (Change, error)) Op {
	raw, err := json.Marshal(input)
	if err != nil {
		panic(fmt.Sprintf("engine: encoding %s input: %v", what, err)) // inputs are plain data
	}
	var h ledger.Hasher
	h.String(program + "/v1").String(what).String(string(raw))
	return Op{Key: key, Hash: h.Sum(), Time: at, Program: program, Run: run}
}

// ConfigChange returns a configuration entry (no postings) that writes
// state, announced by a config.changed event saying which kind of thing
// changed, which one, and how.
func ConfigChange(ref, kind, id, action string, writes ...StateWrite) Change {
	ev := mustJSON(map[string]string{"kind": kind, "id": id, "action": action})
	return Change{Kind: ledger.Config, Ref: ref, State: writes, Events: []Event{{Type: EventConfigChanged, Data: ev}}}
}

// StateValue is one program state record.
type StateValue struct {
	Key   string
	Value []byte
}
