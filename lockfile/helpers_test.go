package lockfile

import (
	"os"
	"path/filepath"
	"testing"
)

// mustParse parses data or fails the test.
func mustParse(t testing.TB, data []byte, opt Options) *Graph {
	t.Helper()
	g, err := Parse(data, opt)
	if err != nil {
		t.Fatalf("Parse(%s): %v", opt.Name, err)
	}
	return g
}

// edgeList renders every edge as "from -> to", with the kind appended when
// it is not runtime, in the graph's order.
func edgeList(g *Graph) []string {
	out := []string{}
	for _, e := range g.Edges {
		s := g.Packages[e.From].ID + " -> " + g.Packages[e.To].ID
		if e.Kind != KindRuntime {
			s += " (" + e.Kind.String() + ")"
		}
		out = append(out, s)
	}
	return out
}

// rootList returns the IDs of the roots.
func rootList(g *Graph) []string {
	out := []string{}
	for _, r := range g.Roots() {
		out = append(out, g.Packages[r].ID)
	}
	return out
}

// testdata reads a file of testdata/.
func testdata(t testing.TB, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// shared reads one of the real lockfiles kept beside the project, at
// <module root>/../shared/lockfiles, and skips the test when they are absent
// (a clone without the shared folder).
func shared(t testing.TB, name string) []byte {
	t.Helper()
	dir, err := filepath.Abs(".")
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			break
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("module root (go.mod) not found above the test's folder")
		}
		dir = parent
	}
	path := filepath.Join(dir, "..", "shared", "lockfiles", name)
	data, err := os.ReadFile(path)
	if os.IsNotExist(err) {
		t.Skipf("real lockfile %s is absent (it lives in the shared folder beside the module root); skipping", path)
	}
	if err != nil {
		t.Fatal(err)
	}
	return data
}
