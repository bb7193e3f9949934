package feeshare

// ContractsJSON is a page of registrations; next is the offset of
// the following page, absent on the last.
type ContractsJSON struct {
	Contracts []RegistrationJSON `json:"contracts"`
	Total     uint64             `json:"total"`
	Next      string             `json:"next,omitempty"`
}

// CursorJSON is where fee distribution stands.
type CursorJSON struct {
	Head   *BlockJSON  `json:"head,omitempty"`
	Blocks []BlockJSON `json:"blocks"` // within reorg reach, oldest first
}

// GenesisJSON answers a genesis import: the parameters and how
// many contracts are registered.
type GenesisJSON struct {
	Params   ParamsJSON `json:"params"`
	Revenues uint64     `json:"revenues"`
}

// ParamsJSON are the parameters, the share both in basis points
// and as the seed's decimal.
type ParamsJSON struct {
	EnableRevenue            bool   `json:"enable_revenue"`
	DeveloperSharesBP        uint64 `json:"developer_shares_bp"`
	DeveloperShares          string `json:"developer_shares"`
	AddrDerivationCostCreate uint64 `json:"addr_derivation_cost_create"`
}

// ParamsRequest is the body of PUT /v1/feeshare/params. Every
// field is required; developer_shares is basis points ("5000"), an exact
// decimal ("0.5") or percent ("50%").
type ParamsRequest struct {
	EnableRevenue            *bool   `json:"enable_revenue"`
	DeveloperShares          string  `json:"developer_shares"`
	AddrDerivationCostCreate *uint64 `json:"addr_derivation_cost_create"`
}

// RegistrationJSON is a registration, every address in both forms.
type RegistrationJSON struct {
	Contract         string   `json:"contract"`
	ContractBech32   string   `json:"contract_bech32"`
	Deployer         string   `json:"deployer"`
	DeployerBech32   string   `json:"deployer_bech32"`
	Withdrawer       string   `json:"withdrawer,omitempty"`
	WithdrawerBech32 string   `json:"withdrawer_bech32,omitempty"`
	Payee            string   `json:"payee"` // the ledger account the developer share goes to
	Nonces           []string `json:"nonces,omitempty"`
	By               string   `json:"by"`
}

// RequestJSON is the body of POST /v1/feeshare/register, update
// and cancel: the signed request's fields as strings (addresses as 0x-hex
// or evmos1… bech32; numbers in decimal, since uint64 does not fit a JSON
// number everywhere) and the deployer's 65-byte EIP-712 signature in hex.
// With an admin token the signature is left out.
type RequestJSON struct {
	Contract   string   `json:"contract"`
	Deployer   string   `json:"deployer"`
	Withdrawer string   `json:"withdrawer,omitempty"`
	Nonces     []string `json:"nonces,omitempty"` // register only
	ChainID    string   `json:"chain_id,omitempty"`
	Expiry     string   `json:"expiry,omitempty"` // unix seconds
	Nonce      string   `json:"nonce,omitempty"`  // the deployer's request nonce
	Signature  string   `json:"signature,omitempty"`
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
	Number uint64 `json:"number"`
	Hash   string `json:"hash"`
}
