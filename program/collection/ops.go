package collection

import (
	"slices"
	"strings"
	"time"

	"github.com/tributary-ledger/tributary/engine"
	"github.com/tributary-ledger/tributary/errcode"
	"github.com/tributary-ledger/tributary/ledger"
	"github.com/tributary-ledger/tributary/money"
	"github.com/tributary-ledger/tributary/program"
)

// State keys. Every operation reads what it needs through the engine's
// View, which locks it until the transaction ends: a purchase reads and
// advances the rotation in the transaction that pays the track, so
// concurrent purchases pay consecutive tracks, never the same one twice.
const configKey = "config"

func trackKey(id string) string      { return "track/" + id }
func collectionKey(id string) string { return "collection/" + id }

// ReadConfig returns the configuration, the default until set.
func ReadConfig(v engine.View) (Config, error) {
	c := DefaultConfig()
	return c, engine.ReadJSONOr(v, configKey, &c)
}

// ReadTrack returns a track. Errors: ledger.ErrNotFound.
func ReadTrack(v engine.View, id string) (Track, error) {
	var t Track
	return t, engine.ReadJSON(v, trackKey(id), "track", id, &t)
}

// ReadCollection returns a collection. Errors: ledger.ErrNotFound.
func ReadCollection(v engine.View, id string) (Collection, error) {
	var c Collection
	return c, engine.ReadJSON(v, collectionKey(id), "collection", id, &c)
}

func configure(kind, id, action string, writes ...engine.StateWrite) engine.Change {
	return engine.ConfigChange(kind+":"+id, "collection_"+kind, id, action, writes...)
}

// op is a collection operation whose request digest has the fields fields
// adds; legacy is what the digest was made of before (engine.ProgramOp).
func op(key, what string, at time.Time, fields func(*ledger.Hasher), legacy any, run func(engine.View) (engine.Change, error)) engine.Op {
	return engine.ProgramOp(Program, key, what, at, fields, legacy, run)
}

// hashCollection adds what a creation or an update of a collection says.
func hashCollection(h *ledger.Hasher, c Collection) {
	h.String(c.ID).String(c.Creator).Amount(c.Price).String(c.Currency).Strings(c.Tracks)
	program.HashShares(h, c.Split)
}

// SetConfig sets fees and accounts.
func SetConfig(key string, at time.Time, c Config, currencies ledger.Currencies) engine.Op {
	return op(key, "config", at, func(h *ledger.Hasher) {
		h.Uint(c.Fees.ProtocolBP).Uint(c.Fees.ProcessorBP).String(c.Fees.ProcessorFix).String(c.Treasury).String(c.Processor)
	}, c, func(engine.View) (engine.Change, error) {
		if err := c.Validate(currencies); err != nil {
			return engine.Change{}, err
		}
		return configure("config", "config", "set", engine.WriteJSON(configKey, c)), nil
	})
}

// CreateTrack registers a track.
//
// Refusals: ErrExists and those of ValidateTrack.
func CreateTrack(key string, at time.Time, t Track, currencies ledger.Currencies) engine.Op {
	t.Collections = nil
	return op(key, "track", at, func(h *ledger.Hasher) {
		h.String(t.ID).Amount(t.Price).String(t.Currency)
		program.HashShares(h, t.Split)
	}, t, func(v engine.View) (engine.Change, error) {
		if err := ValidateTrack(t, currencies); err != nil {
			return engine.Change{}, err
		}
		if _, ok, err := v.State(trackKey(t.ID)); err != nil {
			return engine.Change{}, err
		} else if ok {
			return engine.Change{}, errcode.Errorf(ErrExists, "track %q exists", t.ID)
		}
		return configure("track", t.ID, "created", engine.WriteJSON(trackKey(t.ID), t)), nil
	})
}

