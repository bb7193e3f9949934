// Package splitbook keeps the named splits a platform configures and pays
// by them. It is written as engine operations: a split is created or
// replaced, and a payment is allocated, inside the store transaction that
// records it, against the split definitions as they stand in that
// transaction — so a payment and a concurrent change of its split can never
// see half of each other.
//
// Splits are stored as program state: one record per split, plus an index
// of every split's nested splits and number of accounts. The index row is
// read (and so locked) by every change, which serializes split changes and
// lets each one check the whole graph for cycles and depth without loading
// every definition.
package splitbook

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/tributary-ledger/tributary/engine"
	"github.com/tributary-ledger/tributary/errcode"
	"github.com/tributary-ledger/tributary/ledger"
	"github.com/tributary-ledger/tributary/money"
	"github.com/tributary-ledger/tributary/split"
)

// Program is the state namespace of the split book.
const Program = "splits"

// SplitsMax bounds the number of splits in one book.
const SplitsMax = 10000

// Errors.
var (
	ErrExists    = errcode.New(errcode.Conflict, "split_exists", "a split with this ID exists")
	ErrSplitsMax = errcode.New(errcode.Unprocessable, "splits_max", "the split book is full")
)

// Def is a split as clients write it.
type Def struct {
	ID string `json:"id" schema:"SplitId"`
	// `bp`: shares are basis points summing to exactly 10000; `weight`: shares
	// are relative weights.
	Unit      string        `json:"unit" jsonschema:"enum=bp,enum=weight"`
	Receivers []ReceiverDef `json:"receivers" jsonschema:"minItems=1,maxItems=1000"`
}

// ReceiverDef is one receiver: an account or a nested split.
type ReceiverDef struct {
	// An internal account (no leading `@`; not the EVM zero address).
	Account string `json:"account,omitempty" schema:"AccountName"`
	Split   string `json:"split,omitempty" schema:"SplitId"`
	// Basis points (unit `bp`) or a weight (unit `weight`).
	Share uint64 `json:"share" jsonschema:"minimum=1,maximum=18446744073709551615"`
}

// Split converts the definition for the split package.
//
// Errors: split.ErrUnitInvalid.
func (d Def) Split() (split.Split, error) {
	var unit split.Unit
	switch d.Unit {
	case "bp":
		unit = split.BasisPoints
	case "weight":
		unit = split.Weights
	default:
		return split.Split{}, errcode.Errorf(split.ErrUnitInvalid, "split %q has unit %q; want \"bp\" (basis points summing to 10000) or \"weight\"", d.ID, d.Unit)
	}
	s := split.Split{ID: d.ID, Unit: unit, Receivers: make([]split.Receiver, len(d.Receivers))}
	for i, r := range d.Receivers {
		s.Receivers[i] = split.Receiver{Account: r.Account, Split: r.Split, Share: r.Share}
	}
	return s, nil
}

// Hash is the canonical digest of a definition, for idempotency.
func (d Def) Hash(action string) ledger.Hash {
	var h ledger.Hasher
	h.String("splitbook/" + action + "/v1").String(d.ID).String(d.Unit).Uint(uint64(len(d.Receivers)))
	for _, r := range d.Receivers {
		h.String(r.Account).String(r.Split).Uint(r.Share)
	}
	return h.Sum()
}

// node is a split's place in the index.
type node struct {
	Children []string `json:"children,omitempty"`
	Accounts int      `json:"accounts"`
}

func defKey(id string) string { return "def/" + id }

const indexKey = "index"

func readIndex(v engine.View) (map[string]node, error) {
	raw, ok, err := v.State(indexKey)
	if err != nil || !ok {
		return map[string]node{}, err
	}
	idx := map[string]node{}
	if err := json.Unmarshal(raw, &idx); err != nil {
		return nil, fmt.Errorf("split index is corrupt: %w", err)
	}
	return idx, nil
}

// ReadDef returns a stored definition.
func ReadDef(v engine.View, id string) (Def, bool, error) {
	raw, ok, err := v.State(defKey(id))
	if err != nil || !ok {
		return Def{}, false, err
	}
	var d Def
	if err := json.Unmarshal(raw, &d); err != nil {
		return Def{}, false, fmt.Errorf("split %s is corrupt: %w", id, err)
	}
	return d, true, nil
}

