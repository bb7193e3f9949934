package api

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pb33f/libopenapi"
	validator "github.com/pb33f/libopenapi-validator"
	liberrors "github.com/pb33f/libopenapi-validator/errors"
	"github.com/pb33f/libopenapi-validator/schema_validation"
	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/tributary-ledger/tributary/auth"
	"github.com/tributary-ledger/tributary/engine"
	"github.com/tributary-ledger/tributary/errcode"
	"github.com/tributary-ledger/tributary/ledger"
	"github.com/tributary-ledger/tributary/money"
	"github.com/tributary-ledger/tributary/program/collection"
	"github.com/tributary-ledger/tributary/program/feeshare"
	"github.com/tributary-ledger/tributary/program/market"
	"github.com/tributary-ledger/tributary/program/splitbook"
	"github.com/tributary-ledger/tributary/program/usage"
	"github.com/tributary-ledger/tributary/programs"
	"github.com/tributary-ledger/tributary/split"
	"github.com/tributary-ledger/tributary/store/sqlite"
	"github.com/tributary-ledger/tributary/wire"
)

// The tests below hold api/openapi.json to the server: every route is
// documented and nothing else is, path parameters and Idempotency-Key
// headers are declared, roles and public routes match the route table, the
// document is valid OpenAPI 3.1, the schemas match the Go wire types, and
// real requests and responses match the document.

// oaChain is a test-only FeeshareChain, as in feeshare_e2e_test.go: any
// 65-byte signature "recovers" signer, and the chain's facts are fixed.
type oaChain struct {
	facts  feeshare.Facts
	signer feeshare.Address
}

func (c *oaChain) Facts(context.Context, feeshare.Address, feeshare.Address) (feeshare.Facts, error) {
	return c.facts, nil
}

func (c *oaChain) Signer(_ feeshare.Request, sig []byte) (feeshare.Address, error) {
	if len(sig) != 65 {
		return feeshare.Address{}, errcode.Errorf(ErrBadRequest, "signature is %d bytes; want 65", len(sig))
	}
	return c.signer, nil
}

func (c *oaChain) ChainID() uint64 { return 9001 }

func (c *oaChain) Head(context.Context) (uint64, error) { return c.facts.Head, nil }

// oaFindings formats a validator's findings.
func oaFindings(errs []*liberrors.ValidationError) string {
	var b strings.Builder
	for _, e := range errs {
		fmt.Fprintf(&b, "\n  %s: %s", e.Message, e.Reason)
		if e.SpecLine > 0 {
			fmt.Fprintf(&b, " (line %d)", e.SpecLine)
		}
		for _, f := range e.SchemaValidationErrors {
			fmt.Fprintf(&b, "\n    %s at %s (%s)", f.Reason, f.FieldPath, f.KeywordLocation)
		}
	}
	return b.String()
}

// TestOpenAPIValid validates the document with libopenapi-validator against
// the OpenAPI 3.1 specification, and every schema in it against JSON Schema
// 2020-12.
func TestOpenAPIValid(t *testing.T) {
	doc, err := libopenapi.NewDocument(OpenAPI())
	if err != nil {
		t.Fatalf("libopenapi cannot read openapi.json: %v", err)
	}
	if _, err := doc.BuildV3Model(); err != nil {
		t.Errorf("libopenapi cannot build a model of openapi.json: %v", err)
	}
	v, errs := validator.NewValidator(doc)
	if len(errs) > 0 {
		t.Fatalf("NewValidator: %v", errs)
	}
	if ok, verrs := v.ValidateDocument(); !ok || len(verrs) > 0 {
		t.Errorf("openapi.json is not a valid OpenAPI 3.1 document:%s", oaFindings(verrs))
	}

	// The OpenAPI 3.1 meta-schema takes any object as a Schema Object, so
	// compile every schema too: that checks it against the JSON Schema
	// 2020-12 meta-schema (OpenAPI 3.1's default dialect) and resolves its
	// references.
	raw, err := jsonschema.UnmarshalJSON(bytes.NewReader(OpenAPI()))
	if err != nil {
		t.Fatal(err)
	}
	const base = "file:///openapi.json"
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft2020)
	if err := c.AddResource(base, raw); err != nil {
		t.Fatal(err)
	}
	ptrs := oaSchemaPointers(raw, "")
	if len(ptrs) == 0 {
		t.Fatal("openapi.json has no schemas")
	}
	for _, ptr := range ptrs {
		if _, err := c.Compile(base + "#" + ptr); err != nil {
			t.Errorf("schema %s is not a valid JSON Schema: %v", ptr, err)
		}
	}
}

// oaSchemaPointers returns the JSON pointers of every schema in the
// document: each of components.schemas, and each "schema" of a parameter,
// header or media type.
func oaSchemaPointers(v any, ptr string) []string {
	var out []string
	esc := strings.NewReplacer("~", "~0", "/", "~1")
	switch v := v.(type) {
	case map[string]any:
		for k, sub := range v {
			p := ptr + "/" + esc.Replace(k)
			if ptr == "/components/schemas" || k == "schema" {
				out = append(out, p)
			} else {
				out = append(out, oaSchemaPointers(sub, p)...)
			}
		}
	case []any:
		for i, sub := range v {
			out = append(out, oaSchemaPointers(sub, ptr+"/"+strconv.Itoa(i))...)
		}
	}
	sort.Strings(out)
	return out
}

