package lockfile

import (
	"bytes"
	"maps"
	"slices"
	"strings"

	"golang.org/x/mod/modfile"
	"golang.org/x/mod/module"
	"golang.org/x/mod/semver"

	"github.com/tributary-ledger/tributary/errcode"
)

// goEdge is one line of `go mod graph`: from requires to.
type goEdge struct{ from, to module.Version }

// parseGoGraph reads the output of `go mod graph`, one requirement per line
// ("example.com/m golang.org/x/mod@v0.20.0"), where the main module (or,
// in a go.work workspace, each main module) has no version.
//
// The graph lists the requirements of every version it reached, not only of
// the selected ones, so the versions are selected here as the go command
// does (minimal version selection: the highest version of each module in
// the graph; `go list -m all` lists the same). Edges are the requirements of
// the selected versions, each pointing at the selected version of what it
// requires. The pseudo-modules "go" and "toolchain" are left out.
func parseGoGraph(data, gomod []byte, lim Limits) (*builder, error) {
	edges, err := goGraphLines(data)
	if err != nil {
		return nil, err
	}
	var mf *modfile.File
	if gomod != nil {
		if mf, err = goModFile(gomod); err != nil {
			return nil, err
		}
	}
	selected := map[string]string{} // path → highest version; "" for a main module
	mains := map[string]bool{}
	for _, e := range edges {
		for _, m := range []module.Version{e.from, e.to} {
			if m.Version == "" {
				mains[m.Path] = true
			} else if v, ok := selected[m.Path]; !ok || semver.Compare(m.Version, v) > 0 {
				selected[m.Path] = m.Version
			}
		}
	}
	for p := range mains {
		delete(selected, p) // the main module is itself, whatever version others require
	}
	if mf != nil && !mains[mf.Module.Mod.Path] {
		return nil, errcode.Errorf(ErrMalformed, "go.mod: module %q is not a main module of the graph; the graph's main modules are %s", mf.Module.Mod.Path, strings.Join(slices.Sorted(maps.Keys(mains)), ", "))
	}
	b := newBuilder(EcosystemGo, lim)
	g := &goBuild{b: b, mf: mf, selected: selected, index: map[string]int{}}
	for _, p := range slices.Sorted(maps.Keys(mains)) {
		if err := g.add(module.Version{Path: p}); err != nil {
			return nil, err
		}
	}
	for _, p := range slices.Sorted(maps.Keys(selected)) {
		if err := g.add(module.Version{Path: p, Version: selected[p]}); err != nil {
			return nil, err
		}
	}
	for _, e := range edges {
		if e.from.Version != "" && e.from.Version != selected[e.from.Path] {
			continue // a requirement of a version that was not selected
		}
		if err := b.edge(g.index[e.from.Path], g.index[e.to.Path], KindRuntime); err != nil {
			return nil, err
		}
	}
	return b, nil
}

// goGraphLines parses and checks every line of `go mod graph` output.
func goGraphLines(data []byte) ([]goEdge, error) {
	var edges []goEdge
	for n, raw := range bytes.Split(data, []byte("\n")) {
		line := strings.TrimSpace(string(raw))
		if line == "" {
			continue
		}
		f := strings.Fields(line)
		if len(f) != 2 {
			return nil, errcode.Errorf(ErrMalformed, "go mod graph: line %d: want two fields, \"module[@version] module@version\"; got %d", n+1, len(f))
		}
		from, err := goNode(f[0], true)
		if err != nil {
			return nil, at("go mod graph: line "+itoa(n+1), err)
		}
		to, err := goNode(f[1], false)
		if err != nil {
			return nil, at("go mod graph: line "+itoa(n+1), err)
		}
		if goPseudo(from.Path) || goPseudo(to.Path) {
			continue
		}
		edges = append(edges, goEdge{from: from, to: to})
	}
	return edges, nil
}

// goPseudo: "go@1.22" and "toolchain@go1.22" are in the graph to carry the
// Go version a module needs, not modules.
func goPseudo(path string) bool { return path == "go" || path == "toolchain" }

// goNode reads "path@version", or a bare "path" for a main module where
// mainOK. golang.org/x/mod checks both as the go command does.
func goNode(s string, mainOK bool) (module.Version, error) {
	path, version, hasVersion := strings.Cut(s, "@")
	if goPseudo(path) {
		return module.Version{Path: path, Version: version}, nil
	}
	if !hasVersion {
		if !mainOK {
			return module.Version{}, errcode.Errorf(ErrMalformed, "%q has no version; only a main module, in the first field, may lack one", s)
		}
		if err := checkText("module path", path, false); err != nil {
			return module.Version{}, err
		}
		return module.Version{Path: path}, nil
	}
	if err := module.Check(path, version); err != nil {
		return module.Version{}, errcode.Errorf(ErrMalformed, "%q: %v", s, err)
	}
	return module.Version{Path: path, Version: version}, nil
}

// goModFile parses a go.mod with golang.org/x/mod; its errors name the line.
func goModFile(data []byte) (*modfile.File, error) {
	mf, err := modfile.Parse("go.mod", data, nil)
	if err != nil {
		return nil, errcode.Errorf(ErrMalformed, "%v", err)
	}
	if mf.Module == nil {
		return nil, errcode.Errorf(ErrMalformed, "go.mod: no module directive; one is required")
	}
	return mf, nil
}

// goBuild maps modules to packages, applying go.mod's replacements.
type goBuild struct {
	b        *builder
	mf       *modfile.File
	selected map[string]string
	index    map[string]int // module path → package
}

// add adds a module, or what go.mod replaces it with: another module (a
// fork) is that module; a local directory is the project's own code, a root.
func (g *goBuild) add(m module.Version) error {
	name, version, local := m.Path, m.Version, m.Version == ""
	if r := g.replacement(m); r != nil {
		if r.New.Version == "" {
			version, local = "", true
		} else {
			name, version = r.New.Path, r.New.Version
		}
	}
	i, err := g.b.add(name, version)
	if err != nil {
		return at("module "+m.String(), err)
	}
	if local {
		g.b.root(i)
	}
	g.index[m.Path] = i
	return nil
}

// replacement finds go.mod's replace directive for m: one for m's exact
// version wins over one for every version.
func (g *goBuild) replacement(m module.Version) *modfile.Replace {
	if g.mf == nil || m.Version == "" {
		return nil
	}
	var every *modfile.Replace
	for _, r := range g.mf.Replace {
		if r.Old.Path != m.Path {
			continue
		}
		if r.Old.Version == m.Version {
			return r
		}
		if r.Old.Version == "" {
			every = r
		}
	}
	return every
}

// parseGoMod reads a go.mod alone: the main module and its requirements,
// without the requirements of those (that takes `go mod graph`).
func parseGoMod(data []byte, lim Limits) (*builder, error) {
	mf, err := goModFile(data)
	if err != nil {
		return nil, err
	}
	b := newBuilder(EcosystemGo, lim)
	g := &goBuild{b: b, mf: mf, index: map[string]int{}}
	root := module.Version{Path: mf.Module.Mod.Path}
	if err := g.add(root); err != nil {
		return nil, err
	}
	for _, r := range mf.Require {
		if err := g.add(r.Mod); err != nil {
			return nil, err
		}
		if err := b.edge(g.index[root.Path], g.index[r.Mod.Path], KindRuntime); err != nil {
			return nil, err
		}
	}
	return b, nil
}
