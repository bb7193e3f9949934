package chain

import (
	"bytes"
	"crypto/ecdsa"
	"errors"
	"math/big"
	"math/rand"
	"strconv"
	"testing"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/common/math"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/ethereum/go-ethereum/signer/core/apitypes"

	"github.com/tributary-ledger/tributary/errcode"
	"github.com/tributary-ledger/tributary/program/feeshare"
)

// testKey derives a private key from a seed, so that tests are repeatable.
func testKey(t testing.TB, seed int64) *ecdsa.PrivateKey {
	t.Helper()
	rnd := rand.New(rand.NewSource(seed))
	for {
		var b [32]byte
		rnd.Read(b[:])
		if k, err := crypto.ToECDSA(b[:]); err == nil {
			return k
		}
	}
}

func addrOf(k *ecdsa.PrivateKey) feeshare.Address {
	return feeshare.Address(crypto.PubkeyToAddress(k.PublicKey))
}

func randAddr(rnd *rand.Rand) feeshare.Address {
	var a feeshare.Address
	rnd.Read(a[:])
	return a
}

func randRequest(rnd *rand.Rand) feeshare.Request {
	req := feeshare.Request{
		Action:   []string{"register", "update", "cancel"}[rnd.Intn(3)],
		Contract: randAddr(rnd),
		Deployer: randAddr(rnd),
		ChainID:  rnd.Uint64(),
		Expiry:   rnd.Int63() - rnd.Int63(),
		Nonce:    rnd.Uint64(),
	}
	if rnd.Intn(2) == 0 {
		w := randAddr(rnd)
		req.Withdrawer = &w
	}
	for i := rnd.Intn(NoncesMax + 1); i > 0; i-- {
		req.Nonces = append(req.Nonces, rnd.Uint64()>>rnd.Intn(64))
	}
	return req
}

// referenceDigest computes the digest with go-ethereum's own EIP-712
// implementation (the one its clef signer uses), an independent check of
// Digest's hand-written encoding.
func referenceDigest(t *testing.T, req feeshare.Request) [32]byte {
	t.Helper()
	nonces := make([]any, len(req.Nonces))
	for i, n := range req.Nonces {
		nonces[i] = strconv.FormatUint(n, 10)
	}
	var w common.Address
	if req.Withdrawer != nil {
		w = common.Address(*req.Withdrawer)
	}
	td := apitypes.TypedData{
		Types: apitypes.Types{
			"EIP712Domain": {{Name: "name", Type: "string"}, {Name: "version", Type: "string"}, {Name: "chainId", Type: "uint256"}},
			"FeeshareRequest": {
				{Name: "action", Type: "string"}, {Name: "contract", Type: "address"}, {Name: "deployer", Type: "address"},
				{Name: "withdrawer", Type: "address"}, {Name: "nonces", Type: "uint64[]"}, {Name: "expiry", Type: "int64"}, {Name: "nonce", Type: "uint64"},
			},
		},
		PrimaryType: "FeeshareRequest",
		Domain:      apitypes.TypedDataDomain{Name: DomainName, Version: DomainVersion, ChainId: (*math.HexOrDecimal256)(new(big.Int).SetUint64(req.ChainID))},
		Message: apitypes.TypedDataMessage{
			"action": req.Action, "contract": common.Address(req.Contract).Hex(), "deployer": common.Address(req.Deployer).Hex(),
			"withdrawer": w.Hex(), "nonces": nonces, "expiry": strconv.FormatInt(req.Expiry, 10), "nonce": strconv.FormatUint(req.Nonce, 10),
		},
	}
	h, _, err := apitypes.TypedDataAndHash(td)
	if err != nil {
		t.Fatalf("reference digest: %v", err)
	}
	return [32]byte(h)
}

func TestDigestMatchesGoEthereum(t *testing.T) {
	rnd := rand.New(rand.NewSource(712))
	for i := 0; i < 300; i++ {
		req := randRequest(rnd)
		got, err := Digest(req)
		if err != nil {
			t.Fatalf("Digest(%+v): %v", req, err)
		}
		if want := referenceDigest(t, req); got != want {
			t.Fatalf("Digest(%+v) = %x; go-ethereum's apitypes gives %x", req, got, want)
		}
	}
}

