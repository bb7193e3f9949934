package feeshare

import (
	"encoding/hex"
	"testing"
	"time"

	"github.com/tributary-ledger/tributary/engine"
)

// TestDigests pins every write's request digest and the digest older
// builds gave the same request (see the market's TestDigests).
func TestDigests(t *testing.T) {
	at := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	c, d, w := Address{1: 0xaa}, Address{2: 0xbb}, Address{3: 0xcc}
	req := Request{Action: ActionRegister, Contract: c, Deployer: d, Withdrawer: &w, Nonces: []uint64{5, 2, 1}, ChainID: 9001, Expiry: 1795000000, Nonce: 1}
	tests := []struct {
		name         string
		op           engine.Op
		want, legacy string
	}{
		{"params", SetParams("k", at, DefaultParams()), "e9a6c5ac9fff008afd7b8f76180cc1da98cdfb6d1dedc5aea9a2fee751a3f6be", "8c36daec8ef1dab5476802f636342cd47ec237e798e0e13322085a23a0515c2f"},
		{"register", Register("k", at, req, Facts{DeployerNonce: 1, ContractHasCode: true}, ByDeployer), "149f8bbc3befc7a831b397c55f0a1c17acc0517fad9ecf82c993f3f0aa42e86d", "2daba5fa0c41313d60f753cbaad35e079e4863b178e7c0d7029b0ea4717b95bd"},
		{"update", Update("k", at, Request{Action: ActionUpdate, Contract: c, Deployer: d}, 10, ByAdmin("tok_1")), "78087f4c94d748c38f530361c94b33dd2d4be42c46a1a7a265464236ac69e79e", "51f73615dbdc1aa620d5c2913998f7560d7291472d559f8a0e2402c499f63a9a"},
		{"cancel", Cancel("k", at, Request{Action: ActionCancel, Contract: c, Deployer: d}, 10, ByDeployer), "a9afe8943595df8bc189617ac33519394c6e6904837fa499fdbbcb586399f0be", "ea81021ab620721dcc885e2b15c7ccd0badd55857367bb3e2d37c1b7338185eb"},
		{"genesis", ImportGenesis("k", at, []byte(`{"params":{"enable_revenue":true}}`)), "77657d248e8160176968b6fbd68c6dac56e07362b0ecb4bc63cd4ccfe090013a", "c001ab66fb5fd720e90ffec04103672da96b3324bb864ed1802be13da814d27d"},
	}
	for _, tt := range tests {
		l := tt.op.Legacy()
		got, legacy := hex.EncodeToString(tt.op.Hash[:]), hex.EncodeToString(l[:])
		if got != tt.want || legacy != tt.legacy {
			t.Errorf("%s: digest %s, legacy %s; want %s, %s", tt.name, got, legacy, tt.want, tt.legacy)
		}
	}
	// The chain's facts and head are read by the server, not sent: a
	// retry that reads others is the same request.
	if Register("k", at, req, Facts{DeployerNonce: 9}, ByDeployer).Hash != Register("k", at, req, Facts{}, ByDeployer).Hash {
		t.Error("a registration's digest depends on the chain's facts")
	}
}
