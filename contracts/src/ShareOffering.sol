// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {IModelRegistry} from "./interfaces/IModelRegistry.sol";
import {IModelShares} from "./interfaces/IModelShares.sol";
import {IShareOffering} from "./interfaces/IShareOffering.sol";

/// @title ShareOffering
/// @notice Sells shares of a model's ModelShares for MESH at a fixed price or in a Dutch auction, with a cap
/// and a minimum raise (see IShareOffering).
/// @dev Invariants (ghost-checked in ModelSharesInvariant.t.sol):
/// - `sold <= sharesOffered`, `raised == Σ paidBy` until refunds start;
/// - MESH balance == raised − Σ refunded − proceeds paid (royalties pass through in the same call);
/// - share balance == sharesOffered − Σ delivered − shares returned to the seller;
/// - the price is a function of the clock and the immutable terms only.
/// Every state write of a call comes before its external calls (MESH and the share token are contracts of
/// the same deployment without transfer hooks).
contract ShareOffering is IShareOffering {
    using SafeERC20 for IERC20;

    /// @inheritdoc IShareOffering
    address public immutable shares;
    /// @inheritdoc IShareOffering
    address public immutable seller;
    /// @inheritdoc IShareOffering
    bytes32 public immutable modelId;
    IModelRegistry private immutable _models;
    IERC20 private immutable _mesh;

    uint256 private immutable _sharesOffered;
    uint256 private immutable _startPrice;
    uint256 private immutable _floorPrice;
    uint64 private immutable _start;
    uint64 private immutable _end;
    uint256 private immutable _minRaise;
    uint16 private immutable _minRoyaltyBps;

    /// @inheritdoc IShareOffering
    uint256 public raised;
    /// @inheritdoc IShareOffering
    uint256 public sold;
    bool private _finalized;
    bool private _succeeded;
    mapping(address buyer => uint256) public paidBy;
    mapping(address buyer => uint256) public sharesOwed;

    constructor(IModelShares shares_, IModelRegistry models_, address seller_, Terms memory terms_) {
        if (address(shares_) == address(0) || address(models_) == address(0) || seller_ == address(0)) {
            revert ZeroAddress();
        }
        if (terms_.sharesOffered == 0) revert InvalidTerms("sharesOffered is zero");
        if (terms_.startPrice == 0) revert InvalidTerms("startPrice is zero");
        if (terms_.floorPrice == 0 || terms_.floorPrice > terms_.startPrice) {
            revert InvalidTerms("floorPrice must be above zero and at most startPrice");
        }
        if (terms_.end <= terms_.start) revert InvalidTerms("end must be after start");
        if (terms_.minRaise > Math.mulDiv(terms_.sharesOffered, terms_.startPrice, 1e18)) {
            revert InvalidTerms("minRaise above what selling every share at startPrice raises");
        }
        shares = address(shares_);
        seller = seller_;
        modelId = shares_.modelId();
        _models = models_;
        _mesh = IERC20(shares_.mesh());
        _sharesOffered = terms_.sharesOffered;
        _startPrice = terms_.startPrice;
        _floorPrice = terms_.floorPrice;
        _start = terms_.start;
        _end = terms_.end;
        _minRaise = terms_.minRaise;
        _minRoyaltyBps = terms_.minRoyaltyBps;
    }

    /// @inheritdoc IShareOffering
    function buy(uint256 amount, uint256 maxPrice) external returns (uint256 cost) {
        if (block.timestamp < _start) revert NotStarted(_start);
        if (_finalized || block.timestamp >= _end) revert SaleEnded();
        uint256 remaining = _sharesOffered - sold;
        if (amount > remaining) revert ExceedsCap(amount, remaining);
        uint256 price = currentPrice();
        if (price > maxPrice) revert PriceAboveMax(price, maxPrice);
        (bool routed, address receiver, uint256 bps) = _routing();
        if (!routed) revert RoyaltyNotRouted(receiver, bps);
        // Rounded up: a buyer never gets shares for less than the price.
        cost = Math.mulDiv(amount, price, 1e18, Math.Rounding.Ceil);
        if (cost == 0) revert ZeroAmount();
        sold += amount;
        raised += cost;
        paidBy[msg.sender] += cost;
        sharesOwed[msg.sender] += amount;
        emit Bought(msg.sender, amount, price, cost);
        _mesh.safeTransferFrom(msg.sender, address(this), cost);
    }

    /// @inheritdoc IShareOffering
    function finalize() external {
        if (_finalized) revert AlreadyFinalized();
        if (block.timestamp < _end && sold < _sharesOffered) revert SaleRunning(_end);
        (bool routed,,) = _routing();
        bool succeeded = routed && raised >= _minRaise;
        (_finalized, _succeeded) = (true, succeeded);
        emit Finalized(succeeded, raised, sold);
        // The escrow's royalties up to now are the seller's, whatever the outcome.
        _forwardRoyalties();
        if (succeeded) {
            if (raised != 0) _mesh.safeTransfer(seller, raised);
            if (sold < _sharesOffered) IERC20(shares).safeTransfer(seller, _sharesOffered - sold);
        } else {
            IERC20(shares).safeTransfer(seller, _sharesOffered);
        }
    }

    /// @inheritdoc IShareOffering
    function claimShares(address buyer) external returns (uint256 amount) {
        if (!_finalized || !_succeeded) revert WrongOutcome(state());
        amount = sharesOwed[buyer];
        if (amount == 0) revert NothingToTake(buyer);
        sharesOwed[buyer] = 0;
        emit SharesDelivered(buyer, amount);
        IERC20(shares).safeTransfer(buyer, amount);
    }

    /// @inheritdoc IShareOffering
    function refund(address buyer) external returns (uint256 amount) {
        if (!_finalized || _succeeded) revert WrongOutcome(state());
        amount = paidBy[buyer];
        if (amount == 0) revert NothingToTake(buyer);
        paidBy[buyer] = 0;
        sharesOwed[buyer] = 0;
        emit Refunded(buyer, amount);
        _mesh.safeTransfer(buyer, amount);
    }

    /// @inheritdoc IShareOffering
    function forwardRoyalties() external returns (uint256 amount) {
        return _forwardRoyalties();
    }

    function _forwardRoyalties() private returns (uint256 amount) {
        if (IModelShares(shares).claimable(address(this)) == 0) return 0;
        amount = IModelShares(shares).claim();
        emit RoyaltiesForwarded(seller, amount);
        _mesh.safeTransfer(seller, amount);
    }

    /// @dev Whether the model's royalty is locked (ModelRegistry.lockRoyalty) to the shares with a floor of
    /// `minRoyaltyBps` or more, with the locked receiver and floor: a receiver or rate that is merely set
    /// could be pointed elsewhere or cut the moment the sale ends.
    function _routing() private view returns (bool routed, address receiver, uint256 bps) {
        (receiver, bps) = _models.royaltyLockOf(modelId);
        routed = receiver == shares && bps >= _minRoyaltyBps;
    }

    /// @inheritdoc IShareOffering
    function currentPrice() public view returns (uint256) {
        if (block.timestamp <= _start) return _startPrice;
        if (block.timestamp >= _end) return _floorPrice;
        // Linear from startPrice at start to floorPrice at end; the fall is rounded down, so the price up.
        return _startPrice - Math.mulDiv(_startPrice - _floorPrice, block.timestamp - _start, _end - _start);
    }

    /// @inheritdoc IShareOffering
    function state() public view returns (State) {
        if (_finalized) return _succeeded ? State.Succeeded : State.Failed;
        if (block.timestamp < _start) return State.Pending;
        if (block.timestamp >= _end || sold == _sharesOffered) return State.Closed;
        return State.Open;
    }

    /// @inheritdoc IShareOffering
    function royaltyRouted() external view returns (bool routed) {
        (routed,,) = _routing();
    }

    /// @inheritdoc IShareOffering
    function terms() external view returns (Terms memory) {
        return Terms({
            sharesOffered: _sharesOffered,
            startPrice: _startPrice,
            floorPrice: _floorPrice,
            start: _start,
            end: _end,
            minRaise: _minRaise,
            minRoyaltyBps: _minRoyaltyBps
        });
    }
}
