// SPDX-License-Identifier: UNLICENSED
pragma solidity ^0.8.24;

/// @notice Test-only contract: emits many events per transaction, cheaply, for the indexer's
/// tests and benchmark. Its events have the shapes of the ledger's own (indexed keys and
/// addresses, amounts, a short text, a small integer and a flag).
contract Emitter {
    /// @notice A struct argument, to exercise tuple decoding.
    struct Pair {
        uint64 at;
        bytes32 what;
    }

    /// @notice Event `index` of a batch was noted for `key` by `by`.
    event Noted(
        bytes32 indexed key,
        address indexed by,
        uint256 index,
        uint256 amount,
        uint32 code,
        bool flag,
        string memo
    );

    /// @notice Something at `index` was cleared (a second event kind, to exercise topic lookup).
    event Cleared(uint256 indexed index, bytes data);

    /// @notice `tag` (its hash: an indexed string) labelled `values`, `pair` and `delta`.
    event Tagged(string indexed tag, uint256[] values, Pair pair, int8 delta);

    /// @notice Emit `count` `Noted` events (every tenth followed by a `Cleared`), numbered from
    /// `start`. Anyone may call: test-only.
    function emitMany(uint256 start, uint256 count) external {
        for (uint256 i = start; i < start + count; ++i) {
            emit Noted(bytes32(i), msg.sender, i, i * 1e18, uint32(i % 1000), i % 2 == 0, "note");
            if (i % 10 == 9) emit Cleared(i, abi.encodePacked(uint64(i)));
        }
    }

    /// @notice Emit one `Tagged`. Anyone may call: test-only.
    function tag(string calldata name, uint256[] calldata values, Pair calldata pair, int8 delta)
        external
    {
        emit Tagged(name, values, pair, delta);
    }
}
