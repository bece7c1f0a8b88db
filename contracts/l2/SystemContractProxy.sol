// SPDX-License-Identifier: MIT
pragma solidity ^0.8.29;

import {TransparentUpgradeableProxy} from "@openzeppelin/contracts/proxy/transparent/TransparentUpgradeableProxy.sol";

/// @title The proxy of an L2 system contract, placed in the L2 genesis.
/// @notice Its runtime code goes into the genesis at the system contract's address with the
/// ERC-1967 implementation slot set; the admin is fixed to 0xf000, the sender the L1 bridge gives
/// to upgrade transactions (`CommonBridge.upgradeL2Contract`).
contract SystemContractProxy is TransparentUpgradeableProxy {
    address internal constant ADMIN = address(0xf000);

    constructor() TransparentUpgradeableProxy(address(0), address(0), "") {
        revert("SystemContractProxy: placed in the genesis, never deployed");
    }

    function _proxyAdmin() internal pure override returns (address) {
        return ADMIN;
    }
}
