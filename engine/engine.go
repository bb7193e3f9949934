// Package engine applies the output of Tributary's pure rules to a store:
// for each idempotent operation it checks the key, runs the rule against the
// state it reads, checks the balances, and writes the entry, the postings,
// the state change and the outbox events in one store transaction.
package engine

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/tributary-ledger/tributary/errcode"
	"github.com/tributary-ledger/tributary/ledger"
)

// Limits.
const (
	// BatchMax bounds the operations applied in one transaction.
	BatchMax = 10000
	// retriesMax bounds how often a batch that lost a race is run again.
	retriesMax = 20
	// guessOpsMax bounds the batches whose keys the engine does not look
	// up before running them (Tx.UniqueKeys): a guess that was wrong costs
	// running the batch twice, and a group commit's few operations are
	// where a look-up is a large part of the work.
	guessOpsMax = 64
	// lookUpsAfterMiss is how many batches look their keys up after a
	// guess was wrong: retries come in bursts (a client's timeout, a
	// restarted producer), which should not each pay twice.
	lookUpsAfterMiss = 64
)

// errStreamFailed marks a store's failure to take a streamed entry.
var errStreamFailed = errors.New("streaming the batch failed")

// ErrBatchMax is returned for a batch larger than BatchMax.
var ErrBatchMax = errcode.New(errcode.TooLarge, "batch_max", "too many operations in one batch")

// Op is one idempotent write. Run computes what to write from what it reads
// through the View; it must be pure and deterministic, because the engine
// runs it again when a transaction has to be retried, and because replaying
// the same inputs must give the same entry on any machine.
type Op struct {
	Key  string
	Hash ledger.Hash // digest of the request body, for replay detection
	// Legacy, when set, is the digest an older build gave the same
	// request, so that a request first sent to that build and retried
	// after an upgrade still replays instead of conflicting. It is
	// computed only when a stored digest differs from Hash.
	Legacy  func() ledger.Hash
	Time    time.Time // the event's time, passed in, never read from a clock here
	Program string    // owner of the state Run reads and writes; "" for the ledger
	// Reads names the other programs whose state Run may read, read-only,
	// through ReadOnly (the deps program pays a repo's contributors through
	// the split book's splits). Reading in the transaction, rather than in
	// the handler, keeps the op's digest the request's and lets no change of
	// the other program commit between the read and the write.
	Reads []string
	Run   func(View) (Change, error)
	// Postings, when set, are the postings Run returns, known before it
	// runs (a plain transfer): the engine then locks their balances with
	// those of the batch's other such operations, in one read, instead
	// of one read (on PostgreSQL a round trip) per operation. A hint: the
	// postings Run returns are the ones applied.
	Postings []ledger.Posting
}

// sameRequest reports whether a stored entry's digest is this request's.
func (op Op) sameRequest(h ledger.Hash) bool {
	return h == op.Hash || op.Legacy != nil && h == op.Legacy()
}

// View is what an operation may read. Reads lock what they read until the
// transaction ends, and see the writes of earlier operations in the batch.
type View interface {
	// State returns the operation's program's state value for key.
	State(key string) ([]byte, bool, error)
	// Withdrawal returns a withdrawal by ID.
	Withdrawal(id string) (ledger.Withdrawal, bool, error)
	// Balance returns an account's balance in a currency.
	Balance(account, currency string) (ledger.Balance, error)
}

// RangeView is the View of an operation in an engine transaction, which
// also reads ranges: what a payout batch selects from, so that the
// balances it selects are the ones it changes, read and locked once, as
// the transaction sees them. Views of committed state (the routes'
// reads) need not have it.
type RangeView interface {
	View
	// BalanceRange returns every balance of currency whose account
	// starts with prefix, in key order, as the transaction sees it (the
	// writes of earlier operations in the batch included). The slice is
	// the engine's: read it, do not change or keep it after the
	// operation returns.
	BalanceRange(prefix, currency string) ([]ledger.Balance, error)
	// StatePage returns up to limit of the operation's program's state
	// records whose keys start with prefix and sort after after, in key
	// order, as the transaction sees them.
	StatePage(prefix, after string, limit int) ([]StateValue, error)
}

// ProgramReader is a View that can read another program's state: the
// engine's (for the programs an Op declares in Reads) and the API's and
// the command line's read views.
type ProgramReader interface {
	ProgramState(program, key string) ([]byte, bool, error)
}

// ReadOnly returns a View whose State reads program's state instead of the
// operation's own, through v (a ProgramReader). It writes nothing: a
// Change's state writes always go to the operation's own program.
func ReadOnly(v View, program string) View { return otherView{View: v, program: program} }

type otherView struct {
	View
	program string
}

func (o otherView) State(key string) ([]byte, bool, error) {
	r, ok := o.View.(ProgramReader)
	if !ok {
		return nil, false, fmt.Errorf("engine: this view cannot read %q's state", o.program)
	}
	return r.ProgramState(o.program, key)
}

// Change is what an operation writes.
type Change struct {
	Kind       ledger.Kind
	Ref        string
	Postings   []ledger.Posting
	State      []StateWrite // Program is filled in from the Op
	Withdrawal *ledger.Withdrawal
	// Withdrawals are further withdrawals the entry changes, one per
	// posting besides Withdrawal's: a payout batch reserves many at once.
	Withdrawals []ledger.Withdrawal
	// WithdrawalsAnnounced says that Events announce Withdrawals as a
	// whole (a payout batch's event counts its lines): the engine then
	// writes no withdrawal.changed for each of them, which for a batch
	// of a million lines was a million outbox rows.
	WithdrawalsAnnounced bool
	Events               []Event // Seq and Time are filled in by the engine
}

