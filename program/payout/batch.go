package payout

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/tributary-ledger/tributary/engine"
	"github.com/tributary-ledger/tributary/errcode"
	"github.com/tributary-ledger/tributary/ledger"
	"github.com/tributary-ledger/tributary/money"
	"github.com/tributary-ledger/tributary/payout/merkle"
	"github.com/tributary-ledger/tributary/wire"
)

// Batch states.
const (
	StateOpen      = "open"      // lines reserved; cancellable
	StatePublished = "published" // sent to the provider, or its root posted
	StateSettled   = "settled"   // every line paid, failed or claimed
	StateCancelled = "cancelled" // every line voided
)

// ChunkLines is how many lines (or leaves) one state record holds: a
// batch of a million payees is 123 records, not a million.
const ChunkLines = 8192

// Batch is a payout batch as stored and answered.
type Batch struct {
	// ID is the batch's number, from 1; it is also the batch number its
	// root is posted under on the claims contract.
	ID       uint64      `json:"id" jsonschema:"minimum=1"`
	State    string      `json:"state" jsonschema:"enum=open,enum=published,enum=settled,enum=cancelled"`
	Currency string      `json:"currency" schema:"Currency"`
	Minimum  wire.Amount `json:"minimum"`
	// Prefix is the account prefix the batch was restricted to, if any.
	Prefix  string    `json:"prefix,omitempty"`
	Created time.Time `json:"created"`
	// Total is the sum of the lines' amounts, checked when the batch was
	// made; BankTotal and ChainTotal split it by rail.
	Total      wire.Amount `json:"total"`
	BankTotal  wire.Amount `json:"bank_total"`
	ChainTotal wire.Amount `json:"chain_total"`
	Lines      int         `json:"lines"`
	ChainLines int         `json:"chain_lines"`
	// Counts of lines by where they stand.
	Pending      int `json:"pending"`
	ChainPending int `json:"chain_pending"`
	Paid         int `json:"paid"`
	Failed       int `json:"failed"`
	Claimed      int `json:"claimed"`
	Voided       int `json:"voided"`
	// Root is the cumulative claims tree's root, when the batch has
	// on-chain lines; Leaves its leaves (every address ever paid in the
	// currency on chain) and TreeTotal the sum of their cumulative
	// amounts, which the contract must hold less what was claimed.
	Root      string      `json:"root,omitempty"`
	Leaves    int         `json:"leaves,omitempty"`
	TreeTotal wire.Amount `json:"tree_total,omitempty"`
	// PrevTree is the batch whose leaves this one's tree builds on.
	PrevTree  uint64     `json:"prev_tree,omitempty"`
	Published *time.Time `json:"published,omitempty"`
	// Receipt is the publishing transaction, the batch's public receipt.
	Receipt  *Receipt   `json:"receipt,omitempty"`
	Resolved *time.Time `json:"resolved,omitempty"`
}

// Receipt is where a batch's root was posted.
type Receipt struct {
	ChainID   uint64 `json:"chain_id,omitempty"`
	Contract  string `json:"contract"`
	Tx        string `json:"tx"`
	Block     uint64 `json:"block"`
	BlockHash string `json:"block_hash,omitempty"`
}

// Line is one payee's line of a batch.
type Line struct {
	N   int    `json:"n"`
	Ref string `json:"reference"`
	// Account is the internal account paid; Destination where, as
	// registered.
	Account     string      `json:"account" schema:"AccountName"`
	Destination string      `json:"destination"`
	Rail        string      `json:"rail" jsonschema:"enum=bank,enum=chain"`
	Amount      wire.Amount `json:"amount"`
}

// Candidate is a balance a batch may select, with its destination, as the
// caller read them before the batch's transaction. The batch reserves
// Amount; should the balance have dropped meanwhile, the engine refuses the
// batch (no overdraft) and the caller selects again.
type Candidate struct {
	Account     string
	Destination Destination
	Amount      money.Amount
}

// Selection is what a batch selects: balances in Currency of at least
// Minimum, of accounts starting with Prefix.
type Selection struct {
	Currency string
	Minimum  money.Amount
	Prefix   string
}

