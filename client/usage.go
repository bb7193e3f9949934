package client

import (
	"context"
	"net/url"
	"strconv"

	"github.com/tributary-ledger/tributary/program/usage"
	"github.com/tributary-ledger/tributary/wire"
)

// UsageConfig returns the usage program's configuration versions, each
// with the epoch it applies from, and the program's status (next epoch to
// close, carry-over).
func (c *Client) UsageConfig(ctx context.Context) (usage.ConfigJSON, error) {
	var out usage.ConfigJSON
	_, err := c.do(ctx, "GET", "/v1/usage/config", "", nil, &out)
	return out, err
}

// SetUsageConfig applies a configuration (configurator or admin). The first
// applies from the current epoch (or epoch 0 before the anchor); a later one
// from the next epoch that has no reports or revenue yet. The answer is the
// configuration versions and status after the change.
func (c *Client) SetUsageConfig(ctx context.Context, key string, cfg usage.Config) (usage.ConfigJSON, error) {
	var out usage.ConfigJSON
	_, err := c.do(ctx, "PUT", "/v1/usage/config", key, cfg, &out)
	return out, err
}

// RegisterParticipant registers a participant (an app, contract or creator)
// and returns it as stored. A payee token may register only participants it
// owns.
func (c *Client) RegisterParticipant(ctx context.Context, key string, p usage.ParticipantRequest) (usage.Participant, error) {
	var out usage.Participant
	_, err := c.do(ctx, "POST", "/v1/usage/participants", key, p, &out)
	return out, err
}

// RegisterParticipants registers up to 10,000 participants together, in
// order, all or none (configurator or admin), and returns how many were
// registered.
func (c *Client) RegisterParticipants(ctx context.Context, key string, ps []usage.ParticipantRequest) (int, error) {
	var out struct {
		Registered int `json:"registered"`
	}
	_, err := c.do(ctx, "POST", "/v1/usage/participants/batch", key, usage.ParticipantsRequest{Participants: ps}, &out)
	return out.Registered, err
}

// Participant returns a participant, active or deregistered.
func (c *Client) Participant(ctx context.Context, id string) (usage.Participant, error) {
	var out usage.Participant
	_, err := c.do(ctx, "GET", "/v1/usage/participants/"+url.PathEscape(id), "", nil, &out)
	return out, err
}

// UpdateParticipant changes a participant's account, category and split
// (its owner or a configurator); p's ID and owner are ignored. It returns
// the participant as stored.
func (c *Client) UpdateParticipant(ctx context.Context, key, id string, p usage.ParticipantRequest) (usage.Participant, error) {
	var out usage.Participant
	_, err := c.do(ctx, "PUT", "/v1/usage/participants/"+url.PathEscape(id), key, p, &out)
	return out, err
}

// DeregisterParticipant deregisters a participant (its owner or a
// configurator): it takes no more reports and is paid nothing from the
// next close on; its ID stays taken. It returns the participant as stored,
// no longer active.
func (c *Client) DeregisterParticipant(ctx context.Context, key, id string) (usage.Participant, error) {
	var out usage.Participant
	_, err := c.do(ctx, "DELETE", "/v1/usage/participants/"+url.PathEscape(id), key, nil, &out)
	return out, err
}

// RecordUsageRevenue records platform revenue in the current epoch: it moves
// the amount from req.From into the pool's funding account. replayed is
// true when key had been applied before with the same request.
func (c *Client) RecordUsageRevenue(ctx context.Context, key string, req usage.RevenueRequest) (e wire.EntryJSON, replayed bool, err error) {
	replayed, err = c.do(ctx, "POST", "/v1/usage/revenue", key, req, &e)
	return e, replayed, err
}

// ReportUsage adds a batch of usage counts to its epoch. Batches add up,
// each under its own key; the same key with the same batch counts once and
// answers replayed.
func (c *Client) ReportUsage(ctx context.Context, key string, b usage.Batch) (out usage.ReportsJSON, replayed bool, err error) {
	replayed, err = c.do(ctx, "POST", "/v1/usage/reports", key, b, &out)
	return out, replayed, err
}

// CloseUsageEpoch closes an epoch at the server's time and pays its pool
// out (configurator or admin); epochs close in order, once each has ended.
// It returns the epoch's summary; the entry paying each participant is at
// EntryByKey(key). replayed is true when key had closed it before.
func (c *Client) CloseUsageEpoch(ctx context.Context, key string, epoch uint64) (sum usage.Summary, replayed bool, err error) {
	replayed, err = c.do(ctx, "POST", "/v1/usage/epochs/"+strconv.FormatUint(epoch, 10)+"/close", key, nil, &sum)
	return sum, replayed, err
}

// UsageEpoch returns a closed epoch's summary.
func (c *Client) UsageEpoch(ctx context.Context, epoch uint64) (usage.Summary, error) {
	var out usage.Summary
	_, err := c.do(ctx, "GET", "/v1/usage/epochs/"+strconv.FormatUint(epoch, 10), "", nil, &out)
	return out, err
}

// UsageStatement returns a closed epoch's statement, recomputed by the
// server from the stored inputs and checked against the stored digest: its
// header, and the line of participant when it is not "" (no lines
// otherwise).
func (c *Client) UsageStatement(ctx context.Context, epoch uint64, participant string) (usage.StatementJSON, error) {
	var out usage.StatementJSON
	_, err := c.do(ctx, "GET", "/v1/usage/epochs/"+strconv.FormatUint(epoch, 10)+"/statement"+query("participant", participant), "", nil, &out)
	return out, err
}
