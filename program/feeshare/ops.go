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
	"github.com/tributary-ledger/tributary/money"
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

// ReadRegistration returns a contract's registration.
//
// Errors: ledger.ErrNotFound.
func ReadRegistration(v engine.View, contract Address) (Registration, error) {
	var r Registration
	return r, engine.ReadJSON(v, revenueKey(contract), "fee-share registration", contract.Hex(), &r)
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

// addRegistration stores r and indexes it.
func (s *stateTx) addRegistration(r Registration) error {
	s.put(revenueKey(r.Contract), r)
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

func (s *stateTx) registration(c Address) (*Registration, error) {
	var r Registration
	ok, err := s.get(revenueKey(c), &r)
	if err != nil || !ok {
		return nil, err
	}
	return &r, nil
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

func op(key, what string, at time.Time, input any, run func(engine.View) (engine.Change, error)) engine.Op {
	return engine.JSONOp(Program, key, what, at, input, run)
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
	return op(key, "params", at, p, func(v engine.View) (engine.Change, error) {
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
//
// Refusals: ErrBy, ErrExpired, ErrReplay and those of CheckRegister.
func Register(key string, at time.Time, req Request, facts Facts, by string) engine.Op {
	req.Action = ActionRegister
	return op(key, "register", at, opInput{req, by}, func(v engine.View) (engine.Change, error) {
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
		if err := s.addRegistration(reg); err != nil {
			return engine.Change{}, err
		}
		s.event(EventRegister, map[string]string{"contract": req.Contract.Hex(), "sender": req.Deployer.Bech32(), "withdrawer_address": withdrawerAttr(req.Withdrawer), "by": by}, "registered", req.Contract)
		return s.config("feeshare:" + req.Contract.Hex()), nil
	})
}

// Update sets a registered contract's withdrawer: nil (or the deployer)
// pays the deployer again.
//
// Refusals: ErrBy, ErrExpired, ErrReplay and those of CheckUpdate.
func Update(key string, at time.Time, req Request, by string) engine.Op {
	req.Action = ActionUpdate
	return op(key, "update", at, opInput{req, by}, func(v engine.View) (engine.Change, error) {
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
		s.put(revenueKey(reg.Contract), reg)
		s.event(EventUpdate, map[string]string{"contract": req.Contract.Hex(), "sender": req.Deployer.Bech32(), "withdrawer_address": withdrawerAttr(req.Withdrawer), "by": by}, "updated", req.Contract)
		return s.config("feeshare:" + req.Contract.Hex()), nil
	})
}

// Cancel removes a contract's registration: later transactions to it pay
// the developer nothing.
//
// Refusals: ErrBy, ErrExpired, ErrReplay and those of CheckCancel.
func Cancel(key string, at time.Time, req Request, by string) engine.Op {
	req.Action = ActionCancel
	return op(key, "cancel", at, opInput{req, by}, func(v engine.View) (engine.Change, error) {
		s := newStateTx(v)
		p, existing, err := s.signedChange(req, at, by)
		if err != nil {
			return engine.Change{}, err
		}
		reg, err := CheckCancel(p, existing, req)
		if err != nil {
			return engine.Change{}, err
		}
		if err := s.removeRegistration(reg); err != nil {
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

func (s *stateTx) removeRegistration(reg Registration) error {
	s.del(revenueKey(reg.Contract))
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

// Fee distribution.

// appliedTx is what one transaction's op posted, kept (one key per
// transaction, so that a block's ops do not rewrite a growing record) so
// that a revert reverses exactly that.
type appliedTx struct {
	Key      string           `json:"key"`
	Postings []appliedPosting `json:"postings"`
}

type appliedPosting struct {
	From     string       `json:"from"`
	To       string       `json:"to"`
	Currency string       `json:"currency"`
	Amount   money.Amount `json:"amount"`
}

// blockRecord is an applied block: its fee-bearing transactions.
type blockRecord struct {
	Number   uint64 `json:"number"`
	Hash     Hash   `json:"hash"`
	Parent   Hash   `json:"parent"`
	Txs      []Hash `json:"txs"`
	Round    uint64 `json:"round,omitempty"`
	Reverted bool   `json:"reverted,omitempty"`
}

// RoundsMax bounds how often one block may be applied again after being
// reverted (a reorg that flips back and forth), so that keys stay short.
const RoundsMax = 1000

// ErrBlockRound refuses an application or reversal of a block in another
// round than the one its record calls for.
var ErrBlockRound = errcode.New(errcode.Unprocessable, "feeshare_block_round", "the block's application round is not the one given")

// Round returns the round in which block h is next applied, or is applied
// now: 0 for a block never applied, and one more each time it is reverted.
// A reorg that orphans a block and later makes it canonical again (a
// flip-flop) re-applies it with ApplyBlockAt(b, currency, Round(v, h)),
// under fresh keys: ApplyBlock's keys were spent by the first round.
func Round(v engine.View, h Hash) (uint64, error) {
	var rec blockRecord
	ok, err := newStateTx(v).get(blockKey(h), &rec)
	if err != nil || !ok {
		return 0, err
	}
	if rec.Reverted {
		return rec.Round + 1, nil
	}
	return rec.Round, nil
}

func roundSuffix(round uint64) string {
	if round == 0 {
		return ""
	}
	return ":r" + strconv.FormatUint(round, 10)
}

// checkRound refuses to apply a block in a round its record does not call
// for: a block applied now, or one reverted in another round.
func checkRound(rec blockRecord, found bool, b Block, round uint64) error {
	switch {
	case !found && round == 0, found && rec.Reverted && round == rec.Round+1:
		return nil
	case found && !rec.Reverted:
		return errcode.Errorf(ErrBlockReverted, "block %d %s is applied already (round %d)", b.Number, b.Hash.Hex(), rec.Round)
	}
	next := uint64(0)
	if found {
		next = rec.Round + 1
	}
	return errcode.Errorf(ErrBlockRound, "block %d %s is applied next in round %d, not %d (see Round)", b.Number, b.Hash.Hex(), next, round)
}

// TxKey is the idempotency key of one transaction's fee entry: the
// transaction hash and (half of) the block hash, so that a transaction
// re-included in another block after a reorg is applied again, once.
// Rounds after the first add ":r<round>".
func TxKey(block, tx Hash) string { return txKey(block, tx, 0) }

func txKey(block, tx Hash, round uint64) string {
	return "feeshare:tx:" + hex.EncodeToString(tx[:]) + ":" + hex.EncodeToString(block[:16]) + roundSuffix(round)
}

// BlockKey is the idempotency key of the op that seals a block.
func BlockKey(block Hash) string { return "feeshare:block:" + hex.EncodeToString(block[:]) }

// RevertKey is the idempotency key of a block's reversal.
func RevertKey(block Hash) string { return "feeshare:revert:" + hex.EncodeToString(block[:]) }

func refuse(key string, at time.Time, b Block, err error) []engine.Op {
	return []engine.Op{op(key, "block", at, b, func(engine.View) (engine.Change, error) { return engine.Change{}, err })}
}

// checkLinks refuses a block that does not follow the cursor's head.
func checkLinks(cur Cursor, b Block) error {
	head, ok := cur.Head()
	return checkHead(head, ok, b)
}

func checkHead(head BlockRef, ok bool, b Block) error {
	if !ok || head.Hash == b.Parent && head.Number+1 == b.Number {
		return nil
	}
	if head.Hash == b.Hash {
		return errcode.Errorf(ErrBlockReverted, "block %d %s is the head already (applied in another round)", b.Number, b.Hash.Hex())
	}
	return errcode.Errorf(ErrBlockParent, "block %d %s has parent %s, but the applied head is block %d %s: revert to the common ancestor first", b.Number, b.Hash.Hex(), b.Parent.Hex(), head.Number, head.Hash.Hex())
}

// ApplyBlock returns the operations that distribute b's fees in currency
// and advance the cursor to b; the caller applies them as one engine.Apply
// batch (one store transaction). One op per transaction with a non-zero fee
// (key TxKey), then one that checks every one of them was applied, records
// what they posted and moves the cursor (key BlockKey). Applying the same
// block again replays them all and changes nothing. Registrations are read
// when the block is applied, so the order of registrations and blocks in
// the engine's journal decides who is paid.
//
// A block reverted and then canonical again needs ApplyBlockAt and Round:
// here its spent keys replay, credit nothing and leave the cursor where it
// is.
//
// Refusals: ErrBlock (too many or duplicate transactions), ErrBlockParent,
// ErrBlockReverted, ErrBlockRound, ErrBlockPartial, money.ErrOverflow, and
// the ledger's errors for an unknown currency.
func ApplyBlock(b Block, currency string) []engine.Op { return ApplyBlockAt(b, currency, 0) }

// ApplyBlockAt is ApplyBlock in a given round (see Round): round 0 is the
// first application, round n the one after the n-th reversal.
func ApplyBlockAt(b Block, currency string, round uint64) []engine.Op {
	key := BlockKey(b.Hash) + roundSuffix(round)
	if round > RoundsMax {
		return refuse(key, b.Time, b, errcode.Errorf(ErrBlockRound, "block %d: round %d; at most %d re-applications of one block are supported", b.Number, round, RoundsMax))
	}
	if len(b.Txs) > TxsMax {
		return refuse(key, b.Time, b, errcode.Errorf(ErrBlock, "block %d has %d transactions; at most %d are applied in one batch", b.Number, len(b.Txs), TxsMax))
	}
	ref := BlockRef{Number: b.Number, Hash: b.Hash}
	seen := make(map[Hash]bool, len(b.Txs))
	var ops []engine.Op
	var keys []string
	var hashes []Hash
	for _, tx := range b.Txs {
		if seen[tx.Hash] {
			return refuse(key, b.Time, b, errcode.Errorf(ErrBlock, "block %d lists transaction %s twice", b.Number, tx.Hash.Hex()))
		}
		seen[tx.Hash] = true
		if fee, err := Fee(tx); err == nil && fee.IsZero() {
			continue // zero-fee transactions write nothing
		}
		k := txKey(b.Hash, tx.Hash, round)
		keys = append(keys, k)
		hashes = append(hashes, tx.Hash)
		ops = append(ops, txOp(k, b, ref, tx, currency, round))
	}
	seal := op(key, "block", b.Time, blockInput{BlockRef: ref, Parent: b.Parent, Keys: keys, Currency: currency, Round: round}, func(v engine.View) (engine.Change, error) {
		s := newStateTx(v)
		cur, err := ReadCursor(v)
		if err != nil {
			return engine.Change{}, err
		}
		if err := checkLinks(cur, b); err != nil {
			return engine.Change{}, err
		}
		var rec blockRecord
		found, err := s.get(blockKey(b.Hash), &rec)
		if err != nil {
			return engine.Change{}, err
		}
		if err := checkRound(rec, found, b, round); err != nil {
			return engine.Change{}, err
		}
		for i, h := range hashes {
			var at appliedTx
			if ok, err := s.get(blockTxKey(b.Hash, h), &at); err != nil {
				return engine.Change{}, err
			} else if !ok {
				return engine.Change{}, errcode.Errorf(ErrBlockPartial, "block %d %s: the entry %s was refused (see its error); the cursor stays at the parent, so the block is retried and never skipped", b.Number, b.Hash.Hex(), keys[i])
			}
		}
		rec = blockRecord{Number: b.Number, Hash: b.Hash, Parent: b.Parent, Txs: hashes, Round: round}
		if rec.Txs == nil {
			rec.Txs = []Hash{}
		}
		s.put(blockKey(b.Hash), rec)
		cur.Blocks = append(cur.Blocks, ref)
		for len(cur.Blocks) > CursorMax {
			// Beyond reorg reach: forget what the oldest block posted.
			if err := s.forget(cur.Blocks[0].Hash); err != nil {
				return engine.Change{}, err
			}
			cur.Blocks = cur.Blocks[1:]
		}
		s.putCursor(cur)
		return engine.Change{Kind: ledger.Config, Ref: "feeshare:block:" + strconv.FormatUint(b.Number, 10), State: s.writes()}, nil
	})
	return append(ops, seal)
}

type blockInput struct {
	BlockRef
	Parent   Hash
	Keys     []string
	Currency string
	Round    uint64 `json:",omitempty"`
}

type txInput struct {
	Block    BlockRef
	Parent   Hash
	Tx       Tx
	Currency string
}

func txOp(key string, b Block, ref BlockRef, tx Tx, currency string, round uint64) engine.Op {
	return op(key, "tx", b.Time, txInput{ref, b.Parent, tx, currency}, func(v engine.View) (engine.Change, error) {
		s := newStateTx(v)
		var head BlockRef
		ok, err := s.get(headKey, &head)
		if err != nil {
			return engine.Change{}, err
		}
		if err := checkHead(head, ok, b); err != nil {
			return engine.Change{}, err
		}
		var rec blockRecord
		found, err := s.get(blockKey(b.Hash), &rec)
		if err != nil {
			return engine.Change{}, err
		}
		if err := checkRound(rec, found, b, round); err != nil {
			return engine.Change{}, err
		}
		p, err := ReadParams(v)
		if err != nil {
			return engine.Change{}, err
		}
		var reg *Registration
		if tx.To != nil && tx.Success && p.EnableRevenue {
			if reg, err = s.registration(*tx.To); err != nil {
				return engine.Change{}, err
			}
		}
		ps, err := TxPostings(p, reg, ref, tx, currency)
		if err != nil {
			return engine.Change{}, err
		}
		at := appliedTx{Key: key, Postings: make([]appliedPosting, len(ps))}
		for i, p := range ps {
			at.Postings[i] = appliedPosting{From: p.From, To: p.To, Currency: p.Currency, Amount: p.Amount}
		}
		s.put(blockTxKey(b.Hash, tx.Hash), at)
		return engine.Change{Kind: ledger.Transfer, Ref: "feeshare:tx:" + tx.Hash.Hex(), Postings: ps, State: s.writes()}, nil
	})
}

// RevertBlock returns the operation that reverses every posting ApplyBlock
// made for b, with compensating postings (the journal keeps both), and
// moves the cursor back to b's parent. b must be the newest applied block:
// a reorg is undone newest first. If a payee has withdrawn what the block
// paid, the reversal would overdraw the account and is refused
// (ledger.ErrOverdraft): the confirmation depth exists to keep that from
// happening.
//
// Refusals: ErrRevertHead, ErrBlockRound, ledger.ErrOverdraft.
func RevertBlock(b BlockRef, at time.Time) []engine.Op { return RevertBlockAt(b, at, 0) }

// RevertBlockAt is RevertBlock of the application in round (see Round).
func RevertBlockAt(b BlockRef, at time.Time, round uint64) []engine.Op {
	if round > RoundsMax {
		round = RoundsMax + 1 // refused below; keeps the key short
	}
	return []engine.Op{op(RevertKey(b.Hash)+roundSuffix(round), "revert", at, struct {
		BlockRef
		Round uint64 `json:",omitempty"`
	}{b, round}, func(v engine.View) (engine.Change, error) {
		s := newStateTx(v)
		cur, err := ReadCursor(v)
		if err != nil {
			return engine.Change{}, err
		}
		head, ok := cur.Head()
		if !ok || head != b {
			return engine.Change{}, errcode.Errorf(ErrRevertHead, "block %d %s is not the newest applied block (%d %s); revert newest first", b.Number, b.Hash.Hex(), head.Number, head.Hash.Hex())
		}
		var rec blockRecord
		if ok, err := s.get(blockKey(b.Hash), &rec); err != nil {
			return engine.Change{}, err
		} else if !ok && len(cur.Blocks) == 1 {
			// The parent a full revert left as the head, never applied
			// here: there is nothing to reverse, and the cursor empties so
			// that the chain's new branch applies from wherever it starts.
			s.putCursor(Cursor{Blocks: []BlockRef{}})
			return engine.Change{Kind: ledger.Config, Ref: "feeshare:revert:" + strconv.FormatUint(b.Number, 10), State: s.writes()}, nil
		} else if !ok || rec.Reverted {
			return engine.Change{}, fmt.Errorf("fee-share block %d %s is the head but its record is missing or reverted", b.Number, b.Hash.Hex())
		} else if rec.Round != round {
			return engine.Change{}, errcode.Errorf(ErrBlockRound, "block %d %s is applied in round %d; reverting round %d", b.Number, b.Hash.Hex(), rec.Round, round)
		}
		var ps []ledger.Posting
		for i := len(rec.Txs) - 1; i >= 0; i-- {
			var t appliedTx
			if ok, err := s.get(blockTxKey(b.Hash, rec.Txs[i]), &t); err != nil {
				return engine.Change{}, err
			} else if !ok {
				return engine.Change{}, fmt.Errorf("fee-share block %d %s lost the record of tx %s", b.Number, b.Hash.Hex(), rec.Txs[i].Hex())
			}
			for _, p := range t.Postings {
				ps = append(ps, ledger.Posting{From: p.To, To: p.From, Currency: p.Currency, Amount: p.Amount,
					Path: "feeshare:revert block " + strconv.FormatUint(b.Number, 10) + " " + b.Hash.Hex()[:18] + "… (reorg) → tx " + rec.Txs[i].Hex() + " → returns " + p.To + "'s credit"})
			}
			// A later round writes its own; a stale one must not stand in
			// for an entry that round fails to make.
			s.del(blockTxKey(b.Hash, rec.Txs[i]))
		}
		rec.Reverted = true
		s.put(blockKey(b.Hash), rec)
		cur.Blocks = cur.Blocks[:len(cur.Blocks)-1]
		if len(cur.Blocks) == 0 && b.Number > 0 {
			// Keep the parent as the head, so that only its children apply next.
			cur.Blocks = []BlockRef{{Number: b.Number - 1, Hash: rec.Parent}}
		}
		s.putCursor(cur)
		ch := engine.Change{Kind: ledger.Transfer, Ref: "feeshare:revert:" + strconv.FormatUint(b.Number, 10), Postings: ps, State: s.writes()}
		if len(ps) == 0 {
			ch.Kind = ledger.Config
		}
		return ch, nil
	})}
}
