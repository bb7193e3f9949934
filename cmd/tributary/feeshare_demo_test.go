package main

import (
	"strings"
	"testing"

	"github.com/tributary-ledger/tributary/money"
)

// TestFeeshareDemo runs the seed's scenario on the in-process chain and
// checks its arithmetic from what it prints: the developer gets exactly
// floor(fee / 2) of the transaction to the registered contract and nothing
// of the failed, unregistered and after-cancel ones, and the deployer's
// balance is that share to the wei. It does not compare two runs byte for
// byte: under CPU load the simulated chain's block builder may leave a
// transaction for the next block, which changes block numbers and gas
// prices, not the arithmetic.
func TestFeeshareDemo(t *testing.T) {
	out, err := run(t, "demo", "feeshare")
	if err != nil {
		t.Fatalf("demo feeshare: %v\n%s", err, out)
	}
	for _, want := range []string{"refused: feeshare_derivation_mismatch", "refused: feeshare_not_deployer", "ok: fees of MyContract now pay the deployer"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	rows := map[string][2]money.Amount{} // what → fee, developer share
	var deployerBalance money.Amount
	var deployer string
	for _, line := range strings.Split(out, "\n") {
		f := strings.Fields(line)
		if strings.HasPrefix(line, "Deployer 0x") {
			deployer = strings.ToLower(f[1])
		}
		if len(f) >= 7 && (f[len(f)-5] == "ok" || f[len(f)-5] == "failed") {
			fee, err1 := money.ParseUnits(f[len(f)-2])
			dev, err2 := money.ParseUnits(f[len(f)-1])
			if err1 != nil || err2 != nil {
				t.Fatalf("row %q: %v %v", line, err1, err2)
			}
			rows[strings.Join(f[:len(f)-6], " ")] = [2]money.Amount{fee, dev}
		}
		if deployer != "" && len(f) == 3 && f[0] == deployer && f[1] == "ETH" {
			if deployerBalance, err = money.Parse(f[2], money.ETH); err != nil {
				t.Fatal(err)
			}
		}
	}
	paying, ok := rows["user → MyContract"]
	if !ok {
		t.Fatalf("no row for the paying transaction in:\n%s", out)
	}
	half, _, _ := paying[0].MulDiv(1, 2)
	if paying[1] != half {
		t.Errorf("developer share %s of fee %s; want %s", paying[1], paying[0], half)
	}
	if deployerBalance != paying[1] {
		t.Errorf("deployer balance %s wei; want the one share %s", deployerBalance, paying[1])
	}
	for _, what := range []string{"other → MyContract (reverts)", "user → FactoryA (unregistered)", "user → MyContract (after cancel)"} {
		r, ok := rows[what]
		if !ok || !r[1].IsZero() || r[0].IsZero() {
			t.Errorf("row %q = %v (found %v); want a fee and no developer share", what, r, ok)
		}
	}
}
