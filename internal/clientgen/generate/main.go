// Command generate writes client/routes_gen.go from the server's route
// declarations (go generate ./client runs it).
package main

import (
	"fmt"
	"os"

	"github.com/tributary-ledger/tributary/internal/clientgen"
)

func main() {
	src, err := clientgen.FromServer()
	if err != nil {
		fmt.Fprintln(os.Stderr, "clientgen:", err)
		os.Exit(1)
	}
	if err := os.WriteFile("routes_gen.go", src, 0o644); err != nil {
		fmt.Fprintln(os.Stderr, "clientgen:", err)
		os.Exit(1)
	}
}
