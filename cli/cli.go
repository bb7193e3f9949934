// Package cli holds what the tributary command's subcommands share, the
// core's and each program's alike: the output format and JSON, the client
// of a running server from flags, amounts in decimals, idempotency keys,
// opening a store for the commands that work on one, and the temporary
// store a demo replays a seed on.
//
// A program's commands live in its own folder (program/<name>/<name>cli)
// and are registered with the program (package programs); the command
// itself only loops over the registry.
package cli

import (
	"encoding/json"
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/tributary-ledger/tributary/errcode"
)

// Commands are what a program adds to the command line: its command
// (tributary <name> …) and its demo (tributary demo <name>), either of
// which may be nil.
type Commands struct {
	Main *cobra.Command
	Demo *cobra.Command
}

// ErrOutput refuses an --output format other than table and json.
var ErrOutput = errcode.New(errcode.Invalid, "output_invalid", "unknown output format")

// Output returns the --output flag, checked: "table" or "json".
//
// Errors: ErrOutput.
func Output(cmd *cobra.Command) (string, error) {
	f, _ := cmd.Flags().GetString("output")
	if f != "table" && f != "json" {
		return "", errcode.Errorf(ErrOutput, "output format %q is unknown; want table or json", f)
	}
	return f, nil
}

// WriteJSON writes v as indented JSON.
func WriteJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// Printf writes to w, ignoring the error as a table's rows do: the
// writer's Flush reports it.
func Printf(w io.Writer, format string, args ...any) { fmt.Fprintf(w, format, args...) }