// Select picks, from balances (in sel's currency and prefix), those whose
// available amount is at least sel.Minimum (and not zero), with their
// destination; missing counts those that qualify but have none.
func Select(sel Selection, balances []ledger.Balance, dests map[string]Destination) (out []Candidate, missing int) {
	for _, b := range balances {
		amt, ok := eligible(sel, b)
		if !ok {
			continue
		}
		d, ok := dests[b.Account]
		if !ok {
			missing++
			continue
		}
		out = append(out, Candidate{Account: b.Account, Destination: d, Amount: amt})
	}
	return out, missing
}

// RailAccount is the external account a batch's lines of a rail credit:
// @payout:bank or @payout:chain. The line (and, on chain, its withdrawal's
// ID) names the payee's own destination; crediting one account per rail
// rather than one per destination keeps a batch of a million payees at a
// million and two balances, not two million.
func RailAccount(rail string) string { return "@payout:" + rail }

// LineRef is the reference of a batch's line, which is also its
// withdrawal's ID: payout-<batch>-<n> for a bank line, and
// payout-<batch>-<address> for an on-chain line, so that a claim by an
// address finds its lines without an index.
func LineRef(batch uint64, n int, d Destination) string {
	return lineRef(linesPrefix(batch), n, d)
}

// linesPrefix is what every line reference of batch begins with.
func linesPrefix(batch uint64) string {
	return LinePrefix + strconv.FormatUint(batch, 10) + "-"
}

// lineRef is LineRef of the batch whose lines' references begin with
// prefix: a million lines make no fmt.Sprintf each.
func lineRef(prefix string, n int, d Destination) string {
	if d.Rail == RailChain {
		return prefix + strings.ToLower(d.Destination)
	}
	return prefix + strconv.Itoa(n)
}

func chainRef(batch uint64, a merkle.Address) string {
	return fmt.Sprintf("payout-%d-%s", batch, strings.ToLower(a.Hex()))
}

// ParseID reads a batch ID from a path.
//
// Errors: ErrBatchID.
func ParseID(s string) (uint64, error) {
	id, err := strconv.ParseUint(s, 10, 64)
	if err != nil || id == 0 || strconv.FormatUint(id, 10) != s {
		return 0, errcode.Errorf(ErrBatchID, "batch ID %q: want a positive whole number such as 7", s)
	}
	return id, nil
}

// ReadBatch returns batch id.
//
// Errors: ledger.ErrNotFound.
func ReadBatch(v engine.View, id uint64) (Batch, error) {
	var b Batch
	return b, engine.ReadJSON(v, batchKey(id), "payout batch", strconv.FormatUint(id, 10), &b)
}

// chunk is a stored chunk of lines: [account, destination, amount].
type chunk [][3]string

// ReadLines returns the lines of b from its stored chunks.
func ReadLines(v engine.View, b Batch) ([]Line, error) {
	out := make([]Line, 0, b.Lines)
	prefix := linesPrefix(b.ID)
	for c := 0; c*ChunkLines < b.Lines; c++ {
		var ch chunk
		if err := engine.ReadJSON(v, linesKey(b.ID, c), "lines of batch", strconv.FormatUint(b.ID, 10), &ch); err != nil {
			return nil, err
		}
		for _, l := range ch {
			d := Destination{Destination: l[1], Rail: RailBank}
			if strings.HasPrefix(l[1], "0x") {
				d.Rail = RailChain
			}
			n := len(out) + 1
			out = append(out, Line{N: n, Ref: lineRef(prefix, n, d), Account: l[0], Destination: l[1], Rail: d.Rail, Amount: wire.Amount(l[2])})
		}
	}
	return out, nil
}

