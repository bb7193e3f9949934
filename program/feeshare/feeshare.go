package feeshare

import (
	"math/bits"
	"strconv"
	"strings"

	"github.com/tributary-ledger/tributary/errcode"
	"github.com/tributary-ledger/tributary/ledger"
	"github.com/tributary-ledger/tributary/money"
)

// Program names the fee-share program's state and entries.
const Program = "feeshare"

// TotalBP is 100% in basis points.
const TotalBP = 10000

// Accounts. Fees come from the chain (external: it may go negative, it is
// the outside world); the developer's share goes to the withdrawer's or
// deployer's address account (Address.Account: 0x and lower-case hex); the
// rest to the validators' account. On a chain that burns the base fee, the
// burned part goes to BurnAccount, outside, so that the validators' account
// holds only what the block producers received. What a reorg takes back
// from an account that no longer holds it is owed: ReceivableAccount.
const (
	FeesAccount       = "@chain:fees"
	ValidatorsAccount = "feeshare:validators"
	BurnAccount       = "@chain:burned"
	// ReceivablePrefix starts the name of the account that records what
	// one payee owes after a chargeback (see ReceivableAccount).
	ReceivablePrefix = "@feeshare:receivable:"
)

// ReceivableAccount is the account that records what account owes: its
// balance is minus the amount a reorg reversed after account had withdrawn
// it, until the payee's next fees repay it. It is external, since the debt
// is the payee's, outside the ledger, and it may go below zero:
// "@feeshare:receivable:0x…" for a developer, "@feeshare:receivable:validators"
// for the validators.
func ReceivableAccount(account string) string {
	return ReceivablePrefix + strings.TrimPrefix(account, Program+":")
}

// What becomes of a block's base fee (Chain.BaseFee).
const (
	// BaseFeeCollected: the whole fee reaches the fee collector (Evmos; an
	// OP-stack chain such as Base, whose base fee goes to a vault), and
	// the developer's share is a share of the whole fee, as the seed has it.
	BaseFeeCollected = "collected"
	// BaseFeeBurned: baseFee × gasUsed is destroyed (Ethereum mainnet,
	// EIP-1559); only the priority fee reaches the block's producer, and
	// the developer's share is a share of that (see TxPostings).
	BaseFeeBurned = "burned"
)

// Chain is what the fee distribution needs to know of the chain besides
// its blocks: the ledger currency of its fees and what it does with the
// base fee. The zero BaseFee is BaseFeeCollected.
type Chain struct {
	Currency string `json:"currency"`
	BaseFee  string `json:"base_fee,omitempty"`
}

// Validate checks the base fee setting.
//
// Errors: ErrBaseFeeMode.
func (c Chain) Validate() error {
	switch c.BaseFee {
	case "", BaseFeeCollected, BaseFeeBurned:
		return nil
	}
	return errcode.Errorf(ErrBaseFeeMode, "base fee %.40q: want %q or %q", c.BaseFee, BaseFeeCollected, BaseFeeBurned)
}

func (c Chain) burns() bool { return c.BaseFee == BaseFeeBurned }

// Limits.
const (
	// CostCreateMax bounds addr_derivation_cost_create so that 20 steps of
	// it fit in a uint64 with room to spare.
	CostCreateMax = 1 << 40
	// sharesTextMax bounds the text of a developer share.
	sharesTextMax = 32
)

