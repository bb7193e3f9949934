// Package feesharecli is the fee-share program's command line: `tributary
// feeshare …` (queries, signed register/update/cancel, offline derivation),
// and `tributary demo feeshare` on a real EVM in process.
package feesharecli

import (
	"context"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"github.com/tributary-ledger/tributary/cli"

	"github.com/spf13/cobra"

	"github.com/tributary-ledger/tributary/chain"
	"github.com/tributary-ledger/tributary/client"
	"github.com/tributary-ledger/tributary/program/feeshare"
)

// newFeeshareCmd groups the fee-share program's commands, mirroring the
// seed's `evmosd query revenue …` and `evmosd tx revenue …`.
func newFeeshareCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "feeshare", Short: "Fee-share program: developers earn a share of their contracts' fees (seed 002)"}
	cmd.AddCommand(newFeeshareDeriveCmd(), newFeeshareQueryCmd())
	for _, action := range []string{feeshare.ActionRegister, feeshare.ActionUpdate, feeshare.ActionCancel} {
		cmd.AddCommand(newFeeshareWriteCmd(action))
	}
	return cmd
}

// newFeeshareDeriveCmd derives a contract's address offline.
func newFeeshareDeriveCmd() *cobra.Command {
	c := &cobra.Command{
		Use:   "derive --deployer ADDR --nonces 5,2,1",
		Short: "Print the address a CREATE path derives: the deployer creates nonces[0], that contract nonces[1], …",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			format, err := cli.Output(cmd)
			if err != nil {
				return err
			}
			d, _ := cmd.Flags().GetString("deployer")
			n, _ := cmd.Flags().GetString("nonces")
			deployer, err := feeshare.ParseAddress(d)
			if err != nil {
				return err
			}
			nonces, err := feeshare.ParseNonces(n)
			if err != nil {
				return err
			}
			a, err := feeshare.DeriveCreate(deployer, nonces)
			if err != nil {
				return err
			}
			if format == "json" {
				return cli.WriteJSON(cmd.OutOrStdout(), map[string]string{"address": a.Hex(), "bech32": a.Bech32(), "deployer": deployer.Hex(), "nonces": feeshare.FormatNonces(nonces)})
			}
			cli.Printf(cmd.OutOrStdout(), "%s\n%s\n", a.Hex(), a.Bech32())
			return nil
		},
	}
	c.Flags().String("deployer", "", "the deployer's address (0x… or evmos1…)")
	c.Flags().String("nonces", "", "the CREATE nonces from the deployer to the contract, comma-separated (1 to 20)")
	_ = c.MarkFlagRequired("deployer")
	_ = c.MarkFlagRequired("nonces")
	return c
}

