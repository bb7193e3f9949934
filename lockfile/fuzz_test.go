package lockfile

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/tributary-ledger/tributary/errcode"
)

// One fuzz target per format, seeded with the fixtures and the table cases:
//
//	go test -run=NONE -fuzz=FuzzNPM -fuzztime=60s ./lockfile/
//
// Every input must either be refused with one of this package's codes or
// give a well-formed graph within the limits, the same graph twice.

func FuzzNPM(f *testing.F) {
	fuzzFormat(f, FormatNPM, "npm-v1.package-lock.json", "npm-v2.package-lock.json", "npm-v3.package-lock.json")
}
func FuzzPNPM(f *testing.F) {
	fuzzFormat(f, FormatPNPM, "pnpm-v6.pnpm-lock.yaml", "pnpm-v9.pnpm-lock.yaml")
}
func FuzzYarn(f *testing.F)      { fuzzFormat(f, FormatYarn, "yarn-v1.yarn.lock") }
func FuzzYarnBerry(f *testing.F) { fuzzFormat(f, FormatYarnBerry, "yarn-berry.yarn.lock") }
func FuzzCargo(f *testing.F) {
	fuzzFormat(f, FormatCargo, "cargo-v1.Cargo.lock", "cargo-v2.Cargo.lock", "cargo-v4.Cargo.lock")
}
func FuzzGo(f *testing.F)     { fuzzFormat(f, FormatGo, "go/fixture.graph") }
func FuzzGoMod(f *testing.F)  { fuzzFormat(f, FormatGoMod, "go/fixture.go.mod") }
func FuzzPoetry(f *testing.F) { fuzzFormat(f, FormatPoetry, "poetry.lock") }
func FuzzUV(f *testing.F)     { fuzzFormat(f, FormatUV, "uv.lock") }

// FuzzDetect: detection never panics and, when it names a format, names one
// of Formats.
func FuzzDetect(f *testing.F) {
	f.Add("yarn.lock", []byte("__metadata:\n"))
	f.Add("", []byte("a b@v1\n"))
	f.Fuzz(func(t *testing.T, name string, data []byte) {
		format, err := Detect(name, data)
		if err != nil {
			if errcode.Code(err) != ErrFormatUnknown.Code() {
				t.Fatalf("Detect: %v (code %s)", err, errcode.Code(err))
			}
			return
		}
		if _, err := ParseFormat(string(format)); err != nil {
			t.Fatalf("Detect = %q, not a format", format)
		}
	})
}

// fuzzLimits are small, so that the fuzzer reaches them.
var fuzzLimits = Limits{BytesMax: 64 << 10, PackagesMax: 40, EdgesMax: 80}

func fuzzFormat(f *testing.F, format Format, files ...string) {
	for _, file := range files {
		f.Add(testdata(f, file))
	}
	for _, tc := range formatCases {
		if tc.format == format {
			f.Add([]byte(tc.in))
		}
	}
	codes := map[string]bool{}
	for _, e := range []*errcode.Error{ErrBytesMax, ErrPackagesMax, ErrEdgesMax, ErrMalformed, ErrVersionUnsupported} {
		codes[e.Code()] = true
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		opt := Options{Format: format, Limits: fuzzLimits}
		g, err := Parse(data, opt)
		if err != nil {
			if !codes[errcode.Code(err)] {
				t.Fatalf("Parse: %v (code %s); want one of the lockfile codes", err, errcode.Code(err))
			}
			return
		}
		checkGraph(t, g)
		again, err := Parse(data, opt)
		if err != nil || !reflect.DeepEqual(g, again) {
			t.Fatalf("second Parse differs: %v", err)
		}
		s := Summarize(g)
		if s.Packages != len(g.Packages) || s.Unreachable+sum(s.Depths) != len(g.Packages) {
			t.Fatalf("summary %+v does not account for %d packages", s, len(g.Packages))
		}
		if _, err := json.Marshal(NewDocument(g)); err != nil {
			t.Fatal(err)
		}
	})
}

// checkGraph asserts what every graph holds: within the limits, packages
// sorted by a unique ID built from their parts, edges sorted and unique,
// none from a package to itself, every index in range.
func checkGraph(t *testing.T, g *Graph) {
	t.Helper()
	if len(g.Packages) > fuzzLimits.PackagesMax || len(g.Edges) > fuzzLimits.EdgesMax {
		t.Fatalf("%d packages, %d edges; limits %d, %d", len(g.Packages), len(g.Edges), fuzzLimits.PackagesMax, fuzzLimits.EdgesMax)
	}
	for i, p := range g.Packages {
		if p.ID != packageID(p.Ecosystem, p.Name, p.Version) || strings.ContainsAny(p.ID, " \n\t") {
			t.Fatalf("package %+v: ID does not match its parts", p)
		}
		if i > 0 && g.Packages[i-1].ID >= p.ID {
			t.Fatalf("packages not sorted or not unique at %d: %q, %q", i, g.Packages[i-1].ID, p.ID)
		}
	}
	for i, e := range g.Edges {
		if e.From < 0 || e.To < 0 || e.From >= len(g.Packages) || e.To >= len(g.Packages) || e.From == e.To {
			t.Fatalf("edge %+v out of range or a self-dependency", e)
		}
		if i > 0 {
			p := g.Edges[i-1]
			if p.From > e.From || p.From == e.From && p.To >= e.To {
				t.Fatalf("edges not sorted or not unique at %d: %+v, %+v", i, p, e)
			}
		}
	}
}

func sum(xs []int) int {
	n := 0
	for _, x := range xs {
		n += x
	}
	return n
}
