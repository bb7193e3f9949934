package lockfile

import "github.com/tributary-ledger/tributary/errcode"

// Errors. Each is wrapped with a detail that names the line or the field and
// says what is allowed; errors.Is and errcode.Code see the sentinel.
var (
	// ErrBytesMax: the lockfile is larger than Limits.BytesMax.
	ErrBytesMax = errcode.New(errcode.TooLarge, "lockfile_bytes_max", "lockfile is too large")
	// ErrPackagesMax: the lockfile holds more distinct packages than
	// Limits.PackagesMax.
	ErrPackagesMax = errcode.New(errcode.TooLarge, "lockfile_packages_max", "lockfile has too many packages")
	// ErrEdgesMax: the lockfile holds more distinct dependency edges than
	// Limits.EdgesMax.
	ErrEdgesMax = errcode.New(errcode.TooLarge, "lockfile_edges_max", "lockfile has too many dependency edges")
	// ErrMalformed: the lockfile is not valid in its format; the detail names
	// the line or the field.
	ErrMalformed = errcode.New(errcode.Invalid, "lockfile_malformed", "lockfile is malformed")
	// ErrFormatUnknown: the format could not be detected from the name and the
	// content, or the named format is not one this package reads.
	ErrFormatUnknown = errcode.New(errcode.Invalid, "lockfile_format_unknown", "lockfile format is unknown")
	// ErrVersionUnsupported: the lockfile declares a version of its format
	// that this package does not read (for example npm lockfileVersion 4).
	ErrVersionUnsupported = errcode.New(errcode.Invalid, "lockfile_version_unsupported", "lockfile format version is not supported")
)

// Limits bound what one lockfile may hold. A zero or negative field takes its
// value from DefaultLimits.
type Limits struct {
	// BytesMax bounds the lockfile's size; default 32 MiB (npm/cli's
	// package-lock.json is 0.6 MB, nushell's Cargo.lock 0.3 MB).
	BytesMax int
	// PackagesMax bounds the distinct packages (name@version); default
	// 200,000 (npm/cli has 1,037, nushell 1,035).
	PackagesMax int
	// EdgesMax bounds the distinct dependency edges; default 2,000,000.
	EdgesMax int
}

// DefaultLimits are used for a Limits field that is zero or negative.
var DefaultLimits = Limits{BytesMax: 32 << 20, PackagesMax: 200_000, EdgesMax: 2_000_000}

// withDefaults fills zero or negative fields from DefaultLimits.
func (l Limits) withDefaults() Limits {
	if l.BytesMax <= 0 {
		l.BytesMax = DefaultLimits.BytesMax
	}
	if l.PackagesMax <= 0 {
		l.PackagesMax = DefaultLimits.PackagesMax
	}
	if l.EdgesMax <= 0 {
		l.EdgesMax = DefaultLimits.EdgesMax
	}
	return l
}

// nameBytesMax bounds a package name or version. npm allows 214 bytes for a
// name and Go module paths stay well under this; a longer one is malformed,
// and the bound keeps a hostile file from making huge keys.
const nameBytesMax = 1024

// segmentsMax bounds the path segments of an npm install location
// ("node_modules/a/node_modules/@s/b" has five), and nestingMax the levels of
// npm lockfile v1's nested "dependencies". Resolving a dependency walks up
// through them, so the bounds keep the work linear in the file's size; real
// trees nest a handful of levels.
const (
	segmentsMax = 256
	nestingMax  = 128
)
