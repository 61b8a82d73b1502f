// SPDX-License-Identifier: MIT
// Contracts the auth tests gate on: an ERC-721, an ERC-1155 and an ERC-1271 contract wallet
// (valid signature = ECDSA by its owner). Built on OpenZeppelin 5.4.0, evmVersion shanghai.
pragma solidity ^0.8.20;

import "@openzeppelin/contracts/token/ERC721/ERC721.sol";
import "@openzeppelin/contracts/token/ERC1155/ERC1155.sol";
import "@openzeppelin/contracts/interfaces/IERC1271.sol";
import "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";

contract TestNFT is ERC721 {
    constructor() ERC721("StreamGate Test Pass", "SGTP") {}

    function mint(address to, uint256 id) external {
        _mint(to, id);
    }
}

contract TestMulti is ERC1155 {
    constructor() ERC1155("") {}

    function mint(address to, uint256 id, uint256 amount) external {
        _mint(to, id, amount, "");
    }
}

contract TestWallet is IERC1271 {
    address public owner;

    constructor(address owner_) {
        owner = owner_;
    }

    function isValidSignature(bytes32 hash, bytes memory signature) external view returns (bytes4) {
        (address signer, ECDSA.RecoverError err, ) = ECDSA.tryRecover(hash, signature);
        if (err == ECDSA.RecoverError.NoError && signer == owner) return IERC1271.isValidSignature.selector;
        return 0xffffffff;
    }
}

// The two ENS calls a reverse lookup makes, nothing more: registry.resolver(node) and the
// resolver's name(node) / addr(node). Same selectors as the real ENS contracts.
contract TestENSRegistry {
    mapping(bytes32 => address) private resolvers;

    function setResolver(bytes32 node, address resolver_) external {
        resolvers[node] = resolver_;
    }

    function resolver(bytes32 node) external view returns (address) {
        return resolvers[node];
    }
}

contract TestENSResolver {
    mapping(bytes32 => string) private names;
    mapping(bytes32 => address) private addrs;

    function setName(bytes32 node, string calldata name_) external {
        names[node] = name_;
    }

    function setAddr(bytes32 node, address a) external {
        addrs[node] = a;
    }

    function name(bytes32 node) external view returns (string memory) {
        return names[node];
    }

    function addr(bytes32 node) external view returns (address) {
        return addrs[node];
    }
}
