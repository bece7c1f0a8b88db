// SPDX-License-Identifier: MIT
pragma solidity ^0.8.29;

import {Initializable} from "@openzeppelin/contracts-upgradeable/proxy/utils/Initializable.sol";
import {UUPSUpgradeable} from "@openzeppelin/contracts-upgradeable/proxy/utils/UUPSUpgradeable.sol";
import {Ownable2StepUpgradeable} from "@openzeppelin/contracts-upgradeable/access/Ownable2StepUpgradeable.sol";
import {ICommonBridge} from "./ICommonBridge.sol";
import {IOnChainProposer} from "./IOnChainProposer.sol";

/// @title The rollup's batches on L1.
/// @notice The sequencer commits batches of L2 blocks strictly in order: the state root after
/// them, the root of the L2-to-L1 messages they sent and the bridge's rolling hash after the
/// privileged transactions they included (checked against the bridge, which then counts them
/// as consumed). A committed batch becomes verified by `verifyBatch`; withdrawals are claimed
/// only from verified batches.
/// @dev `verifyBatch` is an owner-only stand-in: proof verification replaces it. Behind an
/// ERC-1967 proxy (UUPS): the owner upgrades it.
contract OnChainProposer is IOnChainProposer, Initializable, UUPSUpgradeable, Ownable2StepUpgradeable {
    struct Batch {
        bytes32 stateRoot;
        bytes32 messagesRoot;
        bytes32 privilegedRollingHash;
        bytes32 lastBlockHash;
        uint64 firstBlock;
        uint64 lastBlock;
    }

    address public bridge;
    /// @notice The L1 account allowed to commit batches.
    address public sequencer;
    uint256 public lastCommittedBatch;
    uint256 public lastVerifiedBatch;
    /// @notice Batch 0 is the L2 genesis (its state root).
    mapping(uint256 => Batch) public batches;

    event BatchCommitted(
        uint256 indexed batchNumber,
        bytes32 stateRoot,
        bytes32 messagesRoot,
        bytes32 privilegedRollingHash,
        uint256 privilegedCount,
        uint256 firstBlock,
        uint256 lastBlock
    );
    event BatchVerified(uint256 indexed batchNumber);

    modifier onlySequencer() {
        require(msg.sender == sequencer, "OnChainProposer: caller is not the sequencer");
        _;
    }

    constructor() {
        _disableInitializers();
    }

    function initialize(address owner, address sequencer_, address bridge_, bytes32 genesisStateRoot)
        external
        initializer
    {
        require(bridge_ != address(0), "OnChainProposer: bridge is the zero address");
        require(genesisStateRoot != bytes32(0), "OnChainProposer: genesis state root is zero");
        __Ownable_init(owner);
        sequencer = sequencer_;
        bridge = bridge_;
        batches[0].stateRoot = genesisStateRoot;
    }

    /// @notice Commit batch `batchNumber`: L2 blocks `firstBlock`..`lastBlock`, which included
    /// `privilegedCount` privileged transactions after the previous batch's.
    function commitBatch(
        uint256 batchNumber,
        uint256 firstBlock,
        uint256 lastBlock,
        bytes32 newStateRoot,
        bytes32 messagesRoot,
        uint256 privilegedCount,
        bytes32 privilegedRollingHash,
        bytes32 lastBlockHash
    ) external onlySequencer {
        require(batchNumber == lastCommittedBatch + 1, "OnChainProposer: batch committed out of order");
        require(
            firstBlock == batches[batchNumber - 1].lastBlock + 1 && lastBlock >= firstBlock,
            "OnChainProposer: blocks do not follow the previous batch"
        );
        require(newStateRoot != bytes32(0), "OnChainProposer: state root is zero");
        require(lastBlockHash != bytes32(0), "OnChainProposer: last block hash is zero");
        ICommonBridge(bridge).consumePrivilegedTransactions(privilegedCount, privilegedRollingHash);
        batches[batchNumber] = Batch(
            newStateRoot,
            messagesRoot,
            privilegedRollingHash,
            lastBlockHash,
            uint64(firstBlock),
            uint64(lastBlock)
        );
        lastCommittedBatch = batchNumber;
        emit BatchCommitted(
            batchNumber,
            newStateRoot,
            messagesRoot,
            privilegedRollingHash,
            privilegedCount,
            firstBlock,
            lastBlock
        );
    }

    /// @notice Mark the next committed batch verified (stand-in for proof verification).
    function verifyBatch(uint256 batchNumber) external onlyOwner {
        require(batchNumber == lastVerifiedBatch + 1, "OnChainProposer: batch verified out of order");
        require(batchNumber <= lastCommittedBatch, "OnChainProposer: batch not committed");
        lastVerifiedBatch = batchNumber;
        emit BatchVerified(batchNumber);
    }

    /// @inheritdoc IOnChainProposer
    function verifiedMessagesRoot(uint256 batchNumber) external view returns (bytes32) {
        require(
            batchNumber > 0 && batchNumber <= lastVerifiedBatch,
            "OnChainProposer: batch not verified"
        );
        return batches[batchNumber].messagesRoot;
    }

    function _authorizeUpgrade(address) internal override onlyOwner {}
}
