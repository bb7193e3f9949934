package main

import (
	"strings"
	"time"

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
			format, err := outputFormat(cmd)
			if err != nil {
				return err
			}
			role, _ := cmd.Flags().GetString("role")
			name, _ := cmd.Flags().GetString("name")
			accounts, _ := cmd.Flags().GetStringSlice("account")
			tok, secret, err := auth.New(auth.Role(role), accounts, name, time.Now().UTC())
			if err != nil {
				return err
			}
			s, err := openStore(cmd.Context(), dbFlag(cmd))
			if err != nil {
				return err
			}
			defer s.Close()
			if err := s.PutToken(cmd.Context(), tok); err != nil {
				return err
			}
			if format == "json" {
				return writeJSON(cmd.OutOrStdout(), map[string]any{"id": tok.ID, "role": tok.Role, "accounts": tok.Accounts, "secret": secret})
			}
			w := cmd.OutOrStdout()
			printf(w, "token %s (%s%s)\n", tok.ID, tok.Role, strings.Join(append([]string{""}, accounts...), " "))
			printf(w, "secret: %s\n", secret)
			printf(w, "The secret is shown only now; store it safely.\n")
			return nil
		},
	}
	addDBFlag(create)
	create.Flags().String("role", "", "admin, configurator, ingestor, reader or payee")
	create.Flags().String("name", "", "a name to recognise the token by")
	create.Flags().StringSlice("account", nil, "for payee tokens: an account the token may act on (repeatable)")
	_ = create.MarkFlagRequired("role")
	cmd.AddCommand(create)
	return cmd
}
