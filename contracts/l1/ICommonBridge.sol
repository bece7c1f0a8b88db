// SPDX-License-Identifier: MIT
pragma solidity ^0.8.29;

/// @notice What the proposer asks of the bridge: to consume the privileged transactions a
/// committed batch included.
interface ICommonBridge {
    /// @notice Mark the next `count` pending privileged transactions as included; reverts unless
    /// `rollingHash` is the bridge's rolling hash after them.
    function consumePrivilegedTransactions(uint256 count, bytes32 rollingHash) external;
}
