package lockfile

import (
	"fmt"
	"maps"
	"path"
	"slices"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/tributary-ledger/tributary/errcode"
)

// pnpmLock is pnpm-lock.yaml. Version 6 keys packages "/name@version" and
// lists their dependencies under "packages"; version 9 keys them
// "name@version", keeps metadata under "packages" and the resolved
// dependencies under "snapshots", keyed with the peers a copy was resolved
// with ("react-dom@18.2.0(react@18.2.0)"). Both list the project and its
// workspace members under "importers", keyed by folder.
type pnpmLock struct {
	LockfileVersion any                     `yaml:"lockfileVersion"`
	Importers       map[string]pnpmImporter `yaml:"importers"`
	Packages        map[string]pnpmPackage  `yaml:"packages"`
	Snapshots       map[string]pnpmPackage  `yaml:"snapshots"`
	// A version 6 lockfile without workspaces lists the root's
	// dependencies at the top level.
	pnpmImporter `yaml:",inline"`
}

type pnpmImporter struct {
	Dependencies         map[string]pnpmDep `yaml:"dependencies"`
	DevDependencies      map[string]pnpmDep `yaml:"devDependencies"`
	OptionalDependencies map[string]pnpmDep `yaml:"optionalDependencies"`
}

type pnpmDep struct {
	Specifier string `yaml:"specifier"`
	Version   string `yaml:"version"`
}

type pnpmPackage struct {
	Name                 string            `yaml:"name"`    // set for packages not from a registry
	Version              string            `yaml:"version"` // idem
	Dependencies         map[string]string `yaml:"dependencies"`
	OptionalDependencies map[string]string `yaml:"optionalDependencies"`
}

// parsePNPM reads pnpm-lock.yaml, lockfile versions 6.0 to 9.0.
func parsePNPM(data []byte, lim Limits) (*builder, error) {
	var lock pnpmLock
	if err := yaml.Unmarshal(data, &lock); err != nil {
		return nil, yamlError("pnpm-lock.yaml", err)
	}
	major, err := pnpmVersion(lock.LockfileVersion)
	if err != nil {
		return nil, err
	}
	b := newBuilder(EcosystemNPM, lim)
	p := &pnpmParse{b: b, lock: &lock, index: map[string]int{}, importers: map[string]int{}}
	deps := lock.Packages
	if major >= 9 {
		deps = lock.Snapshots
	}
	if err := p.addImporters(); err != nil {
		return nil, err
	}
	for _, key := range slices.Sorted(maps.Keys(deps)) {
		if err := p.addPackage(key); err != nil {
			return nil, err
		}
	}
	if err := p.importerEdges(); err != nil {
		return nil, err
	}
	for _, key := range slices.Sorted(maps.Keys(deps)) {
		d := deps[key]
		from := p.index[pnpmNorm(key)]
		if err := p.edges(from, "", d.Dependencies, KindRuntime); err != nil {
			return nil, err
		}
		if err := p.edges(from, "", d.OptionalDependencies, KindOptional); err != nil {
			return nil, err
		}
	}
	return b, nil
}

// pnpmVersion reads lockfileVersion, a string ('6.0') or, in old files, a
// number, and returns its major version.
func pnpmVersion(v any) (int, error) {
	if v == nil {
		return 0, errcode.Errorf(ErrVersionUnsupported, "pnpm-lock.yaml: lockfileVersion is missing; allowed: 6.0 to 9.0 (pnpm 8 and later)")
	}
	s := fmt.Sprint(v)
	major, _, _ := strings.Cut(s, ".")
	n, err := strconv.Atoi(major)
	if err != nil || n < 6 || n > 9 {
		return 0, errcode.Errorf(ErrVersionUnsupported, "pnpm-lock.yaml: lockfileVersion %q is not supported; allowed: 6.0 to 9.0 (pnpm 8 and later)", s)
	}
	return n, nil
}

type pnpmParse struct {
	b         *builder
	lock      *pnpmLock
	index     map[string]int // normalised package key → package
	importers map[string]int // importer folder → package
}