// Result is the outcome of one operation.
type Result struct {
	Entry ledger.Entry
	// Replayed is true when the key had been applied before with the same
	// body: Entry is the first result and nothing was written now.
	Replayed bool
	// Err is the operation's refusal; nothing of the operation was written.
	Err error
}

// Engine applies operations to a store.
type Engine struct {
	store      Store
	currencies ledger.Currencies
	// lookUps counts down the batches that look their keys up however
	// small they are, after a guess that no key was used proved wrong.
	lookUps atomic.Int32
}

// New returns an engine writing to store and checking currencies against
// currencies.
func New(store Store, currencies ledger.Currencies) *Engine {
	return &Engine{store: store, currencies: currencies}
}

// Currencies returns the registry the engine checks postings against.
func (e *Engine) Currencies() ledger.Currencies { return e.currencies }

// ApplyOne applies a single operation. A refusal is returned as the error.
func (e *Engine) ApplyOne(ctx context.Context, op Op) (Result, error) {
	res, err := e.Apply(ctx, []Op{op})
	if err != nil {
		return Result{}, err
	}
	return res[0], res[0].Err
}

// Apply applies ops in order in one transaction. Each operation succeeds or
// is refused on its own (its Result.Err), and a refused operation leaves no
// trace. The returned error is for the batch as a whole (the store failed,
// the context ended): then nothing at all was written.
//
// Errors per operation: ledger.ErrKey, ledger.ErrKeyConflict, the errors of
// ledger.ValidatePostings and ledger.Apply, and whatever Run returns.
// Errors for the batch: ErrBatchMax, store and context errors.
func (e *Engine) Apply(ctx context.Context, ops []Op) ([]Result, error) {
	return e.ApplyJoin(ctx, ops, nil)
}

// ApplyJoin is Apply for a batch that others may join while it runs: once
// ops have run, and before anything is written, join is asked for the
// operations that arrived meanwhile (at most room of them), which run in
// the same transaction after the others; it is asked again, up to
// joinRounds times, until it has none. The results are for ops followed by
// whatever join returned, in order. Should the transaction run again (a
// lost race), the joined operations run again with it.
//
// This is what lets a group commit take everyone who is waiting by the
// time it writes, not only those who were waiting when it began: with
// callers who each wait for their last answer before sending again, a
// group that only takes the waiting splits them into two halves that
// alternate, each paying a transaction's fixed cost.
func (e *Engine) ApplyJoin(ctx context.Context, ops []Op, join func(room int) []Op) ([]Result, error) {
	if len(ops) > BatchMax {
		return nil, errcode.Errorf(ErrBatchMax, "batch has %d operations; at most %d are allowed", len(ops), BatchMax)
	}
	var results []Result
	var err error
	all := slices.Clip(ops) // joined operations are appended to a copy
	guess := e.guessKeys(len(ops))
	for attempt := 0; ; attempt++ {
		err = e.store.Update(ctx, func(tx Tx) error {
			var ierr error
			// all keeps the joined operations whatever happens: they are
			// the batch's now, and run again with it.
			results, all, ierr = e.applyTx(ctx, tx, all, join, guess)
			return ierr
		})
		if err != nil && guess && ctx.Err() == nil && attempt < retriesMax {
			// A key had been used, or the guess met a lost race, or an
			// operation run again in place of its replay failed the
			// batch: the run that looks the keys up is the answer. It
			// runs at once, and so do the next batches.
			guess = false
			e.lookUps.Store(lookUpsAfterMiss)
			continue
		}
		if err == nil || !errors.Is(err, ErrRetry) || attempt == retriesMax {
			break
		}
		// Back off a little, more each time, so that writers that collided
		// do not collide again in lockstep.
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(time.Duration(attempt+1) * time.Millisecond):
		}
	}
	if err != nil {
		return nil, err
	}
	return results, nil
}

// joinRounds bounds how many times a batch asks for operations to join it:
// each round costs a look-up of the joiners' keys.
const joinRounds = 4

// guessKeys reports whether a batch of n operations may run without
// looking its keys up first, guessing that none was used before; the
// store's unique key then catches a wrong guess (Tx.UniqueKeys), and so
// does a look-up of the keys of the operations it refused, since an
// operation that succeeded once may be refused when run again (a
// withdrawal that emptied the balance it reserved): its retry must
// replay the first answer all the same.
func (e *Engine) guessKeys(n int) bool {
	if n > guessOpsMax {
		return false
	}
	for {
		left := e.lookUps.Load()
		if left <= 0 {
			return true
		}
		if e.lookUps.CompareAndSwap(left, left-1) {
			return false
		}
	}
}

