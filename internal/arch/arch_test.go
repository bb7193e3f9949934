package arch

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const module = "github.com/tributary-ledger/tributary"

// core lists the packages that decide money. They are pure: the same inputs
// give the same output on any machine, so they may not reach the network,
// the disk, a clock or a random source, and may not use floating point.
var core = []string{"money", "split", "ledger", "program", "auth", "lockfile", "payout/merkle"}

// forbidden are imports the core may not use, directly or through another
// package of this module.
var forbidden = []string{
	"database/sql", "net", "net/http", "os", "os/exec", "io/fs",
	"math/rand", "math/rand/v2", "crypto/rand", "syscall", "unsafe",
	"github.com/ethereum/go-ethereum",
}

type pkg struct {
	dir     string
	doc     bool
	imports map[string]bool
	files   []*ast.File
}

func root(t *testing.T) string {
	t.Helper()
	dir, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "go.mod")); err != nil {
		t.Fatalf("module root not found at %s", dir)
	}
	return dir
}

// load parses every package of the module, without tests.
func load(t *testing.T) map[string]*pkg {
	t.Helper()
	base := root(t)
	pkgs := map[string]*pkg{}
	fset := token.NewFileSet()
	err := filepath.WalkDir(base, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if name := d.Name(); path != base && (strings.HasPrefix(name, ".") || name == "testdata") {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, parser.ParseComments|parser.SkipObjectResolution)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(base, filepath.Dir(path))
		p := pkgs[rel]
		if p == nil {
			p = &pkg{dir: rel, imports: map[string]bool{}}
			pkgs[rel] = p
		}
		if f.Doc != nil && strings.HasPrefix(f.Doc.Text(), "Package "+f.Name.Name) || f.Name.Name == "main" && f.Doc != nil && strings.HasPrefix(f.Doc.Text(), "Command ") {
			p.doc = true
		}
		for _, imp := range f.Imports {
			p.imports[strings.Trim(imp.Path.Value, `"`)] = true
		}
		p.files = append(p.files, f)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return pkgs
}

func TestEveryPackageHasADocComment(t *testing.T) {
	for dir, p := range load(t) {
		if !p.doc {
			t.Errorf("package %s has no doc comment (\"Package name …\" or, for a command, \"Command name …\")", dir)
		}
	}
}

func isCore(dir string) bool {
	// A program's command line (program/<name>/<name>cli) is its I/O:
	// it prints, reads files and calls servers.
	if strings.HasPrefix(dir, "program"+string(filepath.Separator)) && strings.HasSuffix(dir, "cli") {
		return false
	}
	for _, c := range core {
		if dir == c || strings.HasPrefix(dir, c+string(filepath.Separator)) {
			return true
		}
	}
	return false
}

// importsOf walks the imports of the package in dir, following this
// module's own packages, and returns each import that is one of banned (or
// below one), with the chain of packages that leads to it.
func importsOf(pkgs map[string]*pkg, dir string, banned []string) []string {
	var found []string
	seen := map[string]bool{}
	var walk func(q *pkg, chain []string)
	walk = func(q *pkg, chain []string) {
		for imp := range q.imports {
			for _, bad := range banned {
				if imp == bad || strings.HasPrefix(imp, bad+"/") {
					found = append(found, fmt.Sprintf("%s (via %s)", imp, strings.Join(append(chain, imp), " → ")))
				}
			}
			if rel, ok := strings.CutPrefix(imp, module+"/"); ok && !seen[rel] {
				seen[rel] = true
				if next := pkgs[filepath.FromSlash(rel)]; next != nil {
					walk(next, append(chain, rel))
				}
			}
		}
	}
	walk(pkgs[dir], []string{dir})
	return found
}

func TestCoreIsPure(t *testing.T) {
	pkgs := load(t)
	for dir, p := range pkgs {
		if !isCore(dir) {
			continue
		}
		for _, bad := range importsOf(pkgs, dir, forbidden) {
			t.Errorf("core package %s imports %s", dir, bad)
		}
		for _, f := range p.files {
			ast.Inspect(f, func(n ast.Node) bool {
				switch x := n.(type) {
				case *ast.Ident:
					if x.Name == "float32" || x.Name == "float64" {
						t.Errorf("core package %s uses %s: money paths are integers only", dir, x.Name)
					}
				case *ast.SelectorExpr:
					if id, ok := x.X.(*ast.Ident); ok && id.Name == "time" && (x.Sel.Name == "Now" || x.Sel.Name == "Since" || x.Sel.Name == "Until") {
						t.Errorf("core package %s reads the clock (time.%s): pass time in", dir, x.Sel.Name)
					}
				}
				return true
			})
		}
	}
}

// TestArchTestCanFail makes sure the checks above look at real code: the
// core packages must be found and parsed, or the tests pass vacuously.
func TestArchTestCanFail(t *testing.T) {
	pkgs := load(t)
	for _, c := range []string{"money", "split", "ledger"} {
		if p := pkgs[c]; p == nil || len(p.files) == 0 {
			t.Errorf("core package %s not found: the purity checks would check nothing", c)
		}
	}
}

// TestGoEthereumConfined keeps go-ethereum inside the chain-facing package:
// everything else sees the chain through chain's types and the interfaces
// its users declare (feeshare.ChainClient), so the rest of the module neither
// builds against nor breaks with go-ethereum's API. Tests may use it to
// check against it.
func TestGoEthereumConfined(t *testing.T) {
	for dir, p := range load(t) {
		if dir == "chain" || strings.HasPrefix(dir, "chain"+string(filepath.Separator)) {
			continue
		}
		for imp := range p.imports {
			if strings.HasPrefix(imp, "github.com/ethereum/go-ethereum") {
				t.Errorf("package %s imports %s; only chain may", dir, imp)
			}
		}
	}
}

// TestClientStaysLight keeps the server out of the Go client: a platform's
// backend that imports client (and wire, the bodies it shares with the
// server) builds in neither the API server, nor a store, nor the metrics
// library.
func TestClientStaysLight(t *testing.T) {
	pkgs := load(t)
	serverSide := []string{module + "/api", module + "/store", module + "/cmd", "database/sql", "github.com/prometheus"}
	for _, dir := range []string{"client", "wire"} {
		p := pkgs[dir]
		if p == nil || len(p.files) == 0 {
			t.Fatalf("package %s not found", dir)
		}
		for _, bad := range importsOf(pkgs, dir, serverSide) {
			t.Errorf("%s imports %s", dir, bad)
		}
	}
}
