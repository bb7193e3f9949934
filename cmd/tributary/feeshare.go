package main

import "github.com/spf13/cobra"

// newFeeshareCmd groups the fee-share program's commands.
func newFeeshareCmd() *cobra.Command {
	return &cobra.Command{Use: "feeshare", Short: "Fee-share program: developers earn a share of their contracts' fees (seed 002)"}
}
