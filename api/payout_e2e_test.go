package api_test

import (
	"context"
	"testing"

	"github.com/tributary-ledger/tributary/auth"
	"github.com/tributary-ledger/tributary/program/payout"
	"github.com/tributary-ledger/tributary/wire"
)

// TestPayoutLinesAreTheBatchs: a batch line's withdrawal is resolved
// through its batch only. A payee voiding its line (and claiming it on
// chain as well) or an ingestor posting it is refused, and no withdrawal
// request may take a line's ID first; the batch's own results resolve it.
func TestPayoutLinesAreTheBatchs(t *testing.T) {
	for name, open := range stores(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			e := start(t, open(t))
			ingest := e.token(t, auth.Ingestor)
			payee := e.token(t, auth.Payee, "artist:1")
			if _, _, err := ingest.CreateEntry(ctx, "fund", wire.EntryRequest{Postings: []wire.PostingJSON{usd("@world", "artist:1", "5000")}}); err != nil {
				t.Fatal(err)
			}
			if _, _, err := e.admin.SetPayoutDestination(ctx, "dest", "artist:1", payout.DestinationRequest{Destination: "@bank:artist-1"}); err != nil {
				t.Fatal(err)
			}
			// The platform's keys share the withdrawal IDs' space; a payee's
			// live under its own prefix and cannot name a line at all.
			_, _, err := e.admin.RequestWithdrawal(ctx, "payout-1-1", wire.WithdrawalRequest{Account: "artist:1", Amount: "10", Currency: "USD"})
			wantCode(t, "a withdrawal taking a line's ID", err, "payout_line_reserved", 409)
			b, _, err := e.admin.CreatePayoutBatch(ctx, "batch", payout.BatchRequest{Currency: "USD"})
			if err != nil || b.Lines != 1 || b.Total != "5000" {
				t.Fatalf("batch = %+v, %v", b, err)
			}
			_, _, err = payee.VoidWithdrawal(ctx, "void", "payout-1-1")
			wantCode(t, "a payee voiding its batch line", err, "payout_line_reserved", 409)
			_, _, err = ingest.PostWithdrawal(ctx, "post", "payout-1-1")
			wantCode(t, "an ingestor posting a batch line", err, "payout_line_reserved", 409)
			if _, _, err := e.admin.PublishPayoutBatch(ctx, "publish", "1", payout.PublishRequest{}); err != nil {
				t.Fatal(err)
			}
			b, _, err = ingest.RecordPayoutResults(ctx, "results", "1", payout.ResultsRequest{Result: payout.ResultPaid, References: []string{"payout-1-1"}})
			if err != nil || b.State != payout.StateSettled || b.Paid != 1 {
				t.Fatalf("results = %+v, %v; want settled, 1 paid", b, err)
			}
			if got := available(t, e.admin, "@payout:bank", "USD"); got != "5000" {
				t.Errorf("@payout:bank received %s; want 5000", got)
			}
		})
	}
}
