package payout

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/tributary-ledger/tributary/errcode"
	"github.com/tributary-ledger/tributary/ledger"
	"github.com/tributary-ledger/tributary/money"
	"github.com/tributary-ledger/tributary/payout/merkle"
	"github.com/tributary-ledger/tributary/program"
)

// ErrBatchMismatch is a stored batch that its lines, its withdrawals or
// the journal contradict: a counter, a total, a line, its claims tree.
var ErrBatchMismatch = errcode.New(errcode.Broken, "payout_batch_mismatch", "a stored payout batch does not match what its lines and the journal recompute")

// verifyPage is how many batches VerifyBatches reads at a time.
const verifyPage = 256

// VerifyBatches recomputes every stored batch from the journal and checks
// it (tributary verify): its lines are the postings of the entry that made
// it, one for one (account, rail, amount, reference, in order); its
// counts and totals are those of its lines, and its counts by state those
// of its lines' withdrawals; its claims tree is the tree before it (the
// batch it names, which must be the currency's last uncancelled one) with
// its on-chain lines added, leaf for leaf, to the same total and root.
// Each batch that does not match is one ErrBatchMismatch, naming what.
//
// It reads the lines through ReadLines and the leaves through ReadLeaves.
func VerifyBatches(r program.Records) (program.VerifyReport, error) {
	rep := program.VerifyReport{What: "payout batches"}
	lastTree := map[string]uint64{} // by currency: the last uncancelled batch with a tree
	for after := ""; ; {
		page, err := r.List(batchPrefix, after, verifyPage)
		if err != nil {
			return rep, err
		}
		for _, rec := range page {
			var b Batch
			if err := json.Unmarshal(rec.Value, &b); err != nil {
				rep.Mismatches = append(rep.Mismatches, errcode.Errorf(ErrBatchMismatch, "%s does not decode: %v", rec.Key, err))
				continue
			}
			rep.Checked++
			problems, err := verifyBatch(r, b, lastTree[b.Currency])
			if err != nil {
				return rep, err
			}
			if len(problems) > 0 {
				rep.Mismatches = append(rep.Mismatches, errcode.Errorf(ErrBatchMismatch, "batch %d: %s", b.ID, strings.Join(problems, "; ")))
			}
			if b.ChainLines > 0 && b.State != StateCancelled {
				lastTree[b.Currency] = b.ID
			}
		}
		if len(page) < verifyPage {
			return rep, nil
		}
		after = page[len(page)-1].Key
	}
}

// batchCheck collects what does not match in one batch.
type batchCheck struct {
	r        program.Records
	b        Batch
	problems []string
}

func (c *batchCheck) failf(format string, args ...any) {
	c.problems = append(c.problems, fmt.Sprintf(format, args...))
}

// verifyBatch returns what of b does not match; an error only when the
// store could not be read.
func verifyBatch(r program.Records, b Batch, prevTree uint64) ([]string, error) {
	c := &batchCheck{r: r, b: b}
	lines, err := ReadLines(r, b)
	if err != nil {
		c.failf("its lines do not read: %v", err)
		return c.problems, nil
	}
	chain := c.totals(lines)
	if len(lines) == 0 {
		c.failf("it has no lines")
		return c.problems, nil
	}
	if err := c.journal(lines); err != nil {
		return nil, err
	}
	if err := c.states(lines); err != nil {
		return nil, err
	}
	if b.PrevTree != prevTree && len(chain) > 0 {
		c.failf("its tree builds on batch %d; the currency's last uncancelled tree before it is batch %d", b.PrevTree, prevTree)
	}
	if len(chain) > 0 || b.Root != "" {
		if err := c.tree(chain); err != nil {
			return nil, err
		}
	}
	return c.problems, nil
}

