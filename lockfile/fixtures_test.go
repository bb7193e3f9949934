package lockfile

import (
	"bufio"
	"bytes"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// The fixtures in testdata/ were written by the real tools from the small
// projects in testdata/sources/ (see testdata/README.md for the commands
// and versions). Their expected counts were computed once, independently of
// this package, with testdata/count.py (Python's json, tomllib and PyYAML)
// and, for yarn.lock v1, testdata/count-yarn1.js (yarn 1's own parser,
// @yarnpkg/lockfile):
//
//	python3 testdata/count.py npm testdata/npm-v3.package-lock.json   # 17 17
//	node count-yarn1.js testdata/yarn-v1.yarn.lock                    # 14 7
//
// poetry.lock and uv.lock are hand-written after the formats'
// documentation: neither tool can be installed here (PyPI is unreachable).
var fixtures = []struct {
	file                 string
	format               Format
	packages, edges, bad int // bad: unresolved dependencies
	roots                []string
}{
	{"npm-v1.package-lock.json", FormatNPM, 17, 17, 0, []string{"npm:@fixture/alpha@file:packages/alpha", "npm:@fixture/beta@file:packages/beta", "npm:fixture-root@1.0.0"}},
	{"npm-v2.package-lock.json", FormatNPM, 17, 17, 0, []string{"npm:@fixture/alpha@0.1.0", "npm:@fixture/beta@0.2.0", "npm:fixture-root@1.0.0"}},
	{"npm-v3.package-lock.json", FormatNPM, 17, 17, 0, []string{"npm:@fixture/alpha@0.1.0", "npm:@fixture/beta@0.2.0", "npm:fixture-root@1.0.0"}},
	{"pnpm-v6.pnpm-lock.yaml", FormatPNPM, 17, 17, 0, []string{"npm:.", "npm:packages/alpha", "npm:packages/beta"}},
	{"pnpm-v9.pnpm-lock.yaml", FormatPNPM, 17, 17, 0, []string{"npm:.", "npm:packages/alpha", "npm:packages/beta"}},
	{"yarn-berry.yarn.lock", FormatYarnBerry, 17, 17, 0, []string{"npm:@fixture/alpha@0.0.0-use.local", "npm:@fixture/beta@0.0.0-use.local", "npm:fixture-root@0.0.0-use.local"}},
	// yarn 1 does not lock workspaces: their dependencies are the roots.
	{"yarn-v1.yarn.lock", FormatYarn, 14, 7, 0, []string{"npm:@types/ms@0.7.34", "npm:chalk@4.1.2", "npm:debug@2.6.9", "npm:debug@4.4.3", "npm:is-number@6.0.0", "npm:is-number@7.0.0", "npm:ms@2.1.2"}},
	{"cargo-v1.Cargo.lock", FormatCargo, 5, 6, 0, []string{"cargo:app@0.1.0", "cargo:util@0.3.0"}},
	{"cargo-v2.Cargo.lock", FormatCargo, 5, 6, 0, []string{"cargo:app@0.1.0", "cargo:util@0.3.0"}},
	{"cargo-v3.Cargo.lock", FormatCargo, 5, 6, 0, []string{"cargo:app@0.1.0", "cargo:util@0.3.0"}},
	{"cargo-v4.Cargo.lock", FormatCargo, 5, 6, 0, []string{"cargo:app@0.1.0", "cargo:util@0.3.0"}},
	// PySocks is an optional dependency of an extra nobody installed.
	{"poetry.lock", FormatPoetry, 14, 12, 1, []string{"pypi:pandas@2.2.3", "pypi:requests@2.32.3", "pypi:sphinx@7.4.7", "pypi:sphinxcontrib-serializinghtml@2.0.0"}},
	{"uv.lock", FormatUV, 16, 17, 0, []string{"pypi:app@0.1.0", "pypi:applib@0.2.0"}},
}

func TestFixtures(t *testing.T) {
	for _, f := range fixtures {
		t.Run(f.file, func(t *testing.T) {
			g := mustParse(t, testdata(t, f.file), Options{Name: f.file})
			if g.Format != f.format {
				t.Errorf("format = %q; want %q", g.Format, f.format)
			}
			if len(g.Packages) != f.packages || len(g.Edges) != f.edges || g.Unresolved != f.bad {
				t.Errorf("packages, edges, unresolved = %d, %d, %d; want %d, %d, %d", len(g.Packages), len(g.Edges), g.Unresolved, f.packages, f.edges, f.bad)
			}
			if diff := cmp.Diff(f.roots, rootList(g)); diff != "" {
				t.Errorf("roots (-want +got):\n%s", diff)
			}
		})
	}
}

// The npm, pnpm and yarn berry fixtures lock one project (testdata/sources/npm),
// so apart from how each names the project's own packages they must yield
// the same graph: the packages the project installs and every edge between
// them, including the nested debug@4.4.3 → ms@2.1.3 (npm's node_modules
// nesting) and the alias old-ms → ms@2.1.2.
func TestFixturesAgree(t *testing.T) {
	want := []string{
		"npm:ansi-styles@4.3.0 -> npm:color-convert@2.0.1",
		"npm:chalk@4.1.2 -> npm:ansi-styles@4.3.0",
		"npm:chalk@4.1.2 -> npm:supports-color@7.2.0",
		"npm:color-convert@2.0.1 -> npm:color-name@1.1.4",
		"npm:debug@2.6.9 -> npm:ms@2.0.0",
		"npm:debug@4.4.3 -> npm:ms@2.1.3",
		"npm:supports-color@7.2.0 -> npm:has-flag@4.0.0",
	}
	wantRoots := []string{
		"root -> npm:@types/ms@0.7.34", "root -> npm:chalk@4.1.2 (dev)", "root -> npm:debug@2.6.9",
		"root -> npm:is-number@7.0.0", "root -> npm:ms@2.1.2",
		"alpha -> beta", "alpha -> npm:debug@4.4.3",
		"beta -> alpha", "beta -> npm:is-number@6.0.0 (optional)", "beta -> npm:ms@2.1.3",
	}
	for _, file := range []string{"npm-v1.package-lock.json", "npm-v2.package-lock.json", "npm-v3.package-lock.json", "pnpm-v6.pnpm-lock.yaml", "pnpm-v9.pnpm-lock.yaml", "yarn-berry.yarn.lock"} {
		g := mustParse(t, testdata(t, file), Options{Name: file})
		var inner, outer []string
		for _, e := range edgeList(g) {
			if strings.Contains(e, "fixture") || strings.Contains(e, "npm:.") || strings.Contains(e, "npm:packages/") {
				outer = append(outer, e)
			} else {
				inner = append(inner, e)
			}
		}
		if diff := cmp.Diff(want, inner); diff != "" {
			t.Errorf("%s: edges between installed packages (-want +got):\n%s", file, diff)
		}
		// The roots' edges, with the roots renamed. npm v1's "requires" do
		// not say which are optional (its root's inferred edges take the
		// kind from the package's dev and optional flags); yarn berry merges
		// dev dependencies into plain ones and keeps optional ones.
		got := renameRoots(outer)
		w := slices.Clone(wantRoots)
		for i := range w {
			switch {
			case strings.HasPrefix(file, "npm-v1"):
				w[i] = strings.Replace(w[i], " (optional)", "", 1)
			case strings.HasPrefix(file, "yarn"):
				w[i] = strings.Replace(w[i], " (dev)", "", 1)
			}
		}
		slices.Sort(w)
		if diff := cmp.Diff(w, got); diff != "" {
			t.Errorf("%s: the roots' edges (-want +got):\n%s", file, diff)
		}
	}
}

// renameRoots names the fixture project's own packages as the tools do not
// agree on: root, alpha, beta.
func renameRoots(edges []string) []string {
	r := strings.NewReplacer(
		"npm:fixture-root@1.0.0", "root", "npm:fixture-root@0.0.0-use.local", "root", "npm:. ", "root ",
		"npm:@fixture/alpha@file:packages/alpha", "alpha", "npm:@fixture/alpha@0.1.0", "alpha", "npm:@fixture/alpha@0.0.0-use.local", "alpha", "npm:packages/alpha", "alpha",
		"npm:@fixture/beta@file:packages/beta", "beta", "npm:@fixture/beta@0.2.0", "beta", "npm:@fixture/beta@0.0.0-use.local", "beta", "npm:packages/beta", "beta",
	)
	out := make([]string, len(edges))
	for i, e := range edges {
		out[i] = r.Replace(e)
	}
	slices.Sort(out)
	return out
}

// The Go fixtures are `go mod graph` of a small module and of this module
// itself, with `go list -m all` beside them: the go command's own selection.
// The packages must be exactly that list, and the edges are counted here
// from the graph and that list without this package's selection code: a
// line counts when its first module is the main module or a selected
// version, and points at the selected version of its second.
func TestGoFixtures(t *testing.T) {
	for _, name := range []string{"fixture", "tributary"} {
		t.Run(name, func(t *testing.T) {
			graph := testdata(t, "go/"+name+".graph")
			g := mustParse(t, graph, Options{Format: FormatGo, GoMod: testdata(t, "go/"+name+".go.mod")})
			want, selected := golist(testdata(t, "go/"+name+".golist"))
			var got []string
			for _, p := range g.Packages {
				got = append(got, p.ID)
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("packages (-go list -m all +parsed):\n%s", diff)
			}
			if n := goEdgeCount(graph, selected); len(g.Edges) != n {
				t.Errorf("edges = %d; want %d", len(g.Edges), n)
			}
		})
	}
}

// golist reads `go list -m all`: the main module alone on its line, then
// "path version" lines.
func golist(data []byte) (ids []string, selected map[string]string) {
	selected = map[string]string{}
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		switch len(f) {
		case 1:
			ids = append(ids, "go:"+f[0])
			selected[f[0]] = ""
		case 2:
			ids = append(ids, "go:"+f[0]+"@"+f[1])
			selected[f[0]] = f[1]
		}
	}
	slices.Sort(ids)
	return ids, selected
}

func goEdgeCount(graph []byte, selected map[string]string) int {
	edges := map[[2]string]bool{}
	for _, line := range strings.Split(string(graph), "\n") {
		f := strings.Fields(line)
		if len(f) != 2 {
			continue
		}
		fromPath, fromVersion, _ := strings.Cut(f[0], "@")
		toPath, _, _ := strings.Cut(f[1], "@")
		v, ok := selected[fromPath]
		if _, toOK := selected[toPath]; !ok || !toOK || v != fromVersion || fromPath == toPath {
			continue
		}
		edges[[2]string{fromPath, toPath}] = true
	}
	return len(edges)
}
