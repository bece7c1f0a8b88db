// SPDX-License-Identifier: MIT
pragma solidity ^0.8.29;

import {Initializable} from "@openzeppelin/contracts-upgradeable/proxy/utils/Initializable.sol";
import {UUPSUpgradeable} from "@openzeppelin/contracts-upgradeable/proxy/utils/UUPSUpgradeable.sol";
import {Ownable2StepUpgradeable} from "@openzeppelin/contracts-upgradeable/access/Ownable2StepUpgradeable.sol";
import {MerkleProof} from "@openzeppelin/contracts/utils/cryptography/MerkleProof.sol";
import {ICommonBridge} from "./ICommonBridge.sol";
import {IOnChainProposer} from "./IOnChainProposer.sol";

/// @title The rollup's bridge on L1.
/// @notice ETH sent here (`deposit(l2Recipient)` or a plain transfer) becomes a privileged L2
/// transaction: the `PrivilegedTxSent` event carries it, and the bridge keeps the rolling hash
/// of every one sent so that a committed batch must include them in order. Withdrawals are paid
/// out once each, against the messages root of a verified batch.
/// @dev Behind an ERC-1967 proxy (UUPS): the owner upgrades it.
contract CommonBridge is ICommonBridge, Initializable, UUPSUpgradeable, Ownable2StepUpgradeable {
    /// @notice The L2 bridge: sender and recipient of deposits, sender of withdrawal messages.
    address public constant L2_BRIDGE = address(0xffff);
    /// @notice The admin of the L2 system contract proxies (sender of their upgrades).
    address public constant L2_PROXY_ADMIN = address(0xf000);
    /// @notice L2 gas of a deposit: `mintETH` forwards the value and, if the recipient refuses
    /// it, sends it back to L1 as a withdrawal.
    uint256 public constant DEPOSIT_GAS_LIMIT = 100_000;

    address public onChainProposer;
    /// @notice The L1 block of initialization: where the sequencer starts reading logs.
    uint256 public deployedAtBlock;
    /// @notice `rollingHashes[i]` is the rolling hash after privileged transaction `i`:
    /// keccak256(rollingHashes[i - 1] ++ hash of transaction i), from zero.
    bytes32[] public rollingHashes;
    /// @notice How many privileged transactions committed batches have included.
    uint256 public consumedCount;
    /// @notice Message ids of the withdrawals already paid out.
    mapping(uint256 => bool) public claimedMessages;

    /// @notice A privileged L2 transaction; `transactionId` is its L2 nonce.
    event PrivilegedTxSent(
        address indexed from,
        address indexed to,
        uint256 indexed transactionId,
        uint256 value,
        uint256 gasLimit,
        bytes data
    );
    event WithdrawalClaimed(uint256 indexed messageId, address indexed receiver, uint256 amount);

    modifier onlyProposer() {
        require(msg.sender == onChainProposer, "CommonBridge: caller is not the OnChainProposer");
        _;
    }

    constructor() {
        _disableInitializers();
    }

    function initialize(address owner, address proposer) external initializer {
        require(proposer != address(0), "CommonBridge: proposer is the zero address");
        __Ownable_init(owner);
        onChainProposer = proposer;
        deployedAtBlock = block.number;
    }

    /// @notice A plain transfer deposits to the sender's own L2 address.
    receive() external payable {
        deposit(msg.sender);
    }

    /// @notice Deposit `msg.value` to `l2Recipient` on L2.
    function deposit(address l2Recipient) public payable {
        require(msg.value > 0, "CommonBridge: the deposit is zero");
        require(l2Recipient != address(0), "CommonBridge: deposit to the zero address");
        _sendToL2(
            L2_BRIDGE,
            L2_BRIDGE,
            msg.value,
            DEPOSIT_GAS_LIMIT,
            abi.encodeWithSignature("mintETH(address)", l2Recipient)
        );
    }

    /// @notice Upgrade an L2 system contract proxy (a privileged transaction from its admin).
    function upgradeL2Contract(
        address l2Contract,
        address newImplementation,
        uint256 gasLimit,
        bytes calldata data
    ) external onlyOwner {
        _sendToL2(
            L2_PROXY_ADMIN,
            l2Contract,
            0,
            gasLimit,
            abi.encodeWithSignature("upgradeToAndCall(address,bytes)", newImplementation, data)
        );
    }

    function _sendToL2(address from, address to, uint256 value, uint256 gasLimit, bytes memory data)
        private
    {
        // the L2 charges at most 16 gas per calldata byte on top of 21000
        require(gasLimit >= 21000 + 16 * data.length, "CommonBridge: gas limit below intrinsic gas");
        uint256 id = rollingHashes.length;
        bytes32 txHash = keccak256(abi.encodePacked(from, to, id, value, gasLimit, keccak256(data)));
        bytes32 previous = id == 0 ? bytes32(0) : rollingHashes[id - 1];
        rollingHashes.push(keccak256(abi.encodePacked(previous, txHash)));
        emit PrivilegedTxSent(from, to, id, value, gasLimit, data);
    }

    /// @notice How many privileged transactions were ever sent.
    function privilegedCount() external view returns (uint256) {
        return rollingHashes.length;
    }

    /// @notice How many privileged transactions wait for a committed batch.
    function pendingCount() external view returns (uint256) {
        return rollingHashes.length - consumedCount;
    }

    /// @inheritdoc ICommonBridge
    function consumePrivilegedTransactions(uint256 count, bytes32 rollingHash)
        external
        onlyProposer
    {
        uint256 end = consumedCount + count;
        require(end <= rollingHashes.length, "CommonBridge: more privileged transactions than sent");
        bytes32 expected = end == 0 ? bytes32(0) : rollingHashes[end - 1];
        require(expected == rollingHash, "CommonBridge: privileged transactions do not match");
        consumedCount = end;
    }

    /// @inheritdoc ICommonBridge
    function revertConsumed(uint256 count, bytes32 rollingHash) external onlyProposer {
        require(count <= consumedCount, "CommonBridge: more privileged transactions than consumed");
        bytes32 expected = count == 0 ? bytes32(0) : rollingHashes[count - 1];
        require(expected == rollingHash, "CommonBridge: privileged transactions do not match");
        consumedCount = count;
    }

    /// @notice Pay out the withdrawal of `amount` to the caller, sent from L2 as message
    /// `messageId` of batch `batchNumber`, with the Merkle `proof` of its message.
    function claimWithdrawal(
        uint256 amount,
        uint256 batchNumber,
        uint256 messageId,
        bytes32[] calldata proof
    ) external {
        require(!claimedMessages[messageId], "CommonBridge: withdrawal already claimed");
        bytes32 root = IOnChainProposer(onChainProposer).verifiedMessagesRoot(batchNumber);
        bytes32 message = keccak256(abi.encodePacked(msg.sender, amount));
        bytes32 leaf = keccak256(abi.encodePacked(L2_BRIDGE, message, messageId));
        require(MerkleProof.verifyCalldata(proof, root, leaf), "CommonBridge: invalid withdrawal proof");
        claimedMessages[messageId] = true;
        emit WithdrawalClaimed(messageId, msg.sender, amount);
        (bool sent, ) = msg.sender.call{value: amount}("");
        require(sent, "CommonBridge: sending the withdrawal failed");
    }

    function _authorizeUpgrade(address) internal override onlyOwner {}
}
