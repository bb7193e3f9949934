package lockfile

import (
	"maps"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/tributary-ledger/tributary/errcode"
)

// berryEntry is one entry of a yarn 2+ lockfile, keyed by the descriptors
// that resolved to it ("debug@npm:^4.1.0, debug@npm:^4.3.4").
type berryEntry struct {
	Version      string            `yaml:"version"`
	Resolution   string            `yaml:"resolution"` // "debug@npm:4.3.4", "app@workspace:."
	Dependencies map[string]string `yaml:"dependencies"`
	Meta         map[string]struct {
		Optional bool `yaml:"optional"`
	} `yaml:"dependenciesMeta"`
}

// parseYarnBerry reads the yarn.lock of yarn 2 and later, which is YAML.
// Workspaces are entries resolved with the workspace: protocol; they are the
// roots. Peer dependencies are left out: berry resolves them from the
// dependent's parent when it links, and the lockfile does not record what
// they resolved to.
func parseYarnBerry(data []byte, lim Limits) (*builder, error) {
	var lock map[string]*berryEntry
	if err := yaml.Unmarshal(data, &lock); err != nil {
		return nil, yamlError("yarn.lock", err)
	}
	delete(lock, "__metadata")
	b := newBuilder(EcosystemNPM, lim)
	byDescriptor := map[string]int{}
	keys := slices.Sorted(maps.Keys(lock))
	for _, key := range keys {
		e := lock[key]
		if e == nil || e.Resolution == "" || e.Version == "" {
			return nil, errcode.Errorf(ErrMalformed, "yarn.lock: entry %s has no resolution or version; both are required", quote(key))
		}
		name, _ := pnpmSplit(e.Resolution)
		i, err := b.add(name, e.Version)
		if err != nil {
			return nil, at("yarn.lock: entry "+quote(key), err)
		}
		if strings.Contains(e.Resolution, "@workspace:") {
			b.root(i)
		}
		for _, d := range strings.Split(key, ",") {
			byDescriptor[strings.TrimSpace(d)] = i
		}
	}
	for _, key := range keys {
		e := lock[key]
		from := byDescriptor[strings.TrimSpace(strings.Split(key, ",")[0])]
		for name, rng := range e.Dependencies {
			to, ok := byDescriptor[name+"@"+rng]
			if !ok && !strings.Contains(rng, ":") { // lockfiles before version 6 leave out "npm:"
				to, ok = byDescriptor[name+"@npm:"+rng]
			}
			if !ok {
				b.unresolved++
				continue
			}
			kind := KindRuntime
			if e.Meta[name].Optional {
				kind = KindOptional
			}
			if err := b.edge(from, to, kind); err != nil {
				return nil, err
			}
		}
	}
	return b, nil
}
