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
/// only from verified batches. Each batch's data (its blocks, compressed: docs/l2.md) is
/// published as EIP-4844 blobs of the commit transaction, whose versioned hashes `commitBatch`
/// records (BLOBHASH); a validium deployment publishes no blobs and records a commitment to
/// the data the sequencer keeps. Either way `batchDataCommitment` is the one word a proof of
/// the batch ties to its data.
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
    /// @notice Whether batches carry a commitment to data kept off L1 rather than blobs; set
    /// by the owner before the first commit.
    bool public validium;
    /// @notice keccak256 of the batch's blob versioned hashes, or of its off-L1 data (validium).
    mapping(uint256 => bytes32) public batchDataCommitment;
    mapping(uint256 => bytes32[]) internal _batchBlobHashes;

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

    /// @notice Choose, before the first commit, whether batches publish blobs or are a validium's.
    function setValidium(bool validium_) external onlyOwner {
        require(lastCommittedBatch == 0, "OnChainProposer: batches were committed already");
        validium = validium_;
    }

    /// @notice The versioned hashes of the blobs that carried batch `batchNumber`'s data.
    function batchBlobHashes(uint256 batchNumber) external view returns (bytes32[] memory) {
        return _batchBlobHashes[batchNumber];
    }

    /// @notice Commit batch `batchNumber`: L2 blocks `firstBlock`..`lastBlock`, which included
    /// `privilegedCount` privileged transactions after the previous batch's. Its data comes as
    /// the transaction's blobs, or for a validium as `validiumDataCommitment` (zero otherwise).
    function commitBatch(
        uint256 batchNumber,
        uint256 firstBlock,
        uint256 lastBlock,
        bytes32 newStateRoot,
        bytes32 messagesRoot,
        uint256 privilegedCount,
        bytes32 privilegedRollingHash,
        bytes32 lastBlockHash,
        bytes32 validiumDataCommitment
    ) external onlySequencer {
        require(batchNumber == lastCommittedBatch + 1, "OnChainProposer: batch committed out of order");
        require(
            firstBlock == batches[batchNumber - 1].lastBlock + 1 && lastBlock >= firstBlock,
            "OnChainProposer: blocks do not follow the previous batch"
        );
        require(newStateRoot != bytes32(0), "OnChainProposer: state root is zero");
        require(lastBlockHash != bytes32(0), "OnChainProposer: last block hash is zero");
        batchDataCommitment[batchNumber] = _recordData(batchNumber, validiumDataCommitment);
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

    /// @dev The batch's data commitment: its blobs' versioned hashes (recorded) hashed, or the
    /// validium's commitment.
    function _recordData(uint256 batchNumber, bytes32 validiumDataCommitment) internal returns (bytes32) {
        if (validium) {
            require(blobhash(0) == bytes32(0), "OnChainProposer: a validium commit carries no blobs");
            require(validiumDataCommitment != bytes32(0), "OnChainProposer: data commitment is zero");
            return validiumDataCommitment;
        }
        require(validiumDataCommitment == bytes32(0), "OnChainProposer: not a validium");
        bytes32[] storage hashes = _batchBlobHashes[batchNumber];
        for (uint256 i = 0; blobhash(i) != bytes32(0); i++) {
            hashes.push(blobhash(i));
        }
        require(hashes.length > 0, "OnChainProposer: the commit carries no blobs");
        return keccak256(abi.encodePacked(hashes));
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
