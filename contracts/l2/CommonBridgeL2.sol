// SPDX-License-Identifier: MIT
pragma solidity ^0.8.29;

import {IL2ToL1Messenger} from "./IL2ToL1Messenger.sol";

/// @title The rollup's bridge on L2 (at 0xffff, behind a system contract proxy).
/// @notice A deposit is a privileged transaction from this address to itself whose value the
/// sequencer mints: `mintETH` hands it to the recipient. A withdrawal burns the value and sends
/// an L2-to-L1 message that the L1 bridge pays out once the batch is verified.
contract CommonBridgeL2 {
    address public constant L1_MESSENGER = address(0xfffe);
    address public constant BURN_ADDRESS = address(0);

    event DepositProcessed(address indexed receiver, uint256 amount);
    event WithdrawalInitiated(address indexed sender, address indexed receiverOnL1, uint256 amount);

    /// @notice Hand a deposit's minted value to `to`; if `to` refuses it, send it back to `to`
    /// on L1 so that it is not lost.
    function mintETH(address to) external payable {
        require(msg.sender == address(this), "CommonBridgeL2: only deposits mint");
        (bool received, ) = to.call{value: msg.value}("");
        if (!received) {
            _withdraw(to, msg.value);
        }
        emit DepositProcessed(to, msg.value);
    }

    /// @notice Withdraw `msg.value` to `receiverOnL1` on L1.
    function withdraw(address receiverOnL1) external payable {
        require(msg.value > 0, "CommonBridgeL2: the withdrawal is zero");
        require(receiverOnL1 != address(0), "CommonBridgeL2: withdrawal to the zero address");
        _withdraw(receiverOnL1, msg.value);
    }

    function _withdraw(address receiverOnL1, uint256 amount) private {
        (bool burned, ) = BURN_ADDRESS.call{value: amount}("");
        require(burned, "CommonBridgeL2: burning the value failed");
        emit WithdrawalInitiated(msg.sender, receiverOnL1, amount);
        IL2ToL1Messenger(L1_MESSENGER).sendMessageToL1(keccak256(abi.encodePacked(receiverOnL1, amount)));
    }
}
