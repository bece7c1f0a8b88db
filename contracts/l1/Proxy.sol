// SPDX-License-Identifier: MIT
pragma solidity ^0.8.29;

// The ERC-1967 proxy that the L1 contracts are deployed behind (UUPS: the implementation
// authorizes upgrades). Imported here so that it is compiled with them.
import {ERC1967Proxy} from "@openzeppelin/contracts/proxy/ERC1967/ERC1967Proxy.sol";