// overlay holds what earlier operations of the batch wrote, so that later
// ones read it, and collects the batch.
type overlay struct {
	tx   Tx
	ctx  context.Context
	keys map[string]*ledger.Entry
	// bals holds every balance the batch locked (with its row's value or
	// zero), updated as operations apply, and at holds the position of
	// bals[:atFilled] by key: a key is loaded once it is in bals. Positions
	// rather than a map of balances, so that an entry of a million postings
	// pays no lookup per posting side (ledger.ApplyAt); at is filled only
	// when a later read needs it, so that a batch of one large operation
	// (a usage close) never builds it.
	at       map[ledger.BalanceKey]int32
	atFilled int
	bals     []ledger.Balance
	// runs are ranges of bals read by key range (RangeView.BalanceRange),
	// sorted by key and found by binary search, not in at: a payout
	// batch's million balances need no map.
	runs    [][2]int32
	runHint int32 // the position find found last in a run
	// touched lists, for each accepted operation, the positions of the
	// balances it changed, once each, with the operation's place among
	// the batch's entries; write sorts them by key.
	touched     []touch
	state       map[[2]string]stateValue
	withdrawals map[string]*pendingWithdrawal
	// bulk holds operations' Withdrawals not (yet) in withdrawals: a
	// payout batch's million lines are written as they came, without a
	// map entry and an object each, unless a later operation of the
	// batch reads or changes a withdrawal (then they move to the map).
	bulk  []bulkWithdrawals
	batch Batch
	// stream: the transaction takes accepted entries as they come (a
	// large batch, Tx.Streaming), numbered from streamEntry and
	// streamEvent, the next numbers being nextEntry and nextEvent.
	stream                   bool
	streamEntry, streamEvent uint64
	nextEntry, nextEvent     uint64
}

// streamOpsMin is the batch size from which accepted entries are streamed
// to a transaction that takes them: below it, a goroutine's hand-offs cost more than the
// overlap saves.
const streamOpsMin = 256

type stateValue struct {
	value []byte
	ok    bool
}

// pendingWithdrawal is a withdrawal changed in this batch, with the entries
// that changed it; their sequence numbers are known only once the batch has
// reserved them.
type pendingWithdrawal struct {
	w                ledger.Withdrawal
	request, resolve *ledger.Entry
	changed          bool
	// announce: a withdrawal.changed is written for it (see
	// Change.WithdrawalsAnnounced).
	announce bool
}

// bulkWithdrawals are one entry's Change.Withdrawals.
type bulkWithdrawals struct {
	ws       []ledger.Withdrawal
	entry    *ledger.Entry
	announce bool
}

// applyTx runs ops, and those that join them, in tx. It returns the
// results and the operations run, ops and the joiners in order; on an
// error too, so that a transaction run again keeps its joiners. With
// guess, and a transaction that refuses used keys (Tx.UniqueKeys), the
// keys are not looked up before the operations run (see guessKeys).
// Its steps: look the keys up (or guess), start streaming a large batch,
// run ops, take the joiners, check a guess, write, answer.
func (e *Engine) applyTx(ctx context.Context, tx Tx, ops []Op, join func(room int) []Op, guess bool) ([]Result, []Op, error) {
	r := &txRun{e: e, ov: newOverlay(ctx, tx, len(ops)), guess: guess && tx.UniqueKeys()}
	if err := r.begin(ops); err != nil {
		return nil, ops, err
	}
	if err := r.run(ops); err != nil {
		return nil, ops, err
	}
	ops, err := r.joinAll(ops, join)
	if err != nil {
		return nil, ops, err
	}
	if err := r.finish(ops); err != nil {
		return nil, ops, err
	}
	return r.answers(), ops, nil
}

// txRun is one run of a batch in one transaction: the overlay, whether
// its keys are guessed unused, and the results so far.
type txRun struct {
	e     *Engine
	ov    *overlay
	guess bool
	// results[i] is op i's; entries[i] its entry, which gets its
	// sequence number only when the batch reserves its numbers, so
	// results are filled in last (answers).
	results []Result
	entries []*ledger.Entry
}

func newOverlay(ctx context.Context, tx Tx, n int) *overlay {
	return &overlay{
		tx: tx, ctx: ctx,
		keys:        map[string]*ledger.Entry{},
		at:          make(map[ledger.BalanceKey]int32, 4*n),
		bals:        make([]ledger.Balance, 0, 4*n),
		touched:     make([]touch, 0, 4*n),
		state:       map[[2]string]stateValue{},
		withdrawals: map[string]*pendingWithdrawal{},
	}
}

// begin looks ops' keys up unless they are guessed unused, and has a
// large batch stream its entries to a transaction that takes them.
func (r *txRun) begin(ops []Op) error {
	if !r.guess {
		if err := r.ov.lookUpKeys(ops); err != nil {
			return err
		}
	}
	if err := r.ov.prefetch(ops); err != nil {
		return err
	}
	if len(ops) >= streamOpsMin && r.ov.tx.Streaming() {
		e, v, err := r.ov.tx.Counters(r.ov.ctx)
		if err != nil {
			return err
		}
		r.ov.stream, r.ov.streamEntry, r.ov.streamEvent, r.ov.nextEntry, r.ov.nextEvent = true, e, v, e, v
	}
	r.results = make([]Result, 0, len(ops))
	r.entries = make([]*ledger.Entry, 0, len(ops))
	return nil
}

// run applies ops in order. An operation's refusal is its result; an
// operating failure (a lost race, the store's failure) fails the batch.
func (r *txRun) run(ops []Op) error {
	for _, op := range ops {
		var res Result
		entry, replayed, err := r.ov.apply(r.e, op)
		if err != nil {
			if errors.Is(err, ErrRetry) || errors.Is(err, errStreamFailed) || errcode.Code(err) == errcode.InternalCode {
				return err
			}
			res.Err = err
		}
		res.Replayed = replayed
		r.results = append(r.results, res)
		r.entries = append(r.entries, entry)
	}
	return nil
}

