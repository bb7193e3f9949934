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

// ProgramOp returns an operation of program that does what (a name such
// as "asset"). Its request digest is built from explicit fields: fields
// adds them, after the program, what and the digest's version. A field
// added to a program's state types therefore never changes what a retry
// means; only a change here does, and the golden digests the programs'
// tests pin catch it.
//
// legacy, when not nil, is the input the programs hashed as JSON before
// digests had explicit fields (Op.Legacy): requests first sent to such a
// build still replay after the upgrade.
func ProgramOp(program, key, what string, at time.Time, fields func(*ledger.Hasher), legacy any, run func(View) (Change, error)) Op {
	var h ledger.Hasher
	h.String(program + "/" + what + "/v2")
	fields(&h)
	op := Op{Key: key, Hash: h.Sum(), Time: at, Program: program, Run: run}
	if legacy != nil {
		op.Legacy = func() ledger.Hash { return LegacyHash(program, what, legacy) }
	}
	return op
}

// LegacyHash is the digest programs gave their requests before it was
// built from explicit fields: the JSON of their input.
func LegacyHash(program, what string, input any) ledger.Hash {
	raw, err := json.Marshal(input)
	if err != nil {
		panic(fmt.Sprintf("engine: encoding %s input: %v", what, err)) // inputs are plain data
	}
	var h ledger.Hasher
	h.String(program + "/v1").String(what).String(string(raw))
	return h.Sum()
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
