package lockfile

import (
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"

	"github.com/pelletier/go-toml/v2"

	"github.com/tributary-ledger/tributary/errcode"
)

// pypiName normalises a Python distribution name as PEP 503 does: lower case,
// every run of "-", "_" and "." one "-". poetry.lock keeps names as their
// authors spell them ("typing_extensions") and dependency tables often differ
// ("typing-extensions").
func pypiName(name string) string {
	return strings.ToLower(pypiSeparators.ReplaceAllString(name, "-"))
}

var pypiSeparators = regexp.MustCompile(`[-_.]+`)

// poetryLock is poetry.lock. It records no root: the project's own
// dependencies are in pyproject.toml.
type poetryLock struct {
	Package  []poetryPackage `toml:"package"`
	Metadata struct {
		LockVersion string `toml:"lock-version"`
	} `toml:"metadata"`
}

type poetryPackage struct {
	Name    string `toml:"name"`
	Version string `toml:"version"`
	// Dependencies maps a name to a constraint: a string ("^1.0"), a table
	// ({version = …, optional = true, markers = …}) or, when the
	// constraint differs by environment, a list of tables.
	Dependencies map[string]any `toml:"dependencies"`
}

// parsePoetry reads poetry.lock (lock-version 1.x and 2.x). Poetry locks
// for every environment at once and may lock two versions of a name for
// different markers; a dependency on such a name gets an edge to each, since
// the lockfile does not say which environment will run.
func parsePoetry(data []byte, lim Limits) (*builder, error) {
	var lock poetryLock
	if err := toml.Unmarshal(data, &lock); err != nil {
		return nil, tomlError("poetry.lock", data, err)
	}
	if v := lock.Metadata.LockVersion; v != "" && !strings.HasPrefix(v, "1.") && !strings.HasPrefix(v, "2.") {
		return nil, errcode.Errorf(ErrVersionUnsupported, "poetry.lock: lock-version %q is not supported; allowed: 1.x, 2.x", v)
	}
	b := newBuilder(EcosystemPyPI, lim)
	byName := map[string][]int{}
	from := make([]int, len(lock.Package))
	for n, p := range lock.Package {
		i, err := pythonAdd(b, byName, "poetry.lock", n, p.Name, p.Version)
		if err != nil {
			return nil, err
		}
		from[n] = i
	}
	for n, p := range lock.Package {
		for _, name := range slices.Sorted(maps.Keys(p.Dependencies)) {
			kind, err := poetryKind(p.Dependencies[name])
			if err != nil {
				return nil, errcode.Errorf(ErrMalformed, "poetry.lock: package[%d] (name %q) dependencies.%s: %v", n, p.Name, name, err)
			}
			targets := byName[pypiName(name)]
			if len(targets) == 0 {
				b.unresolved++ // an optional dependency of an extra nobody asked for
			}
			for _, to := range targets {
				if err := b.edge(from[n], to, kind); err != nil {
					return nil, err
				}
			}
		}
	}
	b.inferRoots("poetry.lock does not record the project: the roots are the packages nothing outside their own cycle depends on")
	return b, nil
}

// pythonAdd adds one [[package]] of poetry.lock or uv.lock.
func pythonAdd(b *builder, byName map[string][]int, file string, n int, name, version string) (int, error) {
	norm := pypiName(name)
	i, err := b.add(norm, version)
	if err != nil {
		return 0, at(fmt.Sprintf("%s: package[%d]", file, n), err)
	}
	if !slices.Contains(byName[norm], i) {
		byName[norm] = append(byName[norm], i)
	}
	return i, nil
}

// poetryKind reads a dependency's constraint: optional when every form of
// it says optional = true.
func poetryKind(c any) (Kind, error) {
	switch c := c.(type) {
	case string:
		return KindRuntime, nil
	case map[string]any:
		if opt, _ := c["optional"].(bool); opt {
			return KindOptional, nil
		}
		return KindRuntime, nil
	case []any:
		kind := KindOptional
		for _, item := range c {
			k, err := poetryKind(item)
			if err != nil {
				return 0, err
			}
			if _, isList := item.([]any); isList {
				return 0, fmt.Errorf("a list inside a list; want a string, a table or a list of tables")
			}
			kind = min(kind, k)
		}
		return kind, nil
	}
	return 0, fmt.Errorf("a %T; want a string, a table or a list of tables", c)
}

// uvLock is uv.lock (version 1). Packages whose source is the project's own
// folder (editable, virtual, a local directory) are the roots: the project
// and its workspace members.
type uvLock struct {
	Version int         `toml:"version"`
	Package []uvPackage `toml:"package"`
}

type uvPackage struct {
	Name         string             `toml:"name"`
	Version      string             `toml:"version"` // absent for a project with a dynamic version
	Source       map[string]any     `toml:"source"`
	Dependencies []uvDep            `toml:"dependencies"`
	Optional     map[string][]uvDep `toml:"optional-dependencies"`
	Dev          map[string][]uvDep `toml:"dev-dependencies"`
}

// uvDep names a locked package; the version is given when the name is
// locked at more than one version.
type uvDep struct {
	Name    string `toml:"name"`
	Version string `toml:"version"`
}

// parseUV reads uv.lock.
func parseUV(data []byte, lim Limits) (*builder, error) {
	var lock uvLock
	if err := toml.Unmarshal(data, &lock); err != nil {
		return nil, tomlError("uv.lock", data, err)
	}
	if lock.Version != 1 {
		return nil, errcode.Errorf(ErrVersionUnsupported, "uv.lock: version %d is not supported; allowed: 1", lock.Version)
	}
	b := newBuilder(EcosystemPyPI, lim)
	byName := map[string][]int{}
	from := make([]int, len(lock.Package))
	for n, p := range lock.Package {
		i, err := pythonAdd(b, byName, "uv.lock", n, p.Name, p.Version)
		if err != nil {
			return nil, err
		}
		from[n] = i
		for _, local := range []string{"editable", "virtual", "directory"} {
			if _, ok := p.Source[local]; ok {
				b.root(i)
			}
		}
	}
	for n, p := range lock.Package {
		if err := uvEdges(b, byName, from[n], p.Dependencies, KindRuntime); err != nil {
			return nil, err
		}
		for _, group := range slices.Sorted(maps.Keys(p.Optional)) {
			if err := uvEdges(b, byName, from[n], p.Optional[group], KindOptional); err != nil {
				return nil, err
			}
		}
		for _, group := range slices.Sorted(maps.Keys(p.Dev)) {
			if err := uvEdges(b, byName, from[n], p.Dev[group], KindDev); err != nil {
				return nil, err
			}
		}
	}
	return b, nil
}

// uvEdges adds the edges of one list of dependencies.
func uvEdges(b *builder, byName map[string][]int, from int, deps []uvDep, kind Kind) error {
	for _, d := range deps {
		targets := byName[pypiName(d.Name)]
		if d.Version != "" {
			i, ok := b.ids[packageID(EcosystemPyPI, pypiName(d.Name), d.Version)]
			targets = nil
			if ok {
				targets = []int{i}
			}
		}
		if len(targets) == 0 {
			b.unresolved++
		}
		for _, to := range targets {
			if err := b.edge(from, to, kind); err != nil {
				return err
			}
		}
	}
	return nil
}