// totals checks the counts and totals the batch stores against its lines
// and returns what its on-chain lines add, by address.
func (c *batchCheck) totals(lines []Line) map[merkle.Address]money.Amount {
	b := c.b
	var total, bank, onchain money.Amount
	chain := map[merkle.Address]money.Amount{}
	for _, l := range lines {
		amt, err := money.ParseUnits(string(l.Amount))
		if err != nil {
			c.failf("line %s's amount %q: %v", l.Ref, l.Amount, err)
			continue
		}
		total, _ = total.Add(amt)
		if l.Rail != RailChain {
			bank, _ = bank.Add(amt)
			continue
		}
		onchain, _ = onchain.Add(amt)
		a, err := merkle.ParseAddress(l.Destination)
		if err != nil {
			c.failf("line %s's address %q: %v", l.Ref, l.Destination, err)
			continue
		}
		chain[a] = amt
	}
	if b.Lines != len(lines) {
		c.failf("it counts %d lines; %d are stored", b.Lines, len(lines))
	}
	if chainLines := countRail(lines, RailChain); b.ChainLines != chainLines {
		c.failf("it counts %d on-chain lines; %d are stored", b.ChainLines, chainLines)
	}
	for _, f := range []struct {
		name   string
		stored string
		sum    money.Amount
	}{{"total", string(b.Total), total}, {"bank total", string(b.BankTotal), bank}, {"chain total", string(b.ChainTotal), onchain}} {
		if f.stored != f.sum.String() {
			c.failf("its %s is %s; its lines sum to %s", f.name, f.stored, f.sum)
		}
	}
	return chain
}

func countRail(lines []Line, rail string) int {
	n := 0
	for _, l := range lines {
		if l.Rail == rail {
			n++
		}
	}
	return n
}

// journal checks the lines against the postings of the entry that made
// the batch, found through the first line's withdrawal.
func (c *batchCheck) journal(lines []Line) error {
	w, ok, err := c.r.Withdrawal(lines[0].Ref)
	if err != nil {
		return err
	}
	if !ok {
		c.failf("line %s has no withdrawal", lines[0].Ref)
		return nil
	}
	e, err := c.r.EntryBySeq(w.RequestSeq)
	if errcode.Code(err) == ledger.ErrNotFound.Code() {
		c.failf("the entry %d that made line %s is not in the journal", w.RequestSeq, lines[0].Ref)
		return nil
	}
	if err != nil {
		return err
	}
	if want := fmt.Sprintf("payout:%d", c.b.ID); e.Ref != want || e.Kind != ledger.WithdrawalRequest {
		c.failf("entry %d is %s %q, not the batch's request %q", e.Seq, e.Kind, e.Ref, want)
		return nil
	}
	if len(e.Postings) != len(lines) {
		c.failf("entry %d has %d postings; the batch stores %d lines", e.Seq, len(e.Postings), len(lines))
		return nil
	}
	for i, l := range lines {
		want := c.withdrawal(l).Posting()
		if p := e.Postings[i]; p.From != want.From || p.To != want.To || p.Currency != want.Currency || p.Amount != want.Amount || p.Path != want.Path {
			c.failf("line %d (%s %s %s) is not entry %d's posting %d (%s → %s %s, %s)", l.N, l.Account, l.Amount, l.Ref, e.Seq, i+1, p.From, p.To, p.Amount, p.Path)
			return nil
		}
	}
	return nil
}

// withdrawal is the pending withdrawal line l reserved.
func (c *batchCheck) withdrawal(l Line) ledger.Withdrawal {
	amt, _ := money.ParseUnits(string(l.Amount)) // checked by totals
	return ledger.Withdrawal{ID: l.Ref, Account: l.Account, Destination: RailAccount(l.Rail), Currency: c.b.Currency, Amount: amt}
}

