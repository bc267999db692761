// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Test} from "./utils/Test.sol";
import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IERC20Errors} from "@openzeppelin/contracts/interfaces/draft-IERC6093.sol";
import {MeshToken} from "../src/MeshToken.sol";
import {ModelRegistry} from "../src/ModelRegistry.sol";
import {Payments} from "../src/Payments.sol";
import {IMeshToken} from "../src/interfaces/IMeshToken.sol";
import {IModelRegistry} from "../src/interfaces/IModelRegistry.sol";
import {IPayments} from "../src/interfaces/IPayments.sol";

/// @notice Deployment and helpers shared by the Payments unit and signature tests:
/// MESH with the owner as minter, a model registry capped at 20% royalty, Payments burning 10% with a
/// one-day withdrawal delay, and one registered model paying 15% to `royaltyReceiver`.
abstract contract PaymentsTestBase is Test {
    uint16 internal constant BURN_BPS = 1000;
    uint64 internal constant DELAY = 1 days;
    uint64 internal constant GENESIS = 1;
    uint64 internal constant EPOCH_LENGTH = 1 hours;
    uint16 internal constant MAX_ROYALTY_BPS = 2000;
    uint16 internal constant ROYALTY_BPS = 1500;
    uint256 internal constant BPS = 10_000;
    uint256 internal constant PAYER_FUNDS = 1000 ether;

    bytes32 internal constant MODEL = keccak256("tinyllama-1.1b-q4.gguf");
    bytes32 internal constant UNREGISTERED_MODEL = keccak256("unregistered.gguf");

    MeshToken internal token;
    ModelRegistry internal models;
    Payments internal payments;

    address internal owner;
    address internal payer;
    uint256 internal payerKey;
    address internal provider;
    address internal modelOwner;
    address internal royaltyReceiver;
    address internal stranger;

    function setUp() public virtual {
        owner = makeAddr("owner");
        (payer, payerKey) = makeAddrAndKey("payer");
        provider = makeAddr("provider");
        modelOwner = makeAddr("modelOwner");
        royaltyReceiver = makeAddr("royaltyReceiver");
        stranger = makeAddr("stranger");

        token = new MeshToken(owner);
        vm.prank(owner);
        token.setMinter(owner, true);
        models = new ModelRegistry(owner, MAX_ROYALTY_BPS);
        payments = new Payments(owner, token, models, BURN_BPS, DELAY, GENESIS, EPOCH_LENGTH);
        vm.label(address(token), "MESH");
        vm.label(address(models), "ModelRegistry");
        vm.label(address(payments), "Payments");

        vm.prank(modelOwner);
        models.register(MODEL, "tinyllama", "ipfs://tinyllama", ROYALTY_BPS, royaltyReceiver);

        _fund(payer, PAYER_FUNDS);
    }

    /// @dev Mints `amount` MESH to `account` and lets Payments pull all of it.
    function _fund(address account, uint256 amount) internal {
        _mint(account, amount);
        vm.prank(account);
        token.approve(address(payments), type(uint256).max);
    }

    function _mint(address account, uint256 amount) internal {
        vm.prank(owner);
        token.mint(account, amount);
    }

    function _deposit(address account, uint256 amount) internal {
        vm.prank(account);
        payments.deposit(amount);
    }

    function _voucher(address payer_, address provider_, bytes32 modelId, uint256 cumulativeAmount)
        internal
        pure
        returns (IPayments.Voucher memory)
    {
        return IPayments.Voucher({
            payer: payer_, provider: provider_, modelId: modelId, cumulativeAmount: cumulativeAmount
        });
    }

    function _sign(uint256 key, IPayments.Voucher memory voucher) internal view returns (bytes memory) {
        return _signDigest(key, payments.hashVoucher(voucher));
    }

    function _signDigest(uint256 key, bytes32 digest) internal pure returns (bytes memory) {
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(key, digest);
        return abi.encodePacked(r, s, v);
    }

    /// @dev Signs `cumulativeAmount` on (payer, provider, MODEL) with the payer's key.
    function _signed(uint256 cumulativeAmount)
        internal
        view
        returns (IPayments.Voucher memory voucher, bytes memory signature)
    {
        voucher = _voucher(payer, provider, MODEL, cumulativeAmount);
        signature = _sign(payerKey, voucher);
    }

    function _signedVoucher(uint256 key, IPayments.Voucher memory voucher)
        internal
        view
        returns (IPayments.SignedVoucher memory)
    {
        return IPayments.SignedVoucher({voucher: voucher, signature: _sign(key, voucher)});
    }

    function _nothingToRedeem(IPayments.Voucher memory voucher, uint256 alreadyPaid)
        internal
        pure
        returns (bytes memory)
    {
        return abi.encodeWithSelector(
            IPayments.NothingToRedeem.selector,
            voucher.payer,
            voucher.provider,
            voucher.modelId,
            voucher.cumulativeAmount,
            alreadyPaid
        );
    }

    function _expectRedeemed(IPayments.Voucher memory voucher, uint256 amount, uint256 burned, uint256 royalty)
        internal
    {
        vm.expectEmit(address(payments));
        emit IPayments.Redeemed(
            voucher.payer, voucher.provider, voucher.modelId, voucher.cumulativeAmount, amount, burned, royalty
        );
    }
}

