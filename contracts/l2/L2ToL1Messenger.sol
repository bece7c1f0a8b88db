// SPDX-License-Identifier: MIT
pragma solidity ^0.8.29;

import {IL2ToL1Messenger} from "./IL2ToL1Messenger.sol";

/// @title L2-to-L1 messages (at 0xfffe, behind a system contract proxy).
/// @notice Each message gets the next id; the sequencer commits the Merkle root of a batch's
/// messages (leaf: keccak256(sender ++ data ++ messageId)) to L1.
contract L2ToL1Messenger is IL2ToL1Messenger {
    uint256 public lastMessageId;

    event L1Message(address indexed sender, bytes32 indexed data, uint256 indexed messageId);

    function sendMessageToL1(bytes32 data) external {
        lastMessageId += 1;
        emit L1Message(msg.sender, data, lastMessageId);
    }
}
