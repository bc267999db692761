// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IJobCoordinator} from "./interfaces/IJobCoordinator.sol";
import {IRegistry} from "./interfaces/IRegistry.sol";
import {SortitionTree} from "./libraries/SortitionTree.sol";

/// @title JobProviders
/// @notice JobCoordinator's book of providers: their job bonds (the MESH itself stays in the coordinator),
/// the models they enrolled for, their weight in each model's sortition tree and the jobs they must still
/// deliver; and the draw of a job's provider. A contract of its own so that the coordinator's code stays
/// under the 24 KiB limit: the coordinator deploys it in its constructor and is the only account that may
/// change it (it emits the events); anyone may read it and draw.
/// @dev Invariants:
/// - for every model m and block b, the tree of m at the end of b gives each provider the weight it had
///   at its last enroll/sync before the end of b if it was enrolled for m then, else 0;
/// - `_providers[p].weight` is p's weight in every model of `_providers[p].models` (none when not enrolled);
/// - Σ bonds here == the MESH the coordinator holds for bonds.
contract JobProviders {
    using SortitionTree for SortitionTree.Tree;

    /// @notice Candidates drawn per attempt; the first eligible one is assigned.
    uint256 public constant DRAW_CANDIDATES = 4;
    /// @notice The most models one provider enrolls for (bounds the gas of its weight changes).
    uint256 public constant MAX_MODELS = 8;
    /// @notice Tokens of chat template a prompt may add to the input's bytes (the input-token bound).
    uint256 public constant INPUT_TOKEN_ALLOWANCE = 1024;

    /// @dev A provider's bond, enrollment and the jobs it must still deliver.
    struct ProviderState {
        uint256 bond;
        uint256 weight;
        uint64 openJobs;
        uint192 lastJob;
        bytes32[] models;
    }

    /// @notice A job's terms that decide which provider may take it.
    struct Terms {
        bytes32 modelId;
        uint256 inputLength;
        uint256 maxTokens;
        uint256 maxPayment;
        uint256 jobBond;
    }

    /// @notice The JobCoordinator that deployed this contract: the only writer.
    address public immutable coordinator;
    IRegistry public immutable registry;

    mapping(address provider => ProviderState) private _providers;
    mapping(bytes32 modelId => SortitionTree.Tree) private _trees;

    /// @notice Only the coordinator may change the book.
    error NotCoordinator(address caller);
    /// @notice A draw must read a block that is over (`snapshotBlock < block.number`).
    error SnapshotNotPast(uint48 snapshotBlock);

    constructor(IRegistry registry_) {
        coordinator = msg.sender;
        registry = registry_;
    }

    modifier onlyCoordinator() {
        if (msg.sender != coordinator) revert NotCoordinator(msg.sender);
        _;
    }

    // ------------------------------------------------------------ coordinator

    /// @notice Enrolls `provider` for `modelIds` (replacing its models) with its Registry stake now as its
    /// weight, after adding `bondTopUp` to its bond (the coordinator pulls the MESH). Reverts TooManyModels,
    /// NotEnrollable (not an active Registry provider, a model without its offer, a model twice) or
    /// BondTooLow (bond below `jobBond`).
    function enroll(address provider, bytes32[] calldata modelIds, uint256 bondTopUp, uint256 jobBond)
        external
        onlyCoordinator
        returns (uint256 bond, uint256 weight)
    {
        uint256 count = modelIds.length;
        if (count == 0 || count > MAX_MODELS) revert IJobCoordinator.TooManyModels(count, MAX_MODELS);
        if (!registry.isActiveProvider(provider)) revert IJobCoordinator.NotEnrollable(provider, bytes32(0));
        for (uint256 i; i < count; ++i) {
            bytes32 modelId = modelIds[i];
            (, bool found) = registry.getOffer(provider, modelId);
            if (!found) revert IJobCoordinator.NotEnrollable(provider, modelId);
            for (uint256 j; j < i; ++j) {
                if (modelIds[j] == modelId) revert IJobCoordinator.NotEnrollable(provider, modelId);
            }
        }
        ProviderState storage p = _providers[provider];
        bond = p.bond + bondTopUp;
        if (bond < jobBond) revert IJobCoordinator.BondTooLow(bond, jobBond);
        p.bond = bond;
        (, weight,,) = registry.stakeOf(provider);
        // The old weight leaves the old models and the new one enters the new models (a kept model nets
        // out within this block, so its tree sees one change).
        bytes32[] storage old = p.models;
        uint256 oldWeight = p.weight;
        for (uint256 i; i < old.length; ++i) {
            _trees[old[i]].sub(provider, oldWeight);
        }
        for (uint256 i; i < count; ++i) {
            _trees[modelIds[i]].add(provider, weight);
        }
        p.models = modelIds;
        p.weight = weight;
    }

    /// @notice Takes `provider` out of every tree. Returns false (and changes nothing) when it was not enrolled.
    function unenroll(address provider) external onlyCoordinator returns (bool wasEnrolled) {
        return _unenroll(provider, _providers[provider]);
    }

    /// @notice Sets `provider`'s weight to its Registry stake now, or unenrolls it (weight 0) when it is no
    /// longer an active provider. Reverts NotEnrollable when it is not enrolled.
    function sync(address provider) external onlyCoordinator returns (uint256 weight, bool unenrolled) {
        ProviderState storage p = _providers[provider];
        uint256 count = p.models.length;
        if (count == 0) revert IJobCoordinator.NotEnrollable(provider, bytes32(0));
        if (!registry.isActiveProvider(provider)) return (0, _unenroll(provider, p));
        (, weight,,) = registry.stakeOf(provider);
        uint256 old = p.weight;
        if (weight == old) return (weight, false);
        p.weight = weight;
        for (uint256 i; i < count; ++i) {
            SortitionTree.Tree storage tree = _trees[p.models[i]];
            if (weight > old) tree.add(provider, weight - old);
            else tree.sub(provider, old - weight);
        }
    }

    /// @notice Zeroes `provider`'s bond (unenrolling it first when enrolled) and returns it, for the
    /// coordinator to pay out. Reverts HasOpenJob while a job is assigned to it, ZeroAmount without bond.
    function withdrawBond(address provider) external onlyCoordinator returns (uint256 bond, bool unenrolled) {
        ProviderState storage p = _providers[provider];
        if (p.openJobs != 0) revert IJobCoordinator.HasOpenJob(provider, p.lastJob);
        bond = p.bond;
        if (bond == 0) revert IJobCoordinator.ZeroAmount();
        unenrolled = _unenroll(provider, p);
        p.bond = 0;
    }

    /// @notice Draws up to DRAW_CANDIDATES providers for a job (see `draw`) and opens the job for the first
    /// eligible one: an active Registry provider, still enrolled for the model, with a bond of at least
    /// `jobBond` and an offer whose worst-case price (`worstCasePrice`) fits `maxPayment`. Returns the
    /// provider (zero when none is eligible) and its offer's prices.
    function pick(Terms calldata terms, uint48 snapshotBlock, bytes32 seed, address[] calldata exclude, uint256 jobId)
        external
        onlyCoordinator
        returns (address provider, uint128 pricePerMInput, uint128 pricePerMOutput)
    {
        (provider, pricePerMInput, pricePerMOutput) =
            _firstEligible(_candidates(terms.modelId, snapshotBlock, seed, exclude), terms);
        if (provider != address(0)) {
            ProviderState storage p = _providers[provider];
            p.openJobs += 1;
            p.lastJob = uint192(jobId);
        }
    }

    /// @notice A job assigned to `provider` was delivered or declined.
    function close(address provider) external onlyCoordinator {
        _providers[provider].openJobs -= 1;
    }

    /// @notice `provider` missed a job: closes it, takes `min(penalty, bond)` from its bond (returned, for
    /// the coordinator to pay the requester) and unenrolls it.
    function penalize(address provider, uint256 penalty)
        external
        onlyCoordinator
        returns (uint256 taken, bool unenrolled)
    {
        ProviderState storage p = _providers[provider];
        uint256 bond = p.bond;
        taken = penalty < bond ? penalty : bond;
        p.bond = bond - taken;
        p.openJobs -= 1;
        unenrolled = _unenroll(provider, p);
    }

    // ------------------------------------------------------------------ views

    /// @notice Up to `count` distinct providers of `modelId` with weight at the end of `snapshotBlock`
    /// (which must be over), weighted, without replacement, none in `exclude`: pick j takes
    /// `keccak256(abi.encode(seed, j)) % remaining` (SortitionTree.draw). A job's draw uses snapshot
    /// `requestBlock - 1`, seed `keccak256(abi.encode(blockhash(drawBlock), jobId, attempt))` (attempt
    /// 0-based) and the job's excluded providers.
    function draw(bytes32 modelId, uint48 snapshotBlock, bytes32 seed, uint256 count, address[] calldata exclude)
        external
        view
        returns (address[] memory)
    {
        if (snapshotBlock >= block.number) revert SnapshotNotPast(snapshotBlock);
        return _trees[modelId].draw(snapshotBlock, seed, count, exclude);
    }

    /// @notice `provider`'s weight in `modelId` as of the end of `blockNumber`.
    function weightAt(bytes32 modelId, address provider, uint48 blockNumber) external view returns (uint256) {
        return _trees[modelId].weightAt(provider, blockNumber);
    }

    /// @notice The sum of the weights in `modelId` as of the end of `blockNumber`.
    function totalAt(bytes32 modelId, uint48 blockNumber) external view returns (uint256) {
        return _trees[modelId].totalAt(blockNumber);
    }

    function bondOf(address provider) external view returns (uint256) {
        return _providers[provider].bond;
    }

    function modelsOf(address provider) external view returns (bytes32[] memory) {
        return _providers[provider].models;
    }

    /// @notice Jobs assigned to `provider` and not delivered, declined or missed yet.
    function openJobsOf(address provider) external view returns (uint256) {
        return _providers[provider].openJobs;
    }

    /// @notice The most a job of these sizes can cost at these prices:
    /// `ceil(((inputLength + INPUT_TOKEN_ALLOWANCE) * pricePerMInput + maxTokens * pricePerMOutput) / 1e6)`.
    function worstCasePrice(uint256 inputLength, uint256 maxTokens, uint256 pricePerMInput, uint256 pricePerMOutput)
        public
        pure
        returns (uint256)
    {
        uint256 micro = (inputLength + INPUT_TOKEN_ALLOWANCE) * pricePerMInput + maxTokens * pricePerMOutput;
        return micro == 0 ? 0 : (micro - 1) / 1e6 + 1;
    }

    // --------------------------------------------------------------- internal

    function _candidates(bytes32 modelId, uint48 snapshotBlock, bytes32 seed, address[] calldata exclude)
        private
        view
        returns (address[] memory)
    {
        return _trees[modelId].draw(snapshotBlock, seed, DRAW_CANDIDATES, exclude);
    }

    function _firstEligible(address[] memory candidates, Terms calldata terms)
        private
        view
        returns (address, uint128, uint128)
    {
        for (uint256 i; i < candidates.length; ++i) {
            (bool ok, uint128 pricePerMInput, uint128 pricePerMOutput) = _eligible(candidates[i], terms);
            if (ok) return (candidates[i], pricePerMInput, pricePerMOutput);
        }
        return (address(0), 0, 0);
    }

    function _eligible(address provider, Terms calldata terms)
        private
        view
        returns (bool ok, uint128 pricePerMInput, uint128 pricePerMOutput)
    {
        if (_providers[provider].bond < terms.jobBond) return (false, 0, 0);
        // Still enrolled for the model now (it may have left since the snapshot).
        if (_trees[terms.modelId].weightAt(provider, uint48(block.number)) == 0) return (false, 0, 0);
        if (!registry.isActiveProvider(provider)) return (false, 0, 0);
        (IRegistry.Offer memory offer, bool found) = registry.getOffer(provider, terms.modelId);
        if (!found) return (false, 0, 0);
        uint256 worst = worstCasePrice(terms.inputLength, terms.maxTokens, offer.pricePerMInput, offer.pricePerMOutput);
        if (worst > terms.maxPayment) return (false, 0, 0);
        return (true, offer.pricePerMInput, offer.pricePerMOutput);
    }

    function _unenroll(address provider, ProviderState storage p) private returns (bool) {
        bytes32[] storage models = p.models;
        uint256 count = models.length;
        if (count == 0) return false;
        uint256 weight = p.weight;
        for (uint256 i; i < count; ++i) {
            _trees[models[i]].sub(provider, weight);
        }
        delete p.models;
        p.weight = 0;
        return true;
    }
}
