package main

import (
	"crypto/rand"
	"strings"
	"time"

	"github.com/tributary-ledger/tributary/cli"

	"github.com/spf13/cobra"

	"github.com/tributary-ledger/tributary/auth"
)

func newTokenCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "token", Short: "Manage API tokens directly in the store (the first admin token, recovery)"}
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
			tok, secret, err := auth.New(auth.Role(role), accounts, name, time.Now().UTC(), rand.Reader)
			if err != nil {
				return err
			}
			s, err := cli.OpenStore(cmd.Context(), cli.DBFlag(cmd))
			if err != nil {
				return err
			}
			defer s.Close()
			if err := s.PutToken(cmd.Context(), tok); err != nil {
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
			s, err := cli.OpenExisting(cmd.Context(), cli.DBFlag(cmd))
			if err != nil {
				return err
			}
			defer s.Close()
			toks, err := s.Tokens(cmd.Context())
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
			s, err := cli.OpenExisting(cmd.Context(), cli.DBFlag(cmd))
			if err != nil {
				return err
			}
			defer s.Close()
			t, err := s.RevokeToken(cmd.Context(), args[0], time.Now().UTC())
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
