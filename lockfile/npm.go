package lockfile

import (
	"cmp"
	"encoding/json"
	"maps"
	"slices"
	"strings"

	"github.com/tributary-ledger/tributary/errcode"
)

// npmLock is package-lock.json. Version 1 holds only the nested
// "dependencies" tree; version 2 holds both; version 3 only "packages", a
// flat map from install location ("node_modules/a/node_modules/b") to entry.
type npmLock struct {
	Name            string               `json:"name"`
	Version         string               `json:"version"`
	LockfileVersion int                  `json:"lockfileVersion"`
	Packages        map[string]*npmEntry `json:"packages"`
	Dependencies    map[string]*npmV1Dep `json:"dependencies"`
}

// npmEntry is one install location of lockfile versions 2 and 3.
type npmEntry struct {
	Name                 string            `json:"name"` // set when it differs from the folder: an alias, a workspace
	Version              string            `json:"version"`
	Resolved             string            `json:"resolved"` // for a link: the target location
	Link                 bool              `json:"link"`
	Dependencies         map[string]string `json:"dependencies"`
	OptionalDependencies map[string]string `json:"optionalDependencies"`
	PeerDependencies     map[string]string `json:"peerDependencies"`
	DevDependencies      map[string]string `json:"devDependencies"`
}

// parseNPM reads package-lock.json and npm-shrinkwrap.json.
//
// npm records where each package is installed, not what each dependency
// resolved to: the edges are derived the way Node and npm's arborist resolve
// a require(), by walking up from the dependent's folder through the
// node_modules folders above it. No library does this for a lockfile, so it
// is written here.
func parseNPM(data []byte, lim Limits) (*builder, error) {
	var lock npmLock
	if err := json.Unmarshal(data, &lock); err != nil {
		return nil, jsonError("package-lock.json", data, err)
	}
	if lock.LockfileVersion < 1 || lock.LockfileVersion > 3 {
		return nil, errcode.Errorf(ErrVersionUnsupported, "package-lock.json: lockfileVersion %d is not supported; allowed: 1, 2, 3", lock.LockfileVersion)
	}
	b := newBuilder(EcosystemNPM, lim)
	if len(lock.Packages) > 0 {
		return b, npmPackages(b, &lock)
	}
	return b, npmV1(b, &lock)
}

// npmTree is the folder tree of install locations, with every location
// interned to a node, so that resolving a dependency is a few map lookups of
// its name rather than string building at every level.
type npmTree struct {
	node   map[string]int  // location → node
	parent []int           // node → the node resolution moves to next; -1 above the root
	child  map[npmKey]int  // (node, package folder name) → node installed there
	pkg    []int           // node → package index, -1 for a folder that is not a package
	local  map[string]bool // locations of entries outside node_modules
}

type npmKey struct {
	node int
	name string
}

// npmPackages reads lockfile versions 2 and 3.
func npmPackages(b *builder, lock *npmLock) error {
	locs := make([]string, 0, len(lock.Packages))
	for loc, e := range lock.Packages {
		if e == nil {
			return errcode.Errorf(ErrMalformed, "package-lock.json: packages[%q] is null; want an object", loc)
		}
		locs = append(locs, loc)
	}
	slices.Sort(locs)
	t := &npmTree{node: map[string]int{}, child: map[npmKey]int{}, local: map[string]bool{}}
	for _, loc := range locs {
		if strings.Count(loc, "/") >= segmentsMax {
			return errcode.Errorf(ErrMalformed, "package-lock.json: packages[%.80q…] has more than %d path segments; at most %d are allowed", loc, segmentsMax, segmentsMax)
		}
		if !strings.HasPrefix(loc, "node_modules/") && !strings.Contains(loc, "/node_modules/") {
			t.local[loc] = true
		}
	}
	for _, loc := range locs {
		t.intern(loc)
	}
	for _, loc := range locs {
		if err := npmAddPackage(b, t, lock, loc); err != nil {
			return err
		}
	}
	for _, loc := range locs {
		npmLink(t, lock, loc)
	}
	for _, loc := range locs {
		if err := npmEdges(b, t, lock.Packages[loc], loc); err != nil {
			return err
		}
	}
	return nil
}

