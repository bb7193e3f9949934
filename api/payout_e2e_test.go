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

// TestPayoutLineKeysReserved: a platform key of a batch line's shape
// (payout-<batch>-<n>, payout-<batch>-0x<address>) is refused on any write
// route, since a withdrawal's ID is its key; other keys starting payout-
// stay the platform's to use.
func TestPayoutLineKeysReserved(t *testing.T) {
	for name, open := range stores(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			e := start(t, open(t))
			ingest := e.token(t, auth.Ingestor)
			for _, tc := range []struct {
				key      string
				reserved bool
			}{
				{"payout-3-1", true},
				{"payout-12-345", true},
				{"payout-3-0x5b38da6a701c568545dcfcb03fcb875f56beddc4", true},
				{"payout-3-0x5B38Da6a701c568545dCfcB03FcB875f56beddC4", true},
				{"payout-batch-3", false},
				{"payout-3", false},
				{"payout-3-", false},
				{"payout--1", false},
				{"payout-3-1a", false},
				{"payout-3-0x5b38", false},
				{"payout-x-1", false},
			} {
				_, _, err := ingest.CreateEntry(ctx, tc.key, wire.EntryRequest{Postings: []wire.PostingJSON{usd("@world", "artist:1", "1")}})
				if tc.reserved {
					wantCode(t, "an entry under "+tc.key, err, "payout_line_reserved", 409)
				} else if err != nil {
					t.Errorf("an entry under %s: %v; want it accepted", tc.key, err)
				}
			}
			// An admin's batch under a key of that shape is refused too.
			_, _, err := e.admin.CreatePayoutBatch(ctx, "payout-1-1", payout.BatchRequest{Currency: "USD"})
			wantCode(t, "a batch under payout-1-1", err, "payout_line_reserved", 409)
		})
	}
}

// TestWithdrawalRetryAfterDestinationRemoved: a payee's withdrawal that
// went through replays when it is retried after its destination was
// removed (as one requested before destinations were required does),
// while a new request is refused and a changed body under the same key
// conflicts.
func TestWithdrawalRetryAfterDestinationRemoved(t *testing.T) {
	for name, open := range stores(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			e := start(t, open(t))
			ingest := e.token(t, auth.Ingestor)
			payee := e.token(t, auth.Payee, "artist:1")
			if _, _, err := ingest.CreateEntry(ctx, "fund", wire.EntryRequest{Postings: []wire.PostingJSON{usd("@world", "artist:1", "100")}}); err != nil {
				t.Fatal(err)
			}
			if _, _, err := e.admin.SetPayoutDestination(ctx, "dest", "artist:1", payout.DestinationRequest{Destination: "@bank:artist-1"}); err != nil {
				t.Fatal(err)
			}
			req := wire.WithdrawalRequest{Account: "artist:1", Amount: "40", Currency: "USD", Destination: "@bank:artist-1"}
			first, replayed, err := payee.RequestWithdrawal(ctx, "w-1", req)
			if err != nil || replayed || first.Destination != "@bank:artist-1" {
				t.Fatalf("first request = %+v, replayed %v, %v", first, replayed, err)
			}
			if _, _, err := e.admin.RemovePayoutDestination(ctx, "undest", "artist:1"); err != nil {
				t.Fatal(err)
			}
			again, replayed, err := payee.RequestWithdrawal(ctx, "w-1", req)
			if err != nil || !replayed || again.ID != first.ID || again.Amount != "40" {
				t.Fatalf("retry = %+v, replayed %v, %v; want the first withdrawal replayed", again, replayed, err)
			}
			_, _, err = payee.RequestWithdrawal(ctx, "w-2", req)
			wantCode(t, "a new withdrawal with no destination", err, "payout_destination_missing", 422)
			changed := req
			changed.Amount = "41"
			_, _, err = payee.RequestWithdrawal(ctx, "w-1", changed)
			wantCode(t, "the same key with another amount", err, "key_conflict", 409)
			if got := available(t, e.admin, "artist:1", "USD"); got != "60" {
				t.Errorf("artist:1 available = %s; want 60 (one withdrawal of 40)", got)
			}
		})
	}
}

// TestPayeeWithdrawsToItsAddressOnly: a payee whose destination is an
// EVM address may name it as registered or as the account it pays
// (@evm:…, lower case), and nothing else, another address included.
func TestPayeeWithdrawsToItsAddressOnly(t *testing.T) {
	for name, open := range stores(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			e := start(t, open(t))
			ingest := e.token(t, auth.Ingestor)
			payee := e.token(t, auth.Payee, "artist:1")
			if _, _, err := ingest.CreateEntry(ctx, "fund", wire.EntryRequest{Postings: []wire.PostingJSON{usd("@world", "artist:1", "100")}}); err != nil {
				t.Fatal(err)
			}
			const addr = "0x5B38Da6a701c568545dCfcB03FcB875f56beddC4"
			if _, _, err := e.admin.SetPayoutDestination(ctx, "dest", "artist:1", payout.DestinationRequest{Destination: addr}); err != nil {
				t.Fatal(err)
			}
			for i, dest := range []string{"", addr, payout.EVMPrefix + "0x5b38da6a701c568545dcfcb03fcb875f56beddc4"} {
				w, _, err := payee.RequestWithdrawal(ctx, "ok-"+string(rune('a'+i)), wire.WithdrawalRequest{Account: "artist:1", Amount: "1", Currency: "USD", Destination: dest})
				if err != nil || w.Destination != "@evm:0x5b38da6a701c568545dcfcb03fcb875f56beddc4" {
					t.Errorf("withdrawal naming %q = %+v, %v; want it paid to the registered address", dest, w, err)
				}
			}
			for i, dest := range []string{"0xAb8483F64d9C6d1EcF9b849Ae677dD3315835cb2", "@evm:0xab8483f64d9c6d1ecf9b849ae677dd3315835cb2", "@bank:elsewhere", "@payout"} {
				_, _, err := payee.RequestWithdrawal(ctx, "other-"+string(rune('a'+i)), wire.WithdrawalRequest{Account: "artist:1", Amount: "1", Currency: "USD", Destination: dest})
				wantCode(t, "a withdrawal to "+dest, err, "payout_destination_not_registered", 403)
			}
			if got := available(t, e.admin, "artist:1", "USD"); got != "97" {
				t.Errorf("artist:1 available = %s; want 97 (three withdrawals of 1)", got)
			}
		})
	}
}
