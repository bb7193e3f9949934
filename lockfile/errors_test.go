package lockfile

import (
	"errors"
	"strings"
	"testing"

	"github.com/tributary-ledger/tributary/errcode"
)

// Every refusal: the code, and a piece of the message that names the line or
// the field, or says what is allowed.
func TestRefusals(t *testing.T) {
	deep := `{"lockfileVersion": 3, "packages": {"` + strings.Repeat("node_modules/a/", 200) + `node_modules/b": {"version": "1.0.0"}}}`
	nested := `{"lockfileVersion": 1, "dependencies": ` + strings.Repeat(`{"a": {"version": "1.0.0", "dependencies": `, 130) + `{}` + strings.Repeat(`}}`, 130) + `}`
	tests := []struct {
		name   string
		opt    Options
		in     string
		code   string
		detail string
	}{
		{"unknown format by name and content", Options{Name: "notes.txt"}, "hello", "lockfile_format_unknown", `"notes.txt"`},
		{"unknown format named", Options{Format: "maven"}, "{}", "lockfile_format_unknown", "allowed: npm, pnpm, yarn, yarn-berry, cargo, go, gomod, poetry, uv"},
		{"too large", Options{Format: FormatNPM, Limits: Limits{BytesMax: 10}}, `{"lockfileVersion": 3}`, "lockfile_bytes_max", "at most 10 are allowed"},
		{"go.mod too large", Options{Format: FormatGo, GoMod: []byte("module example.com/m\n"), Limits: Limits{BytesMax: 10}}, "a b@v1.0.0", "lockfile_bytes_max", "go.mod is 21 bytes"},

		{"npm version 4", Options{Format: FormatNPM}, `{"lockfileVersion": 4}`, "lockfile_version_unsupported", "allowed: 1, 2, 3"},
		{"npm without a version", Options{Format: FormatNPM}, `{"name": "x"}`, "lockfile_version_unsupported", "lockfileVersion 0"},
		{"npm syntax", Options{Format: FormatNPM}, "{\n\"lockfileVersion\": 3,\n}", "lockfile_malformed", "line 3"},
		{"npm field type", Options{Format: FormatNPM}, "{\"lockfileVersion\": 3,\n\"packages\": {\"\": {\"version\": 7}}}", "lockfile_malformed", `line 2: field "packages.version" is a JSON number; want a string`},
		{"npm null entry", Options{Format: FormatNPM}, `{"lockfileVersion": 3, "packages": {"node_modules/a": null}}`, "lockfile_malformed", `packages["node_modules/a"] is null`},
		{"npm name with a space", Options{Format: FormatNPM}, `{"lockfileVersion": 3, "packages": {"node_modules/a b": {"version": "1"}}}`, "lockfile_malformed", `packages["node_modules/a b"]: package name "a b" holds a space`},
		{"npm location too deep", Options{Format: FormatNPM}, deep, "lockfile_malformed", "at most 256 are allowed"},
		{"npm v1 nested too deep", Options{Format: FormatNPM}, nested, "lockfile_malformed", "at most 128 are allowed"},
		{"npm v1 overlong version", Options{Format: FormatNPM}, `{"lockfileVersion": 1, "dependencies": {"a": {"version": "` + strings.Repeat("1", 1025) + `"}}}`, "lockfile_malformed", `dependencies["a"]: version is 1025 bytes; at most 1024 are allowed`},

		{"pnpm version 5", Options{Format: FormatPNPM}, "lockfileVersion: 5.4\n", "lockfile_version_unsupported", "allowed: 6.0 to 9.0"},
		{"pnpm without a version", Options{Format: FormatPNPM}, "importers: {}\n", "lockfile_version_unsupported", "lockfileVersion is missing"},
		{"pnpm syntax", Options{Format: FormatPNPM}, "lockfileVersion: '9.0'\npackages:\n  a@1.0.0: {\n", "lockfile_malformed", "line 3"},
		{"pnpm field type", Options{Format: FormatPNPM}, "lockfileVersion: '9.0'\nsnapshots:\n  a@1.0.0:\n    dependencies: [b]\n", "lockfile_malformed", "yaml: unmarshal errors: line 4: cannot unmarshal !!seq into map[string]string"},
		{"pnpm name with a space", Options{Format: FormatPNPM}, "lockfileVersion: '9.0'\nsnapshots:\n  'a b@1.0.0': {}\n", "lockfile_malformed", `packages["a b@1.0.0"]: package name "a b" holds a space`},

		{"yarn odd indentation", Options{Format: FormatYarn}, "a@^1:\n   version \"1.0.0\"\n", "lockfile_malformed", "line 2: indentation must be a multiple of two spaces"},
		{"yarn too deep", Options{Format: FormatYarn}, "a@^1:\n    version \"1.0.0\"\n", "lockfile_malformed", "line 2: indented 2 levels; at most 1 allowed here"},
		{"yarn unclosed quote", Options{Format: FormatYarn}, "\"a@^1:\n  version \"1.0.0\"\n", "lockfile_malformed", "line 1: a quoted string is not closed"},
		{"yarn top-level value", Options{Format: FormatYarn}, "a@^1 \"1.0.0\"\n", "lockfile_malformed", "line 1: a top-level line must be descriptors ending in a colon"},
		{"yarn key without value", Options{Format: FormatYarn}, "a@^1:\n  version\n", "lockfile_malformed", `line 2: key "version" has neither a value nor a colon`},
		{"yarn no version", Options{Format: FormatYarn}, "# yarn lockfile v1\n\na@^1:\n  resolved \"x\"\n", "lockfile_malformed", `line 3: entry "a@^1" has no version`},
		{"yarn trailing junk", Options{Format: FormatYarn}, "a@^1:\n  version \"1.0.0\" x\n", "lockfile_malformed", `line 2: unexpected "x" after the value`},

		{"berry syntax", Options{Format: FormatYarnBerry}, "__metadata:\n  version: 6\n\"a@npm:^1\":\n  version: [\n", "lockfile_malformed", "line 4"},
		{"berry no resolution", Options{Format: FormatYarnBerry}, "\"a@npm:^1\":\n  version: 1.0.0\n", "lockfile_malformed", `entry "a@npm:^1" has no resolution or version`},

		{"Cargo version 5", Options{Format: FormatCargo}, "version = 5\n", "lockfile_version_unsupported", "allowed: 1 and 2 (no version key), 3, 4"},
		{"Cargo syntax", Options{Format: FormatCargo}, "version = 4\n[[package]\nname = \"a\"\n", "lockfile_malformed", "line 2"},
		{"Cargo field type", Options{Format: FormatCargo}, "version = 4\n[[package]]\nname = \"a\"\nversion = 1\n", "lockfile_malformed", "line 4"},
		{"Cargo missing version", Options{Format: FormatCargo}, "[[package]]\nname = \"a\"\n", "lockfile_malformed", `package[0] (name "a") has no version`},
		{"Cargo ambiguous dependency", Options{Format: FormatCargo}, "[[package]]\nname = \"a\"\nversion = \"1.0.0\"\ndependencies = [\"b\"]\n[[package]]\nname = \"b\"\nversion = \"1.0.0\"\n[[package]]\nname = \"b\"\nversion = \"2.0.0\"\n", "lockfile_malformed", `package[0] (name "a") dependencies: dependency "b" is ambiguous: 2 versions are locked`},
		{"Cargo missing dependency", Options{Format: FormatCargo}, "[[package]]\nname = \"a\"\nversion = \"1.0.0\"\ndependencies = [\"c 1.0.0\"]\n", "lockfile_malformed", `dependency "c 1.0.0" names a package the lockfile does not hold`},
		{"Cargo bad dependency", Options{Format: FormatCargo}, "[[package]]\nname = \"a\"\nversion = \"1.0.0\"\ndependencies = [\"b 1.0.0 x\"]\n", "lockfile_malformed", `is not "name", "name version" or "name version (source)"`},

		{"go three fields", Options{Format: FormatGo}, "example.com/m example.com/b@v1.0.0\nexample.com/m example.com/b@v1.0.0 c\n", "lockfile_malformed", "go mod graph: line 2: want two fields"},
		{"go bad version", Options{Format: FormatGo}, "example.com/m example.com/a@1.0\n", "lockfile_malformed", `line 1: "example.com/a@1.0"`},
		{"go versionless requirement", Options{Format: FormatGo}, "example.com/m example.com/a\n", "lockfile_malformed", `line 1: "example.com/a" has no version`},
		{"go.mod of another module", Options{Format: FormatGo, GoMod: []byte("module example.com/other\n")}, "example.com/m example.com/a@v1.0.0\n", "lockfile_malformed", `module "example.com/other" is not a main module of the graph; the graph's main modules are example.com/m`},
		{"go.mod syntax", Options{Format: FormatGo, GoMod: []byte("module example.com/m\nrequire (\n")}, "example.com/m example.com/a@v1.0.0\n", "lockfile_malformed", "go.mod:2"},
		{"go.mod without module", Options{Format: FormatGoMod}, "go 1.22\n", "lockfile_malformed", "no module directive"},

		{"poetry lock-version 3", Options{Format: FormatPoetry}, "[metadata]\nlock-version = \"3.0\"\n", "lockfile_version_unsupported", "allowed: 1.x, 2.x"},
		{"poetry dependency type", Options{Format: FormatPoetry}, "[[package]]\nname = \"a\"\nversion = \"1\"\n[package.dependencies]\nb = 7\n", "lockfile_malformed", `package[0] (name "a") dependencies.b: a int64; want a string, a table or a list of tables`},
		{"poetry syntax", Options{Format: FormatPoetry}, "[[package]]\nname = \"a\n", "lockfile_malformed", "line 2"},

		{"uv version 2", Options{Format: FormatUV}, "version = 2\n", "lockfile_version_unsupported", "allowed: 1"},
		{"uv field type", Options{Format: FormatUV}, "version = 1\n[[package]]\nname = \"a\"\ndependencies = \"b\"\n", "lockfile_malformed", "line 4"},
		{"uv empty name", Options{Format: FormatUV}, "version = 1\n[[package]]\nversion = \"1\"\n", "lockfile_malformed", "uv.lock: package[0]: package name is empty"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse([]byte(tc.in), tc.opt)
			if err == nil {
				t.Fatalf("Parse = nil error; want %s", tc.code)
			}
			t.Log(err)
			if got := errcode.Code(err); got != tc.code {
				t.Errorf("code = %q (%v); want %q", got, err, tc.code)
			}
			if !strings.Contains(err.Error(), tc.detail) {
				t.Errorf("error %q does not contain %q", err, tc.detail)
			}
		})
	}
}

// The package and edge limits hold for every format: a fixture parses at
// exactly its own counts and is refused one below.
func TestLimits(t *testing.T) {
	for _, f := range fixtures {
		data := testdata(t, f.file)
		at := Limits{PackagesMax: f.packages, EdgesMax: f.edges, BytesMax: len(data)}
		if _, err := Parse(data, Options{Name: f.file, Limits: at}); err != nil {
			t.Errorf("%s at its own counts: %v", f.file, err)
		}
		for _, lim := range []struct {
			limits Limits
			want   *errcode.Error
		}{
			{Limits{PackagesMax: f.packages - 1}, ErrPackagesMax},
			{Limits{EdgesMax: f.edges - 1}, ErrEdgesMax},
			{Limits{BytesMax: len(data) - 1}, ErrBytesMax},
		} {
			_, err := Parse(data, Options{Name: f.file, Limits: lim.limits})
			if !errors.Is(err, lim.want) {
				t.Errorf("%s with %+v: %v; want %s", f.file, lim.limits, err, lim.want.Code())
			}
		}
	}
}
