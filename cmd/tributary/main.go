// Command tributary is Tributary's command line: it starts the engine
// (serve) and runs the core's tools (split, ledger verify).
package main

import (
	"fmt"
	"os"

	"github.com/tributary-ledger/tributary/errcode"
)

func main() {
	if err := newRoot().Execute(); err != nil {
		fmt.Fprintf(os.Stderr, "tributary: %v (code %s)\n", err, errcode.Code(err))
		os.Exit(1)
	}
}
