package lockfile

import (
	"strings"
	"testing"
)

// Real lockfiles of public projects, kept in the shared folder beside the
// module (see shared()). Expected counts were computed once with
// testdata/count.py; npm/cli's were also checked against npm's own reading
// of the file, `npm ls --all --package-lock-only --json` (npm 11.19), whose
// tree has the same 1,037 packages and 2,254 edges once aliases are named by
// the package they install and arborist's edge from the root to the
// smoke-tests workspace is left out. The shared folder's README counts
// npm/cli's edges between install locations (2,531, over 1,258 locations):
// here a package is a name@version, and edges between two locations of the
// same pair of packages are one edge.
var realLockfiles = []struct {
	file            string
	format          Format
	packages, edges int
	roots           int
	cycles, largest int
	inCycle         string // a package of the largest cycle
}{
	{"npm-cli.package-lock.json", FormatNPM, 1037, 2254, 17, 6, 4, "npm:es-abstract@1.23.3"},
	{"nushell.Cargo.lock", FormatCargo, 1035, 3711, 44, 1, 20, "cargo:nu-cli@0.114.2"},
	{"poetry.poetry.lock", FormatPoetry, 78, 87, 26, 0, 0, ""},
}

func TestRealLockfiles(t *testing.T) {
	for _, r := range realLockfiles {
		t.Run(r.file, func(t *testing.T) {
			g := mustParse(t, shared(t, r.file), Options{Name: r.file})
			s := Summarize(g)
			if s.Format != r.format || s.Packages != r.packages || s.Edges != r.edges || len(s.Roots) != r.roots {
				t.Errorf("format, packages, edges, roots = %s, %d, %d, %d; want %s, %d, %d, %d", s.Format, s.Packages, s.Edges, len(s.Roots), r.format, r.packages, r.edges, r.roots)
			}
			if s.Cycles.Count != r.cycles || s.Cycles.Largest != r.largest {
				t.Errorf("cycles, largest = %d, %d; want %d, %d", s.Cycles.Count, s.Cycles.Largest, r.cycles, r.largest)
			}
			if r.inCycle != "" && !strings.Contains(strings.Join(s.Cycles.Examples[0], " "), r.inCycle) {
				t.Errorf("largest cycle %v does not pass through %s", s.Cycles.Examples[0], r.inCycle)
			}
			if s.Unreachable != 0 {
				t.Errorf("unreachable = %d; want 0 (every package is installed for a root)", s.Unreachable)
			}
		})
	}
}
