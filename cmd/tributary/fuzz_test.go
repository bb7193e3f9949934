package main

import (
	"strings"
	"testing"

	"github.com/tributary-ledger/tributary/errcode"
	"github.com/tributary-ledger/tributary/split"
)

// FuzzParseShares checks that the share parser never panics, refuses with a
// code, and that what it accepts is in range: percentages and basis points
// never above 100%, and never mixed with weights.
func FuzzParseShares(f *testing.F) {
	for _, s := range []string{"50% 15% 35%", "5000bp 5000bp", "1 1 1", "12.5% 87.5%", "50% 1", "-1", "1e3", "100.001%", "99999999999999999999"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		args := strings.Fields(in)
		if len(args) == 0 {
			return
		}
		unit, shares, err := parseShares(args)
		if err != nil {
			if errcode.Code(err) == errcode.InternalCode {
				t.Fatalf("parseShares(%q) error without a code: %v", args, err)
			}
			return
		}
		if len(shares) != len(args) {
			t.Fatalf("parseShares(%q) = %d shares", args, len(shares))
		}
		for i, s := range shares {
			if unit == split.BasisPoints && strings.HasSuffix(args[i], "%") && s > split.TotalBasisPoints {
				t.Fatalf("parseShares(%q) share %d = %d bp, over 100%%", args, i, s)
			}
		}
	})
}
