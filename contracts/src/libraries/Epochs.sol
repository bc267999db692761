// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title Epochs
/// @notice The network's epoch clock: `epoch = (block.timestamp - genesis) / epochLength`. Payments,
/// Uptime, Disputes and Emissions each hold `genesis` and `epochLength` as immutables, deployed with the
/// same values, so the four contracts agree on which epoch a block belongs to.
library Epochs {
    /// @notice Shortest epoch a contract accepts (5 seconds: devnets and end-to-end tests run short epochs).
    uint64 internal constant MIN_EPOCH_LENGTH = 5 seconds;
    /// @notice Longest epoch a contract accepts.
    uint64 internal constant MAX_EPOCH_LENGTH = 30 days;

    /// @notice The epoch `timestamp` falls in. Timestamps before genesis count as epoch 0.
    /// @dev `epochLength` is never zero: every user checks it against MIN_EPOCH_LENGTH at construction.
    function at(uint64 genesis, uint64 epochLength, uint256 timestamp) internal pure returns (uint64) {
        if (timestamp <= genesis) return 0;
        // timestamp > genesis was checked above, so the subtraction cannot underflow; the quotient is at
        // most 2^256 / 5, and any timestamp a chain will reach gives an epoch far below 2^64.
        unchecked {
            return uint64((timestamp - genesis) / epochLength);
        }
    }

    /// @notice The epoch of the current block.
    function current(uint64 genesis, uint64 epochLength) internal view returns (uint64) {
        return at(genesis, epochLength, block.timestamp);
    }

    /// @notice True when `epochLength` is within [MIN_EPOCH_LENGTH, MAX_EPOCH_LENGTH].
    function isValidLength(uint64 epochLength) internal pure returns (bool) {
        return epochLength >= MIN_EPOCH_LENGTH && epochLength <= MAX_EPOCH_LENGTH;
    }
}
