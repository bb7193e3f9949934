package main

import "github.com/spf13/cobra"

// newFeeshareDemoCmd is `tributary demo feeshare`.
func newFeeshareDemoCmd() *cobra.Command {
	return &cobra.Command{Use: "feeshare", Short: "The fee-share seed (002) on an in-process EVM chain", Args: cobra.NoArgs}
}
