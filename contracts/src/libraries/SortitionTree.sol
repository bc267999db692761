// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Checkpoints} from "@openzeppelin/contracts/utils/structs/Checkpoints.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";

/// @title SortitionTree
/// @notice A weighted sum tree with history, for stake-weighted sampling at a past block.
/// @dev A Fenwick (binary indexed) tree over leaves 1..n, one leaf per account, given on the account's
/// first weight and kept forever (weight 0 once gone). Node i holds the sum of the weights of leaves
/// (i - lowbit(i), i]. Every node, the total and the leaf count are `Checkpoints.Trace208` keyed by
/// `uint48(block.number)`, so any of them can be read as of the END of any past block
/// (`upperLookupRecent`, after a look at the latest checkpoint).
///
/// The tree grows: leaf n + 1's node also covers older leaves (n + 1 - lowbit(n + 1), n]. It is created
/// with their sum (read from its child nodes) at the block the leaf appears, and that block is recorded
/// in `leafCount`. Reads at block b use only nodes 1..leafCount(b), all of which existed at b and have
/// received every change since their creation, so for every b:
/// - `total(b)` == sum over leaves of `weight(leaf, b)`;
/// - node i (i <= leafCount(b)) at b == sum of `weight(leaf, b)` over leaves (i - lowbit(i), i].
/// A change of one leaf writes one checkpoint per node on its update path (at most log2(n) + 1) plus the
/// total; a draw of k reads O(k log n) checkpoints and never iterates over the accounts.
library SortitionTree {
    using Checkpoints for Checkpoints.Trace208;

    struct Tree {
        Checkpoints.Trace208 total;
        Checkpoints.Trace208 leafCount;
        mapping(uint256 node => Checkpoints.Trace208) nodes;
        mapping(address account => uint256 leaf) leafOf;
        mapping(uint256 leaf => address account) accountOf;
    }

    /// @dev Adds `amount` to `account`'s weight at the current block, giving it a leaf on first use.
    function add(Tree storage tree, address account, uint256 amount) internal {
        _update(tree, account, amount, true);
    }

    /// @dev Takes `amount` from `account`'s weight at the current block. The account must hold at least
    /// `amount` (callers only remove weight they added); anything else reverts with an arithmetic panic
    /// (an account without a leaf starts at node 0, which always holds 0).
    function sub(Tree storage tree, address account, uint256 amount) internal {
        _update(tree, account, amount, false);
    }

    /// @dev `account`'s weight as of the end of block `blockNumber` (0 for an account without a leaf then).
    function weightAt(Tree storage tree, address account, uint48 blockNumber) internal view returns (uint256) {
        uint256 leaf = tree.leafOf[account];
        if (leaf == 0 || leaf > _valueAt(tree.leafCount, blockNumber)) return 0;
        return _leafWeightAt(tree, leaf, blockNumber);
    }

    /// @dev The sum of every weight as of the end of block `blockNumber`.
    function totalAt(Tree storage tree, uint48 blockNumber) internal view returns (uint256) {
        return _valueAt(tree.total, blockNumber);
    }

    /// @dev Weighted sampling without replacement as of the end of block `snapshot`: up to `count`
    /// distinct accounts with weight > 0 at `snapshot`, none in `exclude`. Pick j takes
    /// `r = uint256(keccak256(abi.encode(seed, j))) % remaining` (remaining = total at `snapshot` minus the
    /// weights of the excluded and already-picked accounts) and descends the tree from the highest power
    /// of two <= leafCount(snapshot), subtracting from each node the weights of the removed leaves inside
    /// its range. Returns fewer than `count` accounts only when no eligible weight is left.
    function draw(Tree storage tree, uint48 snapshot, bytes32 seed, uint256 count, address[] calldata exclude)
        internal
        view
        returns (address[] memory members)
    {
        uint256 n = _valueAt(tree.leafCount, snapshot);
        if (count > n) count = n; // never more distinct accounts than leaves
        members = new address[](count);
        if (count == 0) return members;

        // Leaves out of the draw (excluded, then picked) with their weights at the snapshot.
        Removed memory out = Removed(new uint256[](exclude.length + count), new uint256[](exclude.length + count), 0);
        uint256 remaining = _valueAt(tree.total, snapshot) - _exclude(tree, out, exclude, n, snapshot);
        uint256 picked;
        while (picked < count && remaining != 0) {
            uint256 chosen = _find(tree, out, snapshot, n, uint256(keccak256(abi.encode(seed, picked))) % remaining);
            remaining -= _remove(tree, out, chosen, snapshot);
            members[picked] = tree.accountOf[chosen];
            ++picked;
        }
        assembly ("memory-safe") {
            mstore(members, picked)
        }
    }

    /// @dev Leaves taken out of a draw and their weights at its snapshot; the first `count` entries are set.
    struct Removed {
        uint256[] leaves;
        uint256[] weights;
        uint256 count;
    }

    /// @dev The leaf holding offset `r` when removed leaves weigh 0: the largest pos whose prefix sum is
    /// <= r, plus one. Since r < remaining == prefix(n), the leaf is <= n, has weight > 0 and is not removed.
    function _find(Tree storage tree, Removed memory out, uint48 snapshot, uint256 n, uint256 r)
        private
        view
        returns (uint256)
    {
        uint256 pos;
        for (uint256 step = 1 << Math.log2(n); step != 0; step >>= 1) {
            uint256 next = pos + step;
            if (next > n) continue;
            // Node `next` covers leaves (pos, next], since pos has no bit below `step`.
            uint256 value = _valueAt(tree.nodes[next], snapshot);
            for (uint256 q; q < out.count; ++q) {
                uint256 leaf = out.leaves[q];
                if (leaf > pos && leaf <= next) value -= out.weights[q];
            }
            if (r >= value) {
                r -= value;
                pos = next;
            }
        }
        return pos + 1;
    }

    /// @dev Takes the accounts in `exclude` that hold a leaf <= n (once each) out of the draw and returns
    /// their total weight at `snapshot`.
    function _exclude(Tree storage tree, Removed memory out, address[] calldata exclude, uint256 n, uint48 snapshot)
        private
        view
        returns (uint256 weight)
    {
        for (uint256 e; e < exclude.length; ++e) {
            uint256 leaf = tree.leafOf[exclude[e]];
            if (leaf == 0 || leaf > n || _contains(out, leaf)) continue;
            weight += _remove(tree, out, leaf, snapshot);
        }
    }

    /// @dev Takes `leaf` out of the draw (when its weight at `snapshot` is not 0) and returns that weight.
    function _remove(Tree storage tree, Removed memory out, uint256 leaf, uint48 snapshot)
        private
        view
        returns (uint256 weight)
    {
        weight = _leafWeightAt(tree, leaf, snapshot);
        if (weight == 0) return 0;
        out.leaves[out.count] = leaf;
        out.weights[out.count] = weight;
        ++out.count;
    }

    /// @dev Adds (`up`) or takes `amount` to/from `account`'s leaf: one checkpoint at the current block on
    /// every node of the leaf's update path (leaf, leaf + lowbit(leaf), ... <= leafCount) and on the total.
    function _update(Tree storage tree, address account, uint256 amount, bool up) private {
        if (amount == 0) return;
        uint48 key = SafeCast.toUint48(block.number);
        uint208 delta = SafeCast.toUint208(amount);
        uint256 n = tree.leafCount.latest();
        uint256 leaf = tree.leafOf[account];
        if (leaf == 0 && up) {
            leaf = n + 1;
            n = leaf;
            _createLeaf(tree, account, leaf, key);
        }
        for (uint256 i = leaf; i <= n; i += _lowbit(i)) {
            _push(tree.nodes[i], key, delta, up);
        }
        _push(tree.total, key, delta, up);
    }

    function _push(Checkpoints.Trace208 storage trace, uint48 key, uint208 delta, bool up) private {
        uint208 value = trace.latest();
        trace.push(key, up ? value + delta : value - delta);
    }

    /// @dev Gives `account` leaf `leaf` (== leafCount + 1) and creates its node with the sum of the older
    /// leaves it covers, (leaf - lowbit(leaf), leaf - 1], read from its child nodes leaf - 1, leaf - 2,
    /// leaf - 4, ... (each covering (leaf - 2c, leaf - c]).
    function _createLeaf(Tree storage tree, address account, uint256 leaf, uint48 key) private {
        tree.leafOf[account] = leaf;
        tree.accountOf[leaf] = account;
        uint256 low = _lowbit(leaf);
        uint256 sum;
        for (uint256 c = 1; c < low; c <<= 1) {
            sum += tree.nodes[leaf - c].latest();
        }
        // sum <= total, which is a uint208.
        if (sum != 0) tree.nodes[leaf].push(key, uint208(sum));
        tree.leafCount.push(key, uint208(leaf));
    }

    /// @dev Leaf `leaf`'s own weight at `blockNumber`: its node minus its child nodes. Needs
    /// leaf <= leafCount(blockNumber).
    function _leafWeightAt(Tree storage tree, uint256 leaf, uint48 blockNumber) private view returns (uint256 weight) {
        weight = _valueAt(tree.nodes[leaf], blockNumber);
        uint256 low = _lowbit(leaf);
        for (uint256 c = 1; c < low; c <<= 1) {
            weight -= _valueAt(tree.nodes[leaf - c], blockNumber);
        }
    }

    /// @dev `trace`'s value as of the end of block `blockNumber`, as `upperLookupRecent` gives it, but the
    /// latest checkpoint is tried first: for a recent block, most nodes have not changed since, and the
    /// answer then costs two storage reads instead of a search.
    function _valueAt(Checkpoints.Trace208 storage trace, uint48 blockNumber) private view returns (uint256) {
        (bool exists, uint48 key, uint208 value) = trace.latestCheckpoint();
        if (!exists) return 0;
        if (key <= blockNumber) return value;
        return trace.upperLookupRecent(blockNumber);
    }

    function _contains(Removed memory out, uint256 leaf) private pure returns (bool) {
        for (uint256 i; i < out.count; ++i) {
            if (out.leaves[i] == leaf) return true;
        }
        return false;
    }

    function _lowbit(uint256 i) private pure returns (uint256) {
        unchecked {
            return i & (0 - i);
        }
    }
}