// SetTrackPrice changes a track's price, refused if any collection that
// contains the track would then cost less than it.
func SetTrackPrice(key string, at time.Time, id string, price money.Amount) engine.Op {
	return op(key, "price", at, func(h *ledger.Hasher) { h.String(id).Amount(price) }, []any{id, price}, func(v engine.View) (engine.Change, error) {
		t, err := ReadTrack(v, id)
		if err != nil {
			return engine.Change{}, err
		}
		var cs []Collection
		for _, cid := range t.Collections {
			c, err := ReadCollection(v, cid)
			if err != nil {
				return engine.Change{}, err
			}
			cs = append(cs, c)
		}
		if err := CheckPriceChange(t, price, cs); err != nil {
			return engine.Change{}, err
		}
		t.Price = price
		return configure("track", id, "repriced", engine.WriteJSON(trackKey(id), t)), nil
	})
}

// CreateCollection registers a collection of existing tracks, with its
// rotation at the first track.
//
// Refusals: ErrExists, those of ValidateCollection, ErrTrackLimits.
func CreateCollection(key string, at time.Time, c Collection, currencies ledger.Currencies) engine.Op {
	c.Next = 0
	return op(key, "collection", at, func(h *ledger.Hasher) { hashCollection(h, c) }, c, func(v engine.View) (engine.Change, error) {
		if err := ValidateID(c.ID); err != nil {
			return engine.Change{}, err
		}
		if len(c.Tracks) > TracksMax {
			return engine.Change{}, errcode.Errorf(ErrTracksMax, "collection %s has %d tracks; at most %d are allowed", c.ID, len(c.Tracks), TracksMax)
		}
		if _, ok, err := v.State(collectionKey(c.ID)); err != nil {
			return engine.Change{}, err
		} else if ok {
			return engine.Change{}, errcode.Errorf(ErrExists, "collection %q exists", c.ID)
		}
		tracks := map[string]Track{}
		for _, id := range c.Tracks {
			if _, seen := tracks[id]; seen {
				continue // ValidateCollection names the duplicate
			}
			t, err := ReadTrack(v, id)
			if err != nil {
				return engine.Change{}, err
			}
			tracks[id] = t
		}
		if err := ValidateCollection(c, tracks, currencies); err != nil {
			return engine.Change{}, err
		}
		writes := []engine.StateWrite{engine.WriteJSON(collectionKey(c.ID), c)}
		for _, id := range c.Tracks {
			t := tracks[id]
			if len(t.Collections) >= CollectionsPerTrackMax {
				return engine.Change{}, errcode.Errorf(ErrTrackLimits, "track %s is in %d collections, the most allowed", id, CollectionsPerTrackMax)
			}
			t.Collections = append(t.Collections, c.ID)
			writes = append(writes, engine.WriteJSON(trackKey(id), t))
		}
		return configure("collection", c.ID, "created", writes...), nil
	})
}

// Purchase buys a track on its own (Track set) or a collection.
type Purchase struct {
	// The track bought on its own.
	Track string `json:"track,omitempty" schema:"CollectionId"`
	// The collection bought.
	Collection string `json:"collection,omitempty" schema:"CollectionId"`
	// The item's currency.
	Currency string `json:"currency" schema:"Currency"`
	// The paying account, usually external such as `@buyer:42`.
	Buyer string `json:"buyer" schema:"AccountName"`
}