func newFeeshareQueryCmd() *cobra.Command {
	q := &cobra.Command{Use: "query", Short: "Read the fee-share program on a running server"}
	params := &cobra.Command{
		Use: "params", Short: "Show the parameters", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			p, err := cli.Remote(cmd).GetFeeshareParams(cmd.Context())
			if err != nil {
				return err
			}
			return feesharePrint(cmd, p, func(w io.Writer) {
				cli.Printf(w, "enable_revenue %v\ndeveloper_shares %s (%d bp)\naddr_derivation_cost_create %d\n", p.EnableRevenue, p.DeveloperShares, p.DeveloperSharesBP, p.AddrDerivationCostCreate)
			})
		},
	}
	contract := &cobra.Command{
		Use: "contract ADDR", Short: "Show a contract's registration", Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			a, err := feeshare.ParseAddress(args[0])
			if err != nil {
				return err
			}
			r, err := cli.Remote(cmd).GetFeeshareContract(cmd.Context(), a.Hex())
			if err != nil {
				return err
			}
			return feesharePrint(cmd, r, func(w io.Writer) { printRegistration(w, r) })
		},
	}
	// page is one of the client's list calls: the whole list, or by the
	// address in args[0].
	type page func(c *client.Client, cmd *cobra.Command, args []string, after string, limit int) (feeshare.ContractsJSON, error)
	list := func(use, short string, get page) *cobra.Command {
		args := cobra.NoArgs
		if strings.Contains(use, " ") {
			args = cobra.ExactArgs(1)
		}
		c := &cobra.Command{
			Use: use, Short: short, Args: args,
			RunE: func(cmd *cobra.Command, args []string) error {
				limit, _ := cmd.Flags().GetInt("limit")
				after, _ := cmd.Flags().GetString("after")
				page, err := get(cli.Remote(cmd), cmd, args, after, limit)
				if err != nil {
					return err
				}
				return feesharePrint(cmd, page, func(w io.Writer) {
					for _, r := range page.Contracts {
						printRegistration(w, r)
					}
					cli.Printf(w, "%d of %d", len(page.Contracts), page.Total)
					if page.Next != "" {
						cli.Printf(w, "; next page: --after %s", page.Next)
					}
					cli.Printf(w, "\n")
				})
			},
		}
		c.Flags().Int("limit", 0, "page size (default the server's)")
		c.Flags().String("after", "", "the next page's cursor, as printed by the previous page")
		return c
	}
	byAddress := func(get func(c *client.Client, cmd *cobra.Command, addr, after string, limit int) (feeshare.ContractsJSON, error)) page {
		return func(c *client.Client, cmd *cobra.Command, args []string, after string, limit int) (feeshare.ContractsJSON, error) {
			a, err := feeshare.ParseAddress(args[0])
			if err != nil {
				return feeshare.ContractsJSON{}, err
			}
			return get(c, cmd, a.Hex(), after, limit)
		}
	}
	cmds := []*cobra.Command{
		params, contract,
		list("contracts", "List all registered contracts", func(c *client.Client, cmd *cobra.Command, _ []string, after string, limit int) (feeshare.ContractsJSON, error) {
			return c.ListFeeshareContracts(cmd.Context(), client.ListFeeshareContractsQuery{After: after, Limit: limit})
		}),
		list("deployer-contracts ADDR", "List the contracts a deployer registered", byAddress(func(c *client.Client, cmd *cobra.Command, addr, after string, limit int) (feeshare.ContractsJSON, error) {
			return c.ListFeeshareDeployerContracts(cmd.Context(), addr, client.ListFeeshareDeployerContractsQuery{After: after, Limit: limit})
		})),
		list("withdrawer-contracts ADDR", "List the contracts whose fees an address withdraws", byAddress(func(c *client.Client, cmd *cobra.Command, addr, after string, limit int) (feeshare.ContractsJSON, error) {
			return c.ListFeeshareWithdrawerContracts(cmd.Context(), addr, client.ListFeeshareWithdrawerContractsQuery{After: after, Limit: limit})
		})),
	}
	for _, c := range cmds {
		cli.AddRemoteFlags(c)
		q.AddCommand(c)
	}
	return q
}

func printRegistration(w io.Writer, r feeshare.RegistrationJSON) {
	cli.Printf(w, "%s  %s\n  deployer   %s  %s\n", r.Contract, r.ContractBech32, r.Deployer, r.DeployerBech32)
	if r.Withdrawer != "" {
		cli.Printf(w, "  withdrawer %s  %s\n", r.Withdrawer, r.WithdrawerBech32)
	}
	cli.Printf(w, "  paid to %s; registered by %s\n", r.Payee, r.By)
}