// joinAll asks join for the operations that arrived meanwhile, up to
// joinRounds times, and runs them; it returns ops followed by the
// joiners, which are the batch's from the moment join gave them, even
// when running them fails.
func (r *txRun) joinAll(ops []Op, join func(room int) []Op) ([]Op, error) {
	for round := 0; join != nil && round < joinRounds && len(ops) < BatchMax; round++ {
		room := BatchMax - len(ops)
		more := join(room)
		if len(more) == 0 {
			break
		}
		if len(more) > room {
			// The caller counts on a result for each: refuse, not trim.
			return ops, fmt.Errorf("%d operations joined a batch with room for %d", len(more), room)
		}
		ops = append(ops, more...)
		if err := r.joined(ops, more); err != nil {
			return ops, err
		}
	}
	return ops, nil
}

// joined runs the joiners more, the tail of ops, after looking their keys
// up unless the batch still guesses.
func (r *txRun) joined(ops, more []Op) error {
	if r.guess && len(ops) > guessOpsMax {
		// Past what a guess is worth: check the keys run so far, and
		// look up the joiners' as a large batch does.
		if err := r.ov.checkGuess(ops[:len(ops)-len(more)], nil); err != nil {
			return err
		}
		r.guess = false
	}
	if !r.guess {
		if err := r.ov.lookUpKeys(more); err != nil {
			return err
		}
	}
	if err := r.ov.prefetch(more); err != nil {
		return err
	}
	return r.run(more)
}

// prefetch locks, in one read, the balances that ops say they will touch
// (Op.Postings) and the batch has not loaded, but those of replays found
// already. The keys are gathered through a set rather than sorted with
// every posting side: a batch of a hundred payments names eight hundred
// sides and about a hundred balances.
func (ov *overlay) prefetch(ops []Op) error {
	ov.fillAt()
	var keys []ledger.BalanceKey
	var seen map[ledger.BalanceKey]struct{}
	for _, op := range ops {
		if op.Postings == nil || ov.keys[op.Key] != nil {
			continue
		}
		if seen == nil {
			seen = make(map[ledger.BalanceKey]struct{}, 2*len(ops))
		}
		for _, p := range op.Postings {
			for _, k := range [2]ledger.BalanceKey{{Account: p.From, Currency: p.Currency}, {Account: p.To, Currency: p.Currency}} {
				if _, ok := ov.find(k); ok {
					continue
				}
				if _, ok := seen[k]; !ok {
					seen[k] = struct{}{}
					keys = append(keys, k)
				}
			}
		}
	}
	if len(keys) == 0 {
		return nil
	}
	_, err := ov.loadBalances(nil, keys, false)
	return err
}

// finish checks a guessed batch's refused keys, then writes the batch.
func (r *txRun) finish(ops []Op) error {
	if r.guess {
		if err := r.ov.checkGuess(ops, r.results); err != nil {
			return err
		}
	}
	if len(r.ov.batch.Entries) == 0 {
		return nil
	}
	return r.ov.write()
}

// answers fills the results in with the entries, numbered now.
func (r *txRun) answers() []Result {
	for i, ent := range r.entries {
		if ent != nil {
			r.results[i].Entry = *ent
		}
	}
	return r.results
}

// readable names the amount of an overdraft in its currency's decimals,
// as people read it, when the currency is registered.
func (e *Engine) readable(err error) error {
	var od *ledger.OverdraftError
	if !errors.As(err, &od) || e.currencies == nil {
		return err
	}
	c, lerr := e.currencies.Lookup(od.Currency)
	if lerr != nil {
		return err
	}
	return od.In(c)
}

// lookUpKeys loads the committed entries that ops' keys name, in one read
// per 256 keys.
func (ov *overlay) lookUpKeys(ops []Op) error {
	keys := make([]string, 0, len(ops))
	for _, op := range ops {
		// A key this batch wrote already is not committed: no read.
		if _, seen := ov.keys[op.Key]; !seen && ledger.ValidateKey(op.Key) == nil {
			keys = append(keys, op.Key)
		}
	}
	if len(keys) == 0 {
		return nil
	}
	found, err := ov.tx.Entries(ov.ctx, keys)
	if err != nil {
		return fmt.Errorf("looking up %d keys: %w", len(keys), err)
	}
	for i := range found {
		ov.keys[found[i].Key] = &found[i]
	}
	return nil
}

// checkGuess looks up the keys of the operations a guessed batch refused
// (with results), or of all ops (results nil: joiners are taking the
// batch past guessOpsMax, and it stops guessing). A key used before must
// be answered with its first result, not with what running it again gave,
// so the batch then runs again with its keys looked up. Accepted
// operations need no look-up before the write: writing one under a used
// key fails the transaction (Tx.UniqueKeys).
func (ov *overlay) checkGuess(ops []Op, results []Result) error {
	var keys []string
	for i, op := range ops {
		if (results == nil || results[i].Err != nil) && ledger.ValidateKey(op.Key) == nil {
			keys = append(keys, op.Key)
		}
	}
	if len(keys) == 0 {
		return nil
	}
	found, err := ov.tx.Entries(ov.ctx, keys)
	if err != nil {
		return fmt.Errorf("looking up %d keys of a guessed batch: %w", len(keys), err)
	}
	if len(found) > 0 {
		return fmt.Errorf("%w: key %q was used before", ErrRetry, found[0].Key)
	}
	return nil
}