func TestSignRecover(t *testing.T) {
	rnd := rand.New(rand.NewSource(1))
	for i := 0; i < 50; i++ {
		key := testKey(t, int64(i))
		req := randRequest(rnd)
		sig, err := Sign(req, key)
		if err != nil {
			t.Fatal(err)
		}
		if v := sig[64]; v != 27 && v != 28 {
			t.Fatalf("Sign: v = %d; want 27 or 28", v)
		}
		got, err := Recover(req, sig)
		if err != nil {
			t.Fatalf("Recover: %v", err)
		}
		if want := addrOf(key); got != want {
			t.Fatalf("Recover = %x; want signer %x", got, want)
		}
		// v as 0/1 (raw secp256k1) recovers the same signer.
		raw := bytes.Clone(sig)
		raw[64] -= 27
		if got, err := Recover(req, raw); err != nil || got != addrOf(key) {
			t.Fatalf("Recover with v-27 = %x, %v; want %x", got, err, addrOf(key))
		}
	}
}

// TestAnyFieldChangeBreaksSignature: every field is covered by the digest,
// so a signature for one request recovers someone else for any change.
func TestAnyFieldChangeBreaksSignature(t *testing.T) {
	key := testKey(t, 7)
	w := feeshare.Address{9}
	base := feeshare.Request{Action: "register", Contract: feeshare.Address{1}, Deployer: addrOf(key), Withdrawer: &w, Nonces: []uint64{5, 2, 1}, ChainID: 1337, Expiry: 1_800_000_000, Nonce: 3}
	sig, err := Sign(base, key)
	if err != nil {
		t.Fatal(err)
	}
	other := feeshare.Address{8}
	tests := []struct {
		name   string
		mutate func(r *feeshare.Request)
	}{
		{"action", func(r *feeshare.Request) { r.Action = "cancel" }},
		{"contract", func(r *feeshare.Request) { r.Contract[19] ^= 1 }},
		{"deployer", func(r *feeshare.Request) { r.Deployer[0] ^= 1 }},
		{"withdrawer changed", func(r *feeshare.Request) { r.Withdrawer = &other }},
		{"withdrawer removed", func(r *feeshare.Request) { r.Withdrawer = nil }},
		{"nonce value", func(r *feeshare.Request) { r.Nonces = []uint64{5, 2, 2} }},
		{"nonce order", func(r *feeshare.Request) { r.Nonces = []uint64{1, 2, 5} }},
		{"nonce added", func(r *feeshare.Request) { r.Nonces = []uint64{5, 2, 1, 0} }},
		{"nonces empty", func(r *feeshare.Request) { r.Nonces = nil }},
		{"chain id", func(r *feeshare.Request) { r.ChainID = 1 }},
		{"expiry", func(r *feeshare.Request) { r.Expiry++ }},
		{"expiry negative", func(r *feeshare.Request) { r.Expiry = -r.Expiry }},
		{"request nonce", func(r *feeshare.Request) { r.Nonce = 4 }},
	}
	for _, tt := range tests {
		req := base
		req.Nonces = bytesCloneU64(base.Nonces)
		tt.mutate(&req)
		got, err := Recover(req, sig)
		if err != nil {
			t.Errorf("%s: Recover: %v; want a well-formed recovery of another address", tt.name, err)
			continue
		}
		if got == addrOf(key) {
			t.Errorf("%s: Recover = the signer %x after the change; want another address", tt.name, got)
		}
	}
	if got, err := Recover(base, sig); err != nil || got != addrOf(key) {
		t.Fatalf("unchanged: Recover = %x, %v; want %x", got, err, addrOf(key))
	}
}

func bytesCloneU64(s []uint64) []uint64 { return append([]uint64(nil), s...) }

