// Package lockfile turns a lockfile into a resolved dependency graph: the
// packages a project installs (each a distinct ecosystem:name@version), the
// dependencies between them as they were resolved, and the project's own
// packages (the root and its workspace members) marked as roots.
//
// It reads npm's package-lock.json (lockfile versions 1 to 3), pnpm-lock.yaml
// (6.0 to 9.0), yarn.lock (version 1 and berry), Cargo.lock (1 to 4), Go's
// `go mod graph` output with or without go.mod, poetry.lock and uv.lock. The
// format is detected from the file name and the content, or named.
//
// The package is pure: it parses the bytes it is given and never touches the
// disk, the network or a clock, so the same bytes give the same graph on every
// machine, byte for byte (packages and edges are sorted). Every input is
// bounded by Limits, and bad input is refused with an errcode error that names
// the line or the field.
//
// Cycles are kept: real lockfiles have them (npm's es-abstract family, a Cargo
// workspace's crates that dev-depend on each other). Summarize reports them.
package lockfile