// apply runs one operation against the overlay. It returns the operation's
// entry, which is the first one when the key was applied before.
func (ov *overlay) apply(e *Engine, op Op) (*ledger.Entry, bool, error) {
	if err := ledger.ValidateKey(op.Key); err != nil {
		return nil, false, err
	}
	// The batch's keys were looked up, or are guessed unused.
	if prev := ov.keys[op.Key]; prev != nil {
		if !op.sameRequest(prev.Hash) || prev.Program != op.Program {
			return nil, false, errcode.Errorf(ledger.ErrKeyConflict, "idempotency key %q was first used with a different body (entry %d); use a new key for a new request", op.Key, prev.Seq)
		}
		return prev, true, nil
	}
	view := &opView{ov: ov, program: op.Program, reads: op.Reads}
	ch, err := op.Run(view)
	if err != nil {
		return nil, false, err
	}
	if ch.Kind == 0 {
		ch.Kind = ledger.Transfer
	}
	if err := ledger.ValidatePostings(ch.Kind, ch.Postings, e.currencies); err != nil {
		return nil, false, err
	}
	// Lock every balance the entry touches, in one order, then apply.
	var keyBuf [2 * balanceKeysLinear]ledger.BalanceKey
	var sideBuf [2 * balanceKeysLinear]int32
	keys, sides, sorted := balanceKeys(keyBuf[:0], sideBuf[:0], ch.Postings)
	var posBuf [2 * balanceKeysLinear]int32
	pos, err := ov.loadBalances(posBuf[:0], keys, sorted)
	if err != nil {
		return nil, false, err
	}
	// From indexes in keys to positions in the batch's balances.
	for j, k := range sides {
		sides[j] = pos[k]
	}
	// ledger.ApplyAt changes the batch's balances all or nothing, so a
	// refused operation leaves them as they were.
	if err := ledger.ApplyAt(ov.bals, ch.Kind, ch.Postings, sides, pos); err != nil {
		return nil, false, e.readable(err)
	}
	// From here on the operation is accepted: merge it into the batch.
	entry := int32(len(ov.batch.Entries))
	for _, p := range pos {
		ov.touched = append(ov.touched, touch{bal: p, entry: entry})
	}
	ent := &ledger.Entry{Key: op.Key, Hash: op.Hash, Kind: ch.Kind, Program: op.Program, Ref: ch.Ref, Time: op.Time, Postings: ch.Postings}
	ov.keys[op.Key] = ent
	ov.batch.Entries = append(ov.batch.Entries, ent)
	if ov.stream {
		ent.Seq = ov.nextEntry
		ev := Event{Seq: ov.nextEvent, Type: EventEntryCommitted, Time: ent.Time, Data: entryEventJSON(ent)}
		ov.nextEntry++
		ov.nextEvent++
		if err := ov.tx.AddEntry(ov.ctx, ent, ev); err != nil {
			// The store's failure, not the operation's: the batch fails.
			return nil, false, fmt.Errorf("%w: writing entry %q: %w", errStreamFailed, op.Key, err)
		}
		ov.batch.Streamed++
	}
	for _, w := range ch.State {
		w.Program = op.Program
		ov.state[[2]string{w.Program, w.Key}] = stateValue{value: w.Value, ok: w.Value != nil}
		ov.batch.State = append(ov.batch.State, w)
	}
	for _, ev := range ch.Events {
		ev.Time = op.Time
		ov.batch.Events = append(ov.batch.Events, ev)
	}
	if ch.Withdrawal != nil {
		ov.changeWithdrawal(*ch.Withdrawal, ent, true)
	}
	if len(ch.Withdrawals) > 0 {
		ov.bulk = append(ov.bulk, bulkWithdrawals{ws: ch.Withdrawals, entry: ent, announce: !ch.WithdrawalsAnnounced})
		if len(ov.withdrawals) > 0 || len(ov.bulk) > 1 || !ch.WithdrawalsAnnounced {
			// An ID may repeat what the batch changed before: one
			// map keeps the last change of each. Withdrawals the
			// operation does not announce itself go there too: the
			// map's path writes their withdrawal.changed events,
			// the in-place path (changedWithdrawals) writes none.
			ov.unbulk()
		}
	}
	return ent, false, nil
}

// unbulk moves the bulk withdrawals into the map, in the order they
// were changed.
func (ov *overlay) unbulk() {
	bulk := ov.bulk
	ov.bulk = nil
	for _, bw := range bulk {
		for _, w := range bw.ws {
			ov.changeWithdrawal(w, bw.entry, bw.announce)
		}
	}
}

// changeWithdrawal records that ent changed w; announce, that a
// withdrawal.changed says so.
func (ov *overlay) changeWithdrawal(w ledger.Withdrawal, ent *ledger.Entry, announce bool) {
	if len(ov.bulk) > 0 {
		ov.unbulk()
	}
	pw := ov.withdrawals[w.ID]
	if pw == nil {
		pw = &pendingWithdrawal{}
		ov.withdrawals[w.ID] = pw
	}
	pw.w, pw.changed = w, true
	pw.announce = pw.announce || announce
	if w.State == ledger.WithdrawalPending {
		pw.request = ent
	} else {
		pw.resolve = ent
	}
}

// balanceKeysLinear is how many postings balanceKeys deduplicates by
// comparing keys pairwise; above it, it sorts.
const balanceKeysLinear = 8