// Errors of the rules. Each condition of the seed has its own.
var (
	ErrParams              = errcode.New(errcode.Unprocessable, "feeshare_params_invalid", "fee-share parameters are invalid")
	ErrShares              = errcode.New(errcode.Unprocessable, "feeshare_shares_invalid", "developer shares must be 0 to 10000 basis points or an exact decimal 0 to 1")
	ErrDisabled            = errcode.New(errcode.Unprocessable, "feeshare_disabled", "the fee-share module is disabled")
	ErrAlreadyRegistered   = errcode.New(errcode.Conflict, "feeshare_already_registered", "the contract is registered already")
	ErrNotRegistered       = errcode.New(errcode.NotFound, "feeshare_not_registered", "the contract is not registered")
	ErrDeployerNoTx        = errcode.New(errcode.Unprocessable, "feeshare_deployer_no_account", "the deployer has sent no transaction")
	ErrDeployerIsContract  = errcode.New(errcode.Unprocessable, "feeshare_deployer_is_contract", "the deployer is a contract, not an externally owned account")
	ErrContractNoCode      = errcode.New(errcode.Unprocessable, "feeshare_contract_no_code", "the contract has no code")
	ErrDerivation          = errcode.New(errcode.Unprocessable, "feeshare_derivation_mismatch", "the contract's address does not derive from the deployer through the nonces")
	ErrContractZero        = errcode.New(errcode.Unprocessable, "feeshare_contract_zero", "the contract address is the zero address")
	ErrAddressZero         = errcode.New(errcode.Unprocessable, "feeshare_address_zero", "an address is the zero address")
	ErrWithdrawerIsDeploy  = errcode.New(errcode.Unprocessable, "feeshare_withdrawer_is_deployer", "the new withdrawer is the deployer")
	ErrWithdrawerUnchanged = errcode.New(errcode.Unprocessable, "feeshare_withdrawer_unchanged", "the contract has this withdrawer already")
	ErrNotDeployer         = errcode.New(errcode.Forbidden, "feeshare_not_deployer", "only the contract's deployer may do this")
	ErrExpired             = errcode.New(errcode.Unprocessable, "feeshare_request_expired", "the signed request has expired")
	ErrReplay              = errcode.New(errcode.Conflict, "feeshare_request_replayed", "the request nonce was used before")
	ErrAction              = errcode.New(errcode.Unprocessable, "feeshare_action_invalid", "the request's action is not register, update or cancel")
	ErrBy                  = errcode.New(errcode.Unprocessable, "feeshare_by_invalid", "the actor is not the deployer nor an admin token")
	ErrBaseFeeMode         = errcode.New(errcode.Invalid, "feeshare_base_fee_mode_invalid", "the chain's base fee setting is not collected or burned")
	ErrBelowBaseFee        = errcode.New(errcode.Unprocessable, "feeshare_price_below_base_fee", "a transaction's effective gas price is below its block's base fee")
)

// Params are the seed's parameters.
type Params struct {
	EnableRevenue            bool   `json:"enable_revenue"`
	DeveloperSharesBP        uint64 `json:"developer_shares_bp"`
	AddrDerivationCostCreate uint64 `json:"addr_derivation_cost_create"`
}

// DefaultParams are the seed's defaults: enabled, 50%, 50 gas per step.
func DefaultParams() Params {
	return Params{EnableRevenue: true, DeveloperSharesBP: 5000, AddrDerivationCostCreate: 50}
}

// Validate checks the share and the cost.
//
// Errors: ErrShares, ErrParams.
func (p Params) Validate() error {
	if p.DeveloperSharesBP > TotalBP {
		return errcode.Errorf(ErrShares, "developer_shares_bp is %d; want 0 to %d", p.DeveloperSharesBP, TotalBP)
	}
	if p.AddrDerivationCostCreate > CostCreateMax {
		return errcode.Errorf(ErrParams, "addr_derivation_cost_create is %d; at most %d is allowed", p.AddrDerivationCostCreate, uint64(CostCreateMax))
	}
	return nil
}

// GasCost is what a registration with n derivation steps costs: a flat
// AddrDerivationCostCreate per step, as the seed charges.
func (p Params) GasCost(n int) uint64 {
	hi, lo := bits.Mul64(uint64(n), p.AddrDerivationCostCreate)
	if hi != 0 {
		return ^uint64(0) // unreachable with validated params and ≤ NoncesMax steps
	}
	return lo
}