// Put returns the operation that creates (replace false) or replaces
// (replace true) a split. The new definition is checked on its own, and the
// whole graph of splits with it for cycles and depth.
//
// Refusals: ErrExists (create), ledger.ErrNotFound (replace), ErrSplitsMax,
// and the split package's validation errors.
func Put(key string, at time.Time, d Def, replace bool, lim split.Limits) engine.Op {
	action := "create"
	if replace {
		action = "replace"
	}
	return engine.Op{Key: key, Hash: d.Hash(action), Time: at, Program: Program, Run: func(v engine.View) (engine.Change, error) {
		sp, err := d.Split()
		if err != nil {
			return engine.Change{}, err
		}
		if err := sp.Validate(lim); err != nil {
			return engine.Change{}, err
		}
		idx, err := readIndex(v)
		if err != nil {
			return engine.Change{}, err
		}
		_, exists := idx[d.ID]
		switch {
		case !replace && exists:
			return engine.Change{}, errcode.Errorf(ErrExists, "split %q exists; replace it with PUT /v1/splits/%s", d.ID, d.ID)
		case replace && !exists:
			return engine.Change{}, errcode.Errorf(ledger.ErrNotFound, "split %q does not exist; create it with POST /v1/splits", d.ID)
		case !exists && len(idx) >= SplitsMax:
			return engine.Change{}, errcode.Errorf(ErrSplitsMax, "the book holds %d splits, the most allowed", SplitsMax)
		}
		n := node{}
		for _, r := range d.Receivers {
			if r.Split != "" {
				n.Children = append(n.Children, r.Split)
			} else {
				n.Accounts++
			}
		}
		idx[d.ID] = n
		if err := checkGraph(idx, lim); err != nil {
			return engine.Change{}, err
		}
		rawDef, _ := json.Marshal(d)
		rawIdx, err := marshalIndex(idx)
		if err != nil {
			return engine.Change{}, err
		}
		ev, _ := json.Marshal(map[string]string{"kind": "split", "id": d.ID, "action": action + "d"})
		return engine.Change{
			Kind:   ledger.Config,
			Ref:    "split:" + d.ID,
			State:  []engine.StateWrite{{Key: defKey(d.ID), Value: rawDef}, {Key: indexKey, Value: rawIdx}},
			Events: []engine.Event{{Type: engine.EventConfigChanged, Data: ev}},
		}, nil
	}}
}

// marshalIndex writes the index with sorted keys, so the same book always
// gives the same bytes.
func marshalIndex(idx map[string]node) ([]byte, error) {
	return json.Marshal(idx) // encoding/json sorts map keys
}

// checkGraph checks the whole book for references to missing splits,
// cycles and depth, using stand-ins with the right shape: each split's
// nested splits and its number of accounts.
func checkGraph(idx map[string]node, lim split.Limits) error {
	ids := make([]string, 0, len(idx))
	for id := range idx {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	sets := make([]split.Split, 0, len(idx))
	for _, id := range ids {
		n := idx[id]
		s := split.Split{ID: id, Unit: split.Weights}
		for _, c := range n.Children {
			s.Receivers = append(s.Receivers, split.Receiver{Split: c, Share: 1})
		}
		for i := 0; i < n.Accounts; i++ {
			s.Receivers = append(s.Receivers, split.Receiver{Account: fmt.Sprintf("stand-in:%d", i), Share: 1})
		}
		sets = append(sets, s)
	}
	_, err := split.NewSet(sets, lim)
	return err
}

// Pay returns the operation that pays amount of currency from the account
// from (usually external: "@buyer:42") by the split id, as it stands when
// the payment commits. Every posting's path starts with the payment's key
// and the split, then the allocation path.
//
// Refusals: ledger.ErrNotFound (no such split), the ledger's posting
// errors, and ledger.ErrOverdraft when from is internal and short.
func Pay(key string, at time.Time, from, id string, amount money.Amount, currency, memo string, lim split.Limits) engine.Op {
	var h ledger.Hasher
	h.String("splitbook/pay/v1").String(from).String(id).Amount(amount).String(currency).String(memo)
	return engine.Op{Key: key, Hash: h.Sum(), Time: at, Program: Program, Run: func(v engine.View) (engine.Change, error) {
		if amount.IsZero() {
			return engine.Change{}, errcode.Errorf(ledger.ErrPosting, "payment amount is zero; want at least one base unit")
		}
		// Load the split and everything it nests.
		var defs []split.Split
		seen := map[string]bool{}
		queue := []string{id}
		for len(queue) > 0 {
			cur := queue[0]
			queue = queue[1:]
			if seen[cur] {
				continue
			}
			seen[cur] = true
			if len(seen) > SplitsMax {
				return engine.Change{}, errcode.Errorf(ErrSplitsMax, "split %q nests more than %d splits", id, SplitsMax)
			}
			d, ok, err := ReadDef(v, cur)
			if err != nil {
				return engine.Change{}, err
			}
			if !ok {
				return engine.Change{}, errcode.Errorf(ledger.ErrNotFound, "split %q does not exist", cur)
			}
			sp, err := d.Split()
			if err != nil {
				return engine.Change{}, err
			}
			defs = append(defs, sp)
			for _, r := range d.Receivers {
				if r.Split != "" {
					queue = append(queue, r.Split)
				}
			}
		}
		set, err := split.NewSet(defs, lim)
		if err != nil {
			return engine.Change{}, err
		}
		parts, err := set.Allocate(id, amount)
		if err != nil {
			return engine.Change{}, err
		}
		prefix := "payment:" + key + " → split:" + id
		if memo != "" {
			prefix = "payment:" + key + " (" + memo + ") → split:" + id
		}
		ps := make([]ledger.Posting, 0, len(parts))
		for _, p := range parts {
			if p.Amount.IsZero() {
				continue
			}
			ps = append(ps, ledger.Posting{From: from, To: p.Account, Currency: currency, Amount: p.Amount, Path: prefix + " → " + strings.Join(p.Path, " → ")})
		}
		return engine.Change{Kind: ledger.Transfer, Ref: "split:" + id, Postings: ps}, nil
	}}
}