// newFeeshareWriteCmd is register, update or cancel. With --signature the
// request is the deployer's, signed (EIP-712) over exactly these fields, and
// is sent without a token; without it, --token must be an admin's, acting
// on the deployer's behalf.
func newFeeshareWriteCmd(action string) *cobra.Command {
	short := map[string]string{
		feeshare.ActionRegister: "Register a contract for a share of its transactions' fees",
		feeshare.ActionUpdate:   "Set a registered contract's withdrawer (empty: the deployer)",
		feeshare.ActionCancel:   "Cancel a contract's registration",
	}[action]
	c := &cobra.Command{
		Use: action, Short: short, Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			get := func(name string) string { v, _ := cmd.Flags().GetString(name); return v }
			body := feeshare.RequestJSON{Contract: get("contract"), Deployer: get("deployer"), Withdrawer: get("withdrawer"),
				ChainID: get("chain-id"), Expiry: get("expiry"), Nonce: get("nonce"), Signature: get("signature")}
			if action == feeshare.ActionRegister {
				ns, err := feeshare.ParseNonces(get("nonces"))
				if err != nil {
					return err
				}
				for _, n := range ns {
					body.Nonces = append(body.Nonces, strconv.FormatUint(n, 10))
				}
			}
			if file := get("sign-key"); file != "" {
				if body.Signature != "" {
					return fmt.Errorf("--sign-key and --signature are exclusive: one signs here, the other brings a signature made elsewhere")
				}
				sig, err := signFeeshare(action, body, file)
				if err != nil {
					return err
				}
				body.Signature = sig
			}
			if body.Signature != "" && body.Expiry == "" {
				return fmt.Errorf("--expiry is required with --signature: it is part of what the deployer signed")
			}
			// A signed request carries its own authority and goes without a
			// token; an unsigned one needs the admin token.
			c := cli.Anonymous(cmd)
			if body.Signature == "" {
				c = cli.Remote(cmd)
			}
			write := map[string]func(*client.Client, context.Context, string, feeshare.RequestJSON) (feeshare.WriteJSON, bool, error){
				feeshare.ActionRegister: (*client.Client).RegisterFeeshareContract,
				feeshare.ActionUpdate:   (*client.Client).UpdateFeeshareContract,
				feeshare.ActionCancel:   (*client.Client).CancelFeeshareContract,
			}[action]
			out, _, err := write(c, cmd.Context(), cli.Key(cmd, "feeshare-"+action), body)
			if err != nil {
				return err
			}
			return feesharePrint(cmd, out, func(w io.Writer) {
				verb := map[string]string{feeshare.ActionRegister: "registered", feeshare.ActionUpdate: "updated", feeshare.ActionCancel: "cancelled"}[action]
				cli.Printf(w, "%s (entry %d)\n", verb, out.Seq)
				printRegistration(w, out.RegistrationJSON)
				if out.GasCost > 0 {
					cli.Printf(w, "  derivation gas cost %d\n", out.GasCost)
				}
			})
		},
	}
	c.Flags().String("contract", "", "the contract (0x… or evmos1…)")
	c.Flags().String("deployer", "", "the deployer, the EOA that created the first contract of the path")
	if action != feeshare.ActionCancel {
		c.Flags().String("withdrawer", "", "who receives the developer share (default: the deployer)")
	}
	if action == feeshare.ActionRegister {
		c.Flags().String("nonces", "", "the CREATE nonces from the deployer to the contract, e.g. 5,2,1")
		_ = c.MarkFlagRequired("nonces")
	}
	c.Flags().String("chain-id", "", "the chain id the request was signed for")
	c.Flags().String("expiry", "", "unix seconds after which the signed request is refused")
	c.Flags().String("nonce", "", "the deployer's request nonce (each is used once)")
	c.Flags().String("signature", "", "the deployer's EIP-712 signature, hex; without it, --token must be an admin token")
	c.Flags().String("sign-key", "", "sign the request here with the deployer's private key, read from this file (64 hex digits); needs --chain-id, --expiry and --nonce")
	cli.AddKeyFlag(c)
	_ = c.MarkFlagRequired("contract")
	_ = c.MarkFlagRequired("deployer")
	cli.AddRemoteFlags(c)
	return c
}

func feesharePrint(cmd *cobra.Command, v any, text func(io.Writer)) error {
	format, err := cli.Output(cmd)
	if err != nil {
		return err
	}
	if format == "json" {
		return cli.WriteJSON(cmd.OutOrStdout(), v)
	}
	text(cmd.OutOrStdout())
	return nil
}

// signFeeshare signs body as the deployer's EIP-712 request for action with
// the private key in file, and returns the signature in hex. It refuses a
// key that is not the deployer's: the server would, after a round trip.
func signFeeshare(action string, body feeshare.RequestJSON, file string) (string, error) {
	if body.ChainID == "" || body.Expiry == "" || body.Nonce == "" {
		return "", fmt.Errorf("--sign-key needs --chain-id, --expiry and --nonce: they are part of what is signed")
	}
	raw, err := os.ReadFile(file)
	if err != nil {
		return "", fmt.Errorf("reading the key: %w", err)
	}
	key, err := chain.ParseKey(string(raw))
	if err != nil {
		return "", fmt.Errorf("%s: %w", file, err)
	}
	req, err := feeshare.ParseRequest(body, action)
	if err != nil {
		return "", err
	}
	if got := chain.KeyAddress(key); got != req.Deployer {
		return "", fmt.Errorf("the key in %s is %s's, not the deployer %s's", file, got.Hex(), req.Deployer.Hex())
	}
	sig, err := chain.Sign(req, key)
	if err != nil {
		return "", err
	}
	return "0x" + hex.EncodeToString(sig), nil
}

// Commands are the program's commands, for the registry.
func Commands() cli.Commands {
	return cli.Commands{Main: newFeeshareCmd(), Demo: newFeeshareDemoCmd()}
}