// ParseShares reads a developer share: a whole number is basis points
// ("5000" is 50%), a number with a decimal point is a fraction of one
// ("0.5", "0.0125"; at most 4 significant decimals, since a share is a
// whole number of basis points), and a number followed by % is percent
// ("50%", "12.5%").
//
// Errors: ErrShares.
func ParseShares(s string) (uint64, error) {
	if s == "" || len(s) > sharesTextMax {
		return 0, errcode.Errorf(ErrShares, "developer shares %.40q: want basis points (5000), a decimal (0.5) or percent (50%%)", s)
	}
	body, scale := s, 4 // digits after the point that make basis points
	if b, ok := strings.CutSuffix(s, "%"); ok {
		body, scale = b, 2
	} else if !strings.Contains(s, ".") {
		body, scale = s, 0
	}
	whole, frac, hasPoint := strings.Cut(body, ".")
	if whole == "" || strings.Trim(whole, "0123456789") != "" || strings.Trim(frac, "0123456789") != "" || hasPoint && frac == "" {
		return 0, errcode.Errorf(ErrShares, "developer shares %q: want basis points (5000), a decimal (0.5) or percent (50%%)", s)
	}
	frac = strings.TrimRight(frac, "0")
	if len(frac) > scale {
		return 0, errcode.Errorf(ErrShares, "developer shares %q are not a whole number of basis points", s)
	}
	digits := strings.TrimLeft(whole+frac+strings.Repeat("0", scale-len(frac)), "0")
	if len(digits) > 5 {
		return 0, errcode.Errorf(ErrShares, "developer shares %q are more than 100%%", s)
	}
	bp := uint64(0)
	if digits != "" {
		n, err := strconv.ParseUint(digits, 10, 64)
		if err != nil {
			return 0, errcode.Errorf(ErrShares, "developer shares %q: %v", s, err)
		}
		bp = n
	}
	if bp > TotalBP {
		return 0, errcode.Errorf(ErrShares, "developer shares %q are %d basis points; at most %d (100%%)", s, bp, TotalBP)
	}
	return bp, nil
}

// FormatShares writes basis points as an exact decimal fraction of one,
// the seed's sdk.Dec reading ("0.5" for 5000, "1.0" for 10000: always with
// a point, since a whole number reads as basis points).
func FormatShares(bp uint64) string {
	s := strconv.FormatUint(bp/TotalBP, 10) + "."
	f := strconv.FormatUint(bp%TotalBP, 10)
	if f = strings.TrimRight(strings.Repeat("0", 4-len(f))+f, "0"); f == "" {
		f = "0"
	}
	return s + f
}

// Registration is a registered contract: the seed's Revenue, with who
// acted (the deployer by signature, or an admin token on its behalf).
type Registration struct {
	Contract   Address  `json:"contract"`
	Deployer   Address  `json:"deployer"`
	Withdrawer *Address `json:"withdrawer,omitempty"` // nil: fees go to the deployer
	Nonces     []uint64 `json:"nonces,omitempty"`
	By         string   `json:"by"` // "deployer", "admin:<token id>" or "genesis"
	// From is the first block whose transactions the registration (as it
	// stands after its last update) applies to: one after the chain's
	// head when it was accepted. 0 for genesis, and for registrations
	// stored before this was recorded: every block.
	From uint64 `json:"from_block,omitempty"`
}

// Payee is the account of whoever receives the developer share.
func (r Registration) Payee() Address {
	if r.Withdrawer != nil {
		return *r.Withdrawer
	}
	return r.Deployer
}

// Actors recorded in a registration.
const (
	ByDeployer = "deployer"
	byAdmin    = "admin:"
	byGenesis  = "genesis"
)

// ByAdmin names an admin token acting on a deployer's behalf.
func ByAdmin(tokenID string) string { return byAdmin + tokenID }

func checkBy(by string) error {
	if by == ByDeployer || strings.HasPrefix(by, byAdmin) && len(by) > len(byAdmin) && len(by) <= 128 {
		return nil
	}
	return errcode.Errorf(ErrBy, "actor %.40q: want %q or %q and a token ID", by, ByDeployer, byAdmin)
}

// Actions of a Request.
const (
	ActionRegister = "register"
	ActionUpdate   = "update"
	ActionCancel   = "cancel"
)

