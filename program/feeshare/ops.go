package feeshare

import (
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/tributary-ledger/tributary/engine"
	"github.com/tributary-ledger/tributary/errcode"
	"github.com/tributary-ledger/tributary/ledger"
)

// The program keeps its state under these keys (all JSON):
//
//	params                      Params
//	revenue/<contract>          Registration (contract as Address.Account)
//	ix/all/n, ix/all/i/<i>, ix/all/p/<contract>
//	                            the index of all registrations: count,
//	                            position → contract, contract → position
//	ix/dep/<deployer>/…         the same per deployer
//	ix/wd/<withdrawer>/…        the same per withdrawer (set ones only)
//	reqnonce/<deployer>/<n>     a signed request nonce, used
//	cursor                      Cursor: the applied blocks within reorg reach
//	head                        the cursor's newest block, read without the rest
//	block/<hash>                an applied block and its fee-bearing txs
//	blocktx/<hash>/<tx>         what one transaction's entry posted
//
// The engine's View reads single keys, so lists are kept as explicit
// indexes. Removal moves the last element into the hole, so every index
// stays dense and every change touches O(1) keys; a page read while
// registrations are cancelled may therefore miss or repeat one.
const (
	paramsKey = "params"
	cursorKey = "cursor"
	headKey   = "head" // the cursor's last block alone: what every tx op reads
	allIndex  = "ix/all/"
)

func revenueKey(c Address) string { return "revenue/" + c.Account() }
func depIndex(a Address) string   { return "ix/dep/" + a.Account() + "/" }
func wdIndex(a Address) string    { return "ix/wd/" + a.Account() + "/" }
func reqNonceKey(d Address, n uint64) string {
	return "reqnonce/" + d.Account() + "/" + strconv.FormatUint(n, 10)
}
func blockKey(h Hash) string { return "block/" + h.Hex() }
func blockTxKey(b, tx Hash) string {
	return "blocktx/" + hex.EncodeToString(b[:]) + "/" + hex.EncodeToString(tx[:])
}

// Limits.
const (
	// CursorMax is how many applied blocks are kept for reorgs.
	CursorMax = 256
	// TxsMax bounds the transactions of one block: its ops are one engine
	// batch (engine.BatchMax), and no EVM block of today comes close.
	TxsMax = 5000
	// PageMax bounds a page of a contract list.
	PageMax = 1000
	// GenesisMax bounds the registrations of one genesis import, which
	// is one operation.
	GenesisMax = 10000
)

// Errors of the operations.
var (
	ErrBlock         = errcode.New(errcode.Unprocessable, "feeshare_block_invalid", "block is invalid")
	ErrBlockParent   = errcode.New(errcode.Unprocessable, "feeshare_block_parent", "block does not follow the applied chain")
	ErrBlockReverted = errcode.New(errcode.Unprocessable, "feeshare_block_reverted", "block was reverted before")
	ErrBlockPartial  = errcode.New(errcode.Unprocessable, "feeshare_block_partial", "some of the block's transactions were refused")
	ErrRevertHead    = errcode.New(errcode.Unprocessable, "feeshare_revert_not_head", "only the newest applied block can be reverted")
	ErrGenesis       = errcode.New(errcode.Invalid, "feeshare_genesis_invalid", "genesis is invalid")
	ErrGenesisState  = errcode.New(errcode.Conflict, "feeshare_genesis_not_empty", "genesis is imported into a program without registrations only")
)

// ReadParams returns the parameters, the defaults until set.
func ReadParams(v engine.View) (Params, error) {
	p := DefaultParams()
	return p, engine.ReadJSONOr(v, paramsKey, &p)
}

