// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IShareOffering} from "./IShareOffering.sol";

/// @title IModelSharesFactory
/// @notice Creates the revenue-share token of a model and its offering, once per model, for the model's
/// owner in ModelRegistry. The owner then names the token as the model's royalty receiver
/// (`ModelRegistry.setRoyalty(modelId, bps, shares)`); the offering refuses buyers until it does.
///
/// Supply: `totalSupply` is minted once: `terms.sharesOffered` to the offering, the rest to the owner.
/// ModelShares has no mint function, so nobody can ever add shares.
interface IModelSharesFactory {
    /// @notice No model is registered under this id.
    error ModelNotFound(bytes32 modelId);
    /// @notice The caller does not own the model.
    error NotModelOwner(bytes32 modelId, address caller);
    /// @notice The model has a share token already.
    error SharesExist(bytes32 modelId, address shares);
    /// @notice The name or symbol is empty or too long.
    error InvalidName(uint256 length, uint256 maxLength);
    /// @notice More shares are offered than the supply.
    error OfferExceedsSupply(uint256 sharesOffered, uint256 totalSupply);
    /// @notice The zero address was given where a contract is needed.
    error ZeroAddress();

    /// @notice `owner` created `shares` for `modelId`, with `offering` selling `terms.sharesOffered` of
    /// them (`offering` is zero when nothing is offered).
    event SharesCreated(
        bytes32 indexed modelId,
        address indexed shares,
        address indexed offering,
        address owner,
        string name,
        string symbol,
        uint256 totalSupply,
        IShareOffering.Terms terms
    );

    /// @notice Deploys the model's share token and, when `terms.sharesOffered > 0`, its offering.
    /// Only the model's owner; once per model.
    function create(
        bytes32 modelId,
        string calldata name,
        string calldata symbol,
        uint256 totalSupply,
        IShareOffering.Terms calldata terms
    ) external returns (address shares, address offering);

    /// @notice The model's share token (zero when none).
    function sharesOf(bytes32 modelId) external view returns (address);
    /// @notice The model's offering (zero when none).
    function offeringOf(bytes32 modelId) external view returns (address);
    /// @notice The number of share tokens created.
    function count() external view returns (uint256);

    function modelRegistry() external view returns (address);
    function payments() external view returns (address);
}
