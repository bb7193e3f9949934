package main

import (
	"context"
	"encoding/json"
	"errors"

	"github.com/spf13/cobra"

	"github.com/tributary-ledger/tributary/cli"
	"github.com/tributary-ledger/tributary/client"
)

// newEventsCmd follows the live event stream of a running server, from
// the start or after an event already seen, so that a person can watch
// what commits without curl and resume where a broken connection left off.
func newEventsCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "events --follow [--after ID]",
		Short: "Follow the live event stream of a running server (resume with --after the last ID printed)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			format, err := cli.Output(cmd)
			if err != nil {
				return err
			}
			after, _ := cmd.Flags().GetUint64("after")
			limit, _ := cmd.Flags().GetInt("limit")
			if follow, _ := cmd.Flags().GetBool("follow"); !follow && limit == 0 {
				return cmd.Help() // a stream has no end: say how to read it
			}
			seen := 0
			return ignoreDone(cli.Remote(cmd).Events(cmd.Context(), after, func(ev client.Event) error {
				if format == "json" {
					if err := cli.WriteJSON(cmd.OutOrStdout(), map[string]any{"id": ev.ID, "type": ev.Type, "data": json.RawMessage(ev.Data)}); err != nil {
						return err
					}
				} else {
					cli.Printf(cmd.OutOrStdout(), "%d\t%s\t%s\n", ev.ID, ev.Type, ev.Data)
				}
				seen++
				if limit > 0 && seen >= limit {
					return errEnough
				}
				return nil
			}))
		},
	}
	cmd.Flags().Bool("follow", false, "follow the stream until interrupted")
	cmd.Flags().Uint64("after", 0, "resume after this event ID")
	cmd.Flags().Int("limit", 0, "stop after this many events (0: follow)")
	cli.AddRemoteFlags(cmd)
	return cmd
}

// errEnough ends a stream read to its --limit.
var errEnough = errors.New("enough events")

// ignoreDone treats the ends a person asked for (the limit, Ctrl-C) as
// success.
func ignoreDone(err error) error {
	if errors.Is(err, errEnough) || errors.Is(err, context.Canceled) {
		return nil
	}
	return err
}