// ReadRegistration returns a contract's registration in force.
//
// Errors: ledger.ErrNotFound.
func ReadRegistration(v engine.View, contract Address) (Registration, error) {
	var r record
	if err := engine.ReadJSON(v, revenueKey(contract), "fee-share registration", contract.Hex(), &r); err != nil {
		return Registration{}, err
	}
	if !r.registered() {
		// Only versions kept for blocks still to apply: cancelled.
		return Registration{}, errcode.Errorf(ledger.ErrNotFound, "fee-share registration %q does not exist (it was cancelled)", contract.Hex())
	}
	return r.Registration, nil
}

// Cursor is where fee distribution stands: the applied blocks still within
// reorg reach, oldest first, at most CursorMax.
type Cursor struct {
	Blocks []BlockRef
}

// Head returns the newest applied block.
func (c Cursor) Head() (BlockRef, bool) {
	if len(c.Blocks) == 0 {
		return BlockRef{}, false
	}
	return c.Blocks[len(c.Blocks)-1], true
}

// ReadCursor returns the cursor, empty before the first block.
func ReadCursor(v engine.View) (Cursor, error) {
	var c Cursor
	return c, engine.ReadJSONOr(v, cursorKey, &c)
}

// stateTx reads through the View and remembers its own writes, since an
// operation's View does not see what the same operation writes: a cancel
// that moves one index element and then another must read its own moves.
type stateTx struct {
	v      engine.View
	vals   map[string][]byte // nil value: deleted
	order  []string
	events []engine.Event
}

func newStateTx(v engine.View) *stateTx { return &stateTx{v: v, vals: map[string][]byte{}} }

func (s *stateTx) get(key string, dst any) (bool, error) {
	raw, ok := s.vals[key]
	if !ok {
		var err error
		if raw, ok, err = s.v.State(key); err != nil || !ok {
			return false, err
		}
	} else if raw == nil {
		return false, nil
	}
	if err := json.Unmarshal(raw, dst); err != nil {
		return false, fmt.Errorf("fee-share state %s is corrupt: %w", key, err)
	}
	return true, nil
}

func (s *stateTx) put(key string, v any) {
	w := engine.WriteJSON(key, v)
	s.set(key, w.Value)
}

func (s *stateTx) del(key string) { s.set(key, nil) }

func (s *stateTx) set(key string, raw []byte) {
	if _, ok := s.vals[key]; !ok {
		s.order = append(s.order, key)
	}
	s.vals[key] = raw
}

func (s *stateTx) writes() []engine.StateWrite {
	ws := make([]engine.StateWrite, len(s.order))
	for i, k := range s.order {
		ws[i] = engine.StateWrite{Key: k, Value: s.vals[k]}
	}
	return ws
}

func (s *stateTx) count(prefix string) (uint64, error) {
	var n uint64
	_, err := s.get(prefix+"n", &n)
	return n, err
}

// indexAdd appends contract to the index under prefix.
func (s *stateTx) indexAdd(prefix string, c Address) error {
	n, err := s.count(prefix)
	if err != nil {
		return err
	}
	s.put(prefix+"i/"+strconv.FormatUint(n, 10), c)
	s.put(prefix+"p/"+c.Account(), n)
	s.put(prefix+"n", n+1)
	return nil
}

// indexRemove takes contract out of the index under prefix, moving the
// last element into its place.
func (s *stateTx) indexRemove(prefix string, c Address) error {
	n, err := s.count(prefix)
	if err != nil {
		return err
	}
	var pos uint64
	if ok, err := s.get(prefix+"p/"+c.Account(), &pos); err != nil {
		return err
	} else if !ok || pos >= n {
		return fmt.Errorf("fee-share index %s lost contract %s (count %d, position %d, found %v)", prefix, c.Hex(), n, pos, ok)
	}
	last := n - 1
	if pos != last {
		var moved Address
		if ok, err := s.get(prefix+"i/"+strconv.FormatUint(last, 10), &moved); err != nil {
			return err
		} else if !ok {
			return fmt.Errorf("fee-share index %s has no element %d of %d", prefix, last, n)
		}
		s.put(prefix+"i/"+strconv.FormatUint(pos, 10), moved)
		s.put(prefix+"p/"+moved.Account(), pos)
	}
	s.del(prefix + "i/" + strconv.FormatUint(last, 10))
	s.del(prefix + "p/" + c.Account())
	if last == 0 {
		s.del(prefix + "n")
	} else {
		s.put(prefix+"n", last)
	}
	return nil
}