// ReadLeaves returns the leaves of batch b's claims tree, sorted by
// address; none when b is 0 or has no tree.
func ReadLeaves(v engine.View, b Batch) ([]merkle.Leaf, error) {
	out := make([]merkle.Leaf, 0, b.Leaves)
	for c := 0; c*ChunkLines < b.Leaves; c++ {
		var ch [][2]string
		if err := engine.ReadJSON(v, leavesKey(b.ID, c), "claims tree of batch", strconv.FormatUint(b.ID, 10), &ch); err != nil {
			return nil, err
		}
		for _, l := range ch {
			a, err := merkle.ParseAddress(l[0])
			if err != nil {
				return nil, fmt.Errorf("claims tree of batch %d is corrupt: %w", b.ID, err)
			}
			cum, err := money.ParseUnits(l[1])
			if err != nil {
				return nil, fmt.Errorf("claims tree of batch %d is corrupt: %w", b.ID, err)
			}
			out = append(out, merkle.Leaf{Account: a, Cumulative: cum})
		}
	}
	return out, nil
}

// Run makes a payout batch: every candidate's amount is reserved as a
// pending withdrawal to its destination, all in one entry. missing is how
// many balances qualified but had no destination, for the refusal of an
// empty batch. Only one batch per currency is open at a time, so that each
// claims tree builds on the one before.
//
// Refusals: ErrEmpty, ErrOpen, ledger.ErrOverdraft (a balance dropped
// since it was read), money.ErrUnknownCurrency.
func Run(key string, at time.Time, sel Selection, cands []Candidate, missing int) engine.Op {
	return op(key, "batch", at, func(h *ledger.Hasher) { h.String(sel.Currency).Amount(sel.Minimum).String(sel.Prefix) }, func(v engine.View) (engine.Change, error) {
		return runBatch(v, at, sel, cands, missing)
	})
}

// RunSelected makes a payout batch of what sel selects, selected in the
// batch's own transaction: every balance of sel's currency and prefix
// read and locked once, as the transaction sees it, with its
// destination. A balance cannot change between its selection and its
// reservation, so the batch never fails on one that dropped meanwhile,
// and a line reserves exactly the available balance committed when the
// batch was. Its request digest is Run's: a replay, on any build, answers
// the first batch. Refusals as Run's.
func RunSelected(key string, at time.Time, sel Selection) engine.Op {
	return op(key, "batch", at, func(h *ledger.Hasher) { h.String(sel.Currency).Amount(sel.Minimum).String(sel.Prefix) }, func(v engine.View) (engine.Change, error) {
		if err := refuseOpen(v, sel); err != nil {
			return engine.Change{}, err
		}
		cands, missing, err := selectIn(v, sel)
		if err != nil {
			return engine.Change{}, err
		}
		return runBatch(v, at, sel, cands, missing)
	})
}

// refuseOpen refuses a batch while another of its currency is open.
func refuseOpen(v engine.View, sel Selection) error {
	if open, ok, err := v.State(openKey(sel.Currency)); err != nil {
		return err
	} else if ok {
		return errcode.Errorf(ErrOpen, "batch %s of %s is open; publish or cancel it first, so that each claims tree builds on the one before", open, sel.Currency)
	}
	return nil
}

