// SPDX-License-Identifier: MIT
pragma solidity ^0.8.29;

/// @notice What the bridge asks of the proposer: the messages root of a verified batch.
interface IOnChainProposer {
    /// @notice The L2-to-L1 messages root of batch `batchNumber`; reverts unless it is verified.
    function verifiedMessagesRoot(uint256 batchNumber) external view returns (bytes32);
}
