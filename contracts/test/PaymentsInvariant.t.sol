// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Test, FuzzSelector} from "./utils/Test.sol";
import {MeshToken} from "../src/MeshToken.sol";
import {ModelRegistry} from "../src/ModelRegistry.sol";
import {Payments} from "../src/Payments.sol";
import {IPayments} from "../src/interfaces/IPayments.sol";

/// @notice Drives Payments with bounded, never-reverting actions of named actors and keeps ghost
/// totals and a ghost model of every deposit and channel, checked against the contract on each action.
/// Actors: three payers with keys, two providers, a model paying 15% royalty to `royaltyReceiver` and
/// an unregistered model. Channels are indexed c = payer * 4 + provider * 2 + model.
contract PaymentsHandler is Test {
    uint256 internal constant PAYERS = 3;
    uint256 internal constant PROVIDERS = 2;
    uint256 internal constant CHANNELS = 12;
    uint256 internal constant BPS = 10_000;
    uint256 internal constant ROYALTY_BPS = 1500;
    uint256 internal constant MAX_AMOUNT = 1e24;

    Payments public immutable payments;
    MeshToken public immutable token;
    address public immutable owner;

    address[3] public payers;
    uint256[3] internal _keys;
    address[2] public providers;
    bytes32[2] public modelIds;
    address public royaltyReceiver;
    address public funder;

    struct StoredVoucher {
        IPayments.Voucher voucher;
        bytes signature;
    }

    /// @dev Every voucher signed per channel, in signing order (rising cumulative amounts).
    mapping(uint256 channel => StoredVoucher[]) internal _vouchers;
    uint256[12] public highestSigned;
    /// @dev What each channel was paid when the current action began; paid may only grow from it.
    uint256[12] public paidBefore;

    // Ghost model of the contract.
    uint256[12] public ghostChannelPaid;
    uint256[3] public ghostBalance;
    uint256[2] public ghostToProvider;

    // Ghost totals.
    uint256 public ghostDeposited;
    uint256 public ghostPaid;
    uint256 public ghostWithdrawn;
    uint256 public ghostRoyaltyCredited;
    uint256 public ghostRoyaltyClaimed;
    uint256 public ghostBurned;

    // How often each outcome happened, to see that the runs reach every path.
    uint256 public ghostStaleRedeems;
    uint256 public ghostPayingRedeems;
    uint256 public ghostShortfalls;
    uint256 public ghostWithdrawals;

    constructor(Payments payments_, MeshToken token_, address owner_, bytes32 royaltyModel, address royaltyReceiver_) {
        payments = payments_;
        token = token_;
        owner = owner_;
        royaltyReceiver = royaltyReceiver_;
        modelIds = [royaltyModel, keccak256("unregistered.gguf")];
        string[3] memory payerNames = ["payer0", "payer1", "payer2"];
        for (uint256 i; i < PAYERS; ++i) {
            (payers[i], _keys[i]) = makeAddrAndKey(payerNames[i]);
            vm.prank(payers[i]);
            token_.approve(address(payments_), type(uint256).max);
        }
        providers = [makeAddr("provider0"), makeAddr("provider1")];
        funder = makeAddr("funder");
        vm.prank(funder);
        token_.approve(address(payments_), type(uint256).max);
    }

    modifier checkpoint() {
        for (uint256 c; c < CHANNELS; ++c) {
            paidBefore[c] = _paidOnChain(c);
        }
        _;
    }

    // ================================================================ actions

    /// @notice A payer (or a funder on its behalf) adds to its deposit.
    function deposit(uint256 payerSeed, uint256 amount, bool viaFunder) external checkpoint {
        uint256 p = payerSeed % PAYERS;
        amount = bound(amount, 1, MAX_AMOUNT);
        address from = viaFunder ? funder : payers[p];
        token.mint(from, amount);
        vm.prank(from);
        if (viaFunder) payments.depositFor(payers[p], amount);
        else payments.deposit(amount);
        ghostDeposited += amount;
        ghostBalance[p] += amount;
    }

    function requestWithdraw(uint256 payerSeed, uint256 amount) external checkpoint {
        uint256 p = payerSeed % PAYERS;
        uint256 balance = payments.balanceOf(payers[p]);
        if (balance == 0) return;
        amount = bound(amount, 1, balance);
        vm.prank(payers[p]);
        payments.requestWithdraw(amount);
    }

    function cancelWithdraw(uint256 payerSeed) external checkpoint {
        uint256 p = payerSeed % PAYERS;
        (uint256 pending,) = payments.withdrawal(payers[p]);
        if (pending == 0) return;
        vm.prank(payers[p]);
        payments.cancelWithdraw();
    }

    /// @notice Lets time pass (up to two days), then withdraws if the request has unlocked.
    function withdraw(uint256 payerSeed, uint256 wait) external checkpoint {
        uint256 p = payerSeed % PAYERS;
        vm.warp(block.timestamp + bound(wait, 0, 2 days));
        (uint256 pending, uint64 unlockAt) = payments.withdrawal(payers[p]);
        if (pending == 0 || block.timestamp < unlockAt) return;
        uint256 balance = ghostBalance[p];
        uint256 expected = pending < balance ? pending : balance;
        vm.prank(payers[p]);
        uint256 out = payments.withdraw();
        vm.assertEq(out, expected, "withdrawn");
        ghostWithdrawn += out;
        ++ghostWithdrawals;
        ghostBalance[p] = balance - out;
    }

    /// @notice The payer signs a higher cumulative amount on a channel; the handler keeps the voucher.
    function signVoucher(uint256 channelSeed, uint256 increase) external checkpoint {
        uint256 c = channelSeed % CHANNELS;
        highestSigned[c] += bound(increase, 1, MAX_AMOUNT);
        IPayments.Voucher memory voucher = _voucherOf(c, highestSigned[c]);
        _vouchers[c].push(StoredVoucher(voucher, _sign(c / 4, voucher)));
    }

    /// @notice Redeems any stored voucher of a channel: the latest, an older one, or one already paid.
    function redeem(uint256 channelSeed, uint256 indexSeed) external checkpoint {
        uint256 c = channelSeed % CHANNELS;
        uint256 count = _vouchers[c].length;
        if (count == 0) return;
        StoredVoucher memory stored = _vouchers[c][indexSeed % count];
        uint256 alreadyPaid = ghostChannelPaid[c];
        if (stored.voucher.cumulativeAmount <= alreadyPaid) {
            ++ghostStaleRedeems;
            vm.expectRevert(
                abi.encodeWithSelector(
                    IPayments.NothingToRedeem.selector,
                    stored.voucher.payer,
                    stored.voucher.provider,
                    stored.voucher.modelId,
                    stored.voucher.cumulativeAmount,
                    alreadyPaid
                )
            );
            payments.redeem(stored.voucher, stored.signature);
            return;
        }
        uint256 expected = _simulate(c, stored.voucher.cumulativeAmount);
        vm.assertEq(payments.redeem(stored.voucher, stored.signature), expected, "redeemed");
    }

    /// @notice Redeems up to six stored vouchers of one provider in a batch (stale and repeated ones included).
    function redeemBatch(uint256 providerSeed, uint256[6] calldata seeds, uint256 size) external checkpoint {
        uint256 v = providerSeed % PROVIDERS;
        size = bound(size, 1, seeds.length);
        IPayments.SignedVoucher[] memory batch = new IPayments.SignedVoucher[](size);
        uint256 expected;
        for (uint256 i; i < size; ++i) {
            uint256 c = (seeds[i] % PAYERS) * 4 + v * 2 + (seeds[i] >> 8) % 2;
            uint256 count = _vouchers[c].length;
            if (count == 0) {
                // Nothing signed on this channel yet: a signed zero voucher, which the batch skips.
                IPayments.Voucher memory zero = _voucherOf(c, 0);
                batch[i] = IPayments.SignedVoucher(zero, _sign(c / 4, zero));
                continue;
            }
            StoredVoucher storage stored = _vouchers[c][(seeds[i] >> 16) % count];
            batch[i] = IPayments.SignedVoucher(stored.voucher, stored.signature);
            if (stored.voucher.cumulativeAmount <= ghostChannelPaid[c]) ++ghostStaleRedeems;
            expected += _simulate(c, stored.voucher.cumulativeAmount);
        }
        vm.assertEq(payments.redeemBatch(batch), expected, "batch redeemed");
    }

    function claimRoyalties() external checkpoint {
        uint256 owed = payments.royaltiesOwed(royaltyReceiver);
        if (owed == 0) return;
        vm.assertEq(payments.claimRoyalties(royaltyReceiver), owed, "claimed");
        ghostRoyaltyClaimed += owed;
    }

    function setBurnBps(uint256 burnBps) external checkpoint {
        uint16 value = uint16(bound(burnBps, 0, payments.MAX_BURN_BPS()));
        vm.prank(owner);
        payments.setBurnBps(value);
    }

    // ================================================================ helpers

    function channelCount() external pure returns (uint256) {
        return CHANNELS;
    }

    function paidOnChain(uint256 c) external view returns (uint256) {
        return _paidOnChain(c);
    }

    function _paidOnChain(uint256 c) internal view returns (uint256) {
        return payments.paid(payers[c / 4], providers[(c / 2) % 2], modelIds[c % 2]);
    }

    function _voucherOf(uint256 c, uint256 cumulativeAmount) internal view returns (IPayments.Voucher memory) {
        return IPayments.Voucher(payers[c / 4], providers[(c / 2) % 2], modelIds[c % 2], cumulativeAmount);
    }

    function _sign(uint256 p, IPayments.Voucher memory voucher) internal view returns (bytes memory) {
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(_keys[p], payments.hashVoucher(voucher));
        return abi.encodePacked(r, s, v);
    }

    /// @dev Applies the protocol's rule to the ghost model: pay min(cumulative - paid, deposit), split it.
    function _simulate(uint256 c, uint256 cumulativeAmount) internal returns (uint256 amount) {
        uint256 alreadyPaid = ghostChannelPaid[c];
        if (cumulativeAmount <= alreadyPaid) return 0;
        uint256 p = c / 4;
        uint256 owed = cumulativeAmount - alreadyPaid;
        uint256 balance = ghostBalance[p];
        amount = owed < balance ? owed : balance;
        ++ghostPayingRedeems;
        if (amount < owed) ++ghostShortfalls;
        ghostChannelPaid[c] = alreadyPaid + amount;
        ghostBalance[p] = balance - amount;
        uint256 burned = amount * payments.burnBps() / BPS;
        uint256 royalty = c % 2 == 0 ? amount * ROYALTY_BPS / BPS : 0;
        ghostPaid += amount;
        ghostBurned += burned;
        ghostRoyaltyCredited += royalty;
        ghostToProvider[(c / 2) % 2] += amount - burned - royalty;
    }
}

