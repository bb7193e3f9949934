package lockfile

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"

	"github.com/tributary-ledger/tributary/errcode"
)

// Options say what Parse reads.
type Options struct {
	// Name is the lockfile's file name, used to detect the format and in
	// messages; it may be empty when Format is set.
	Name string
	// Format names the format; empty detects it (see Detect).
	Format Format
	// GoMod is the main module's go.mod, read with FormatGo; optional. Its
	// module path must be the graph's root, and its replace directives say
	// whose code a module really is: a module replaced by a fork becomes the
	// fork, one replaced by a local directory becomes a root (the project's
	// own code), as Cargo's path dependencies are.
	GoMod []byte
	// Limits bound the input; zero fields take DefaultLimits.
	Limits Limits
}

// Parse reads one lockfile and returns its resolved dependency graph.
//
// Errors: ErrBytesMax, ErrFormatUnknown, ErrVersionUnsupported, ErrMalformed
// (the detail names the line or the field), ErrPackagesMax, ErrEdgesMax.
func Parse(data []byte, opt Options) (*Graph, error) {
	lim := opt.Limits.withDefaults()
	if len(data) > lim.BytesMax {
		return nil, errcode.Errorf(ErrBytesMax, "lockfile is %d bytes; at most %d are allowed", len(data), lim.BytesMax)
	}
	if len(opt.GoMod) > lim.BytesMax {
		return nil, errcode.Errorf(ErrBytesMax, "go.mod is %d bytes; at most %d are allowed", len(opt.GoMod), lim.BytesMax)
	}
	format := opt.Format
	if format == "" {
		f, err := Detect(opt.Name, data)
		if err != nil {
			return nil, err
		}
		format = f
	} else if _, err := ParseFormat(string(format)); err != nil {
		return nil, err
	}
	b, err := parseAs(format, data, opt.GoMod, lim)
	if err != nil {
		return nil, err
	}
	return b.finish(format), nil
}

// parseAs runs the parser of one format.
func parseAs(format Format, data, gomod []byte, lim Limits) (*builder, error) {
	switch format {
	case FormatNPM:
		return parseNPM(data, lim)
	case FormatPNPM:
		return parsePNPM(data, lim)
	case FormatYarn:
		return parseYarn(data, lim)
	case FormatYarnBerry:
		return parseYarnBerry(data, lim)
	case FormatCargo:
		return parseCargo(data, lim)
	case FormatGo:
		return parseGoGraph(data, gomod, lim)
	case FormatGoMod:
		return parseGoMod(data, lim)
	case FormatPoetry:
		return parsePoetry(data, lim)
	case FormatUV:
		return parseUV(data, lim)
	}
	return nil, errcode.Errorf(ErrFormatUnknown, "format %q is unknown; allowed: %s", format, formatList())
}

// lineAt is the 1-based line of a byte offset.
func lineAt(data []byte, offset int64) int {
	offset = max(0, min(offset, int64(len(data))))
	return 1 + bytes.Count(data[:offset], []byte("\n"))
}

// jsonError turns encoding/json's errors into ErrMalformed naming the line
// and, for a value of the wrong type, the field.
func jsonError(what string, data []byte, err error) error {
	var syntax *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syntax):
		return errcode.Errorf(ErrMalformed, "%s: line %d: %v", what, lineAt(data, syntax.Offset), err)
	case errors.As(err, &typ):
		return errcode.Errorf(ErrMalformed, "%s: line %d: field %q is a JSON %s; want a %s", what, lineAt(data, typ.Offset), typ.Field, typ.Value, typ.Type)
	}
	return errcode.Errorf(ErrMalformed, "%s: %v", what, err)
}

// at prefixes an error with where it happened, keeping its code.
func at(where string, err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("%s: %w", where, err)
}

// errorf makes a plain error for a parser's detail; the caller wraps it in
// ErrMalformed with the line.
func errorf(format string, args ...any) error { return fmt.Errorf(format, args...) }

func itoa(n int) string { return strconv.Itoa(n) }