func runBatch(v engine.View, at time.Time, sel Selection, cands []Candidate, missing int) (engine.Change, error) {
	if err := refuseOpen(v, sel); err != nil {
		return engine.Change{}, err
	}
	if len(cands) == 0 {
		return engine.Change{}, errcode.Errorf(ErrEmpty, "no %s balance of at least %s base units%s has a payout destination: %d such balances lack one (register them with PUT /v1/payout-destinations/{account})", sel.Currency, sel.Minimum, prefixNote(sel.Prefix), missing)
	}
	var id uint64 = 1
	if err := engine.ReadJSONOr(v, nextKey, &id); err != nil {
		return engine.Change{}, err
	}
	b := Batch{ID: id, State: StateOpen, Currency: sel.Currency, Minimum: wire.Amount(sel.Minimum.String()), Prefix: sel.Prefix, Created: at, Lines: len(cands), Pending: len(cands)}
	postings := make([]ledger.Posting, 0, len(cands))
	ws := make([]ledger.Withdrawal, 0, len(cands))
	chunks := make([]chunk, 0, len(cands)/ChunkLines+1)
	var total, bank, onchain money.Amount
	var added []merkle.Leaf
	prefix, rails := linesPrefix(id), [2]string{RailAccount(RailBank), RailAccount(RailChain)}
	for i, c := range cands {
		rail := rails[0]
		if c.Destination.Rail == RailChain {
			rail = rails[1]
		}
		ws = append(ws, ledger.Withdrawal{ID: lineRef(prefix, i+1, c.Destination), Account: c.Account, Destination: rail, Currency: sel.Currency, Amount: c.Amount, State: ledger.WithdrawalPending, Created: at})
		postings = append(postings, ws[i].Posting())
		if i%ChunkLines == 0 {
			chunks = append(chunks, make(chunk, 0, min(ChunkLines, len(cands)-i)))
		}
		chunks[len(chunks)-1] = append(chunks[len(chunks)-1], [3]string{c.Account, c.Destination.Destination, c.Amount.String()})
		var err error
		if total, err = total.Add(c.Amount); err != nil {
			return engine.Change{}, errcode.Errorf(ledger.ErrBalanceOverflow, "the batch's total passes 2^256-1")
		}
		if c.Destination.Rail != RailChain {
			bank, _ = bank.Add(c.Amount)
			continue
		}
		// The line's reference holds the address in lower case: the
		// registered form was checked when it was registered, and its
		// checksum costs a hash a line.
		a, err := merkle.ParseAddress(ws[i].ID[len(prefix):])
		if err != nil {
			return engine.Change{}, fmt.Errorf("destination of %s is corrupt: %w", c.Account, err)
		}
		if added == nil {
			added = make([]merkle.Leaf, 0, len(cands)-i)
		}
		added = append(added, merkle.Leaf{Account: a, Cumulative: c.Amount})
		onchain, _ = onchain.Add(c.Amount)
		b.ChainLines++
	}
	// The sum is checked: the lines are the batch, to the unit.
	if sum, _ := bank.Add(onchain); sum != total {
		return engine.Change{}, fmt.Errorf("batch %d: bank %s + chain %s ≠ total %s", id, bank, onchain, total)
	}
	b.Total, b.BankTotal, b.ChainTotal, b.ChainPending = wire.Amount(total.String()), wire.Amount(bank.String()), wire.Amount(onchain.String()), b.ChainLines
	writes := make([]engine.StateWrite, 0, len(chunks)+8)
	for c, ch := range chunks {
		writes = append(writes, engine.WriteJSON(linesKey(id, c), ch))
	}
	if b.ChainLines > 0 {
		tw, err := buildTree(v, &b, added)
		if err != nil {
			return engine.Change{}, err
		}
		writes = append(writes, tw...)
		writes = append(writes, engine.WriteJSON(treeKey(sel.Currency), id))
	}
	writes = append(writes, engine.WriteJSON(batchKey(id), b), engine.WriteJSON(nextKey, id+1), engine.StateWrite{Key: openKey(sel.Currency), Value: []byte(strconv.FormatUint(id, 10))})
	return engine.Change{
		Kind: ledger.WithdrawalRequest, Ref: fmt.Sprintf("payout:%d", id), Postings: postings, Withdrawals: ws, State: writes,
		Events: []engine.Event{linesEvent(b, "created", len(ws), ledger.WithdrawalPending)}, WithdrawalsAnnounced: true,
	}, nil
}

func prefixNote(p string) string {
	if p == "" {
		return ""
	}
	return fmt.Sprintf(" under %q", p)
}