// TestOpenAPISchemasMatchWireTypes validates values of the Go types the
// server reads and writes, fully populated and sparse, against the schemas
// the generator reflected from those types: a rule the reflection gets
// wrong (a field required that a value omits) fails here.
func TestOpenAPISchemasMatchWireTypes(t *testing.T) {
	lib, err := libopenapi.NewDocument(OpenAPI())
	if err != nil {
		t.Fatal(err)
	}
	model, err := lib.BuildV3Model()
	if err != nil {
		t.Fatal(err)
	}
	sv := schema_validation.NewSchemaValidator()

	now := time.Date(2026, 11, 22, 12, 0, 0, 123456789, time.UTC)
	units := func(s string) money.Amount {
		a, err := money.ParseUnits(s)
		if err != nil {
			t.Fatal(err)
		}
		return a
	}
	posting := wire.PostingJSON{From: "@buyer:42", To: "artist:1", Amount: "1500", Currency: "USD", Path: "payment:k1 → split:album → artist:1"}
	entry := wire.Entry(ledger.Entry{Seq: 7, Key: "k1", Kind: ledger.Transfer, Program: "splits", Ref: "split:album", Time: now,
		Postings: []ledger.Posting{{From: "@buyer:42", To: "artist:1", Currency: "USD", Amount: units("1500"), Path: "p"}}})
	wd := ledger.Withdrawal{ID: "wd-1", Account: "artist:1", Destination: "@payout", Currency: "USD", Amount: units("500"),
		State: ledger.WithdrawalPosted, RequestSeq: 8, ResolveSeq: 9, Created: now, Resolved: now}
	bal := wire.Balance(ledger.Balance{BalanceKey: ledger.BalanceKey{Account: "@buyer:42", Currency: "USD"}, DebitsPosted: units("1500"), DebitsPending: units("3")})
	tok, secret, err := auth.New(auth.Payee, []string{"artist:1"}, "artist one", now, rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tok.Revoked = now
	refusal := toErrorJSON(errcode.Errorf(ledger.ErrOverdraft, "short"))
	def := splitbook.Def{ID: "album", Unit: "bp", Receivers: []splitbook.ReceiverDef{{Account: "artist:1", Share: 6000}, {Split: "band", Share: 4000}}}
	bp, missed, due := uint64(2500), uint64(1), wire.Amount("105000000000000000000")
	recipients := []market.Recipient{{Account: "artist:1", ShareBP: 7000}, {Account: "artist:2", ShareBP: 3000}}
	asset := market.Asset{ID: "asset-7", Owner: "artist:1", Split: recipients, RoyaltyBP: &bp, Sold: true}
	license := market.License{ID: "license-1", Asset: "asset-7", Currency: "ETH", Base: units("100000000000000000000"), Penalty: units("5000000000000000000"),
		PeriodSeconds: 30 * 24 * 3600, LastPaid: now, Expires: now.AddDate(1, 0, 0), Revoked: true, Sold: true}
	song1 := []collection.Recipient{{Account: "payee-1", ShareBP: 5000}, {Account: "payee-2", ShareBP: 1500}, {Account: "payee-3", ShareBP: 3500}}
	track := collection.Track{ID: "song-1", Price: units("198"), Currency: "USD", Split: song1, Collections: []string{"best-of-2026"}}
	fsDeployer, fsWithdrawer := feeshare.Address{0: 0xde, 19: 1}, feeshare.Address{0: 0x77, 19: 2}
	fsContract, err := feeshare.DeriveCreate(fsDeployer, []uint64{5, 2, 1})
	if err != nil {
		t.Fatal(err)
	}
	fsReg := feeshare.ToRegistration(feeshare.Registration{Contract: fsContract, Deployer: fsDeployer, Withdrawer: &fsWithdrawer, Nonces: []uint64{5, 2, 1}, By: feeshare.ByDeployer})
	fsGenesisReg := feeshare.ToRegistration(feeshare.Registration{Contract: fsContract, Deployer: fsDeployer, By: "genesis"})
	fsTrue, fsCost := true, uint64(60)
	fsBlock := feeshare.BlockJSON{Number: 99, Hash: feeshare.Hash{0: 0xab, 31: 1}.Hex()}
	fsGenesis := feeshare.Genesis{Params: feeshare.GenesisParams{EnableRevenue: true, DeveloperShares: "0.5", AddrDerivationCostCreate: 50},
		Revenues: []feeshare.GenesisRevenue{{ContractAddress: fsContract.Hex(), DeployerAddress: fsDeployer.Bech32(), WithdrawerAddress: fsWithdrawer.Bech32()}}}
	usageLast := uint64(3)
	usageConfig := usage.Config{Currency: "USD", Epoch: usage.Epoch{Length: "day", Anchor: now.Truncate(24 * time.Hour)},
		Metrics: []usage.Metric{{Name: "calls", WeightBP: 7000, ClipBP: 30000}, {Name: "users", WeightBP: 3000}},
		Pool:    usage.Pool{Kind: "dynamic", Bands: []usage.Band{{UpTo: units("100000"), RateBP: 5000}, {RateBP: 2500}}, Account: "usage:pool"},
		Formula: usage.Formula{Kind: "ranked_decay", DecayBP: 5000, Remainder: "spread", Ranks: 10},
		Qualify: usage.Qualify{MinScoreBP: 100, ActiveUsersMetric: "users", MinActiveUsers: 5}, CapBP: 5000,
		Tier:      &usage.Tier{Metric: "calls", Threshold: 100, Levels: []usage.TierLevel{{Epochs: 3, MultiplierBP: 15000}}},
		Smoothing: usage.Smoothing{Kind: "rolling", Epochs: 3}}
	usageCategories := usage.Config{Currency: "USD", Epoch: usage.Epoch{Length: "seconds", Seconds: 3600, Anchor: now.Truncate(time.Hour)},
		Metrics: []usage.Metric{{Name: "calls", WeightBP: 10000}}, Pool: usage.Pool{Kind: "fixed_amount", Amount: units("5000"), Account: "usage:pool"},
		Formula: usage.Formula{Kind: "category_weighted", Categories: []usage.Category{{Name: "games", ShareBP: 10000}}}}
	usageShares := []split.Share{{Account: "artist:2", ShareBP: 6000}, {Account: "artist:3", ShareBP: 4000}}
	usageParticipant := usage.ParticipantRequest{ID: "app-2", Owner: "artist:2", Account: "artist:2", Category: "games", Split: usageShares}
	usageSummary := usage.Summary{Epoch: 3, Key: "close-3", ClosedAt: now, ConfigEpoch: 1, Slots: 4, Revenue: units("10000"), CarryIn: units("1"), Funding: units("10000"),
		Target: units("5001"), Pool: units("5001"), Paid: units("5000"), CarryOut: units("1"), Listed: 3, PaidCount: 2, Digest: strings.Repeat("ab", 32), Notes: []string{"a note"}}
	usageHeader := usage.StatementHeader{Epoch: 3, Start: now.Format(time.RFC3339), End: now.Add(24 * time.Hour).Format(time.RFC3339), Currency: "USD", Formula: "pro_rata", PoolKind: "fixed_percentage",
		Revenue: units("10000"), Target: units("5000"), Funding: units("10000"), Pool: units("5000"), Paid: units("5000"), ScoreUnit: usage.ScoreUnit,
		Metrics: []usage.MetricFigures{{Name: "calls", WeightBP: 7000, ClipBP: 30000, Median: 300, ClipAt: 900, Total: 1000}}, Participants: 3, PaidCount: 2, Notes: []string{}}
	usageRow := usage.StatementRow{Participant: "app-1", Category: "games", Raw: []uint64{700, 10}, Clipped: []uint64{700, 10}, Contrib: []uint64{1, 2}, Base: 3, Smoothed: 3, Streak: 1,
		MultiplierBP: 10000, Score: 3, Qualified: true, Weight: 3, Rank: 1, Amount: units("3500")}
	bestOf := collection.Collection{ID: "best-of-2026", Creator: "payee-3", Price: units("500"), Currency: "USD", Tracks: []string{"song-1", "song-2", "song-3"},
		Split: []collection.Recipient{{Account: "payee-3", ShareBP: 10000}}, Next: 1}

	cases := []struct {
		schema   string
		value    any
		optional []string // always written, but not required in this schema
	}{
		{schema: "ErrorBody", value: wire.ErrorBody{Error: refusal}},
		{schema: "ErrorDetail", value: refusal},
		{schema: "Posting", value: posting},
		{schema: "EntryRequest", value: wire.EntryRequest{Postings: []wire.PostingJSON{posting}}},
		{schema: "Entry", value: entry},
		{schema: "BatchItem", value: wire.BatchItem{Key: "k2", Postings: []wire.PostingJSON{posting}}},
		{schema: "BatchRequest", value: wire.BatchRequest{Entries: []wire.BatchItem{{Key: "k2", Postings: []wire.PostingJSON{posting}}}}},
		{schema: "BatchResult", value: wire.BatchResult{Key: "k2", Status: "created", Entry: &entry}},
		{schema: "BatchResult", value: wire.BatchResult{Key: "k3", Status: "refused", Error: &refusal}},
		{schema: "Balance", value: bal},
		{schema: "Account", value: wire.AccountJSON{Account: "@buyer:42", External: true, Balances: []wire.BalanceJSON{bal}}},
		{schema: "SplitPaymentRequest", value: splitbook.PaymentRequest{From: "@buyer:42", Split: "album", Amount: "1500", Currency: "USD", Memo: "order 42"}},
		{schema: "WithdrawalRequest", value: wire.WithdrawalRequest{Account: "artist:1", Amount: "500", Currency: "USD", Destination: "@bank:1"}},
		{schema: "Withdrawal", value: wire.Withdrawal(wd)},
		{schema: "Withdrawal", value: withdrawalFromEntry(ledger.Entry{Seq: 9, Kind: ledger.WithdrawalVoid, Ref: "wd-1", Time: now, Postings: []ledger.Posting{wd.Posting()}})},
		{schema: "SplitDef", value: def},
		{schema: "SplitDef", value: def, optional: []string{"id"}},
		{schema: "SplitReceiver", value: def.Receivers[0]},
		{schema: "SplitReceiver", value: def.Receivers[1]},
		{schema: "TokenRequest", value: wire.TokenRequest{Role: "payee", Accounts: []string{"artist:1"}, Name: "artist one"}},
		{schema: "Token", value: toToken(tok)},
		{schema: "NewToken", value: wire.NewTokenJSON{TokenJSON: toToken(tok), Secret: secret}},
		{schema: "MarketConfig", value: market.DefaultConfig()},
		{schema: "SplitShare", value: recipients[0]},
		{schema: "MarketAssetRequest", value: market.AssetRequest{ID: "asset-7", Owner: "artist:1", Split: recipients, RoyaltyBP: &bp}},
		{schema: "MarketAsset", value: market.AssetJSON{Asset: asset, EffectiveRoyaltyBP: bp}},
		{schema: "MarketAsset", value: market.AssetJSON{Asset: market.Asset{ID: "asset-8", Owner: "artist:2"}, EffectiveRoyaltyBP: 1000}},
		{schema: "MarketSplitRequest", value: market.SplitRequest{Split: recipients}},
		{schema: "MarketSplitRequest", value: market.SplitRequest{Split: []market.Recipient{}}},
		{schema: "MarketRoyaltyRequest", value: market.RoyaltyRequest{RoyaltyBP: &bp}},
		{schema: "MarketRoyaltyRequest", value: market.RoyaltyRequest{}},
		{schema: "MarketLicenseRequest", value: market.LicenseRequest{ID: "license-1", Asset: "asset-7", Currency: "ETH", Base: "100000000000000000000", Penalty: "5000000000000000000",
			PeriodSeconds: 30 * 24 * 3600, Start: now, Expires: &now}},
		{schema: "MarketLicense", value: license},
		{schema: "MarketLicense", value: market.License{ID: "license-8", Asset: "asset-8", LastPaid: now}},
		{schema: "MarketLicenseStatus", value: market.LicenseJSON{License: license, DueNow: &due, MissedPeriod: &missed}},
		{schema: "MarketLicensePaymentRequest", value: market.LicensePaymentRequest{Amount: due, Currency: "ETH", Payer: "@licensee:1"}},
		{schema: "MarketSaleRequest", value: market.SaleRequest{Asset: "asset-7", Amount: "1000000000000000000000", Currency: "ETH", Buyer: "@buyer:2", Seller: "collector:1"}},
		{schema: "MarketSaleRequest", value: market.SaleRequest{License: "license-8", Amount: "1", Currency: "ETH", Buyer: "@buyer:3"}},
		{schema: "CollectionConfig", value: collection.DefaultConfig()},
		{schema: "CollectionFees", value: collection.DefaultConfig().Fees},
		{schema: "SplitShare", value: song1[0]},
		{schema: "CollectionTrackRequest", value: collection.TrackRequest{ID: "song-1", Price: "198", Currency: "USD", Split: song1}},
		{schema: "CollectionTrack", value: track},
		{schema: "CollectionTrack", value: collection.Track{ID: "song-2", Price: units("200"), Currency: "USD", Split: song1[:1]}},
		{schema: "CollectionPriceRequest", value: collection.PriceRequest{Price: "175"}},
		{schema: "CollectionRequest", value: collection.CollectionRequest{ID: "best-of-2026", Creator: "payee-3", Price: "500", Currency: "USD", Tracks: bestOf.Tracks, Split: bestOf.Split}},
		{schema: "CollectionRequest", value: collection.CollectionRequest{ID: "best-of-2026", Creator: "payee-3", Price: "500", Currency: "USD", Tracks: bestOf.Tracks}},
		{schema: "Collection", value: bestOf},
		{schema: "Collection", value: collection.Collection{ID: "solo", Creator: "payee-3", Price: units("198"), Currency: "USD", Tracks: []string{"song-1"}}},
		{schema: "CollectionPurchaseRequest", value: collection.Purchase{Collection: "best-of-2026", Currency: "USD", Buyer: "@buyer:1"}},
		{schema: "CollectionPurchaseRequest", value: collection.Purchase{Track: "song-1", Currency: "USD", Buyer: "@buyer:1"}},
		{schema: "WithdrawalMinimum", value: wire.MinimumJSON{Currency: "USD", Amount: "1000"}},
		{schema: "WithdrawalMinimumRequest", value: wire.MinimumRequest{Amount: "1000"}},
		{schema: "CollectionUpdateRequest", value: collection.UpdateCollectionRequest{Price: "600", Tracks: []string{"song-1"}, Split: []collection.Recipient{{Account: "payee-3", ShareBP: 10000}}}},
		{schema: "CollectionUpdateRequest", value: collection.UpdateCollectionRequest{Price: "600", Tracks: []string{"song-1"}}},
		{schema: "FeeshareParams", value: feeshare.ToParams(feeshare.DefaultParams())},
		{schema: "FeeshareParamsRequest", value: feeshare.ParamsRequest{EnableRevenue: &fsTrue, DeveloperShares: "40%", AddrDerivationCostCreate: &fsCost}},
		{schema: "FeeshareRequest", value: feeshare.RequestJSON{Contract: fsContract.Hex(), Deployer: fsDeployer.Bech32(), Withdrawer: fsWithdrawer.Hex(), Nonces: []string{"5", "2", "1"},
			ChainID: "9001", Expiry: "1795000000", Nonce: "1", Signature: "0x" + strings.Repeat("ab", 65)}},
		{schema: "FeeshareRequest", value: feeshare.RequestJSON{Contract: fsContract.Bech32(), Deployer: fsDeployer.Hex()}},
		{schema: "FeeshareRegistration", value: fsReg},
		{schema: "FeeshareRegistration", value: fsGenesisReg},
		{schema: "FeeshareWriteResult", value: feeshare.WriteJSON{RegistrationJSON: fsReg, GasCost: 180, Seq: 12}},
		{schema: "FeeshareWriteResult", value: feeshare.WriteJSON{RegistrationJSON: feeshare.ToRegistration(feeshare.Registration{Contract: fsContract, Deployer: fsDeployer}), Cancelled: true, Seq: 13}},
		{schema: "FeeshareContractList", value: feeshare.ContractsJSON{Contracts: []feeshare.RegistrationJSON{fsReg, fsGenesisReg}, Total: 3, Next: "2"}},
		{schema: "FeeshareContractList", value: feeshare.ContractsJSON{Contracts: []feeshare.RegistrationJSON{}}},
		{schema: "FeeshareBlock", value: fsBlock},
		{schema: "FeeshareCursor", value: feeshare.CursorJSON{Head: &fsBlock, Blocks: []feeshare.BlockJSON{fsBlock}}},
		{schema: "FeeshareCursor", value: feeshare.CursorJSON{Blocks: []feeshare.BlockJSON{}}},
		{schema: "FeeshareGenesis", value: fsGenesis},
		{schema: "FeeshareGenesisParams", value: fsGenesis.Params},
		{schema: "FeeshareGenesisRevenue", value: fsGenesis.Revenues[0]},
		{schema: "FeeshareGenesisResult", value: feeshare.GenesisJSON{Params: feeshare.ToParams(feeshare.DefaultParams()), Revenues: 1}},
		{schema: "UsageConfig", value: usageConfig},
		{schema: "UsageConfig", value: usageCategories},
		{schema: "UsageEpoch", value: usageCategories.Epoch},
		{schema: "UsageMetric", value: usageConfig.Metrics[0]},
		{schema: "UsagePool", value: usageConfig.Pool},
		{schema: "UsagePool", value: usageCategories.Pool},
		{schema: "UsageBand", value: usageConfig.Pool.Bands[0]},
		{schema: "UsageFormula", value: usageConfig.Formula},
		{schema: "UsageFormula", value: usageCategories.Formula},
		{schema: "UsageCategory", value: usageCategories.Formula.Categories[0]},
		{schema: "UsageQualify", value: usageConfig.Qualify},
		{schema: "UsageTier", value: *usageConfig.Tier},
		{schema: "UsageTierLevel", value: usageConfig.Tier.Levels[0]},
		{schema: "UsageSmoothing", value: usageConfig.Smoothing},
		{schema: "UsageVersion", value: usage.Version{Epoch: 1, Config: usageConfig}},
		{schema: "UsageStatus", value: usage.Status{Slots: 4, Configured: true, NextClose: 4, Latest: 4, Touched: true, Carry: units("1"), LastClosed: &usageLast}},
		{schema: "UsageStatus", value: usage.Status{}},
		{schema: "UsageConfigState", value: usage.ConfigJSON{Versions: []usage.Version{{Epoch: 1, Config: usageConfig}}, Status: usage.Status{Configured: true}}},
		{schema: "SplitShare", value: usageShares[0]},
		{schema: "UsageParticipantRequest", value: usageParticipant},
		{schema: "UsageParticipantRequest", value: usageParticipant, optional: []string{"id", "owner"}},
		{schema: "UsageParticipant", value: usage.Participant{ID: "app-2", Owner: "artist:2", Account: "artist:2", Category: "games", Split: usageShares, Active: true, Slot: 1}},
		{schema: "UsageParticipant", value: usage.Participant{ID: "app-1", Owner: "artist:1", Account: "artist:1"}},
		{schema: "UsageParticipantsRequest", value: usage.ParticipantsRequest{Participants: []usage.ParticipantRequest{usageParticipant}}},
		// UsageParticipantsResult has no Go type: the handler answers a map.
		{schema: "UsageRevenueRequest", value: usage.RevenueRequest{Amount: "10000", Currency: "USD", From: "@platform"}},
		{schema: "UsageReport", value: usage.Report{Participant: "app-1", Metric: "calls", Count: 700}},
		{schema: "UsageReportBatch", value: usage.Batch{Epoch: 3, Reports: []usage.Report{{Participant: "app-1", Metric: "calls", Count: 700}}}},
		{schema: "UsageReportsResult", value: usage.ReportsJSON{Epoch: 3, Reports: 1, Seq: 40}},
		{schema: "UsageSummary", value: usageSummary},
		{schema: "UsageStatementHeader", value: usageHeader},
		{schema: "UsageMetricFigures", value: usageHeader.Metrics[0]},
		{schema: "UsageStatementRow", value: usageRow},
		{schema: "UsageStatement", value: usage.StatementJSON{Header: usageHeader, Digest: strings.Repeat("ab", 32), Rows: []usage.StatementRow{usageRow}}},
		{schema: "UsageStatement", value: usage.StatementJSON{Header: usageHeader, Digest: strings.Repeat("ab", 32), Rows: []usage.StatementRow{}}},
	}
	for _, c := range cases {
		typ := reflect.TypeOf(c.value)
		body, err := json.Marshal(c.value)
		if err != nil {
			t.Fatal(err)
		}
		proxy := model.Model.Components.Schemas.GetOrZero(c.schema)
		if proxy == nil || proxy.Schema() == nil {
			t.Errorf("schema %s does not build", c.schema)
			continue
		}
		if ok, verrs := sv.ValidateSchemaBytes(proxy.Schema(), body); !ok {
			t.Errorf("%s %s does not validate against schema %s:%s", typ, body, c.schema, oaFindings(verrs))
		}
	}
}

// TestOpenAPIExchanges runs real requests against a server on SQLite, one
// or more for every route, and checks each request and response against
// the document with the validator: statuses, headers, content types and
// bodies must all be documented as the server sends them.
func TestOpenAPIExchanges(t *testing.T) {
	ctx := t.Context()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "openapi.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	const admin = "trb_openapi_test_admin"
	if err := st.PutToken(ctx, auth.FromSecret(admin, auth.Admin, nil, "admin", time.Now().UTC())); err != nil {
		t.Fatal(err)
	}
	currencies := money.NewRegistry()
	fsDeployer, fsWithdrawer := feeshare.Address{0: 0xde, 19: 1}, feeshare.Address{0: 0x77, 19: 2}
	chain := &oaChain{facts: feeshare.Facts{DeployerNonce: 12, ContractHasCode: true, Head: 99}, signer: fsDeployer}
	// The server's clock runs ahead by clockAhead, which the usage
	// program's exchanges move forward to close an epoch.
	var clockAhead atomic.Int64
	clock := func() time.Time { return time.Now().Add(time.Duration(clockAhead.Load())) }
	srv := New(Config{Store: st, Engine: engine.New(st, currencies), Currencies: currencies, EventPoll: 10 * time.Millisecond, Now: clock, Modules: programs.Modules(programs.Deps{FeeshareChain: chain})})
	h := srv.Handler()

	// A mux of the same patterns tells which route a request hits.
	routeOf := http.NewServeMux()
	covered := map[string]bool{}
	for _, rt := range srv.Routes() {
		routeOf.Handle(rt.Method+" "+rt.Pattern, http.NotFoundHandler())
		covered[rt.Method+" "+rt.Pattern] = false
	}

	doc, err := libopenapi.NewDocument(OpenAPI())
	if err != nil {
		t.Fatal(err)
	}
	v, errs := validator.NewValidator(doc)
	if len(errs) > 0 {
		t.Fatalf("NewValidator: %v", errs)
	}

	type call struct {
		token, method, path, body string
		header                    map[string]string
		stream                    bool // an event stream: cut it off after a moment
	}
	do := func(want int, c call) (string, http.Header) {
		t.Helper()
		req := func(ctx context.Context) *http.Request {
			var body io.Reader
			if c.body != "" {
				body = strings.NewReader(c.body)
			}
			r := httptest.NewRequestWithContext(ctx, c.method, "http://127.0.0.1:8650"+c.path, body)
			if c.body != "" {
				r.Header.Set("Content-Type", "application/json")
			}
			if c.token != "" {
				r.Header.Set("Authorization", "Bearer "+c.token)
			}
			for k, v := range c.header {
				r.Header.Set(k, v)
			}
			return r
		}
		rctx, cancel := context.WithCancel(ctx)
		if c.stream {
			rctx, cancel = context.WithTimeout(ctx, 100*time.Millisecond)
		}
		defer cancel()
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req(rctx))
		resp := rec.Result()
		body := rec.Body.String()
		name := c.method + " " + c.path
		if _, pattern := routeOf.Handler(req(ctx)); pattern != "" {
			covered[pattern] = true
		}
		if resp.StatusCode != want {
			t.Errorf("%s: status %d, want %d: %.300s", name, resp.StatusCode, want, body)
		}
		if ok, verrs := v.ValidateHttpRequestResponse(req(ctx), resp); !ok {
			t.Errorf("%s → %d %.200s\ndoes not match openapi.json:%s", name, resp.StatusCode, body, oaFindings(verrs))
		}
		return body, resp.Header
	}
	field := func(body, name string) string {
		var m map[string]any
		if err := json.Unmarshal([]byte(body), &m); err != nil {
			t.Fatalf("%.200s: %v", body, err)
		}
		s, _ := m[name].(string)
		return s
	}
	key := func(k string) map[string]string { return map[string]string{"Idempotency-Key": k} }
	replayed := func(what string, h http.Header) {
		t.Helper()
		if h.Get("Idempotent-Replayed") != "true" {
			t.Errorf("%s: no Idempotent-Replayed: true on a replay", what)
		}
	}
	// replayedLater replays c after later writes changed what it answered:
	// the replay answers the first answer, first, byte for byte.
	replayedLater := func(want int, first string, c call) {
		t.Helper()
		body, h := do(want, c)
		replayed(c.method+" "+c.path, h)
		if body != first {
			t.Errorf("%s replayed after later writes = %s; want the first answer %s", c.method+" "+c.path, body, first)
		}
	}

	// System.
	do(200, call{method: "GET", path: "/healthz"})
	do(200, call{method: "GET", path: "/readyz"})
	do(200, call{method: "GET", path: "/metrics"})
	do(200, call{method: "GET", path: "/v1/openapi.json"})

	// Tokens.
	body, _ := do(201, call{token: admin, method: "POST", path: "/v1/tokens", body: `{"role":"payee","accounts":["artist:1"],"name":"artist one"}`})
	payee, payeeID := field(body, "secret"), field(body, "id")
	body, _ = do(201, call{token: admin, method: "POST", path: "/v1/tokens", body: `{"role":"reader"}`})
	reader := field(body, "secret")
	body, _ = do(201, call{token: admin, method: "POST", path: "/v1/tokens", body: `{"role":"ingestor"}`})
	ingestor := field(body, "secret")
	body, _ = do(201, call{token: admin, method: "POST", path: "/v1/tokens", body: `{"role":"configurator"}`})
	configurator := field(body, "secret")
	do(400, call{token: admin, method: "POST", path: "/v1/tokens", body: `{"role":"reader","accounts":["artist:1"]}`})
	do(403, call{token: reader, method: "POST", path: "/v1/tokens", body: `{"role":"reader"}`})
	do(200, call{token: admin, method: "GET", path: "/v1/tokens"})

	// Splits.
	band := `{"id":"band","unit":"weight","receivers":[{"account":"artist:2","share":1},{"account":"artist:3","share":2}]}`
	album := `{"id":"album","unit":"bp","receivers":[{"account":"artist:1","share":6000},{"split":"band","share":4000}]}`
	do(201, call{token: configurator, method: "POST", path: "/v1/splits", header: key("split-band"), body: band})
	do(201, call{token: configurator, method: "POST", path: "/v1/splits", header: key("split-album"), body: album})
	_, hdr := do(201, call{token: configurator, method: "POST", path: "/v1/splits", header: key("split-album"), body: album})
	replayed("POST /v1/splits", hdr)
	do(409, call{token: configurator, method: "POST", path: "/v1/splits", header: key("split-album-2"), body: album})
	do(422, call{token: configurator, method: "POST", path: "/v1/splits", header: key("split-bad"), body: `{"id":"bad","unit":"bp","receivers":[{"account":"artist:1","share":10}]}`})
	body, _ = do(200, call{token: reader, method: "GET", path: "/v1/splits?limit=1"})
	do(200, call{token: reader, method: "GET", path: "/v1/splits?after=" + field(body, "next")})
	do(200, call{token: configurator, method: "GET", path: "/v1/splits/album"})
	do(404, call{token: reader, method: "GET", path: "/v1/splits/nope"})
	do(404, call{token: configurator, method: "PUT", path: "/v1/splits/nope", header: key("split-nope"), body: `{"unit":"bp","receivers":[{"account":"artist:1","share":10000}]}`})
	do(400, call{token: configurator, method: "PUT", path: "/v1/splits/album", header: key("split-other"), body: `{"id":"other","unit":"bp","receivers":[{"account":"artist:1","share":10000}]}`})
	do(200, call{token: configurator, method: "PUT", path: "/v1/splits/band", header: key("split-band-2"), body: strings.Replace(band, `"share":1`, `"share":2`, 1)})
	_, hdr = do(200, call{token: configurator, method: "PUT", path: "/v1/splits/band", header: key("split-band-2"), body: strings.Replace(band, `"share":1`, `"share":2`, 1)})
	if hdr.Get("Idempotent-Replayed") != "true" {
		t.Error("replaying PUT /v1/splits/band did not say Idempotent-Replayed: true")
	}

	// Schedules.
	sched := `{"operation":"closeUsageEpoch","path":{"epoch":"{period}"},"start":"2026-01-01T00:00:00Z","every":"monthly"}`
	do(200, call{token: admin, method: "PUT", path: "/v1/schedules/usage-close", header: key("sched-1"), body: sched})
	do(422, call{token: admin, method: "PUT", path: "/v1/schedules/bad", header: key("sched-2"), body: `{"operation":"listSchedules","start":"2026-01-01T00:00:00Z","every":"1h"}`})
	do(400, call{token: admin, method: "PUT", path: "/v1/schedules/bad", header: key("sched-3"), body: `{"operation":"closeUsageEpoch","start":"2026-01-01T00:00:00Z","every":"1s"}`})
	do(200, call{token: reader, method: "GET", path: "/v1/schedules"})
	do(200, call{token: reader, method: "GET", path: "/v1/schedules/usage-close"})
	do(404, call{token: reader, method: "GET", path: "/v1/schedules/nope"})
	do(200, call{token: admin, method: "DELETE", path: "/v1/schedules/usage-close", header: key("sched-4")})
	do(404, call{token: admin, method: "DELETE", path: "/v1/schedules/usage-close", header: key("sched-5")})

	// Payments and entries.
	payment := `{"from":"@buyer:42","split":"album","amount":"10000","currency":"USD","memo":"order 42"}`
	do(201, call{token: ingestor, method: "POST", path: "/v1/payments", header: key("pay-1"), body: payment})
	_, hdr = do(201, call{token: ingestor, method: "POST", path: "/v1/payments", header: key("pay-1"), body: payment})
	replayed("POST /v1/payments", hdr)
	do(409, call{token: ingestor, method: "POST", path: "/v1/payments", header: key("pay-1"), body: `{"from":"@buyer:42","split":"album","amount":"1","currency":"USD"}`})
	do(404, call{token: ingestor, method: "POST", path: "/v1/payments", header: key("pay-2"), body: `{"from":"@buyer:42","split":"nope","amount":"1","currency":"USD"}`})
	do(422, call{token: ingestor, method: "POST", path: "/v1/payments", header: key("pay-3"), body: `{"from":"@buyer:42","split":"album","amount":"1","currency":"XYZ"}`})
	do(201, call{token: ingestor, method: "POST", path: "/v1/entries", header: key("entry-1"), body: `{"postings":[{"from":"@world","to":"artist:9","amount":"500","currency":"USD","path":"manual"}]}`})
	do(422, call{token: ingestor, method: "POST", path: "/v1/entries", header: key("entry-2"), body: `{"postings":[{"from":"artist:9","to":"artist:8","amount":"501","currency":"USD"}]}`})
	do(200, call{token: ingestor, method: "POST", path: "/v1/entries/batch", body: `{"entries":[` +
		`{"key":"batch-1","postings":[{"from":"@world","to":"artist:7","amount":"5","currency":"USD"}]},` +
		`{"key":"entry-1","postings":[{"from":"@world","to":"artist:9","amount":"500","currency":"USD","path":"manual"}]},` +
		`{"key":"batch-3","postings":[{"from":"artist:6","to":"artist:7","amount":"5","currency":"USD"}]}]}`})
	body, _ = do(200, call{token: reader, method: "GET", path: "/v1/entries?limit=2"})
	do(200, call{token: reader, method: "GET", path: "/v1/entries?after=" + field(body, "next") + "&since=2000-01-01T00:00:00Z&until=2100-01-01T00:00:00Z"})
	do(200, call{token: payee, method: "GET", path: "/v1/entries?account=artist:1"})
	do(403, call{token: payee, method: "GET", path: "/v1/entries"})
	do(200, call{token: reader, method: "GET", path: "/v1/flows?since=2000-01-01T00:00:00Z&until=2100-01-01T00:00:00Z&currency=USD"})
	do(403, call{token: payee, method: "GET", path: "/v1/flows"})
	do(200, call{token: payee, method: "GET", path: "/v1/currencies"})
	do(200, call{token: reader, method: "GET", path: "/v1/entries/1"})
	do(404, call{token: reader, method: "GET", path: "/v1/entries/999"})
	do(200, call{token: ingestor, method: "GET", path: "/v1/entries/keys/entry-1"})
	do(404, call{token: reader, method: "GET", path: "/v1/entries/keys/nope"})

	// Accounts.
	body, _ = do(200, call{token: reader, method: "GET", path: "/v1/accounts?limit=2"})
	do(200, call{token: reader, method: "GET", path: "/v1/accounts?after=" + field(body, "next")})
	do(200, call{token: reader, method: "GET", path: "/v1/accounts?prefix=artist:&currency=USD"})
	do(200, call{token: payee, method: "GET", path: "/v1/accounts/artist:1"})
	do(403, call{token: payee, method: "GET", path: "/v1/accounts/artist:2"})
	do(200, call{token: reader, method: "GET", path: "/v1/accounts/@buyer:42"})

	// Withdrawals: a payee's go to its registered destination.
	do(422, call{token: payee, method: "POST", path: "/v1/withdrawals", header: key("wd-0"), body: `{"account":"artist:1","amount":"1000","currency":"USD"}`})
	do(403, call{token: payee, method: "PUT", path: "/v1/payout-destinations/artist:1", header: key("payout-dest-0"), body: `{"destination":"@bank:mine"}`})
	do(200, call{token: admin, method: "PUT", path: "/v1/payout-destinations/artist:1", header: key("payout-dest-1"), body: `{"destination":"@bank:artist-1"}`})
	do(200, call{token: payee, method: "GET", path: "/v1/payout-destinations/artist:1"})
	do(403, call{token: payee, method: "POST", path: "/v1/withdrawals", header: key("wd-5"), body: `{"account":"artist:1","amount":"1","currency":"USD","destination":"@attacker"}`})
	wd := `{"account":"artist:1","amount":"1000","currency":"USD"}`
	// A payee's withdrawal ID is its key in the payee's own key space.
	body, _ = do(201, call{token: payee, method: "POST", path: "/v1/withdrawals", header: key("wd-1"), body: wd})
	wd1 := field(body, "id")
	if !strings.HasPrefix(wd1, "~p") || !strings.HasSuffix(wd1, "~wd-1") {
		t.Errorf("payee withdrawal ID = %q; want ~p<principal>~wd-1", wd1)
	}
	_, hdr = do(201, call{token: payee, method: "POST", path: "/v1/withdrawals", header: key("wd-1"), body: wd})
	replayed("POST /v1/withdrawals", hdr)
	do(201, call{token: admin, method: "POST", path: "/v1/withdrawals", header: key("wd-2"), body: `{"account":"artist:1","amount":"1000","currency":"USD","destination":"@bank:1"}`})
	do(403, call{token: payee, method: "POST", path: "/v1/withdrawals", header: key("wd-3"), body: `{"account":"artist:2","amount":"1","currency":"USD"}`})
	do(422, call{token: payee, method: "POST", path: "/v1/withdrawals", header: key("wd-4"), body: `{"account":"artist:1","amount":"99999999","currency":"USD"}`})
	body, _ = do(200, call{token: payee, method: "GET", path: "/v1/withdrawals?account=artist:1&state=pending&limit=1"})
	do(200, call{token: reader, method: "GET", path: "/v1/withdrawals?after=" + field(body, "next")})
	do(200, call{token: payee, method: "GET", path: "/v1/withdrawals/wd-1"})
	do(404, call{token: reader, method: "GET", path: "/v1/withdrawals/nope"})
	body, _ = do(201, call{token: ingestor, method: "POST", path: "/v1/withdrawals/" + wd1 + "/post", header: key("resolve-1")})
	if strings.Contains(body, `"request_seq":0,`) || strings.Contains(body, `"created":"0001-01-01T00:00:00Z"`) {
		t.Errorf("POST /v1/withdrawals/wd-1/post = %s; want the stored withdrawal, with its request's entry and time", body)
	}
	_, hdr = do(201, call{token: ingestor, method: "POST", path: "/v1/withdrawals/" + wd1 + "/post", header: key("resolve-1")})
	replayed("POST /v1/withdrawals/{id}/post", hdr)
	do(409, call{token: ingestor, method: "POST", path: "/v1/withdrawals/" + wd1 + "/void", header: key("resolve-2")})
	do(201, call{token: payee, method: "POST", path: "/v1/withdrawals/wd-2/void", header: key("resolve-3")})
	do(404, call{token: ingestor, method: "POST", path: "/v1/withdrawals/nope/post", header: key("resolve-4")})
	do(200, call{token: reader, method: "GET", path: "/v1/withdrawals/" + wd1})

	// Payouts: a batch of the balances with a destination, bank and chain.
	do(200, call{token: admin, method: "PUT", path: "/v1/payout-destinations/artist:2", header: key("payout-dest-2"), body: `{"destination":"0x5B38Da6a701c568545dCfcB03FcB875f56beddC4"}`})
	do(400, call{token: admin, method: "PUT", path: "/v1/payout-destinations/artist:3", header: key("payout-dest-3"), body: `{"destination":"@evm:0x5b38da6a701c568545dcfcb03fcb875f56beddc4"}`})
	body, _ = do(200, call{token: reader, method: "GET", path: "/v1/payout-destinations?limit=1"})
	do(200, call{token: reader, method: "GET", path: "/v1/payout-destinations?after=" + field(body, "next")})
	do(422, call{token: admin, method: "POST", path: "/v1/payouts", header: key("payout-batch-0"), body: `{"currency":"USD","prefix":"nobody:"}`})
	do(201, call{token: admin, method: "POST", path: "/v1/payouts", header: key("payout-batch-1"), body: `{"currency":"USD","minimum":"1"}`})
	do(409, call{token: admin, method: "POST", path: "/v1/payouts", header: key("payout-batch-2"), body: `{"currency":"USD"}`})
	do(200, call{token: reader, method: "GET", path: "/v1/payouts"})
	do(200, call{token: reader, method: "GET", path: "/v1/payouts/1"})
	do(404, call{token: reader, method: "GET", path: "/v1/payouts/9"})
	do(200, call{token: reader, method: "GET", path: "/v1/payouts/1/export.json"})
	do(200, call{token: reader, method: "GET", path: "/v1/payouts/1/export.csv"})
	do(200, call{token: payee, method: "GET", path: "/v1/payouts/1/tree"})
	do(200, call{token: payee, method: "GET", path: "/v1/payouts/1/proofs/0x5B38Da6a701c568545dCfcB03FcB875f56beddC4"})
	do(404, call{token: payee, method: "GET", path: "/v1/payouts/1/proofs/0x0000000000000000000000000000000000000001"})
	do(200, call{token: admin, method: "POST", path: "/v1/payouts/1/cancel", header: key("payout-cancel-1")})
	do(409, call{token: admin, method: "POST", path: "/v1/payouts/1/publish", header: key("payout-publish-0"), body: `{}`})
	do(201, call{token: admin, method: "POST", path: "/v1/payouts", header: key("payout-batch-3"), body: `{"currency":"USD"}`})
	do(200, call{token: admin, method: "POST", path: "/v1/payouts/2/publish", header: key("payout-publish-2"), body: `{"receipt":{"contract":"0x5B38Da6a701c568545dCfcB03FcB875f56beddC4","tx":"0x1111111111111111111111111111111111111111111111111111111111111111","block":7}}`})
	do(422, call{token: ingestor, method: "POST", path: "/v1/payouts/2/results", header: key("payout-results-1"), body: `{"result":"paid","references":["payout-2-99"]}`})
	do(200, call{token: admin, method: "DELETE", path: "/v1/payout-destinations/artist:2", header: key("payout-dest-4")})

	// The market, with the seed's numbers in wei (ETH has 18 decimals).
	wei := func(eth string) string { return eth + "000000000000000000" }
	// sums adds up what an entry's postings pay each receiving account.
	sums := func(body string) map[string]string {
		t.Helper()
		var e wire.EntryJSON
		if err := json.Unmarshal([]byte(body), &e); err != nil {
			t.Fatalf("%.200s: %v", body, err)
		}
		total := map[string]money.Amount{}
		for _, p := range e.Postings {
			a, err := money.ParseUnits(string(p.Amount))
			if err != nil {
				t.Fatal(err)
			}
			if total[p.To], err = total[p.To].Add(a); err != nil {
				t.Fatal(err)
			}
		}
		out := map[string]string{}
		for k, v := range total {
			out[k] = v.String()
		}
		return out
	}
	want := func(what string, got, want map[string]string) {
		t.Helper()
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("%s: received %v; want %v", what, got, want)
		}
	}
	number := func(body, name string) (float64, bool) {
		var m map[string]any
		if err := json.Unmarshal([]byte(body), &m); err != nil {
			t.Fatalf("%.200s: %v", body, err)
		}
		n, ok := m[name].(float64)
		return n, ok
	}
	marketConfig := `{"fee_bp":250,"default_royalty_bp":1000,"treasury":"market:treasury"}`
	body, _ = do(200, call{token: reader, method: "GET", path: "/v1/market/config"})
	if body != marketConfig+"\n" {
		t.Errorf("GET /v1/market/config = %s; want the default %s", body, marketConfig)
	}
	do(200, call{token: admin, method: "PUT", path: "/v1/market/config", header: key("market-config"), body: marketConfig})
	_, hdr = do(200, call{token: admin, method: "PUT", path: "/v1/market/config", header: key("market-config"), body: marketConfig})
	replayed("PUT /v1/market/config", hdr)
	do(403, call{token: configurator, method: "PUT", path: "/v1/market/config", header: key("market-config-2"), body: marketConfig})
	do(422, call{token: admin, method: "PUT", path: "/v1/market/config", header: key("market-config-3"), body: `{"fee_bp":250,"default_royalty_bp":1000,"treasury":"@treasury"}`})
	do(200, call{token: configurator, method: "GET", path: "/v1/market/config"})

	// asset-7 belongs to artist:1, whose payee token registers it and sets
	// the seed's 7000/3000 split; asset-8 belongs to artist:2.
	asset7 := `{"id":"asset-7","owner":"artist:1"}`
	asset7First, _ := do(201, call{token: payee, method: "POST", path: "/v1/market/assets", header: key("asset-7"), body: asset7})
	_, hdr = do(201, call{token: payee, method: "POST", path: "/v1/market/assets", header: key("asset-7"), body: asset7})
	replayed("POST /v1/market/assets", hdr)
	do(409, call{token: configurator, method: "POST", path: "/v1/market/assets", header: key("asset-7-again"), body: asset7})
	do(403, call{token: payee, method: "POST", path: "/v1/market/assets", header: key("asset-8-payee"), body: `{"id":"asset-8","owner":"artist:2"}`})
	do(422, call{token: configurator, method: "POST", path: "/v1/market/assets", header: key("asset-9"), body: `{"id":"asset-9","owner":"artist:2","split":[{"account":"artist:2","share_bp":6000},{"account":"artist:3","share_bp":3000}]}`})
	do(201, call{token: configurator, method: "POST", path: "/v1/market/assets", header: key("asset-8"), body: `{"id":"asset-8","owner":"artist:2","split":[{"account":"artist:2","share_bp":5000},{"account":"artist:3","share_bp":5000}],"royalty_bp":500}`})
	split7 := `{"split":[{"account":"artist:1","share_bp":7000},{"account":"artist:2","share_bp":3000}]}`
	do(422, call{token: payee, method: "PUT", path: "/v1/market/assets/asset-7/split", header: key("split-7-bad"), body: `{"split":[{"account":"artist:1","share_bp":7000},{"account":"artist:2","share_bp":2999}]}`})
	split7First, _ := do(200, call{token: payee, method: "PUT", path: "/v1/market/assets/asset-7/split", header: key("split-7"), body: split7})
	_, hdr = do(200, call{token: payee, method: "PUT", path: "/v1/market/assets/asset-7/split", header: key("split-7"), body: split7})
	replayed("PUT /v1/market/assets/{id}/split", hdr)
	do(403, call{token: payee, method: "PUT", path: "/v1/market/assets/asset-8/split", header: key("split-8-payee"), body: split7})
	do(404, call{token: configurator, method: "PUT", path: "/v1/market/assets/nope/split", header: key("split-nope"), body: split7})
	body, _ = do(200, call{token: reader, method: "GET", path: "/v1/market/assets/asset-7"})
	if n, _ := number(body, "effective_royalty_bp"); n != 1000 || !strings.Contains(body, `"share_bp":7000`) {
		t.Errorf("GET /v1/market/assets/asset-7 = %s; want the 7000/3000 split and the default royalty 1000", body)
	}
	do(200, call{token: configurator, method: "GET", path: "/v1/market/assets/asset-8"})
	do(404, call{token: reader, method: "GET", path: "/v1/market/assets/nope"})

	// A primary sale of 1000 ETH: 2.5% to the treasury, the rest 70/30.
	sale := `{"asset":"asset-7","amount":"` + wei("1000") + `","currency":"ETH","buyer":"@buyer:1"}`
	body, _ = do(201, call{token: ingestor, method: "POST", path: "/v1/market/sales", header: key("sale-1"), body: sale})
	want("primary sale", sums(body), map[string]string{"market:treasury": wei("25"), "artist:1": "682500000000000000000", "artist:2": "292500000000000000000"})
	_, hdr = do(201, call{token: ingestor, method: "POST", path: "/v1/market/sales", header: key("sale-1"), body: sale})
	replayed("POST /v1/market/sales", hdr)
	// Then secondary: without a seller it is refused; with one, the 10%
	// default royalty goes 70/30 and the rest to the seller.
	do(422, call{token: ingestor, method: "POST", path: "/v1/market/sales", header: key("sale-2"), body: `{"asset":"asset-7","amount":"` + wei("500") + `","currency":"ETH","buyer":"@buyer:2"}`})
	body, _ = do(201, call{token: admin, method: "POST", path: "/v1/market/sales", header: key("sale-3"), body: `{"asset":"asset-7","amount":"` + wei("500") + `","currency":"ETH","buyer":"@buyer:2","seller":"collector:1"}`})
	want("secondary sale", sums(body), map[string]string{"artist:1": wei("35"), "artist:2": wei("15"), "collector:1": wei("450")})
	do(404, call{token: ingestor, method: "POST", path: "/v1/market/sales", header: key("sale-4"), body: `{"asset":"nope","amount":"1","currency":"ETH","buyer":"@buyer:2"}`})
	do(403, call{token: configurator, method: "POST", path: "/v1/market/sales", header: key("sale-5"), body: sale})

	// A royalty override, then clearing it.
	// The royalty is the configurator's (seed 004's setAssetRoyalty), not
	// the owner's, whose payee token is refused.
	do(403, call{token: payee, method: "PUT", path: "/v1/market/assets/asset-7/royalty", header: key("royalty-7-owner"), body: `{"royalty_bp":2500}`})
	royalty7First, _ := do(200, call{token: configurator, method: "PUT", path: "/v1/market/assets/asset-7/royalty", header: key("royalty-7"), body: `{"royalty_bp":2500}`})
	if n, _ := number(royalty7First, "effective_royalty_bp"); n != 2500 {
		t.Errorf("after setting the royalty to 2500: %s", royalty7First)
	}
	_, hdr = do(200, call{token: configurator, method: "PUT", path: "/v1/market/assets/asset-7/royalty", header: key("royalty-7"), body: `{"royalty_bp":2500}`})
	replayed("PUT /v1/market/assets/{id}/royalty", hdr)
	body, _ = do(200, call{token: configurator, method: "PUT", path: "/v1/market/assets/asset-7/royalty", header: key("royalty-7-clear"), body: `{"royalty_bp":null}`})
	if n, _ := number(body, "effective_royalty_bp"); n != 1000 || strings.Contains(body, `"royalty_bp"`) {
		t.Errorf("after clearing the royalty: %s; want the default 1000 and no override", body)
	}
	// The sales and the royalty's change and clearing changed the asset
	// since it was registered and its split set; each write still answers
	// as it first did.
	replayedLater(201, asset7First, call{token: payee, method: "POST", path: "/v1/market/assets", header: key("asset-7"), body: asset7})
	replayedLater(200, split7First, call{token: payee, method: "PUT", path: "/v1/market/assets/asset-7/split", header: key("split-7"), body: split7})
	replayedLater(200, royalty7First, call{token: configurator, method: "PUT", path: "/v1/market/assets/asset-7/royalty", header: key("royalty-7"), body: `{"royalty_bp":2500}`})
	do(403, call{token: payee, method: "PUT", path: "/v1/market/assets/asset-8/royalty", header: key("royalty-8-payee"), body: `{"royalty_bp":0}`})
	do(404, call{token: configurator, method: "PUT", path: "/v1/market/assets/nope/royalty", header: key("royalty-nope"), body: `{"royalty_bp":0}`})

	// A recurring license started 61 days ago with a 30-day period: one
	// period is missed, so 100 ETH base + 5 ETH penalty are due.
	start := time.Now().UTC().Add(-61 * 24 * time.Hour).Truncate(time.Second).Format(time.RFC3339)
	license := `{"id":"license-1","asset":"asset-7","currency":"ETH","base":"` + wei("100") + `","penalty":"` + wei("5") + `","period_seconds":2592000,"start":"` + start + `"}`
	do(201, call{token: payee, method: "POST", path: "/v1/market/licenses", header: key("license-1"), body: license})
	_, hdr = do(201, call{token: payee, method: "POST", path: "/v1/market/licenses", header: key("license-1"), body: license})
	replayed("POST /v1/market/licenses", hdr)
	do(409, call{token: configurator, method: "POST", path: "/v1/market/licenses", header: key("license-1-again"), body: license})
	do(422, call{token: configurator, method: "POST", path: "/v1/market/licenses", header: key("license-2"), body: `{"id":"license-2","asset":"asset-7","currency":"ETH","period_seconds":60}`})
	do(403, call{token: payee, method: "POST", path: "/v1/market/licenses", header: key("license-8-payee"), body: `{"id":"license-8","asset":"asset-8"}`})
	do(404, call{token: configurator, method: "POST", path: "/v1/market/licenses", header: key("license-nope"), body: `{"id":"license-9","asset":"nope"}`})
	do(201, call{token: configurator, method: "POST", path: "/v1/market/licenses", header: key("license-8"), body: `{"id":"license-8","asset":"asset-8","expires":"2100-01-01T00:00:00Z"}`})
	body, _ = do(200, call{token: reader, method: "GET", path: "/v1/market/licenses/license-1"})
	if field(body, "due_now") != wei("105") {
		t.Errorf("GET /v1/market/licenses/license-1 = %s; want 105 ETH due", body)
	}
	if n, _ := number(body, "missed_periods"); n != 1 {
		t.Errorf("GET /v1/market/licenses/license-1 = %s; want 1 missed period", body)
	}
	do(200, call{token: configurator, method: "GET", path: "/v1/market/licenses/license-8"})
	do(404, call{token: reader, method: "GET", path: "/v1/market/licenses/nope"})
	payLicense := `{"amount":"` + wei("105") + `","currency":"ETH","payer":"@licensee:1"}`
	do(422, call{token: ingestor, method: "POST", path: "/v1/market/licenses/license-1/payments", header: key("license-pay-0"), body: `{"amount":"` + wei("100") + `","currency":"ETH","payer":"@licensee:1"}`})
	body, _ = do(201, call{token: ingestor, method: "POST", path: "/v1/market/licenses/license-1/payments", header: key("license-pay-1"), body: payLicense})
	// 2.5% of 105 ETH is 2.625 ETH; the 102.375 ETH left go 70/30.
	want("license payment", sums(body), map[string]string{"market:treasury": "2625000000000000000", "artist:1": "71662500000000000000", "artist:2": "30712500000000000000"})
	_, hdr = do(201, call{token: ingestor, method: "POST", path: "/v1/market/licenses/license-1/payments", header: key("license-pay-1"), body: payLicense})
	replayed("POST /v1/market/licenses/{id}/payments", hdr)
	do(404, call{token: ingestor, method: "POST", path: "/v1/market/licenses/nope/payments", header: key("license-pay-2"), body: payLicense})
	do(403, call{token: configurator, method: "POST", path: "/v1/market/licenses/license-1/payments", header: key("license-pay-3"), body: payLicense})
	body, _ = do(200, call{token: reader, method: "GET", path: "/v1/market/licenses/license-1"})
	if field(body, "due_now") != wei("100") {
		t.Errorf("GET /v1/market/licenses/license-1 after paying = %s; want 100 ETH due", body)
	}
	// A license is sold like an asset.
	body, _ = do(201, call{token: ingestor, method: "POST", path: "/v1/market/sales", header: key("sale-license-8"), body: `{"license":"license-8","amount":"` + wei("10") + `","currency":"ETH","buyer":"@buyer:3"}`})
	want("license sale", sums(body), map[string]string{"market:treasury": "250000000000000000", "artist:2": "4875000000000000000", "artist:3": "4875000000000000000"})

	// Dependency streams: the seed's meeting-bot pays date-fp, which
	// passes 28.48% on to chrono-utils; epochs of an hour from an hour ago.
	depsAnchor := clock().UTC().Truncate(time.Hour).Add(-time.Hour).Format(time.RFC3339)
	depsConfig := `{"currency":"USD","anchor":"` + depsAnchor + `","epoch_seconds":3600,"base_rate":{"public":"5510","private":"5800","no_telemetry":"4000"},"sleeper_bp":0,"pass_min":"0"}`
	do(422, call{token: reader, method: "GET", path: "/v1/deps/config"})
	do(200, call{token: admin, method: "PUT", path: "/v1/deps/config", header: key("deps-config"), body: depsConfig})
	do(403, call{token: configurator, method: "PUT", path: "/v1/deps/config", header: key("deps-config-2"), body: depsConfig})
	do(422, call{token: admin, method: "PUT", path: "/v1/deps/config", header: key("deps-config-3"), body: strings.Replace(depsConfig, "Z\"", "+02:00\"", 1)})
	do(200, call{token: configurator, method: "GET", path: "/v1/deps/config"})
	bot := `{"id":"npm:meeting-bot","owner":"artist:1","treasury":"treasury:bot","visibility":"public","packages":["npm:meeting-bot"]}`
	do(201, call{token: configurator, method: "POST", path: "/v1/deps/repos", header: key("deps-bot"), body: bot})
	_, hdr = do(201, call{token: configurator, method: "POST", path: "/v1/deps/repos", header: key("deps-bot"), body: bot})
	replayed("POST /v1/deps/repos", hdr)
	do(409, call{token: configurator, method: "POST", path: "/v1/deps/repos", header: key("deps-bot-again"), body: bot})
	do(403, call{token: payee, method: "POST", path: "/v1/deps/repos", header: key("deps-self-claim"), body: `{"id":"github.com/artist/x","owner":"artist:1","treasury":"t:x","visibility":"public"}`})
	do(409, call{token: configurator, method: "POST", path: "/v1/deps/repos", header: key("deps-claim"), body: `{"id":"github.com/other/bot","owner":"o:1","treasury":"t:o","visibility":"public","packages":["npm:meeting-bot"]}`})
	do(201, call{token: configurator, method: "POST", path: "/v1/deps/repos", header: key("deps-datefp"), body: `{"id":"github.com/date-fp/date-fp","owner":"dev:cho","treasury":"treasury:datefp","visibility":"public"}`})
	do(201, call{token: configurator, method: "POST", path: "/v1/deps/repos", header: key("deps-chrono"), body: `{"id":"npm:chrono-utils","owner":"dev:eli","treasury":"treasury:chrono","visibility":"public","packages":["npm:chrono-utils"]}`})
	do(200, call{token: configurator, method: "PUT", path: "/v1/deps/repos/github.com%2Fdate-fp%2Fdate-fp/packages", header: key("deps-pkgs"), body: `{"packages":["npm:date-fp"]}`})
	do(409, call{token: configurator, method: "PUT", path: "/v1/deps/repos/npm:chrono-utils/packages", header: key("deps-pkgs-taken"), body: `{"packages":["npm:date-fp"]}`})
	do(403, call{token: payee, method: "PUT", path: "/v1/deps/repos/npm:meeting-bot/packages", header: key("deps-pkgs-payee"), body: `{"packages":["npm:date-fp"]}`})
	do(200, call{token: configurator, method: "PUT", path: "/v1/deps/repos/npm:chrono-utils/meta", header: key("deps-meta"), body: `{"stars":120,"commits_90d":14}`})
	do(200, call{token: payee, method: "PUT", path: "/v1/deps/repos/npm:meeting-bot/asset", header: key("deps-asset"), body: `{"toml":"[royalties]\nmultiplier = 1.0\npass_bp = [2848]\n\n[[contributors]]\naccount = \"dev:ana\"\nshare = 7000\n\n[[contributors]]\naccount = \"dev:ben\"\nshare = 3000\n"}`})
	do(403, call{token: payee, method: "PUT", path: "/v1/deps/repos/npm:chrono-utils/asset", header: key("deps-asset-other"), body: `{"toml":""}`})
	do(422, call{token: configurator, method: "PUT", path: "/v1/deps/repos/npm:chrono-utils/asset", header: key("deps-asset-bad"), body: `{"toml":"[royalties]\nmultiplier = 100.5\n"}`})
	do(404, call{token: configurator, method: "PUT", path: "/v1/deps/repos/nope/asset", header: key("deps-asset-nope"), body: `{"toml":""}`})
	botLock := `{"name":"package-lock.json","content":"{\"name\":\"meeting-bot\",\"lockfileVersion\":3,\"packages\":{\"\":{\"name\":\"meeting-bot\",\"dependencies\":{\"date-fp\":\"1\"}},\"node_modules/date-fp\":{\"version\":\"1.0.0\",\"dependencies\":{\"chrono-utils\":\"1\"}},\"node_modules/chrono-utils\":{\"version\":\"2.0.0\"}}}"}`
	body, _ = do(201, call{token: payee, method: "POST", path: "/v1/deps/repos/npm:meeting-bot/lockfile", header: key("deps-lock"), body: botLock})
	if !strings.Contains(body, `"deps":["npm:date-fp"]`) {
		t.Errorf("meeting-bot's graph = %s; want its one direct dependency", body)
	}
	do(201, call{token: configurator, method: "POST", path: "/v1/deps/repos/github.com%2Fdate-fp%2Fdate-fp/lockfile", header: key("deps-lock-2"), body: `{"name":"yarn.lock","content":"chrono-utils@^2:\n  version \"2.0.0\"\n"}`})
	do(400, call{token: configurator, method: "POST", path: "/v1/deps/repos/npm:chrono-utils/lockfile", header: key("deps-lock-bad"), body: `{"name":"package-lock.json","content":"{\"lockfileVersion\":3,\"packages\":[]}"}`})
	body, _ = do(200, call{token: reader, method: "GET", path: "/v1/deps/repos/npm:meeting-bot"})
	if !strings.Contains(body, `"pass_bp":[2848]`) {
		t.Errorf("GET meeting-bot = %.300s; want its asset.toml", body)
	}
	do(404, call{token: reader, method: "GET", path: "/v1/deps/repos/nope"})
	do(201, call{token: configurator, method: "POST", path: "/v1/splits", header: key("deps-fund-split"), body: `{"id":"deps-fund","unit":"bp","receivers":[{"account":"treasury:bot","share":10000}]}`})
	do(201, call{token: ingestor, method: "POST", path: "/v1/payments", header: key("deps-fund"), body: `{"from":"@sponsor","split":"deps-fund","amount":"100000","currency":"USD"}`})
	usageBody := `{"reports":[{"from":"npm:meeting-bot","to":"npm:date-fp","calls":4100000,"epoch":0,"source":"ci"}]}`
	do(201, call{token: ingestor, method: "POST", path: "/v1/deps/usage", header: key("deps-usage"), body: usageBody})
	do(400, call{token: ingestor, method: "POST", path: "/v1/deps/usage", header: key("deps-usage-neg"), body: `{"reports":[{"from":"npm:meeting-bot","to":"npm:date-fp","calls":-1,"epoch":0,"source":"ci"}]}`})
	do(400, call{token: ingestor, method: "POST", path: "/v1/deps/usage", header: key("deps-usage-self"), body: `{"reports":[{"from":"npm:meeting-bot","to":"npm:date-fp","calls":1,"epoch":0,"source":"self_report"}]}`})
	do(403, call{token: reader, method: "POST", path: "/v1/deps/usage", header: key("deps-usage-reader"), body: usageBody})
	do(409, call{token: configurator, method: "POST", path: "/v1/deps/epochs/1/open", header: key("deps-open-1")})
	depsOpened, _ := do(201, call{token: configurator, method: "POST", path: "/v1/deps/epochs/0/open", header: key("deps-open-0")})
	_, hdr = do(201, call{token: configurator, method: "POST", path: "/v1/deps/epochs/0/open", header: key("deps-open-0")})
	replayed("POST /v1/deps/epochs/{epoch}/open", hdr)
	do(201, call{token: configurator, method: "POST", path: "/v1/deps/epochs/0/close", header: key("deps-close-0")})
	do(201, call{token: configurator, method: "POST", path: "/v1/deps/epochs/1/open", header: key("deps-open-1b")})
	do(409, call{token: configurator, method: "POST", path: "/v1/deps/epochs/1/close", header: key("deps-close-early")})
	do(409, call{token: configurator, method: "POST", path: "/v1/deps/epochs/0/close", header: key("deps-close-again")})
	do(422, call{token: configurator, method: "POST", path: "/v1/deps/epochs/7/close", header: key("deps-close-never")})
	do(409, call{token: admin, method: "POST", path: "/v1/deps/epochs/1/settle", header: key("deps-settle-open")})
	do(403, call{token: configurator, method: "POST", path: "/v1/deps/epochs/0/settle", header: key("deps-settle-config")})
	do(200, call{token: admin, method: "PUT", path: "/v1/payout-destinations/dev:cho", header: key("deps-dest-cho"), body: `{"destination":"@bank:cho"}`})
	do(201, call{token: admin, method: "POST", path: "/v1/deps/epochs/0/settle", header: key("deps-settle-0")})
	_, hdr = do(201, call{token: admin, method: "POST", path: "/v1/deps/epochs/0/settle", header: key("deps-settle-0-again")})
	replayed("POST /v1/deps/epochs/{epoch}/settle", hdr)
	do(409, call{token: ingestor, method: "POST", path: "/v1/deps/usage", header: key("deps-usage-closed"), body: usageBody})
	replayedLater(201, depsOpened, call{token: configurator, method: "POST", path: "/v1/deps/epochs/0/open", header: key("deps-open-0")})
	body, _ = do(200, call{token: reader, method: "GET", path: "/v1/deps/epochs/1"})
	again, _ := do(200, call{token: reader, method: "GET", path: "/v1/deps/epochs/1"})
	if body != again || !strings.Contains(body, `"path":["github.com/date-fp/date-fp","npm:chrono-utils"]`) {
		t.Errorf("GET /v1/deps/epochs/1 = %s; want the stream through date-fp, the same bytes twice", body)
	}
	do(404, call{token: reader, method: "GET", path: "/v1/deps/epochs/9"})
	body, _ = do(200, call{token: reader, method: "GET", path: "/v1/deps/epochs/1/explain?repo=npm:chrono-utils"})
	if !strings.Contains(body, `"into":[{"payer":"npm:meeting-bot"`) {
		t.Errorf("explain chrono-utils = %.300s", body)
	}
	body, _ = do(200, call{token: reader, method: "GET", path: "/v1/deps/streams?from=npm:meeting-bot&at=" + url.QueryEscape(clock().UTC().Format(time.RFC3339))})
	if field(body, "epoch_amount") != "5510" {
		t.Errorf("streams = %.400s; want meeting-bot's 5510 in all", body)
	}
	do(400, call{token: reader, method: "GET", path: "/v1/deps/streams?at=yesterday"})
	do(200, call{token: reader, method: "GET", path: "/v1/deps/credit/dev:ana"})
	do(403, call{token: ingestor, method: "GET", path: "/v1/deps/credit/dev:ana"})

	// Revoking.
	do(403, call{token: payee, method: "POST", path: "/v1/market/licenses/license-8/revoke", header: key("revoke-8-payee")})
	revoke1First, _ := do(200, call{token: payee, method: "POST", path: "/v1/market/licenses/license-1/revoke", header: key("revoke-1")})
	if !strings.Contains(revoke1First, `"revoked":true`) {
		t.Errorf("POST /v1/market/licenses/license-1/revoke = %s; want it revoked", revoke1First)
	}
	_, hdr = do(200, call{token: payee, method: "POST", path: "/v1/market/licenses/license-1/revoke", header: key("revoke-1")})
	replayed("POST /v1/market/licenses/{id}/revoke", hdr)
	do(404, call{token: configurator, method: "POST", path: "/v1/market/licenses/nope/revoke", header: key("revoke-nope")})
	do(422, call{token: ingestor, method: "POST", path: "/v1/market/licenses/license-1/payments", header: key("license-pay-4"), body: payLicense})
	body, _ = do(200, call{token: reader, method: "GET", path: "/v1/market/licenses/license-1"})
	if strings.Contains(body, "due_now") {
		t.Errorf("GET /v1/market/licenses/license-1 after revoking = %s; want nothing due", body)
	}
	// A revoked license takes no payments but is still sold like an
	// asset; the revocation still answers as it first did, unsold.
	do(201, call{token: ingestor, method: "POST", path: "/v1/market/sales", header: key("sale-license-1"), body: `{"license":"license-1","amount":"` + wei("10") + `","currency":"ETH","buyer":"@buyer:3"}`})
	replayedLater(200, revoke1First, call{token: payee, method: "POST", path: "/v1/market/licenses/license-1/revoke", header: key("revoke-1")})

	// The collection program, with the seed's numbers in cents.
	collectionConfig := `{"fees":{"protocol_fee_bp":500,"processor_fee_bp":290,"processor_fee_fix":"0.30"},"treasury":"collection:treasury","processor":"@processor"}`
	body, _ = do(200, call{token: reader, method: "GET", path: "/v1/collection/config"})
	if body != collectionConfig+"\n" {
		t.Errorf("GET /v1/collection/config = %s; want the default %s", body, collectionConfig)
	}
	do(200, call{token: admin, method: "PUT", path: "/v1/collection/config", header: key("collection-config"), body: collectionConfig})
	_, hdr = do(200, call{token: admin, method: "PUT", path: "/v1/collection/config", header: key("collection-config"), body: collectionConfig})
	replayed("PUT /v1/collection/config", hdr)
	do(403, call{token: configurator, method: "PUT", path: "/v1/collection/config", header: key("collection-config-2"), body: collectionConfig})
	do(422, call{token: admin, method: "PUT", path: "/v1/collection/config", header: key("collection-config-3"), body: strings.Replace(collectionConfig, "collection:treasury", "@treasury", 1)})
	do(200, call{token: configurator, method: "GET", path: "/v1/collection/config"})

	song1 := `{"id":"song-1","price":"198","currency":"USD","split":[{"account":"payee-1","share_bp":5000},{"account":"payee-2","share_bp":1500},{"account":"payee-3","share_bp":3500}]}`
	do(201, call{token: configurator, method: "POST", path: "/v1/collection/tracks", header: key("track-1"), body: song1})
	_, hdr = do(201, call{token: configurator, method: "POST", path: "/v1/collection/tracks", header: key("track-1"), body: song1})
	replayed("POST /v1/collection/tracks", hdr)
	do(409, call{token: admin, method: "POST", path: "/v1/collection/tracks", header: key("track-1-again"), body: song1})
	do(201, call{token: admin, method: "POST", path: "/v1/collection/tracks", header: key("track-2"), body: `{"id":"song-2","price":"200","currency":"USD","split":[{"account":"payee-4","share_bp":10000}]}`})
	do(201, call{token: configurator, method: "POST", path: "/v1/collection/tracks", header: key("track-3"), body: `{"id":"song-3","price":"150","currency":"USD","split":[{"account":"payee-5","share_bp":10000}]}`})
	do(403, call{token: ingestor, method: "POST", path: "/v1/collection/tracks", header: key("track-4"), body: song1})
	do(422, call{token: configurator, method: "POST", path: "/v1/collection/tracks", header: key("track-5"), body: `{"id":"song-5","price":"100","currency":"USD","split":[{"account":"payee-1","share_bp":5000}]}`})
	do(422, call{token: configurator, method: "POST", path: "/v1/collection/tracks", header: key("track-6"), body: `{"id":"song-6","price":"100","currency":"XYZ","split":[{"account":"payee-1","share_bp":10000}]}`})

	bestOf := `{"id":"best-of-2026","creator":"payee-3","price":"500","currency":"USD","tracks":["song-1","song-2","song-3"]}`
	do(422, call{token: configurator, method: "POST", path: "/v1/collection/collections", header: key("cheap"), body: `{"id":"cheap","creator":"payee-3","price":"199","currency":"USD","tracks":["song-1","song-2"]}`})
	do(201, call{token: configurator, method: "POST", path: "/v1/collection/collections", header: key("best-of"), body: bestOf})
	_, hdr = do(201, call{token: configurator, method: "POST", path: "/v1/collection/collections", header: key("best-of"), body: bestOf})
	replayed("POST /v1/collection/collections", hdr)
	do(409, call{token: admin, method: "POST", path: "/v1/collection/collections", header: key("best-of-again"), body: bestOf})
	do(404, call{token: configurator, method: "POST", path: "/v1/collection/collections", header: key("no-track"), body: `{"id":"other","creator":"payee-3","price":"500","currency":"USD","tracks":["nope"]}`})
	do(403, call{token: reader, method: "POST", path: "/v1/collection/collections", header: key("best-of-reader"), body: bestOf})
	body, _ = do(200, call{token: reader, method: "GET", path: "/v1/collection/tracks/song-1"})
	if !strings.Contains(body, `"collections":["best-of-2026"]`) {
		t.Errorf("GET /v1/collection/tracks/song-1 = %s; want it in best-of-2026", body)
	}
	do(200, call{token: configurator, method: "GET", path: "/v1/collection/tracks/song-2"})
	do(404, call{token: reader, method: "GET", path: "/v1/collection/tracks/nope"})

	// Repricing: song-2 above its collection's $5.00 is refused; song-3
	// at $1.75 is not.
	do(422, call{token: configurator, method: "PUT", path: "/v1/collection/tracks/song-2/price", header: key("price-2"), body: `{"price":"501"}`})
	price3First, _ := do(200, call{token: configurator, method: "PUT", path: "/v1/collection/tracks/song-3/price", header: key("price-3"), body: `{"price":"175"}`})
	if field(price3First, "price") != "175" {
		t.Errorf("PUT /v1/collection/tracks/song-3/price = %s; want price 175", price3First)
	}
	_, hdr = do(200, call{token: admin, method: "PUT", path: "/v1/collection/tracks/song-3/price", header: key("price-3"), body: `{"price":"175"}`})
	replayed("PUT /v1/collection/tracks/{id}/price", hdr)
	do(200, call{token: configurator, method: "PUT", path: "/v1/collection/tracks/song-3/price", header: key("price-3-again"), body: `{"price":"160"}`})
	replayedLater(200, price3First, call{token: admin, method: "PUT", path: "/v1/collection/tracks/song-3/price", header: key("price-3"), body: `{"price":"175"}`})
	do(404, call{token: configurator, method: "PUT", path: "/v1/collection/tracks/nope/price", header: key("price-nope"), body: `{"price":"100"}`})
	do(403, call{token: ingestor, method: "PUT", path: "/v1/collection/tracks/song-3/price", header: key("price-ingestor"), body: `{"price":"100"}`})

	// A purchase of the collection pays song-1, first in the rotation, its
	// $1.98 by its split and the $3.02 surplus to the creator; the buyer
	// pays $5.72 with the 5% protocol fee and 2.9% + 0.30 processing.
	buy := `{"collection":"best-of-2026","currency":"USD","buyer":"@buyer:1"}`
	body, _ = do(201, call{token: ingestor, method: "POST", path: "/v1/collection/purchases", header: key("buy-1"), body: buy})
	want("collection purchase", sums(body), map[string]string{"payee-1": "99", "payee-2": "30", "payee-3": "371", "collection:treasury": "25", "@processor": "47"})
	_, hdr = do(201, call{token: ingestor, method: "POST", path: "/v1/collection/purchases", header: key("buy-1"), body: buy})
	replayed("POST /v1/collection/purchases", hdr)
	body, _ = do(200, call{token: reader, method: "GET", path: "/v1/collection/collections/best-of-2026"})
	if n, _ := number(body, "next"); n != 1 {
		t.Errorf("GET /v1/collection/collections/best-of-2026 after a purchase = %s; want next 1", body)
	}
	do(200, call{token: configurator, method: "GET", path: "/v1/collection/collections/best-of-2026"})
	do(404, call{token: reader, method: "GET", path: "/v1/collection/collections/nope"})
	do(201, call{token: admin, method: "POST", path: "/v1/collection/purchases", header: key("buy-2"), body: `{"track":"song-2","currency":"USD","buyer":"@buyer:2"}`})
	do(404, call{token: ingestor, method: "POST", path: "/v1/collection/purchases", header: key("buy-3"), body: `{"collection":"nope","currency":"USD","buyer":"@buyer:1"}`})
	do(422, call{token: ingestor, method: "POST", path: "/v1/collection/purchases", header: key("buy-4"), body: `{"collection":"best-of-2026","currency":"USDC","buyer":"@buyer:1"}`})
	do(403, call{token: configurator, method: "POST", path: "/v1/collection/purchases", header: key("buy-5"), body: buy})

	// Events.
	body, hdr = do(200, call{token: reader, method: "GET", path: "/v1/events", header: map[string]string{"Last-Event-ID": "0"}, stream: true})
	if ct := hdr.Get("Content-Type"); ct != "text/event-stream" || !strings.HasPrefix(body, "id: 1\n") {
		t.Errorf("GET /v1/events: Content-Type %q, stream %.100q; want text/event-stream from event 1", ct, body)
	}
	do(200, call{token: reader, method: "GET", path: "/v1/events?after=3", stream: true})
	do(403, call{token: payee, method: "GET", path: "/v1/events"})

	// Changing a collection: refused below its dearest track, accepted above.
	do(422, call{token: configurator, method: "PUT", path: "/v1/collection/collections/best-of-2026", header: key("coll-update-1"), body: `{"price":"150","tracks":["song-1","song-2"]}`})
	do(404, call{token: configurator, method: "PUT", path: "/v1/collection/collections/nope", header: key("coll-update-2"), body: `{"price":"600","tracks":["song-1"]}`})
	do(403, call{token: ingestor, method: "PUT", path: "/v1/collection/collections/best-of-2026", header: key("coll-update-3"), body: `{"price":"600","tracks":["song-1"]}`})
	collUpdateFirst, _ := do(200, call{token: configurator, method: "PUT", path: "/v1/collection/collections/best-of-2026", header: key("coll-update-4"), body: `{"price":"600","tracks":["song-1","song-2","song-3"]}`})
	_, hdr = do(200, call{token: configurator, method: "PUT", path: "/v1/collection/collections/best-of-2026", header: key("coll-update-4"), body: `{"price":"600","tracks":["song-1","song-2","song-3"]}`})
	if hdr.Get("Idempotent-Replayed") != "true" {
		t.Error("replaying PUT /v1/collection/collections/best-of-2026 did not say Idempotent-Replayed: true")
	}
	do(201, call{token: ingestor, method: "POST", path: "/v1/collection/purchases", header: key("buy-after-update"), body: buy})
	do(200, call{token: configurator, method: "PUT", path: "/v1/collection/collections/best-of-2026", header: key("coll-update-5"), body: `{"price":"700","tracks":["song-1","song-2","song-3"]}`})
	replayedLater(200, collUpdateFirst, call{token: configurator, method: "PUT", path: "/v1/collection/collections/best-of-2026", header: key("coll-update-4"), body: `{"price":"600","tracks":["song-1","song-2","song-3"]}`})

	// Minimum withdrawals: set, replayed, read, enforced, cleared.
	body, _ = do(200, call{token: reader, method: "GET", path: "/v1/config/withdrawal-minimums/USD"})
	if !strings.Contains(body, `"amount":"0"`) {
		t.Errorf("GET minimum before any is set = %s; want amount 0", body)
	}
	do(200, call{token: admin, method: "PUT", path: "/v1/config/withdrawal-minimums/USD", header: key("minimum-1"), body: `{"amount":"100000"}`})
	_, hdr = do(200, call{token: admin, method: "PUT", path: "/v1/config/withdrawal-minimums/USD", header: key("minimum-1"), body: `{"amount":"100000"}`})
	if hdr.Get("Idempotent-Replayed") != "true" {
		t.Error("replaying PUT /v1/config/withdrawal-minimums/USD did not say Idempotent-Replayed: true")
	}
	do(200, call{token: payee, method: "GET", path: "/v1/config/withdrawal-minimums/USD"})
	do(422, call{token: payee, method: "POST", path: "/v1/withdrawals", header: key("wd-below-minimum"), body: `{"account":"artist:1","amount":"1","currency":"USD"}`})
	do(403, call{token: configurator, method: "PUT", path: "/v1/config/withdrawal-minimums/USD", header: key("minimum-2"), body: `{"amount":"1"}`})
	do(422, call{token: admin, method: "PUT", path: "/v1/config/withdrawal-minimums/XYZ", header: key("minimum-3"), body: `{"amount":"1"}`})
	do(422, call{token: reader, method: "GET", path: "/v1/config/withdrawal-minimums/XYZ"})
	do(200, call{token: admin, method: "PUT", path: "/v1/config/withdrawal-minimums/USD", header: key("minimum-4"), body: `{"amount":"0"}`})

	// Fee sharing, against oaChain, whose signatures recover the deployer.
	// The genesis goes first, into the empty program.
	fsContract, _ := feeshare.DeriveCreate(fsDeployer, []uint64{5, 2, 1})
	fsOther, _ := feeshare.DeriveCreate(fsDeployer, []uint64{7})
	fsImported, fsImportedDeployer := feeshare.Address{0: 0x1c, 19: 3}, feeshare.Address{0: 0xd2, 19: 4}
	body, _ = do(200, call{token: reader, method: "GET", path: "/v1/feeshare/params"})
	if body != `{"enable_revenue":true,"developer_shares_bp":5000,"developer_shares":"0.5","addr_derivation_cost_create":50}`+"\n" {
		t.Errorf("GET /v1/feeshare/params = %s; want the defaults", body)
	}
	body, _ = do(200, call{token: admin, method: "GET", path: "/v1/feeshare/genesis"})
	if !strings.Contains(body, `"revenues": []`) {
		t.Errorf("GET /v1/feeshare/genesis of an empty program = %s", body)
	}
	do(403, call{token: reader, method: "GET", path: "/v1/feeshare/genesis"})
	genesisRevenue := `{"contract_address":"` + fsImported.Hex() + `","deployer_address":"` + fsImportedDeployer.Bech32() + `"}`
	genesis := `{"params":{"enable_revenue":true,"developer_shares":"0.5","addr_derivation_cost_create":50},"revenues":[` + genesisRevenue + `]}`
	do(400, call{token: admin, method: "POST", path: "/v1/feeshare/genesis", header: key("fs-genesis-twice"), body: strings.Replace(genesis, genesisRevenue, genesisRevenue+","+genesisRevenue, 1)})
	do(422, call{token: admin, method: "POST", path: "/v1/feeshare/genesis", header: key("fs-genesis-shares"), body: strings.Replace(genesis, `"0.5"`, `"2.0"`, 1)})
	do(403, call{token: configurator, method: "POST", path: "/v1/feeshare/genesis", header: key("fs-genesis-configurator"), body: genesis})
	genesisFirst, _ := do(200, call{token: admin, method: "POST", path: "/v1/feeshare/genesis", header: key("fs-genesis"), body: genesis})
	if n, _ := number(genesisFirst, "revenues"); n != 1 {
		t.Errorf("POST /v1/feeshare/genesis = %s; want 1 revenue", genesisFirst)
	}
	_, hdr = do(200, call{token: admin, method: "POST", path: "/v1/feeshare/genesis", header: key("fs-genesis"), body: genesis})
	replayed("POST /v1/feeshare/genesis", hdr)
	do(409, call{token: admin, method: "POST", path: "/v1/feeshare/genesis", header: key("fs-genesis-again"), body: genesis})

	// Parameters.
	fsParams := `{"enable_revenue":true,"developer_shares":"40%","addr_derivation_cost_create":60}`
	body, _ = do(200, call{token: admin, method: "PUT", path: "/v1/feeshare/params", header: key("fs-params"), body: fsParams})
	if n, _ := number(body, "developer_shares_bp"); n != 4000 || field(body, "developer_shares") != "0.4" {
		t.Errorf("PUT /v1/feeshare/params 40%% = %s; want 4000 bp", body)
	}
	_, hdr = do(200, call{token: admin, method: "PUT", path: "/v1/feeshare/params", header: key("fs-params"), body: fsParams})
	replayed("PUT /v1/feeshare/params", hdr)
	do(403, call{token: configurator, method: "PUT", path: "/v1/feeshare/params", header: key("fs-params-2"), body: fsParams})
	do(422, call{token: admin, method: "PUT", path: "/v1/feeshare/params", header: key("fs-params-3"), body: strings.Replace(fsParams, "40%", "1.5", 1)})
	do(200, call{token: configurator, method: "GET", path: "/v1/feeshare/params"})

	// Registering: signed by the deployer, without a token.
	exp := strconv.FormatInt(time.Now().Add(time.Hour).Unix(), 10)
	signed := func(contract, deployer, withdrawer, nonces, nonce string) string {
		b := `{"contract":"` + contract + `","deployer":"` + deployer + `"`
		if withdrawer != "" {
			b += `,"withdrawer":"` + withdrawer + `"`
		}
		if nonces != "" {
			b += `,"nonces":[` + nonces + `]`
		}
		if nonce == "" {
			return b + "}" // unsigned: an admin's
		}
		return b + `,"chain_id":"9001","expiry":"` + exp + `","nonce":"` + nonce + `","signature":"0x` + strings.Repeat("ab", 65) + `"}`
	}
	register := signed(fsContract.Hex(), fsDeployer.Bech32(), fsWithdrawer.Bech32(), `"5","2","1"`, "1")
	registerFirst, _ := do(201, call{method: "POST", path: "/v1/feeshare/register", header: key("fs-register"), body: register})
	if n, _ := number(registerFirst, "gas_cost"); n != 180 || field(registerFirst, "payee") != fsWithdrawer.Account() || field(registerFirst, "by") != "deployer" {
		t.Errorf("POST /v1/feeshare/register = %s; want gas 3 × 60, the withdrawer paid, by the deployer", registerFirst)
	}
	_, hdr = do(201, call{method: "POST", path: "/v1/feeshare/register", header: key("fs-register"), body: register})
	replayed("POST /v1/feeshare/register", hdr)
	// A dearer derivation, then the registration and the genesis replayed:
	// each answers the parameters and count of when it committed.
	do(200, call{token: admin, method: "PUT", path: "/v1/feeshare/params", header: key("fs-params-later"), body: strings.Replace(fsParams, `60`, `70`, 1)})
	replayedLater(201, registerFirst, call{method: "POST", path: "/v1/feeshare/register", header: key("fs-register"), body: register})
	replayedLater(200, genesisFirst, call{token: admin, method: "POST", path: "/v1/feeshare/genesis", header: key("fs-genesis"), body: genesis})
	do(409, call{method: "POST", path: "/v1/feeshare/register", header: key("fs-register-again"), body: register})
	do(401, call{method: "POST", path: "/v1/feeshare/register", header: key("fs-register-unsigned"), body: signed(fsContract.Hex(), fsDeployer.Hex(), "", `"5","2","1"`, "")})
	do(401, call{token: "trb_not_a_token", method: "POST", path: "/v1/feeshare/register", header: key("fs-register-unknown"), body: register})
	do(403, call{token: reader, method: "POST", path: "/v1/feeshare/register", header: key("fs-register-reader"), body: register})
	do(422, call{method: "POST", path: "/v1/feeshare/register", header: key("fs-register-chain"), body: strings.Replace(register, `"chain_id":"9001"`, `"chain_id":"1"`, 1)})
	do(422, call{method: "POST", path: "/v1/feeshare/register", header: key("fs-register-path"), body: signed(fsOther.Hex(), fsDeployer.Hex(), "", `"8"`, "9")})
	bech := fsDeployer.Bech32()
	typo := bech[:len(bech)-1] + map[bool]string{true: "q", false: "p"}[bech[len(bech)-1] != 'q']
	do(400, call{method: "POST", path: "/v1/feeshare/register", header: key("fs-register-typo"), body: strings.Replace(register, bech, typo, 1)})
	// An admin registers on the deployer's behalf, unsigned.
	body, _ = do(201, call{token: admin, method: "POST", path: "/v1/feeshare/register", header: key("fs-register-admin"), body: signed(fsOther.Hex(), fsDeployer.Hex(), "", `"7"`, "")})
	if !strings.HasPrefix(field(body, "by"), "admin:") || field(body, "payee") != fsDeployer.Account() {
		t.Errorf("an admin's registration = %s; want by admin:… and the deployer paid", body)
	}
	do(409, call{token: admin, method: "POST", path: "/v1/feeshare/register", header: key("fs-register-admin-2"), body: signed(fsContract.Hex(), fsDeployer.Hex(), "", `"5","2","1"`, "")})

	// Queries, in either address form.
	body, _ = do(200, call{token: reader, method: "GET", path: "/v1/feeshare/contracts?limit=2"})
	if n, _ := number(body, "total"); n != 3 || field(body, "next") != "2" {
		t.Errorf("GET /v1/feeshare/contracts?limit=2 = %s; want 2 of 3 and next 2", body)
	}
	do(200, call{token: configurator, method: "GET", path: "/v1/feeshare/contracts?limit=2&after=2"})
	do(200, call{token: reader, method: "GET", path: "/v1/feeshare/contracts/" + fsContract.Hex()})
	body, _ = do(200, call{token: admin, method: "GET", path: "/v1/feeshare/contracts/" + fsImported.Bech32()})
	if field(body, "by") != "genesis" {
		t.Errorf("the imported contract = %s; want by genesis", body)
	}
	do(404, call{token: reader, method: "GET", path: "/v1/feeshare/contracts/" + fsWithdrawer.Hex()})
	do(403, call{token: ingestor, method: "GET", path: "/v1/feeshare/contracts"})
	body, _ = do(200, call{token: reader, method: "GET", path: "/v1/feeshare/deployers/" + fsDeployer.Bech32() + "/contracts?limit=1"})
	if n, _ := number(body, "total"); n != 2 || field(body, "next") != "1" {
		t.Errorf("the deployer's contracts = %s; want 2 and next 1", body)
	}
	body, _ = do(200, call{token: reader, method: "GET", path: "/v1/feeshare/withdrawers/" + fsWithdrawer.Hex() + "/contracts"})
	if n, _ := number(body, "total"); n != 1 {
		t.Errorf("the withdrawer's contracts = %s; want 1", body)
	}
	body, _ = do(200, call{token: reader, method: "GET", path: "/v1/feeshare/cursor"})
	if body != `{"blocks":[]}`+"\n" {
		t.Errorf("GET /v1/feeshare/cursor before any block = %s", body)
	}

	// Updating and cancelling, signed and as an admin.
	update := signed(fsContract.Hex(), fsDeployer.Hex(), "", "", "2")
	body, _ = do(200, call{method: "POST", path: "/v1/feeshare/update", header: key("fs-update"), body: update})
	if field(body, "payee") != fsDeployer.Account() || strings.Contains(body, "withdrawer") {
		t.Errorf("POST /v1/feeshare/update without a withdrawer = %s; want the deployer paid", body)
	}
	_, hdr = do(200, call{method: "POST", path: "/v1/feeshare/update", header: key("fs-update"), body: update})
	replayed("POST /v1/feeshare/update", hdr)
	do(422, call{method: "POST", path: "/v1/feeshare/update", header: key("fs-update-self"), body: signed(fsContract.Hex(), fsDeployer.Hex(), fsDeployer.Bech32(), "", "3")})
	do(403, call{method: "POST", path: "/v1/feeshare/update", header: key("fs-update-signer"), body: signed(fsContract.Hex(), fsWithdrawer.Hex(), "", "", "4")})
	do(403, call{token: admin, method: "POST", path: "/v1/feeshare/update", header: key("fs-update-deployer"), body: signed(fsContract.Hex(), fsWithdrawer.Hex(), "", "", "")})
	do(200, call{token: admin, method: "POST", path: "/v1/feeshare/update", header: key("fs-update-admin"), body: signed(fsOther.Hex(), fsDeployer.Hex(), fsWithdrawer.Hex(), "", "")})
	cancel := signed(fsContract.Hex(), fsDeployer.Hex(), "", "", "5")
	body, _ = do(200, call{method: "POST", path: "/v1/feeshare/cancel", header: key("fs-cancel"), body: cancel})
	if !strings.Contains(body, `"cancelled":true`) {
		t.Errorf("POST /v1/feeshare/cancel = %s; want cancelled", body)
	}
	_, hdr = do(200, call{method: "POST", path: "/v1/feeshare/cancel", header: key("fs-cancel"), body: cancel})
	replayed("POST /v1/feeshare/cancel", hdr)
	do(404, call{token: reader, method: "GET", path: "/v1/feeshare/contracts/" + fsContract.Hex()})
	do(404, call{token: admin, method: "POST", path: "/v1/feeshare/cancel", header: key("fs-cancel-again"), body: signed(fsContract.Hex(), fsDeployer.Hex(), "", "", "")})
	do(404, call{token: admin, method: "POST", path: "/v1/feeshare/update", header: key("fs-update-cancelled"), body: signed(fsContract.Hex(), fsDeployer.Hex(), fsWithdrawer.Hex(), "", "")})
	do(403, call{token: configurator, method: "POST", path: "/v1/feeshare/cancel", header: key("fs-cancel-configurator"), body: signed(fsOther.Hex(), fsDeployer.Hex(), "", "", "")})
	body, _ = do(200, call{token: admin, method: "GET", path: "/v1/feeshare/genesis"})
	if !strings.Contains(body, fsOther.Hex()) || !strings.Contains(body, fsImported.Hex()) || strings.Contains(body, fsContract.Hex()) {
		t.Errorf("GET /v1/feeshare/genesis after the changes = %s; want the imported and the admin's contracts", body)
	}

	// The usage program: daily epochs from three days ago; the server's
	// clock then moves two days on to close today's epoch.
	anchor := time.Now().UTC().Truncate(24*time.Hour).AddDate(0, 0, -3)
	usageConfig := `{"currency":"USD","epoch":{"length":"day","anchor":"` + anchor.Format(time.RFC3339) + `"},"metrics":[{"name":"calls","weight_bp":7000},{"name":"users","weight_bp":3000}],` +
		`"pool":{"kind":"fixed_percentage","percent_bp":5000,"account":"usage:pool"},"formula":{"kind":"pro_rata"}}`
	body, _ = do(200, call{token: reader, method: "GET", path: "/v1/usage/config"})
	if !strings.HasPrefix(body, `{"versions":[]`) {
		t.Errorf("GET /v1/usage/config before any = %s; want no versions", body)
	}
	usageConfigFirst, _ := do(200, call{token: configurator, method: "PUT", path: "/v1/usage/config", header: key("usage-config"), body: usageConfig})
	var usageState usage.ConfigJSON
	if err := json.Unmarshal([]byte(usageConfigFirst), &usageState); err != nil || len(usageState.Versions) != 1 {
		t.Fatalf("PUT /v1/usage/config = %.300s (%v); want one version", usageConfigFirst, err)
	}
	epoch := strconv.FormatUint(usageState.Versions[0].Epoch, 10)
	_, hdr = do(200, call{token: configurator, method: "PUT", path: "/v1/usage/config", header: key("usage-config"), body: usageConfig})
	replayed("PUT /v1/usage/config", hdr)
	do(403, call{token: reader, method: "PUT", path: "/v1/usage/config", header: key("usage-config-reader"), body: usageConfig})
	do(422, call{token: admin, method: "PUT", path: "/v1/usage/config", header: key("usage-config-weights"), body: strings.Replace(usageConfig, `"weight_bp":3000`, `"weight_bp":2000`, 1)})
	do(422, call{token: admin, method: "PUT", path: "/v1/usage/config", header: key("usage-config-currency"), body: strings.Replace(usageConfig, `"USD"`, `"XYZ"`, 1)})
	do(200, call{token: admin, method: "GET", path: "/v1/usage/config"})

	// Participants.
	app1 := `{"id":"app-1","owner":"artist:1","account":"artist:1"}`
	app1First, _ := do(201, call{token: payee, method: "POST", path: "/v1/usage/participants", header: key("app-1"), body: app1})
	if !strings.Contains(app1First, `"active":true`) {
		t.Errorf("POST /v1/usage/participants = %s; want it active", app1First)
	}
	_, hdr = do(201, call{token: payee, method: "POST", path: "/v1/usage/participants", header: key("app-1"), body: app1})
	replayed("POST /v1/usage/participants", hdr)
	do(409, call{token: configurator, method: "POST", path: "/v1/usage/participants", header: key("app-1-again"), body: app1})
	do(403, call{token: payee, method: "POST", path: "/v1/usage/participants", header: key("app-2-payee"), body: `{"id":"app-2","owner":"artist:2","account":"artist:2"}`})
	do(403, call{token: ingestor, method: "POST", path: "/v1/usage/participants", header: key("app-2-ingestor"), body: `{"id":"app-2","owner":"artist:2","account":"artist:2"}`})
	do(400, call{token: configurator, method: "POST", path: "/v1/usage/participants", header: key("app-2-external"), body: `{"id":"app-2","owner":"artist:2","account":"@artist:2"}`})
	do(422, call{token: configurator, method: "POST", path: "/v1/usage/participants", header: key("app-2-pool"), body: `{"id":"app-2","owner":"artist:2","account":"usage:pool"}`})
	do(201, call{token: configurator, method: "POST", path: "/v1/usage/participants", header: key("app-2"), body: `{"id":"app-2","owner":"artist:2","account":"artist:2","split":[{"account":"artist:2","share_bp":6000},{"account":"artist:3","share_bp":4000}]}`})
	batch := `{"participants":[{"id":"app-3","owner":"artist:3","account":"artist:3"},{"id":"app-4","owner":"artist:4","account":"artist:4","category":"games"}]}`
	body, _ = do(201, call{token: admin, method: "POST", path: "/v1/usage/participants/batch", header: key("apps-3-4"), body: batch})
	if n, _ := number(body, "registered"); n != 2 {
		t.Errorf("POST /v1/usage/participants/batch = %s; want 2 registered", body)
	}
	_, hdr = do(201, call{token: admin, method: "POST", path: "/v1/usage/participants/batch", header: key("apps-3-4"), body: batch})
	replayed("POST /v1/usage/participants/batch", hdr)
	do(409, call{token: configurator, method: "POST", path: "/v1/usage/participants/batch", header: key("apps-3-4-again"), body: batch})
	do(403, call{token: payee, method: "POST", path: "/v1/usage/participants/batch", header: key("apps-payee"), body: batch})
	do(200, call{token: reader, method: "GET", path: "/v1/usage/participants/app-1"})
	do(200, call{token: configurator, method: "GET", path: "/v1/usage/participants/app-4"})
	do(404, call{token: reader, method: "GET", path: "/v1/usage/participants/nope"})
	do(403, call{token: payee, method: "GET", path: "/v1/usage/participants/app-1"})
	participantUpdate := `{"account":"artist:3","category":"tools"}`
	app3UpdateFirst, _ := do(200, call{token: configurator, method: "PUT", path: "/v1/usage/participants/app-3", header: key("app-3-update"), body: participantUpdate})
	if field(app3UpdateFirst, "category") != "tools" {
		t.Errorf("PUT /v1/usage/participants/app-3 = %s; want category tools", app3UpdateFirst)
	}
	_, hdr = do(200, call{token: configurator, method: "PUT", path: "/v1/usage/participants/app-3", header: key("app-3-update"), body: participantUpdate})
	replayed("PUT /v1/usage/participants/{id}", hdr)
	do(200, call{token: payee, method: "PUT", path: "/v1/usage/participants/app-1", header: key("app-1-update"), body: `{"account":"artist:1","category":"games"}`})
	do(200, call{token: configurator, method: "PUT", path: "/v1/usage/participants/app-3", header: key("app-3-update-2"), body: `{"account":"artist:3","category":"games"}`})
	replayedLater(201, app1First, call{token: payee, method: "POST", path: "/v1/usage/participants", header: key("app-1"), body: app1})
	replayedLater(200, app3UpdateFirst, call{token: configurator, method: "PUT", path: "/v1/usage/participants/app-3", header: key("app-3-update"), body: participantUpdate})
	do(403, call{token: payee, method: "PUT", path: "/v1/usage/participants/app-3", header: key("app-3-payee"), body: participantUpdate})
	do(404, call{token: configurator, method: "PUT", path: "/v1/usage/participants/nope", header: key("nope-update"), body: participantUpdate})
	do(404, call{token: configurator, method: "DELETE", path: "/v1/usage/participants/nope", header: key("nope-deregister")})
	body, _ = do(200, call{token: configurator, method: "DELETE", path: "/v1/usage/participants/app-4", header: key("app-4-deregister")})
	if !strings.Contains(body, `"active":false`) {
		t.Errorf("DELETE /v1/usage/participants/app-4 = %s; want it inactive", body)
	}
	_, hdr = do(200, call{token: configurator, method: "DELETE", path: "/v1/usage/participants/app-4", header: key("app-4-deregister")})
	replayed("DELETE /v1/usage/participants/{id}", hdr)
	do(422, call{token: admin, method: "DELETE", path: "/v1/usage/participants/app-4", header: key("app-4-deregister-again")})
	do(422, call{token: configurator, method: "PUT", path: "/v1/usage/participants/app-4", header: key("app-4-update-deregistered"), body: participantUpdate})
	body, _ = do(200, call{token: reader, method: "GET", path: "/v1/usage/participants/app-4"})
	if !strings.Contains(body, `"active":false`) {
		t.Errorf("GET /v1/usage/participants/app-4 after deregistering = %s; want it answered, inactive", body)
	}
	do(403, call{token: payee, method: "DELETE", path: "/v1/usage/participants/app-2", header: key("app-2-deregister-payee")})

	// Revenue and reports in the current epoch.
	revenue := `{"amount":"10000","currency":"USD","from":"@platform"}`
	body, _ = do(201, call{token: ingestor, method: "POST", path: "/v1/usage/revenue", header: key("usage-revenue"), body: revenue})
	want("usage revenue", sums(body), map[string]string{"usage:pool": "10000"})
	_, hdr = do(201, call{token: ingestor, method: "POST", path: "/v1/usage/revenue", header: key("usage-revenue"), body: revenue})
	replayed("POST /v1/usage/revenue", hdr)
	do(422, call{token: admin, method: "POST", path: "/v1/usage/revenue", header: key("usage-revenue-usdc"), body: `{"amount":"10000","currency":"USDC","from":"@platform"}`})
	do(403, call{token: configurator, method: "POST", path: "/v1/usage/revenue", header: key("usage-revenue-configurator"), body: revenue})
	reports := `{"epoch":` + epoch + `,"reports":[{"participant":"app-1","metric":"calls","count":700},{"participant":"app-2","metric":"calls","count":300},{"participant":"app-1","metric":"users","count":10}]}`
	body, _ = do(201, call{token: ingestor, method: "POST", path: "/v1/usage/reports", header: key("usage-reports"), body: reports})
	if n, _ := number(body, "reports"); n != 3 {
		t.Errorf("POST /v1/usage/reports = %s; want 3 reports", body)
	}
	_, hdr = do(201, call{token: ingestor, method: "POST", path: "/v1/usage/reports", header: key("usage-reports"), body: reports})
	replayed("POST /v1/usage/reports", hdr)
	report := func(participant, metric string) string {
		return `{"epoch":` + epoch + `,"reports":[{"participant":"` + participant + `","metric":"` + metric + `","count":1}]}`
	}
	do(422, call{token: ingestor, method: "POST", path: "/v1/usage/reports", header: key("usage-report-metric"), body: report("app-1", "clicks")})
	do(422, call{token: ingestor, method: "POST", path: "/v1/usage/reports", header: key("usage-report-unknown"), body: report("nope", "calls")})
	do(422, call{token: ingestor, method: "POST", path: "/v1/usage/reports", header: key("usage-report-deregistered"), body: report("app-4", "calls")})
	do(400, call{token: ingestor, method: "POST", path: "/v1/usage/reports", header: key("usage-report-twice"), body: strings.Replace(reports, `"users"`, `"calls"`, 1)})
	do(422, call{token: ingestor, method: "POST", path: "/v1/usage/reports", header: key("usage-report-future"), body: strings.Replace(report("app-1", "calls"), `"epoch":`+epoch, `"epoch":999`, 1)})
	do(403, call{token: configurator, method: "POST", path: "/v1/usage/reports", header: key("usage-report-configurator"), body: reports})

	// Closing: not before the epoch ends, then once, in order.
	closePath := "/v1/usage/epochs/" + epoch + "/close"
	do(409, call{token: configurator, method: "POST", path: closePath, header: key("usage-close-early")})
	do(404, call{token: reader, method: "GET", path: "/v1/usage/epochs/" + epoch})
	do(404, call{token: reader, method: "GET", path: "/v1/usage/epochs/" + epoch + "/statement"})
	clockAhead.Store(int64(48 * time.Hour))
	body, _ = do(201, call{token: configurator, method: "POST", path: closePath, header: key("usage-close")})
	if field(body, "pool") != "5000" || field(body, "paid") != "5000" {
		t.Errorf("POST %s = %s; want half the 10000 revenue pooled and paid", closePath, body)
	}
	_, hdr = do(201, call{token: configurator, method: "POST", path: closePath, header: key("usage-close")})
	replayed("POST /v1/usage/epochs/{epoch}/close", hdr)
	do(409, call{token: admin, method: "POST", path: closePath, header: key("usage-close-again")})
	do(409, call{token: admin, method: "POST", path: "/v1/usage/epochs/999/close", header: key("usage-close-order")})
	do(403, call{token: ingestor, method: "POST", path: closePath, header: key("usage-close-ingestor")})
	do(409, call{token: ingestor, method: "POST", path: "/v1/usage/reports", header: key("usage-report-closed"), body: report("app-1", "calls")})
	do(200, call{token: reader, method: "GET", path: "/v1/usage/epochs/" + epoch})
	do(404, call{token: configurator, method: "GET", path: "/v1/usage/epochs/999"})
	body, _ = do(200, call{token: reader, method: "GET", path: "/v1/usage/epochs/" + epoch + "/statement?participant=app-1"})
	if !strings.Contains(body, `"participant":"app-1"`) {
		t.Errorf("the statement's line of app-1 = %.300s", body)
	}
	body, _ = do(200, call{token: configurator, method: "GET", path: "/v1/usage/epochs/" + epoch + "/statement"})
	if !strings.Contains(body, `"rows":[]`) {
		t.Errorf("the statement without a participant = %.300s; want no rows", body)
	}
	do(404, call{token: reader, method: "GET", path: "/v1/usage/epochs/" + epoch + "/statement?participant=nope"})
	// The what-if: read-only, no Idempotency-Key; the same configuration
	// pays what was paid.
	body, _ = do(200, call{token: reader, method: "POST", path: "/v1/usage/epochs/" + epoch + "/simulate?participants=app-1", body: usageConfig})
	if !strings.Contains(body, `"difference":"0"`) {
		t.Errorf("the what-if under the same configuration = %.300s; want a difference of 0", body)
	}
	do(404, call{token: reader, method: "POST", path: "/v1/usage/epochs/999/simulate", body: usageConfig})
	do(403, call{token: ingestor, method: "GET", path: "/v1/usage/epochs/" + epoch})
	// The close moved the status on; the configuration still answers as
	// it first did.
	replayedLater(200, usageConfigFirst, call{token: configurator, method: "PUT", path: "/v1/usage/config", header: key("usage-config"), body: usageConfig})

	// Revoking.
	do(200, call{token: admin, method: "DELETE", path: "/v1/tokens/" + payeeID})
	do(404, call{token: admin, method: "DELETE", path: "/v1/tokens/nope"})
	do(401, call{token: payee, method: "GET", path: "/v1/accounts/artist:1"})

	for route, ok := range covered {
		if !ok {
			t.Errorf("route %s is not exercised by this test", route)
		}
	}
}
