// Package nodetest finds Node.js and the npm packages that the payout tests
// run — OpenZeppelin's merkle-tree, solc, OpenZeppelin's contracts — so that
// tests can check our trees and bytecode with the JavaScript tools everyone
// else uses. The packages are installed outside the source tree, pinned by
// payout/testdata/npm/package-lock.json (.ci/run does it; README, Payouts,
// says how by hand).
package nodetest

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// Environment variables.
const (
	// DirEnv names the directory holding node_modules; unset, it is
	// tributary/npm under the user's cache directory (~/.cache).
	DirEnv = "TRIBUTARY_NPM_DIR"
	// RequiredEnv set to "1" turns a missing node or package from a skip
	// into a failure: CI sets it, so that a broken install cannot pass as
	// a skipped test.
	RequiredEnv = "TRIBUTARY_NODE_TESTS_REQUIRED"
)

// Node is a node binary and the node_modules directory it requires from.
type Node struct {
	Bin     string
	Modules string
}

// Find returns node and the node_modules directory if node is on PATH and
// every one of pkgs is installed there; otherwise it skips t with a message
// that says what is missing and how to install it (or fails it when
// RequiredEnv is set).
func Find(t testing.TB, pkgs ...string) Node {
	t.Helper()
	bin, err := exec.LookPath("node")
	if err != nil {
		missing(t, "node is not on PATH")
	}
	dir := os.Getenv(DirEnv)
	if dir == "" {
		cache, err := os.UserCacheDir()
		if err != nil {
			missing(t, "no user cache directory to look for npm packages in: "+err.Error())
		}
		dir = filepath.Join(cache, "tributary", "npm")
	}
	modules := filepath.Join(dir, "node_modules")
	for _, p := range pkgs {
		if _, err := os.Stat(filepath.Join(modules, p, "package.json")); err != nil {
			missing(t, "npm package "+p+" is not installed in "+modules)
		}
	}
	return Node{Bin: bin, Modules: modules}
}

func missing(t testing.TB, why string) {
	t.Helper()
	msg := why + "; install the pinned packages with: d=\"${XDG_CACHE_HOME:-$HOME/.cache}/tributary/npm\"; mkdir -p \"$d\" && cp payout/testdata/npm/package*.json \"$d\" && npm ci --prefix \"$d\" --ignore-scripts (or set " + DirEnv + ")"
	if os.Getenv(RequiredEnv) == "1" {
		t.Fatal(msg)
	}
	t.Skip(msg)
}

// Run runs script (a CommonJS file) with args, stdin as its standard
// input, and NODE_PATH set to the modules, and returns its standard
// output; it fails t with the standard error if the script fails.
func (n Node) Run(t testing.TB, script string, stdin []byte, args ...string) []byte {
	t.Helper()
	cmd := exec.Command(n.Bin, append([]string{script}, args...)...)
	cmd.Env = append(os.Environ(), "NODE_PATH="+n.Modules)
	cmd.Stdin = bytes.NewReader(stdin)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("node %s: %v\n%s", script, err, stderr.Bytes())
	}
	return stdout.Bytes()
}