// addRegistration stores r as the contract's registration in force,
// keeping the versions before it, and indexes it.
func (s *stateTx) addRegistration(r Registration) error {
	rec, err := s.readRecord(r.Contract)
	if err != nil {
		return err
	}
	rec.Registration = r
	s.putRecord(r.Contract, rec)
	if err := s.indexAdd(allIndex, r.Contract); err != nil {
		return err
	}
	if err := s.indexAdd(depIndex(r.Deployer), r.Contract); err != nil {
		return err
	}
	if r.Withdrawer != nil {
		return s.indexAdd(wdIndex(*r.Withdrawer), r.Contract)
	}
	return nil
}

// registration returns the contract's registration in force, or nil.
func (s *stateTx) registration(c Address) (*Registration, error) {
	r, err := s.readRecord(c)
	if err != nil || !r.registered() {
		return nil, err
	}
	return &r.Registration, nil
}

// supersede ends contract c's registration in force before the block a
// change accepted at chain head head applies from, and returns its record
// (without a registration in force) and that block.
//
// Errors: ErrPastMax.
func (s *stateTx) supersede(c Address, head uint64) (record, uint64, error) {
	rec, err := s.readRecord(c)
	if err != nil {
		return record{}, 0, err
	}
	from, err := s.effectiveFrom(head, &rec)
	if err != nil {
		return record{}, 0, err
	}
	kept, err := rec.supersede(from)
	if err != nil {
		return record{}, 0, err
	}
	if kept {
		if err := s.queuePrune(c, from); err != nil {
			return record{}, 0, err
		}
	}
	return rec, from, nil
}

// event adds the seed's event, and config.changed like every program's
// configuration entry, so that watchers of either learn of it.
func (s *stateTx) event(typ string, attrs map[string]string, action string, c Address) {
	s.events = append(s.events,
		engine.Event{Type: engine.EventConfigChanged, Data: mustJSON(map[string]string{"kind": "feeshare_revenue", "id": c.Hex(), "action": action})},
		engine.Event{Type: typ, Data: mustJSON(attrs)})
}

func (s *stateTx) config(ref string) engine.Change {
	return engine.Change{Kind: ledger.Config, Ref: ref, State: s.writes(), Events: s.events}
}

// putCursor writes the cursor and its head.
func (s *stateTx) putCursor(c Cursor) {
	s.put(cursorKey, c)
	if h, ok := c.Head(); ok {
		s.put(headKey, h)
	} else {
		s.del(headKey)
	}
}

// forget deletes what a block beyond reorg reach posted.
func (s *stateTx) forget(h Hash) error {
	var rec blockRecord
	if ok, err := s.get(blockKey(h), &rec); err != nil || !ok {
		return err
	}
	for _, tx := range rec.Txs {
		s.del(blockTxKey(h, tx))
	}
	s.del(blockKey(h))
	return nil
}

func mustJSON(v any) json.RawMessage {
	b, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("feeshare: encoding %T: %v", v, err))
	}
	return b
}

// op is a fee-share operation whose request digest has the fields fields
// adds; legacy is what the digest was made of before (engine.ProgramOp).
func op(key, what string, at time.Time, fields func(*ledger.Hasher), legacy any, run func(engine.View) (engine.Change, error)) engine.Op {
	return engine.ProgramOp(Program, key, what, at, fields, legacy, run)
}

