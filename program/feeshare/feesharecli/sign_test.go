package feesharecli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tributary-ledger/tributary/chain"
	"github.com/tributary-ledger/tributary/errcode"
	"github.com/tributary-ledger/tributary/program/feeshare"
)

// TestSignFeeshare checks that --sign-key signs what the server verifies:
// the signature recovers the deployer over the request the body encodes,
// and a key that is not the deployer's is refused before any round trip.
func TestSignFeeshare(t *testing.T) {
	const keyHex = "b71c71a67e1177ad4e901695e1b4b9ee17ae16c6668d313eac2f96dbcda3f291"
	key, err := chain.ParseKey(keyHex)
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "key")
	if err := os.WriteFile(file, []byte("0x"+keyHex+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	deployer := chain.KeyAddress(key)
	body := feeshare.RequestJSON{Contract: "0x343c43a37d37dff08ae8c4a11544c718abb4fcf8", Deployer: deployer.Bech32(),
		Nonces: []string{"1"}, ChainID: "9001", Expiry: "1900000000", Nonce: "7"}
	sig, err := signFeeshare(feeshare.ActionRegister, body, file)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := chain.ParseSignature(sig)
	if err != nil {
		t.Fatal(err)
	}
	req, err := feeshare.ParseRequest(body, feeshare.ActionRegister)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := chain.Recover(req, raw); err != nil || got != deployer {
		t.Errorf("signature recovers %s, %v; want the deployer %s", got.Hex(), err, deployer.Hex())
	}
	// The same signature over another action recovers someone else.
	other, _ := feeshare.ParseRequest(body, feeshare.ActionCancel)
	if got, _ := chain.Recover(other, raw); got == deployer {
		t.Errorf("a register signature recovers the deployer over a cancel")
	}

	for _, tc := range []struct {
		name string
		body func(b *feeshare.RequestJSON)
		key  string
		want string
	}{
		{"another deployer", func(b *feeshare.RequestJSON) { b.Deployer = "0x6ac7ea33f8831ea9dcc53393aaa88b25a785dbf0" }, "", "not the deployer"},
		{"no expiry", func(b *feeshare.RequestJSON) { b.Expiry = "" }, "", "needs --chain-id, --expiry and --nonce"},
		{"short key", nil, "abcd", "key_invalid"},
		{"not hex", nil, strings.Repeat("zz", 32), "key_invalid"},
	} {
		b, f := body, file
		if tc.body != nil {
			tc.body(&b)
		}
		if tc.key != "" {
			f = filepath.Join(t.TempDir(), "bad")
			if err := os.WriteFile(f, []byte(tc.key), 0o600); err != nil {
				t.Fatal(err)
			}
		}
		_, err := signFeeshare(feeshare.ActionRegister, b, f)
		if err == nil || !strings.Contains(err.Error()+" "+codeOf(err), tc.want) {
			t.Errorf("%s: err = %v; want one mentioning %q", tc.name, err, tc.want)
		}
	}
}

func codeOf(err error) string { return errcode.Code(err) }