// Buy records a purchase. The buyer pays the grossed-up total; the entry
// shows where every unit of it went.
//
// Refusals: ledger.ErrNotFound, ErrCurrency, money.ErrUnknownCurrency,
// ledger.ErrAccount.
func Buy(key string, at time.Time, p Purchase, currencies ledger.Currencies) engine.Op {
	return op(key, "purchase", at, func(h *ledger.Hasher) { h.String(p.Track).String(p.Collection).String(p.Currency).String(p.Buyer) }, p, func(v engine.View) (engine.Change, error) {
		if err := ledger.ValidateAccount(p.Buyer); err != nil {
			return engine.Change{}, err
		}
		if (p.Track == "") == (p.Collection == "") {
			return engine.Change{}, errcode.Errorf(ErrID, "a purchase names exactly one of track and collection")
		}
		cur, err := currencies.Lookup(p.Currency)
		if err != nil {
			return engine.Change{}, err
		}
		cfg, err := ReadConfig(v)
		if err != nil {
			return engine.Change{}, err
		}
		if p.Track != "" {
			t, err := ReadTrack(v, p.Track)
			if err != nil {
				return engine.Change{}, err
			}
			if t.Currency != p.Currency {
				return engine.Change{}, errcode.Errorf(ErrCurrency, "track %s is sold in %s, not %s", t.ID, t.Currency, p.Currency)
			}
			ps, _, err := BuyTrack(cfg, t, cur, p.Buyer)
			if err != nil {
				return engine.Change{}, err
			}
			return engine.Change{Kind: ledger.Transfer, Ref: "track:" + t.ID, Postings: ps}, nil
		}
		c, err := ReadCollection(v, p.Collection)
		if err != nil {
			return engine.Change{}, err
		}
		if c.Currency != p.Currency {
			return engine.Change{}, errcode.Errorf(ErrCurrency, "collection %s is sold in %s, not %s", c.ID, c.Currency, p.Currency)
		}
		t, err := ReadTrack(v, c.Tracks[c.Next])
		if err != nil {
			return engine.Change{}, err
		}
		ps, after, _, err := BuyCollection(cfg, c, t, cur, p.Buyer)
		if err != nil {
			return engine.Change{}, err
		}
		return engine.Change{Kind: ledger.Transfer, Ref: "collection:" + c.ID, Postings: ps, State: []engine.StateWrite{engine.WriteJSON(collectionKey(c.ID), after)}}, nil
	})
}

// UpdateCollection replaces a collection's price, tracks and split (its
// creator and currency stay), checked against its tracks as on creation.
// The tracks it drops forget it and the tracks it adds remember it. The
// rotation carries on where it was if the tracks are unchanged and restarts
// at the first track otherwise.
//
// Refusals: ledger.ErrNotFound and those of ValidateCollection.
func UpdateCollection(key string, at time.Time, c Collection, currencies ledger.Currencies) engine.Op {
	return op(key, "update", at, func(h *ledger.Hasher) { hashCollection(h, c) }, c, func(v engine.View) (engine.Change, error) {
		old, err := ReadCollection(v, c.ID)
		if err != nil {
			return engine.Change{}, err
		}
		c.Creator, c.Currency = old.Creator, old.Currency
		if len(c.Tracks) > TracksMax {
			return engine.Change{}, errcode.Errorf(ErrTracksMax, "collection %s has %d tracks; at most %d are allowed", c.ID, len(c.Tracks), TracksMax)
		}
		tracks := map[string]Track{}
		for _, id := range append(append([]string(nil), old.Tracks...), c.Tracks...) {
			if _, seen := tracks[id]; seen {
				continue
			}
			t, err := ReadTrack(v, id)
			if err != nil {
				return engine.Change{}, err
			}
			tracks[id] = t
		}
		if err := ValidateCollection(c, tracks, currencies); err != nil {
			return engine.Change{}, err
		}
		c.Next = 0
		if slices.Equal(c.Tracks, old.Tracks) {
			c.Next = old.Next
		}
		writes := []engine.StateWrite{engine.WriteJSON(collectionKey(c.ID), c)}
		for id, t := range tracks {
			in, was := slices.Contains(c.Tracks, id), slices.Contains(old.Tracks, id)
			switch {
			case in && !was:
				if len(t.Collections) >= CollectionsPerTrackMax {
					return engine.Change{}, errcode.Errorf(ErrTrackLimits, "track %s is in %d collections, the most allowed", id, CollectionsPerTrackMax)
				}
				t.Collections = append(t.Collections, c.ID)
			case was && !in:
				t.Collections = slices.DeleteFunc(t.Collections, func(x string) bool { return x == c.ID })
			default:
				continue
			}
			writes = append(writes, engine.WriteJSON(trackKey(id), t))
		}
		// Map order must not decide the batch's write order.
		slices.SortFunc(writes[1:], func(a, b engine.StateWrite) int { return strings.Compare(a.Key, b.Key) })
		return configure("collection", c.ID, "updated", writes...), nil
	})
}
