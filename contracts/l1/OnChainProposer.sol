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
/// as consumed). Withdrawals are claimed only from verified batches. Each batch's data (its blocks, compressed: docs/l2.md) is
/// published as EIP-4844 blobs of the commit transaction, whose versioned hashes `commitBatch`
/// records (BLOBHASH); a validium deployment publishes no blobs and records a commitment to
/// the data the sequencer keeps. Either way `batchDataCommitment` is the one word a proof of
/// the batch ties to its data. A committed batch becomes verified by `verifyBatch`, in order,
/// once every proof type the deployment requires checks against the batch's public inputs
/// (built here from what was committed, its data commitment included), so a batch whose
/// proofs do not match blocks every batch after it until `revertBatches` replaces it.
/// @dev Proof types (bit i of `requiredProofs`, `proofs[i]` of `verifyBatch`): 0 exec (the
/// public inputs the sequencer's stateless re-execution produced, accepted only from the
/// sequencer: a development backend), 1 attested (a secp256k1 signature of
/// keccak256(public inputs) by a registered attester, the shape of a TEE). Behind an ERC-1967
/// proxy (UUPS): the owner upgrades it.
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
    event AttesterSet(address indexed attester, bool allowed);
    event BatchesReverted(uint256 indexed fromBatch);

    uint256 public constant EXEC_PROOF = 0;
    uint256 public constant ATTESTED_PROOF = 1;
    uint256 public constant PROOF_TYPES = 2;
    /// @notice Bit i set: `verifyBatch` requires a valid proof of type i.
    uint256 public requiredProofs;
    /// @notice The L2's chain id (the first word of the public inputs).
    uint256 public l2ChainId;
    /// @notice Signers whose attestations `verifyBatch` accepts.
    mapping(address => bool) public attesters;

    modifier onlySequencer() {
        require(msg.sender == sequencer, "OnChainProposer: caller is not the sequencer");
        _;
    }

    constructor() {
        _disableInitializers();
    }

    function initialize(
        address owner,
        address sequencer_,
        address bridge_,
        bytes32 genesisStateRoot,
        uint256 l2ChainId_,
        uint256 requiredProofs_,
        address[] calldata attesters_
    ) external initializer {
        require(bridge_ != address(0), "OnChainProposer: bridge is the zero address");
        require(genesisStateRoot != bytes32(0), "OnChainProposer: genesis state root is zero");
        require(
            requiredProofs_ != 0 && requiredProofs_ < (1 << PROOF_TYPES),
            "OnChainProposer: unknown proof types"
        );
        require(
            requiredProofs_ & (1 << ATTESTED_PROOF) == 0 || attesters_.length > 0,
            "OnChainProposer: attested proofs need an attester"
        );
        __Ownable_init(owner);
        sequencer = sequencer_;
        bridge = bridge_;
        batches[0].stateRoot = genesisStateRoot;
        l2ChainId = l2ChainId_;
        requiredProofs = requiredProofs_;
        for (uint256 i = 0; i < attesters_.length; i++) {
            attesters[attesters_[i]] = true;
            emit AttesterSet(attesters_[i], true);
        }
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

    /// @notice The public inputs of committed batch `batchNumber`, nine 32-byte words: the L2
    /// chain id, the batch number, the state roots before and after it, its messages root, the
    /// bridge's privileged rolling hash before and after it, its last block's hash and the
    /// commitment to its data. A prover that re-executes the batch produces the same bytes.
    function publicInputs(uint256 batchNumber) public view returns (bytes memory) {
        require(batchNumber > 0 && batchNumber <= lastCommittedBatch, "OnChainProposer: batch not committed");
        Batch storage previous = batches[batchNumber - 1];
        Batch storage batch = batches[batchNumber];
        return abi.encode(
            l2ChainId,
            batchNumber,
            previous.stateRoot,
            batch.stateRoot,
            batch.messagesRoot,
            previous.privilegedRollingHash,
            batch.privilegedRollingHash,
            batch.lastBlockHash,
            batchDataCommitment[batchNumber]
        );
    }

    /// @notice Verify the next committed batch with one proof per type (`proofs[i]` for type
    /// i; empty for a type the deployment does not require).
    function verifyBatch(uint256 batchNumber, bytes[] calldata proofs) external {
        require(batchNumber == lastVerifiedBatch + 1, "OnChainProposer: batch verified out of order");
        require(proofs.length == PROOF_TYPES, "OnChainProposer: one proof per type expected");
        bytes memory inputs = publicInputs(batchNumber);
        if (requiredProofs & (1 << EXEC_PROOF) != 0) {
            require(msg.sender == sequencer, "OnChainProposer: exec proofs only from the sequencer");
            require(
                keccak256(proofs[EXEC_PROOF]) == keccak256(inputs),
                "OnChainProposer: exec proof does not match the committed batch"
            );
        }
        if (requiredProofs & (1 << ATTESTED_PROOF) != 0) {
            require(
                attesters[_signer(keccak256(inputs), proofs[ATTESTED_PROOF])],
                "OnChainProposer: attestation is not from a registered attester"
            );
        }
        lastVerifiedBatch = batchNumber;
        emit BatchVerified(batchNumber);
    }

    /// @notice Drop the committed, unverified batches from `fromBatch` on, so the sequencer can
    /// commit them again: a batch whose proofs cannot match what was committed holds back every
    /// batch after it until it is replaced. `privilegedCountBefore` is how many privileged
    /// transactions the batches before `fromBatch` included (the bridge checks it against the
    /// previous batch's rolling hash and counts the rest as pending again).
    function revertBatches(uint256 fromBatch, uint256 privilegedCountBefore) external onlySequencer {
        require(
            fromBatch > lastVerifiedBatch && fromBatch <= lastCommittedBatch,
            "OnChainProposer: only committed, unverified batches are reverted"
        );
        ICommonBridge(bridge).revertConsumed(
            privilegedCountBefore, batches[fromBatch - 1].privilegedRollingHash
        );
        for (uint256 n = fromBatch; n <= lastCommittedBatch; n++) {
            delete batches[n];
            delete batchDataCommitment[n];
            delete _batchBlobHashes[n];
        }
        lastCommittedBatch = fromBatch - 1;
        emit BatchesReverted(fromBatch);
    }

    /// @notice Allow or disallow an attester's signatures.
    function setAttester(address attester, bool allowed) external onlyOwner {
        attesters[attester] = allowed;
        emit AttesterSet(attester, allowed);
    }

    /// @dev The signer of `digest` in a 65-byte r ++ s ++ v signature; zero when invalid.
    function _signer(bytes32 digest, bytes calldata signature) internal pure returns (address) {
        if (signature.length != 65) {
            return address(0);
        }
        bytes32 r = bytes32(signature[0:32]);
        bytes32 s = bytes32(signature[32:64]);
        uint8 v = uint8(signature[64]);
        if (uint256(s) > 0x7fffffffffffffffffffffffffffffff5d576e7357a4501ddfe92f46681b20a0) {
            return address(0);  // EIP-2: the low-s form only
        }
        return ecrecover(digest, v, r, s);
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
