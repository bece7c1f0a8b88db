// SPDX-License-Identifier: MIT
pragma solidity ^0.8.29;

interface IL2ToL1Messenger {
    /// @notice Send `data` to L1 as a message from the caller.
    function sendMessageToL1(bytes32 data) external;
}
