package ledger

import (
	"strings"

	"github.com/tributary-ledger/tributary/errcode"
)

// AccountMaxLen bounds an account name in bytes.
const AccountMaxLen = 128

// ErrAccount is returned for a malformed account name.
var ErrAccount = errcode.New(errcode.Invalid, "account_invalid", "account name is invalid")

// ErrNamePath is returned for an account name or a key that is, or holds, a
// path's dot segment: such a name placed in a URL path would name another
// route (/v1/accounts/. is /v1/accounts/, /v1/withdrawals/../post is
// /v1/post) however it is escaped, since servers and proxies clean paths.
var ErrNamePath = errcode.New(errcode.Invalid, "name_path_segment", "names may not be . or .. or hold them as /-separated segments, nor empty segments")

// pathSegment returns the first dot segment, or empty segment between
// slashes, of name (what a URL path's cleaning removes or resolves).
func pathSegment(name string) (string, bool) {
	// Walked in place, not split: every account and key of every write
	// passes here.
	slashed := strings.IndexByte(name, '/') >= 0
	for rest := name; ; {
		seg, after, more := strings.Cut(rest, "/")
		if seg == "." || seg == ".." || seg == "" && slashed {
			return seg, true
		}
		if !more {
			return "", false
		}
		rest = after
	}
}

// checkSegments refuses a name that pathSegment finds a segment in.
func checkSegments(what, name, checked string) error {
	if seg, bad := pathSegment(checked); bad {
		return errcode.Errorf(ErrNamePath, "%s %q has the path segment %q; names may not be . or .., hold them between slashes, or start, end or double a slash", what, name, seg)
	}
	return nil
}

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
// Errors: ErrAccount, ErrNamePath.
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
	return checkSegments("account name", account, body)
}