// balanceKeys appends to dst the keys of the balances postings touch,
// without duplicates, and to sides, for each posting, the indexes in those
// keys of its From and To balances; it reports whether the keys are
// sorted. For the usual few postings they come in the order they first
// appear, deduplicated pairwise (a map per operation was a fifth of the
// engine's allocations); for more they are sorted and compacted, which is
// what locking them needs anyway, and the sort carries each posting side
// along, so that no side is looked up by key afterwards. An entry paying a
// million participants from one pool names the pool a million times: a
// side equal to the previous posting's is not sorted again, leaving the
// participants in the order they came, often sorted already.
func balanceKeys(dst []ledger.BalanceKey, sides []int32, postings []ledger.Posting) ([]ledger.BalanceKey, []int32, bool) {
	start := len(dst)
	if len(postings) <= balanceKeysLinear {
		for _, p := range postings {
			for _, k := range [2]ledger.BalanceKey{{Account: p.From, Currency: p.Currency}, {Account: p.To, Currency: p.Currency}} {
				i := slices.Index(dst[start:], k)
				if i < 0 {
					i = len(dst) - start
					dst = append(dst, k)
				}
				sides = append(sides, int32(i))
			}
		}
		return dst, sides, false
	}
	type side struct {
		k  ledger.BalanceKey
		at int32 // index in sides
	}
	all := make([]side, 0, len(postings)+1)
	sides = slices.Grow(sides, 2*len(postings))
	base := len(sides)
	sides = sides[:base+2*len(postings)]
	for i, p := range postings {
		if i == 0 || p.From != postings[i-1].From || p.Currency != postings[i-1].Currency {
			all = append(all, side{ledger.BalanceKey{Account: p.From, Currency: p.Currency}, int32(2 * i)})
		} else {
			sides[base+2*i] = -1 // as the previous posting's
		}
		if i == 0 || p.To != postings[i-1].To || p.Currency != postings[i-1].Currency {
			all = append(all, side{ledger.BalanceKey{Account: p.To, Currency: p.Currency}, int32(2*i + 1)})
		} else {
			sides[base+2*i+1] = -1
		}
	}
	slices.SortFunc(all, func(x, y side) int { return x.k.Compare(y.k) })
	for i, sd := range all {
		if i == 0 || sd.k != all[i-1].k {
			dst = append(dst, sd.k)
		}
		sides[base+int(sd.at)] = int32(len(dst) - start - 1)
	}
	for j := base + 2; j < len(sides); j++ {
		if sides[j] < 0 {
			sides[j] = sides[j-2]
		}
	}
	return dst, sides, true
}

// loadBalances locks the balances of keys not loaded yet (not in ov.bals)
// and records them, and appends to pos the position in ov.bals of each
// key. sorted says keys are in lock order already.
func (ov *overlay) loadBalances(pos []int32, keys []ledger.BalanceKey, sorted bool) ([]int32, error) {
	ov.fillAt()
	start := len(pos)
	var missBuf [2 * balanceKeysLinear]ledger.BalanceKey
	var atBuf [2 * balanceKeysLinear]int
	missing, missingAt := missBuf[:0], atBuf[:0] // missingAt: index in keys
	for i, k := range keys {
		p, ok := ov.find(k)
		if !ok {
			if len(missing) == cap(missing) {
				missing = slices.Grow(missing, len(keys)-i)
				missingAt = slices.Grow(missingAt, len(keys)-i)
			}
			missing = append(missing, k)
			missingAt = append(missingAt, i)
			p = -1
		}
		pos = append(pos, p)
	}
	if len(missing) == 0 {
		return pos, nil
	}
	if !sorted {
		// Sorted with their places, for the positions.
		idx := make([]int, len(missing))
		for i := range idx {
			idx[i] = i
		}
		slices.SortFunc(idx, func(x, y int) int { return missing[x].Compare(missing[y]) })
		sm, sa := make([]ledger.BalanceKey, len(missing)), make([]int, len(missing))
		for i, j := range idx {
			sm[i], sa[i] = missing[j], missingAt[j]
		}
		missing, missingAt = sm, sa
	}
	bals, err := ov.tx.LockBalances(ov.ctx, missing)
	if err != nil {
		return nil, fmt.Errorf("locking balances: %w", err)
	}
	if len(bals) != len(missing) {
		return nil, fmt.Errorf("locking %d balances: the store returned %d", len(missing), len(bals))
	}
	ov.bals = slices.Grow(ov.bals, len(missing))
	for i, b := range bals {
		if b.BalanceKey != missing[i] {
			return nil, fmt.Errorf("locking balances: the store returned %s/%s for %s/%s", b.Account, b.Currency, missing[i].Account, missing[i].Currency)
		}
		pos[start+missingAt[i]] = int32(len(ov.bals))
		ov.bals = append(ov.bals, b)
	}
	return pos, nil
}

// fillAt brings ov.at up to date with ov.bals.
func (ov *overlay) fillAt() {
	n := len(ov.bals) - ov.atFilled
	if n == 0 {
		return
	}
	if n > overlayRegrowMin && n > len(ov.at) {
		// A map grown one insert at a time to a million keys rehashes
		// all the way up; one sized once does not.
		grown := make(map[ledger.BalanceKey]int32, len(ov.at)+n)
		maps.Copy(grown, ov.at)
		ov.at = grown
	}
	for i := ov.atFilled; i < len(ov.bals); i++ {
		ov.at[ov.bals[i].BalanceKey] = int32(i)
	}
	ov.atFilled = len(ov.bals)
}

