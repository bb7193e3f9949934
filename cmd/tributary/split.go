package main

import (
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/tributary-ledger/tributary/cli"

	"github.com/spf13/cobra"

	"github.com/tributary-ledger/tributary/errcode"
	"github.com/tributary-ledger/tributary/money"
	"github.com/tributary-ledger/tributary/split"
)

var errShare = errcode.New(errcode.Invalid, "share_invalid", "share is not a percentage, basis points or a weight")

func newSplitCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "split AMOUNT CURRENCY SHARE...",
		Short: "Split an amount exactly and print each receiver's part",
		Long: `Split AMOUNT of CURRENCY among receivers with the given shares and print each
part. Shares are percentages (50%, 15.5%), basis points (5000bp), which must
add up to 100%, or plain integer weights (2 1 1). Nothing is lost to rounding:
leftover base units go to the largest remainders, ties to the earlier receiver.

  tributary split 1.98 USD 50% 15% 35%     # 0.99 0.30 0.69
  tributary split 1.98 USDC 50% 15% 35%    # 0.99 0.297 0.693`,
		Args: cobra.MinimumNArgs(3),
		RunE: func(cmd *cobra.Command, args []string) error {
			format, err := cli.Output(cmd)
			if err != nil {
				return err
			}
			cur, err := money.NewRegistry().Lookup(args[1])
			if err != nil {
				return err
			}
			total, err := money.Parse(args[0], cur)
			if err != nil {
				return err
			}
			unit, shares, err := parseShares(args[2:])
			if err != nil {
				return err
			}
			if unit == split.BasisPoints {
				var sum uint64
				for _, s := range shares {
					sum += s
				}
				if sum != split.TotalBasisPoints {
					return errcode.Errorf(split.ErrSharesSum, "percentages add up to %s; they must add up to exactly 100%%", split.FormatShare(split.BasisPoints, sum, split.TotalBasisPoints))
				}
			}
			parts, err := split.Allocate(total, shares)
			if err != nil {
				return err
			}
			type part struct {
				Receiver string `json:"receiver"`
				Amount   string `json:"amount"`
			}
			out := struct {
				Parts []part `json:"parts"`
			}{}
			var sum uint64
			for _, s := range shares {
				sum += s
			}
			if format == "json" {
				for i, p := range parts {
					out.Parts = append(out.Parts, part{Receiver: strconv.Itoa(i + 1), Amount: money.Format(p, cur)})
				}
				return cli.WriteJSON(cmd.OutOrStdout(), out)
			}
			tw := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 0, 2, ' ', tabwriter.AlignRight)
			cli.Printf(tw, "RECEIVER\tSHARE\tAMOUNT\t\n")
			for i, p := range parts {
				cli.Printf(tw, "%d\t%s\t%s\t\n", i+1, split.FormatShare(unit, shares[i], sum), money.Format(p, cur))
			}
			cli.Printf(tw, "total\t\t%s\t\n", money.Format(total, cur))
			return tw.Flush()
		},
	}
}

// parseShares reads shares written as percentages ("15%", "15.5%"), basis
// points ("1500bp") or plain weights ("3"). Percentages and basis points may
// be mixed; weights may not be mixed with either.
func parseShares(args []string) (split.Unit, []uint64, error) {
	shares := make([]uint64, len(args))
	var unit split.Unit
	for i, a := range args {
		var u split.Unit
		var v uint64
		var err error
		switch {
		case strings.HasSuffix(a, "%"):
			u = split.BasisPoints
			// A percentage has at most two decimals: 15.25% is 1525 bp.
			var amt money.Amount
			amt, err = money.Parse(strings.TrimSuffix(a, "%"), money.Currency{Code: "BP", Decimals: 2})
			if err == nil && (!amt.IsUint64() || amt.Uint64() > split.TotalBasisPoints) {
				err = errcode.Errorf(errShare, "share %q is more than 100%%", a)
			}
			v = amt.Uint64()
		case strings.HasSuffix(a, "bp"):
			u = split.BasisPoints
			v, err = strconv.ParseUint(strings.TrimSuffix(a, "bp"), 10, 64)
		default:
			u = split.Weights
			v, err = strconv.ParseUint(a, 10, 64)
		}
		if err != nil {
			if errcode.Code(err) == errShare.Code() {
				return 0, nil, err
			}
			return 0, nil, errcode.Errorf(errShare, "share %d is %q; want a percentage with at most two decimals (15.5%%), basis points (1550bp) or a whole weight (3)", i+1, a)
		}
		if unit != 0 && u != unit {
			return 0, nil, errcode.Errorf(errShare, "share %d is %q: percentages and basis points cannot be mixed with plain weights", i+1, a)
		}
		unit, shares[i] = u, v
	}
	return unit, shares, nil
}
