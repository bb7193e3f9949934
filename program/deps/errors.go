package deps

import "github.com/tributary-ledger/tributary/errcode"

// Errors. Each is wrapped with a detail naming the field and what is
// allowed.
var (
	// ErrConfig: the program's configuration breaks a rule (an epoch
	// length, a base rate, a basis point over 10000, depth_max over 8).
	ErrConfig = errcode.New(errcode.Unprocessable, "deps_config_invalid", "dependency-streams configuration is invalid")
	// ErrNotConfigured: the program has no configuration yet.
	ErrNotConfigured = errcode.New(errcode.Unprocessable, "deps_not_configured", "dependency-streams program is not configured")
	// ErrRepoID: a repo ID or package name is malformed.
	ErrRepoID = errcode.New(errcode.Invalid, "deps_id_invalid", "repo ID or package name is invalid")
	// ErrRepoExists: a repo with this ID is linked already.
	ErrRepoExists = errcode.New(errcode.Conflict, "deps_repo_exists", "repo is linked already")
	// ErrRepoUnknown: no linked repo has this ID.
	ErrRepoUnknown = errcode.New(errcode.Unprocessable, "deps_repo_unknown", "repo is not linked")
	// ErrRepo: a repo's fields break a rule (visibility, fork_of, accounts).
	ErrRepo = errcode.New(errcode.Unprocessable, "deps_repo_invalid", "repo is invalid")
	// ErrPackageTaken: a package is mapped to another repo already.
	ErrPackageTaken = errcode.New(errcode.Conflict, "deps_package_taken", "package is mapped to another repo")
	// ErrAsset: an asset.toml is malformed or breaks a rule.
	ErrAsset = errcode.New(errcode.Unprocessable, "deps_asset_invalid", "asset.toml is invalid")
	// ErrDecimal: a multiplier or acceptance is not an exact decimal in
	// range.
	ErrDecimal = errcode.New(errcode.Unprocessable, "deps_decimal_invalid", "value is not an exact decimal in range")
	// ErrUsage: a usage report is malformed: an identity or payload
	// field, a negative or non-integer count, an unknown source.
	ErrUsage = errcode.New(errcode.Invalid, "deps_usage_invalid", "usage report is invalid")
	// ErrEpochClosed: the epoch is closed; it takes no reports and no
	// second close.
	ErrEpochClosed = errcode.New(errcode.Conflict, "deps_epoch_closed", "epoch is closed")
	// ErrEpochState: the epoch cannot do this now: opened twice, opened
	// out of order, closed before it ended or before it was opened.
	ErrEpochState = errcode.New(errcode.Conflict, "deps_epoch_state", "epoch is not in a state that allows this")
	// ErrEpochUnknown: the epoch was never opened.
	ErrEpochUnknown = errcode.New(errcode.Unprocessable, "deps_epoch_unknown", "epoch was not opened")
	// ErrRate: a stream's rate (base units per second × 10^9) does not
	// fit in 256 bits.
	ErrRate = errcode.New(errcode.Unprocessable, "deps_rate_overflow", "a stream's rate does not fit in 256 bits")
	// ErrLimit: a request is over a limit (a usage batch, the repos).
	ErrLimit = errcode.New(errcode.TooLarge, "deps_limit", "over a dependency-streams limit")
)
