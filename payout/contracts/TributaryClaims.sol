// SPDX-License-Identifier: UNLICENSED
pragma solidity 0.8.37;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {MerkleProof} from "@openzeppelin/contracts/utils/cryptography/MerkleProof.sol";

/// @title Tributary cumulative claims
/// @notice Pays each address, in one ERC-20 token, what the latest root says
/// it has earned in total (its cumulative amount) less what it has already
/// claimed. The operator posts a new root with each payout batch; a payee
/// who skipped batches claims them all at once with the latest proof.
/// @dev Leaves are OpenZeppelin StandardMerkleTree leaves of
/// (address account, uint256 cumulative). Only the latest root counts, so a
/// root posted in error is replaced by the next one. token and operator are
/// storage rather than immutables so that the deployed code is the compiled
/// runtime code byte for byte, which is what Tributary checks before it
/// uses a deployed contract; nothing can change them after construction.
contract TributaryClaims {
    using SafeERC20 for IERC20;

    /// @notice The token paid out.
    IERC20 public token;
    /// @notice The only address that may post roots.
    address public operator;
    /// @notice The latest root, and the batch it was posted for.
    bytes32 public root;
    uint64 public batch;
    /// @notice What each address has claimed so far: its cumulative amount
    /// at its last claim.
    mapping(address account => uint256) public claimed;
    /// @notice The sum of every claim, so that postRoot can check funding.
    uint256 public totalClaimed;

    event RootPosted(uint64 indexed batch, bytes32 root, uint256 total);
    event Claimed(address indexed account, uint256 amount, uint256 cumulative);

    error ZeroAddress();
    error NotOperator(address caller);
    error BatchNotAfter(uint64 batch, uint64 current);
    error Underfunded(uint256 total, uint256 available);
    error InvalidProof();
    error NothingToClaim(uint256 cumulative, uint256 claimed);

    constructor(IERC20 token_, address operator_) {
        if (address(token_) == address(0) || operator_ == address(0)) revert ZeroAddress();
        token = token_;
        operator = operator_;
    }

    /// @notice Posts the root of batch number batch_, which must come after
    /// the current one. total is the sum of the tree's cumulative amounts:
    /// the contract refuses a root it could not pay in full, that is when
    /// its balance plus everything claimed so far is less than total.
    function postRoot(uint64 batch_, bytes32 root_, uint256 total) external {
        if (msg.sender != operator) revert NotOperator(msg.sender);
        if (batch_ <= batch) revert BatchNotAfter(batch_, batch);
        uint256 available = token.balanceOf(address(this)) + totalClaimed;
        if (available < total) revert Underfunded(total, available);
        root = root_;
        batch = batch_;
        emit RootPosted(batch_, root_, total);
    }

    /// @notice Pays account its cumulative amount less what it has claimed,
    /// given the proof of its leaf under the latest root. Anyone may send
    /// the claim (a relayer, the operator); the tokens always go to account.
    function claim(address account, uint256 cumulative, bytes32[] calldata proof) external returns (uint256 amount) {
        bytes32 leaf = keccak256(bytes.concat(keccak256(abi.encode(account, cumulative))));
        if (!MerkleProof.verifyCalldata(proof, root, leaf)) revert InvalidProof();
        uint256 already = claimed[account];
        if (cumulative <= already) revert NothingToClaim(cumulative, already);
        amount = cumulative - already;
        claimed[account] = cumulative;
        totalClaimed += amount;
        emit Claimed(account, amount, cumulative);
        token.safeTransfer(account, amount);
    }
}