// blockOp is an operation of the chain watcher's. Its identity is input, a
// type kept for that purpose alone (blockInput, txInput: neither state nor
// a request a person sends), whose JSON has been the digest's field since
// the watcher's first entries; changing it would turn a restart's
// re-application of a block into conflicts.
func blockOp(key, what string, at time.Time, input any, run func(engine.View) (engine.Change, error)) engine.Op {
	return engine.Op{Key: key, Hash: engine.LegacyHash(Program, what, input), Time: at, Program: Program, Run: run}
}

// hashRequest adds a signed request and who acts.
func hashRequest(h *ledger.Hasher, req Request, by string) {
	h.String(req.Action).String(req.Contract.Hex()).String(req.Deployer.Hex())
	if req.Withdrawer != nil {
		h.Uint(1).String(req.Withdrawer.Hex())
	} else {
		h.Uint(0)
	}
	h.Uint(uint64(len(req.Nonces)))
	for _, n := range req.Nonces {
		h.Uint(n)
	}
	h.Uint(req.ChainID).Uint(uint64(req.Expiry)).Uint(req.Nonce).String(by)
}

// Event types, the seed's.
const (
	EventRegister = "register_revenue"
	EventUpdate   = "update_revenue"
	EventCancel   = "cancel_revenue"
)

// SetParams sets the parameters (admin only: the caller checks).
//
// Refusals: those of Params.Validate.
func SetParams(key string, at time.Time, p Params) engine.Op {
	return op(key, "params", at, func(h *ledger.Hasher) {
		h.Bool(p.EnableRevenue).Uint(p.DeveloperSharesBP).Uint(p.AddrDerivationCostCreate)
	}, p, func(v engine.View) (engine.Change, error) {
		if err := p.Validate(); err != nil {
			return engine.Change{}, err
		}
		return engine.ConfigChange("feeshare:params", "feeshare_params", "params", "set", engine.WriteJSON(paramsKey, p)), nil
	})
}

// checkSigned refuses an expired or replayed deployer-signed request and
// records its nonce. An admin acting on a deployer's behalf signs nothing;
// the API's token and idempotency key stand for the signature.
func (s *stateTx) checkSigned(req Request, at time.Time, by string) error {
	if err := checkBy(by); err != nil {
		return err
	}
	if by != ByDeployer {
		return nil
	}
	if at.Unix() > req.Expiry {
		return errcode.Errorf(ErrExpired, "the request expired at %s; it is %s", time.Unix(req.Expiry, 0).UTC().Format(time.RFC3339), at.UTC().Format(time.RFC3339))
	}
	var used bool
	if ok, err := s.get(reqNonceKey(req.Deployer, req.Nonce), &used); err != nil {
		return err
	} else if ok {
		return errcode.Errorf(ErrReplay, "deployer %s used request nonce %d before; sign a new request with a fresh nonce", req.Deployer.Hex(), req.Nonce)
	}
	s.put(reqNonceKey(req.Deployer, req.Nonce), true)
	return nil
}

// opInput is what makes two requests the same: the signed request and the
// actor. The chain's facts are not part of it, so that a retry that reads
// the chain again (at a later head) is still a replay.
type opInput struct {
	Req Request `json:"req"`
	By  string  `json:"by"`
}

func withdrawerAttr(w *Address) string {
	if w == nil {
		return ""
	}
	return w.Bech32()
}