// overlayRegrowMin is the number of balances an operation must bring for
// the batch's map to be made anew at its final size.
const overlayRegrowMin = 4096

// touch says that the batch's entry number entry changed the balance at
// position bal.
type touch struct {
	bal, entry int32
}

// write numbers the batch's entries and events, fills in what depends on
// those numbers, and hands the batch to the store.
func (ov *overlay) write() error {
	b := &ov.batch
	ids := make([]string, 0, len(ov.withdrawals))
	announced := 0
	for id, pw := range ov.withdrawals {
		if pw.changed {
			ids = append(ids, id)
			if pw.announce {
				announced++
			}
		}
	}
	slices.Sort(ids)
	// The batch's events: one per entry (already written when the entries
	// were streamed), then the programs', then the withdrawals' that are
	// announced one by one.
	streamed := b.Streamed
	events := make([]Event, 0, len(b.Entries)-streamed+len(b.Events)+announced)
	for _, ent := range b.Entries[streamed:] {
		events = append(events, Event{Type: EventEntryCommitted, Time: ent.Time})
	}
	events = append(events, b.Events...)
	for _, id := range ids {
		if pw := ov.withdrawals[id]; pw.announce {
			events = append(events, Event{Type: EventWithdrawalChanged, Time: withdrawalTime(pw.w)})
		}
	}
	firstEntry, firstEvent, err := ov.tx.Reserve(ov.ctx, len(b.Entries), streamed+len(events))
	if err != nil {
		return fmt.Errorf("reserving sequence numbers: %w", err)
	}
	if streamed > 0 && (firstEntry != ov.streamEntry || firstEvent != ov.streamEvent) {
		return fmt.Errorf("reserved entries from %d and events from %d; the streamed ones were numbered from %d and %d", firstEntry, firstEvent, ov.streamEntry, ov.streamEvent)
	}
	firstEvent += uint64(streamed)
	for i, ent := range b.Entries[streamed:] {
		ent.Seq = firstEntry + uint64(streamed+i)
		events[i].Data = entryEventJSON(ent)
	}
	b.Withdrawals = ov.changedWithdrawals(ids, events[len(b.Entries)-streamed+len(b.Events):])
	for i := range events {
		events[i].Seq = firstEvent + uint64(i)
	}
	b.Events = events
	// By key, then entry; sorted runs (a large operation's) sort fast.
	ts := ov.touched
	slices.SortFunc(ts, func(x, y touch) int {
		if c := ov.bals[x.bal].BalanceKey.Compare(ov.bals[y.bal].BalanceKey); c != 0 {
			return c
		}
		return cmp.Compare(x.entry, y.entry)
	})
	// Counted first so that the lists are sized once: a million
	// balances of 160 bytes were copied over and over while growing.
	// The balances in key order are, for one large operation, those it
	// loaded, in the order it loaded them (sorted to be locked): then
	// they are not copied (a million balances are 160 MB).
	n, inPlace := 0, true
	for i, t := range ts {
		if i == 0 || t.bal != ts[i-1].bal {
			inPlace = inPlace && int(t.bal) == n
			n++
		}
	}
	inPlace = inPlace && n == len(ov.bals)
	b.Touches = make([]int32, len(ts))
	b.TouchStart = make([]int32, 0, n+1)
	if !inPlace {
		b.Balances = make([]ledger.Balance, 0, n)
	}
	for i, t := range ts {
		if i == 0 || t.bal != ts[i-1].bal {
			if !inPlace {
				b.Balances = append(b.Balances, ov.bals[t.bal])
			}
			b.TouchStart = append(b.TouchStart, int32(i))
		}
		b.Touches[i] = t.entry
	}
	if inPlace {
		b.Balances = ov.bals
	}
	b.TouchStart = append(b.TouchStart, int32(len(ts)))
	if err := ov.tx.Write(ov.ctx, b); err != nil {
		return fmt.Errorf("writing batch of %d entries: %w", len(b.Entries), err)
	}
	return nil
}

// changedWithdrawals lists the batch's changed withdrawals with the
// sequence numbers of the entries that changed them: those of the map by
// ids, each announced one's event data filled in (in events, in order),
// then the bulk ones as their operations gave them.
func (ov *overlay) changedWithdrawals(ids []string, events []Event) []ledger.Withdrawal {
	if len(ids) == 0 && len(ov.bulk) == 1 {
		// One operation's withdrawals alone (a payout batch's): numbered
		// in place, not copied.
		bw := ov.bulk[0]
		for i := range bw.ws {
			bw.ws[i] = bulkNumbered(bw.ws[i], bw.entry)
		}
		return bw.ws
	}
	n := len(ids)
	for _, bw := range ov.bulk {
		n += len(bw.ws)
	}
	// Sized once: a payout batch changes a million withdrawals, which an
	// append doubling its way up copied over and over.
	out := make([]ledger.Withdrawal, 0, n)
	j := 0
	for _, id := range ids {
		pw := ov.withdrawals[id]
		if pw.request != nil {
			pw.w.RequestSeq = pw.request.Seq
		}
		if pw.resolve != nil {
			pw.w.ResolveSeq = pw.resolve.Seq
		}
		out = append(out, pw.w)
		if pw.announce {
			events[j].Data = mustJSON(withdrawalEvent{ID: pw.w.ID, Account: pw.w.Account, State: pw.w.State.String(), Amount: pw.w.Amount.String(), Currency: pw.w.Currency})
			j++
		}
	}
	for _, bw := range ov.bulk {
		for _, w := range bw.ws {
			out = append(out, bulkNumbered(w, bw.entry))
		}
	}
	return out
}

