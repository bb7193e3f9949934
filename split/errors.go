package split

import "github.com/tributary-ledger/tributary/errcode"

// Error codes returned by this package. They are stable: clients switch on
// the codes, so a code keeps its spelling and meaning once published.
var (
	// ErrEmpty: a split, or a flat allocation, has no receivers.
	ErrEmpty = errcode.New(errcode.Unprocessable, "split_empty", "split has no receivers; it needs at least one")
	// ErrReceiversMax: a split has more receivers than Limits.ReceiversMax.
	ErrReceiversMax = errcode.New(errcode.Unprocessable, "split_receivers_max", "split has too many receivers")
	// ErrReceiverInvalid: a receiver sets neither or both of Account and
	// Split, names a malformed or external account or the zero address, or
	// names a malformed split ID.
	ErrReceiverInvalid = errcode.New(errcode.Unprocessable, "split_receiver_invalid", "split receiver is invalid")
	// ErrShareZero: a share is zero; every receiver must get a share of at
	// least 1.
	ErrShareZero = errcode.New(errcode.Unprocessable, "split_share_zero", "share is zero; every share must be at least 1")
	// ErrSharesSum: basis points do not sum to exactly TotalBasisPoints.
	ErrSharesSum = errcode.New(errcode.Unprocessable, "split_shares_sum", "basis points must sum to exactly 10000")
	// ErrWeightsOverflow: shares sum to more than fits in a uint64.
	ErrWeightsOverflow = errcode.New(errcode.Unprocessable, "split_weights_overflow", "shares sum to more than 2^64-1")
	// ErrReceiverDuplicate: the same account or the same nested split appears
	// twice in one split.
	ErrReceiverDuplicate = errcode.New(errcode.Unprocessable, "split_receiver_duplicate", "split names the same receiver twice")
	// ErrIDInvalid: a split ID is empty, too long or has a disallowed byte.
	ErrIDInvalid = errcode.New(errcode.Unprocessable, "split_id_invalid", "split ID must be 1 to 64 bytes of letters, digits and . _ : -")
	// ErrIDDuplicate: two splits in one set have the same ID.
	ErrIDDuplicate = errcode.New(errcode.Unprocessable, "split_id_duplicate", "split ID is defined twice")
	// ErrUnitInvalid: a split's unit is neither BasisPoints nor Weights.
	ErrUnitInvalid = errcode.New(errcode.Unprocessable, "split_unit_invalid", "split unit must be basis points or weights")
	// ErrUnknown: a receiver names a split that is not in the set, or a set
	// is asked to allocate by a split it does not hold.
	ErrUnknown = errcode.New(errcode.Unprocessable, "split_unknown", "split is not defined")
	// ErrCycle: splits contain each other, directly or through others.
	ErrCycle = errcode.New(errcode.Unprocessable, "split_cycle", "splits contain each other in a cycle")
	// ErrDepthMax: splits nest deeper than Limits.DepthMax.
	ErrDepthMax = errcode.New(errcode.Unprocessable, "split_depth_max", "splits nest too deep")
	// ErrPartsMax: a split expands, through its nested splits, into more
	// leaf parts than Limits.PartsMax.
	ErrPartsMax = errcode.New(errcode.Unprocessable, "split_parts_max", "split expands into too many parts")
)
