package lockfile

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/pelletier/go-toml/v2"

	"github.com/tributary-ledger/tributary/errcode"
)

// cargoLock is Cargo.lock. Version 1 has no version key and names every
// dependency "name version (source)"; versions 2 to 4 name it by "name"
// alone when only one version of it is locked, "name version" when several
// are, and add the source only when one name@version comes from two sources.
type cargoLock struct {
	Version int            `toml:"version"`
	Package []cargoPackage `toml:"package"`
}

type cargoPackage struct {
	Name         string   `toml:"name"`
	Version      string   `toml:"version"`
	Source       string   `toml:"source"` // empty for the workspace's own and path packages
	Dependencies []string `toml:"dependencies"`
}

// parseCargo reads Cargo.lock versions 1 to 4. Packages without a source
// are the workspace's members and path dependencies: the project's own code,
// so they are the roots.
func parseCargo(data []byte, lim Limits) (*builder, error) {
	var lock cargoLock
	if err := toml.Unmarshal(data, &lock); err != nil {
		return nil, tomlError("Cargo.lock", data, err)
	}
	if lock.Version != 0 && (lock.Version < 3 || lock.Version > 4) {
		return nil, errcode.Errorf(ErrVersionUnsupported, "Cargo.lock: version %d is not supported; allowed: 1 and 2 (no version key), 3, 4", lock.Version)
	}
	b := newBuilder(EcosystemCargo, lim)
	byName := map[string][]int{} // name → packages, one per version
	for n, p := range lock.Package {
		if p.Version == "" {
			return nil, errcode.Errorf(ErrMalformed, "Cargo.lock: package[%d] (name %q) has no version", n, p.Name)
		}
		i, err := b.add(p.Name, p.Version)
		if err != nil {
			return nil, at(fmt.Sprintf("Cargo.lock: package[%d]", n), err)
		}
		if p.Source == "" {
			b.root(i)
		}
		if !slices.Contains(byName[p.Name], i) {
			byName[p.Name] = append(byName[p.Name], i)
		}
	}
	for n, p := range lock.Package {
		from := b.ids[packageID(EcosystemCargo, p.Name, p.Version)]
		for _, dep := range p.Dependencies {
			to, err := cargoResolve(b, byName, dep)
			if err != nil {
				return nil, at(fmt.Sprintf("Cargo.lock: package[%d] (name %q) dependencies", n, p.Name), err)
			}
			if err := b.edge(from, to, KindRuntime); err != nil {
				return nil, err
			}
		}
	}
	return b, nil
}

// cargoResolve finds the package a dependency string names. The source, if
// given, is not needed: packages are distinct by name@version.
func cargoResolve(b *builder, byName map[string][]int, dep string) (int, error) {
	fields := strings.Fields(dep)
	if len(fields) == 0 || len(fields) > 2 && !strings.HasPrefix(fields[2], "(") {
		return 0, errcode.Errorf(ErrMalformed, "dependency %q is not \"name\", \"name version\" or \"name version (source)\"", dep)
	}
	if len(fields) >= 2 {
		if i, ok := b.ids[packageID(EcosystemCargo, fields[0], fields[1])]; ok {
			return i, nil
		}
		return 0, errcode.Errorf(ErrMalformed, "dependency %q names a package the lockfile does not hold", dep)
	}
	switch c := byName[fields[0]]; len(c) {
	case 1:
		return c[0], nil
	case 0:
		return 0, errcode.Errorf(ErrMalformed, "dependency %q names a package the lockfile does not hold", dep)
	default:
		return 0, errcode.Errorf(ErrMalformed, "dependency %q is ambiguous: %d versions are locked, so it must name one", dep, len(c))
	}
}

// tomlError turns go-toml's errors into ErrMalformed naming the line and,
// when known, the key.
func tomlError(what string, data []byte, err error) error {
	var de *toml.DecodeError
	if errors.As(err, &de) {
		row, _ := de.Position()
		if key := de.Key(); len(key) > 0 {
			return errcode.Errorf(ErrMalformed, "%s: line %d: key %s: %v", what, row, strings.Join(key, "."), de)
		}
		return errcode.Errorf(ErrMalformed, "%s: line %d: %v", what, row, de)
	}
	return errcode.Errorf(ErrMalformed, "%s: %v", what, err)
}