/// @notice Invariants of Payments under random deposits, withdrawals, vouchers, redemptions and claims.
contract PaymentsInvariantTest is Test {
    uint64 internal constant GENESIS = 1;
    uint64 internal constant EPOCH_LENGTH = 1 hours;
    MeshToken internal token;
    ModelRegistry internal models;
    Payments internal payments;
    PaymentsHandler internal handler;
    address internal royaltyReceiver;

    function setUp() public {
        address owner = makeAddr("owner");
        address modelOwner = makeAddr("modelOwner");
        royaltyReceiver = makeAddr("royaltyReceiver");
        bytes32 model = keccak256("tinyllama-1.1b-q4.gguf");

        token = new MeshToken(owner);
        models = new ModelRegistry(owner, 2000);
        payments = new Payments(owner, token, models, 1000, 1 days, GENESIS, EPOCH_LENGTH);
        vm.prank(modelOwner);
        models.register(model, "tinyllama", "ipfs://tinyllama", 1500, royaltyReceiver);

        handler = new PaymentsHandler(payments, token, owner, model, royaltyReceiver);
        vm.prank(owner);
        token.setMinter(address(handler), true);
        // Supply that never enters Payments, so that the supply invariants cover more than deposits.
        vm.prank(owner);
        token.setMinter(owner, true);
        vm.prank(owner);
        token.mint(makeAddr("bystander"), 1_000 ether);

        bytes4[] memory selectors = new bytes4[](9);
        selectors[0] = PaymentsHandler.deposit.selector;
        selectors[1] = PaymentsHandler.requestWithdraw.selector;
        selectors[2] = PaymentsHandler.cancelWithdraw.selector;
        selectors[3] = PaymentsHandler.withdraw.selector;
        selectors[4] = PaymentsHandler.signVoucher.selector;
        selectors[5] = PaymentsHandler.redeem.selector;
        selectors[6] = PaymentsHandler.redeemBatch.selector;
        selectors[7] = PaymentsHandler.claimRoyalties.selector;
        selectors[8] = PaymentsHandler.setBurnBps.selector;
        targetContract(address(handler));
        targetSelector(FuzzSelector({addr: address(handler), selectors: selectors}));
        targetSender(makeAddr("keeper"));
    }

    function _sumOfDeposits() internal view returns (uint256 sum) {
        for (uint256 p; p < 3; ++p) {
            sum += payments.balanceOf(handler.payers(p));
        }
    }

    /// @notice Payments holds exactly what it owes: deposits plus unclaimed royalties.
    function invariant_balanceEqualsDepositsPlusRoyaltiesOwed() public view {
        vm.assertEq(
            token.balanceOf(address(payments)),
            _sumOfDeposits() + payments.royaltiesOwed(royaltyReceiver) + payments.royaltiesOwed(address(0)),
            "MESH held != deposits + royalties owed"
        );
    }

    /// @notice The same balance from the flows: in - paid - withdrawn + royalties credited - claimed.
    function invariant_balanceEqualsGhostFlows() public view {
        vm.assertEq(
            token.balanceOf(address(payments)),
            handler.ghostDeposited() - handler.ghostPaid() - handler.ghostWithdrawn() + handler.ghostRoyaltyCredited()
                - handler.ghostRoyaltyClaimed(),
            "MESH held != ghost flows"
        );
    }

    /// @notice Each payer's deposit is what the ghost model says.
    function invariant_depositsMatchGhostModel() public view {
        for (uint256 p; p < 3; ++p) {
            vm.assertEq(payments.balanceOf(handler.payers(p)), handler.ghostBalance(p), "deposit");
        }
    }

    /// @notice Nobody redeems more than was signed, and channels match the ghost model.
    function invariant_paidNeverExceedsHighestSigned() public view {
        for (uint256 c; c < handler.channelCount(); ++c) {
            uint256 paid = handler.paidOnChain(c);
            vm.assertLe(paid, handler.highestSigned(c), "paid > highest signed");
            vm.assertEq(paid, handler.ghostChannelPaid(c), "paid != ghost");
        }
    }

    /// @notice No channel's paid amount went down during the last action.
    function invariant_paidNeverDecreases() public view {
        for (uint256 c; c < handler.channelCount(); ++c) {
            vm.assertGe(handler.paidOnChain(c), handler.paidBefore(c), "paid decreased");
        }
    }

    /// @notice Every payment split exactly: providers and royalties got what the ghost model computed.
    function invariant_splitsAddUp() public view {
        for (uint256 v; v < 2; ++v) {
            vm.assertEq(token.balanceOf(handler.providers(v)), handler.ghostToProvider(v), "provider share");
        }
        vm.assertEq(
            payments.royaltiesOwed(royaltyReceiver) + token.balanceOf(royaltyReceiver),
            handler.ghostRoyaltyCredited(),
            "royalty share"
        );
        uint256 providersTotal = handler.ghostToProvider(0) + handler.ghostToProvider(1);
        vm.assertEq(
            handler.ghostBurned() + handler.ghostRoyaltyCredited() + providersTotal, handler.ghostPaid(), "split"
        );
    }

    function invariant_supplyEqualsMintedMinusBurned() public view {
        vm.assertEq(token.totalSupply(), token.totalMinted() - token.totalBurned(), "supply");
    }

    function invariant_ghostBurnedEqualsTotalBurned() public view {
        vm.assertEq(handler.ghostBurned(), token.totalBurned(), "burned");
    }
}
