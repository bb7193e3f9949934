package engine

import (
	"context"

	"github.com/tributary-ledger/tributary/ledger"
)

// JournalReader is what Verify needs of a store.
type JournalReader interface {
	Journal(ctx context.Context, after uint64, limit int) ([]ledger.Entry, error)
	BalancesPage(ctx context.Context, after ledger.BalanceKey, limit int) ([]ledger.Balance, error)
}

// verifyPage is how many records Verify reads at a time.
const verifyPage = 2000

// Verify replays the whole journal, recomputes every balance from it, and
// checks the stored balances and conservation per currency.
//
// Errors: ledger.ErrVerify when the books disagree; read errors.
func Verify(ctx context.Context, r JournalReader) (ledger.Report, error) {
	v := ledger.NewVerifier()
	var after uint64
	for {
		ents, err := r.Journal(ctx, after, verifyPage)
		if err != nil {
			return ledger.Report{}, err
		}
		for _, e := range ents {
			if err := v.Add(e); err != nil {
				return ledger.Report{}, err
			}
		}
		if len(ents) < verifyPage {
			break
		}
		after = ents[len(ents)-1].Seq
	}
	var stored []ledger.Balance
	var key ledger.BalanceKey
	for {
		page, err := r.BalancesPage(ctx, key, verifyPage)
		if err != nil {
			return ledger.Report{}, err
		}
		stored = append(stored, page...)
		if len(page) < verifyPage {
			break
		}
		key = page[len(page)-1].BalanceKey
	}
	return v.Check(stored)
}