// intern returns loc's node, creating it and its ancestors.
func (t *npmTree) intern(loc string) int {
	if n, ok := t.node[loc]; ok {
		return n
	}
	n := len(t.parent)
	t.node[loc] = n
	t.parent = append(t.parent, -1)
	t.pkg = append(t.pkg, -1)
	if loc == "" {
		return n
	}
	parent, name := t.parentOf(loc)
	p := t.intern(parent)
	t.parent[n] = p
	if name != "" {
		t.child[npmKey{p, name}] = n
	}
	return n
}

// parentOf returns where resolution goes after loc, and loc's package folder
// name when loc is inside a node_modules folder. Inside node_modules that is
// the package folder holding it; for a local folder (a workspace) it is the
// nearest local package above it, or the root: arborist's fsParent.
func (t *npmTree) parentOf(loc string) (parent, name string) {
	if i := strings.LastIndex(loc, "/node_modules/"); i >= 0 {
		return loc[:i], loc[i+len("/node_modules/"):]
	}
	if rest, ok := strings.CutPrefix(loc, "node_modules/"); ok {
		return "", rest
	}
	for dir := loc; ; {
		i := strings.LastIndex(dir, "/")
		if i < 0 {
			return "", ""
		}
		dir = dir[:i]
		if t.local[dir] {
			return dir, ""
		}
	}
}

// npmAddPackage adds the package installed at loc (links are added by
// npmLink once every target exists).
func npmAddPackage(b *builder, t *npmTree, lock *npmLock, loc string) error {
	e := lock.Packages[loc]
	if e.Link {
		return nil
	}
	name := e.Name
	switch {
	case name != "":
	case loc == "":
		name = lock.Name
	default:
		_, name = t.parentOf(loc)
		if name == "" { // a local folder without a name: its last segment
			name = loc[strings.LastIndex(loc, "/")+1:]
		}
	}
	if name == "" {
		name = "." // a root without a name
	}
	i, err := b.add(name, e.Version)
	if err != nil {
		return at("package-lock.json: packages["+quote(loc)+"]", err)
	}
	t.pkg[t.node[loc]] = i
	if t.local[loc] {
		b.root(i)
	}
	return nil
}

// npmLink points a link location at its target's package. A link whose
// target the lockfile does not hold (a folder outside the project) stays
// without a package, and dependencies on it count as unresolved.
func npmLink(t *npmTree, lock *npmLock, loc string) {
	e := lock.Packages[loc]
	if !e.Link {
		return
	}
	if target, ok := lock.Packages[e.Resolved]; ok && !target.Link {
		t.pkg[t.node[loc]] = t.pkg[t.node[e.Resolved]]
	}
}

// npmEdges resolves the dependencies of the package at loc. Development
// dependencies count only for local packages: npm installs no one else's.
func npmEdges(b *builder, t *npmTree, e *npmEntry, loc string) error {
	if e.Link {
		return nil
	}
	from := t.pkg[t.node[loc]]
	lists := []struct {
		deps map[string]string
		kind Kind
	}{
		{e.Dependencies, KindRuntime},
		{e.OptionalDependencies, KindOptional},
		{e.PeerDependencies, KindPeer},
		{e.DevDependencies, KindDev},
	}
	for _, l := range lists {
		if l.kind == KindDev && !t.local[loc] {
			continue
		}
		for name := range l.deps {
			to := t.resolve(t.node[loc], name)
			if to < 0 {
				b.unresolved++
				continue
			}
			if err := b.edge(from, to, l.kind); err != nil {
				return err
			}
		}
	}
	return nil
}

// resolve walks up from node n to the first folder that has name installed
// in its node_modules, and returns that package, or -1.
func (t *npmTree) resolve(n int, name string) int {
	for ; n >= 0; n = t.parent[n] {
		if c, ok := t.child[npmKey{n, name}]; ok {
			return t.pkg[c]
		}
	}
	return -1
}

// quote shortens a location for a message.
func quote(s string) string {
	if len(s) > 120 {
		s = s[:120] + "…"
	}
	return `"` + s + `"`
}

// npmV1Dep is one entry of lockfile version 1's nested "dependencies" tree:
// its own "dependencies" are the packages installed in its node_modules, and
// "requires" what it depends on, resolved through the tree as Node would.
type npmV1Dep struct {
	Version      string               `json:"version"`
	Dev          bool                 `json:"dev"`
	Optional     bool                 `json:"optional"`
	Requires     map[string]string    `json:"requires"`
	Dependencies map[string]*npmV1Dep `json:"dependencies"`
}

