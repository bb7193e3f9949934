// SPDX-License-Identifier: UNLICENSED
pragma solidity 0.8.37;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

/// @title A token for tests and demos only
/// @notice An ERC-20 with USDC's 6 decimals that anyone may mint: it stands
/// in for USDC on a test chain. Never deploy it where its tokens could be
/// taken for money.
contract TestToken is ERC20 {
    constructor() ERC20("Tributary Test USD", "TUSD") {}

    function decimals() public pure override returns (uint8) {
        return 6;
    }

    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }
}
