// Package auth holds API tokens and roles: who may call what. Tokens are
// random, shown once, stored only as a SHA-256 digest, compared in constant
// time, and revocable. A payee token is scoped to its own accounts.
package auth

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base32"
	"encoding/hex"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/tributary-ledger/tributary/errcode"
	"github.com/tributary-ledger/tributary/ledger"
)

// Role is what a token may do.
type Role string

// Roles, from most to least powerful. A payee acts on its own accounts only.
const (
	Admin        Role = "admin"        // everything, tokens included
	Configurator Role = "configurator" // splits and program configuration
	Ingestor     Role = "ingestor"     // submits payments, usage and fees
	Reader       Role = "reader"       // reads everything
	Payee        Role = "payee"        // reads and withdraws its own balances
)

// Roles lists every role.
var Roles = []Role{Admin, Configurator, Ingestor, Reader, Payee}

// Errors.
var (
	ErrUnauthenticated = errcode.New(errcode.Unauthenticated, "unauthenticated", "a valid bearer token is required")
	ErrForbidden       = errcode.New(errcode.Forbidden, "forbidden", "the token's role may not do this")
	ErrRole            = errcode.New(errcode.Invalid, "role_invalid", "unknown role")
	ErrTokenAccounts   = errcode.New(errcode.Invalid, "token_accounts_invalid", "payee tokens need accounts; other roles take none")
)

// tokenPrefix marks Tributary secrets, so that secret scanners and people
// can recognise a leaked one.
const tokenPrefix = "trb_"

// AccountsMax bounds the accounts of one payee token.
const AccountsMax = 100

// Token is a stored token: everything but the secret.
type Token struct {
	ID       string
	Hash     [32]byte
	Role     Role
	Accounts []string // for payee tokens
	Name     string
	Created  time.Time
	Revoked  time.Time // zero while valid
}

// Valid reports whether the token has not been revoked.
func (t Token) Valid() bool { return t.Revoked.IsZero() }

// MayAct reports whether the token may act on account as its own.
func (t Token) MayAct(account string) bool {
	return t.Role != Payee || slices.Contains(t.Accounts, account)
}

// Digest returns the stored digest of a secret.
func Digest(secret string) [32]byte { return sha256.Sum256([]byte(secret)) }

// Equal compares two digests in constant time.
func Equal(a, b [32]byte) bool { return subtle.ConstantTimeCompare(a[:], b[:]) == 1 }

// New makes a token with a fresh secret of 256 bits read from random
// (crypto/rand.Reader: the caller passes the source in, so that this
// package stays free of I/O), which is returned once and never stored.
//
// Errors: ErrRole, ErrTokenAccounts, ledger.ErrAccount, and random's.
func New(role Role, accounts []string, name string, now time.Time, random io.Reader) (Token, string, error) {
	if err := Check(role, accounts); err != nil {
		return Token{}, "", err
	}
	var b [32]byte
	if _, err := io.ReadFull(random, b[:]); err != nil {
		return Token{}, "", err
	}
	secret := tokenPrefix + strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b[:]))
	return FromSecret(secret, role, accounts, name, now), secret, nil
}

// FromSecret makes the stored form of a given secret, such as the one in
// TRIBUTARY_ADMIN_TOKEN. Its ID is derived from the digest, so the same
// secret always gives the same token.
func FromSecret(secret string, role Role, accounts []string, name string, now time.Time) Token {
	h := Digest(secret)
	return Token{ID: "tok_" + hex.EncodeToString(h[:6]), Hash: h, Role: role, Accounts: append([]string(nil), accounts...), Name: name, Created: now}
}

// Check validates a role and its accounts.
func Check(role Role, accounts []string) error {
	if !slices.Contains(Roles, role) {
		return errcode.Errorf(ErrRole, "role %q is unknown; want one of admin, configurator, ingestor, reader, payee", role)
	}
	if role == Payee {
		if len(accounts) == 0 || len(accounts) > AccountsMax {
			return errcode.Errorf(ErrTokenAccounts, "a payee token names 1 to %d accounts; got %d", AccountsMax, len(accounts))
		}
		for _, a := range accounts {
			if err := ledger.ValidateAccount(a); err != nil {
				return err
			}
			if ledger.IsExternal(a) {
				return errcode.Errorf(ErrTokenAccounts, "account %q is external; a payee owns internal accounts", a)
			}
		}
	} else if len(accounts) > 0 {
		return errcode.Errorf(ErrTokenAccounts, "a %s token takes no accounts; only payee tokens are scoped", role)
	}
	return nil
}