// Register registers a contract for fee sharing, checked against the
// chain's facts read just before (the contract's code cannot go away
// between the read and the commit except by self-destruct, which the seed
// does not guard against either). by is ByDeployer for a request whose
// signature the caller verified, or ByAdmin(token) for an admin acting on
// a deployer's behalf. The gas cost is Params.GasCost(len(req.Nonces)).
// The registration applies to the transactions of the blocks after
// facts.Head (and after the last block applied): those that occur after
// it, as the seed says.
//
// Refusals: ErrBy, ErrExpired, ErrReplay and those of CheckRegister.
func Register(key string, at time.Time, req Request, facts Facts, by string) engine.Op {
	req.Action = ActionRegister
	return op(key, "register", at, func(h *ledger.Hasher) { hashRequest(h, req, by) }, opInput{req, by}, func(v engine.View) (engine.Change, error) {
		s := newStateTx(v)
		if err := ValidateRequest(req); err != nil {
			return engine.Change{}, err
		}
		if err := s.checkSigned(req, at, by); err != nil {
			return engine.Change{}, err
		}
		p, err := ReadParams(v)
		if err != nil {
			return engine.Change{}, err
		}
		existing, err := s.registration(req.Contract)
		if err != nil {
			return engine.Change{}, err
		}
		reg, err := CheckRegister(p, existing, req, facts, by)
		if err != nil {
			return engine.Change{}, err
		}
		rec, err := s.readRecord(req.Contract)
		if err != nil {
			return engine.Change{}, err
		}
		if reg.From, err = s.effectiveFrom(facts.Head, &rec); err != nil {
			return engine.Change{}, err
		}
		if err := s.addRegistration(reg); err != nil {
			return engine.Change{}, err
		}
		s.event(EventRegister, map[string]string{"contract": req.Contract.Hex(), "sender": req.Deployer.Bech32(), "withdrawer_address": withdrawerAttr(req.Withdrawer), "by": by}, "registered", req.Contract)
		return s.config("feeshare:" + req.Contract.Hex()), nil
	})
}

// Update sets a registered contract's withdrawer: nil (or the deployer)
// pays the deployer again. head is the chain's head block when the request
// was accepted (0 when unknown): transactions of the blocks after it (and
// after the last block applied) pay the new withdrawer, those before it the
// one set then.
//
// Refusals: ErrBy, ErrExpired, ErrReplay, ErrPastMax and those of
// CheckUpdate.
func Update(key string, at time.Time, req Request, head uint64, by string) engine.Op {
	req.Action = ActionUpdate
	return op(key, "update", at, func(h *ledger.Hasher) { hashRequest(h, req, by) }, opInput{req, by}, func(v engine.View) (engine.Change, error) {
		s := newStateTx(v)
		p, existing, err := s.signedChange(req, at, by)
		if err != nil {
			return engine.Change{}, err
		}
		reg, err := CheckUpdate(p, existing, req, by)
		if err != nil {
			return engine.Change{}, err
		}
		if existing.Withdrawer != nil {
			if err := s.indexRemove(wdIndex(*existing.Withdrawer), reg.Contract); err != nil {
				return engine.Change{}, err
			}
		}
		if reg.Withdrawer != nil {
			if err := s.indexAdd(wdIndex(*reg.Withdrawer), reg.Contract); err != nil {
				return engine.Change{}, err
			}
		}
		rec, from, err := s.supersede(reg.Contract, head)
		if err != nil {
			return engine.Change{}, err
		}
		reg.From = from
		rec.Registration = reg
		s.putRecord(reg.Contract, rec)
		s.event(EventUpdate, map[string]string{"contract": req.Contract.Hex(), "sender": req.Deployer.Bech32(), "withdrawer_address": withdrawerAttr(req.Withdrawer), "by": by}, "updated", req.Contract)
		return s.config("feeshare:" + req.Contract.Hex()), nil
	})
}

