package deps

import (
	"errors"
	"testing"

	"github.com/tributary-ledger/tributary/errcode"
)

// FuzzParseAsset: any bytes either parse into an asset that validates, or
// are refused with a coded error; never a panic.
func FuzzParseAsset(f *testing.F) {
	f.Add([]byte("[royalties]\nmultiplier = 1.0\nacceptance = 0.5\nallow_forks = true\npass_bp = [2848]\n[[contributors]]\naccount = \"dev:a\"\nshare = 10000\n"))
	f.Add([]byte("[royalties]\nmultiplier = 1e2\n"))
	f.Add([]byte("[royalties]\nacceptance = \"0.3\"\n"))
	f.Add([]byte(""))
	f.Fuzz(func(t *testing.T, data []byte) {
		a, err := ParseAsset(data)
		if err != nil {
			if errcode.Code(err) == "" {
				t.Fatalf("%q: an error without a code: %v", data, err)
			}
			return
		}
		if err := a.Validate(); err != nil {
			t.Fatalf("%q parsed into an asset that does not validate: %v", data, err)
		}
	})
}

// FuzzParseUsage: any body either parses into reports holding only the
// five fields, or is refused as deps_usage_invalid; never a panic.
func FuzzParseUsage(f *testing.F) {
	f.Add([]byte(`{"reports":[{"from":"npm:a","to":"npm:b","calls":3,"epoch":0,"source":"ci"}]}`))
	f.Add([]byte(`{"reports":[{"from":"npm:a","to":"npm:b","calls":-3,"epoch":0,"source":"ci","ip":"1.2.3.4"}]}`))
	f.Add([]byte(`{"reports":[{"calls":1e3}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		if _, err := ParseUsage(data); err != nil && !errors.Is(err, ErrUsage) {
			t.Fatalf("%q: %v; want %v", data, err, ErrUsage)
		}
	})
}

// FuzzParseDecimal: a decimal that parses prints back to a text that
// parses to the same value.
func FuzzParseDecimal(f *testing.F) {
	for _, s := range []string{"1", "1.0", "0.2848", "100.000000", "1e2", "-1", ".5"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := ParseDecimal("x", s, MultiplierMax)
		if err != nil {
			return
		}
		back, err := ParseDecimal("x", d.String(), MultiplierMax)
		if err != nil || back != d {
			t.Fatalf("%q → %d → %q → %d, %v", s, d, d.String(), back, err)
		}
	})
}