// buildTree makes b's cumulative claims tree: the previous tree of the
// currency's leaves, each address's cumulative amount raised by what this
// batch adds to it, and new addresses. It fills b's Root, Leaves,
// TreeTotal and PrevTree and returns the state writes of the leaves.
// Both lists are merged in address order (the stored leaves are in it):
// no map of a million addresses.
func buildTree(v engine.View, b *Batch, added []merkle.Leaf) ([]engine.StateWrite, error) {
	merkle.SortLeaves(added)
	for i := 1; i < len(added); i++ {
		if added[i].Account == added[i-1].Account {
			return nil, errcode.Errorf(ErrDestinationTaken, "address %s is the destination of two accounts", added[i].Account.Hex())
		}
	}
	var prev []merkle.Leaf
	if err := engine.ReadJSONOr(v, treeKey(b.Currency), &b.PrevTree); err != nil {
		return nil, err
	}
	if b.PrevTree != 0 {
		pb, err := ReadBatch(v, b.PrevTree)
		if err != nil {
			return nil, err
		}
		if prev, err = ReadLeaves(v, pb); err != nil {
			return nil, err
		}
	}
	leaves, err := mergeLeaves(prev, added)
	if err != nil {
		return nil, err
	}
	tree, err := merkle.Build(leaves)
	if err != nil {
		return nil, err
	}
	var sum money.Amount
	writes := make([]engine.StateWrite, 0, len(leaves)/ChunkLines+1)
	for c := 0; c*ChunkLines < len(leaves); c++ {
		part := leaves[c*ChunkLines : min(len(leaves), (c+1)*ChunkLines)]
		ch := make([][2]string, len(part))
		for i, l := range part {
			ch[i] = [2]string{lowerHex(l.Account), l.Cumulative.String()}
			if sum, err = sum.Add(l.Cumulative); err != nil {
				return nil, errcode.Errorf(ledger.ErrBalanceOverflow, "the claims tree's total passes 2^256-1")
			}
		}
		writes = append(writes, engine.WriteJSON(leavesKey(b.ID, c), ch))
	}
	b.Root, b.Leaves, b.TreeTotal = tree.Root().Hex(), len(leaves), wire.Amount(sum.String())
	return writes, nil
}

// mergeLeaves merges prev and added, both sorted by address (and each
// address once in each): an address in both gets the sum.
func mergeLeaves(prev, added []merkle.Leaf) ([]merkle.Leaf, error) {
	out := make([]merkle.Leaf, 0, len(prev)+len(added))
	i, j := 0, 0
	for i < len(prev) || j < len(added) {
		switch c := compareLeaves(prev, i, added, j); {
		case c < 0:
			out = append(out, prev[i])
			i++
		case c > 0:
			out = append(out, added[j])
			j++
		default:
			cum, err := prev[i].Cumulative.Add(added[j].Cumulative)
			if err != nil {
				return nil, errcode.Errorf(ledger.ErrBalanceOverflow, "the cumulative amount of %s passes 2^256-1", prev[i].Account.Hex())
			}
			out = append(out, merkle.Leaf{Account: prev[i].Account, Cumulative: cum})
			i, j = i+1, j+1
		}
	}
	return out, nil
}

// compareLeaves orders x[i] and y[j] by address, a list's end after
// everything.
func compareLeaves(x []merkle.Leaf, i int, y []merkle.Leaf, j int) int {
	switch {
	case i == len(x):
		return 1
	case j == len(y):
		return -1
	}
	return bytes.Compare(x[i].Account[:], y[j].Account[:])
}

// lowerHex writes an address in lower case: what state and exports keep
// of a million leaves, without the EIP-55 checksum's hash each.
func lowerHex(a merkle.Address) string { return "0x" + hex.EncodeToString(a[:]) }

// EventBatch is the type of the events a batch's changes emit.
const EventBatch = "payout.batch"

// BatchEvent is the data of a payout.batch event: a change of a batch.
type BatchEvent struct {
	ID uint64 `json:"id"`
	// Action is created, published, cancelled, results or claimed.
	Action   string      `json:"action"`
	State    string      `json:"state"`
	Currency string      `json:"currency"`
	Total    wire.Amount `json:"total"`
	Lines    int         `json:"lines"`
	// Withdrawals, when set, is how many of the batch's lines' withdrawals
	// the change moved to WithdrawalState without a withdrawal.changed
	// event each: every line when a batch is created (pending) or
	// cancelled (voided). Results and claims announce each withdrawal.
	Withdrawals     int    `json:"withdrawals,omitempty"`
	WithdrawalState string `json:"withdrawal_state,omitempty"`
}