// ValidateRequest is the seed's stateless validation of a message of
// req.Action (register, update or cancel).
//
// Errors: ErrAction, ErrContractZero, ErrAddressZero, ErrNoncesEmpty,
// ErrNoncesMax, ErrWithdrawerIsDeploy.
func ValidateRequest(req Request) error {
	switch req.Action {
	case ActionRegister, ActionUpdate, ActionCancel:
	default:
		return errcode.Errorf(ErrAction, "action %.40q: want %s, %s or %s", req.Action, ActionRegister, ActionUpdate, ActionCancel)
	}
	if req.Contract.IsZero() {
		return errcode.Errorf(ErrContractZero, "contract address is the zero address; want the registered contract")
	}
	if req.Deployer.IsZero() {
		return errcode.Errorf(ErrAddressZero, "deployer address is the zero address")
	}
	if req.Withdrawer != nil && req.Withdrawer.IsZero() {
		return errcode.Errorf(ErrAddressZero, "withdrawer address is the zero address; money sent there is lost (leave it empty to pay the deployer)")
	}
	switch req.Action {
	case ActionRegister:
		if len(req.Nonces) == 0 {
			return errcode.Errorf(ErrNoncesEmpty, "nonces are empty; want the CREATE nonces from the deployer to the contract")
		}
		if len(req.Nonces) > NoncesMax {
			return errcode.Errorf(ErrNoncesMax, "%d nonces given; at most %d derivation steps are allowed", len(req.Nonces), NoncesMax)
		}
	case ActionUpdate:
		// The seed refuses this statelessly for update (MsgUpdateRevenue),
		// while register quietly stores it as empty.
		if req.Withdrawer != nil && *req.Withdrawer == req.Deployer {
			return errcode.Errorf(ErrWithdrawerIsDeploy, "withdrawer %s is the deployer; leave it empty to pay the deployer", req.Withdrawer.Bech32())
		}
	}
	return nil
}

// CheckRegister checks a registration against the parameters, the
// existing registration (nil when none) and the chain's facts, in the
// seed's order, and returns what to store.
//
// Errors: ErrDisabled, ErrAlreadyRegistered, ErrDeployerNoTx,
// ErrDeployerIsContract, ErrContractNoCode, ErrDerivation, and those of
// ValidateRequest and DeriveCreate.
func CheckRegister(p Params, existing *Registration, req Request, f Facts, by string) (Registration, error) {
	if err := ValidateRequest(req); err != nil {
		return Registration{}, err
	}
	if req.Action != ActionRegister {
		return Registration{}, errcode.Errorf(ErrAction, "action is %q; a registration is %q", req.Action, ActionRegister)
	}
	if !p.EnableRevenue {
		return Registration{}, errcode.Errorf(ErrDisabled, "the fee-share module is disabled; registrations are refused")
	}
	if existing != nil {
		return Registration{}, errcode.Errorf(ErrAlreadyRegistered, "contract %s is registered already (deployer %s)", req.Contract.Hex(), existing.Deployer.Bech32())
	}
	if f.DeployerNonce == 0 {
		return Registration{}, errcode.Errorf(ErrDeployerNoTx, "deployer %s has sent no transaction (at block %d); it cannot have deployed anything", req.Deployer.Hex(), f.Head)
	}
	if f.DeployerHasCode {
		return Registration{}, errcode.Errorf(ErrDeployerIsContract, "deployer %s has code; the deployer must be an externally owned account (register through the EOA that deployed the first factory)", req.Deployer.Hex())
	}
	if !f.ContractHasCode {
		return Registration{}, errcode.Errorf(ErrContractNoCode, "contract %s has no code (at block %d); it is not deployed, or it self-destructed", req.Contract.Hex(), f.Head)
	}
	derived, err := DeriveCreate(req.Deployer, req.Nonces)
	if err != nil {
		return Registration{}, err
	}
	if derived != req.Contract {
		return Registration{}, errcode.Errorf(ErrDerivation, "deployer %s with nonces [%s] derives %s, not contract %s", req.Deployer.Hex(), FormatNonces(req.Nonces), derived.Hex(), req.Contract.Hex())
	}
	return Requested(req, by), nil
}

// Requested is the registration a register request sets, when it passes
// CheckRegister: a withdrawer equal to the deployer is stored as none.
func Requested(req Request, by string) Registration {
	reg := Registration{Contract: req.Contract, Deployer: req.Deployer, Nonces: append([]uint64(nil), req.Nonces...), By: by}
	if req.Withdrawer != nil && *req.Withdrawer != req.Deployer {
		w := *req.Withdrawer
		reg.Withdrawer = &w
	}
	return reg
}

