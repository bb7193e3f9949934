// Package collectioncli is the collection program's command line: `tributary
// collection …` on a running server, and `tributary demo collection`, which
// replays seed 001's purchase in USD and USDC.
package collectioncli

import (
	"github.com/spf13/cobra"
	"github.com/tributary-ledger/tributary/cli"

	"github.com/tributary-ledger/tributary/program/collection"
)

func newCollectionCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "collection", Short: "The collection program on a running server: collections, tracks, purchases"}
	show := &cobra.Command{
		Use: "show ID", Short: "Show a collection: price, tracks, next in rotation", Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			format, err := cli.Output(cmd)
			if err != nil {
				return err
			}
			c, err := cli.Remote(cmd).GetCollection(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			if format == "json" {
				return cli.WriteJSON(cmd.OutOrStdout(), c)
			}
			w := cmd.OutOrStdout()
			cli.Printf(w, "collection %s by %s: %s %s, %d tracks\n", c.ID, c.Creator, cli.Decimal(c.Price.String(), c.Currency), c.Currency, len(c.Tracks))
			for i, t := range c.Tracks {
				mark := " "
				if i == c.Next {
					mark = ">"
				}
				cli.Printf(w, "%s %d. %s\n", mark, i+1, t)
			}
			return nil
		},
	}
	buy := &cobra.Command{
		Use: "buy ID CURRENCY", Short: "Buy a collection (or, with --track, a track): the next track in rotation is paid", Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			buyer, _ := cmd.Flags().GetString("buyer")
			p := collection.Purchase{Collection: args[0], Currency: args[1], Buyer: buyer}
			if track, _ := cmd.Flags().GetBool("track"); track {
				p.Collection, p.Track = "", args[0]
			}
			e, _, err := cli.Remote(cmd).CreateCollectionPurchase(cmd.Context(), cli.Key(cmd, "purchase"), p)
			if err != nil {
				return err
			}
			return cli.PrintEntry(cmd, e)
		},
	}
	buy.Flags().String("buyer", "@buyer", "paying account (external: @…)")
	buy.Flags().Bool("track", false, "ID is a track, not a collection")
	cli.AddKeyFlag(buy)
	for _, c := range []*cobra.Command{show, buy} {
		cli.AddRemoteFlags(c)
		cmd.AddCommand(c)
	}
	return cmd
}

// Commands are the program's commands, for the registry.
func Commands() cli.Commands {
	return cli.Commands{Main: newCollectionCmd(), Demo: newDemoCmd()}
}
