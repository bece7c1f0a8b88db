// SPDX-License-Identifier: MIT
// The contract of the end-to-end tests (compiled by solc-js from node_modules): storage,
// events with indexed topics, a custom-error revert, an arithmetic panic, ether in and out.
// Also the EIP-7702 delegate of the ethers test: a delegated account runs it on its own
// storage.
pragma solidity ^0.8.24;

contract Store {
    uint256 public value;
    mapping(address => uint256) public credits;

    event Stored(address indexed who, uint256 indexed previous, uint256 value);
    event Deposited(address indexed who, uint256 amount);

    error TooBig(uint256 given, uint256 limit);

    constructor(uint256 initial) payable {
        value = initial;
    }

    /// Store v (at most 1000) and log the change.
    function set(uint256 v) external {
        if (v > 1000) revert TooBig(v, 1000);
        emit Stored(msg.sender, value, v);
        value = v;
    }

    function deposit() external payable {
        credits[msg.sender] += msg.value;
        emit Deposited(msg.sender, msg.value);
    }

    /// Pay back part of a deposit; more than was deposited underflows (panic 0x11).
    function withdraw(uint256 amount) external {
        credits[msg.sender] -= amount;
        (bool ok, ) = msg.sender.call{value: amount}("");
        require(ok, "transfer failed");
    }

    function digest(bytes calldata data) external view returns (bytes32) {
        return keccak256(abi.encodePacked(data, value, address(this)));
    }

    receive() external payable {}
}