// CheckUpdate checks a withdrawer update and returns the registration as
// it becomes. Following Evmos, an empty withdrawer pays the deployer again,
// and setting the withdrawer the contract has already is refused.
//
// Errors: ErrDisabled, ErrNotRegistered, ErrNotDeployer,
// ErrWithdrawerUnchanged, and those of ValidateRequest.
func CheckUpdate(p Params, existing *Registration, req Request, by string) (Registration, error) {
	if err := ValidateRequest(req); err != nil {
		return Registration{}, err
	}
	if req.Action != ActionUpdate {
		return Registration{}, errcode.Errorf(ErrAction, "action is %q; an update is %q", req.Action, ActionUpdate)
	}
	reg, err := checkExisting(p, existing, req)
	if err != nil {
		return Registration{}, err
	}
	var next *Address
	if req.Withdrawer != nil && *req.Withdrawer != req.Deployer {
		w := *req.Withdrawer
		next = &w
	}
	if (next == nil) == (reg.Withdrawer == nil) && (next == nil || *next == *reg.Withdrawer) {
		return Registration{}, errcode.Errorf(ErrWithdrawerUnchanged, "contract %s already pays %s", req.Contract.Hex(), reg.Payee().Bech32())
	}
	reg.Withdrawer = next
	reg.By = by
	return reg, nil
}

// CheckCancel checks a cancellation.
//
// Errors: ErrDisabled, ErrNotRegistered, ErrNotDeployer, and those of
// ValidateRequest.
func CheckCancel(p Params, existing *Registration, req Request) (Registration, error) {
	if err := ValidateRequest(req); err != nil {
		return Registration{}, err
	}
	if req.Action != ActionCancel {
		return Registration{}, errcode.Errorf(ErrAction, "action is %q; a cancellation is %q", req.Action, ActionCancel)
	}
	return checkExisting(p, existing, req)
}

func checkExisting(p Params, existing *Registration, req Request) (Registration, error) {
	if !p.EnableRevenue {
		return Registration{}, errcode.Errorf(ErrDisabled, "the fee-share module is disabled; %ss are refused", req.Action)
	}
	if existing == nil {
		return Registration{}, errcode.Errorf(ErrNotRegistered, "contract %s is not registered", req.Contract.Hex())
	}
	if existing.Deployer != req.Deployer {
		return Registration{}, errcode.Errorf(ErrNotDeployer, "contract %s was registered by deployer %s, not %s", req.Contract.Hex(), existing.Deployer.Bech32(), req.Deployer.Bech32())
	}
	return *existing, nil
}

// Split divides a transaction's fee: floor(fee × bp / 10000) to the
// developer, the rest to the validators; the two always sum to fee.
func Split(fee money.Amount, bp uint64) (developer, validators money.Amount) {
	if bp > TotalBP {
		panic("feeshare: developer share above 100%") // params are validated when set
	}
	developer, _, err := fee.MulDiv(bp, TotalBP)
	if err != nil {
		panic(err) // bp ≤ TotalBP: the quotient is at most fee
	}
	validators, err = fee.Sub(developer)
	if err != nil {
		panic(err)
	}
	return developer, validators
}

// Fee is gasUsed × effectiveGasPrice.
//
// Errors: money.ErrOverflow.
func Fee(tx Tx) (money.Amount, error) {
	fee, _, err := tx.EffectiveGasPrice.MulDiv(tx.GasUsed, 1)
	if err != nil {
		return money.Zero, errcode.Errorf(money.ErrOverflow, "tx %s: gas used %d × effective gas price %s exceeds 2^256-1: %v", tx.Hash.Hex(), tx.GasUsed, tx.EffectiveGasPrice, err)
	}
	return fee, nil
}

// Owed returns what account owes before a transaction's postings: minus
// the balance of its ReceivableAccount when that is below zero, else zero.
type Owed func(account string) (money.Amount, error)

// Burned is the part of a transaction's fee a chain of ch's kind destroys:
// gasUsed × the block's base fee when it burns the base fee, else zero.
//
// Errors: ErrBelowBaseFee (the fee is less than that: the node's receipt
// contradicts its block), money.ErrOverflow.
func Burned(ch Chain, baseFee money.Amount, tx Tx, fee money.Amount) (money.Amount, error) {
	if !ch.burns() || baseFee.IsZero() {
		return money.Zero, nil
	}
	burned, _, err := baseFee.MulDiv(tx.GasUsed, 1)
	if err != nil {
		return money.Zero, errcode.Errorf(money.ErrOverflow, "tx %s: gas used %d × base fee %s exceeds 2^256-1: %v", tx.Hash.Hex(), tx.GasUsed, baseFee, err)
	}
	if burned.Cmp(fee) > 0 {
		return money.Zero, errcode.Errorf(ErrBelowBaseFee, "tx %s paid %s per gas, below its block's base fee %s; a valid transaction pays at least the base fee", tx.Hash.Hex(), tx.EffectiveGasPrice, baseFee)
	}
	return burned, nil
}

