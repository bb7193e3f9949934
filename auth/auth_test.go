package auth

import (
	"crypto/rand"
	"strings"
	"testing"
	"time"

	"github.com/tributary-ledger/tributary/errcode"
)

func TestNew(t *testing.T) {
	now := time.Unix(0, 0)
	tok, secret, err := New(Payee, []string{"payee:1"}, "alice", now, rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(secret, "trb_") || len(secret) < 40 {
		t.Errorf("secret %q; want trb_ and at least 256 bits", secret)
	}
	if !Equal(tok.Hash, Digest(secret)) || Equal(tok.Hash, Digest(secret+"x")) {
		t.Error("the stored digest does not match the secret, or matches another")
	}
	if strings.Contains(tok.ID, secret[4:12]) {
		t.Error("the token ID leaks part of the secret")
	}
	_, again, _ := New(Payee, []string{"payee:1"}, "alice", now, rand.Reader)
	if again == secret {
		t.Error("two tokens got the same secret")
	}
	if !tok.MayAct("payee:1") || tok.MayAct("payee:2") {
		t.Error("payee scope is wrong")
	}
	a, b := FromSecret("s", Admin, nil, "", now), FromSecret("s", Admin, nil, "", now)
	if a.ID != b.ID || a.Hash != b.Hash {
		t.Error("FromSecret is not deterministic")
	}
}

func TestCheck(t *testing.T) {
	tests := []struct {
		role     Role
		accounts []string
		code     string
	}{
		{Admin, nil, ""},
		{Reader, nil, ""},
		{Payee, []string{"a"}, ""},
		{"root", nil, "role_invalid"},
		{Payee, nil, "token_accounts_invalid"},
		{Payee, []string{"@world"}, "token_accounts_invalid"},
		{Payee, []string{"bad account"}, "account_invalid"},
		{Admin, []string{"a"}, "token_accounts_invalid"},
	}
	for _, tt := range tests {
		err := Check(tt.role, tt.accounts)
		got := ""
		if err != nil {
			got = errcode.Code(err)
		}
		if got != tt.code {
			t.Errorf("Check(%s, %v) = %v; want code %q", tt.role, tt.accounts, err, tt.code)
		}
	}
}
