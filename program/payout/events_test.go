package payout_test

import (
	"context"
	"strings"
	"testing"

	"github.com/tributary-ledger/tributary/engine"
	"github.com/tributary-ledger/tributary/ledger"
	"github.com/tributary-ledger/tributary/program/payout"
)

// TestBatchEvents: making and cancelling a batch announce its lines'
// withdrawals in one payout.batch event each (how many, and their new
// state), with no withdrawal.changed per line; a payee still finds its
// line among its withdrawals; results announce each withdrawal they
// resolve.
func TestBatchEvents(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	e.pay(t, "a:1", 500)
	e.pay(t, "a:2", 300)
	e.pay(t, "a:3", 400)
	e.dest(t, "a:1", "0x5B38Da6a701c568545dCfcB03FcB875f56beddC4")
	e.dest(t, "a:2", "@bank:a2")
	e.dest(t, "a:3", "@bank:a3")
	events := func(n int) []string {
		t.Helper()
		evs, err := e.st.Events(ctx, 0, 0)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, ev := range evs[len(evs)-n:] {
			if ev.Type != engine.EventEntryCommitted && ev.Type != engine.EventConfigChanged {
				out = append(out, ev.Type+" "+string(ev.Data))
			}
		}
		return out
	}
	b, err := e.run(usd)
	if err != nil {
		t.Fatal(err)
	}
	want := `payout.batch {"id":1,"action":"created","state":"open","currency":"USD","total":"1200","lines":3,"withdrawals":3,"withdrawal_state":"pending"}`
	if got := strings.Join(events(2), "\n"); got != want {
		t.Errorf("events of making the batch:\n%s\nwant\n%s", got, want)
	}
	ws, err := e.st.Withdrawals(ctx, ledger.WithdrawalFilter{Account: "a:1"})
	if err != nil {
		t.Fatal(err)
	}
	if addr := strings.ToLower("0x5B38Da6a701c568545dCfcB03FcB875f56beddC4"); len(ws) != 1 || ws[0].ID != "payout-1-"+addr || ws[0].State != ledger.WithdrawalPending || ws[0].Amount.String() != "500" || ws[0].Destination != payout.RailAccount(payout.RailChain) {
		t.Errorf("a:1's withdrawals = %+v; want its pending line of 500", ws)
	}
	e.apply(t, payout.Cancel(e.key(), t0, b.ID))
	want = `payout.batch {"id":1,"action":"cancelled","state":"cancelled","currency":"USD","total":"1200","lines":3,"withdrawals":3,"withdrawal_state":"voided"}`
	if got := strings.Join(events(2), "\n"); got != want {
		t.Errorf("events of cancelling the batch:\n%s\nwant\n%s", got, want)
	}
	if _, err := e.run(usd); err != nil {
		t.Fatal(err)
	}
	e.apply(t, payout.Publish(e.key(), t0, 2, nil))
	e.apply(t, payout.Results(e.key(), t0, 2, payout.ResultPaid, []string{"payout-2-2"}))
	want = `payout.batch {"id":2,"action":"results","state":"published","currency":"USD","total":"1200","lines":3}` + "\n" +
		`withdrawal.changed {"id":"payout-2-2","account":"a:2","state":"posted","amount":"300","currency":"USD"}`
	if got := strings.Join(events(3), "\n"); got != want {
		t.Errorf("events of results:\n%s\nwant\n%s", got, want)
	}
}
