package main

import "github.com/spf13/cobra"

// newUsageCmd groups the usage program's commands.
func newUsageCmd() *cobra.Command {
	return &cobra.Command{Use: "usage", Short: "Usage program: revenue pools shared by usage (seed 000)"}
}

// newUsageDemoCmd is `tributary demo usage`.
func newUsageDemoCmd() *cobra.Command {
	return &cobra.Command{Use: "usage", Short: "The usage seed (000): a month of synthetic usage under two formulas", Args: cobra.NoArgs}
}