func batchEvent(b Batch, action string) engine.Event {
	return linesEvent(b, action, 0, 0)
}

// linesEvent is the event of a change that moved n of b's withdrawals to
// state and announces them itself (engine.Change.WithdrawalsAnnounced).
func linesEvent(b Batch, action string, n int, state ledger.WithdrawalState) engine.Event {
	ev := BatchEvent{ID: b.ID, Action: action, State: b.State, Currency: b.Currency, Total: b.Total, Lines: b.Lines, Withdrawals: n}
	if n > 0 {
		ev.WithdrawalState = state.String()
	}
	data, _ := json.Marshal(ev)
	return engine.Event{Type: EventBatch, Data: data}
}

// Publish marks batch id published: its file went to the payout provider,
// or its root was posted (receipt, the publishing transaction). A
// published batch is no longer cancellable, and the next batch in its
// currency may be made.
//
// Refusals: ledger.ErrNotFound, ErrState.
func Publish(key string, at time.Time, id uint64, receipt *Receipt) engine.Op {
	return op(key, "publish", at, func(h *ledger.Hasher) {
		h.Uint(id).Bool(receipt != nil)
		if receipt != nil {
			h.Uint(receipt.ChainID).String(receipt.Contract).String(receipt.Tx).Uint(receipt.Block).String(receipt.BlockHash)
		}
	}, func(v engine.View) (engine.Change, error) {
		b, err := ReadBatch(v, id)
		if err != nil {
			return engine.Change{}, err
		}
		if b.State != StateOpen {
			return engine.Change{}, errcode.Errorf(ErrState, "batch %d is %s; only an open batch is published", id, b.State)
		}
		b.State, b.Published, b.Receipt = StatePublished, &at, receipt
		writes := []engine.StateWrite{{Key: openKey(b.Currency)}}
		if b.ChainPending > 0 {
			var list []uint64
			if err := engine.ReadJSONOr(v, onchainKey(b.Currency), &list); err != nil {
				return engine.Change{}, err
			}
			writes = append(writes, engine.WriteJSON(onchainKey(b.Currency), append(list, id)))
		}
		settle(&b, at)
		writes = append(writes, engine.WriteJSON(batchKey(id), b))
		return engine.Change{Kind: ledger.Config, Ref: fmt.Sprintf("payout:%d", id), State: writes, Events: []engine.Event{batchEvent(b, "published")}}, nil
	})
}

// settle marks a published batch settled once no line is pending.
func settle(b *Batch, at time.Time) {
	if b.State == StatePublished && b.Pending == 0 {
		b.State, b.Resolved = StateSettled, &at
	}
}

// Cancel voids every line of open batch id: the money is available again.
//
// Refusals: ledger.ErrNotFound, ErrState.
func Cancel(key string, at time.Time, id uint64) engine.Op {
	return op(key, "cancel", at, func(h *ledger.Hasher) { h.Uint(id) }, func(v engine.View) (engine.Change, error) {
		b, err := ReadBatch(v, id)
		if err != nil {
			return engine.Change{}, err
		}
		if b.State != StateOpen {
			return engine.Change{}, errcode.Errorf(ErrState, "batch %d is %s; only an open batch is cancelled (a published one is resolved line by line)", id, b.State)
		}
		lines, err := ReadLines(v, b)
		if err != nil {
			return engine.Change{}, err
		}
		postings := make([]ledger.Posting, 0, len(lines))
		ws := make([]ledger.Withdrawal, 0, len(lines))
		for _, l := range lines {
			w, ok, err := v.Withdrawal(l.Ref)
			if err != nil {
				return engine.Change{}, err
			}
			if !ok || w.State != ledger.WithdrawalPending {
				return engine.Change{}, fmt.Errorf("batch %d: line %s's withdrawal is not pending in an open batch", id, l.Ref)
			}
			w.State, w.Resolved = ledger.WithdrawalVoided, at
			postings = append(postings, w.Posting())
			ws = append(ws, w)
		}
		b.State, b.Resolved, b.Voided, b.Pending, b.ChainPending = StateCancelled, &at, b.Lines, 0, 0
		writes := []engine.StateWrite{engine.WriteJSON(batchKey(id), b), {Key: openKey(b.Currency)}}
		if b.ChainLines > 0 {
			// The next tree builds on the one before this batch's.
			w := engine.StateWrite{Key: treeKey(b.Currency)}
			if b.PrevTree != 0 {
				w = engine.WriteJSON(treeKey(b.Currency), b.PrevTree)
			}
			writes = append(writes, w)
		}
		return engine.Change{Kind: ledger.WithdrawalVoid, Ref: fmt.Sprintf("payout:%d", id), Postings: postings, Withdrawals: ws, State: writes, Events: []engine.Event{linesEvent(b, "cancelled", len(ws), ledger.WithdrawalVoided)}, WithdrawalsAnnounced: true}, nil
	})
}

