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

/// @notice Deployment and helpers shared by the Payments tests: MESH with the owner as its one minter,
/// a model registry capped at 20% royalty whose rises wait 25 hours, Payments burning 10% with a one-day
/// withdrawal delay, and one registered model paying 15% to `royaltyReceiver`, in force when setUp ends.
abstract contract PaymentsTestBase is Test {
    uint16 internal constant BURN_BPS = 1000;
    uint64 internal constant DELAY = 1 days;
    uint64 internal constant ROYALTY_DELAY = 25 hours;
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

        token = new MeshToken(owner, address(0), 0);
        vm.prank(owner);
        token.setMinter(owner);
        models = new ModelRegistry(owner, MAX_ROYALTY_BPS, ROYALTY_DELAY);
        payments = new Payments(owner, token, models, BURN_BPS, DELAY, GENESIS, EPOCH_LENGTH);
        vm.label(address(token), "MESH");
        vm.label(address(models), "ModelRegistry");
        vm.label(address(payments), "Payments");

        vm.prank(modelOwner);
        models.register(MODEL, "tinyllama", "ipfs://tinyllama", ROYALTY_BPS, royaltyReceiver);
        vm.warp(block.timestamp + ROYALTY_DELAY); // the model's royalty is in force from here

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

    function _allocate(address payer_, address provider_, uint256 amount) internal {
        IPayments.Allocation[] memory allocations = new IPayments.Allocation[](1);
        allocations[0] = IPayments.Allocation(provider_, amount);
        vm.prank(payer_);
        payments.allocate(allocations);
    }

    /// @dev `payer_` deposits `amount` and allocates all of it to `provider_`.
    function _depositFor(address payer_, address provider_, uint256 amount) internal {
        IPayments.Allocation[] memory allocations = new IPayments.Allocation[](1);
        allocations[0] = IPayments.Allocation(provider_, amount);
        vm.prank(payer_);
        payments.depositAndAllocate(amount, allocations);
    }

    /// @dev The payer deposits `amount` and allocates all of it to `provider`.
    function _reserve(uint256 amount) internal {
        _depositFor(payer, provider, amount);
    }

    function _allocation(address payer_, address provider_) internal view returns (uint256 amount) {
        (amount,,) = payments.allocationOf(payer_, provider_);
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

    /// @dev The burn of a payment: burnBps of it, rounded up.
    function _burnOf(uint256 amount, uint256 burnBps) internal pure returns (uint256) {
        return (amount * burnBps + BPS - 1) / BPS;
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

    function _expectSkipped(IPayments.Voucher memory voucher, bytes4 reason) internal {
        vm.expectEmit(address(payments));
        emit IPayments.RedeemSkipped(voucher.payer, voucher.provider, voucher.modelId, voucher.cumulativeAmount, reason);
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
        vm.assertEq(payments.SETTLEMENT_INTERVAL(), 1 hours);
        vm.assertEq(payments.pendingBurn(), 0);
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
                uint256(ROYALTY_DELAY - 1 hours)
            )
        );
        new Payments(owner, token, models, BURN_BPS, 1 hours - 1, GENESIS, EPOCH_LENGTH);
    }

    /// @dev A royalty rise must wait longer than a release: withdrawDelay + SETTLEMENT_INTERVAL <= the
    /// registry's royaltyIncreaseDelay.
    function test_constructor_revertsWithdrawDelayAboveTheRoyaltyDelayLessTheSettlementInterval() public {
        vm.expectRevert(
            abi.encodeWithSelector(
                IPayments.ParameterOutOfRange.selector,
                "withdrawDelay",
                uint256(ROYALTY_DELAY - 1 hours + 1),
                uint256(1 hours),
                uint256(ROYALTY_DELAY - 1 hours)
            )
        );
        new Payments(owner, token, models, BURN_BPS, ROYALTY_DELAY - 1 hours + 1, GENESIS, EPOCH_LENGTH);
        vm.assertEq(
            new Payments(owner, token, models, BURN_BPS, ROYALTY_DELAY - 1 hours, GENESIS, EPOCH_LENGTH)
                .withdrawDelay(),
            ROYALTY_DELAY - 1 hours
        );
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

    function test_deposit_backsNoProviderUntilAllocated() public {
        _deposit(payer, 100 ether);
        (IPayments.Voucher memory voucher, bytes memory sig) = _signed(10 ether);
        vm.expectRevert(abi.encodeWithSelector(IPayments.AllocationEmpty.selector, payer, provider));
        payments.redeem(voucher, sig);
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

    // =============================================================== allocate

    function _three(uint256 a, uint256 b, uint256 c)
        internal
        returns (IPayments.Allocation[] memory allocations, address[3] memory providers)
    {
        providers = [provider, makeAddr("provider2"), makeAddr("provider3")];
        allocations = new IPayments.Allocation[](3);
        allocations[0] = IPayments.Allocation(providers[0], a);
        allocations[1] = IPayments.Allocation(providers[1], b);
        allocations[2] = IPayments.Allocation(providers[2], c);
    }

    function test_allocate_movesDepositToManyProvidersAndEmits() public {
        _deposit(payer, 100 ether);
        (IPayments.Allocation[] memory allocations, address[3] memory providers) = _three(10 ether, 20 ether, 30 ether);

        for (uint256 i; i < 3; ++i) {
            vm.expectEmit(address(payments));
            emit IPayments.Allocated(payer, providers[i], (i + 1) * 10 ether, (i + 1) * 10 ether);
        }
        vm.prank(payer);
        payments.allocate(allocations);

        vm.assertEq(payments.balanceOf(payer), 40 ether);
        for (uint256 i; i < 3; ++i) {
            (uint256 amount, uint256 releasing, uint64 releaseAt) = payments.allocationOf(payer, providers[i]);
            vm.assertEq(amount, (i + 1) * 10 ether);
            vm.assertEq(releasing, 0);
            vm.assertEq(releaseAt, 0);
        }
        // No tokens move: allocations are still held by Payments.
        vm.assertEq(token.balanceOf(address(payments)), 100 ether);
    }

    function test_allocate_addsToAnExistingAllocation() public {
        _deposit(payer, 100 ether);
        _allocate(payer, provider, 30 ether);
        vm.expectEmit(address(payments));
        emit IPayments.Allocated(payer, provider, 5 ether, 35 ether);
        _allocate(payer, provider, 5 ether);
        vm.assertEq(_allocation(payer, provider), 35 ether);
        vm.assertEq(payments.balanceOf(payer), 65 ether);
    }

    function test_allocate_acceptsTheSameProviderTwiceInOneBatch() public {
        _deposit(payer, 100 ether);
        IPayments.Allocation[] memory allocations = new IPayments.Allocation[](2);
        allocations[0] = IPayments.Allocation(provider, 30 ether);
        allocations[1] = IPayments.Allocation(provider, 70 ether);
        vm.prank(payer);
        payments.allocate(allocations);
        vm.assertEq(_allocation(payer, provider), 100 ether);
        vm.assertEq(payments.balanceOf(payer), 0);
    }

    function test_allocate_revertsEmptyBatch() public {
        _deposit(payer, 100 ether);
        vm.expectRevert(IPayments.EmptyBatch.selector);
        vm.prank(payer);
        payments.allocate(new IPayments.Allocation[](0));
    }

    function test_allocate_revertsZeroAddress() public {
        _deposit(payer, 100 ether);
        (IPayments.Allocation[] memory allocations,) = _three(1 ether, 1 ether, 1 ether);
        allocations[1].provider = address(0);
        vm.expectRevert(IPayments.ZeroAddress.selector);
        vm.prank(payer);
        payments.allocate(allocations);
    }

    function test_allocate_revertsZeroAmount() public {
        _deposit(payer, 100 ether);
        (IPayments.Allocation[] memory allocations,) = _three(1 ether, 0, 1 ether);
        vm.expectRevert(IPayments.ZeroAmount.selector);
        vm.prank(payer);
        payments.allocate(allocations);
    }

    function test_allocate_revertsInsufficientBalanceAndKeepsEveryEntryOut() public {
        _deposit(payer, 100 ether);
        (IPayments.Allocation[] memory allocations, address[3] memory providers) = _three(50 ether, 40 ether, 11 ether);
        vm.expectRevert(abi.encodeWithSelector(IPayments.InsufficientBalance.selector, 10 ether, 11 ether));
        vm.prank(payer);
        payments.allocate(allocations);
        vm.assertEq(payments.balanceOf(payer), 100 ether);
        vm.assertEq(_allocation(payer, providers[0]), 0);
    }

    function test_allocate_revertsInsufficientBalanceForAmountsAsideForWithdrawal() public {
        _deposit(payer, 100 ether);
        vm.prank(payer);
        payments.requestWithdraw(80 ether);
        vm.expectRevert(abi.encodeWithSelector(IPayments.InsufficientBalance.selector, 20 ether, 21 ether));
        _allocate(payer, provider, 21 ether);
    }

    // ===================================================== depositAndAllocate

    function test_depositAndAllocate_depositsAndAllocatesInOneTransaction() public {
        (IPayments.Allocation[] memory allocations, address[3] memory providers) = _three(10 ether, 20 ether, 30 ether);
        vm.expectEmit(address(payments));
        emit IPayments.Deposited(payer, payer, 60 ether);
        vm.expectEmit(address(payments));
        emit IPayments.Allocated(payer, providers[0], 10 ether, 10 ether);
        vm.prank(payer);
        payments.depositAndAllocate(60 ether, allocations);

        vm.assertEq(payments.balanceOf(payer), 0);
        vm.assertEq(_allocation(payer, providers[2]), 30 ether);
        vm.assertEq(token.balanceOf(payer), PAYER_FUNDS - 60 ether);
        vm.assertEq(token.balanceOf(address(payments)), 60 ether);
    }

    function test_depositAndAllocate_usesOlderDepositToo() public {
        _deposit(payer, 50 ether);
        (IPayments.Allocation[] memory allocations,) = _three(40 ether, 40 ether, 40 ether);
        vm.prank(payer);
        payments.depositAndAllocate(70 ether, allocations);
        vm.assertEq(payments.balanceOf(payer), 0);
        vm.assertEq(token.balanceOf(address(payments)), 120 ether);
    }

    function test_depositAndAllocate_revertsInsufficientBalanceWhenAllocationsExceed() public {
        (IPayments.Allocation[] memory allocations,) = _three(40 ether, 40 ether, 40 ether);
        vm.expectRevert(abi.encodeWithSelector(IPayments.InsufficientBalance.selector, 20 ether, 40 ether));
        vm.prank(payer);
        payments.depositAndAllocate(100 ether, allocations);
        vm.assertEq(token.balanceOf(payer), PAYER_FUNDS);
    }

    function test_depositAndAllocate_revertsZeroAmount() public {
        (IPayments.Allocation[] memory allocations,) = _three(1, 1, 1);
        vm.expectRevert(IPayments.ZeroAmount.selector);
        vm.prank(payer);
        payments.depositAndAllocate(0, allocations);
    }

    // ========================================================= requestRelease

    function test_requestRelease_recordsRequestAndKeepsTheAllocation() public {
        _reserve(100 ether);
        uint64 unlockAt = uint64(block.timestamp) + DELAY;
        vm.expectEmit(address(payments));
        emit IPayments.ReleaseRequested(payer, provider, 40 ether, unlockAt);
        vm.prank(payer);
        payments.requestRelease(provider, 40 ether);

        (uint256 amount, uint256 releasing, uint64 releaseAt) = payments.allocationOf(payer, provider);
        vm.assertEq(amount, 100 ether);
        vm.assertEq(releasing, 40 ether);
        vm.assertEq(releaseAt, unlockAt);
        vm.assertEq(payments.balanceOf(payer), 0);
    }

    function test_requestRelease_keepsTheWholeAllocationRedeemableDuringTheWait() public {
        _reserve(100 ether);
        vm.prank(payer);
        payments.requestRelease(provider, 100 ether);
        vm.warp(block.timestamp + DELAY - 1);
        (IPayments.Voucher memory voucher, bytes memory sig) = _signed(90 ether);
        vm.assertEq(payments.redeem(voucher, sig), 90 ether);
        vm.assertEq(_allocation(payer, provider), 10 ether);
    }

    function test_requestRelease_replacesPendingAndRestartsDelay() public {
        _reserve(100 ether);
        vm.prank(payer);
        payments.requestRelease(provider, 100 ether);
        uint64 firstUnlock = uint64(block.timestamp) + DELAY;
        vm.warp(block.timestamp + 12 hours);
        uint64 secondUnlock = uint64(block.timestamp) + DELAY;
        vm.prank(payer);
        payments.requestRelease(provider, 30 ether);

        vm.warp(firstUnlock);
        vm.expectRevert(abi.encodeWithSelector(IPayments.ReleaseLocked.selector, secondUnlock));
        vm.prank(payer);
        payments.release(provider);
        vm.warp(secondUnlock);
        vm.prank(payer);
        vm.assertEq(payments.release(provider), 30 ether);
        vm.assertEq(_allocation(payer, provider), 70 ether);
    }

    function test_requestRelease_revertsZeroAmount() public {
        _reserve(100 ether);
        vm.expectRevert(IPayments.ZeroAmount.selector);
        vm.prank(payer);
        payments.requestRelease(provider, 0);
    }

    function test_requestRelease_revertsInsufficientAllocation() public {
        _reserve(100 ether);
        vm.expectRevert(abi.encodeWithSelector(IPayments.InsufficientAllocation.selector, 100 ether, 100 ether + 1));
        vm.prank(payer);
        payments.requestRelease(provider, 100 ether + 1);
        vm.expectRevert(abi.encodeWithSelector(IPayments.InsufficientAllocation.selector, 0, 1));
        vm.prank(payer);
        payments.requestRelease(stranger, 1);
    }

    // ========================================================== cancelRelease

    function test_cancelRelease_clearsTheRequest() public {
        _reserve(100 ether);
        vm.prank(payer);
        payments.requestRelease(provider, 40 ether);
        vm.expectEmit(address(payments));
        emit IPayments.ReleaseCancelled(payer, provider);
        vm.prank(payer);
        payments.cancelRelease(provider);
        (uint256 amount, uint256 releasing, uint64 releaseAt) = payments.allocationOf(payer, provider);
        vm.assertEq(amount, 100 ether);
        vm.assertEq(releasing, 0);
        vm.assertEq(releaseAt, 0);
        vm.warp(block.timestamp + DELAY);
        vm.expectRevert(abi.encodeWithSelector(IPayments.NoReleaseRequested.selector, payer, provider));
        vm.prank(payer);
        payments.release(provider);
    }

    function test_cancelRelease_revertsNoReleaseRequested() public {
        _reserve(100 ether);
        vm.expectRevert(abi.encodeWithSelector(IPayments.NoReleaseRequested.selector, payer, provider));
        vm.prank(payer);
        payments.cancelRelease(provider);
    }

    // ================================================================ release

    function test_release_revertsNoReleaseRequested() public {
        _reserve(100 ether);
        vm.expectRevert(abi.encodeWithSelector(IPayments.NoReleaseRequested.selector, payer, provider));
        vm.prank(payer);
        payments.release(provider);
    }

    function test_release_revertsReleaseLockedBeforeTheDelay() public {
        _reserve(100 ether);
        vm.prank(payer);
        payments.requestRelease(provider, 40 ether);
        uint64 unlockAt = uint64(block.timestamp) + DELAY;
        vm.warp(unlockAt - 1);
        vm.expectRevert(abi.encodeWithSelector(IPayments.ReleaseLocked.selector, unlockAt));
        vm.prank(payer);
        payments.release(provider);
    }

    function test_release_movesTheAmountBackToTheDepositAtUnlock() public {
        _reserve(100 ether);
        vm.prank(payer);
        payments.requestRelease(provider, 40 ether);
        vm.warp(block.timestamp + DELAY);

        vm.expectEmit(address(payments));
        emit IPayments.Released(payer, provider, 40 ether);
        vm.prank(payer);
        vm.assertEq(payments.release(provider), 40 ether);

        (uint256 amount, uint256 releasing, uint64 releaseAt) = payments.allocationOf(payer, provider);
        vm.assertEq(amount, 60 ether);
        vm.assertEq(releasing, 0);
        vm.assertEq(releaseAt, 0);
        vm.assertEq(payments.balanceOf(payer), 40 ether);
        vm.assertEq(token.balanceOf(address(payments)), 100 ether);
    }

    function test_release_movesOnlyWhatRedemptionsLeft() public {
        _reserve(100 ether);
        vm.prank(payer);
        payments.requestRelease(provider, 100 ether);
        (IPayments.Voucher memory voucher, bytes memory sig) = _signed(70 ether);
        payments.redeem(voucher, sig);
        vm.warp(block.timestamp + DELAY);
        vm.prank(payer);
        vm.assertEq(payments.release(provider), 30 ether);
        vm.assertEq(_allocation(payer, provider), 0);
        vm.assertEq(payments.balanceOf(payer), 30 ether);
    }

    function test_release_movesZeroWhenRedemptionsSpentTheAllocation() public {
        _reserve(100 ether);
        vm.prank(payer);
        payments.requestRelease(provider, 50 ether);
        (IPayments.Voucher memory voucher, bytes memory sig) = _signed(100 ether);
        payments.redeem(voucher, sig);
        vm.warp(block.timestamp + DELAY);
        vm.prank(payer);
        vm.assertEq(payments.release(provider), 0);
        vm.assertEq(payments.balanceOf(payer), 0);
    }

    function test_release_keepsTheUnlockTimeWhenTheDelayChanges() public {
        _reserve(100 ether);
        vm.prank(payer);
        payments.requestRelease(provider, 40 ether);
        uint64 unlockAt = uint64(block.timestamp) + DELAY;
        vm.prank(owner);
        payments.setWithdrawDelay(1 hours);
        vm.warp(unlockAt - 1);
        vm.expectRevert(abi.encodeWithSelector(IPayments.ReleaseLocked.selector, unlockAt));
        vm.prank(payer);
        payments.release(provider);
    }

    // ======================================================== requestWithdraw

    function test_requestWithdraw_movesTheAmountAsideAndRecords() public {
        _deposit(payer, 100 ether);
        uint64 unlockAt = uint64(block.timestamp) + DELAY;

        vm.expectEmit(address(payments));
        emit IPayments.WithdrawRequested(payer, 40 ether, unlockAt);
        vm.prank(payer);
        payments.requestWithdraw(40 ether);

        (uint256 amount, uint64 at) = payments.withdrawal(payer);
        vm.assertEq(amount, 40 ether);
        vm.assertEq(at, unlockAt);
        vm.assertEq(payments.balanceOf(payer), 60 ether);
        vm.assertEq(token.balanceOf(address(payments)), 100 ether);
    }

    function test_requestWithdraw_acceptsWholeBalance() public {
        _deposit(payer, 100 ether);
        vm.prank(payer);
        payments.requestWithdraw(100 ether);
        (uint256 amount,) = payments.withdrawal(payer);
        vm.assertEq(amount, 100 ether);
        vm.assertEq(payments.balanceOf(payer), 0);
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

    function test_requestWithdraw_revertsInsufficientBalanceForAllocatedFunds() public {
        _deposit(payer, 100 ether);
        _allocate(payer, provider, 70 ether);
        vm.expectRevert(abi.encodeWithSelector(IPayments.InsufficientBalance.selector, 30 ether, 31 ether));
        vm.prank(payer);
        payments.requestWithdraw(31 ether);
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
        vm.assertEq(payments.balanceOf(payer), 70 ether);

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

    // ========================================================= cancelWithdraw

    function test_cancelWithdraw_returnsTheAmountToTheDeposit() public {
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

    function test_withdraw_neverTouchesAllocations() public {
        _deposit(payer, 100 ether);
        _allocate(payer, provider, 60 ether);
        vm.prank(payer);
        payments.requestWithdraw(40 ether);
        vm.warp(block.timestamp + DELAY);
        vm.prank(payer);
        vm.assertEq(payments.withdraw(), 40 ether);
        vm.assertEq(_allocation(payer, provider), 60 ether);
        (IPayments.Voucher memory voucher, bytes memory sig) = _signed(60 ether);
        vm.assertEq(payments.redeem(voucher, sig), 60 ether);
    }

    function test_withdraw_keepsUnlockTimeWhenDelayChanges() public {
        _deposit(payer, 100 ether);
        vm.prank(payer);
        payments.requestWithdraw(40 ether);
        uint64 unlockAt = uint64(block.timestamp) + DELAY;

        vm.prank(owner);
        payments.setWithdrawDelay(1 hours);

        vm.warp(block.timestamp + 1 hours);
        vm.expectRevert(abi.encodeWithSelector(IPayments.WithdrawalLocked.selector, unlockAt));
        vm.prank(payer);
        payments.withdraw();
        vm.warp(unlockAt);
        vm.prank(payer);
        vm.assertEq(payments.withdraw(), 40 ether);
    }

    // ================================================================= redeem

    function test_redeem_splitsBurnRoyaltyAndProvider() public {
        _reserve(500 ether);
        (IPayments.Voucher memory voucher, bytes memory sig) = _signed(100 ether);

        vm.prank(stranger); // anyone may submit; the provider is paid
        uint256 amount = payments.redeem(voucher, sig);

        // 100 = 10 burned (10%) + 15 royalty (15%) + 75 provider.
        vm.assertEq(amount, 100 ether);
        vm.assertEq(payments.paid(payer, provider, MODEL), 100 ether);
        vm.assertEq(_allocation(payer, provider), 400 ether);
        vm.assertEq(token.balanceOf(provider), 75 ether);
        vm.assertEq(token.balanceOf(stranger), 0);
        vm.assertEq(payments.royaltiesOwed(royaltyReceiver), 15 ether);
        vm.assertEq(token.balanceOf(royaltyReceiver), 0);
        vm.assertEq(payments.pendingBurn(), 10 ether);
        // Allocation + royalty owed + burn not yet flushed.
        vm.assertEq(token.balanceOf(address(payments)), 425 ether);
        vm.assertEq(token.totalBurned(), 0);

        payments.flushBurn();
        vm.assertEq(token.totalBurned(), 10 ether);
        vm.assertEq(token.totalSupply(), PAYER_FUNDS - 10 ether);
        vm.assertEq(token.balanceOf(address(payments)), 415 ether);
    }

    function test_redeem_emitsRedeemedAndTransfers() public {
        _reserve(500 ether);
        (IPayments.Voucher memory voucher, bytes memory sig) = _signed(100 ether);

        _expectRedeemed(voucher, 100 ether, 10 ether, 15 ether);
        vm.expectEmit(address(token));
        emit IERC20.Transfer(address(payments), provider, 75 ether);
        payments.redeem(voucher, sig);
    }

    function test_redeem_paysCumulativeMinusAlreadyPaid() public {
        _reserve(500 ether);
        (IPayments.Voucher memory first, bytes memory firstSig) = _signed(100 ether);
        payments.redeem(first, firstSig);

        (IPayments.Voucher memory second, bytes memory secondSig) = _signed(250 ether);
        _expectRedeemed(second, 150 ether, 15 ether, 22.5 ether);
        vm.assertEq(payments.redeem(second, secondSig), 150 ether);

        vm.assertEq(payments.paid(payer, provider, MODEL), 250 ether);
        vm.assertEq(_allocation(payer, provider), 250 ether);
        vm.assertEq(token.balanceOf(provider), 75 ether + 112.5 ether);
        vm.assertEq(payments.royaltiesOwed(royaltyReceiver), 15 ether + 22.5 ether);
        vm.assertEq(payments.pendingBurn(), 25 ether);
        vm.assertEq(token.balanceOf(address(payments)), 250 ether + 37.5 ether + 25 ether);
    }

    function test_redeem_paysNoRoyaltyForUnregisteredModel() public {
        _reserve(500 ether);
        IPayments.Voucher memory voucher = _voucher(payer, provider, UNREGISTERED_MODEL, 100 ether);
        bytes memory sig = _sign(payerKey, voucher);

        _expectRedeemed(voucher, 100 ether, 10 ether, 0);
        payments.redeem(voucher, sig);

        vm.assertEq(token.balanceOf(provider), 90 ether);
        vm.assertEq(payments.royaltiesOwed(royaltyReceiver), 0);
        vm.assertEq(payments.royaltiesOwed(address(0)), 0);
        vm.assertEq(token.balanceOf(address(payments)), 410 ether);
    }

    function test_redeem_paysNoRoyaltyForZeroRoyaltyModel() public {
        bytes32 freeModel = keccak256("free-model.gguf");
        vm.prank(modelOwner);
        models.register(freeModel, "free", "", 0, address(0));
        _reserve(500 ether);
        IPayments.Voucher memory voucher = _voucher(payer, provider, freeModel, 100 ether);

        payments.redeem(voucher, _sign(payerKey, voucher));

        vm.assertEq(token.balanceOf(provider), 90 ether);
        vm.assertEq(payments.royaltiesOwed(address(0)), 0);
    }

    /// @dev P4: the model owner raises the royalty right before the provider redeems work it served at
    /// 15%: the provider is still paid at 15% (the rise waits royaltyIncreaseDelay, longer than the
    /// withdrawal delay plus the settlement interval).
    function test_redeem_paysTheRoyaltyInForceNotARiseAnnouncedAfterTheWork() public {
        _reserve(500 ether);
        (IPayments.Voucher memory voucher, bytes memory sig) = _signed(100 ether);
        vm.prank(modelOwner);
        models.setRoyalty(MODEL, MAX_ROYALTY_BPS, royaltyReceiver);
        vm.warp(block.timestamp + DELAY + 1 hours - 1);

        _expectRedeemed(voucher, 100 ether, 10 ether, 15 ether);
        payments.redeem(voucher, sig);
        vm.assertEq(token.balanceOf(provider), 75 ether);
    }

    /// @dev P4: a squatter registers a popular model id at the highest royalty; work already offered for
    /// the unregistered id pays no royalty for the whole delay.
    function test_redeem_paysNoRoyaltyToASquatterBeforeTheDelay() public {
        bytes32 popular = keccak256("popular-open-model.gguf");
        _reserve(500 ether);
        IPayments.Voucher memory voucher = _voucher(payer, provider, popular, 100 ether);
        bytes memory sig = _sign(payerKey, voucher);
        vm.prank(stranger);
        models.register(popular, "popular", "", MAX_ROYALTY_BPS, stranger);
        vm.warp(block.timestamp + ROYALTY_DELAY - 1);

        payments.redeem(voucher, sig);
        vm.assertEq(token.balanceOf(provider), 90 ether);
        vm.assertEq(payments.royaltiesOwed(stranger), 0);
    }

    function test_redeem_paysRoyaltyToCurrentReceiver() public {
        address newReceiver = makeAddr("newReceiver");
        vm.prank(modelOwner);
        models.setRoyalty(MODEL, ROYALTY_BPS, newReceiver);
        _reserve(500 ether);
        (IPayments.Voucher memory voucher, bytes memory sig) = _signed(100 ether);

        payments.redeem(voucher, sig);

        vm.assertEq(payments.royaltiesOwed(newReceiver), 15 ether);
        vm.assertEq(payments.royaltiesOwed(royaltyReceiver), 0);
        vm.assertEq(token.balanceOf(provider), 75 ether);
    }

    function test_redeem_appliesARoyaltyDecreaseAtOnce() public {
        vm.prank(modelOwner);
        models.setRoyalty(MODEL, 500, royaltyReceiver);
        _reserve(500 ether);
        (IPayments.Voucher memory voucher, bytes memory sig) = _signed(100 ether);
        _expectRedeemed(voucher, 100 ether, 10 ether, 5 ether);
        payments.redeem(voucher, sig);
        vm.assertEq(token.balanceOf(provider), 85 ether);
    }

    function test_redeem_burnsNothingWhenBurnBpsZero() public {
        vm.prank(owner);
        payments.setBurnBps(0);
        _reserve(500 ether);
        (IPayments.Voucher memory voucher, bytes memory sig) = _signed(100 ether);

        _expectRedeemed(voucher, 100 ether, 0, 15 ether);
        vm.expectEmit(address(token));
        emit IERC20.Transfer(address(payments), provider, 85 ether);
        payments.redeem(voucher, sig);

        vm.assertEq(payments.pendingBurn(), 0);
        vm.assertEq(payments.burnedOf(payments.currentEpoch(), provider), 0);
        vm.assertEq(token.balanceOf(provider), 85 ether);
    }

    function test_redeem_roundsTheBurnUpAndTheRoyaltyDown() public {
        _reserve(500 ether);
        (IPayments.Voucher memory voucher, bytes memory sig) = _signed(19);

        // 19 wei: burn 19*10% = 1.9 -> 2, royalty 19*15% = 2.85 -> 2, provider 15.
        _expectRedeemed(voucher, 19, 2, 2);
        payments.redeem(voucher, sig);

        vm.assertEq(token.balanceOf(provider), 15);
        vm.assertEq(payments.royaltiesOwed(royaltyReceiver), 2);
        vm.assertEq(payments.pendingBurn(), 2);
        vm.assertEq(payments.burnedOf(payments.currentEpoch(), provider), 2);
    }

    function test_redeem_burnsOneWeiOfAOneWeiPayment() public {
        _reserve(500 ether);
        (IPayments.Voucher memory voucher, bytes memory sig) = _signed(1);
        _expectRedeemed(voucher, 1, 1, 0);
        payments.redeem(voucher, sig);
        vm.assertEq(token.balanceOf(provider), 0);
    }

    function test_redeem_paysWhatTheAllocationHoldsWhenShort() public {
        _reserve(50 ether);
        (IPayments.Voucher memory voucher, bytes memory sig) = _signed(80 ether);

        _expectRedeemed(voucher, 50 ether, 5 ether, 7.5 ether);
        vm.expectEmit(address(payments));
        emit IPayments.Shortfall(payer, provider, MODEL, 30 ether);
        vm.expectEmit(address(token));
        emit IERC20.Transfer(address(payments), provider, 37.5 ether);
        vm.assertEq(payments.redeem(voucher, sig), 50 ether);

        vm.assertEq(payments.paid(payer, provider, MODEL), 50 ether);
        vm.assertEq(_allocation(payer, provider), 0);
        vm.assertEq(token.balanceOf(provider), 37.5 ether);
        vm.assertEq(payments.royaltiesOwed(royaltyReceiver), 7.5 ether);
        vm.assertEq(token.balanceOf(address(payments)), 7.5 ether + 5 ether);
    }

    function test_redeem_neverDrawsOnTheUnallocatedDeposit() public {
        _deposit(payer, 500 ether);
        _allocate(payer, provider, 50 ether);
        (IPayments.Voucher memory voucher, bytes memory sig) = _signed(80 ether);
        vm.assertEq(payments.redeem(voucher, sig), 50 ether);
        vm.assertEq(payments.balanceOf(payer), 450 ether);
    }

    function test_redeem_paysRestOfSameVoucherAfterNewAllocation() public {
        _reserve(50 ether);
        (IPayments.Voucher memory voucher, bytes memory sig) = _signed(80 ether);
        payments.redeem(voucher, sig);

        _reserve(100 ether);
        _expectRedeemed(voucher, 30 ether, 3 ether, 4.5 ether);
        vm.assertEq(payments.redeem(voucher, sig), 30 ether);

        vm.assertEq(payments.paid(payer, provider, MODEL), 80 ether);
        vm.assertEq(_allocation(payer, provider), 70 ether);
        vm.assertEq(token.balanceOf(provider), 37.5 ether + 22.5 ether);
        vm.assertEq(payments.royaltiesOwed(royaltyReceiver), 12 ether);
        vm.assertEq(payments.pendingBurn(), 8 ether);

        // Now fully paid: the same voucher has nothing left.
        vm.expectRevert(_nothingToRedeem(voucher, 80 ether));
        payments.redeem(voucher, sig);
    }

    function test_redeem_revertsAllocationEmpty() public {
        (IPayments.Voucher memory voucher, bytes memory sig) = _signed(80 ether);
        vm.expectRevert(abi.encodeWithSelector(IPayments.AllocationEmpty.selector, payer, provider));
        payments.redeem(voucher, sig);
        vm.assertEq(payments.paid(payer, provider, MODEL), 0);
    }

    function test_redeem_revertsNothingToRedeemWhenReplayed() public {
        _reserve(500 ether);
        (IPayments.Voucher memory voucher, bytes memory sig) = _signed(100 ether);
        payments.redeem(voucher, sig);

        vm.expectRevert(_nothingToRedeem(voucher, 100 ether));
        payments.redeem(voucher, sig);

        vm.assertEq(token.balanceOf(provider), 75 ether);
        vm.assertEq(_allocation(payer, provider), 400 ether);
    }

    function test_redeem_revertsNothingToRedeemZeroCumulative() public {
        _reserve(500 ether);
        (IPayments.Voucher memory voucher, bytes memory sig) = _signed(0);
        vm.expectRevert(_nothingToRedeem(voucher, 0));
        payments.redeem(voucher, sig);
    }

    function test_redeem_revertsZeroAddressProvider() public {
        _reserve(500 ether);
        IPayments.Voucher memory voucher = _voucher(payer, address(0), MODEL, 100 ether);
        bytes memory sig = _sign(payerKey, voucher);
        vm.expectRevert(IPayments.ZeroAddress.selector);
        payments.redeem(voucher, sig);
    }

    function test_redeem_revertsInvalidSignature() public {
        _reserve(500 ether);
        uint256 otherKey = uint256(keccak256("not the payer"));
        IPayments.Voucher memory voucher = _voucher(payer, provider, MODEL, 100 ether);
        bytes memory sig = _sign(otherKey, voucher);
        vm.expectRevert(abi.encodeWithSelector(IPayments.InvalidSignature.selector, payer));
        payments.redeem(voucher, sig);
    }

    function test_redeem_keepsChannelsApart() public {
        address otherProvider = makeAddr("otherProvider");
        _reserve(300 ether);
        _depositFor(payer, otherProvider, 200 ether);
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
        vm.assertEq(_allocation(payer, provider), 100 ether);
        vm.assertEq(_allocation(payer, otherProvider), 100 ether);
        vm.assertEq(token.balanceOf(provider), 75 ether + 90 ether);
        vm.assertEq(token.balanceOf(otherProvider), 75 ether);
    }

    /// @dev P1 (issue 11): a payer redeems a voucher made out to an address of its own. It only drains
    /// what it allocated to that address; the honest provider's allocation pays its voucher in full.
    function test_redeem_aSelfVoucherDrainsOnlyTheAllocationToThePayersOwnAddress() public {
        address pocket = makeAddr("pocket");
        _reserve(100 ether);
        _depositFor(payer, pocket, 20 ether);
        (IPayments.Voucher memory honest, bytes memory honestSig) = _signed(100 ether);

        IPayments.Voucher memory self = _voucher(payer, pocket, MODEL, 1000 ether);
        vm.prank(payer);
        vm.assertEq(payments.redeem(self, _sign(payerKey, self)), 20 ether);
        vm.expectRevert(abi.encodeWithSelector(IPayments.InsufficientBalance.selector, 0, 1));
        vm.prank(payer);
        payments.requestWithdraw(1); // nothing else to take out without the delay either

        vm.assertEq(payments.redeem(honest, honestSig), 100 ether);
        vm.assertEq(token.balanceOf(provider), 75 ether);
    }

    /// @dev P1b: one deposit no longer backs every provider at once; each draws on its own allocation.
    function test_redeem_oneDepositBacksEachProviderOnlyWithItsAllocation() public {
        address second = makeAddr("secondProvider");
        _deposit(payer, 100 ether);
        IPayments.Allocation[] memory allocations = new IPayments.Allocation[](2);
        allocations[0] = IPayments.Allocation(provider, 60 ether);
        allocations[1] = IPayments.Allocation(second, 40 ether);
        vm.prank(payer);
        payments.allocate(allocations);

        IPayments.Voucher memory toSecond = _voucher(payer, second, MODEL, 100 ether);
        vm.assertEq(payments.redeem(toSecond, _sign(payerKey, toSecond)), 40 ether);
        (IPayments.Voucher memory toFirst, bytes memory sig) = _signed(60 ether);
        vm.assertEq(payments.redeem(toFirst, sig), 60 ether);
    }

    // ============================================================ redeemBatch

    function test_redeemBatch_revertsEmptyBatch() public {
        vm.expectRevert(IPayments.EmptyBatch.selector);
        payments.redeemBatch(new IPayments.SignedVoucher[](0));
    }

    function test_redeemBatch_revertsZeroAddressForTheBatchProvider() public {
        IPayments.SignedVoucher[] memory batch = new IPayments.SignedVoucher[](1);
        batch[0] = _signedVoucher(payerKey, _voucher(payer, address(0), MODEL, 10 ether));
        vm.expectRevert(IPayments.ZeroAddress.selector);
        payments.redeemBatch(batch);
    }

    function test_redeemBatch_skipsAVoucherForAnotherProvider() public {
        address otherProvider = makeAddr("otherProvider");
        _reserve(500 ether);
        _depositFor(payer, otherProvider, 100 ether);
        IPayments.SignedVoucher[] memory batch = new IPayments.SignedVoucher[](2);
        batch[0] = _signedVoucher(payerKey, _voucher(payer, provider, MODEL, 10 ether));
        batch[1] = _signedVoucher(payerKey, _voucher(payer, otherProvider, MODEL, 10 ether));

        _expectRedeemed(batch[0].voucher, 10 ether, 1 ether, 1.5 ether);
        _expectSkipped(batch[1].voucher, IPayments.ProviderMismatch.selector);
        vm.assertEq(payments.redeemBatch(batch), 10 ether);
        vm.assertEq(payments.paid(payer, otherProvider, MODEL), 0);
    }

    function test_redeemBatch_paysManyPayersAndModels() public {
        (address payer2, uint256 payer2Key) = makeAddrAndKey("payer2");
        address receiver2 = makeAddr("receiver2");
        bytes32 model2 = keccak256("mistral-7b-q4.gguf");
        vm.prank(modelOwner);
        models.register(model2, "mistral", "", 500, receiver2);
        vm.warp(block.timestamp + ROYALTY_DELAY);
        _fund(payer2, 100 ether);
        _reserve(500 ether);
        _depositFor(payer2, provider, 100 ether);

        IPayments.SignedVoucher[] memory batch = new IPayments.SignedVoucher[](4);
        batch[0] = _signedVoucher(payerKey, _voucher(payer, provider, MODEL, 100 ether));
        batch[1] = _signedVoucher(payer2Key, _voucher(payer2, provider, MODEL, 40 ether));
        batch[2] = _signedVoucher(payerKey, _voucher(payer, provider, UNREGISTERED_MODEL, 20 ether));
        batch[3] = _signedVoucher(payer2Key, _voucher(payer2, provider, model2, 60 ether));

        _expectRedeemed(batch[0].voucher, 100 ether, 10 ether, 15 ether);
        _expectRedeemed(batch[1].voucher, 40 ether, 4 ether, 6 ether);
        _expectRedeemed(batch[2].voucher, 20 ether, 2 ether, 0);
        _expectRedeemed(batch[3].voucher, 60 ether, 6 ether, 3 ether);
        // One transfer for the whole batch.
        vm.expectEmit(address(token));
        emit IERC20.Transfer(address(payments), provider, 174 ether);
        vm.prank(provider);
        vm.assertEq(payments.redeemBatch(batch), 220 ether);

        vm.assertEq(_allocation(payer, provider), 380 ether);
        vm.assertEq(_allocation(payer2, provider), 0);
        vm.assertEq(payments.paid(payer, provider, MODEL), 100 ether);
        vm.assertEq(payments.paid(payer2, provider, MODEL), 40 ether);
        vm.assertEq(payments.paid(payer, provider, UNREGISTERED_MODEL), 20 ether);
        vm.assertEq(payments.paid(payer2, provider, model2), 60 ether);
        vm.assertEq(token.balanceOf(provider), 174 ether);
        vm.assertEq(payments.royaltiesOwed(royaltyReceiver), 21 ether);
        vm.assertEq(payments.royaltiesOwed(receiver2), 3 ether);
        vm.assertEq(payments.pendingBurn(), 22 ether);
        vm.assertEq(token.balanceOf(address(payments)), 380 ether + 21 ether + 3 ether + 22 ether);
    }

    function test_redeemBatch_skipsAlreadyPaidVouchers() public {
        _reserve(500 ether);
        IPayments.SignedVoucher[] memory batch = new IPayments.SignedVoucher[](2);
        batch[0] = _signedVoucher(payerKey, _voucher(payer, provider, MODEL, 100 ether));
        batch[1] = _signedVoucher(payerKey, _voucher(payer, provider, UNREGISTERED_MODEL, 20 ether));
        // Someone else redeemed the first voucher already.
        payments.redeem(batch[0].voucher, batch[0].signature);

        _expectSkipped(batch[0].voucher, IPayments.NothingToRedeem.selector);
        _expectRedeemed(batch[1].voucher, 20 ether, 2 ether, 0);
        vm.assertEq(payments.redeemBatch(batch), 20 ether);

        vm.assertEq(_allocation(payer, provider), 380 ether);
        vm.assertEq(token.balanceOf(provider), 75 ether + 18 ether);
        vm.assertEq(payments.pendingBurn(), 12 ether);
    }

    function test_redeemBatch_paysNothingWhenEveryVoucherPaid() public {
        _reserve(500 ether);
        IPayments.SignedVoucher[] memory batch = new IPayments.SignedVoucher[](1);
        batch[0] = _signedVoucher(payerKey, _voucher(payer, provider, MODEL, 100 ether));
        payments.redeemBatch(batch);

        vm.assertEq(payments.redeemBatch(batch), 0);
        vm.assertEq(_allocation(payer, provider), 400 ether);
        vm.assertEq(token.balanceOf(provider), 75 ether);
        vm.assertEq(payments.pendingBurn(), 10 ether);
    }

    function test_redeemBatch_paysIncrementsOfOneChannelInOrder() public {
        _reserve(500 ether);
        IPayments.SignedVoucher[] memory batch = new IPayments.SignedVoucher[](3);
        batch[0] = _signedVoucher(payerKey, _voucher(payer, provider, MODEL, 100 ether));
        batch[1] = _signedVoucher(payerKey, _voucher(payer, provider, MODEL, 130 ether));
        batch[2] = _signedVoucher(payerKey, _voucher(payer, provider, MODEL, 120 ether)); // stale: skipped

        _expectRedeemed(batch[0].voucher, 100 ether, 10 ether, 15 ether);
        _expectRedeemed(batch[1].voucher, 30 ether, 3 ether, 4.5 ether);
        _expectSkipped(batch[2].voucher, IPayments.NothingToRedeem.selector);
        vm.assertEq(payments.redeemBatch(batch), 130 ether);

        vm.assertEq(payments.paid(payer, provider, MODEL), 130 ether);
        vm.assertEq(_allocation(payer, provider), 370 ether);
        vm.assertEq(token.balanceOf(provider), 97.5 ether);
    }

    function test_redeemBatch_emitsShortfallAndContinues() public {
        (address payer2, uint256 payer2Key) = makeAddrAndKey("payer2");
        _fund(payer2, 100 ether);
        _reserve(10 ether);
        _depositFor(payer2, provider, 100 ether);
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

    /// @dev Issue 11: one voucher from a fresh key (or with a bad signature) made every batch revert.
    function test_redeemBatch_skipsAnInvalidSignatureAndPaysTheRest() public {
        (address payer2,) = makeAddrAndKey("payer2");
        _fund(payer2, 100 ether);
        _reserve(500 ether);
        _depositFor(payer2, provider, 100 ether);
        IPayments.SignedVoucher[] memory batch = new IPayments.SignedVoucher[](3);
        // payer signs a voucher that claims to come from payer2.
        batch[0] = _signedVoucher(payerKey, _voucher(payer2, provider, MODEL, 40 ether));
        batch[1] = _signedVoucher(payerKey, _voucher(payer, provider, MODEL, 40 ether));
        batch[2] = IPayments.SignedVoucher(_voucher(payer2, provider, MODEL, 50 ether), hex"00");

        _expectSkipped(batch[0].voucher, IPayments.InvalidSignature.selector);
        _expectRedeemed(batch[1].voucher, 40 ether, 4 ether, 6 ether);
        _expectSkipped(batch[2].voucher, IPayments.InvalidSignature.selector);
        vm.assertEq(payments.redeemBatch(batch), 40 ether);

        vm.assertEq(payments.paid(payer2, provider, MODEL), 0);
        vm.assertEq(_allocation(payer2, provider), 100 ether);
        vm.assertEq(token.balanceOf(provider), 30 ether);
    }

    /// @dev Issue 11: fifty vouchers from zero-deposit keys no longer fill a batch that pays nothing and stops.
    function test_redeemBatch_skipsVouchersWithoutAnAllocationAndPaysTheRest() public {
        _reserve(500 ether);
        IPayments.SignedVoucher[] memory batch = new IPayments.SignedVoucher[](6);
        for (uint256 i; i < 5; ++i) {
            (address empty, uint256 key) =
                makeAddrAndKey(string(abi.encodePacked("emptyPayer", bytes1(uint8(0x30 + i)))));
            batch[i] = _signedVoucher(key, _voucher(empty, provider, MODEL, 1 ether));
        }
        batch[5] = _signedVoucher(payerKey, _voucher(payer, provider, MODEL, 100 ether));

        for (uint256 i; i < 5; ++i) {
            _expectSkipped(batch[i].voucher, IPayments.AllocationEmpty.selector);
        }
        _expectRedeemed(batch[5].voucher, 100 ether, 10 ether, 15 ether);
        vm.assertEq(payments.redeemBatch(batch), 100 ether);
        vm.assertEq(token.balanceOf(provider), 75 ether);
    }

    function test_redeemBatch_writesNothingWhenEveryVoucherIsSkipped() public {
        IPayments.SignedVoucher[] memory batch = new IPayments.SignedVoucher[](1);
        batch[0] = _signedVoucher(payerKey, _voucher(payer, provider, MODEL, 1 ether));
        vm.assertEq(payments.redeemBatch(batch), 0);
        vm.assertEq(payments.totalWork(payments.currentEpoch()), 0);
        vm.assertEq(payments.pendingBurn(), 0);
    }

    // ========================================================= claimRoyalties

    function test_claimRoyalties_paysReceiver() public {
        _reserve(500 ether);
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
        vm.assertEq(token.balanceOf(address(payments)), 400 ether + 10 ether);
    }

    function test_claimRoyalties_paysAccumulatedRoyalties() public {
        _reserve(500 ether);
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
        _reserve(500 ether);
        (IPayments.Voucher memory voucher, bytes memory sig) = _signed(100 ether);
        payments.redeem(voucher, sig);
        payments.claimRoyalties(royaltyReceiver);

        vm.expectRevert(IPayments.ZeroAmount.selector);
        payments.claimRoyalties(royaltyReceiver);
        vm.assertEq(token.balanceOf(royaltyReceiver), 15 ether);
    }

    // ============================================================== flushBurn

    function test_flushBurn_burnsTheBookedBurnAndEmits() public {
        _reserve(500 ether);
        (IPayments.Voucher memory voucher, bytes memory sig) = _signed(100 ether);
        payments.redeem(voucher, sig);

        vm.expectEmit(address(payments));
        emit IPayments.BurnFlushed(10 ether);
        vm.expectEmit(address(token));
        emit IERC20.Transfer(address(payments), address(0), 10 ether);
        vm.prank(stranger); // anyone may flush
        vm.assertEq(payments.flushBurn(), 10 ether);

        vm.assertEq(payments.pendingBurn(), 0);
        vm.assertEq(token.totalBurned(), 10 ether);
        vm.assertEq(token.totalSupply(), token.totalMinted() - token.totalBurned());
        // The record of what was burned for the provider stays.
        vm.assertEq(payments.burnedOf(payments.currentEpoch(), provider), 10 ether);
    }

    function test_flushBurn_revertsZeroAmount() public {
        vm.expectRevert(IPayments.ZeroAmount.selector);
        payments.flushBurn();
    }

    function test_flushBurn_keepsTheBurnRate() public {
        _reserve(500 ether);
        (IPayments.Voucher memory voucher, bytes memory sig) = _signed(100 ether);
        payments.redeem(voucher, sig);
        payments.flushBurn();
        vm.assertEq(payments.burnBps(), BURN_BPS);
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

    function test_setBurnBps_keepsTheBookedBurnAndWork() public {
        _reserve(500 ether);
        (IPayments.Voucher memory voucher, bytes memory sig) = _signed(100 ether);
        payments.redeem(voucher, sig);
        vm.prank(owner);
        payments.setBurnBps(3000);
        vm.assertEq(payments.pendingBurn(), 10 ether);
        vm.assertEq(payments.totalWork(payments.currentEpoch()), 100 ether);
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
        _reserve(500 ether);
        (IPayments.Voucher memory first, bytes memory firstSig) = _signed(100 ether);
        payments.redeem(first, firstSig);
        vm.prank(owner);
        payments.setBurnBps(5000);

        (IPayments.Voucher memory second, bytes memory secondSig) = _signed(200 ether);
        _expectRedeemed(second, 100 ether, 50 ether, 15 ether);
        payments.redeem(second, secondSig);

        vm.assertEq(token.balanceOf(provider), 75 ether + 35 ether);
        vm.assertEq(payments.pendingBurn(), 60 ether);
    }

    // ======================================================= setWithdrawDelay

    function test_setWithdrawDelay_setsAndEmits() public {
        vm.expectEmit(address(payments));
        emit IPayments.WithdrawDelaySet(3 hours);
        vm.prank(owner);
        payments.setWithdrawDelay(3 hours);
        vm.assertEq(payments.withdrawDelay(), 3 hours);
    }

    function test_setWithdrawDelay_acceptsBounds() public {
        vm.startPrank(owner);
        payments.setWithdrawDelay(1 hours);
        vm.assertEq(payments.withdrawDelay(), 1 hours);
        payments.setWithdrawDelay(ROYALTY_DELAY - 1 hours);
        vm.assertEq(payments.withdrawDelay(), ROYALTY_DELAY - 1 hours);
        vm.stopPrank();
    }

    function test_setWithdrawDelay_revertsParameterOutOfRangeBelowMinimum() public {
        vm.expectRevert(
            abi.encodeWithSelector(
                IPayments.ParameterOutOfRange.selector,
                "withdrawDelay",
                uint256(1 hours - 1),
                uint256(1 hours),
                uint256(ROYALTY_DELAY - 1 hours)
            )
        );
        vm.prank(owner);
        payments.setWithdrawDelay(1 hours - 1);
    }

    function test_setWithdrawDelay_revertsParameterOutOfRangeAboveTheRoyaltyDelay() public {
        vm.expectRevert(
            abi.encodeWithSelector(
                IPayments.ParameterOutOfRange.selector,
                "withdrawDelay",
                uint256(ROYALTY_DELAY),
                uint256(1 hours),
                uint256(ROYALTY_DELAY - 1 hours)
            )
        );
        vm.prank(owner);
        payments.setWithdrawDelay(ROYALTY_DELAY);
        vm.assertEq(payments.withdrawDelay(), DELAY);
    }

    function test_setWithdrawDelay_revertsParameterOutOfRangeAboveTheMaximum() public {
        ModelRegistry slow = new ModelRegistry(owner, MAX_ROYALTY_BPS, 60 days);
        Payments other = new Payments(owner, token, slow, BURN_BPS, DELAY, GENESIS, EPOCH_LENGTH);
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
        other.setWithdrawDelay(30 days + 1);
    }

    function test_setWithdrawDelay_revertsOwnableUnauthorizedAccount() public {
        vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, stranger));
        vm.prank(stranger);
        payments.setWithdrawDelay(2 hours);
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

    /// @dev Sets burn and royalty rates for a fuzz run (a royalty rise waits its delay).
    function _setRates(uint256 burnBps, uint256 royaltyBps) internal {
        vm.prank(owner);
        payments.setBurnBps(uint16(burnBps));
        vm.prank(modelOwner);
        models.setRoyalty(MODEL, uint16(royaltyBps), royaltyReceiver);
        vm.warp(block.timestamp + ROYALTY_DELAY);
    }

    struct Totals {
        uint256 paid;
        uint256 burned;
        uint256 royalty;
        uint256 toProvider;
    }

    /// @dev Redeems and checks that the payment split exactly, to the wei, against balances.
    function _redeemAndCheckSplit(
        IPayments.Voucher memory voucher,
        bytes memory sig,
        uint256 burnBps,
        uint256 royaltyBps,
        uint256 expectedAmount,
        Totals memory totals
    ) internal {
        uint256 burnedBefore = payments.pendingBurn();
        uint256 royaltyBefore = payments.royaltiesOwed(royaltyReceiver);
        uint256 providerBefore = token.balanceOf(voucher.provider);

        uint256 amount = payments.redeem(voucher, sig);

        uint256 burned = payments.pendingBurn() - burnedBefore;
        uint256 royalty = payments.royaltiesOwed(royaltyReceiver) - royaltyBefore;
        uint256 toProvider = token.balanceOf(voucher.provider) - providerBefore;
        vm.assertEq(amount, expectedAmount, "amount");
        vm.assertEq(burned, _burnOf(amount, burnBps), "burned");
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
        _reserve(amount);
        (IPayments.Voucher memory voucher, bytes memory sig) = _signed(amount);

        Totals memory totals;
        _redeemAndCheckSplit(voucher, sig, burnBps, royaltyBps, amount, totals);

        vm.assertEq(token.balanceOf(provider), amount - _burnOf(amount, burnBps) - amount * royaltyBps / BPS);
        vm.assertEq(token.balanceOf(address(payments)), totals.royalty + totals.burned);
    }

    /// @notice For any allocation A and rising cumulative amounts c1 <= c2 <= ... (equal steps included),
    /// the channel is paid min(max c, A) in total, and every payment splits exactly.
    function testFuzz_redeem_totalPaidIsMinOfHighestCumulativeAndAllocation(
        uint256 allocation,
        uint256[6] memory steps,
        uint256 burnBps,
        uint256 royaltyBps
    ) public {
        allocation = bound(allocation, 1, 1e27);
        burnBps = bound(burnBps, 0, 5000);
        royaltyBps = bound(royaltyBps, 0, MAX_ROYALTY_BPS);
        _setRates(burnBps, royaltyBps);
        _fund(payer, allocation);
        _reserve(allocation);

        Totals memory totals;
        uint256 cumulative;
        for (uint256 i; i < steps.length; ++i) {
            // A third of the steps repeat the previous amount.
            cumulative += steps[i] % 3 == 0 ? 0 : bound(steps[i], 1, 4e26);
            (IPayments.Voucher memory voucher, bytes memory sig) = _signed(cumulative);
            uint256 alreadyPaid = payments.paid(payer, provider, MODEL);
            uint256 left = _allocation(payer, provider);
            if (cumulative <= alreadyPaid) {
                vm.expectRevert(_nothingToRedeem(voucher, alreadyPaid));
                payments.redeem(voucher, sig);
                continue;
            }
            if (left == 0) {
                vm.expectRevert(abi.encodeWithSelector(IPayments.AllocationEmpty.selector, payer, provider));
                payments.redeem(voucher, sig);
                continue;
            }
            uint256 owed = cumulative - alreadyPaid;
            _redeemAndCheckSplit(voucher, sig, burnBps, royaltyBps, owed < left ? owed : left, totals);
            vm.assertLe(payments.paid(payer, provider, MODEL), cumulative, "paid above signed");
        }

        uint256 expected = cumulative < allocation ? cumulative : allocation;
        vm.assertEq(totals.paid, expected, "total paid");
        vm.assertEq(payments.paid(payer, provider, MODEL), expected);
        vm.assertEq(_allocation(payer, provider), allocation - expected);
        vm.assertEq(totals.burned + totals.royalty + totals.toProvider, expected);
        vm.assertEq(payments.pendingBurn(), totals.burned);
        vm.assertEq(token.balanceOf(provider), totals.toProvider);
        vm.assertEq(payments.royaltiesOwed(royaltyReceiver), totals.royalty);
        vm.assertEq(token.balanceOf(address(payments)), allocation - expected + totals.royalty + totals.burned);
    }

    /// @notice Vouchers in any order (stale ones included) with top-ups in between: a channel is never
    /// paid more than the highest amount signed, payments never exceed allocations, and each redemption
    /// pays exactly min(cumulative - paid, allocation).
    function testFuzz_redeem_neverPaysMoreThanSignedOrAllocated(uint256[8] memory cumulatives, uint256[8] memory topUps)
        public
    {
        uint256 allocated;
        uint256 highestSigned;
        Totals memory totals;
        for (uint256 i; i < cumulatives.length; ++i) {
            uint256 topUp = bound(topUps[i], 0, 1e24);
            if (topUp % 2 == 1) topUp = 0; // half of the steps add nothing
            if (topUp != 0) {
                _fund(payer, topUp);
                _reserve(topUp);
                allocated += topUp;
            }
            uint256 cumulative = bound(cumulatives[i], 0, 4e24);
            if (cumulative > highestSigned) highestSigned = cumulative;
            (IPayments.Voucher memory voucher, bytes memory sig) = _signed(cumulative);
            uint256 alreadyPaid = payments.paid(payer, provider, MODEL);
            uint256 left = _allocation(payer, provider);
            if (cumulative <= alreadyPaid) {
                vm.expectRevert(_nothingToRedeem(voucher, alreadyPaid));
                payments.redeem(voucher, sig);
            } else if (left == 0) {
                vm.expectRevert(abi.encodeWithSelector(IPayments.AllocationEmpty.selector, payer, provider));
                payments.redeem(voucher, sig);
            } else {
                uint256 owed = cumulative - alreadyPaid;
                _redeemAndCheckSplit(voucher, sig, BURN_BPS, ROYALTY_BPS, owed < left ? owed : left, totals);
            }
            uint256 paidNow = payments.paid(payer, provider, MODEL);
            vm.assertGe(paidNow, alreadyPaid, "paid decreased");
            vm.assertLe(paidNow, highestSigned, "paid above signed");
            vm.assertLe(totals.paid, allocated, "paid above allocated");
            vm.assertEq(paidNow, totals.paid);
            vm.assertEq(_allocation(payer, provider), allocated - totals.paid);
        }
        vm.assertEq(token.balanceOf(address(payments)), allocated - totals.paid + totals.royalty + totals.burned);
    }

    /// @notice A batch over several payers and models pays what redeeming each voucher in turn would,
    /// skipping what cannot pay.
    function testFuzz_redeemBatch_matchesVoucherByVoucherRules(uint256[8] memory seeds, uint256[3] memory deposits)
        public
    {
        address[3] memory payers;
        uint256[3] memory keys;
        uint256[3] memory allocations;
        string[3] memory names = ["batchPayer0", "batchPayer1", "batchPayer2"];
        for (uint256 p; p < 3; ++p) {
            (payers[p], keys[p]) = makeAddrAndKey(names[p]);
            allocations[p] = bound(deposits[p], 0, 1e24);
            if (allocations[p] != 0) {
                _fund(payers[p], allocations[p]);
                _depositFor(payers[p], provider, allocations[p]);
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
            if (cumulative <= paidSim[channel] || allocations[p] == 0) continue; // skipped
            uint256 owed = cumulative - paidSim[channel];
            uint256 amount = owed < allocations[p] ? owed : allocations[p];
            paidSim[channel] += amount;
            allocations[p] -= amount;
            expected.paid += amount;
            uint256 burned = _burnOf(amount, BURN_BPS);
            uint256 royalty = m == 0 ? amount * ROYALTY_BPS / BPS : 0;
            expected.burned += burned;
            expected.royalty += royalty;
            expected.toProvider += amount - burned - royalty;
        }

        vm.assertEq(payments.redeemBatch(batch), expected.paid);
        vm.assertEq(payments.pendingBurn(), expected.burned);
        vm.assertEq(payments.royaltiesOwed(royaltyReceiver), expected.royalty);
        vm.assertEq(token.balanceOf(provider), expected.toProvider);
        for (uint256 p; p < 3; ++p) {
            vm.assertEq(_allocation(payers[p], provider), allocations[p]);
            for (uint256 m; m < 2; ++m) {
                vm.assertEq(payments.paid(payers[p], provider, modelIds[m]), paidSim[p * 2 + m]);
            }
        }
    }

    /// @notice Allocating moves exactly what was asked from the deposit to the allocations.
    function testFuzz_allocate_conservesTheDeposit(uint256 depositAmount, uint256[3] memory amounts) public {
        depositAmount = bound(depositAmount, 3, PAYER_FUNDS);
        _deposit(payer, depositAmount);
        uint256 sum;
        (IPayments.Allocation[] memory allocations, address[3] memory providers) = _three(0, 0, 0);
        for (uint256 i; i < 3; ++i) {
            allocations[i].amount = bound(amounts[i], 1, depositAmount / 3);
            sum += allocations[i].amount;
        }
        vm.prank(payer);
        payments.allocate(allocations);
        vm.assertEq(payments.balanceOf(payer), depositAmount - sum);
        uint256 allocatedSum;
        for (uint256 i; i < 3; ++i) {
            allocatedSum += _allocation(payer, providers[i]);
        }
        vm.assertEq(allocatedSum, sum);
        vm.assertEq(token.balanceOf(address(payments)), depositAmount);
    }

    /// @notice A release moves min(requested, what redemptions left), never more, and never before the delay.
    function testFuzz_release_movesMinOfRequestAndWhatIsLeft(
        uint256 allocation,
        uint256 requested,
        uint256 spent,
        uint256 early
    ) public {
        allocation = bound(allocation, 1, PAYER_FUNDS);
        requested = bound(requested, 1, allocation);
        spent = bound(spent, 0, allocation);
        early = bound(early, 1, DELAY);
        _reserve(allocation);
        vm.prank(payer);
        payments.requestRelease(provider, requested);
        uint64 unlockAt = uint64(block.timestamp) + DELAY;
        if (spent != 0) {
            (IPayments.Voucher memory voucher, bytes memory sig) = _signed(spent);
            payments.redeem(voucher, sig);
        }
        vm.warp(unlockAt - early);
        vm.expectRevert(abi.encodeWithSelector(IPayments.ReleaseLocked.selector, unlockAt));
        vm.prank(payer);
        payments.release(provider);

        vm.warp(unlockAt);
        uint256 remaining = allocation - spent;
        uint256 expected = requested < remaining ? requested : remaining;
        vm.prank(payer);
        vm.assertEq(payments.release(provider), expected);
        vm.assertEq(_allocation(payer, provider), remaining - expected);
        vm.assertEq(payments.balanceOf(payer), expected);
    }

    /// @notice A withdrawal pays exactly what was set aside, whatever redemptions happened meanwhile.
    function testFuzz_withdraw_paysWhatWasSetAside(uint256 depositAmount, uint256 allocated, uint256 requested) public {
        depositAmount = bound(depositAmount, 2, PAYER_FUNDS);
        allocated = bound(allocated, 1, depositAmount - 1);
        requested = bound(requested, 1, depositAmount - allocated);
        _deposit(payer, depositAmount);
        _allocate(payer, provider, allocated);
        vm.prank(payer);
        payments.requestWithdraw(requested);
        (IPayments.Voucher memory voucher, bytes memory sig) = _signed(depositAmount);
        vm.assertEq(payments.redeem(voucher, sig), allocated);
        vm.warp(block.timestamp + DELAY);

        vm.prank(payer);
        vm.assertEq(payments.withdraw(), requested);
        vm.assertEq(payments.balanceOf(payer), depositAmount - allocated - requested);
        vm.assertEq(token.balanceOf(payer), PAYER_FUNDS - depositAmount + requested);
    }
}