func TestMalformedSignatures(t *testing.T) {
	key := testKey(t, 3)
	req := feeshare.Request{Action: "cancel", Contract: feeshare.Address{1}, Deployer: addrOf(key), ChainID: 1337, Expiry: 10, Nonce: 1}
	good, err := Sign(req, key)
	if err != nil {
		t.Fatal(err)
	}
	with := func(f func(s []byte) []byte) []byte { return f(bytes.Clone(good)) }
	n := crypto.S256().Params().N
	tests := []struct {
		name string
		sig  []byte
	}{
		{"empty", nil},
		{"short", good[:64]},
		{"long", append(bytes.Clone(good), 0)},
		{"v 2", with(func(s []byte) []byte { s[64] = 2; return s })},
		{"v 29", with(func(s []byte) []byte { s[64] = 29; return s })},
		{"r zero", with(func(s []byte) []byte { clear(s[:32]); return s })},
		{"s zero", with(func(s []byte) []byte { clear(s[32:64]); return s })},
		{"r = N", with(func(s []byte) []byte { n.FillBytes(s[:32]); return s })},
		{"s high (malleable twin)", with(func(s []byte) []byte {
			hs := new(big.Int).Sub(n, new(big.Int).SetBytes(s[32:64]))
			hs.FillBytes(s[32:64])
			s[64] ^= 1
			return s
		})},
	}
	for _, tt := range tests {
		_, err := Recover(req, tt.sig)
		if !errors.Is(err, ErrSignature) {
			t.Errorf("%s: Recover err = %v; want %s", tt.name, err, ErrSignature.Code())
		}
	}
	if _, err := Digest(feeshare.Request{Nonces: make([]uint64, NoncesMax+1)}); errcode.Code(err) != ErrRequest.Code() {
		t.Errorf("Digest with %d nonces: err = %v; want %s", NoncesMax+1, err, ErrRequest.Code())
	}
}

func TestParseSignature(t *testing.T) {
	key := testKey(t, 4)
	good, _ := Sign(feeshare.Request{Action: "cancel"}, key)
	hexSig := common.Bytes2Hex(good)
	tests := []struct {
		in     string
		wantOK bool
	}{
		{"0x" + hexSig, true},
		{hexSig, true},
		{"0x" + hexSig[:128], false},
		{"0x" + hexSig + "00", false},
		{"0x" + hexSig[:128] + "zz", false},
		{"", false},
		{"0x" + hexSig[:128] + "1d", false}, // v = 29
	}
	for _, tt := range tests {
		got, err := ParseSignature(tt.in)
		if (err == nil) != tt.wantOK {
			t.Errorf("ParseSignature(%.20q…) err = %v; want ok=%v", tt.in, err, tt.wantOK)
			continue
		}
		if err != nil && !errors.Is(err, ErrSignature) {
			t.Errorf("ParseSignature(%.20q…) err = %v; want %s", tt.in, err, ErrSignature.Code())
		}
		if err == nil && !bytes.Equal(got, good) {
			t.Errorf("ParseSignature = %x; want %x", got, good)
		}
	}
}

func FuzzParseSignature(f *testing.F) {
	good, _ := Sign(feeshare.Request{Action: "register", Nonces: []uint64{1}}, testKey(f, 5))
	f.Add("0x" + common.Bytes2Hex(good))
	f.Add(common.Bytes2Hex(good))
	f.Add("0x")
	f.Add("0xzz")
	f.Fuzz(func(t *testing.T, s string) {
		sig, err := ParseSignature(s)
		if err != nil {
			if !errors.Is(err, ErrSignature) {
				t.Fatalf("ParseSignature(%q) err = %v; want %s", s, err, ErrSignature.Code())
			}
			return
		}
		if len(sig) != SignatureLen {
			t.Fatalf("ParseSignature(%q) = %d bytes; want %d", s, len(sig), SignatureLen)
		}
		// An accepted signature may still name no curve point (r is not
		// an x-coordinate): recovery then fails, but as ErrSignature.
		if _, err := Recover(feeshare.Request{Action: "cancel"}, sig); err != nil && !errors.Is(err, ErrSignature) {
			t.Fatalf("Recover of accepted signature %x: %v; want nil or %s", sig, err, ErrSignature.Code())
		}
	})
}

func FuzzRecover(f *testing.F) {
	good, _ := Sign(feeshare.Request{Action: "update"}, testKey(f, 6))
	f.Add(good)
	f.Add([]byte{})
	f.Add(make([]byte, SignatureLen))
	f.Fuzz(func(t *testing.T, sig []byte) {
		_, err := Recover(feeshare.Request{Action: "update"}, sig)
		if err != nil && !errors.Is(err, ErrSignature) {
			t.Fatalf("Recover(%x) err = %v; want nil or %s", sig, err, ErrSignature.Code())
		}
	})
}