// addImporters adds the project's folders as root packages named by folder
// ("." is the root): the lockfile does not record their package names.
func (p *pnpmParse) addImporters() error {
	imps := p.lock.Importers
	if len(imps) == 0 {
		imps = map[string]pnpmImporter{".": p.lock.pnpmImporter}
	}
	for _, dir := range slices.Sorted(maps.Keys(imps)) {
		i, err := p.b.add(dir, "")
		if err != nil {
			return at("pnpm-lock.yaml: importers["+quote(dir)+"]", err)
		}
		p.b.root(i)
		p.importers[dir] = i
	}
	return nil
}

// addPackage adds the package of one packages (v6) or snapshots (v9) key.
func (p *pnpmParse) addPackage(key string) error {
	norm := pnpmNorm(key)
	name, version := pnpmSplit(norm)
	if meta, ok := p.lock.Packages[key]; ok && meta.Name != "" {
		name, version = meta.Name, meta.Version
	} else if meta, ok := p.lock.Packages[norm]; ok && meta.Name != "" {
		name, version = meta.Name, meta.Version
	}
	i, err := p.b.add(name, version)
	if err != nil {
		return at("pnpm-lock.yaml: packages["+quote(key)+"]", err)
	}
	p.index[norm] = i
	return nil
}

// importerEdges adds each importer's dependencies.
func (p *pnpmParse) importerEdges() error {
	imps := p.lock.Importers
	if len(imps) == 0 {
		imps = map[string]pnpmImporter{".": p.lock.pnpmImporter}
	}
	for _, dir := range slices.Sorted(maps.Keys(imps)) {
		imp := imps[dir]
		from := p.importers[dir]
		lists := []struct {
			deps map[string]pnpmDep
			kind Kind
		}{{imp.Dependencies, KindRuntime}, {imp.OptionalDependencies, KindOptional}, {imp.DevDependencies, KindDev}}
		for _, l := range lists {
			refs := make(map[string]string, len(l.deps))
			for name, d := range l.deps {
				refs[name] = d.Version
			}
			if err := p.edges(from, dir, refs, l.kind); err != nil {
				return err
			}
		}
	}
	return nil
}

// edges resolves dependencies given as name → reference. A reference is a
// version ("1.2.3", with peers "1.2.3(react@18.2.0)"), an alias
// ("string-width@4.2.3"; "/string-width@4.2.3" in version 6), a key such as
// "file:…" or a tarball URL, or "link:../dir", a folder relative to the
// importer dir (a workspace member).
func (p *pnpmParse) edges(from int, dir string, refs map[string]string, kind Kind) error {
	for name, ref := range refs {
		to, ok := -1, false
		if rel, isLink := strings.CutPrefix(ref, "link:"); isLink {
			to, ok = p.importers[path.Join(dir, rel)]
		} else if to, ok = p.index[pnpmNorm(name+"@"+ref)]; !ok {
			to, ok = p.index[pnpmNorm(ref)]
		}
		if !ok {
			p.b.unresolved++
			continue
		}
		if err := p.b.edge(from, to, kind); err != nil {
			return err
		}
	}
	return nil
}

// pnpmNorm strips version 6's leading "/" and the peer suffix, so that every
// copy of one name@version is one package.
func pnpmNorm(key string) string {
	key = strings.TrimPrefix(key, "/")
	if i := strings.IndexByte(key, '('); i > 0 {
		key = key[:i]
	}
	return key
}

// pnpmSplit splits "name@version" (the name may be scoped: "@s/n@1.0.0").
// The version is everything after the name: it may hold "@" itself (a git
// URL).
func pnpmSplit(key string) (name, version string) {
	if i := strings.IndexByte(key[min(1, len(key)):], '@'); i >= 0 {
		return key[:i+1], key[i+2:]
	}
	return key, ""
}

// yamlError turns go.yaml.in/yaml's errors, which name the line, into
// ErrMalformed on one line.
func yamlError(what string, err error) error {
	msg := strings.Join(strings.Fields(err.Error()), " ")
	return errcode.Errorf(ErrMalformed, "%s: %s", what, msg)
}
