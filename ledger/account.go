package ledger

import (
	"strings"

	"github.com/tributary-ledger/tributary/errcode"
)

// AccountMaxLen bounds an account name in bytes.
const AccountMaxLen = 128

// ErrAccount is returned for a malformed account name.
var ErrAccount = errcode.New(errcode.Invalid, "account_invalid", "account name is invalid")

// ExternalPrefix marks an account of the outside world (buyers, chains, bank
// rails): "@world", "@buyer:42", "@chain:evm-1". Only such accounts may go
// below zero. The mark is in the name, not in a table, so that every posting
// says on its face which side of the boundary it crosses and no program needs
// a prior "create account" step that could be forgotten or raced.
const ExternalPrefix = "@"

// IsExternal reports whether account belongs to the outside world.
func IsExternal(account string) bool { return strings.HasPrefix(account, ExternalPrefix) }

// ValidateAccount checks an account name: 1 to AccountMaxLen bytes of ASCII
// letters, digits and . _ : / - with an optional leading @ for an external
// account.
//
// Errors: ErrAccount.
func ValidateAccount(account string) error {
	if account == "" {
		return errcode.Errorf(ErrAccount, "account name is empty; want letters, digits and . _ : / - (at most %d bytes)", AccountMaxLen)
	}
	if len(account) > AccountMaxLen {
		return errcode.Errorf(ErrAccount, "account name %.20q… is %d bytes; at most %d are allowed", account, len(account), AccountMaxLen)
	}
	body := strings.TrimPrefix(account, ExternalPrefix)
	if body == "" {
		return errcode.Errorf(ErrAccount, "account name %q has nothing after %q", account, ExternalPrefix)
	}
	for i := 0; i < len(body); i++ {
		c := body[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("._:/-", c) >= 0) {
			return errcode.Errorf(ErrAccount, "account name %q has %q; want letters, digits and . _ : / - with an optional leading @ for an external account", account, c)
		}
	}
	return nil
}