// npmV1Node is a folder of the version 1 tree.
type npmV1Node struct {
	parent   *npmV1Node
	children map[string]*npmV1Node
	dep      *npmV1Dep
	pkg      int
	path     string // for messages: "dependencies[a].dependencies[b]"
}

// npmV1 reads lockfile version 1. It records the root package but not the
// root's own dependencies (they are in package.json), so the root is given
// an edge to each top-level package that no other package requires.
func npmV1(b *builder, lock *npmLock) error {
	root := &npmV1Node{pkg: -1}
	if err := npmV1Tree(b, root, lock.Dependencies, 0); err != nil {
		return err
	}
	if err := npmV1Edges(b, root); err != nil {
		return err
	}
	name := cmp.Or(lock.Name, ".")
	r, err := b.add(name, lock.Version)
	if err != nil {
		return at("package-lock.json: name and version", err)
	}
	b.root(r)
	required := make([]bool, len(b.pkgs))
	for key := range b.edges {
		required[uint32(key)] = true
	}
	for _, name := range slices.Sorted(maps.Keys(root.children)) {
		c := root.children[name]
		if b.pkgs[c.pkg].Root || required[c.pkg] {
			continue
		}
		kind := KindRuntime
		switch {
		case c.dep.Dev:
			kind = KindDev
		case c.dep.Optional:
			kind = KindOptional
		}
		if err := b.edge(r, c.pkg, kind); err != nil {
			return err
		}
	}
	b.inferred = "npm lockfile v1 does not record the root's dependencies: they are taken to be the top-level packages no other package requires"
	return nil
}

// npmV1Tree adds the packages of one level of the tree and recurses.
func npmV1Tree(b *builder, n *npmV1Node, deps map[string]*npmV1Dep, depth int) error {
	if depth >= nestingMax && len(deps) > 0 {
		return errcode.Errorf(ErrMalformed, "package-lock.json: %s… nests more than %d levels of dependencies; at most %d are allowed", n.path[:min(len(n.path), 120)], nestingMax, nestingMax)
	}
	n.children = make(map[string]*npmV1Node, len(deps))
	for _, key := range slices.Sorted(maps.Keys(deps)) {
		d := deps[key]
		path := n.path + "dependencies[" + quote(key) + "]"
		if d == nil {
			return errcode.Errorf(ErrMalformed, "package-lock.json: %s is null; want an object", path)
		}
		name, version, local := npmV1Identity(key, d.Version)
		i, err := b.add(name, version)
		if err != nil {
			return at("package-lock.json: "+path, err)
		}
		if local {
			b.root(i)
		}
		c := &npmV1Node{parent: n, dep: d, pkg: i, path: path + "."}
		n.children[key] = c
		if err := npmV1Tree(b, c, d.Dependencies, depth+1); err != nil {
			return err
		}
	}
	return nil
}

// npmV1Identity reads a version 1 entry: "npm:real@1.2.3" is an alias of
// another package; "file:…" a local package (a workspace member), which is
// the project's own.
func npmV1Identity(key, version string) (name, ver string, local bool) {
	if alias, ok := strings.CutPrefix(version, "npm:"); ok {
		if i := strings.LastIndex(alias, "@"); i > 0 {
			return alias[:i], alias[i+1:], false
		}
	}
	return key, version, strings.HasPrefix(version, "file:")
}

// npmV1Edges resolves every "requires" of the tree below n.
func npmV1Edges(b *builder, n *npmV1Node) error {
	for _, c := range n.children {
		for name := range c.dep.Requires {
			to := c.resolve(name)
			if to == nil {
				b.unresolved++
				continue
			}
			if err := b.edge(c.pkg, to.pkg, KindRuntime); err != nil {
				return err
			}
		}
		if err := npmV1Edges(b, c); err != nil {
			return err
		}
	}
	return nil
}

// resolve walks up from n to the first folder holding name.
func (n *npmV1Node) resolve(name string) *npmV1Node {
	for ; n != nil; n = n.parent {
		if c, ok := n.children[name]; ok {
			return c
		}
	}
	return nil
}
