package cli

import (
	"crypto/rand"
	"encoding/hex"
	"os"

	"github.com/spf13/cobra"

	"github.com/tributary-ledger/tributary/client"
)

// DefaultAddr is where serve listens, and the server the client commands
// call, unless told otherwise.
const DefaultAddr = "127.0.0.1:8650"

// AddRemoteFlags adds --server and --token to a command that talks to a
// running server; they default to TRIBUTARY_SERVER and TRIBUTARY_TOKEN.
func AddRemoteFlags(cmd *cobra.Command) {
	cmd.Flags().String("server", "", "server URL (default $TRIBUTARY_SERVER or http://"+DefaultAddr+")")
	cmd.Flags().String("token", "", "API token (default $TRIBUTARY_TOKEN)")
}

// AddKeyFlag adds --key, the idempotency key of a write.
func AddKeyFlag(cmd *cobra.Command) {
	cmd.Flags().String("key", "", "idempotency key (default: a new one, printed)")
}

// Remote returns a client of the server the flags name, with their token.
func Remote(cmd *cobra.Command) *client.Client {
	return client.New(ServerURL(cmd), Token(cmd), nil)
}

// Token is the token the flags name.
func Token(cmd *cobra.Command) string {
	token, _ := cmd.Flags().GetString("token")
	if token == "" {
		token = os.Getenv("TRIBUTARY_TOKEN")
	}
	return token
}

// Anonymous is a client that sends no token, for requests that carry
// their own authority (a deployer's signature): a token the server does
// not expect there would be refused, not ignored.
func Anonymous(cmd *cobra.Command) *client.Client {
	return client.New(ServerURL(cmd), "", nil)
}

// ServerURL is the server the flags name.
func ServerURL(cmd *cobra.Command) string {
	server, _ := cmd.Flags().GetString("server")
	if server == "" {
		server = os.Getenv("TRIBUTARY_SERVER")
	}
	if server == "" {
		server = "http://" + DefaultAddr
	}
	return server
}

// NewKey makes an idempotency key for a command run without --key.
func NewKey(prefix string) string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return prefix + "-" + hex.EncodeToString(b[:])
}

// Key returns the --key flag, or a new key, printed so that a run whose
// answer was lost can be repeated with it.
func Key(cmd *cobra.Command, prefix string) string {
	k, _ := cmd.Flags().GetString("key")
	if k == "" {
		k = NewKey(prefix)
		Printf(cmd.ErrOrStderr(), "idempotency key: %s (repeat with --key %s if the answer is lost)\n", k, k)
	}
	return k
}
