package engine

import (
	"encoding/json"
	"fmt"

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