// TxPostings returns the postings of one transaction's fee, given the
// registration of its target as of the transaction's block (nil when it
// had none), the block's base fee, and what each payee owes (nil: nothing).
//
// On a chain that burns the base fee, gasUsed × baseFee goes first to
// BurnAccount; what is left (the priority fee, all the block's producer
// received) is shared. On a chain that collects it, the whole fee is
// shared, as the seed does. Either way the share is of what the chain's
// side actually received: a share of burned wei would be paid out of the
// validators' tips, which may be smaller than it.
//
// The developer's share floor(shared × bp / 10000) goes to the payee, the
// rest to the validators, or all to the validators for a failed
// transaction, a contract creation, an unregistered target or a disabled
// module. A payee that owes (a reorg reversed fees it had withdrawn) repays
// its receivable first; only the rest is credited to it. No postings when
// the fee is zero.
//
// Errors: those of Fee, Burned and owed.
func TxPostings(p Params, ch Chain, reg *Registration, b BlockRef, baseFee money.Amount, tx Tx, owed Owed) ([]ledger.Posting, error) {
	fee, err := Fee(tx)
	if err != nil || fee.IsZero() {
		return nil, err
	}
	burned, err := Burned(ch, baseFee, tx, fee)
	if err != nil {
		return nil, err
	}
	shared, _ := fee.Sub(burned) // burned ≤ fee
	prefix := "feeshare:block " + strconv.FormatUint(b.Number, 10) + " " + b.Hash.Hex()[:18] + "… → tx " + tx.Hash.Hex()
	c := creditor{owed: owed, currency: ch.Currency}
	if !burned.IsZero() {
		c.ps = append(c.ps, ledger.Posting{From: FeesAccount, To: BurnAccount, Currency: ch.Currency, Amount: burned,
			Path: prefix + " → base fee " + baseFee.String() + " × gas " + strconv.FormatUint(tx.GasUsed, 10) + " burned"})
	}
	what := ""
	if ch.burns() {
		what = " of the priority fee"
	}
	why := ""
	switch {
	case !tx.Success:
		why = "failed"
	case tx.To == nil:
		why = "contract creation"
	case !p.EnableRevenue:
		why = "module disabled"
	case reg == nil:
		why = "unregistered target " + tx.To.Hex()
	}
	if why != "" {
		return c.credit(ValidatorsAccount, shared, prefix+" ("+why+") → all"+what+" to validators")
	}
	dev, val := Split(shared, p.DeveloperSharesBP)
	payee := reg.Payee()
	role := "deployer"
	if reg.Withdrawer != nil {
		role = "withdrawer"
	}
	if _, err := c.credit(payee.Account(), dev, prefix+" → contract "+reg.Contract.Hex()+" → developer "+FormatShares(p.DeveloperSharesBP)+what+" → "+role+" "+payee.Account()); err != nil {
		return nil, err
	}
	return c.credit(ValidatorsAccount, val, prefix+" → contract "+reg.Contract.Hex()+" → validators remainder")
}

// creditor builds a transaction's postings, netting each payee's debt
// from its credit before the rest reaches it.
type creditor struct {
	ps       []ledger.Posting
	owed     Owed
	currency string
}

// credit posts amount from the fees to account, repaying first what
// account owes. It returns every posting so far.
func (c *creditor) credit(account string, amount money.Amount, path string) ([]ledger.Posting, error) {
	if amount.IsZero() {
		return c.ps, nil
	}
	if c.owed != nil {
		debt, err := c.owed(account)
		if err != nil {
			return nil, err
		}
		if !debt.IsZero() {
			repay := amount
			if debt.Cmp(amount) < 0 {
				repay = debt
			}
			amount, _ = amount.Sub(repay)
			c.ps = append(c.ps, ledger.Posting{From: FeesAccount, To: ReceivableAccount(account), Currency: c.currency, Amount: repay,
				Path: path + " → repays what " + account + " owes (" + ReceivableAccount(account) + ")"})
		}
	}
	if !amount.IsZero() {
		c.ps = append(c.ps, ledger.Posting{From: FeesAccount, To: account, Currency: c.currency, Amount: amount, Path: path})
	}
	return c.ps, nil
}