// Cancel removes a contract's registration: transactions of the blocks
// after head, the chain's head block when the request was accepted (0 when
// unknown), and after the last block applied, pay the developer nothing;
// those before still do.
//
// Refusals: ErrBy, ErrExpired, ErrReplay, ErrPastMax and those of
// CheckCancel.
func Cancel(key string, at time.Time, req Request, head uint64, by string) engine.Op {
	req.Action = ActionCancel
	return op(key, "cancel", at, func(h *ledger.Hasher) { hashRequest(h, req, by) }, opInput{req, by}, func(v engine.View) (engine.Change, error) {
		s := newStateTx(v)
		p, existing, err := s.signedChange(req, at, by)
		if err != nil {
			return engine.Change{}, err
		}
		reg, err := CheckCancel(p, existing, req)
		if err != nil {
			return engine.Change{}, err
		}
		if err := s.removeRegistration(reg, head); err != nil {
			return engine.Change{}, err
		}
		s.event(EventCancel, map[string]string{"contract": req.Contract.Hex(), "sender": req.Deployer.Bech32(), "by": by}, "cancelled", req.Contract)
		return s.config("feeshare:" + req.Contract.Hex()), nil
	})
}

// signedChange is what update and cancel check first, in the same order:
// the request's shape, its signature's expiry and nonce, then the
// parameters and the registration it changes.
func (s *stateTx) signedChange(req Request, at time.Time, by string) (Params, *Registration, error) {
	if err := ValidateRequest(req); err != nil {
		return Params{}, nil, err
	}
	if err := s.checkSigned(req, at, by); err != nil {
		return Params{}, nil, err
	}
	p, err := ReadParams(s.v)
	if err != nil {
		return Params{}, nil, err
	}
	existing, err := s.registration(req.Contract)
	return p, existing, err
}

// removeRegistration ends reg after chain head head and unindexes it.
func (s *stateTx) removeRegistration(reg Registration, head uint64) error {
	rec, _, err := s.supersede(reg.Contract, head)
	if err != nil {
		return err
	}
	s.putRecord(reg.Contract, rec)
	if err := s.indexRemove(allIndex, reg.Contract); err != nil {
		return err
	}
	if err := s.indexRemove(depIndex(reg.Deployer), reg.Contract); err != nil {
		return err
	}
	if reg.Withdrawer != nil {
		return s.indexRemove(wdIndex(*reg.Withdrawer), reg.Contract)
	}
	return nil
}

// Page is one page of a contract list.
type Page struct {
	Registrations []Registration
	Total         uint64 // in the whole list
	Next          uint64 // offset of the next page; 0 when this is the last
}

// Contracts lists all registrations from offset, at most limit (1 to
// PageMax; out of range is PageMax).
func Contracts(v engine.View, offset uint64, limit int) (Page, error) {
	return listIndex(v, allIndex, offset, limit)
}

// DeployerContracts lists the contracts a deployer registered.
func DeployerContracts(v engine.View, deployer Address, offset uint64, limit int) (Page, error) {
	return listIndex(v, depIndex(deployer), offset, limit)
}

// WithdrawerContracts lists the contracts whose fees a withdrawer receives
// (set withdrawers only, as Evmos' WithdrawerRevenues).
func WithdrawerContracts(v engine.View, withdrawer Address, offset uint64, limit int) (Page, error) {
	return listIndex(v, wdIndex(withdrawer), offset, limit)
}

func listIndex(v engine.View, prefix string, offset uint64, limit int) (Page, error) {
	if limit <= 0 || limit > PageMax {
		limit = PageMax
	}
	s := newStateTx(v)
	n, err := s.count(prefix)
	if err != nil {
		return Page{}, err
	}
	page := Page{Total: n, Registrations: []Registration{}}
	for i := offset; i < n && len(page.Registrations) < limit; i++ {
		var c Address
		if ok, err := s.get(prefix+"i/"+strconv.FormatUint(i, 10), &c); err != nil {
			return Page{}, err
		} else if !ok {
			return Page{}, fmt.Errorf("fee-share index %s has no element %d of %d", prefix, i, n)
		}
		r, err := ReadRegistration(v, c)
		if err != nil {
			return Page{}, fmt.Errorf("fee-share index %s names %s: %w", prefix, c.Hex(), err)
		}
		page.Registrations = append(page.Registrations, r)
	}
	if end := offset + uint64(len(page.Registrations)); end < n {
		page.Next = end
	}
	return page, nil
}
