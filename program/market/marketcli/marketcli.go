// Package marketcli is the market program's command line: `tributary market
// …` on a running server, and `tributary demo market`, which replays seed
// 004 on a temporary store.
package marketcli

import (
	"github.com/tributary-ledger/tributary/cli"
	"github.com/tributary-ledger/tributary/split"

	"github.com/spf13/cobra"

	"github.com/tributary-ledger/tributary/program/market"
)

func newMarketCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "market", Short: "The market program on a running server: assets, sales, license payments"}
	asset := &cobra.Command{
		Use: "asset ID", Short: "Show an asset: owner, split, effective royalty", Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			format, err := cli.Output(cmd)
			if err != nil {
				return err
			}
			a, err := cli.Remote(cmd).GetMarketAsset(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			if format == "json" {
				return cli.WriteJSON(cmd.OutOrStdout(), a)
			}
			w := cmd.OutOrStdout()
			cli.Printf(w, "asset %s, owner %s, sold %v, royalty %s%s\n", a.ID, a.Owner, a.Sold, split.FormatShare(split.BasisPoints, a.EffectiveRoyaltyBP, split.TotalBasisPoints), map[bool]string{true: " (override)", false: " (default)"}[a.RoyaltyBP != nil])
			for _, r := range a.Split {
				cli.Printf(w, "  %s  %s\n", split.FormatShare(split.BasisPoints, r.ShareBP, split.TotalBasisPoints), r.Account)
			}
			return nil
		},
	}
	sell := &cobra.Command{
		Use: "sell ITEM AMOUNT CURRENCY", Short: "Record a sale of an asset (or, with --license, of a license); AMOUNT is a decimal", Args: cobra.ExactArgs(3),
		RunE: func(cmd *cobra.Command, args []string) error {
			amount, cur, err := cli.DecimalArg(args[1], args[2])
			if err != nil {
				return err
			}
			buyer, _ := cmd.Flags().GetString("buyer")
			seller, _ := cmd.Flags().GetString("seller")
			req := market.SaleRequest{Asset: args[0], Amount: amount, Currency: cur, Buyer: buyer, Seller: seller}
			if lic, _ := cmd.Flags().GetBool("license"); lic {
				req.Asset, req.License = "", args[0]
			}
			e, _, err := cli.Remote(cmd).CreateMarketSale(cmd.Context(), cli.Key(cmd, "sale"), req)
			if err != nil {
				return err
			}
			return cli.PrintEntry(cmd, e)
		},
	}
	sell.Flags().String("buyer", "@buyer", "paying account (external: @…)")
	sell.Flags().String("seller", "", "seller's account, needed for a secondary sale")
	sell.Flags().Bool("license", false, "ITEM is a license, not an asset")
	pay := &cobra.Command{
		Use: "pay LICENSE AMOUNT CURRENCY", Short: "Make a recurring license payment; AMOUNT is a decimal", Args: cobra.ExactArgs(3),
		RunE: func(cmd *cobra.Command, args []string) error {
			amount, cur, err := cli.DecimalArg(args[1], args[2])
			if err != nil {
				return err
			}
			payer, _ := cmd.Flags().GetString("payer")
			e, _, err := cli.Remote(cmd).PayMarketLicense(cmd.Context(), cli.Key(cmd, "license-payment"), args[0], market.LicensePaymentRequest{Amount: amount, Currency: cur, Payer: payer})
			if err != nil {
				return err
			}
			return cli.PrintEntry(cmd, e)
		},
	}
	pay.Flags().String("payer", "@licensee", "paying account (external: @…)")
	for _, c := range []*cobra.Command{asset, sell, pay} {
		cli.AddRemoteFlags(c)
		if c != asset {
			cli.AddKeyFlag(c)
		}
		cmd.AddCommand(c)
	}
	return cmd
}

// Commands are the program's commands, for the registry.
func Commands() cli.Commands {
	return cli.Commands{Main: newMarketCmd(), Demo: newDemoCmd()}
}
