package lockfile

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

// formatCases are small lockfiles, each showing one rule of one format: the
// edges (with kinds), roots and unresolved dependencies they must yield.
var formatCases = []struct {
	name       string
	format     Format
	goMod      string
	in         string
	edges      []string
	roots      []string
	unresolved int
}{
	{
		name: "npm v3: a nested copy shadows the hoisted one; a link goes to its workspace", format: FormatNPM,
		in: `{"name": "r", "version": "1.0.0", "lockfileVersion": 3, "packages": {
			"": {"name": "r", "version": "1.0.0", "dependencies": {"a": "^1", "w": "*"}, "devDependencies": {"t": "^1"}},
			"node_modules/a": {"version": "1.0.0", "dependencies": {"b": "^2"}, "devDependencies": {"t": "^1"}},
			"node_modules/a/node_modules/b": {"version": "2.0.0", "dependencies": {"c": "^1"}},
			"node_modules/b": {"version": "1.0.0"},
			"node_modules/c": {"version": "1.0.0", "dependencies": {"a": "^1"}},
			"node_modules/t": {"version": "1.0.0", "dev": true},
			"node_modules/w": {"resolved": "packages/w", "link": true},
			"packages/w": {"name": "w", "version": "0.1.0", "dependencies": {"b": "^1"}, "optionalDependencies": {"fsevents": "^2"}, "peerDependencies": {"c": "^1"}}
		}}`,
		edges: []string{
			"npm:a@1.0.0 -> npm:b@2.0.0", "npm:b@2.0.0 -> npm:c@1.0.0", "npm:c@1.0.0 -> npm:a@1.0.0",
			"npm:r@1.0.0 -> npm:a@1.0.0", "npm:r@1.0.0 -> npm:t@1.0.0 (dev)", "npm:r@1.0.0 -> npm:w@0.1.0",
			"npm:w@0.1.0 -> npm:b@1.0.0", "npm:w@0.1.0 -> npm:c@1.0.0 (peer)",
		},
		roots:      []string{"npm:r@1.0.0", "npm:w@0.1.0"},
		unresolved: 1, // fsevents, an optional package for another platform
	},
	{
		name: "npm v3: an alias is the package it names; scoped names; two locations of one package are one", format: FormatNPM,
		in: `{"lockfileVersion": 3, "packages": {
			"": {"name": "r", "dependencies": {"old": "npm:@s/x@1.0.0", "@s/y": "^1"}},
			"node_modules/old": {"name": "@s/x", "version": "1.0.0"},
			"node_modules/@s/y": {"version": "1.0.0", "dependencies": {"@s/x": "^1"}},
			"node_modules/@s/y/node_modules/@s/x": {"version": "1.0.0"}
		}}`,
		edges: []string{"npm:@s/y@1.0.0 -> npm:@s/x@1.0.0", "npm:r -> npm:@s/x@1.0.0", "npm:r -> npm:@s/y@1.0.0"},
		roots: []string{"npm:r"},
	},
	{
		// Found by FuzzNPM: a link to a folder that only exists as the parent
		// of another location crashed the parser.
		name: "npm v3: a link to a folder the lockfile does not hold is unresolved", format: FormatNPM,
		in: `{"lockfileVersion": 3, "packages": {
			"": {"name": "r", "dependencies": {"x": "*", "y": "*"}},
			"node_modules/x": {"resolved": "../x", "link": true},
			"node_modules/y": {"resolved": "node_modules/a", "link": true},
			"node_modules/a/node_modules/b": {"version": "1.0.0"}
		}}`,
		edges:      []string{},
		roots:      []string{"npm:r"},
		unresolved: 2,
	},
	{
		name: "npm v1: requires resolve through the nested tree; the root's edges are inferred", format: FormatNPM,
		in: `{"name": "r", "version": "1.0.0", "lockfileVersion": 1, "dependencies": {
			"a": {"version": "1.0.0", "requires": {"b": "^2"}, "dependencies": {"b": {"version": "2.0.0", "requires": {"c": "^1"}}}},
			"b": {"version": "1.0.0"},
			"c": {"version": "1.0.0", "dev": true},
			"old": {"version": "npm:b@1.0.0"},
			"w": {"version": "file:packages/w", "requires": {"a": "^1"}}
		}}`,
		edges: []string{"npm:a@1.0.0 -> npm:b@2.0.0", "npm:b@2.0.0 -> npm:c@1.0.0", "npm:r@1.0.0 -> npm:b@1.0.0", "npm:w@file:packages/w -> npm:a@1.0.0"},
		roots: []string{"npm:r@1.0.0", "npm:w@file:packages/w"},
	},
	{
		name: "pnpm v9: copies with different peers are one package; link: names an importer; aliases", format: FormatPNPM,
		in: `lockfileVersion: '9.0'
importers:
  .:
    dependencies:
      react-dom: {specifier: ^18, version: 18.2.0(react@18.2.0)}
      lib: {specifier: 'workspace:*', version: link:packages/lib}
  packages/lib:
    devDependencies:
      sw: {specifier: 'npm:string-width@^4', version: string-width@4.2.3}
      react-dom: {specifier: ^18, version: 18.2.0(react@18.3.1)}
packages:
  react@18.2.0: {resolution: {integrity: x}}
  react@18.3.1: {resolution: {integrity: x}}
  react-dom@18.2.0: {resolution: {integrity: x}}
  string-width@4.2.3: {resolution: {integrity: x}}
snapshots:
  react@18.2.0: {}
  react@18.3.1: {}
  react-dom@18.2.0(react@18.2.0):
    dependencies: {react: 18.2.0}
  react-dom@18.2.0(react@18.3.1):
    dependencies: {react: 18.3.1}
  string-width@4.2.3:
    optionalDependencies: {gone: 1.0.0}
`,
		edges: []string{
			"npm:. -> npm:packages/lib", "npm:. -> npm:react-dom@18.2.0",
			"npm:packages/lib -> npm:react-dom@18.2.0 (dev)", "npm:packages/lib -> npm:string-width@4.2.3 (dev)",
			"npm:react-dom@18.2.0 -> npm:react@18.2.0", "npm:react-dom@18.2.0 -> npm:react@18.3.1",
		},
		roots:      []string{"npm:.", "npm:packages/lib"},
		unresolved: 1,
	},
	{
		name: "pnpm v6: one project lists its dependencies at the top; keys start with a slash", format: FormatPNPM,
		in: `lockfileVersion: '6.0'
dependencies:
  a: {specifier: ^1, version: 1.0.0}
optionalDependencies:
  al: {specifier: 'npm:b@2', version: /b@2.0.0}
packages:
  /a@1.0.0:
    dependencies: {b: 2.0.0}
  /b@2.0.0: {resolution: {integrity: x}}
`,
		edges: []string{"npm:. -> npm:a@1.0.0", "npm:. -> npm:b@2.0.0 (optional)", "npm:a@1.0.0 -> npm:b@2.0.0"},
		roots: []string{"npm:."},
	},
	{
		name: "yarn v1: shared keys, quotes, comments, an alias, optional dependencies", format: FormatYarn,
		in:         "# yarn lockfile v1\r\n\r\n\"@s/a@^1.0.0\", \"@s/a@^1.1.0\":\r\n  version \"1.1.0\"\r\n  dependencies:\r\n    b \"^2\"\r\n  optionalDependencies:\r\n    \"@s/c\" \"1.0.0\"\r\n\r\nb@^2:\r\n  version \"2.0.1\"\r\n  resolved \"https://r/b-2.0.1.tgz#abc\"\r\n  dependencies:\r\n    missing \"^1\"\r\n\r\n\"@s/c@1.0.0\":\r\n  version \"1.0.0\"\r\n\r\n\"old@npm:b@^2\":\r\n  version \"2.0.1\"\r\n",
		edges:      []string{"npm:@s/a@1.1.0 -> npm:@s/c@1.0.0 (optional)", "npm:@s/a@1.1.0 -> npm:b@2.0.1"},
		roots:      []string{"npm:@s/a@1.1.0"},
		unresolved: 1,
	},
	{
		name: "yarn berry: workspaces are roots; ranges without npm: (lockfile v4); patches are their package", format: FormatYarnBerry,
		in: `__metadata:
  version: 4
"app@workspace:.":
  version: 0.0.0-use.local
  resolution: "app@workspace:."
  dependencies:
    resolve: "patch:resolve@npm%3A^1.1.7#~builtin<compat/resolve>"
    debug: ^4.1.0
  dependenciesMeta:
    debug:
      optional: true
"debug@npm:^4.1.0":
  version: 4.3.4
  resolution: "debug@npm:4.3.4"
  dependencies:
    ms: 2.1.2
"ms@npm:2.1.2":
  version: 2.1.2
  resolution: "ms@npm:2.1.2"
"resolve@patch:resolve@npm%3A^1.1.7#~builtin<compat/resolve>":
  version: 1.22.1
  resolution: "resolve@patch:resolve@npm%3A1.22.1#~builtin<compat/resolve>::version=1.22.1&hash=c3c19d"
  dependencies:
    is-core-module: ^2.9.0
`,
		edges:      []string{"npm:app@0.0.0-use.local -> npm:debug@4.3.4 (optional)", "npm:app@0.0.0-use.local -> npm:resolve@1.22.1", "npm:debug@4.3.4 -> npm:ms@2.1.2"},
		roots:      []string{"npm:app@0.0.0-use.local"},
		unresolved: 1,
	},
	{
		name: "Cargo v3: a bare name when one version is locked, name and version when two", format: FormatCargo,
		in: `version = 3
[[package]]
name = "app"
version = "0.1.0"
dependencies = ["log", "syn 1.0.109", "syn 2.0.48"]
[[package]]
name = "log"
version = "0.4.20"
source = "registry+https://github.com/rust-lang/crates.io-index"
[[package]]
name = "syn"
version = "1.0.109"
source = "registry+https://github.com/rust-lang/crates.io-index"
[[package]]
name = "syn"
version = "2.0.48"
source = "registry+https://github.com/rust-lang/crates.io-index"
dependencies = ["log"]
`,
		edges: []string{"cargo:app@0.1.0 -> cargo:log@0.4.20", "cargo:app@0.1.0 -> cargo:syn@1.0.109", "cargo:app@0.1.0 -> cargo:syn@2.0.48", "cargo:syn@2.0.48 -> cargo:log@0.4.20"},
		roots: []string{"cargo:app@0.1.0"},
	},
	{
		name: "Cargo v1: name, version and source; one name@version from two sources is one package", format: FormatCargo,
		in: `[[package]]
name = "app"
version = "0.1.0"
dependencies = ["log 0.4.20 (registry+https://github.com/rust-lang/crates.io-index)", "log 0.4.20 (git+https://github.com/rust-lang/log#abc)"]
[[package]]
name = "log"
version = "0.4.20"
source = "registry+https://github.com/rust-lang/crates.io-index"
[[package]]
name = "log"
version = "0.4.20"
source = "git+https://github.com/rust-lang/log#abc"
`,
		edges: []string{"cargo:app@0.1.0 -> cargo:log@0.4.20"},
		roots: []string{"cargo:app@0.1.0"},
	},
	{
		name: "go: the highest version is selected; requirements of other versions are dropped; go and toolchain are not modules", format: FormatGo,
		in: `example.com/m example.com/a@v1.0.0
example.com/m example.com/b@v1.2.0
example.com/m go@1.22
go@1.22 toolchain@go1.22
example.com/a@v1.0.0 example.com/b@v1.3.0
example.com/b@v1.2.0 example.com/old@v0.1.0
example.com/b@v1.3.0 example.com/c@v0.0.0-20240101000000-abcdefabcdef
example.com/c@v0.0.0-20240101000000-abcdefabcdef example.com/m@v0.9.0
`,
		edges: []string{
			"go:example.com/a@v1.0.0 -> go:example.com/b@v1.3.0", "go:example.com/b@v1.3.0 -> go:example.com/c@v0.0.0-20240101000000-abcdefabcdef",
			"go:example.com/c@v0.0.0-20240101000000-abcdefabcdef -> go:example.com/m",
			"go:example.com/m -> go:example.com/a@v1.0.0", "go:example.com/m -> go:example.com/b@v1.3.0",
		},
		roots: []string{"go:example.com/m"},
	},
	{
		name: "go with go.mod: a fork replaces a module, a local directory is the project's own", format: FormatGo,
		goMod: "module example.com/m\n\ngo 1.22\n\nrequire (\n\texample.com/a v1.0.0\n\texample.com/b v1.0.0\n)\n\nreplace example.com/a => example.com/fork-a v1.0.1\n\nreplace example.com/b v1.0.0 => ../b\n",
		in:    "example.com/m example.com/a@v1.0.0\nexample.com/m example.com/b@v1.0.0\nexample.com/b@v1.0.0 example.com/a@v1.0.0\n",
		edges: []string{"go:example.com/b -> go:example.com/fork-a@v1.0.1", "go:example.com/m -> go:example.com/b", "go:example.com/m -> go:example.com/fork-a@v1.0.1"},
		roots: []string{"go:example.com/b", "go:example.com/m"},
	},
	{
		name: "go.mod alone: the main module's requirements", format: FormatGoMod,
		in:    "module example.com/m\n\ngo 1.22\n\nrequire (\n\tgolang.org/x/mod v0.20.0\n\tgolang.org/x/text v0.14.0 // indirect\n)\n",
		edges: []string{"go:example.com/m -> go:golang.org/x/mod@v0.20.0", "go:example.com/m -> go:golang.org/x/text@v0.14.0"},
		roots: []string{"go:example.com/m"},
	},
	{
		name: "poetry: names are normalised; two locked versions both get an edge; optional", format: FormatPoetry,
		in: `[[package]]
name = "Pandas"
version = "2.2.3"
[package.dependencies]
numpy = [{version = "<2", markers = "python_version < '3.12'"}, {version = ">=2", markers = "python_version >= '3.12'"}]
typing_extensions = {version = ">=4", optional = true}
[[package]]
name = "numpy"
version = "1.26.4"
[[package]]
name = "numpy"
version = "2.1.3"
[[package]]
name = "typing-extensions"
version = "4.12.2"
[metadata]
lock-version = "2.1"
`,
		edges: []string{"pypi:pandas@2.2.3 -> pypi:numpy@1.26.4", "pypi:pandas@2.2.3 -> pypi:numpy@2.1.3", "pypi:pandas@2.2.3 -> pypi:typing-extensions@4.12.2 (optional)"},
		roots: []string{"pypi:pandas@2.2.3"},
	},
	{
		name: "uv: editable and virtual packages are roots; a version picks one of two; dev groups", format: FormatUV,
		in: `version = 1
requires-python = ">=3.10"
[[package]]
name = "app"
source = { virtual = "." }
dependencies = [{ name = "numpy", version = "2.1.3", marker = "python_full_version >= '3.12'" }, { name = "lib" }]
[package.dev-dependencies]
test = [{ name = "pytest" }]
[[package]]
name = "lib"
version = "0.1.0"
source = { editable = "packages/lib" }
[[package]]
name = "numpy"
version = "1.26.4"
source = { registry = "https://pypi.org/simple" }
[[package]]
name = "numpy"
version = "2.1.3"
source = { registry = "https://pypi.org/simple" }
[[package]]
name = "pytest"
version = "8.3.3"
source = { registry = "https://pypi.org/simple" }
`,
		edges: []string{"pypi:app -> pypi:lib@0.1.0", "pypi:app -> pypi:numpy@2.1.3", "pypi:app -> pypi:pytest@8.3.3 (dev)"},
		roots: []string{"pypi:app", "pypi:lib@0.1.0"},
	},
}

func TestFormats(t *testing.T) {
	for _, tc := range formatCases {
		t.Run(tc.name, func(t *testing.T) {
			var gomod []byte
			if tc.goMod != "" {
				gomod = []byte(tc.goMod)
			}
			g := mustParse(t, []byte(tc.in), Options{Format: tc.format, GoMod: gomod})
			if diff := cmp.Diff(tc.edges, edgeList(g)); diff != "" {
				t.Errorf("edges (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tc.roots, rootList(g)); diff != "" {
				t.Errorf("roots (-want +got):\n%s", diff)
			}
			if g.Unresolved != tc.unresolved {
				t.Errorf("unresolved = %d; want %d", g.Unresolved, tc.unresolved)
			}
		})
	}
}