/// @notice Unit and fuzz tests of every function and every revert of Payments.
contract PaymentsTest is PaymentsTestBase {
    bytes32 internal constant PERMIT_TYPEHASH =
        keccak256("Permit(address owner,address spender,uint256 value,uint256 nonce,uint256 deadline)");

    // ============================================================ constructor

    function test_constructor_setsParameters() public view {
        vm.assertEq(payments.token(), address(token));
        vm.assertEq(payments.modelRegistry(), address(models));
        vm.assertEq(payments.burnBps(), BURN_BPS);
        vm.assertEq(payments.withdrawDelay(), DELAY);
        vm.assertEq(payments.owner(), owner);
        vm.assertEq(payments.MAX_BURN_BPS(), 5000);
        vm.assertEq(payments.MIN_WITHDRAW_DELAY(), 1 hours);
        vm.assertEq(payments.MAX_WITHDRAW_DELAY(), 30 days);
    }

    function test_constructor_emitsParameters() public {
        vm.expectEmit();
        emit IPayments.BurnBpsSet(BURN_BPS);
        vm.expectEmit();
        emit IPayments.WithdrawDelaySet(DELAY);
        new Payments(owner, token, models, BURN_BPS, DELAY, GENESIS, EPOCH_LENGTH);
    }

    function test_constructor_revertsZeroToken() public {
        vm.expectRevert(IPayments.ZeroAddress.selector);
        new Payments(owner, IMeshToken(address(0)), models, BURN_BPS, DELAY, GENESIS, EPOCH_LENGTH);
    }

    function test_constructor_revertsZeroModelRegistry() public {
        vm.expectRevert(IPayments.ZeroAddress.selector);
        new Payments(owner, token, IModelRegistry(address(0)), BURN_BPS, DELAY, GENESIS, EPOCH_LENGTH);
    }

    function test_constructor_revertsZeroOwner() public {
        vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableInvalidOwner.selector, address(0)));
        new Payments(address(0), token, models, BURN_BPS, DELAY, GENESIS, EPOCH_LENGTH);
    }

    function test_constructor_revertsBurnBpsOutOfRange() public {
        vm.expectRevert(
            abi.encodeWithSelector(
                IPayments.ParameterOutOfRange.selector, "burnBps", uint256(5001), uint256(0), uint256(5000)
            )
        );
        new Payments(owner, token, models, 5001, DELAY, GENESIS, EPOCH_LENGTH);
    }

    function test_constructor_revertsWithdrawDelayOutOfRange() public {
        vm.expectRevert(
            abi.encodeWithSelector(
                IPayments.ParameterOutOfRange.selector,
                "withdrawDelay",
                uint256(1 hours - 1),
                uint256(1 hours),
                uint256(30 days)
            )
        );
        new Payments(owner, token, models, BURN_BPS, 1 hours - 1, GENESIS, EPOCH_LENGTH);
    }

    // ================================================================ deposit

    function test_deposit_creditsCaller() public {
        vm.expectEmit(address(payments));
        emit IPayments.Deposited(payer, payer, 100 ether);
        vm.expectEmit(address(token));
        emit IERC20.Transfer(payer, address(payments), 100 ether);
        _deposit(payer, 100 ether);

        vm.assertEq(payments.balanceOf(payer), 100 ether);
        vm.assertEq(token.balanceOf(payer), 900 ether);
        vm.assertEq(token.balanceOf(address(payments)), 100 ether);
    }

    function test_deposit_addsToExistingDeposit() public {
        _deposit(payer, 100 ether);
        _deposit(payer, 23 ether + 7);

        vm.assertEq(payments.balanceOf(payer), 123 ether + 7);
        vm.assertEq(token.balanceOf(payer), 877 ether - 7);
        vm.assertEq(token.balanceOf(address(payments)), 123 ether + 7);
    }

    function test_deposit_revertsZeroAmount() public {
        vm.expectRevert(IPayments.ZeroAmount.selector);
        _deposit(payer, 0);
    }

    function test_deposit_revertsWithoutAllowance() public {
        _mint(stranger, 10 ether);
        vm.expectRevert(
            abi.encodeWithSelector(
                IERC20Errors.ERC20InsufficientAllowance.selector, address(payments), uint256(0), uint256(10 ether)
            )
        );
        _deposit(stranger, 10 ether);
    }

    function test_deposit_revertsInsufficientTokenBalance() public {
        vm.expectRevert(
            abi.encodeWithSelector(IERC20Errors.ERC20InsufficientBalance.selector, payer, PAYER_FUNDS, PAYER_FUNDS + 1)
        );
        _deposit(payer, PAYER_FUNDS + 1);
    }

    // ============================================================= depositFor

    function test_depositFor_creditsPayerAndPullsFromCaller() public {
        _fund(stranger, 50 ether);

        vm.expectEmit(address(payments));
        emit IPayments.Deposited(payer, stranger, 50 ether);
        vm.expectEmit(address(token));
        emit IERC20.Transfer(stranger, address(payments), 50 ether);
        vm.prank(stranger);
        payments.depositFor(payer, 50 ether);

        vm.assertEq(payments.balanceOf(payer), 50 ether);
        vm.assertEq(payments.balanceOf(stranger), 0);
        vm.assertEq(token.balanceOf(stranger), 0);
        vm.assertEq(token.balanceOf(payer), PAYER_FUNDS);
        vm.assertEq(token.balanceOf(address(payments)), 50 ether);
    }

    function test_depositFor_revertsZeroAddress() public {
        vm.expectRevert(IPayments.ZeroAddress.selector);
        vm.prank(payer);
        payments.depositFor(address(0), 1 ether);
    }

    function test_depositFor_revertsZeroAmount() public {
        vm.expectRevert(IPayments.ZeroAmount.selector);
        vm.prank(payer);
        payments.depositFor(stranger, 0);
    }

    // ====================================================== depositWithPermit

    function _permit(uint256 key, address holder, uint256 value, uint256 deadline)
        internal
        view
        returns (uint8 v, bytes32 r, bytes32 s)
    {
        bytes32 structHash = keccak256(
            abi.encode(PERMIT_TYPEHASH, holder, address(payments), value, token.nonces(holder), deadline)
        );
        return vm.sign(key, keccak256(abi.encodePacked("\x19\x01", token.DOMAIN_SEPARATOR(), structHash)));
    }

    function _permitHolder() internal returns (address holder, uint256 key) {
        (holder, key) = makeAddrAndKey("permitHolder");
        _mint(holder, 100 ether);
    }

    function test_depositWithPermit_depositsWithoutPriorApproval() public {
        (address holder, uint256 key) = _permitHolder();
        uint256 deadline = block.timestamp + 1 hours;
        (uint8 v, bytes32 r, bytes32 s) = _permit(key, holder, 60 ether, deadline);

        vm.expectEmit(address(payments));
        emit IPayments.Deposited(holder, holder, 60 ether);
        vm.prank(holder);
        payments.depositWithPermit(60 ether, deadline, v, r, s);

        vm.assertEq(payments.balanceOf(holder), 60 ether);
        vm.assertEq(token.balanceOf(holder), 40 ether);
        vm.assertEq(token.balanceOf(address(payments)), 60 ether);
        vm.assertEq(token.nonces(holder), 1);
        vm.assertEq(token.allowance(holder, address(payments)), 0);
    }

    function test_depositWithPermit_depositsWhenPermitFrontRun() public {
        (address holder, uint256 key) = _permitHolder();
        uint256 deadline = block.timestamp + 1 hours;
        (uint8 v, bytes32 r, bytes32 s) = _permit(key, holder, 60 ether, deadline);

        // Someone copies the permit from the mempool and submits it first.
        vm.prank(stranger);
        token.permit(holder, address(payments), 60 ether, deadline, v, r, s);

        vm.prank(holder);
        payments.depositWithPermit(60 ether, deadline, v, r, s);

        vm.assertEq(payments.balanceOf(holder), 60 ether);
        vm.assertEq(token.balanceOf(holder), 40 ether);
        vm.assertEq(token.nonces(holder), 1);
        vm.assertEq(token.allowance(holder, address(payments)), 0);
    }

    function test_depositWithPermit_revertsWhenPermitUsedAndAllowanceSpent() public {
        (address holder, uint256 key) = _permitHolder();
        uint256 deadline = block.timestamp + 1 hours;
        (uint8 v, bytes32 r, bytes32 s) = _permit(key, holder, 60 ether, deadline);
        vm.prank(holder);
        payments.depositWithPermit(60 ether, deadline, v, r, s);

        // The permit's nonce is spent: the permit fails, and no allowance is left to pull with.
        vm.expectRevert(
            abi.encodeWithSelector(
                IERC20Errors.ERC20InsufficientAllowance.selector, address(payments), uint256(0), uint256(60 ether)
            )
        );
        vm.prank(holder);
        payments.depositWithPermit(60 ether, deadline, v, r, s);

        vm.assertEq(payments.balanceOf(holder), 60 ether);
        vm.assertEq(token.balanceOf(holder), 40 ether);
    }

    function test_depositWithPermit_usesExistingAllowanceWhenPermitInvalid() public {
        (address holder,) = _permitHolder();
        vm.prank(holder);
        token.approve(address(payments), 30 ether);

        vm.prank(holder);
        payments.depositWithPermit(30 ether, block.timestamp, 27, bytes32(uint256(1)), bytes32(uint256(2)));

        vm.assertEq(payments.balanceOf(holder), 30 ether);
        vm.assertEq(token.balanceOf(holder), 70 ether);
        vm.assertEq(token.allowance(holder, address(payments)), 0);
    }

    function test_depositWithPermit_revertsExpiredPermitWithoutAllowance() public {
        (address holder, uint256 key) = _permitHolder();
        uint256 deadline = block.timestamp + 1 hours;
        (uint8 v, bytes32 r, bytes32 s) = _permit(key, holder, 60 ether, deadline);
        vm.warp(deadline + 1);

        vm.expectRevert(
            abi.encodeWithSelector(
                IERC20Errors.ERC20InsufficientAllowance.selector, address(payments), uint256(0), uint256(60 ether)
            )
        );
        vm.prank(holder);
        payments.depositWithPermit(60 ether, deadline, v, r, s);
    }

    function test_depositWithPermit_revertsWhenCallerIsNotPermitSigner() public {
        (address holder, uint256 key) = _permitHolder();
        uint256 deadline = block.timestamp + 1 hours;
        (uint8 v, bytes32 r, bytes32 s) = _permit(key, holder, 60 ether, deadline);

        // The permit is for `holder`; submitted by a stranger it is checked against the stranger and fails.
        vm.expectRevert(
            abi.encodeWithSelector(
                IERC20Errors.ERC20InsufficientAllowance.selector, address(payments), uint256(0), uint256(60 ether)
            )
        );
        vm.prank(stranger);
        payments.depositWithPermit(60 ether, deadline, v, r, s);

        vm.assertEq(token.nonces(holder), 0);
        vm.assertEq(token.balanceOf(holder), 100 ether);
    }

    function test_depositWithPermit_revertsZeroAmount() public {
        (address holder, uint256 key) = _permitHolder();
        uint256 deadline = block.timestamp + 1 hours;
        (uint8 v, bytes32 r, bytes32 s) = _permit(key, holder, 0, deadline);

        vm.expectRevert(IPayments.ZeroAmount.selector);
        vm.prank(holder);
        payments.depositWithPermit(0, deadline, v, r, s);
    }

    // ======================================================== requestWithdraw

    function test_requestWithdraw_recordsRequest() public {
        _deposit(payer, 100 ether);
        uint64 unlockAt = uint64(block.timestamp) + DELAY;

        vm.expectEmit(address(payments));
        emit IPayments.WithdrawRequested(payer, 40 ether, unlockAt);
        vm.prank(payer);
        payments.requestWithdraw(40 ether);

        (uint256 amount, uint64 at) = payments.withdrawal(payer);
        vm.assertEq(amount, 40 ether);
        vm.assertEq(at, unlockAt);
        // Nothing moves before `withdraw`.
        vm.assertEq(payments.balanceOf(payer), 100 ether);
        vm.assertEq(token.balanceOf(address(payments)), 100 ether);
    }

    function test_requestWithdraw_acceptsWholeBalance() public {
        _deposit(payer, 100 ether);
        vm.prank(payer);
        payments.requestWithdraw(100 ether);
        (uint256 amount,) = payments.withdrawal(payer);
        vm.assertEq(amount, 100 ether);
    }

    function test_requestWithdraw_revertsZeroAmount() public {
        _deposit(payer, 100 ether);
        vm.expectRevert(IPayments.ZeroAmount.selector);
        vm.prank(payer);
        payments.requestWithdraw(0);
    }

    function test_requestWithdraw_revertsInsufficientBalance() public {
        _deposit(payer, 100 ether);
        vm.expectRevert(
            abi.encodeWithSelector(IPayments.InsufficientBalance.selector, uint256(100 ether), uint256(100 ether + 1))
        );
        vm.prank(payer);
        payments.requestWithdraw(100 ether + 1);
    }

    function test_requestWithdraw_revertsInsufficientBalanceWithoutDeposit() public {
        vm.expectRevert(abi.encodeWithSelector(IPayments.InsufficientBalance.selector, uint256(0), uint256(1)));
        vm.prank(stranger);
        payments.requestWithdraw(1);
    }

    function test_requestWithdraw_replacesPendingAndRestartsDelay() public {
        _deposit(payer, 100 ether);
        vm.prank(payer);
        payments.requestWithdraw(100 ether);
        uint64 firstUnlock = uint64(block.timestamp) + DELAY;

        vm.warp(block.timestamp + 12 hours);
        uint64 secondUnlock = uint64(block.timestamp) + DELAY;
        vm.expectEmit(address(payments));
        emit IPayments.WithdrawRequested(payer, 30 ether, secondUnlock);
        vm.prank(payer);
        payments.requestWithdraw(30 ether);

        (uint256 amount, uint64 unlockAt) = payments.withdrawal(payer);
        vm.assertEq(amount, 30 ether);
        vm.assertEq(unlockAt, secondUnlock);

        vm.warp(firstUnlock);
        vm.expectRevert(abi.encodeWithSelector(IPayments.WithdrawalLocked.selector, secondUnlock));
        vm.prank(payer);
        payments.withdraw();

        vm.warp(secondUnlock);
        vm.prank(payer);
        vm.assertEq(payments.withdraw(), 30 ether);
        vm.assertEq(payments.balanceOf(payer), 70 ether);
        vm.assertEq(token.balanceOf(payer), 930 ether);
    }

    function test_requestWithdraw_keepsDepositRedeemable() public {
        _deposit(payer, 100 ether);
        vm.prank(payer);
        payments.requestWithdraw(100 ether);

        (IPayments.Voucher memory voucher, bytes memory sig) = _signed(60 ether);
        vm.assertEq(payments.redeem(voucher, sig), 60 ether);
        vm.assertEq(payments.balanceOf(payer), 40 ether);
    }

    // ========================================================= cancelWithdraw

    function test_cancelWithdraw_clearsRequest() public {
        _deposit(payer, 100 ether);
        vm.prank(payer);
        payments.requestWithdraw(40 ether);

        vm.expectEmit(address(payments));
        emit IPayments.WithdrawCancelled(payer);
        vm.prank(payer);
        payments.cancelWithdraw();

        (uint256 amount, uint64 unlockAt) = payments.withdrawal(payer);
        vm.assertEq(amount, 0);
        vm.assertEq(unlockAt, 0);
        vm.assertEq(payments.balanceOf(payer), 100 ether);

        vm.warp(block.timestamp + DELAY);
        vm.expectRevert(abi.encodeWithSelector(IPayments.NoWithdrawalRequested.selector, payer));
        vm.prank(payer);
        payments.withdraw();
    }

    function test_cancelWithdraw_revertsNoWithdrawalRequested() public {
        _deposit(payer, 100 ether);
        vm.expectRevert(abi.encodeWithSelector(IPayments.NoWithdrawalRequested.selector, payer));
        vm.prank(payer);
        payments.cancelWithdraw();
    }

    function test_cancelWithdraw_revertsAfterWithdraw() public {
        _deposit(payer, 100 ether);
        vm.prank(payer);
        payments.requestWithdraw(40 ether);
        vm.warp(block.timestamp + DELAY);
        vm.prank(payer);
        payments.withdraw();

        vm.expectRevert(abi.encodeWithSelector(IPayments.NoWithdrawalRequested.selector, payer));
        vm.prank(payer);
        payments.cancelWithdraw();
    }

    // =============================================================== withdraw

    function test_withdraw_revertsNoWithdrawalRequested() public {
        _deposit(payer, 100 ether);
        vm.expectRevert(abi.encodeWithSelector(IPayments.NoWithdrawalRequested.selector, payer));
        vm.prank(payer);
        payments.withdraw();
    }

    function test_withdraw_revertsWithdrawalLockedBeforeDelay() public {
        _deposit(payer, 100 ether);
        vm.prank(payer);
        payments.requestWithdraw(40 ether);
        uint64 unlockAt = uint64(block.timestamp) + DELAY;

        vm.expectRevert(abi.encodeWithSelector(IPayments.WithdrawalLocked.selector, unlockAt));
        vm.prank(payer);
        payments.withdraw();

        vm.warp(unlockAt - 1);
        vm.expectRevert(abi.encodeWithSelector(IPayments.WithdrawalLocked.selector, unlockAt));
        vm.prank(payer);
        payments.withdraw();
    }

    function test_withdraw_paysRequestedAmountAtUnlock() public {
        _deposit(payer, 100 ether);
        vm.prank(payer);
        payments.requestWithdraw(40 ether);
        vm.warp(block.timestamp + DELAY);

        vm.expectEmit(address(payments));
        emit IPayments.Withdrawn(payer, 40 ether);
        vm.expectEmit(address(token));
        emit IERC20.Transfer(address(payments), payer, 40 ether);
        vm.prank(payer);
        vm.assertEq(payments.withdraw(), 40 ether);

        vm.assertEq(payments.balanceOf(payer), 60 ether);
        vm.assertEq(token.balanceOf(payer), 940 ether);
        vm.assertEq(token.balanceOf(address(payments)), 60 ether);
        (uint256 amount, uint64 unlockAt) = payments.withdrawal(payer);
        vm.assertEq(amount, 0);
        vm.assertEq(unlockAt, 0);

        // The request is consumed.
        vm.expectRevert(abi.encodeWithSelector(IPayments.NoWithdrawalRequested.selector, payer));
        vm.prank(payer);
        payments.withdraw();
    }

    function test_withdraw_paysRemainingDepositWhenRedemptionsSpentPart() public {
        _deposit(payer, 100 ether);
        vm.prank(payer);
        payments.requestWithdraw(100 ether);
        (IPayments.Voucher memory voucher, bytes memory sig) = _signed(70 ether);
        payments.redeem(voucher, sig);
        vm.warp(block.timestamp + DELAY);

        vm.expectEmit(address(payments));
        emit IPayments.Withdrawn(payer, 30 ether);
        vm.prank(payer);
        vm.assertEq(payments.withdraw(), 30 ether);

        vm.assertEq(payments.balanceOf(payer), 0);
        vm.assertEq(token.balanceOf(payer), 930 ether);
        // Only the royalty of the 70 ether redemption (15%) is left in the contract.
        vm.assertEq(token.balanceOf(address(payments)), 10.5 ether);
        vm.assertEq(payments.royaltiesOwed(royaltyReceiver), 10.5 ether);
    }

    function test_withdraw_paysRequestedAmountWhenRedemptionsLeftEnough() public {
        _deposit(payer, 100 ether);
        vm.prank(payer);
        payments.requestWithdraw(20 ether);
        (IPayments.Voucher memory voucher, bytes memory sig) = _signed(70 ether);
        payments.redeem(voucher, sig);
        vm.warp(block.timestamp + DELAY);

        vm.prank(payer);
        vm.assertEq(payments.withdraw(), 20 ether);
        vm.assertEq(payments.balanceOf(payer), 10 ether);
        vm.assertEq(token.balanceOf(payer), 920 ether);
    }

    function test_withdraw_paysZeroWhenDepositSpent() public {
        _deposit(payer, 100 ether);
        vm.prank(payer);
        payments.requestWithdraw(100 ether);
        (IPayments.Voucher memory voucher, bytes memory sig) = _signed(100 ether);
        payments.redeem(voucher, sig);
        vm.warp(block.timestamp + DELAY);

        vm.expectEmit(address(payments));
        emit IPayments.Withdrawn(payer, 0);
        vm.prank(payer);
        vm.assertEq(payments.withdraw(), 0);

        vm.assertEq(token.balanceOf(payer), 900 ether);
        (uint256 amount,) = payments.withdrawal(payer);
        vm.assertEq(amount, 0);
    }

    function test_withdraw_keepsUnlockTimeWhenDelayChanges() public {
        _deposit(payer, 100 ether);
        vm.prank(payer);
        payments.requestWithdraw(40 ether);
        uint64 unlockAt = uint64(block.timestamp) + DELAY;

        vm.prank(owner);
        payments.setWithdrawDelay(30 days);

        vm.warp(unlockAt);
        vm.prank(payer);
        vm.assertEq(payments.withdraw(), 40 ether);
    }

    // ================================================================= redeem

    function test_redeem_splitsBurnRoyaltyAndProvider() public {
        _deposit(payer, 500 ether);
        (IPayments.Voucher memory voucher, bytes memory sig) = _signed(100 ether);

        vm.prank(stranger); // anyone may submit; the provider is paid
        uint256 amount = payments.redeem(voucher, sig);

        // 100 = 10 burned (10%) + 15 royalty (15%) + 75 provider.
        vm.assertEq(amount, 100 ether);
        vm.assertEq(payments.paid(payer, provider, MODEL), 100 ether);
        vm.assertEq(payments.balanceOf(payer), 400 ether);
        vm.assertEq(token.balanceOf(provider), 75 ether);
        vm.assertEq(token.balanceOf(stranger), 0);
        vm.assertEq(payments.royaltiesOwed(royaltyReceiver), 15 ether);
        vm.assertEq(token.balanceOf(royaltyReceiver), 0);
        vm.assertEq(token.balanceOf(address(payments)), 415 ether);
        vm.assertEq(token.totalBurned(), 10 ether);
        vm.assertEq(token.totalMinted(), PAYER_FUNDS);
        vm.assertEq(token.totalSupply(), PAYER_FUNDS - 10 ether);
    }

    function test_redeem_emitsRedeemedAndTransfers() public {
        _deposit(payer, 500 ether);
        (IPayments.Voucher memory voucher, bytes memory sig) = _signed(100 ether);

        _expectRedeemed(voucher, 100 ether, 10 ether, 15 ether);
        vm.expectEmit(address(token));
        emit IERC20.Transfer(address(payments), address(0), 10 ether);
        vm.expectEmit(address(token));
        emit IERC20.Transfer(address(payments), provider, 75 ether);
        payments.redeem(voucher, sig);
    }

    function test_redeem_paysCumulativeMinusAlreadyPaid() public {
        _deposit(payer, 500 ether);
        (IPayments.Voucher memory first, bytes memory firstSig) = _signed(100 ether);
        payments.redeem(first, firstSig);

        (IPayments.Voucher memory second, bytes memory secondSig) = _signed(250 ether);
        _expectRedeemed(second, 150 ether, 15 ether, 22.5 ether);
        vm.assertEq(payments.redeem(second, secondSig), 150 ether);

        vm.assertEq(payments.paid(payer, provider, MODEL), 250 ether);
        vm.assertEq(payments.balanceOf(payer), 250 ether);
        vm.assertEq(token.balanceOf(provider), 75 ether + 112.5 ether);
        vm.assertEq(payments.royaltiesOwed(royaltyReceiver), 15 ether + 22.5 ether);
        vm.assertEq(token.totalBurned(), 25 ether);
        vm.assertEq(token.totalSupply(), PAYER_FUNDS - 25 ether);
        vm.assertEq(token.balanceOf(address(payments)), 250 ether + 37.5 ether);
    }

    function test_redeem_paysNoRoyaltyForUnregisteredModel() public {
        _deposit(payer, 500 ether);
        IPayments.Voucher memory voucher = _voucher(payer, provider, UNREGISTERED_MODEL, 100 ether);

        bytes memory sig = _sign(payerKey, voucher);

        _expectRedeemed(voucher, 100 ether, 10 ether, 0);
        payments.redeem(voucher, sig);

        vm.assertEq(token.balanceOf(provider), 90 ether);
        vm.assertEq(payments.royaltiesOwed(royaltyReceiver), 0);
        vm.assertEq(payments.royaltiesOwed(address(0)), 0);
        vm.assertEq(token.balanceOf(address(payments)), 400 ether);
        vm.assertEq(token.totalBurned(), 10 ether);
    }

    function test_redeem_paysNoRoyaltyForZeroRoyaltyModel() public {
        bytes32 freeModel = keccak256("free-model.gguf");
        vm.prank(modelOwner);
        models.register(freeModel, "free", "", 0, address(0));
        _deposit(payer, 500 ether);
        IPayments.Voucher memory voucher = _voucher(payer, provider, freeModel, 100 ether);

        payments.redeem(voucher, _sign(payerKey, voucher));

        vm.assertEq(token.balanceOf(provider), 90 ether);
        vm.assertEq(payments.royaltiesOwed(address(0)), 0);
        vm.assertEq(token.balanceOf(address(payments)), 400 ether);
    }

    function test_redeem_capsRoyaltyAtRegistryMaximum() public {
        vm.prank(owner);
        models.setMaxRoyaltyBps(500);
        _deposit(payer, 500 ether);
        (IPayments.Voucher memory voucher, bytes memory sig) = _signed(100 ether);

        _expectRedeemed(voucher, 100 ether, 10 ether, 5 ether);
        payments.redeem(voucher, sig);

        vm.assertEq(token.balanceOf(provider), 85 ether);
        vm.assertEq(payments.royaltiesOwed(royaltyReceiver), 5 ether);
    }

    function test_redeem_paysRoyaltyToCurrentReceiver() public {
        address newReceiver = makeAddr("newReceiver");
        vm.prank(modelOwner);
        models.setRoyalty(MODEL, 2000, newReceiver);
        _deposit(payer, 500 ether);
        (IPayments.Voucher memory voucher, bytes memory sig) = _signed(100 ether);

        payments.redeem(voucher, sig);

        vm.assertEq(payments.royaltiesOwed(newReceiver), 20 ether);
        vm.assertEq(payments.royaltiesOwed(royaltyReceiver), 0);
        vm.assertEq(token.balanceOf(provider), 70 ether);
    }

    function test_redeem_burnsNothingWhenBurnBpsZero() public {
        vm.prank(owner);
        payments.setBurnBps(0);
        _deposit(payer, 500 ether);
        (IPayments.Voucher memory voucher, bytes memory sig) = _signed(100 ether);

        _expectRedeemed(voucher, 100 ether, 0, 15 ether);
        vm.expectEmit(address(token));
        emit IERC20.Transfer(address(payments), provider, 85 ether);
        payments.redeem(voucher, sig);

        vm.assertEq(token.totalBurned(), 0);
        vm.assertEq(token.totalSupply(), PAYER_FUNDS);
        vm.assertEq(token.balanceOf(provider), 85 ether);
    }

    function test_redeem_roundsSharesDownInProviderFavour() public {
        _deposit(payer, 500 ether);
        (IPayments.Voucher memory voucher, bytes memory sig) = _signed(19);

        // 19 wei: burn 19*10% = 1.9 -> 1, royalty 19*15% = 2.85 -> 2, provider 16.
        _expectRedeemed(voucher, 19, 1, 2);
        payments.redeem(voucher, sig);

        vm.assertEq(token.balanceOf(provider), 16);
        vm.assertEq(payments.royaltiesOwed(royaltyReceiver), 2);
        vm.assertEq(token.totalBurned(), 1);
    }

    function test_redeem_paysWhatIsThereWhenDepositShort() public {
        _deposit(payer, 50 ether);
        (IPayments.Voucher memory voucher, bytes memory sig) = _signed(80 ether);

        _expectRedeemed(voucher, 50 ether, 5 ether, 7.5 ether);
        vm.expectEmit(address(payments));
        emit IPayments.Shortfall(payer, provider, MODEL, 30 ether);
        vm.expectEmit(address(token));
        emit IERC20.Transfer(address(payments), address(0), 5 ether);
        vm.expectEmit(address(token));
        emit IERC20.Transfer(address(payments), provider, 37.5 ether);
        vm.assertEq(payments.redeem(voucher, sig), 50 ether);

        vm.assertEq(payments.paid(payer, provider, MODEL), 50 ether);
        vm.assertEq(payments.balanceOf(payer), 0);
        vm.assertEq(token.balanceOf(provider), 37.5 ether);
        vm.assertEq(payments.royaltiesOwed(royaltyReceiver), 7.5 ether);
        vm.assertEq(token.balanceOf(address(payments)), 7.5 ether);
    }

    function test_redeem_paysRestOfSameVoucherAfterNewDeposit() public {
        _deposit(payer, 50 ether);
        (IPayments.Voucher memory voucher, bytes memory sig) = _signed(80 ether);
        payments.redeem(voucher, sig);

        _deposit(payer, 100 ether);
        _expectRedeemed(voucher, 30 ether, 3 ether, 4.5 ether);
        vm.assertEq(payments.redeem(voucher, sig), 30 ether);

        vm.assertEq(payments.paid(payer, provider, MODEL), 80 ether);
        vm.assertEq(payments.balanceOf(payer), 70 ether);
        vm.assertEq(token.balanceOf(provider), 37.5 ether + 22.5 ether);
        vm.assertEq(payments.royaltiesOwed(royaltyReceiver), 12 ether);
        vm.assertEq(token.totalBurned(), 8 ether);
        vm.assertEq(token.balanceOf(address(payments)), 70 ether + 12 ether);

        // Now fully paid: the same voucher has nothing left.
        vm.expectRevert(_nothingToRedeem(voucher, 80 ether));
        payments.redeem(voucher, sig);
    }

    function test_redeem_paysZeroAndEmitsShortfallWhenDepositEmpty() public {
        (IPayments.Voucher memory voucher, bytes memory sig) = _signed(80 ether);

        _expectRedeemed(voucher, 0, 0, 0);
        vm.expectEmit(address(payments));
        emit IPayments.Shortfall(payer, provider, MODEL, 80 ether);
        vm.assertEq(payments.redeem(voucher, sig), 0);

        vm.assertEq(payments.paid(payer, provider, MODEL), 0);
        vm.assertEq(token.balanceOf(provider), 0);
        vm.assertEq(token.totalBurned(), 0);
    }

    function test_redeem_revertsNothingToRedeemWhenReplayed() public {
        _deposit(payer, 500 ether);
        (IPayments.Voucher memory voucher, bytes memory sig) = _signed(100 ether);
        payments.redeem(voucher, sig);

        vm.expectRevert(_nothingToRedeem(voucher, 100 ether));
        payments.redeem(voucher, sig);

        vm.assertEq(token.balanceOf(provider), 75 ether);
        vm.assertEq(payments.balanceOf(payer), 400 ether);
    }

    function test_redeem_revertsNothingToRedeemZeroCumulative() public {
        _deposit(payer, 500 ether);
        (IPayments.Voucher memory voucher, bytes memory sig) = _signed(0);
        vm.expectRevert(_nothingToRedeem(voucher, 0));
        payments.redeem(voucher, sig);
    }

    function test_redeem_revertsZeroAddressProvider() public {
        _deposit(payer, 500 ether);
        IPayments.Voucher memory voucher = _voucher(payer, address(0), MODEL, 100 ether);
        bytes memory sig = _sign(payerKey, voucher);
        vm.expectRevert(IPayments.ZeroAddress.selector);
        payments.redeem(voucher, sig);
    }

    function test_redeem_revertsInvalidSignature() public {
        _deposit(payer, 500 ether);
        uint256 otherKey = uint256(keccak256("not the payer"));
        IPayments.Voucher memory voucher = _voucher(payer, provider, MODEL, 100 ether);
        bytes memory sig = _sign(otherKey, voucher);
        vm.expectRevert(abi.encodeWithSelector(IPayments.InvalidSignature.selector, payer));
        payments.redeem(voucher, sig);
    }

    function test_redeem_keepsChannelsApart() public {
        address otherProvider = makeAddr("otherProvider");
        _deposit(payer, 500 ether);
        IPayments.Voucher memory a = _voucher(payer, provider, MODEL, 100 ether);
        IPayments.Voucher memory b = _voucher(payer, otherProvider, MODEL, 100 ether);
        IPayments.Voucher memory c = _voucher(payer, provider, UNREGISTERED_MODEL, 100 ether);

        payments.redeem(a, _sign(payerKey, a));
        payments.redeem(b, _sign(payerKey, b));
        payments.redeem(c, _sign(payerKey, c));

        vm.assertEq(payments.paid(payer, provider, MODEL), 100 ether);
        vm.assertEq(payments.paid(payer, otherProvider, MODEL), 100 ether);
        vm.assertEq(payments.paid(payer, provider, UNREGISTERED_MODEL), 100 ether);
        vm.assertEq(payments.paid(payer, otherProvider, UNREGISTERED_MODEL), 0);
        vm.assertEq(payments.balanceOf(payer), 200 ether);
        vm.assertEq(token.balanceOf(provider), 75 ether + 90 ether);
        vm.assertEq(token.balanceOf(otherProvider), 75 ether);
    }

    // ============================================================ redeemBatch

    function test_redeemBatch_revertsEmptyBatch() public {
        vm.expectRevert(IPayments.EmptyBatch.selector);
        payments.redeemBatch(new IPayments.SignedVoucher[](0));
    }

    function test_redeemBatch_revertsProviderMismatch() public {
        address otherProvider = makeAddr("otherProvider");
        _deposit(payer, 500 ether);
        IPayments.SignedVoucher[] memory batch = new IPayments.SignedVoucher[](2);
        batch[0] = _signedVoucher(payerKey, _voucher(payer, provider, MODEL, 10 ether));
        batch[1] = _signedVoucher(payerKey, _voucher(payer, otherProvider, MODEL, 10 ether));

        vm.expectRevert(abi.encodeWithSelector(IPayments.ProviderMismatch.selector, provider, otherProvider));
        payments.redeemBatch(batch);
    }

    function test_redeemBatch_revertsZeroAddressProvider() public {
        IPayments.SignedVoucher[] memory batch = new IPayments.SignedVoucher[](1);
        batch[0] = _signedVoucher(payerKey, _voucher(payer, address(0), MODEL, 10 ether));
        vm.expectRevert(IPayments.ZeroAddress.selector);
        payments.redeemBatch(batch);
    }

    function test_redeemBatch_paysManyPayersAndModels() public {
        (address payer2, uint256 payer2Key) = makeAddrAndKey("payer2");
        address receiver2 = makeAddr("receiver2");
        bytes32 model2 = keccak256("mistral-7b-q4.gguf");
        vm.prank(modelOwner);
        models.register(model2, "mistral", "", 500, receiver2);
        _fund(payer2, 100 ether);
        _deposit(payer, 500 ether);
        _deposit(payer2, 100 ether);

        IPayments.SignedVoucher[] memory batch = new IPayments.SignedVoucher[](4);
        batch[0] = _signedVoucher(payerKey, _voucher(payer, provider, MODEL, 100 ether));
        batch[1] = _signedVoucher(payer2Key, _voucher(payer2, provider, MODEL, 40 ether));
        batch[2] = _signedVoucher(payerKey, _voucher(payer, provider, UNREGISTERED_MODEL, 20 ether));
        batch[3] = _signedVoucher(payer2Key, _voucher(payer2, provider, model2, 60 ether));

        _expectRedeemed(batch[0].voucher, 100 ether, 10 ether, 15 ether);
        _expectRedeemed(batch[1].voucher, 40 ether, 4 ether, 6 ether);
        _expectRedeemed(batch[2].voucher, 20 ether, 2 ether, 0);
        _expectRedeemed(batch[3].voucher, 60 ether, 6 ether, 3 ether);
        // One burn and one transfer for the whole batch.
        vm.expectEmit(address(token));
        emit IERC20.Transfer(address(payments), address(0), 22 ether);
        vm.expectEmit(address(token));
        emit IERC20.Transfer(address(payments), provider, 174 ether);
        vm.prank(provider);
        vm.assertEq(payments.redeemBatch(batch), 220 ether);

        vm.assertEq(payments.balanceOf(payer), 380 ether);
        vm.assertEq(payments.balanceOf(payer2), 0);
        vm.assertEq(payments.paid(payer, provider, MODEL), 100 ether);
        vm.assertEq(payments.paid(payer2, provider, MODEL), 40 ether);
        vm.assertEq(payments.paid(payer, provider, UNREGISTERED_MODEL), 20 ether);
        vm.assertEq(payments.paid(payer2, provider, model2), 60 ether);
        vm.assertEq(token.balanceOf(provider), 174 ether);
        vm.assertEq(payments.royaltiesOwed(royaltyReceiver), 21 ether);
        vm.assertEq(payments.royaltiesOwed(receiver2), 3 ether);
        vm.assertEq(token.totalBurned(), 22 ether);
        vm.assertEq(token.totalSupply(), PAYER_FUNDS + 100 ether - 22 ether);
        vm.assertEq(token.balanceOf(address(payments)), 380 ether + 21 ether + 3 ether);
    }

    function test_redeemBatch_skipsAlreadyPaidVouchers() public {
        _deposit(payer, 500 ether);
        IPayments.SignedVoucher[] memory batch = new IPayments.SignedVoucher[](2);
        batch[0] = _signedVoucher(payerKey, _voucher(payer, provider, MODEL, 100 ether));
        batch[1] = _signedVoucher(payerKey, _voucher(payer, provider, UNREGISTERED_MODEL, 20 ether));
        // Someone else redeemed the first voucher already.
        payments.redeem(batch[0].voucher, batch[0].signature);

        _expectRedeemed(batch[1].voucher, 20 ether, 2 ether, 0);
        vm.assertEq(payments.redeemBatch(batch), 20 ether);

        vm.assertEq(payments.balanceOf(payer), 380 ether);
        vm.assertEq(token.balanceOf(provider), 75 ether + 18 ether);
        vm.assertEq(token.totalBurned(), 12 ether);
    }

    function test_redeemBatch_paysNothingWhenEveryVoucherPaid() public {
        _deposit(payer, 500 ether);
        IPayments.SignedVoucher[] memory batch = new IPayments.SignedVoucher[](1);
        batch[0] = _signedVoucher(payerKey, _voucher(payer, provider, MODEL, 100 ether));
        payments.redeemBatch(batch);

        vm.assertEq(payments.redeemBatch(batch), 0);
        vm.assertEq(payments.balanceOf(payer), 400 ether);
        vm.assertEq(token.balanceOf(provider), 75 ether);
        vm.assertEq(token.totalBurned(), 10 ether);
    }

    function test_redeemBatch_paysIncrementsOfOneChannelInOrder() public {
        _deposit(payer, 500 ether);
        IPayments.SignedVoucher[] memory batch = new IPayments.SignedVoucher[](3);
        batch[0] = _signedVoucher(payerKey, _voucher(payer, provider, MODEL, 100 ether));
        batch[1] = _signedVoucher(payerKey, _voucher(payer, provider, MODEL, 130 ether));
        batch[2] = _signedVoucher(payerKey, _voucher(payer, provider, MODEL, 120 ether)); // stale: skipped

        _expectRedeemed(batch[0].voucher, 100 ether, 10 ether, 15 ether);
        _expectRedeemed(batch[1].voucher, 30 ether, 3 ether, 4.5 ether);
        vm.assertEq(payments.redeemBatch(batch), 130 ether);

        vm.assertEq(payments.paid(payer, provider, MODEL), 130 ether);
        vm.assertEq(payments.balanceOf(payer), 370 ether);
        vm.assertEq(token.balanceOf(provider), 97.5 ether);
    }

    function test_redeemBatch_emitsShortfallAndContinues() public {
        (address payer2, uint256 payer2Key) = makeAddrAndKey("payer2");
        _fund(payer2, 100 ether);
        _deposit(payer, 10 ether);
        _deposit(payer2, 100 ether);
        IPayments.SignedVoucher[] memory batch = new IPayments.SignedVoucher[](2);
        batch[0] = _signedVoucher(payerKey, _voucher(payer, provider, MODEL, 40 ether));
        batch[1] = _signedVoucher(payer2Key, _voucher(payer2, provider, MODEL, 40 ether));

        _expectRedeemed(batch[0].voucher, 10 ether, 1 ether, 1.5 ether);
        vm.expectEmit(address(payments));
        emit IPayments.Shortfall(payer, provider, MODEL, 30 ether);
        _expectRedeemed(batch[1].voucher, 40 ether, 4 ether, 6 ether);
        vm.assertEq(payments.redeemBatch(batch), 50 ether);

        vm.assertEq(payments.paid(payer, provider, MODEL), 10 ether);
        vm.assertEq(payments.paid(payer2, provider, MODEL), 40 ether);
        vm.assertEq(token.balanceOf(provider), 37.5 ether);
    }

    function test_redeemBatch_revertsWholeBatchOnInvalidSignature() public {
        (address payer2,) = makeAddrAndKey("payer2");
        _fund(payer2, 100 ether);
        _deposit(payer, 500 ether);
        _deposit(payer2, 100 ether);
        IPayments.SignedVoucher[] memory batch = new IPayments.SignedVoucher[](2);
        batch[0] = _signedVoucher(payerKey, _voucher(payer, provider, MODEL, 40 ether));
        // payer signs a voucher that claims to come from payer2.
        batch[1] = _signedVoucher(payerKey, _voucher(payer2, provider, MODEL, 40 ether));

        vm.expectRevert(abi.encodeWithSelector(IPayments.InvalidSignature.selector, payer2));
        payments.redeemBatch(batch);

        vm.assertEq(payments.paid(payer, provider, MODEL), 0);
        vm.assertEq(token.balanceOf(provider), 0);
    }

    // ========================================================= claimRoyalties

    function test_claimRoyalties_paysReceiver() public {
        _deposit(payer, 500 ether);
        (IPayments.Voucher memory voucher, bytes memory sig) = _signed(100 ether);
        payments.redeem(voucher, sig);

        vm.expectEmit(address(payments));
        emit IPayments.RoyaltiesClaimed(royaltyReceiver, 15 ether);
        vm.expectEmit(address(token));
        emit IERC20.Transfer(address(payments), royaltyReceiver, 15 ether);
        vm.prank(stranger); // anyone may trigger the payout; it goes to the receiver
        vm.assertEq(payments.claimRoyalties(royaltyReceiver), 15 ether);

        vm.assertEq(payments.royaltiesOwed(royaltyReceiver), 0);
        vm.assertEq(token.balanceOf(royaltyReceiver), 15 ether);
        vm.assertEq(token.balanceOf(stranger), 0);
        vm.assertEq(token.balanceOf(address(payments)), 400 ether);
    }

    function test_claimRoyalties_paysAccumulatedRoyalties() public {
        _deposit(payer, 500 ether);
        (IPayments.Voucher memory first, bytes memory firstSig) = _signed(100 ether);
        payments.redeem(first, firstSig);
        (IPayments.Voucher memory second, bytes memory secondSig) = _signed(140 ether);
        payments.redeem(second, secondSig);

        vm.assertEq(payments.claimRoyalties(royaltyReceiver), 21 ether);
        vm.assertEq(token.balanceOf(royaltyReceiver), 21 ether);
    }

    function test_claimRoyalties_revertsZeroAmount() public {
        vm.expectRevert(IPayments.ZeroAmount.selector);
        payments.claimRoyalties(royaltyReceiver);
    }

    function test_claimRoyalties_revertsZeroAmountWhenClaimedTwice() public {
        _deposit(payer, 500 ether);
        (IPayments.Voucher memory voucher, bytes memory sig) = _signed(100 ether);
        payments.redeem(voucher, sig);
        payments.claimRoyalties(royaltyReceiver);

        vm.expectRevert(IPayments.ZeroAmount.selector);
        payments.claimRoyalties(royaltyReceiver);
        vm.assertEq(token.balanceOf(royaltyReceiver), 15 ether);
    }

    // ============================================================= setBurnBps

    function test_setBurnBps_setsAndEmits() public {
        vm.expectEmit(address(payments));
        emit IPayments.BurnBpsSet(2500);
        vm.prank(owner);
        payments.setBurnBps(2500);
        vm.assertEq(payments.burnBps(), 2500);
    }

    function test_setBurnBps_acceptsBounds() public {
        vm.startPrank(owner);
        payments.setBurnBps(0);
        vm.assertEq(payments.burnBps(), 0);
        payments.setBurnBps(5000);
        vm.assertEq(payments.burnBps(), 5000);
        vm.stopPrank();
    }

    function test_setBurnBps_revertsParameterOutOfRange() public {
        vm.expectRevert(
            abi.encodeWithSelector(
                IPayments.ParameterOutOfRange.selector, "burnBps", uint256(5001), uint256(0), uint256(5000)
            )
        );
        vm.prank(owner);
        payments.setBurnBps(5001);
        vm.assertEq(payments.burnBps(), BURN_BPS);
    }

    function test_setBurnBps_revertsOwnableUnauthorizedAccount() public {
        vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, stranger));
        vm.prank(stranger);
        payments.setBurnBps(0);
    }

    function test_setBurnBps_appliesToNextRedemption() public {
        _deposit(payer, 500 ether);
        (IPayments.Voucher memory first, bytes memory firstSig) = _signed(100 ether);
        payments.redeem(first, firstSig);
        vm.prank(owner);
        payments.setBurnBps(5000);

        (IPayments.Voucher memory second, bytes memory secondSig) = _signed(200 ether);
        _expectRedeemed(second, 100 ether, 50 ether, 15 ether);
        payments.redeem(second, secondSig);

        vm.assertEq(token.balanceOf(provider), 75 ether + 35 ether);
        vm.assertEq(token.totalBurned(), 60 ether);
    }

    // ======================================================= setWithdrawDelay

    function test_setWithdrawDelay_setsAndEmits() public {
        vm.expectEmit(address(payments));
        emit IPayments.WithdrawDelaySet(3 days);
        vm.prank(owner);
        payments.setWithdrawDelay(3 days);
        vm.assertEq(payments.withdrawDelay(), 3 days);
    }

    function test_setWithdrawDelay_acceptsBounds() public {
        vm.startPrank(owner);
        payments.setWithdrawDelay(1 hours);
        vm.assertEq(payments.withdrawDelay(), 1 hours);
        payments.setWithdrawDelay(30 days);
        vm.assertEq(payments.withdrawDelay(), 30 days);
        vm.stopPrank();
    }

    function test_setWithdrawDelay_revertsParameterOutOfRangeBelowMinimum() public {
        vm.expectRevert(
            abi.encodeWithSelector(
                IPayments.ParameterOutOfRange.selector,
                "withdrawDelay",
                uint256(1 hours - 1),
                uint256(1 hours),
                uint256(30 days)
            )
        );
        vm.prank(owner);
        payments.setWithdrawDelay(1 hours - 1);
    }

    function test_setWithdrawDelay_revertsParameterOutOfRangeAboveMaximum() public {
        vm.expectRevert(
            abi.encodeWithSelector(
                IPayments.ParameterOutOfRange.selector,
                "withdrawDelay",
                uint256(30 days + 1),
                uint256(1 hours),
                uint256(30 days)
            )
        );
        vm.prank(owner);
        payments.setWithdrawDelay(30 days + 1);
        vm.assertEq(payments.withdrawDelay(), DELAY);
    }

    function test_setWithdrawDelay_revertsOwnableUnauthorizedAccount() public {
        vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, stranger));
        vm.prank(stranger);
        payments.setWithdrawDelay(2 days);
    }

    function test_setWithdrawDelay_appliesToNextRequest() public {
        vm.prank(owner);
        payments.setWithdrawDelay(2 hours);
        _deposit(payer, 100 ether);
        vm.prank(payer);
        payments.requestWithdraw(1 ether);
        (, uint64 unlockAt) = payments.withdrawal(payer);
        vm.assertEq(unlockAt, uint64(block.timestamp) + 2 hours);
    }

    // ================================================================== fuzz

    /// @dev Sets burn and royalty rates for a fuzz run.
    function _setRates(uint256 burnBps, uint256 royaltyBps) internal {
        vm.prank(owner);
        payments.setBurnBps(uint16(burnBps));
        vm.prank(modelOwner);
        models.setRoyalty(MODEL, uint16(royaltyBps), royaltyReceiver);
    }

    struct Totals {
        uint256 paid;
        uint256 burned;
        uint256 royalty;
        uint256 toProvider;
    }

    /// @dev Redeems and checks that the payment split exactly, to the wei, against token balances.
    function _redeemAndCheckSplit(
        IPayments.Voucher memory voucher,
        bytes memory sig,
        uint256 burnBps,
        uint256 royaltyBps,
        uint256 expectedAmount,
        Totals memory totals
    ) internal {
        uint256 burnedBefore = token.totalBurned();
        uint256 royaltyBefore = payments.royaltiesOwed(royaltyReceiver);
        uint256 providerBefore = token.balanceOf(voucher.provider);

        uint256 amount = payments.redeem(voucher, sig);

        uint256 burned = token.totalBurned() - burnedBefore;
        uint256 royalty = payments.royaltiesOwed(royaltyReceiver) - royaltyBefore;
        uint256 toProvider = token.balanceOf(voucher.provider) - providerBefore;
        vm.assertEq(amount, expectedAmount, "amount");
        vm.assertEq(burned, amount * burnBps / BPS, "burned");
        vm.assertEq(royalty, amount * royaltyBps / BPS, "royalty");
        vm.assertEq(burned + royalty + toProvider, amount, "split");
        totals.paid += amount;
        totals.burned += burned;
        totals.royalty += royalty;
        totals.toProvider += toProvider;
    }

    function testFuzz_redeem_splitsExactly(uint256 amount, uint256 burnBps, uint256 royaltyBps) public {
        amount = bound(amount, 1, 1e30);
        burnBps = bound(burnBps, 0, 5000);
        royaltyBps = bound(royaltyBps, 0, MAX_ROYALTY_BPS);
        _setRates(burnBps, royaltyBps);
        _fund(payer, amount);
        _deposit(payer, amount);
        (IPayments.Voucher memory voucher, bytes memory sig) = _signed(amount);

        Totals memory totals;
        _redeemAndCheckSplit(voucher, sig, burnBps, royaltyBps, amount, totals);

        vm.assertEq(token.balanceOf(provider), amount - amount * burnBps / BPS - amount * royaltyBps / BPS);
        vm.assertEq(token.totalSupply(), token.totalMinted() - token.totalBurned());
        vm.assertEq(token.balanceOf(address(payments)), payments.balanceOf(payer) + totals.royalty);
    }

    /// @notice For any deposit D and rising cumulative amounts c1 <= c2 <= ... (equal steps included),
    /// the channel is paid min(max c, D) in total, and every payment splits exactly.
    function testFuzz_redeem_totalPaidIsMinOfHighestCumulativeAndDeposit(
        uint256 depositAmount,
        uint256[6] memory steps,
        uint256 burnBps,
        uint256 royaltyBps
    ) public {
        depositAmount = bound(depositAmount, 1, 1e27);
        burnBps = bound(burnBps, 0, 5000);
        royaltyBps = bound(royaltyBps, 0, MAX_ROYALTY_BPS);
        _setRates(burnBps, royaltyBps);
        _fund(payer, depositAmount);
        _deposit(payer, depositAmount);
        uint256 depositBefore = payments.balanceOf(payer);

        Totals memory totals;
        uint256 cumulative;
        for (uint256 i; i < steps.length; ++i) {
            // A third of the steps repeat the previous amount.
            cumulative += steps[i] % 3 == 0 ? 0 : bound(steps[i], 1, 4e26);
            (IPayments.Voucher memory voucher, bytes memory sig) = _signed(cumulative);
            uint256 alreadyPaid = payments.paid(payer, provider, MODEL);
            if (cumulative <= alreadyPaid) {
                vm.expectRevert(_nothingToRedeem(voucher, alreadyPaid));
                payments.redeem(voucher, sig);
                continue;
            }
            uint256 owed = cumulative - alreadyPaid;
            uint256 balance = payments.balanceOf(payer);
            _redeemAndCheckSplit(voucher, sig, burnBps, royaltyBps, owed < balance ? owed : balance, totals);
            vm.assertLe(payments.paid(payer, provider, MODEL), cumulative, "paid above signed");
        }

        uint256 expected = cumulative < depositAmount ? cumulative : depositAmount;
        vm.assertEq(totals.paid, expected, "total paid");
        vm.assertEq(payments.paid(payer, provider, MODEL), expected);
        vm.assertEq(payments.balanceOf(payer), depositBefore - expected);
        vm.assertEq(totals.burned + totals.royalty + totals.toProvider, expected);
        vm.assertEq(token.totalBurned(), totals.burned);
        vm.assertEq(token.balanceOf(provider), totals.toProvider);
        vm.assertEq(payments.royaltiesOwed(royaltyReceiver), totals.royalty);
        vm.assertEq(token.balanceOf(address(payments)), depositBefore - expected + totals.royalty);
        vm.assertEq(token.totalSupply(), token.totalMinted() - token.totalBurned());
    }

    /// @notice Vouchers in any order (stale ones included) with top-ups in between: a channel is never
    /// paid more than the highest amount signed, payments never exceed deposits, and each redemption
    /// pays exactly min(cumulative - paid, deposit).
    function testFuzz_redeem_neverPaysMoreThanSignedOrDeposited(uint256[8] memory cumulatives, uint256[8] memory topUps)
        public
    {
        uint256 deposited;
        uint256 highestSigned;
        Totals memory totals;
        for (uint256 i; i < cumulatives.length; ++i) {
            uint256 topUp = bound(topUps[i], 0, 1e24);
            if (topUp % 2 == 1) topUp = 0; // half of the steps add nothing
            if (topUp != 0) {
                _fund(payer, topUp);
                _deposit(payer, topUp);
                deposited += topUp;
            }
            uint256 cumulative = bound(cumulatives[i], 0, 4e24);
            if (cumulative > highestSigned) highestSigned = cumulative;
            (IPayments.Voucher memory voucher, bytes memory sig) = _signed(cumulative);
            uint256 alreadyPaid = payments.paid(payer, provider, MODEL);
            if (cumulative <= alreadyPaid) {
                vm.expectRevert(_nothingToRedeem(voucher, alreadyPaid));
                payments.redeem(voucher, sig);
            } else {
                uint256 owed = cumulative - alreadyPaid;
                uint256 balance = payments.balanceOf(payer);
                _redeemAndCheckSplit(voucher, sig, BURN_BPS, ROYALTY_BPS, owed < balance ? owed : balance, totals);
            }
            uint256 paidNow = payments.paid(payer, provider, MODEL);
            vm.assertGe(paidNow, alreadyPaid, "paid decreased");
            vm.assertLe(paidNow, highestSigned, "paid above signed");
            vm.assertLe(totals.paid, deposited, "paid above deposited");
            vm.assertEq(paidNow, totals.paid);
            vm.assertEq(payments.balanceOf(payer), deposited - totals.paid);
        }
        vm.assertEq(token.balanceOf(address(payments)), deposited - totals.paid + totals.royalty);
    }

    /// @notice A batch over several payers and models pays what redeeming each voucher in turn would.
    function testFuzz_redeemBatch_matchesVoucherByVoucherRules(uint256[8] memory seeds, uint256[3] memory deposits)
        public
    {
        address[3] memory payers;
        uint256[3] memory keys;
        uint256[3] memory balances;
        string[3] memory names = ["batchPayer0", "batchPayer1", "batchPayer2"];
        for (uint256 p; p < 3; ++p) {
            (payers[p], keys[p]) = makeAddrAndKey(names[p]);
            balances[p] = bound(deposits[p], 0, 1e24);
            if (balances[p] != 0) {
                _fund(payers[p], balances[p]);
                _deposit(payers[p], balances[p]);
            }
        }
        bytes32[2] memory modelIds = [MODEL, UNREGISTERED_MODEL];

        IPayments.SignedVoucher[] memory batch = new IPayments.SignedVoucher[](seeds.length);
        uint256[6] memory paidSim;
        Totals memory expected;
        for (uint256 i; i < seeds.length; ++i) {
            uint256 p = seeds[i] % 3;
            uint256 m = (seeds[i] >> 8) % 2;
            uint256 cumulative = bound(seeds[i] >> 16, 0, 1e24);
            batch[i] = _signedVoucher(keys[p], _voucher(payers[p], provider, modelIds[m], cumulative));
            uint256 channel = p * 2 + m;
            if (cumulative <= paidSim[channel]) continue; // skipped
            uint256 owed = cumulative - paidSim[channel];
            uint256 amount = owed < balances[p] ? owed : balances[p];
            paidSim[channel] += amount;
            balances[p] -= amount;
            expected.paid += amount;
            uint256 burned = amount * BURN_BPS / BPS;
            uint256 royalty = m == 0 ? amount * ROYALTY_BPS / BPS : 0;
            expected.burned += burned;
            expected.royalty += royalty;
            expected.toProvider += amount - burned - royalty;
        }

        vm.assertEq(payments.redeemBatch(batch), expected.paid);
        vm.assertEq(token.totalBurned(), expected.burned);
        vm.assertEq(payments.royaltiesOwed(royaltyReceiver), expected.royalty);
        vm.assertEq(token.balanceOf(provider), expected.toProvider);
        for (uint256 p; p < 3; ++p) {
            vm.assertEq(payments.balanceOf(payers[p]), balances[p]);
            for (uint256 m; m < 2; ++m) {
                vm.assertEq(payments.paid(payers[p], provider, modelIds[m]), paidSim[p * 2 + m]);
            }
        }
    }

    /// @notice A withdrawal pays min(requested, what redemptions left), never more.
    function testFuzz_withdraw_paysMinOfRequestAndRemainingDeposit(
        uint256 depositAmount,
        uint256 requested,
        uint256 spent
    ) public {
        depositAmount = bound(depositAmount, 1, PAYER_FUNDS);
        requested = bound(requested, 1, depositAmount);
        spent = bound(spent, 0, depositAmount);
        _deposit(payer, depositAmount);
        vm.prank(payer);
        payments.requestWithdraw(requested);
        if (spent != 0) {
            (IPayments.Voucher memory voucher, bytes memory sig) = _signed(spent);
            payments.redeem(voucher, sig);
        }
        vm.warp(block.timestamp + DELAY);

        uint256 remaining = depositAmount - spent;
        uint256 expected = requested < remaining ? requested : remaining;
        vm.prank(payer);
        vm.assertEq(payments.withdraw(), expected);
        vm.assertEq(payments.balanceOf(payer), remaining - expected);
        vm.assertEq(token.balanceOf(payer), PAYER_FUNDS - depositAmount + expected);
    }
}
