package console_test

import (
	"os"
	"os/exec"
	"testing"
)

// TestTypeScriptSDK runs the TypeScript client's tests
// (sdk/typescript/test/, node's test runner) against demoServer, with an
// admin token and a payee token of "collaborator". They need no npm
// package; without node they skip, unless TRIBUTARY_NODE_TESTS_REQUIRED
// is set (CI).
func TestTypeScriptSDK(t *testing.T) {
	node, err := exec.LookPath("node")
	if err != nil {
		if os.Getenv("TRIBUTARY_NODE_TESTS_REQUIRED") != "" {
			t.Fatal("node is required (TRIBUTARY_NODE_TESTS_REQUIRED is set) but not on the PATH")
		}
		t.Skip("node is not on the PATH; install Node.js 18+ to run the TypeScript client's tests")
	}
	url, admin := demoServer(t)
	cmd := exec.Command(node, "--test", "test/")
	cmd.Dir = "../sdk/typescript"
	cmd.Env = append(os.Environ(),
		"TRIBUTARY_URL="+url,
		"TRIBUTARY_ADMIN_TOKEN="+adminSecret,
		"TRIBUTARY_PAYEE_TOKEN="+payeeToken(t, admin, "collaborator"))
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("node --test (sdk/typescript): %v\n%s", err, out)
	}
	t.Logf("%s", out)
}
