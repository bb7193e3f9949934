package api

import "github.com/tributary-ledger/tributary/wire"

// The bodies the API reads and writes are declared in package wire, which
// the Go client shares without the server; these names let the server's
// code and tests say api.EntryJSON as before.
type (
	AccountJSON              = wire.AccountJSON
	Amount                   = wire.Amount
	AssetJSON                = wire.AssetJSON
	AssetRequest             = wire.AssetRequest
	BalanceJSON              = wire.BalanceJSON
	BatchItem                = wire.BatchItem
	BatchRequest             = wire.BatchRequest
	BatchResult              = wire.BatchResult
	CollectionRequest        = wire.CollectionRequest
	EntryJSON                = wire.EntryJSON
	EntryRequest             = wire.EntryRequest
	ErrorBody                = wire.ErrorBody
	ErrorJSON                = wire.ErrorJSON
	FeeshareBlockJSON        = wire.FeeshareBlockJSON
	FeeshareContractsJSON    = wire.FeeshareContractsJSON
	FeeshareCursorJSON       = wire.FeeshareCursorJSON
	FeeshareGenesisJSON      = wire.FeeshareGenesisJSON
	FeeshareParamsJSON       = wire.FeeshareParamsJSON
	FeeshareParamsRequest    = wire.FeeshareParamsRequest
	FeeshareRegistrationJSON = wire.FeeshareRegistrationJSON
	FeeshareRequestJSON      = wire.FeeshareRequestJSON
	FeeshareWriteJSON        = wire.FeeshareWriteJSON
	LicenseJSON              = wire.LicenseJSON
	LicensePaymentRequest    = wire.LicensePaymentRequest
	LicenseRequest           = wire.LicenseRequest
	MinimumJSON              = wire.MinimumJSON
	MinimumRequest           = wire.MinimumRequest
	NewTokenJSON             = wire.NewTokenJSON
	ParticipantRequest       = wire.ParticipantRequest
	ParticipantsRequest      = wire.ParticipantsRequest
	PaymentRequest           = wire.PaymentRequest
	PostingJSON              = wire.PostingJSON
	PriceRequest             = wire.PriceRequest
	RoyaltyRequest           = wire.RoyaltyRequest
	SaleRequest              = wire.SaleRequest
	SplitRequest             = wire.SplitRequest
	TokenJSON                = wire.TokenJSON
	TokenRequest             = wire.TokenRequest
	TrackRequest             = wire.TrackRequest
	UpdateCollectionRequest  = wire.UpdateCollectionRequest
	UsageConfigJSON          = wire.UsageConfigJSON
	UsageReportsJSON         = wire.UsageReportsJSON
	UsageRevenueRequest      = wire.UsageRevenueRequest
	UsageStatementJSON       = wire.UsageStatementJSON
	WithdrawalJSON           = wire.WithdrawalJSON
	WithdrawalRequest        = wire.WithdrawalRequest
)
