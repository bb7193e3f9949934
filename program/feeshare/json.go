package feeshare

// ContractsJSON is a page of registrations; next is the offset of
// the following page, absent on the last.
type ContractsJSON struct {
	Contracts []RegistrationJSON `json:"contracts"`
	// How many contracts the whole list has.
	Total uint64 `json:"total" jsonschema:"minimum=0"`
	// The offset of the next page, present unless this is the last: pass it as
	// `after`.
	Next string `json:"next,omitempty" schema:"FeeshareUint"`
}

// CursorJSON is where fee distribution stands.
type CursorJSON struct {
	// The newest applied block; absent before the first.
	Head *BlockJSON `json:"head,omitempty"`
	// The applied blocks still within reorg reach (at most 256), oldest first.
	Blocks []BlockJSON `json:"blocks"`
}

// GenesisJSON answers a genesis import: the parameters and how
// many contracts are registered.
type GenesisJSON struct {
	Params ParamsJSON `json:"params"`
	// How many contracts are now registered.
	Revenues uint64 `json:"revenues" jsonschema:"minimum=0"`
}

// ParamsJSON are the parameters, the share both in basis points
// and as the seed's decimal.
type ParamsJSON struct {
	// Whether registrations, updates and cancellations are accepted (otherwise
	// 422 `feeshare_disabled`) and developers are paid.
	EnableRevenue bool `json:"enable_revenue"`
	// The developer's share of a transaction's fee, in basis points out of
	// 10000; the validators get the rest.
	DeveloperSharesBP uint64 `json:"developer_shares_bp" jsonschema:"minimum=0,maximum=10000"`
	// The same share as an exact decimal fraction of one, as the seed writes it
	// (`0.5`, `1.0`).
	DeveloperShares string `json:"developer_shares" jsonschema:"pattern=^[0-9]+\\.[0-9]{1\\,4}$"`
	// The gas a registration costs per CREATE derivation step (`nonces`).
	AddrDerivationCostCreate uint64 `json:"addr_derivation_cost_create" jsonschema:"minimum=0,maximum=1099511627776"`
}

// ParamsRequest is the body of PUT /v1/feeshare/params. Every
// field is required; developer_shares is basis points ("5000"), an exact
// decimal ("0.5") or percent ("50%").
type ParamsRequest struct {
	EnableRevenue *bool `json:"enable_revenue"`
	// The developer's share: a whole number is basis points (`5000`), a number
	// with a point is a fraction of one (`0.5`), and a number with `%` is
	// percent (`50%`). It must be a whole number of basis points from 0 to 10000
	// (otherwise 422 `feeshare_shares_invalid`).
	DeveloperShares string `json:"developer_shares" jsonschema:"minLength=1,maxLength=32"`
	// Gas per derivation step; over 2^40 is 422 `feeshare_params_invalid`.
	AddrDerivationCostCreate *uint64 `json:"addr_derivation_cost_create" jsonschema:"minimum=0,maximum=1099511627776"`
}

// RegistrationJSON is a registration, every address in both forms.
type RegistrationJSON struct {
	Contract       string `json:"contract" schema:"FeeshareHexAddress"`
	ContractBech32 string `json:"contract_bech32" schema:"FeeshareBech32Address"`
	Deployer       string `json:"deployer" schema:"FeeshareHexAddress"`
	DeployerBech32 string `json:"deployer_bech32" schema:"FeeshareBech32Address"`
	// Absent when the deployer is paid.
	Withdrawer       string `json:"withdrawer,omitempty" schema:"FeeshareHexAddress"`
	WithdrawerBech32 string `json:"withdrawer_bech32,omitempty" schema:"FeeshareBech32Address"`
	// The ledger account the developer's share goes to: the withdrawer's, else
	// the deployer's address, in lower-case hex.
	Payee string `json:"payee" jsonschema:"pattern=^0x[0-9a-f]{40}$"`
	// The derivation path given at registration; absent for registrations
	// imported from a genesis.
	Nonces []string `json:"nonces,omitempty" schema:"FeeshareUint"`
	// Who registered or last updated it: `deployer` (by signature),
	// `admin:<token id>` or `genesis`. Empty in the answer to a cancellation.
	By string `json:"by" jsonschema:"pattern=^(deployer|genesis|admin:.+)?$"`
}

// RequestJSON is the body of POST /v1/feeshare/register, update
// and cancel: the signed request's fields as strings (addresses as 0x-hex
// or evmos1… bech32; numbers in decimal, since uint64 does not fit a JSON
// number everywhere) and the deployer's 65-byte EIP-712 signature in hex.
// With an admin token the signature is left out.
type RequestJSON struct {
	// The contract; the zero address is 422 `feeshare_contract_zero`.
	Contract string `json:"contract" schema:"FeeshareAddress"`
	// The externally owned account that deployed the contract (directly or
	// through factories); the zero address is 422 `feeshare_address_zero`.
	Deployer string `json:"deployer" schema:"FeeshareAddress"`
	// Who receives the developer's share; absent (or the deployer's own address)
	// pays the deployer. An update to the deployer's own address is 422
	// `feeshare_withdrawer_is_deployer`; an update to the current withdrawer is
	// 422 `feeshare_withdrawer_unchanged`.
	Withdrawer string `json:"withdrawer,omitempty" schema:"FeeshareAddress"`
	// Register only: the CREATE nonces from the deployer to the contract,
	// through any factories (`["5","2","1"]`). Empty is 422
	// `feeshare_nonces_empty`, more than 20 is 422 `feeshare_nonces_max`, a path
	// that does not derive the contract 422 `feeshare_derivation_mismatch`.
	Nonces []string `json:"nonces,omitempty" schema:"FeeshareUint" jsonschema:"minItems=1,maxItems=20"`
	// Signed requests: the chain the server follows (otherwise 422
	// `feeshare_chain_id_mismatch`).
	ChainID string `json:"chain_id,omitempty" schema:"FeeshareUint"`
	// Signed requests: unix seconds after which the signature is refused (422
	// `feeshare_request_expired`).
	Expiry string `json:"expiry,omitempty" schema:"FeeshareUint"`
	// Signed requests: the deployer's request nonce; each is used once (409
	// `feeshare_request_replayed`).
	Nonce string `json:"nonce,omitempty" schema:"FeeshareUint"`
	// The deployer's 65-byte EIP-712 signature in hex. Without a token it is
	// required (401 `feeshare_signature_required`); one that does not recover a
	// key is 400 `feeshare_signature_invalid`, one by another key 403
	// `feeshare_signer_mismatch`.
	Signature string `json:"signature,omitempty" jsonschema:"pattern=^(0x)?[0-9a-fA-F]{130}$"`
}

// WriteJSON answers register, update and cancel.
type WriteJSON struct {
	RegistrationJSON
	GasCost   uint64 `json:"gas_cost,omitempty"` // register: nonces × addr_derivation_cost_create
	Cancelled bool   `json:"cancelled,omitempty"`
	Seq       uint64 `json:"seq"` // the journal entry
}

// BlockJSON names a block.
type BlockJSON struct {
	Number uint64 `json:"number" jsonschema:"minimum=0"`
	Hash   string `json:"hash" jsonschema:"pattern=^0x[0-9a-f]{64}$"`
}