// Result outcomes.
const (
	ResultPaid   = "paid"
	ResultFailed = "failed"
)

// Results records the provider's outcome for bank lines refs of published
// batch id: paid posts their withdrawals (the money left), failed voids
// them (it is available again). A line resolves once; on-chain lines are
// resolved by their claims.
//
// Refusals: ledger.ErrNotFound, ErrState, ErrLine, ErrResult.
func Results(key string, at time.Time, id uint64, result string, refs []string) engine.Op {
	return op(key, "results", at, func(h *ledger.Hasher) { h.Uint(id).String(result).Strings(refs) }, func(v engine.View) (engine.Change, error) {
		kind := ledger.WithdrawalPost
		switch result {
		case ResultPaid:
		case ResultFailed:
			kind = ledger.WithdrawalVoid
		default:
			return engine.Change{}, errcode.Errorf(ErrResult, "result %q: want %q or %q", result, ResultPaid, ResultFailed)
		}
		if len(refs) == 0 {
			return engine.Change{}, errcode.Errorf(ErrLine, "no lines named; want at least one reference")
		}
		b, err := ReadBatch(v, id)
		if err != nil {
			return engine.Change{}, err
		}
		if b.State != StatePublished {
			return engine.Change{}, errcode.Errorf(ErrState, "batch %d is %s; results are recorded for a published batch (publish it once its file is sent)", id, b.State)
		}
		prefix := fmt.Sprintf("payout-%d-", id)
		postings := make([]ledger.Posting, 0, len(refs))
		ws := make([]ledger.Withdrawal, 0, len(refs))
		seen := make(map[string]bool, len(refs))
		for _, ref := range refs {
			rest, ok := strings.CutPrefix(ref, prefix)
			if !ok || strings.HasPrefix(rest, "0x") || seen[ref] {
				return engine.Change{}, errcode.Errorf(ErrLine, "line %q is not a bank line of batch %d (or is named twice); on-chain lines are resolved by their claims", ref, id)
			}
			seen[ref] = true
			w, ok, err := v.Withdrawal(ref)
			if err != nil {
				return engine.Change{}, err
			}
			if !ok {
				return engine.Change{}, errcode.Errorf(ErrLine, "batch %d has no line %q", id, ref)
			}
			if w.State != ledger.WithdrawalPending {
				return engine.Change{}, errcode.Errorf(ErrLine, "line %q is %s already; a line resolves once", ref, w.State)
			}
			w.State, w.Resolved = ledger.WithdrawalVoided, at
			if kind == ledger.WithdrawalPost {
				w.State = ledger.WithdrawalPosted
			}
			postings = append(postings, w.Posting())
			ws = append(ws, w)
		}
		b.Pending -= len(refs)
		if kind == ledger.WithdrawalPost {
			b.Paid += len(refs)
		} else {
			b.Failed += len(refs)
		}
		settle(&b, at)
		return engine.Change{Kind: kind, Ref: fmt.Sprintf("payout:%d", id), Postings: postings, Withdrawals: ws, State: []engine.StateWrite{engine.WriteJSON(batchKey(id), b)}, Events: []engine.Event{batchEvent(b, "results")}}, nil
	})
}
