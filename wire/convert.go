package wire

import "github.com/tributary-ledger/tributary/ledger"

// Postings returns postings on the wire.
func Postings(ps []ledger.Posting) []PostingJSON {
	out := make([]PostingJSON, len(ps))
	for i, p := range ps {
		out[i] = PostingJSON{From: p.From, To: p.To, Amount: Amount(p.Amount.String()), Currency: p.Currency, Path: p.Path}
	}
	return out
}

// Entry returns an entry on the wire.
func Entry(e ledger.Entry) EntryJSON {
	return EntryJSON{Seq: e.Seq, Key: e.Key, Kind: e.Kind.String(), Program: e.Program, Ref: e.Ref, Time: e.Time, Postings: Postings(e.Postings)}
}

// Balance returns a balance on the wire.
func Balance(b ledger.Balance) BalanceJSON {
	return BalanceJSON{Account: b.Account, Currency: b.Currency, Posted: b.Posted().String(), Pending: b.Pending().String(), Available: b.Available().String(), External: ledger.IsExternal(b.Account)}
}

// Withdrawal returns a withdrawal on the wire.
func Withdrawal(w ledger.Withdrawal) WithdrawalJSON {
	out := WithdrawalJSON{ID: w.ID, Account: w.Account, Destination: w.Destination, Amount: Amount(w.Amount.String()), Currency: w.Currency, State: w.State.String(), RequestSeq: w.RequestSeq, ResolveSeq: w.ResolveSeq, Created: w.Created}
	if !w.Resolved.IsZero() {
		r := w.Resolved
		out.Resolved = &r
	}
	return out
}