// bulkNumbered is w with the sequence number of ent, which requested it
// (pending) or resolved it.
func bulkNumbered(w ledger.Withdrawal, ent *ledger.Entry) ledger.Withdrawal {
	if w.State == ledger.WithdrawalPending {
		w.RequestSeq = ent.Seq
	} else {
		w.ResolveSeq = ent.Seq
	}
	return w
}

func withdrawalTime(w ledger.Withdrawal) time.Time {
	if w.State == ledger.WithdrawalPending {
		return w.Created
	}
	return w.Resolved
}

// opView is the View of one operation.
type opView struct {
	ov      *overlay
	program string
	reads   []string // Op.Reads
}

func (v *opView) State(key string) ([]byte, bool, error) {
	return v.state(v.program, key)
}

// ProgramState reads a program the operation declared in Op.Reads.
func (v *opView) ProgramState(program, key string) ([]byte, bool, error) {
	if !slices.Contains(v.reads, program) {
		return nil, false, fmt.Errorf("engine: an operation of %q reads %q's state without declaring it in Op.Reads", v.program, program)
	}
	return v.state(program, key)
}

func (v *opView) state(program, key string) ([]byte, bool, error) {
	k := [2]string{program, key}
	if sv, ok := v.ov.state[k]; ok {
		return sv.value, sv.ok, nil
	}
	val, ok, err := v.ov.tx.LockState(v.ov.ctx, program, key)
	if err != nil {
		return nil, false, fmt.Errorf("reading state %s/%s: %w", program, key, err)
	}
	v.ov.state[k] = stateValue{value: val, ok: ok}
	return val, ok, nil
}

func (v *opView) Withdrawal(id string) (ledger.Withdrawal, bool, error) {
	if len(v.ov.bulk) > 0 {
		v.ov.unbulk()
	}
	if pw, ok := v.ov.withdrawals[id]; ok {
		return pw.w, pw.w.ID != "", nil
	}
	w, ok, err := v.ov.tx.LockWithdrawal(v.ov.ctx, id)
	if err != nil {
		return ledger.Withdrawal{}, false, fmt.Errorf("reading withdrawal %s: %w", id, err)
	}
	// Remember absence too, so that a later read in the batch does not ask again.
	v.ov.withdrawals[id] = &pendingWithdrawal{w: w}
	return w, ok, nil
}

func (v *opView) Balance(account, currency string) (ledger.Balance, error) {
	k := ledger.BalanceKey{Account: account, Currency: currency}
	var buf [1]int32
	pos, err := v.ov.loadBalances(buf[:0], []ledger.BalanceKey{k}, true)
	if err != nil {
		return ledger.Balance{}, err
	}
	return v.ov.bals[pos[0]], nil
}

type entryEvent struct {
	Seq      uint64 `json:"seq"`
	Key      string `json:"key"`
	Kind     string `json:"kind"`
	Program  string `json:"program,omitempty"`
	Postings int    `json:"postings"`
}

type withdrawalEvent struct {
	ID       string `json:"id"`
	Account  string `json:"account"`
	State    string `json:"state"`
	Amount   string `json:"amount"`
	Currency string `json:"currency"`
}

// entryEventJSON is mustJSON(entryEvent{…}) for ent, the same bytes,
// written by hand: one per entry, and reflection took a microsecond of
// the twenty a batched entry may cost.
func entryEventJSON(ent *ledger.Entry) json.RawMessage {
	kind := ent.Kind.String()
	if !jsonPlain(ent.Key) || !jsonPlain(ent.Program) || !jsonPlain(kind) {
		return mustJSON(entryEvent{Seq: ent.Seq, Key: ent.Key, Kind: kind, Program: ent.Program, Postings: len(ent.Postings)})
	}
	b := make([]byte, 0, 64+len(ent.Key)+len(ent.Program))
	b = append(b, `{"seq":`...)
	b = strconv.AppendUint(b, ent.Seq, 10)
	b = append(b, `,"key":"`...)
	b = appendJSONPlain(b, ent.Key)
	b = append(b, `","kind":"`...)
	b = append(b, kind...)
	b = append(b, '"')
	if ent.Program != "" {
		b = append(b, `,"program":"`...)
		b = appendJSONPlain(b, ent.Program)
		b = append(b, '"')
	}
	b = append(b, `,"postings":`...)
	b = strconv.AppendInt(b, int64(len(ent.Postings)), 10)
	return append(b, '}')
}

// jsonPlain reports that s is printable ASCII, which encoding/json writes
// as it is but for the characters appendJSONPlain escapes.
func jsonPlain(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] > 0x7e {
			return false
		}
	}
	return true
}

// appendJSONPlain appends printable ASCII s as encoding/json quotes it
// (without the quotes): backslash and quote escaped, and, as json.Marshal
// does for HTML's sake, <, > and &.
func appendJSONPlain(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '"', '\\':
			b = append(b, '\\', c)
		case '<', '>', '&':
			b = append(b, `\u00`...)
			b = append(b, "0123456789abcdef"[c>>4], "0123456789abcdef"[c&0xf])
		default:
			b = append(b, c)
		}
	}
	return b
}

func mustJSON(v any) json.RawMessage {
	b, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("engine: encoding %T: %v", v, err))
	}
	return b
}
