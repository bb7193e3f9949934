package api_test

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/tributary-ledger/tributary/auth"
	"github.com/tributary-ledger/tributary/client"
	"github.com/tributary-ledger/tributary/program/feeshare"
)

// TestFeeshareClient drives the fee-share routes through the Go client
// (TestFeeshareEndToEnd covers every refusal over raw HTTP): parameters, a
// register signed by the deployer from a client without a token, one by an
// admin on the deployer's behalf, lookups and lists, update, cancel, the
// cursor and genesis.
func TestFeeshareClient(t *testing.T) {
	for name, open := range stores(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			deployer := feeshare.Address{0: 0xde, 19: 1}
			withdrawer := feeshare.Address{0: 0x77, 19: 2}
			contract, _ := feeshare.DeriveCreate(deployer, []uint64{5, 2, 1})
			other, _ := feeshare.DeriveCreate(deployer, []uint64{7})
			chain := &fakeChain{facts: feeshare.Facts{DeployerNonce: 12, ContractHasCode: true, Head: 99}, signer: deployer}
			e := startFeeshare(t, open(t), chain)
			reader := client.New(e.srv.URL, e.secret(t, auth.Reader), nil)
			signed := client.New(e.srv.URL, "", nil) // the deployer's signature authorizes, no token
			exp := fmt.Sprint(time.Now().Add(time.Hour).Unix())
			sig := strings.Repeat("ab", 65)

			// Parameters.
			p, err := reader.FeeshareParams(ctx)
			if err != nil || p != (feeshare.ParamsJSON{EnableRevenue: true, DeveloperSharesBP: 5000, DeveloperShares: "0.5", AddrDerivationCostCreate: 50}) {
				t.Errorf("FeeshareParams = %+v, %v; want the defaults", p, err)
			}
			tru, cost := true, uint64(60)
			_, err = reader.SetFeeshareParams(ctx, "p0", feeshare.ParamsRequest{EnableRevenue: &tru, DeveloperShares: "40%", AddrDerivationCostCreate: &cost})
			refused(t, "a reader setting params", err, "forbidden")
			_, err = e.admin.SetFeeshareParams(ctx, "p1", feeshare.ParamsRequest{EnableRevenue: &tru, DeveloperShares: "1.5", AddrDerivationCostCreate: &cost})
			refused(t, "150% developer shares", err, "feeshare_shares_invalid")
			if p, err := e.admin.SetFeeshareParams(ctx, "p2", feeshare.ParamsRequest{EnableRevenue: &tru, DeveloperShares: "40%", AddrDerivationCostCreate: &cost}); err != nil || p.DeveloperSharesBP != 4000 || p.DeveloperShares != "0.4" {
				t.Errorf("SetFeeshareParams(40%%) = %+v, %v; want 4000 bp", p, err)
			}

			// Register, signed by the deployer; the same key replays, the
			// same signed request under another key is refused.
			reg := feeshare.RequestJSON{Contract: contract.Hex(), Deployer: deployer.Bech32(), Withdrawer: withdrawer.Bech32(), Nonces: []string{"5", "2", "1"}, ChainID: "9001", Expiry: exp, Nonce: "1", Signature: sig}
			_, _, err = reader.FeeshareRegister(ctx, "r0", reg)
			refused(t, "a register with a reader's token", err, "forbidden")
			w, replayed, err := signed.FeeshareRegister(ctx, "r1", reg)
			if err != nil || replayed || w.Contract != contract.Hex() || w.Payee != withdrawer.Account() || w.GasCost != 180 || w.By != feeshare.ByDeployer || w.Seq == 0 {
				t.Fatalf("FeeshareRegister = %+v, replayed %v, %v; want the withdrawer paid, gas 3 × 60, by the deployer", w, replayed, err)
			}
			if again, replayed, err := signed.FeeshareRegister(ctx, "r1", reg); err != nil || !replayed || again.Seq != w.Seq {
				t.Errorf("FeeshareRegister replay = %+v, replayed %v, %v; want seq %d replayed", again, replayed, err, w.Seq)
			}
			_, _, err = signed.FeeshareRegister(ctx, "r2", reg)
			refused(t, "the signed request under a new key", err, "feeshare_request_replayed")
			chain.facts.DeployerNonce = 13
			if w, _, err := e.admin.FeeshareRegister(ctx, "r3", feeshare.RequestJSON{Contract: other.Hex(), Deployer: deployer.Hex(), Nonces: []string{"7"}}); err != nil || !strings.HasPrefix(w.By, "admin:") || w.Payee != deployer.Account() {
				t.Errorf("admin FeeshareRegister = %+v, %v; want by admin:…, the deployer paid", w, err)
			}

			// Lookups and lists.
			if r, err := reader.FeeshareContract(ctx, contract.Bech32()); err != nil || r.Contract != contract.Hex() || r.Withdrawer != withdrawer.Hex() {
				t.Errorf("FeeshareContract(bech32) = %+v, %v; want the registration with its withdrawer", r, err)
			}
			_, err = reader.FeeshareContract(ctx, "0x1234")
			refused(t, "looking up a short address", err, "feeshare_address_invalid")
			page, err := reader.FeeshareContracts(ctx, "", 1)
			if err != nil || len(page.Contracts) != 1 || page.Total != 2 || page.Next == "" {
				t.Fatalf("FeeshareContracts(limit 1) = %+v, %v; want 1 of 2 and a next cursor", page, err)
			}
			last, err := reader.FeeshareContracts(ctx, page.Next, 1)
			if err != nil || len(last.Contracts) != 1 || last.Next != "" || last.Contracts[0].Contract == page.Contracts[0].Contract {
				t.Errorf("FeeshareContracts(after %s) = %+v, %v; want the other contract, last page", page.Next, last, err)
			}
			if page, err := reader.FeeshareDeployerContracts(ctx, deployer.Hex(), "", 0); err != nil || page.Total != 2 {
				t.Errorf("FeeshareDeployerContracts = %+v, %v; want 2", page, err)
			}
			if page, err := reader.FeeshareWithdrawerContracts(ctx, withdrawer.Bech32(), "", 0); err != nil || page.Total != 1 || page.Contracts[0].Contract != contract.Hex() {
				t.Errorf("FeeshareWithdrawerContracts = %+v, %v; want the first contract", page, err)
			}

			// Update to no withdrawer, then cancel, both signed.
			upd := feeshare.RequestJSON{Contract: contract.Hex(), Deployer: deployer.Hex(), ChainID: "9001", Expiry: exp, Nonce: "2", Signature: sig}
			if w, _, err := signed.FeeshareUpdate(ctx, "u1", upd); err != nil || w.Payee != deployer.Account() || w.Withdrawer != "" {
				t.Errorf("FeeshareUpdate = %+v, %v; want the deployer paid", w, err)
			}
			upd.Nonce = "3"
			if c, replayed, err := signed.FeeshareCancel(ctx, "c1", upd); err != nil || replayed || !c.Cancelled || c.By != feeshare.ByDeployer {
				t.Errorf("FeeshareCancel = %+v, replayed %v, %v; want cancelled by the deployer", c, replayed, err)
			}
			_, err = reader.FeeshareContract(ctx, contract.Hex())
			refused(t, "the contract after cancelling", err, "not_found")
			_, _, err = e.admin.FeeshareUpdate(ctx, "u2", feeshare.RequestJSON{Contract: contract.Hex(), Deployer: deployer.Hex(), Withdrawer: withdrawer.Hex()})
			refused(t, "updating a cancelled contract", err, "feeshare_not_registered")

			// The cursor of a server that has distributed nothing.
			if cur, err := reader.FeeshareCursor(ctx); err != nil || cur.Head != nil || len(cur.Blocks) != 0 {
				t.Errorf("FeeshareCursor = %+v, %v; want empty", cur, err)
			}

			// Genesis: export, import elsewhere, export there: the same bytes.
			_, err = reader.FeeshareGenesis(ctx)
			refused(t, "a reader exporting genesis", err, "forbidden")
			g1, err := e.admin.FeeshareGenesis(ctx)
			if err != nil || len(g1) == 0 {
				t.Fatalf("FeeshareGenesis = %q, %v", g1, err)
			}
			e2 := startFeeshare(t, open(t), nil)
			imp, err := e2.admin.ImportFeeshareGenesis(ctx, "g1", g1)
			if err != nil || imp.Revenues != 1 || imp.Params.DeveloperSharesBP != 4000 {
				t.Errorf("ImportFeeshareGenesis = %+v, %v; want 1 contract and 4000 bp", imp, err)
			}
			_, err = e2.admin.ImportFeeshareGenesis(ctx, "g2", g1)
			refused(t, "a second import", err, "feeshare_genesis_not_empty")
			if g2, err := e2.admin.FeeshareGenesis(ctx); err != nil || !bytes.Equal(g1, g2) {
				t.Errorf("export → import → export differs (%v):\n%s\n%s", err, g1, g2)
			}
		})
	}
}
