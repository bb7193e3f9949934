package payout_test

import (
	"testing"

	"github.com/tributary-ledger/tributary/errcode"
	"github.com/tributary-ledger/tributary/payout/merkle"
	"github.com/tributary-ledger/tributary/program/payout"
)

// chainOf returns n blocks from 1, each the child of the one before.
func chainOf(n int, salt byte) []payout.Block {
	out := make([]payout.Block, n)
	var parent merkle.Hash
	for i := range out {
		h := merkle.Hash{salt, byte(i >> 8), byte(i), 1}
		out[i] = payout.Block{Number: uint64(i + 1), Hash: h, Parent: parent}
		parent = h
	}
	return out
}

// TestClaimsCursorReach: the claims cursor remembers ClaimsReach applied
// blocks; blocks that follow one of them (a reorganization deeper than
// the confirmations) are applied from there, and blocks that follow none
// are refused with nothing written.
func TestClaimsCursorReach(t *testing.T) {
	e := newEnv(t)
	const contract = "0x5B38Da6a701c568545dCfcB03FcB875f56beddC4"
	old := chainOf(payout.ClaimsReach+10, 0xaa)
	for i := 0; i < len(old); i += 50 {
		e.apply(t, payout.ApplyClaims(e.key(), t0, "USDC", contract, old[i:min(i+50, len(old))], nil))
	}
	cur, err := payout.ReadCursor(view{e.st}, contract)
	if err != nil || cur.Number != uint64(len(old)) || len(cur.Recent) != payout.ClaimsReach || cur.Recent[0].Number != uint64(len(old)-payout.ClaimsReach) {
		t.Fatalf("cursor after %d blocks = %d with %d recent (%v); want %d remembered before it", len(old), cur.Number, len(cur.Recent), err, payout.ClaimsReach)
	}
	// A fork after block 200: its block 201 follows a remembered block.
	fork := payout.Block{Number: 201, Hash: merkle.Hash{0xbb, 201}, Parent: old[199].Hash}
	e.apply(t, payout.ApplyClaims(e.key(), t0, "USDC", contract, []payout.Block{fork}, nil))
	cur, _ = payout.ReadCursor(view{e.st}, contract)
	if cur.Number != 201 || cur.Hash != fork.Hash || len(cur.Recent) != 200-(len(old)-payout.ClaimsReach)+1 || cur.Recent[len(cur.Recent)-1].Hash != old[199].Hash {
		t.Errorf("cursor after the fork = %d %s with %d recent; want 201 on the new chain, the old chain cut back to block 200", cur.Number, cur.Hash.Hex(), len(cur.Recent))
	}
	for name, b := range map[string]payout.Block{
		"a block following one orphaned by the fork": {Number: 203, Hash: merkle.Hash{0xcc}, Parent: old[201].Hash},
		"a block following one beyond reach":         {Number: 6, Hash: merkle.Hash{0xdd}, Parent: old[4].Hash},
		"a block following nothing applied":          {Number: 202, Hash: merkle.Hash{0xee}, Parent: merkle.Hash{0x01}},
	} {
		_, err := e.try(payout.ApplyClaims(e.key(), t0, "USDC", contract, []payout.Block{b}, nil))
		if errcode.Code(err) != payout.ErrClaim.Code() {
			t.Errorf("%s: %v; want %s", name, err, payout.ErrClaim.Code())
		}
	}
	if again, _ := payout.ReadCursor(view{e.st}, contract); again.Number != 201 || again.Hash != fork.Hash {
		t.Errorf("a refused block moved the cursor to %d", again.Number)
	}
}
