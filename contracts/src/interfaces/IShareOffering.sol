// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title IShareOffering
/// @notice Sells `sharesOffered` of a model's ModelShares for MESH (an initial model offering), at a fixed
/// price or in a descending-price (Dutch) auction, with a cap and a minimum raise.
///
/// Price: per whole share (1e18 units), `startPrice` at `start` falling linearly to `floorPrice` at `end`
/// (a fixed price when both are equal), set by the clock alone: nothing the seller or a buyer does moves
/// it. `buy(shares, maxPrice)` pays `ceil(shares * currentPrice() / 1e18)` and leaves the shares in escrow
/// here; at most `sharesOffered` are sold (the cap).
///
/// A buy also needs the model's royalties locked to the shares: ModelRegistry's `lockRoyalty` fixed the
/// share token as receiver for good, with a floor rate of at least `minRoyaltyBps` (a receiver or rate
/// merely set could be pointed elsewhere or cut the moment the sale ends). `finalize` (anyone, after `end`
/// or once sold out) checks it again (governance's `reassignModel` lifts a lock): the sale succeeds when
/// `raised >= minRaise` and the royalties are still locked to the shares. Success: the proceeds go to the seller, the unsold shares back to the seller, and each
/// buyer's shares are delivered by `claimShares(buyer)` (anyone may call; the shares always go to the
/// buyer). Failure: every buyer gets back exactly what it paid with `refund(buyer)`, and every share goes
/// back to the seller.
///
/// Royalties earned by the shares this contract holds go to the seller (`forwardRoyalties`, anyone may
/// call; finalize does it too), until each buyer's shares are delivered.
///
/// Money to the wei: MESH balance == raised − Σ refunded − proceeds paid; share balance == sharesOffered −
/// Σ delivered − returned to the seller.
interface IShareOffering {
    /// @notice The terms of an offering, fixed at deployment.
    /// @param sharesOffered Shares for sale (18 decimals), the cap.
    /// @param startPrice MESH per whole share at `start`.
    /// @param floorPrice MESH per whole share at `end` (equal to `startPrice` for a fixed price).
    /// @param start First second of the sale.
    /// @param end First second after the sale.
    /// @param minRaise The sale fails (refunds) below this many MESH raised.
    /// @param minRoyaltyBps The lowest royalty floor the model's lock to the shares may have.
    struct Terms {
        uint256 sharesOffered;
        uint256 startPrice;
        uint256 floorPrice;
        uint64 start;
        uint64 end;
        uint256 minRaise;
        uint16 minRoyaltyBps;
    }

    /// @notice Where the sale stands.
    enum State {
        Pending,
        Open,
        Closed,
        Succeeded,
        Failed
    }

    /// @notice The terms are inconsistent: `reason` names what is wrong.
    error InvalidTerms(string reason);
    /// @notice The zero address was given where an account or contract is needed.
    error ZeroAddress();
    /// @notice The sale has not started yet.
    error NotStarted(uint64 start);
    /// @notice The sale has ended (its end passed, or it was finalized).
    error SaleEnded();
    /// @notice The sale is still running: not past its end and not sold out.
    error SaleRunning(uint64 end);
    /// @notice The amount of shares is zero or costs nothing at the current price.
    error ZeroAmount();
    /// @notice More shares were asked for than remain under the cap.
    error ExceedsCap(uint256 requested, uint256 remaining);
    /// @notice The current price is above the buyer's limit.
    error PriceAboveMax(uint256 price, uint256 maxPrice);
    /// @notice The model's royalty is not locked to the shares with a floor of `minRoyaltyBps` or more
    /// (the locked receiver and floor, zeros when unlocked).
    error RoyaltyNotRouted(address receiver, uint256 royaltyBps);
    /// @notice The sale was finalized already.
    error AlreadyFinalized();
    /// @notice The sale is not finalized with the outcome this call needs.
    error WrongOutcome(State state);
    /// @notice The buyer has nothing to take (no shares bought, or already delivered or refunded).
    error NothingToTake(address buyer);

    /// @notice `buyer` bought `shares` at `price` per whole share, paying `cost`.
    event Bought(address indexed buyer, uint256 shares, uint256 price, uint256 cost);
    /// @notice The sale ended: `succeeded`, with `raised` MESH for `sold` shares.
    event Finalized(bool succeeded, uint256 raised, uint256 sold);
    /// @notice `buyer` received its `shares`.
    event SharesDelivered(address indexed buyer, uint256 shares);
    /// @notice `buyer` got back the `amount` it paid.
    event Refunded(address indexed buyer, uint256 amount);
    /// @notice `amount` of royalties earned by the escrowed shares went to the seller.
    event RoyaltiesForwarded(address indexed seller, uint256 amount);

    /// @notice Buys `shares` at the current price if it is at most `maxPrice` (per whole share); pulls
    /// the cost in MESH from the caller.
    /// @return cost What was paid.
    function buy(uint256 shares, uint256 maxPrice) external returns (uint256 cost);

    /// @notice Ends the sale once its end has passed or it sold out, deciding success or failure.
    /// Anyone may call.
    function finalize() external;

    /// @notice After a successful sale, delivers `buyer`'s shares to it. Anyone may call.
    function claimShares(address buyer) external returns (uint256 shares);

    /// @notice After a failed sale, pays `buyer` back what it paid. Anyone may call.
    function refund(address buyer) external returns (uint256 amount);

    /// @notice Claims the royalties the escrowed shares earned and sends them to the seller. Anyone may
    /// call.
    /// @return amount What was forwarded (zero when nothing was earned).
    function forwardRoyalties() external returns (uint256 amount);

    /// @notice The price per whole share now (the start price before the sale, the floor after it).
    function currentPrice() external view returns (uint256);

    /// @notice Where the sale stands.
    function state() external view returns (State);

    /// @notice Whether ModelRegistry locks the model's royalty to the shares with a floor of `minRoyaltyBps` or more.
    function royaltyRouted() external view returns (bool);

    /// @notice The terms of the sale.
    function terms() external view returns (Terms memory);

    /// @notice MESH raised so far.
    function raised() external view returns (uint256);
    /// @notice Shares sold so far.
    function sold() external view returns (uint256);
    /// @notice MESH `buyer` paid and has not had back.
    function paidBy(address buyer) external view returns (uint256);
    /// @notice Shares `buyer` bought and has not received.
    function sharesOwed(address buyer) external view returns (uint256);

    /// @notice The share token sold.
    function shares() external view returns (address);
    /// @notice Who receives the proceeds, the unsold shares and the escrow's royalties: the model owner
    /// who created the offering.
    function seller() external view returns (address);
    /// @notice The model.
    function modelId() external view returns (bytes32);
}
