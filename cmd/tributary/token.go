package main

import (
	"crypto/rand"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/tributary-ledger/tributary/auth"
	"github.com/tributary-ledger/tributary/cli"
	"github.com/tributary-ledger/tributary/wire"
)

func newTokenCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "token", Short: "Manage API tokens: over the API with --server (or $TRIBUTARY_SERVER), else directly in the store (the first admin token, recovery)"}
	create := &cobra.Command{
		Use:   "create",
		Short: "Create a token and print its secret, once",
		Long: `Create an API token directly in the store, without a running server: this is
how the first admin token is made (or set TRIBUTARY_ADMIN_TOKEN when starting
serve). The secret is printed once and stored only as a digest.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			format, err := cli.Output(cmd)
			if err != nil {
				return err
			}
			role, _ := cmd.Flags().GetString("role")
			name, _ := cmd.Flags().GetString("name")
			accounts, _ := cmd.Flags().GetStringSlice("account")
			tok, secret, err := createToken(cmd, auth.Role(role), accounts, name)
			if err != nil {
				return err
			}
			if format == "json" {
				return cli.WriteJSON(cmd.OutOrStdout(), map[string]any{"id": tok.ID, "role": tok.Role, "accounts": tok.Accounts, "secret": secret})
			}
			w := cmd.OutOrStdout()
			cli.Printf(w, "token %s (%s%s)\n", tok.ID, tok.Role, strings.Join(append([]string{""}, accounts...), " "))
			cli.Printf(w, "secret: %s\n", secret)
			cli.Printf(w, "The secret is shown only now; store it safely.\n")
			return nil
		},
	}
	cli.AddDBFlag(create)
	cli.AddRemoteFlags(create)
	create.Flags().String("role", "", "admin, configurator, ingestor, reader or payee")
	create.Flags().String("name", "", "a name to recognise the token by")
	create.Flags().StringSlice("account", nil, "for payee tokens: an account the token may act on (repeatable)")
	_ = create.MarkFlagRequired("role")
	cmd.AddCommand(create)

	list := &cobra.Command{
		Use:   "list",
		Short: "List the tokens in the store (never their secrets)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			format, err := cli.Output(cmd)
			if err != nil {
				return err
			}
			toks, err := listTokens(cmd)
			if err != nil {
				return err
			}
			if format == "json" {
				out := make([]map[string]any, 0, len(toks))
				for _, t := range toks {
					out = append(out, tokenJSON(t))
				}
				return cli.WriteJSON(cmd.OutOrStdout(), map[string]any{"tokens": out})
			}
			w := cmd.OutOrStdout()
			cli.Printf(w, "%-24s %-12s %-8s %s\n", "ID", "ROLE", "STATE", "NAME")
			for _, t := range toks {
				state := "active"
				if !t.Revoked.IsZero() {
					state = "revoked"
				}
				cli.Printf(w, "%-24s %-12s %-8s %s\n", t.ID, t.Role, state, t.Name)
			}
			return nil
		},
	}
	cli.AddDBFlag(list)
	cli.AddRemoteFlags(list)
	cmd.AddCommand(list)

	revoke := &cobra.Command{
		Use:   "revoke ID",
		Short: "Revoke a token in the store",
		Long: `Revoke a token directly in the store, without a running server (a leaked
admin token, say). Servers sharing the store stop accepting it within
api.TokenRecheck (1 s); revoking through a server's API takes effect there at
once.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			format, err := cli.Output(cmd)
			if err != nil {
				return err
			}
			t, err := revokeToken(cmd, args[0])
			if err != nil {
				return err
			}
			if format == "json" {
				return cli.WriteJSON(cmd.OutOrStdout(), tokenJSON(t))
			}
			cli.Printf(cmd.OutOrStdout(), "token %s (%s) revoked at %s\n", t.ID, t.Role, t.Revoked.Format(time.RFC3339))
			return nil
		},
	}
	cli.AddDBFlag(revoke)
	cli.AddRemoteFlags(revoke)
	cmd.AddCommand(revoke)
	return cmd
}

func tokenJSON(t auth.Token) map[string]any {
	m := map[string]any{"id": t.ID, "role": t.Role, "accounts": t.Accounts, "name": t.Name, "created": t.Created}
	if !t.Revoked.IsZero() {
		m["revoked"] = t.Revoked
	}
	return m
}

// overAPI reports whether a token command goes to a server (--server or
// $TRIBUTARY_SERVER) rather than to the store (--db).
func overAPI(cmd *cobra.Command) bool {
	return cmd.Flags().Changed("server") || os.Getenv("TRIBUTARY_SERVER") != "" && !cmd.Flags().Changed("db")
}

func createToken(cmd *cobra.Command, role auth.Role, accounts []string, name string) (auth.Token, string, error) {
	if overAPI(cmd) {
		nt, err := cli.Remote(cmd).CreateToken(cmd.Context(), wire.TokenRequest{Role: string(role), Accounts: accounts, Name: name})
		return tokenFromWire(nt.TokenJSON), nt.Secret, err
	}
	tok, secret, err := auth.New(role, accounts, name, time.Now().UTC(), rand.Reader)
	if err != nil {
		return tok, "", err
	}
	s, err := cli.OpenStore(cmd.Context(), cli.DBFlag(cmd))
	if err != nil {
		return tok, "", err
	}
	defer s.Close()
	return tok, secret, s.PutToken(cmd.Context(), tok)
}

func listTokens(cmd *cobra.Command) ([]auth.Token, error) {
	if overAPI(cmd) {
		page, err := cli.Remote(cmd).ListTokens(cmd.Context())
		out := make([]auth.Token, len(page.Tokens))
		for i, t := range page.Tokens {
			out[i] = tokenFromWire(t)
		}
		return out, err
	}
	s, err := cli.OpenExisting(cmd.Context(), cli.DBFlag(cmd))
	if err != nil {
		return nil, err
	}
	defer s.Close()
	return s.Tokens(cmd.Context())
}

func revokeToken(cmd *cobra.Command, id string) (auth.Token, error) {
	if overAPI(cmd) {
		t, err := cli.Remote(cmd).RevokeToken(cmd.Context(), id)
		return tokenFromWire(t), err
	}
	s, err := cli.OpenExisting(cmd.Context(), cli.DBFlag(cmd))
	if err != nil {
		return auth.Token{}, err
	}
	defer s.Close()
	return s.RevokeToken(cmd.Context(), id, time.Now().UTC())
}

// tokenFromWire is a token as the API lists it.
func tokenFromWire(t wire.TokenJSON) auth.Token {
	tok := auth.Token{ID: t.ID, Role: auth.Role(t.Role), Accounts: t.Accounts, Name: t.Name, Created: t.Created}
	if t.Revoked != nil {
		tok.Revoked = *t.Revoked
	}
	return tok
}