// states checks the batch's counts by state against its lines'
// withdrawals, and its state against those counts.
func (c *batchCheck) states(lines []Line) error {
	var pending, chainPending, paid, claimed, voided int
	var seq uint64
	for _, l := range lines {
		w, ok, err := c.r.Withdrawal(l.Ref)
		if err != nil {
			return err
		}
		want := c.withdrawal(l)
		if !ok || w.Account != want.Account || w.Destination != want.Destination || w.Currency != want.Currency || w.Amount != want.Amount {
			c.failf("line %s's withdrawal is missing or another's (%s %s %s)", l.Ref, w.Account, w.Destination, w.Amount)
			return nil
		}
		if seq == 0 {
			seq = w.RequestSeq
		} else if w.RequestSeq != seq {
			c.failf("line %s was reserved by entry %d, the batch's other lines by entry %d", l.Ref, w.RequestSeq, seq)
		}
		switch {
		case w.State == ledger.WithdrawalPending:
			pending++
			if l.Rail == RailChain {
				chainPending++
			}
		case w.State == ledger.WithdrawalVoided:
			voided++
		case l.Rail == RailChain:
			claimed++
		default:
			paid++
		}
	}
	b := c.b
	for _, f := range []struct {
		name         string
		stored, real int
	}{{"pending", b.Pending, pending}, {"on-chain pending", b.ChainPending, chainPending}, {"paid", b.Paid, paid}, {"claimed", b.Claimed, claimed}, {"failed or voided", b.Failed + b.Voided, voided}} {
		if f.stored != f.real {
			c.failf("it counts %d %s lines; its withdrawals say %d", f.stored, f.name, f.real)
		}
	}
	if b.Pending+b.Paid+b.Failed+b.Claimed+b.Voided != b.Lines {
		c.failf("its counts by state (%d pending, %d paid, %d failed, %d claimed, %d voided) do not add up to its %d lines", b.Pending, b.Paid, b.Failed, b.Claimed, b.Voided, b.Lines)
	}
	if !stateFits(b, pending) {
		c.failf("it is %s with %d of %d lines pending", b.State, pending, len(lines))
	}
	return nil
}

// stateFits reports whether b's state agrees with how many of its lines
// are pending.
func stateFits(b Batch, pending int) bool {
	switch b.State {
	case StateOpen:
		return pending == b.Lines
	case StatePublished:
		return pending > 0
	case StateSettled:
		return pending == 0 && b.Voided == 0
	case StateCancelled:
		return pending == 0 && b.Voided == b.Lines
	}
	return false
}

// tree recomputes the batch's claims tree: the leaves of the tree it
// builds on, each raised by what the batch's on-chain lines add, and
// checks the stored leaves, their count and total, and the root.
func (c *batchCheck) tree(chain map[merkle.Address]money.Amount) error {
	b := c.b
	cum := map[merkle.Address]money.Amount{}
	if b.PrevTree != 0 {
		prev, err := ReadBatch(c.r, b.PrevTree)
		if err != nil {
			c.failf("the batch its tree builds on does not read: %v", err)
			return nil
		}
		leaves, err := ReadLeaves(c.r, prev)
		if err != nil {
			c.failf("the leaves of batch %d do not read: %v", b.PrevTree, err)
			return nil
		}
		for _, l := range leaves {
			cum[l.Account] = l.Cumulative
		}
	}
	var total money.Amount
	for a, amt := range chain {
		cum[a], _ = cum[a].Add(amt)
	}
	want := make([]merkle.Leaf, 0, len(cum))
	for a, amt := range cum {
		want = append(want, merkle.Leaf{Account: a, Cumulative: amt})
		total, _ = total.Add(amt)
	}
	slices.SortFunc(want, func(x, y merkle.Leaf) int { return strings.Compare(string(x.Account[:]), string(y.Account[:])) })
	stored, err := ReadLeaves(c.r, b)
	if err != nil {
		c.failf("its leaves do not read: %v", err)
		return nil
	}
	if !slices.Equal(stored, want) {
		c.failf("its %d stored leaves are not the %d recomputed from the tree before it and its on-chain lines", len(stored), len(want))
	}
	if b.Leaves != len(want) || string(b.TreeTotal) != total.String() {
		c.failf("its tree counts %d leaves of total %s; recomputed: %d of total %s", b.Leaves, b.TreeTotal, len(want), total)
	}
	tree, err := merkle.Build(want)
	if err != nil {
		c.failf("its tree does not build: %v", err)
		return nil
	}
	if root := tree.Root().Hex(); b.Root != root {
		c.failf("its root is %s; recomputed %s", b.Root, root)
	}
	return nil
}
