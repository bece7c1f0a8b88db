// SPDX-License-Identifier: MIT
pragma solidity ^0.8.29;

/// @notice What the proposer asks of the bridge: to consume the privileged transactions a
/// committed batch included, and to give them back when unverified batches are reverted.
interface ICommonBridge {
    /// @notice Mark the next `count` pending privileged transactions as included; reverts unless
    /// `rollingHash` is the bridge's rolling hash after them.
    function consumePrivilegedTransactions(uint256 count, bytes32 rollingHash) external;

    /// @notice Count only the first `count` privileged transactions as included again; reverts
    /// unless `rollingHash` is the bridge's rolling hash after them.
    function revertConsumed(uint256 count, bytes32 rollingHash) external;
}
