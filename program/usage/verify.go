package usage

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/tributary-ledger/tributary/errcode"
	"github.com/tributary-ledger/tributary/ledger"
	"github.com/tributary-ledger/tributary/money"
	"github.com/tributary-ledger/tributary/program"
)

// verifyPage is how many closed epochs VerifyStatements lists at a time.
const verifyPage = 256

// problemsMax is how many participants' differences one epoch's mismatch
// names: enough to see what is wrong, not a million lines.
const problemsMax = 5

// VerifyStatements recomputes the statement of every closed epoch from
// the stored inputs (Explain, which checks its bytes against the digest
// stored at the close) and checks the close against it and the journal
// (tributary verify): the summary's figures are the statement's, the
// close's entry in the journal pays each participant exactly its line's
// amount from the pool, and each close carries in what the one before it
// carried out. Each epoch that does not match is one ErrDigest.
func VerifyStatements(r program.Records) (program.VerifyReport, error) {
	rep := program.VerifyReport{What: "usage statements"}
	st, err := ReadStatus(r)
	if err != nil || !st.Configured {
		return rep, err
	}
	epochs, err := closedEpochs(r, &rep)
	if err != nil {
		return rep, err
	}
	var prev Summary
	for i, epoch := range epochs {
		rep.Checked++
		sum, problems, err := verifyEpoch(r, epoch)
		if err != nil {
			return rep, err
		}
		if i > 0 && prev.Epoch+1 == epoch && sum.CarryIn != prev.CarryOut {
			problems = append(problems, fmt.Sprintf("it carries in %s; epoch %d carried out %s", sum.CarryIn, prev.Epoch, prev.CarryOut))
		}
		if len(problems) > 0 {
			rep.Mismatches = append(rep.Mismatches, errcode.Errorf(ErrDigest, "epoch %d: %s", epoch, strings.Join(problems, "; ")))
		}
		prev = sum
	}
	return rep, nil
}

// closedEpochs lists the epochs with a stored summary, in order (their
// keys are not zero-padded, so they sort as text otherwise); a key that
// names no epoch is a mismatch of rep.
func closedEpochs(r program.Records, rep *program.VerifyReport) ([]uint64, error) {
	var epochs []uint64
	for after := ""; ; {
		page, err := r.List("close/", after, verifyPage)
		if err != nil {
			return nil, err
		}
		for _, rec := range page {
			epoch, err := strconv.ParseUint(strings.TrimPrefix(rec.Key, "close/"), 10, 64)
			if err != nil {
				rep.Mismatches = append(rep.Mismatches, errcode.Errorf(ErrDigest, "state %s names no epoch", rec.Key))
				continue
			}
			epochs = append(epochs, epoch)
		}
		if len(page) < verifyPage {
			slices.Sort(epochs)
			return epochs, nil
		}
		after = page[len(page)-1].Key
	}
}

// verifyEpoch returns closed epoch's stored summary and what of it does
// not match; an error only when the store could not be read.
func verifyEpoch(r program.Records, epoch uint64) (Summary, []string, error) {
	o, sum, l, err := explain(r, epoch)
	if err != nil {
		// A statement that differs, or inputs that no longer decode or
		// were removed: the stored close is not what they recompute.
		stored, _ := ReadSummary(r, epoch)
		return stored, []string{err.Error()}, nil
	}
	var problems []string
	h := o.Header()
	for _, f := range []struct {
		name           string
		stored, recomp money.Amount
	}{
		{"revenue", sum.Revenue, h.Revenue}, {"target", sum.Target, h.Target}, {"pool", sum.Pool, h.Pool},
		{"shortfall", sum.Shortfall, h.Shortfall}, {"paid", sum.Paid, h.Paid}, {"carry-out", sum.CarryOut, h.CarryOut},
	} {
		if f.stored != f.recomp {
			problems = append(problems, fmt.Sprintf("its %s is %s; the statement's is %s", f.name, f.stored, f.recomp))
		}
	}
	if sum.Listed != h.Participants || sum.PaidCount != h.PaidCount {
		problems = append(problems, fmt.Sprintf("it lists %d participants, %d paid; the statement %d, %d paid", sum.Listed, sum.PaidCount, h.Participants, h.PaidCount))
	}
	e, err := r.EntryByKey(sum.Key)
	if errcode.Code(err) == ledger.ErrNotFound.Code() {
		return sum, append(problems, fmt.Sprintf("its close %q is not in the journal", sum.Key)), nil
	}
	if err != nil {
		return sum, nil, err
	}
	return sum, append(problems, paidAsStated(o, l, e)...), nil
}

// paidAsStated checks that entry e is the close of o's epoch and posts
// exactly what the close recomputes: each paid participant's amount from
// the pool, to the account (or a split's accounts) in force for the
// epoch, under the same explanation path, and nothing else.
func paidAsStated(o *Outcome, l *loaded, e ledger.Entry) []string {
	ref := "usage:epoch-" + strconv.FormatUint(o.in.Epoch, 10)
	if e.Ref != ref {
		return []string{fmt.Sprintf("entry %d is %q, not the close %q", e.Seq, e.Ref, ref)}
	}
	want, err := payouts(o, l.accounts, l.splits)
	if err != nil {
		return []string{fmt.Sprintf("the close's payouts do not recompute: %v", err)}
	}
	if len(e.Postings) != len(want) {
		return []string{fmt.Sprintf("entry %d has %d postings; the close recomputes %d", e.Seq, len(e.Postings), len(want))}
	}
	var problems []string
	for i, p := range e.Postings {
		if w := want[i]; p != w && len(problems) < problemsMax {
			problems = append(problems, fmt.Sprintf("entry %d's posting %d is %s → %s %s %s (%s); the close recomputes %s → %s %s %s (%s)", e.Seq, i+1, p.From, p.To, p.Amount, p.Currency, p.Path, w.From, w.To, w.Amount, w.Currency, w.Path))
		}
	}
	return problems
}
