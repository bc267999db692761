// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Test} from "./utils/Test.sol";
import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IERC20Errors} from "@openzeppelin/contracts/interfaces/draft-IERC6093.sol";
import {MeshToken} from "../src/MeshToken.sol";
import {IMeshToken} from "../src/interfaces/IMeshToken.sol";
import {Registry} from "../src/Registry.sol";
import {IRegistry} from "../src/interfaces/IRegistry.sol";
import {IDisputeWindow} from "../src/interfaces/IDisputeWindow.sol";

/// @notice A slasher that states its minimum unbonding period, as Disputes does (IDisputeWindow), with a
/// value the test picks: Registry's check is what is under test, not a dispute rule.
contract FixedDisputeWindow is IDisputeWindow {
    uint64 public minUnbondingPeriod;

    constructor(uint64 minUnbondingPeriod_) {
        minUnbondingPeriod = minUnbondingPeriod_;
    }

    function set(uint64 minUnbondingPeriod_) external {
        minUnbondingPeriod = minUnbondingPeriod_;
    }
}

/// @notice A slasher whose every call answers a single byte (no valid minUnbondingPeriod).
contract OneByteAnswer {
    fallback() external {
        assembly {
            mstore(0, 0xff)
            return(31, 1)
        }
    }
}

contract RegistryTest is Test {
    uint256 internal constant MIN_STAKE = 1000 ether;
    uint256 internal constant MIN_VALIDATOR_STAKE = 2000 ether;
    uint64 internal constant UNBONDING = 7 days;
    uint256 internal constant MAX_OFFERS = 8;
    uint256 internal constant BALANCE = 1_000_000 ether;
    uint256 internal constant START = 1_750_000_000; // mid-2025

    bytes32 internal constant LLAMA = keccak256("llama-3.1-8b-instruct-q4_k_m.gguf");
    bytes32 internal constant QWEN = keccak256("qwen2.5-7b-instruct-q4_k_m.gguf");
    bytes32 internal constant MISTRAL = keccak256("mistral-7b-instruct-v0.3-q4_k_m.gguf");
    bytes32 internal constant PHI = keccak256("phi-3.5-mini-instruct-q4_k_m.gguf");

    MeshToken internal token;
    Registry internal registry;

    address internal owner;
    address internal slasher;
    address internal treasury;
    address internal alice;
    address internal bob;
    address internal carol;
    address internal victor;
    address internal wendy;
    address internal xavier;

    function setUp() public {
        vm.warp(START);
        owner = makeAddr("owner");
        slasher = makeAddr("disputes");
        treasury = makeAddr("treasury");
        alice = makeAddr("alice");
        bob = makeAddr("bob");
        carol = makeAddr("carol");
        victor = makeAddr("victor");
        wendy = makeAddr("wendy");
        xavier = makeAddr("xavier");

        token = new MeshToken(owner, address(0), 0);
        registry =
            new Registry(owner, IMeshToken(address(token)), MIN_STAKE, MIN_VALIDATOR_STAKE, UNBONDING, MAX_OFFERS);

        vm.startPrank(owner);
        token.setMinter(owner);
        registry.setSlasher(slasher);
        address[6] memory actors = [alice, bob, carol, victor, wendy, xavier];
        for (uint256 i; i < actors.length; ++i) {
            token.mint(actors[i], BALANCE);
        }
        vm.stopPrank();
        for (uint256 i; i < actors.length; ++i) {
            vm.prank(actors[i]);
            token.approve(address(registry), type(uint256).max);
        }
    }

    // ---------------------------------------------------------------- helpers

    function _hw() internal pure returns (IRegistry.Hardware memory) {
        return IRegistry.Hardware({gpuModel: "RTX 4090", gpuCount: 2, vramMb: 49_152, cpuCores: 32, ramMb: 131_072});
    }

    function _offer(bytes32 modelId, uint128 input, uint128 output) internal pure returns (IRegistry.Offer memory) {
        return IRegistry.Offer({modelId: modelId, pricePerMInput: input, pricePerMOutput: output});
    }

    function _offers1(bytes32 modelId, uint128 input, uint128 output)
        internal
        pure
        returns (IRegistry.Offer[] memory offers)
    {
        offers = new IRegistry.Offer[](1);
        offers[0] = _offer(modelId, input, output);
    }

    function _twoOffers() internal pure returns (IRegistry.Offer[] memory offers) {
        offers = new IRegistry.Offer[](2);
        offers[0] = _offer(LLAMA, 0.1 ether, 0.3 ether);
        offers[1] = _offer(QWEN, 0.2 ether, 0.6 ether);
    }

    function _manyOffers(uint256 n, uint256 salt) internal pure returns (IRegistry.Offer[] memory offers) {
        offers = new IRegistry.Offer[](n);
        for (uint256 i; i < n; ++i) {
            offers[i] = _offer(keccak256(abi.encode(salt, i)), uint128(i + 1), uint128(2 * i + 2));
        }
    }

    function _ids1(bytes32 a) internal pure returns (bytes32[] memory ids) {
        ids = new bytes32[](1);
        ids[0] = a;
    }

    function _endpoint(address who) internal pure returns (string memory) {
        return string(abi.encodePacked("https://", _hex(who), ".mesh.example:8443"));
    }

    function _hex(address who) internal pure returns (bytes memory out) {
        out = new bytes(8);
        bytes16 digits = "0123456789abcdef";
        uint160 v = uint160(who) >> 128;
        for (uint256 i; i < 8; ++i) {
            out[7 - i] = digits[v & 0xf];
            v >>= 4;
        }
    }

    function _string(uint256 length) internal pure returns (string memory) {
        bytes memory b = new bytes(length);
        for (uint256 i; i < length; ++i) {
            b[i] = "x";
        }
        return string(b);
    }

    function _stake(address who, uint256 amount) internal {
        vm.prank(who);
        registry.stake(amount);
    }

    function _registerProvider(address who) internal {
        _registerProvider(who, MIN_STAKE);
    }

    function _registerProvider(address who, uint256 amount) internal {
        _stake(who, amount);
        vm.prank(who);
        registry.registerProvider(_endpoint(who), "eu-west", _hw(), _twoOffers());
    }

    function _registerValidator(address who) internal {
        _stake(who, MIN_VALIDATOR_STAKE);
        vm.prank(who);
        registry.registerValidator(_endpoint(who));
    }

    function _stakeOf(address who)
        internal
        view
        returns (IRegistry.Role role, uint256 staked, uint256 unbonding, uint64 unbondingEnd)
    {
        return registry.stakeOf(who);
    }

    function _assertStake(address who, uint256 staked, uint256 unbonding) internal view {
        (, uint256 s, uint256 u,) = registry.stakeOf(who);
        vm.assertEq(s, staked, "stake");
        vm.assertEq(u, unbonding, "unbonding");
    }

    function _assertRole(address who, IRegistry.Role role) internal view {
        (IRegistry.Role r,,,) = registry.stakeOf(who);
        vm.assertEq(uint256(r), uint256(role), "role");
    }

    function _assertProviders(address[] memory expected) internal view {
        vm.assertEq(registry.providerCount(), expected.length, "providerCount");
        IRegistry.ProviderView[] memory page = registry.getProviders(0, type(uint256).max);
        vm.assertEq(page.length, expected.length, "getProviders length");
        for (uint256 i; i < expected.length; ++i) {
            vm.assertEq(page[i].provider, expected[i], "getProviders order");
        }
    }

    function _assertValidators(address[] memory expected) internal view {
        vm.assertEq(registry.validatorCount(), expected.length, "validatorCount");
        IRegistry.ValidatorView[] memory page = registry.getValidators(0, type(uint256).max);
        vm.assertEq(page.length, expected.length, "getValidators length");
        for (uint256 i; i < expected.length; ++i) {
            vm.assertEq(page[i].validator, expected[i], "getValidators order");
        }
    }

    function _list(address a) internal pure returns (address[] memory l) {
        l = new address[](1);
        l[0] = a;
    }

    function _list(address a, address b) internal pure returns (address[] memory l) {
        l = new address[](2);
        (l[0], l[1]) = (a, b);
    }

    function _list(address a, address b, address c) internal pure returns (address[] memory l) {
        l = new address[](3);
        (l[0], l[1], l[2]) = (a, b, c);
    }

    function _assertOffer(address provider, bytes32 modelId, uint128 input, uint128 output) internal view {
        (IRegistry.Offer memory o, bool found) = registry.getOffer(provider, modelId);
        vm.assertTrue(found, "offer not found");
        vm.assertEq(o.modelId, modelId);
        vm.assertEq(uint256(o.pricePerMInput), input);
        vm.assertEq(uint256(o.pricePerMOutput), output);
    }

    function _assertNoOffer(address provider, bytes32 modelId) internal view {
        (IRegistry.Offer memory o, bool found) = registry.getOffer(provider, modelId);
        vm.assertFalse(found, "offer still found");
        vm.assertEq(o.modelId, bytes32(0));
    }

    function _assertAccounting() internal view {
        vm.assertEq(token.balanceOf(address(registry)), registry.totalStaked(), "balance != totalStaked");
        vm.assertEq(token.totalSupply(), token.totalMinted() - token.totalBurned(), "supply");
    }

    // ------------------------------------------------------------ constructor

    function test_constructor_setsParametersAndEmits() public {
        vm.expectEmit();
        emit IRegistry.MinStakeSet(MIN_STAKE);
        vm.expectEmit();
        emit IRegistry.MinValidatorStakeSet(MIN_VALIDATOR_STAKE);
        vm.expectEmit();
        emit IRegistry.UnbondingPeriodSet(UNBONDING);
        vm.expectEmit();
        emit IRegistry.MaxOffersSet(MAX_OFFERS);
        Registry fresh =
            new Registry(owner, IMeshToken(address(token)), MIN_STAKE, MIN_VALIDATOR_STAKE, UNBONDING, MAX_OFFERS);

        vm.assertEq(fresh.owner(), owner);
        vm.assertEq(fresh.token(), address(token));
        vm.assertEq(fresh.minStake(), MIN_STAKE);
        vm.assertEq(fresh.minValidatorStake(), MIN_VALIDATOR_STAKE);
        vm.assertEq(uint256(fresh.unbondingPeriod()), UNBONDING);
        vm.assertEq(fresh.maxOffers(), MAX_OFFERS);
        vm.assertEq(fresh.totalStaked(), 0);
        vm.assertEq(fresh.totalSlashed(), 0);
        vm.assertEq(fresh.providerCount(), 0);
        vm.assertEq(fresh.validatorCount(), 0);
    }

    function test_constructor_revertsWhenTokenIsZero() public {
        vm.expectRevert(IRegistry.ZeroAddress.selector);
        new Registry(owner, IMeshToken(address(0)), MIN_STAKE, MIN_VALIDATOR_STAKE, UNBONDING, MAX_OFFERS);
    }

    function test_constructor_revertsWhenParameterOutOfRange() public {
        vm.expectRevert(
            abi.encodeWithSelector(IRegistry.ParameterOutOfRange.selector, "unbondingPeriod", 0, 1 hours, 90 days)
        );
        new Registry(owner, IMeshToken(address(token)), MIN_STAKE, MIN_VALIDATOR_STAKE, 0, MAX_OFFERS);
    }

    // ------------------------------------------------------------------ stake

    function test_stake_pullsTokensAndEmits() public {
        vm.expectEmit(address(registry));
        emit IRegistry.Staked(alice, 600 ether, 600 ether);
        vm.expectEmit(address(token));
        emit IERC20.Transfer(alice, address(registry), 600 ether);
        _stake(alice, 600 ether);

        vm.expectEmit(address(registry));
        emit IRegistry.Staked(alice, 400 ether, 1000 ether);
        _stake(alice, 400 ether);

        (IRegistry.Role role, uint256 staked, uint256 unbonding, uint64 end) = _stakeOf(alice);
        vm.assertEq(uint256(role), uint256(IRegistry.Role.None));
        vm.assertEq(staked, 1000 ether);
        vm.assertEq(unbonding, 0);
        vm.assertEq(uint256(end), 0);
        vm.assertEq(registry.totalStaked(), 1000 ether);
        vm.assertEq(token.balanceOf(alice), BALANCE - 1000 ether);
        _assertAccounting();
    }

    function test_stake_topsUpRegisteredProvider() public {
        _registerProvider(alice);
        vm.expectEmit(address(registry));
        emit IRegistry.Staked(alice, 250 ether, MIN_STAKE + 250 ether);
        _stake(alice, 250 ether);
        vm.assertEq(registry.getProvider(alice).stake, MIN_STAKE + 250 ether);
    }

    function test_stake_revertsWhenAmountZero() public {
        vm.expectRevert(IRegistry.ZeroAmount.selector);
        _stake(alice, 0);
    }

    function test_stake_revertsWhenAllowanceTooLow() public {
        vm.prank(alice);
        token.approve(address(registry), 10 ether);
        vm.expectRevert(
            abi.encodeWithSelector(
                IERC20Errors.ERC20InsufficientAllowance.selector, address(registry), 10 ether, 11 ether
            )
        );
        _stake(alice, 11 ether);
    }

    function test_stake_revertsWhenBalanceTooLow() public {
        vm.expectRevert(
            abi.encodeWithSelector(IERC20Errors.ERC20InsufficientBalance.selector, alice, BALANCE, BALANCE + 1)
        );
        _stake(alice, BALANCE + 1);
    }

    // ------------------------------------------------------- registerProvider

    function test_registerProvider_registersAndEmits() public {
        _stake(alice, MIN_STAKE);
        IRegistry.Offer[] memory offers = _twoOffers();

        vm.expectEmit(address(registry));
        emit IRegistry.ProviderRegistered(alice, "https://alice.example:8443", "eu-west", _hw());
        vm.expectEmit(address(registry));
        emit IRegistry.OfferSet(alice, LLAMA, 0.1 ether, 0.3 ether);
        vm.expectEmit(address(registry));
        emit IRegistry.OfferSet(alice, QWEN, 0.2 ether, 0.6 ether);
        vm.prank(alice);
        registry.registerProvider("https://alice.example:8443", "eu-west", _hw(), offers);

        _assertRole(alice, IRegistry.Role.Provider);
        vm.assertTrue(registry.isActiveProvider(alice));
        vm.assertFalse(registry.isActiveValidator(alice));
        _assertProviders(_list(alice));

        IRegistry.ProviderView memory p = registry.getProvider(alice);
        vm.assertEq(p.provider, alice);
        vm.assertTrue(p.active);
        vm.assertEq(p.stake, MIN_STAKE);
        vm.assertEq(p.unbonding, 0);
        vm.assertEq(uint256(p.unbondingEnd), 0);
        vm.assertEq(uint256(p.registeredAt), START);
        vm.assertEq(p.endpoint, "https://alice.example:8443");
        vm.assertEq(p.region, "eu-west");
        vm.assertEq(p.hardware.gpuModel, "RTX 4090");
        vm.assertEq(uint256(p.hardware.gpuCount), 2);
        vm.assertEq(uint256(p.hardware.vramMb), 49_152);
        vm.assertEq(uint256(p.hardware.cpuCores), 32);
        vm.assertEq(uint256(p.hardware.ramMb), 131_072);
        vm.assertEq(p.offers.length, 2);
        vm.assertEq(p.offers[0].modelId, LLAMA);
        vm.assertEq(p.offers[1].modelId, QWEN);
        _assertOffer(alice, LLAMA, 0.1 ether, 0.3 ether);
        _assertOffer(alice, QWEN, 0.2 ether, 0.6 ether);
        _assertNoOffer(alice, MISTRAL);
    }

    function test_registerProvider_acceptsNoOffers() public {
        _stake(alice, MIN_STAKE);
        vm.prank(alice);
        registry.registerProvider("https://a", "", _hw(), new IRegistry.Offer[](0));
        vm.assertEq(registry.getProvider(alice).offers.length, 0);
        vm.assertTrue(registry.isActiveProvider(alice));
    }

    function test_registerProvider_acceptsMaximumFieldLengthsAndOffers() public {
        _stake(alice, MIN_STAKE);
        IRegistry.Hardware memory hw = _hw();
        hw.gpuModel = _string(64);
        vm.prank(alice);
        registry.registerProvider(_string(256), _string(64), hw, _manyOffers(MAX_OFFERS, 1));
        vm.assertEq(registry.getProvider(alice).offers.length, MAX_OFFERS);
    }

    function test_registerProvider_treatsRepeatedModelIdAsReplacement() public {
        _stake(alice, MIN_STAKE);
        IRegistry.Offer[] memory offers = new IRegistry.Offer[](2);
        offers[0] = _offer(LLAMA, 1, 1);
        offers[1] = _offer(LLAMA, 5, 7);
        vm.prank(alice);
        registry.registerProvider("https://a", "eu", _hw(), offers);
        vm.assertEq(registry.getProvider(alice).offers.length, 1);
        _assertOffer(alice, LLAMA, 5, 7);
    }

    function test_registerProvider_revertsWhenStakeBelowMinimum() public {
        _stake(alice, MIN_STAKE - 1);
        vm.expectRevert(abi.encodeWithSelector(IRegistry.InsufficientStake.selector, MIN_STAKE - 1, MIN_STAKE));
        vm.prank(alice);
        registry.registerProvider("https://a", "eu", _hw(), _twoOffers());
    }

    function test_registerProvider_revertsWhenNothingStaked() public {
        vm.expectRevert(abi.encodeWithSelector(IRegistry.InsufficientStake.selector, 0, MIN_STAKE));
        vm.prank(alice);
        registry.registerProvider("https://a", "eu", _hw(), _twoOffers());
    }

    function test_registerProvider_revertsWhenAlreadyRegistered() public {
        _registerProvider(alice);
        vm.expectRevert(abi.encodeWithSelector(IRegistry.AlreadyRegistered.selector, alice, IRegistry.Role.Provider));
        vm.prank(alice);
        registry.registerProvider("https://a", "eu", _hw(), _twoOffers());
    }

    function test_registerProvider_revertsWhenCallerIsValidator() public {
        _registerValidator(victor);
        vm.expectRevert(abi.encodeWithSelector(IRegistry.AlreadyRegistered.selector, victor, IRegistry.Role.Validator));
        vm.prank(victor);
        registry.registerProvider("https://v", "eu", _hw(), _twoOffers());
    }

    function test_registerProvider_revertsWhenEndpointEmpty() public {
        _stake(alice, MIN_STAKE);
        vm.expectRevert(IRegistry.EmptyEndpoint.selector);
        vm.prank(alice);
        registry.registerProvider("", "eu", _hw(), _twoOffers());
    }

    function test_registerProvider_revertsWhenEndpointTooLong() public {
        _stake(alice, MIN_STAKE);
        vm.expectRevert(abi.encodeWithSelector(IRegistry.FieldTooLong.selector, "endpoint", 257, 256));
        vm.prank(alice);
        registry.registerProvider(_string(257), "eu", _hw(), _twoOffers());
    }

    function test_registerProvider_revertsWhenRegionTooLong() public {
        _stake(alice, MIN_STAKE);
        vm.expectRevert(abi.encodeWithSelector(IRegistry.FieldTooLong.selector, "region", 65, 64));
        vm.prank(alice);
        registry.registerProvider("https://a", _string(65), _hw(), _twoOffers());
    }

    function test_registerProvider_revertsWhenGpuModelTooLong() public {
        _stake(alice, MIN_STAKE);
        IRegistry.Hardware memory hw = _hw();
        hw.gpuModel = _string(65);
        vm.expectRevert(abi.encodeWithSelector(IRegistry.FieldTooLong.selector, "gpuModel", 65, 64));
        vm.prank(alice);
        registry.registerProvider("https://a", "eu", hw, _twoOffers());
    }

    function test_registerProvider_revertsWhenOfferModelIdIsZero() public {
        _stake(alice, MIN_STAKE);
        IRegistry.Offer[] memory offers = _twoOffers();
        offers[1].modelId = bytes32(0);
        vm.expectRevert(IRegistry.ZeroModelId.selector);
        vm.prank(alice);
        registry.registerProvider("https://a", "eu", _hw(), offers);
    }

    function test_registerProvider_revertsWhenTooManyOffers() public {
        _stake(alice, MIN_STAKE);
        vm.expectRevert(abi.encodeWithSelector(IRegistry.TooManyOffers.selector, MAX_OFFERS + 1, MAX_OFFERS));
        vm.prank(alice);
        registry.registerProvider("https://a", "eu", _hw(), _manyOffers(MAX_OFFERS + 1, 1));
    }

    // --------------------------------------------------------- updateProvider

    function test_updateProvider_changesProfileAndEmits() public {
        _registerProvider(alice);
        IRegistry.Hardware memory hw =
            IRegistry.Hardware({gpuModel: "H100 SXM", gpuCount: 8, vramMb: 655_360, cpuCores: 96, ramMb: 1_048_576});

        vm.expectEmit(address(registry));
        emit IRegistry.ProviderUpdated(alice, "https://alice-new.example", "us-east", hw);
        vm.prank(alice);
        registry.updateProvider("https://alice-new.example", "us-east", hw);

        IRegistry.ProviderView memory p = registry.getProvider(alice);
        vm.assertEq(p.endpoint, "https://alice-new.example");
        vm.assertEq(p.region, "us-east");
        vm.assertEq(p.hardware.gpuModel, "H100 SXM");
        vm.assertEq(uint256(p.hardware.gpuCount), 8);
        vm.assertEq(uint256(p.hardware.ramMb), 1_048_576);
        // Offers, stake and registration time are untouched.
        vm.assertEq(p.offers.length, 2);
        vm.assertEq(p.stake, MIN_STAKE);
        vm.assertEq(uint256(p.registeredAt), START);
    }

    function test_updateProvider_revertsWhenNotRegistered() public {
        vm.expectRevert(abi.encodeWithSelector(IRegistry.NotRegistered.selector, bob, IRegistry.Role.Provider));
        vm.prank(bob);
        registry.updateProvider("https://b", "eu", _hw());
    }

    function test_updateProvider_revertsWhenCallerIsValidator() public {
        _registerValidator(victor);
        vm.expectRevert(abi.encodeWithSelector(IRegistry.NotRegistered.selector, victor, IRegistry.Role.Provider));
        vm.prank(victor);
        registry.updateProvider("https://v", "eu", _hw());
    }

    function test_updateProvider_revertsWhenEndpointEmpty() public {
        _registerProvider(alice);
        vm.expectRevert(IRegistry.EmptyEndpoint.selector);
        vm.prank(alice);
        registry.updateProvider("", "eu", _hw());
    }

    function test_updateProvider_revertsWhenFieldTooLong() public {
        _registerProvider(alice);
        vm.expectRevert(abi.encodeWithSelector(IRegistry.FieldTooLong.selector, "region", 100, 64));
        vm.prank(alice);
        registry.updateProvider("https://a", _string(100), _hw());
    }

    // -------------------------------------------------------------- setOffers

    function test_setOffers_insertsNewOffersAndEmits() public {
        _registerProvider(alice);
        IRegistry.Offer[] memory offers = new IRegistry.Offer[](2);
        offers[0] = _offer(MISTRAL, 11, 22);
        offers[1] = _offer(PHI, 33, 44);

        vm.expectEmit(address(registry));
        emit IRegistry.OfferSet(alice, MISTRAL, 11, 22);
        vm.expectEmit(address(registry));
        emit IRegistry.OfferSet(alice, PHI, 33, 44);
        vm.prank(alice);
        registry.setOffers(offers);

        vm.assertEq(registry.getProvider(alice).offers.length, 4);
        _assertOffer(alice, LLAMA, 0.1 ether, 0.3 ether);
        _assertOffer(alice, MISTRAL, 11, 22);
        _assertOffer(alice, PHI, 33, 44);
    }

    function test_setOffers_replacesExistingOfferAndEmits() public {
        _registerProvider(alice);
        vm.expectEmit(address(registry));
        emit IRegistry.OfferSet(alice, QWEN, 0.25 ether, 0.5 ether);
        vm.prank(alice);
        registry.setOffers(_offers1(QWEN, 0.25 ether, 0.5 ether));

        IRegistry.Offer[] memory listed = registry.getProvider(alice).offers;
        vm.assertEq(listed.length, 2);
        vm.assertEq(listed[1].modelId, QWEN); // replaced in place
        _assertOffer(alice, QWEN, 0.25 ether, 0.5 ether);
        _assertOffer(alice, LLAMA, 0.1 ether, 0.3 ether);
    }

    function test_setOffers_replacesAtMaximumWithoutReverting() public {
        _stake(alice, MIN_STAKE);
        IRegistry.Offer[] memory full = _manyOffers(MAX_OFFERS, 7);
        vm.prank(alice);
        registry.registerProvider("https://a", "eu", _hw(), full);

        vm.prank(alice);
        registry.setOffers(_offers1(full[3].modelId, 999, 999));
        _assertOffer(alice, full[3].modelId, 999, 999);
        vm.assertEq(registry.getProvider(alice).offers.length, MAX_OFFERS);
    }

    function test_setOffers_revertsWhenTooManyOffers() public {
        _stake(alice, MIN_STAKE);
        vm.prank(alice);
        registry.registerProvider("https://a", "eu", _hw(), _manyOffers(MAX_OFFERS, 7));

        vm.expectRevert(abi.encodeWithSelector(IRegistry.TooManyOffers.selector, MAX_OFFERS + 1, MAX_OFFERS));
        vm.prank(alice);
        registry.setOffers(_offers1(MISTRAL, 1, 1));
    }

    function test_setOffers_revertsWhenModelIdIsZero() public {
        _registerProvider(alice);
        vm.expectRevert(IRegistry.ZeroModelId.selector);
        vm.prank(alice);
        registry.setOffers(_offers1(bytes32(0), 1, 1));
    }

    function test_setOffers_revertsWhenNotProvider() public {
        _registerValidator(victor);
        vm.expectRevert(abi.encodeWithSelector(IRegistry.NotRegistered.selector, victor, IRegistry.Role.Provider));
        vm.prank(victor);
        registry.setOffers(_offers1(LLAMA, 1, 1));

        vm.expectRevert(abi.encodeWithSelector(IRegistry.NotRegistered.selector, bob, IRegistry.Role.Provider));
        vm.prank(bob);
        registry.setOffers(_offers1(LLAMA, 1, 1));
    }

    // ----------------------------------------------------------- removeOffers

    function test_removeOffers_swapAndPopKeepsGetOfferRight() public {
        _stake(alice, MIN_STAKE);
        IRegistry.Offer[] memory offers = new IRegistry.Offer[](4);
        offers[0] = _offer(LLAMA, 1, 2);
        offers[1] = _offer(QWEN, 3, 4);
        offers[2] = _offer(MISTRAL, 5, 6);
        offers[3] = _offer(PHI, 7, 8);
        vm.prank(alice);
        registry.registerProvider("https://a", "eu", _hw(), offers);

        // Remove from the middle: PHI (the last) moves into QWEN's slot.
        vm.expectEmit(address(registry));
        emit IRegistry.OfferRemoved(alice, QWEN);
        vm.prank(alice);
        registry.removeOffers(_ids1(QWEN));

        IRegistry.Offer[] memory listed = registry.getProvider(alice).offers;
        vm.assertEq(listed.length, 3);
        vm.assertEq(listed[0].modelId, LLAMA);
        vm.assertEq(listed[1].modelId, PHI);
        vm.assertEq(listed[2].modelId, MISTRAL);
        _assertNoOffer(alice, QWEN);
        _assertOffer(alice, LLAMA, 1, 2);
        _assertOffer(alice, PHI, 7, 8);
        _assertOffer(alice, MISTRAL, 5, 6);

        // The moved offer can still be replaced and removed through its new slot.
        vm.prank(alice);
        registry.setOffers(_offers1(PHI, 70, 80));
        _assertOffer(alice, PHI, 70, 80);

        // Remove the last one, then the first one, in one call.
        bytes32[] memory ids = new bytes32[](2);
        ids[0] = MISTRAL;
        ids[1] = LLAMA;
        vm.expectEmit(address(registry));
        emit IRegistry.OfferRemoved(alice, MISTRAL);
        vm.expectEmit(address(registry));
        emit IRegistry.OfferRemoved(alice, LLAMA);
        vm.prank(alice);
        registry.removeOffers(ids);

        listed = registry.getProvider(alice).offers;
        vm.assertEq(listed.length, 1);
        vm.assertEq(listed[0].modelId, PHI);
        _assertOffer(alice, PHI, 70, 80);
        _assertNoOffer(alice, MISTRAL);
        _assertNoOffer(alice, LLAMA);

        // Remove the only one; then the freed model can be offered again.
        vm.prank(alice);
        registry.removeOffers(_ids1(PHI));
        vm.assertEq(registry.getProvider(alice).offers.length, 0);
        _assertNoOffer(alice, PHI);

        vm.prank(alice);
        registry.setOffers(_offers1(QWEN, 9, 9));
        _assertOffer(alice, QWEN, 9, 9);
    }

    function test_removeOffers_revertsWhenOfferNotFound() public {
        _registerProvider(alice);
        vm.expectRevert(abi.encodeWithSelector(IRegistry.OfferNotFound.selector, alice, MISTRAL));
        vm.prank(alice);
        registry.removeOffers(_ids1(MISTRAL));
    }

    function test_removeOffers_revertsWhenRemovedTwiceInOneCall() public {
        _registerProvider(alice);
        bytes32[] memory ids = new bytes32[](2);
        ids[0] = LLAMA;
        ids[1] = LLAMA;
        vm.expectRevert(abi.encodeWithSelector(IRegistry.OfferNotFound.selector, alice, LLAMA));
        vm.prank(alice);
        registry.removeOffers(ids);
    }

    function test_removeOffers_revertsWhenOfferBelongsToAnotherProvider() public {
        _registerProvider(alice);
        _stake(bob, MIN_STAKE);
        vm.prank(bob);
        registry.registerProvider("https://b", "eu", _hw(), new IRegistry.Offer[](0));

        vm.expectRevert(abi.encodeWithSelector(IRegistry.OfferNotFound.selector, bob, LLAMA));
        vm.prank(bob);
        registry.removeOffers(_ids1(LLAMA));
    }

    function test_removeOffers_revertsWhenNotProvider() public {
        vm.expectRevert(abi.encodeWithSelector(IRegistry.NotRegistered.selector, bob, IRegistry.Role.Provider));
        vm.prank(bob);
        registry.removeOffers(_ids1(LLAMA));
    }

    // ------------------------------------------------------ registerValidator

    function test_registerValidator_registersAndEmits() public {
        _stake(victor, MIN_VALIDATOR_STAKE);
        vm.expectEmit(address(registry));
        emit IRegistry.ValidatorRegistered(victor, "https://victor.example");
        vm.prank(victor);
        registry.registerValidator("https://victor.example");

        _assertRole(victor, IRegistry.Role.Validator);
        vm.assertTrue(registry.isActiveValidator(victor));
        vm.assertFalse(registry.isActiveProvider(victor));
        _assertValidators(_list(victor));

        IRegistry.ValidatorView memory v = registry.getValidator(victor);
        vm.assertEq(v.validator, victor);
        vm.assertTrue(v.active);
        vm.assertEq(v.stake, MIN_VALIDATOR_STAKE);
        vm.assertEq(v.unbonding, 0);
        vm.assertEq(uint256(v.registeredAt), START);
        vm.assertEq(v.endpoint, "https://victor.example");
    }

    function test_registerValidator_updatesEndpointWhenAlreadyValidator() public {
        _registerValidator(victor);
        vm.warp(START + 1 days);

        vm.expectEmit(address(registry));
        emit IRegistry.ValidatorRegistered(victor, "https://victor-2.example");
        vm.prank(victor);
        registry.registerValidator("https://victor-2.example");

        IRegistry.ValidatorView memory v = registry.getValidator(victor);
        vm.assertEq(v.endpoint, "https://victor-2.example");
        vm.assertEq(uint256(v.registeredAt), START); // not re-registered
        _assertValidators(_list(victor));
    }

    function test_registerValidator_revertsWhenStakeBelowMinimum() public {
        _stake(victor, MIN_VALIDATOR_STAKE - 1);
        vm.expectRevert(
            abi.encodeWithSelector(IRegistry.InsufficientStake.selector, MIN_VALIDATOR_STAKE - 1, MIN_VALIDATOR_STAKE)
        );
        vm.prank(victor);
        registry.registerValidator("https://v");
    }

    function test_registerValidator_revertsWhenCallerIsProvider() public {
        _registerProvider(alice, MIN_VALIDATOR_STAKE);
        vm.expectRevert(abi.encodeWithSelector(IRegistry.AlreadyRegistered.selector, alice, IRegistry.Role.Provider));
        vm.prank(alice);
        registry.registerValidator("https://a");
        vm.assertEq(registry.validatorCount(), 0);
    }

    function test_registerValidator_revertsWhenEndpointEmpty() public {
        _stake(victor, MIN_VALIDATOR_STAKE);
        vm.expectRevert(IRegistry.EmptyEndpoint.selector);
        vm.prank(victor);
        registry.registerValidator("");
    }

    function test_registerValidator_revertsWhenEndpointTooLong() public {
        _registerValidator(victor);
        vm.expectRevert(abi.encodeWithSelector(IRegistry.FieldTooLong.selector, "endpoint", 300, 256));
        vm.prank(victor);
        registry.registerValidator(_string(300));
    }

    // ------------------------------------------------------------- unregister

    function test_unregister_providerDropsOffersAndUnbondsAllStake() public {
        _registerProvider(alice, MIN_STAKE + 500 ether);
        uint64 end = uint64(START) + UNBONDING;

        vm.expectEmit(address(registry));
        emit IRegistry.ProviderUnregistered(alice);
        vm.expectEmit(address(registry));
        emit IRegistry.UnstakeRequested(alice, MIN_STAKE + 500 ether, MIN_STAKE + 500 ether, end);
        vm.prank(alice);
        registry.unregister();

        (IRegistry.Role role, uint256 staked, uint256 unbonding, uint64 unbondingEnd) = _stakeOf(alice);
        vm.assertEq(uint256(role), uint256(IRegistry.Role.None));
        vm.assertEq(staked, 0);
        vm.assertEq(unbonding, MIN_STAKE + 500 ether);
        vm.assertEq(uint256(unbondingEnd), end);
        vm.assertFalse(registry.isActiveProvider(alice));
        _assertProviders(new address[](0));
        _assertNoOffer(alice, LLAMA);
        _assertNoOffer(alice, QWEN);

        IRegistry.ProviderView memory p = registry.getProvider(alice);
        vm.assertEq(p.endpoint, "");
        vm.assertEq(p.region, "");
        vm.assertEq(p.hardware.gpuModel, "");
        vm.assertEq(p.offers.length, 0);
        vm.assertEq(uint256(p.registeredAt), 0);
        vm.assertEq(registry.totalStaked(), MIN_STAKE + 500 ether); // still held until withdrawn
    }

    function test_unregister_validatorUnbondsAllStake() public {
        _registerValidator(victor);
        vm.expectEmit(address(registry));
        emit IRegistry.ValidatorUnregistered(victor);
        vm.expectEmit(address(registry));
        emit IRegistry.UnstakeRequested(victor, MIN_VALIDATOR_STAKE, MIN_VALIDATOR_STAKE, uint64(START) + UNBONDING);
        vm.prank(victor);
        registry.unregister();

        _assertRole(victor, IRegistry.Role.None);
        _assertStake(victor, 0, MIN_VALIDATOR_STAKE);
        vm.assertFalse(registry.isActiveValidator(victor));
        vm.assertEq(registry.getValidator(victor).endpoint, "");
        _assertValidators(new address[](0));
    }

    function test_unregister_swapAndPopKeepsProviderListCorrect() public {
        _registerProvider(alice);
        _registerProvider(bob);
        _registerProvider(carol);
        _assertProviders(_list(alice, bob, carol));

        vm.prank(alice); // first: carol moves into slot 0
        registry.unregister();
        _assertProviders(_list(carol, bob));

        vm.prank(bob); // last: nothing moves
        registry.unregister();
        _assertProviders(_list(carol));

        // Re-registering appends; carol's recorded index still lets her leave cleanly.
        _stake(alice, MIN_STAKE);
        vm.prank(alice);
        registry.registerProvider("https://a", "eu", _hw(), _twoOffers());
        _assertProviders(_list(carol, alice));

        vm.prank(carol);
        registry.unregister();
        _assertProviders(_list(alice));
        _assertOffer(alice, LLAMA, 0.1 ether, 0.3 ether);
        _assertNoOffer(carol, LLAMA);

        vm.prank(alice);
        registry.unregister();
        _assertProviders(new address[](0));
    }

    function test_unregister_swapAndPopKeepsValidatorListCorrect() public {
        _registerValidator(victor);
        _registerValidator(wendy);
        _registerValidator(xavier);
        _assertValidators(_list(victor, wendy, xavier));

        vm.prank(wendy);
        registry.unregister();
        _assertValidators(_list(victor, xavier));

        vm.prank(victor);
        registry.unregister();
        _assertValidators(_list(xavier));
        vm.assertEq(registry.getValidator(xavier).endpoint, _endpoint(xavier));

        vm.prank(xavier);
        registry.unregister();
        _assertValidators(new address[](0));
    }

    function test_unregister_providerListUnaffectedByValidatorLeaving() public {
        _registerProvider(alice);
        _registerValidator(victor);
        _registerProvider(bob);
        vm.prank(victor);
        registry.unregister();
        _assertProviders(_list(alice, bob));
        _assertValidators(new address[](0));
    }

    function test_unregister_addsToUnbondingAndRestartsClock() public {
        _registerProvider(alice, MIN_STAKE + 300 ether);
        vm.prank(alice);
        registry.requestUnstake(300 ether);

        vm.warp(START + 3 days);
        vm.prank(alice);
        registry.unregister();

        (,, uint256 unbonding, uint64 end) = _stakeOf(alice);
        vm.assertEq(unbonding, MIN_STAKE + 300 ether);
        vm.assertEq(uint256(end), START + 3 days + UNBONDING);
    }

    function test_unregister_afterFullSlashLeavesNothingUnbonding() public {
        _registerProvider(alice);
        vm.prank(slasher);
        registry.slash(alice, MIN_STAKE, treasury);

        vm.prank(alice);
        registry.unregister();
        (IRegistry.Role role, uint256 staked, uint256 unbonding, uint64 end) = _stakeOf(alice);
        vm.assertEq(uint256(role), uint256(IRegistry.Role.None));
        vm.assertEq(staked, 0);
        vm.assertEq(unbonding, 0);
        vm.assertEq(uint256(end), 0);
    }

    function test_unregister_allowsTheOtherRoleAfterRestaking() public {
        _registerProvider(alice, MIN_VALIDATOR_STAKE);
        vm.prank(alice);
        registry.unregister();

        // All stake is unbonding, so the validator minimum must be staked again.
        vm.expectRevert(abi.encodeWithSelector(IRegistry.InsufficientStake.selector, 0, MIN_VALIDATOR_STAKE));
        vm.prank(alice);
        registry.registerValidator("https://a");

        _stake(alice, MIN_VALIDATOR_STAKE);
        vm.prank(alice);
        registry.registerValidator("https://a");
        _assertRole(alice, IRegistry.Role.Validator);
        _assertStake(alice, MIN_VALIDATOR_STAKE, MIN_VALIDATOR_STAKE);
    }

    function test_unregister_revertsWhenNotRegistered() public {
        _stake(alice, MIN_STAKE);
        vm.expectRevert(abi.encodeWithSelector(IRegistry.NotRegistered.selector, alice, IRegistry.Role.None));
        vm.prank(alice);
        registry.unregister();
    }

    function test_unregister_revertsWhenCalledTwice() public {
        _registerValidator(victor);
        vm.prank(victor);
        registry.unregister();
        vm.expectRevert(abi.encodeWithSelector(IRegistry.NotRegistered.selector, victor, IRegistry.Role.None));
        vm.prank(victor);
        registry.unregister();
    }

    // --------------------------------------------------------- requestUnstake

    function test_requestUnstake_movesStakeToUnbondingAndEmits() public {
        _stake(alice, 500 ether);
        vm.expectEmit(address(registry));
        emit IRegistry.UnstakeRequested(alice, 200 ether, 200 ether, uint64(START) + UNBONDING);
        vm.prank(alice);
        registry.requestUnstake(200 ether);

        (, uint256 staked, uint256 unbonding, uint64 end) = _stakeOf(alice);
        vm.assertEq(staked, 300 ether);
        vm.assertEq(unbonding, 200 ether);
        vm.assertEq(uint256(end), START + UNBONDING);
        vm.assertEq(registry.totalStaked(), 500 ether);
    }

    function test_requestUnstake_allowsFullStakeWhenUnregistered() public {
        _stake(alice, 500 ether);
        vm.prank(alice);
        registry.requestUnstake(500 ether);
        _assertStake(alice, 0, 500 ether);
    }

    function test_requestUnstake_keepsProviderMinimumWhileRegistered() public {
        _registerProvider(alice, MIN_STAKE + 500 ether);
        vm.prank(alice);
        registry.requestUnstake(500 ether); // exactly down to the minimum
        _assertStake(alice, MIN_STAKE, 500 ether);
        vm.assertTrue(registry.isActiveProvider(alice));

        vm.expectRevert(abi.encodeWithSelector(IRegistry.InsufficientStake.selector, MIN_STAKE - 1, MIN_STAKE));
        vm.prank(alice);
        registry.requestUnstake(1);
    }

    function test_requestUnstake_keepsValidatorMinimumWhileRegistered() public {
        _registerValidator(victor);
        vm.expectRevert(
            abi.encodeWithSelector(
                IRegistry.InsufficientStake.selector, MIN_VALIDATOR_STAKE - 1 ether, MIN_VALIDATOR_STAKE
            )
        );
        vm.prank(victor);
        registry.requestUnstake(1 ether);
    }

    function test_requestUnstake_revertsWhenAmountZero() public {
        _stake(alice, 500 ether);
        vm.expectRevert(IRegistry.ZeroAmount.selector);
        vm.prank(alice);
        registry.requestUnstake(0);
    }

    function test_requestUnstake_revertsWhenAmountAboveStake() public {
        _stake(alice, 500 ether);
        vm.expectRevert(abi.encodeWithSelector(IRegistry.InsufficientStake.selector, 500 ether, 501 ether));
        vm.prank(alice);
        registry.requestUnstake(501 ether);
    }

    function test_requestUnstake_restartsClockForEverythingUnbonding() public {
        _stake(alice, 500 ether);
        vm.prank(alice);
        registry.requestUnstake(100 ether);

        vm.warp(START + 6 days);
        vm.expectEmit(address(registry));
        emit IRegistry.UnstakeRequested(alice, 100 ether, 200 ether, uint64(START + 6 days) + UNBONDING);
        vm.prank(alice);
        registry.requestUnstake(100 ether);

        // The first request's original end has passed, but the clock was restarted for both.
        vm.warp(START + UNBONDING);
        vm.expectRevert(
            abi.encodeWithSelector(
                IRegistry.UnbondingNotFinished.selector, 200 ether, uint64(START + 6 days) + UNBONDING
            )
        );
        vm.prank(alice);
        registry.withdrawStake();
    }

    function test_requestUnstake_usesUnbondingPeriodAtRequestTime() public {
        _stake(alice, 500 ether);
        vm.prank(alice);
        registry.requestUnstake(100 ether);

        vm.prank(owner);
        registry.setUnbondingPeriod(1 days);
        (,,, uint64 end) = _stakeOf(alice);
        vm.assertEq(uint256(end), START + UNBONDING); // earlier request keeps its end

        vm.prank(alice);
        registry.requestUnstake(100 ether);
        (,,, end) = _stakeOf(alice);
        vm.assertEq(uint256(end), START + 1 days);
    }

    // ---------------------------------------------------------- withdrawStake

    function test_withdrawStake_revertsBeforeUnbondingEnd() public {
        _stake(alice, 500 ether);
        vm.prank(alice);
        registry.requestUnstake(200 ether);

        vm.warp(START + UNBONDING - 1);
        vm.expectRevert(
            abi.encodeWithSelector(IRegistry.UnbondingNotFinished.selector, 200 ether, uint64(START) + UNBONDING)
        );
        vm.prank(alice);
        registry.withdrawStake();
    }

    function test_withdrawStake_paysOutAtUnbondingEnd() public {
        _stake(alice, 500 ether);
        vm.prank(alice);
        registry.requestUnstake(200 ether);

        vm.warp(START + UNBONDING);
        vm.expectEmit(address(registry));
        emit IRegistry.StakeWithdrawn(alice, 200 ether);
        vm.expectEmit(address(token));
        emit IERC20.Transfer(address(registry), alice, 200 ether);
        vm.prank(alice);
        registry.withdrawStake();

        (, uint256 staked, uint256 unbonding, uint64 end) = _stakeOf(alice);
        vm.assertEq(staked, 300 ether);
        vm.assertEq(unbonding, 0);
        vm.assertEq(uint256(end), 0);
        vm.assertEq(token.balanceOf(alice), BALANCE - 300 ether);
        vm.assertEq(registry.totalStaked(), 300 ether);
        _assertAccounting();
    }

    function test_withdrawStake_paysOutFormerProviderAfterUnregister() public {
        _registerProvider(alice);
        vm.prank(alice);
        registry.unregister();
        vm.warp(START + UNBONDING + 1 days);
        vm.prank(alice);
        registry.withdrawStake();
        vm.assertEq(token.balanceOf(alice), BALANCE);
        vm.assertEq(registry.totalStaked(), 0);
        vm.assertEq(token.balanceOf(address(registry)), 0);
    }

    function test_withdrawStake_revertsWhenNothingUnbonding() public {
        _stake(alice, 500 ether);
        vm.expectRevert(abi.encodeWithSelector(IRegistry.UnbondingNotFinished.selector, 0, 0));
        vm.prank(alice);
        registry.withdrawStake();
    }

    function test_withdrawStake_revertsWhenCalledTwice() public {
        _stake(alice, 500 ether);
        vm.prank(alice);
        registry.requestUnstake(500 ether);
        vm.warp(START + UNBONDING);
        vm.prank(alice);
        registry.withdrawStake();

        vm.expectRevert(abi.encodeWithSelector(IRegistry.UnbondingNotFinished.selector, 0, 0));
        vm.prank(alice);
        registry.withdrawStake();
    }

    // ------------------------------------------------------------------ slash

    function test_slash_revertsWhenCallerNotSlasher() public {
        _registerProvider(alice);
        vm.expectRevert(abi.encodeWithSelector(IRegistry.NotSlasher.selector, owner));
        vm.prank(owner);
        registry.slash(alice, 1 ether, treasury);
    }

    function test_slash_revertsNotSlasherForTheOwnerWhoCannotReplaceTheSlasher() public {
        _registerProvider(alice);
        vm.expectRevert(abi.encodeWithSelector(IRegistry.SlasherAlreadySet.selector, slasher));
        vm.prank(owner);
        registry.setSlasher(owner);
        vm.expectRevert(abi.encodeWithSelector(IRegistry.NotSlasher.selector, owner));
        vm.prank(owner);
        registry.slash(alice, 1 ether, owner);
        (, uint256 staked,,) = registry.stakeOf(alice);
        vm.assertEq(staked, MIN_STAKE);
    }

    function test_slash_sendsStakeToRecipientAndEmits() public {
        _registerProvider(alice, MIN_STAKE + 500 ether);
        vm.expectEmit(address(registry));
        emit IRegistry.Slashed(alice, slasher, treasury, 300 ether, 0);
        vm.expectEmit(address(token));
        emit IERC20.Transfer(address(registry), treasury, 300 ether);
        vm.prank(slasher);
        uint256 slashed = registry.slash(alice, 300 ether, treasury);

        vm.assertEq(slashed, 300 ether);
        _assertStake(alice, MIN_STAKE + 200 ether, 0);
        vm.assertEq(token.balanceOf(treasury), 300 ether);
        vm.assertEq(registry.totalStaked(), MIN_STAKE + 200 ether);
        vm.assertEq(registry.totalSlashed(), 300 ether);
        vm.assertEq(token.totalBurned(), 0);
        vm.assertTrue(registry.isActiveProvider(alice));
        _assertAccounting();
    }

    function test_slash_takesFromStakeFirstThenUnbonding() public {
        _stake(alice, 1500 ether);
        vm.prank(alice);
        registry.requestUnstake(500 ether); // stake 1000, unbonding 500

        vm.expectEmit(address(registry));
        emit IRegistry.Slashed(alice, slasher, treasury, 1000 ether, 200 ether);
        vm.prank(slasher);
        uint256 slashed = registry.slash(alice, 1200 ether, treasury);

        vm.assertEq(slashed, 1200 ether);
        _assertStake(alice, 0, 300 ether);
        (,,, uint64 end) = _stakeOf(alice);
        vm.assertEq(uint256(end), START + UNBONDING); // the clock is unchanged
        vm.assertEq(token.balanceOf(treasury), 1200 ether);
        _assertAccounting();

        // The rest can still be withdrawn once unbonded.
        vm.warp(START + UNBONDING);
        vm.prank(alice);
        registry.withdrawStake();
        vm.assertEq(token.balanceOf(alice), BALANCE - 1200 ether);
    }

    function test_slash_burnsWhenRecipientIsZero() public {
        _registerProvider(alice);
        uint256 supplyBefore = token.totalSupply();

        vm.expectEmit(address(registry));
        emit IRegistry.Slashed(alice, slasher, address(0), 400 ether, 0);
        vm.expectEmit(address(token));
        emit IERC20.Transfer(address(registry), address(0), 400 ether);
        vm.prank(slasher);
        registry.slash(alice, 400 ether, address(0));

        vm.assertEq(token.totalBurned(), 400 ether);
        vm.assertEq(token.totalSupply(), supplyBefore - 400 ether);
        vm.assertEq(registry.totalSlashed(), 400 ether);
        _assertAccounting();
    }

    function test_slash_neverTakesMoreThanHeld() public {
        _stake(alice, 800 ether);
        vm.prank(alice);
        registry.requestUnstake(300 ether);

        vm.expectEmit(address(registry));
        emit IRegistry.Slashed(alice, slasher, address(0), 500 ether, 300 ether);
        vm.prank(slasher);
        uint256 slashed = registry.slash(alice, type(uint256).max, address(0));

        vm.assertEq(slashed, 800 ether);
        _assertStake(alice, 0, 0);
        vm.assertEq(registry.totalStaked(), 0);
        vm.assertEq(registry.totalSlashed(), 800 ether);
        vm.assertEq(token.totalBurned(), 800 ether);
        _assertAccounting();
    }

    function test_slash_returnsZeroWhenNothingHeld() public {
        vm.prank(slasher);
        uint256 slashed = registry.slash(bob, 100 ether, treasury);
        vm.assertEq(slashed, 0);
        vm.assertEq(registry.totalSlashed(), 0);
        vm.assertEq(token.balanceOf(treasury), 0);
    }

    function test_slash_returnsZeroWhenAmountZero() public {
        _registerProvider(alice);
        vm.prank(slasher);
        uint256 slashed = registry.slash(alice, 0, treasury);
        vm.assertEq(slashed, 0);
        _assertStake(alice, MIN_STAKE, 0);
    }

    function test_slash_takesUnbondingStakeAfterUnregister() public {
        _registerValidator(victor);
        vm.prank(victor);
        registry.unregister();

        vm.expectEmit(address(registry));
        emit IRegistry.Slashed(victor, slasher, treasury, 0, 700 ether);
        vm.prank(slasher);
        registry.slash(victor, 700 ether, treasury);
        _assertStake(victor, 0, MIN_VALIDATOR_STAKE - 700 ether);
    }

    function test_slash_belowMinStakeMakesProviderInactive() public {
        _registerProvider(alice);
        _registerProvider(bob);
        vm.prank(slasher);
        registry.slash(alice, 1, treasury);

        vm.assertFalse(registry.isActiveProvider(alice));
        _assertRole(alice, IRegistry.Role.Provider); // still listed, just not eligible
        IRegistry.ProviderView[] memory page = registry.getProviders(0, 10);
        vm.assertEq(page.length, 2);
        vm.assertEq(page[0].provider, alice);
        vm.assertFalse(page[0].active);
        vm.assertTrue(page[1].active);

        // Topping up makes it eligible again.
        _stake(alice, 1);
        vm.assertTrue(registry.isActiveProvider(alice));
    }

    function test_slash_belowMinValidatorStakeMakesValidatorInactive() public {
        _registerValidator(victor);
        vm.prank(slasher);
        registry.slash(victor, 1 ether, address(0));
        vm.assertFalse(registry.isActiveValidator(victor));
        vm.assertFalse(registry.getValidator(victor).active);
        vm.assertEq(registry.validatorCount(), 1);
    }

    // ------------------------------------------------------------- setSlasher

    function _unsetRegistry() internal returns (Registry fresh) {
        fresh = new Registry(owner, IMeshToken(address(token)), MIN_STAKE, MIN_VALIDATOR_STAKE, UNBONDING, MAX_OFFERS);
    }

    function test_setSlasher_setsTheSlasherAndEmits() public {
        Registry fresh = _unsetRegistry();
        vm.assertEq(fresh.slasher(), address(0));
        vm.assertFalse(fresh.isSlasher(address(0)));
        vm.expectEmit(address(fresh));
        emit IRegistry.SlasherSet(carol);
        vm.prank(owner);
        fresh.setSlasher(carol);
        vm.assertTrue(fresh.isSlasher(carol));
        vm.assertEq(fresh.slasher(), carol);
        vm.assertFalse(fresh.isSlasher(owner));
    }

    function test_setSlasher_revertsSlasherAlreadySetWhenSetTwice() public {
        vm.expectRevert(abi.encodeWithSelector(IRegistry.SlasherAlreadySet.selector, slasher));
        vm.prank(owner);
        registry.setSlasher(carol);
        vm.assertEq(registry.slasher(), slasher);
        vm.assertFalse(registry.isSlasher(carol));
    }

    function test_setSlasher_revertsWhenCallerNotOwner() public {
        Registry fresh = _unsetRegistry();
        vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, slasher));
        vm.prank(slasher);
        fresh.setSlasher(carol);
    }

    function test_setSlasher_revertsWhenSlasherIsZero() public {
        Registry fresh = _unsetRegistry();
        vm.expectRevert(IRegistry.ZeroAddress.selector);
        vm.prank(owner);
        fresh.setSlasher(address(0));
    }

    function testFuzz_setSlasher_revertsSlasherAlreadySetForAnyAccount(address other) public {
        vm.assume(other != address(0));
        vm.expectRevert(abi.encodeWithSelector(IRegistry.SlasherAlreadySet.selector, slasher));
        vm.prank(owner);
        registry.setSlasher(other);
    }

    // -------------------------------------------------------------- setMinStake

    function test_setMinStake_setsAndEmits() public {
        vm.expectEmit(address(registry));
        emit IRegistry.MinStakeSet(2500 ether);
        vm.prank(owner);
        registry.setMinStake(2500 ether);
        vm.assertEq(registry.minStake(), 2500 ether);
    }

    function test_setMinStake_acceptsBounds() public {
        uint256 max = registry.MAX_MIN_STAKE();
        vm.startPrank(owner);
        registry.setMinStake(1);
        vm.assertEq(registry.minStake(), 1);
        registry.setMinStake(max);
        vm.assertEq(registry.minStake(), max);
        vm.stopPrank();
    }

    function test_setMinStake_revertsWhenZero() public {
        uint256 max = registry.MAX_MIN_STAKE();
        vm.expectRevert(abi.encodeWithSelector(IRegistry.ParameterOutOfRange.selector, "minStake", 0, 1, max));
        vm.prank(owner);
        registry.setMinStake(0);
    }

    function test_setMinStake_revertsWhenAboveMaximum() public {
        uint256 max = registry.MAX_MIN_STAKE();
        vm.expectRevert(abi.encodeWithSelector(IRegistry.ParameterOutOfRange.selector, "minStake", max + 1, 1, max));
        vm.prank(owner);
        registry.setMinStake(max + 1);
    }

    function test_setMinStake_revertsWhenCallerNotOwner() public {
        vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, alice));
        vm.prank(alice);
        registry.setMinStake(1 ether);
    }

    function test_setMinStake_raisedMinimumDeactivatesUnderstakedProviders() public {
        _registerProvider(alice, MIN_STAKE);
        _registerProvider(bob, 2 * MIN_STAKE);
        vm.prank(owner);
        registry.setMinStake(2 * MIN_STAKE);
        vm.assertFalse(registry.isActiveProvider(alice));
        vm.assertTrue(registry.isActiveProvider(bob));
        // The raised minimum also binds unstake requests.
        vm.expectRevert(abi.encodeWithSelector(IRegistry.InsufficientStake.selector, 2 * MIN_STAKE - 1, 2 * MIN_STAKE));
        vm.prank(bob);
        registry.requestUnstake(1);
    }

    // ----------------------------------------------------- setMinValidatorStake

    function test_setMinValidatorStake_setsAndEmits() public {
        vm.expectEmit(address(registry));
        emit IRegistry.MinValidatorStakeSet(10_000 ether);
        vm.prank(owner);
        registry.setMinValidatorStake(10_000 ether);
        vm.assertEq(registry.minValidatorStake(), 10_000 ether);
    }

    function test_setMinValidatorStake_acceptsBounds() public {
        uint256 max = registry.MAX_MIN_STAKE();
        vm.startPrank(owner);
        registry.setMinValidatorStake(1);
        vm.assertEq(registry.minValidatorStake(), 1);
        registry.setMinValidatorStake(max);
        vm.assertEq(registry.minValidatorStake(), max);
        vm.stopPrank();
    }

    function test_setMinValidatorStake_revertsWhenZero() public {
        uint256 max = registry.MAX_MIN_STAKE();
        vm.expectRevert(abi.encodeWithSelector(IRegistry.ParameterOutOfRange.selector, "minValidatorStake", 0, 1, max));
        vm.prank(owner);
        registry.setMinValidatorStake(0);
    }

    function test_setMinValidatorStake_revertsWhenAboveMaximum() public {
        uint256 max = registry.MAX_MIN_STAKE();
        vm.expectRevert(
            abi.encodeWithSelector(IRegistry.ParameterOutOfRange.selector, "minValidatorStake", max + 1, 1, max)
        );
        vm.prank(owner);
        registry.setMinValidatorStake(max + 1);
    }

    function test_setMinValidatorStake_revertsWhenCallerNotOwner() public {
        vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, victor));
        vm.prank(victor);
        registry.setMinValidatorStake(1 ether);
    }

    // ------------------------------------------------------- setUnbondingPeriod

    function test_setUnbondingPeriod_setsAndEmits() public {
        vm.expectEmit(address(registry));
        emit IRegistry.UnbondingPeriodSet(14 days);
        vm.prank(owner);
        registry.setUnbondingPeriod(14 days);
        vm.assertEq(uint256(registry.unbondingPeriod()), 14 days);
    }

    function test_setUnbondingPeriod_acceptsBounds() public {
        vm.startPrank(owner);
        registry.setUnbondingPeriod(1 hours);
        vm.assertEq(uint256(registry.unbondingPeriod()), 1 hours);
        registry.setUnbondingPeriod(90 days);
        vm.assertEq(uint256(registry.unbondingPeriod()), 90 days);
        vm.stopPrank();
    }

    function test_setUnbondingPeriod_revertsWhenBelowMinimum() public {
        vm.expectRevert(
            abi.encodeWithSelector(
                IRegistry.ParameterOutOfRange.selector, "unbondingPeriod", 1 hours - 1, 1 hours, 90 days
            )
        );
        vm.prank(owner);
        registry.setUnbondingPeriod(1 hours - 1);
    }

    function test_setUnbondingPeriod_revertsWhenAboveMaximum() public {
        vm.expectRevert(
            abi.encodeWithSelector(
                IRegistry.ParameterOutOfRange.selector, "unbondingPeriod", 90 days + 1, 1 hours, 90 days
            )
        );
        vm.prank(owner);
        registry.setUnbondingPeriod(90 days + 1);
    }

    function test_setUnbondingPeriod_revertsWhenCallerNotOwner() public {
        vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, alice));
        vm.prank(alice);
        registry.setUnbondingPeriod(1 days);
    }

    // ----------------------------------------- unbonding period vs dispute window

    function _windowRegistry(uint64 window) internal returns (Registry fresh, FixedDisputeWindow slasher_) {
        fresh = _unsetRegistry();
        slasher_ = new FixedDisputeWindow(window);
        vm.prank(owner);
        fresh.setSlasher(address(slasher_));
    }

    function test_setSlasher_revertsWhenUnbondingPeriodBelowTheSlashersMinimum() public {
        Registry fresh = _unsetRegistry();
        FixedDisputeWindow window = new FixedDisputeWindow(UNBONDING + 1);
        vm.expectRevert(
            abi.encodeWithSelector(
                IRegistry.ParameterOutOfRange.selector, "unbondingPeriod", UNBONDING, UNBONDING + 1, 90 days
            )
        );
        vm.prank(owner);
        fresh.setSlasher(address(window));
        vm.assertEq(fresh.slasher(), address(0));
        // Raised first, the period lets the slasher in.
        vm.startPrank(owner);
        fresh.setUnbondingPeriod(UNBONDING + 1);
        fresh.setSlasher(address(window));
        vm.stopPrank();
        vm.assertEq(fresh.slasher(), address(window));
    }

    function test_setSlasher_acceptsWhenUnbondingPeriodEqualsTheMinimum() public {
        (Registry fresh, FixedDisputeWindow window) = _windowRegistry(UNBONDING);
        vm.assertEq(fresh.slasher(), address(window));
    }

    function test_setSlasher_acceptsSlashersWithoutMinUnbondingPeriod() public {
        // An account without code (the setUp slasher), a contract without the function, a short answer.
        Registry withToken = _unsetRegistry();
        Registry withShort = _unsetRegistry();
        address short = address(new OneByteAnswer());
        vm.startPrank(owner);
        withToken.setSlasher(address(token));
        withShort.setSlasher(short);
        registry.setUnbondingPeriod(1 hours);
        withToken.setUnbondingPeriod(1 hours);
        withShort.setUnbondingPeriod(1 hours);
        vm.stopPrank();
        vm.assertEq(withToken.slasher(), address(token));
        vm.assertEq(withShort.slasher(), short);
        vm.assertEq(uint256(withShort.unbondingPeriod()), 1 hours);
    }

    function test_setUnbondingPeriod_revertsWhenBelowTheSlashersMinimum() public {
        (Registry fresh, FixedDisputeWindow window) = _windowRegistry(3 days);
        vm.expectRevert(
            abi.encodeWithSelector(
                IRegistry.ParameterOutOfRange.selector, "unbondingPeriod", 3 days - 1, 3 days, 90 days
            )
        );
        vm.prank(owner);
        fresh.setUnbondingPeriod(3 days - 1);
        vm.prank(owner);
        fresh.setUnbondingPeriod(3 days);
        vm.assertEq(uint256(fresh.unbondingPeriod()), 3 days);
        // The slasher's minimum is read at each call.
        window.set(10 days);
        vm.expectRevert(
            abi.encodeWithSelector(IRegistry.ParameterOutOfRange.selector, "unbondingPeriod", 9 days, 10 days, 90 days)
        );
        vm.prank(owner);
        fresh.setUnbondingPeriod(9 days);
        vm.assertEq(uint256(fresh.unbondingPeriod()), 3 days);
    }

    function test_setUnbondingPeriod_slashersMinimumBelowTheFloorKeepsTheFloor() public {
        (Registry fresh,) = _windowRegistry(10 minutes);
        vm.expectRevert(
            abi.encodeWithSelector(
                IRegistry.ParameterOutOfRange.selector, "unbondingPeriod", 30 minutes, 1 hours, 90 days
            )
        );
        vm.prank(owner);
        fresh.setUnbondingPeriod(30 minutes);
    }

    function test_setUnbondingPeriod_slashersMinimumAboveTheMaximumRefusesEveryValue() public {
        Registry fresh = _unsetRegistry();
        vm.prank(owner);
        fresh.setUnbondingPeriod(90 days);
        FixedDisputeWindow window = new FixedDisputeWindow(90 days);
        vm.prank(owner);
        fresh.setSlasher(address(window));
        window.set(91 days);
        vm.expectRevert(
            abi.encodeWithSelector(IRegistry.ParameterOutOfRange.selector, "unbondingPeriod", 90 days, 91 days, 90 days)
        );
        vm.prank(owner);
        fresh.setUnbondingPeriod(90 days);
    }

    // ------------------------------------------------------------ setMaxOffers

    function test_setMaxOffers_setsAndEmits() public {
        vm.expectEmit(address(registry));
        emit IRegistry.MaxOffersSet(32);
        vm.prank(owner);
        registry.setMaxOffers(32);
        vm.assertEq(registry.maxOffers(), 32);
    }

    function test_setMaxOffers_acceptsBounds() public {
        vm.startPrank(owner);
        registry.setMaxOffers(1);
        vm.assertEq(registry.maxOffers(), 1);
        registry.setMaxOffers(256);
        vm.assertEq(registry.maxOffers(), 256);
        vm.stopPrank();
    }

    function test_setMaxOffers_revertsWhenZero() public {
        vm.expectRevert(abi.encodeWithSelector(IRegistry.ParameterOutOfRange.selector, "maxOffers", 0, 1, 256));
        vm.prank(owner);
        registry.setMaxOffers(0);
    }

    function test_setMaxOffers_revertsWhenAboveLimit() public {
        vm.expectRevert(abi.encodeWithSelector(IRegistry.ParameterOutOfRange.selector, "maxOffers", 257, 1, 256));
        vm.prank(owner);
        registry.setMaxOffers(257);
    }

    function test_setMaxOffers_revertsWhenCallerNotOwner() public {
        vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, alice));
        vm.prank(alice);
        registry.setMaxOffers(4);
    }

    function test_setMaxOffers_loweredLimitKeepsExistingOffers() public {
        _registerProvider(alice); // 2 offers
        vm.prank(owner);
        registry.setMaxOffers(1);

        vm.assertEq(registry.getProvider(alice).offers.length, 2);
        vm.prank(alice);
        registry.setOffers(_offers1(LLAMA, 5, 5)); // replacing is fine
        _assertOffer(alice, LLAMA, 5, 5);

        vm.expectRevert(abi.encodeWithSelector(IRegistry.TooManyOffers.selector, 3, 1));
        vm.prank(alice);
        registry.setOffers(_offers1(MISTRAL, 1, 1));
    }

    // ------------------------------------------------------------- ownership

    function test_acceptOwnership_movesParameterControl() public {
        vm.prank(owner);
        registry.transferOwnership(carol);
        vm.prank(carol);
        registry.acceptOwnership();
        vm.assertEq(registry.owner(), carol);

        vm.prank(carol);
        registry.setMaxOffers(16);
        vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, owner));
        vm.prank(owner);
        registry.setMaxOffers(4);
    }

    // ------------------------------------------------------------------ views

    function test_getProviders_pages() public {
        _registerProvider(alice);
        _registerProvider(bob);
        _registerProvider(carol);

        IRegistry.ProviderView[] memory page = registry.getProviders(0, 2);
        vm.assertEq(page.length, 2);
        vm.assertEq(page[0].provider, alice);
        vm.assertEq(page[1].provider, bob);
        vm.assertEq(page[1].endpoint, _endpoint(bob));
        vm.assertEq(page[1].offers.length, 2);

        page = registry.getProviders(2, 2);
        vm.assertEq(page.length, 1);
        vm.assertEq(page[0].provider, carol);

        vm.assertEq(registry.getProviders(3, 1).length, 0); // offset at end
        vm.assertEq(registry.getProviders(50, 10).length, 0); // offset past end
        vm.assertEq(registry.getProviders(0, 0).length, 0);
        vm.assertEq(registry.getProviders(1, type(uint256).max).length, 2);
    }

    function test_getValidators_pages() public {
        _registerValidator(victor);
        _registerValidator(wendy);
        _registerValidator(xavier);

        IRegistry.ValidatorView[] memory page = registry.getValidators(1, 1);
        vm.assertEq(page.length, 1);
        vm.assertEq(page[0].validator, wendy);
        vm.assertEq(page[0].endpoint, _endpoint(wendy));
        vm.assertTrue(page[0].active);

        page = registry.getValidators(1, 5);
        vm.assertEq(page.length, 2);
        vm.assertEq(page[1].validator, xavier);

        vm.assertEq(registry.getValidators(3, 1).length, 0);
        vm.assertEq(registry.getValidators(type(uint256).max, type(uint256).max).length, 0);
        vm.assertEq(registry.getValidators(0, 0).length, 0);
    }

    function test_getProviders_returnsEmptyWhenNoneRegistered() public view {
        vm.assertEq(registry.getProviders(0, 10).length, 0);
        vm.assertEq(registry.getValidators(0, 10).length, 0);
    }

    function test_getProvider_returnsEmptyViewForUnknownAccount() public view {
        IRegistry.ProviderView memory p = registry.getProvider(bob);
        vm.assertEq(p.provider, bob);
        vm.assertFalse(p.active);
        vm.assertEq(p.stake, 0);
        vm.assertEq(p.endpoint, "");
        vm.assertEq(p.offers.length, 0);
        IRegistry.ValidatorView memory v = registry.getValidator(bob);
        vm.assertFalse(v.active);
        vm.assertEq(v.endpoint, "");
    }

    function test_isActiveProvider_falseForStakedButUnregisteredAccount() public {
        _stake(alice, 10 * MIN_STAKE);
        vm.assertFalse(registry.isActiveProvider(alice));
        vm.assertFalse(registry.isActiveValidator(alice));
    }

    function test_getProvider_reportsUnbondingOfRegisteredProvider() public {
        _registerProvider(alice, MIN_STAKE + 100 ether);
        vm.prank(alice);
        registry.requestUnstake(100 ether);
        IRegistry.ProviderView memory p = registry.getProvider(alice);
        vm.assertEq(p.stake, MIN_STAKE);
        vm.assertEq(p.unbonding, 100 ether);
        vm.assertEq(uint256(p.unbondingEnd), START + UNBONDING);
        vm.assertTrue(p.active);
    }

    // ------------------------------------------------------------------- fuzz

    function testFuzz_stake_accumulates(uint256 first, uint256 second) public {
        first = bound(first, 1, BALANCE / 2);
        second = bound(second, 1, BALANCE / 2);
        _stake(alice, first);
        vm.expectEmit(address(registry));
        emit IRegistry.Staked(alice, second, first + second);
        _stake(alice, second);
        _assertStake(alice, first + second, 0);
        vm.assertEq(registry.totalStaked(), first + second);
        _assertAccounting();
    }

    function testFuzz_requestUnstake_thenWithdrawAfterUnbonding(uint256 amount, uint256 unstake, uint256 wait) public {
        amount = bound(amount, 1, BALANCE);
        unstake = bound(unstake, 1, amount);
        wait = bound(wait, 0, 2 * uint256(UNBONDING));
        _stake(alice, amount);
        vm.prank(alice);
        registry.requestUnstake(unstake);
        _assertStake(alice, amount - unstake, unstake);

        vm.warp(START + wait);
        if (wait < UNBONDING) {
            vm.expectRevert(
                abi.encodeWithSelector(IRegistry.UnbondingNotFinished.selector, unstake, uint64(START) + UNBONDING)
            );
            vm.prank(alice);
            registry.withdrawStake();
        } else {
            vm.prank(alice);
            registry.withdrawStake();
            vm.assertEq(token.balanceOf(alice), BALANCE - amount + unstake);
            _assertStake(alice, amount - unstake, 0);
        }
        vm.assertEq(registry.totalStaked(), wait < UNBONDING ? amount : amount - unstake);
        _assertAccounting();
    }

    function testFuzz_requestUnstake_keepsProviderMinimum(uint256 extra, uint256 unstake) public {
        extra = bound(extra, 0, 100_000 ether);
        unstake = bound(unstake, 1, MIN_STAKE + extra);
        _registerProvider(alice, MIN_STAKE + extra);

        if (unstake > extra) {
            vm.expectRevert(
                abi.encodeWithSelector(IRegistry.InsufficientStake.selector, MIN_STAKE + extra - unstake, MIN_STAKE)
            );
            vm.prank(alice);
            registry.requestUnstake(unstake);
        } else {
            vm.prank(alice);
            registry.requestUnstake(unstake);
            _assertStake(alice, MIN_STAKE + extra - unstake, unstake);
            vm.assertTrue(registry.isActiveProvider(alice));
        }
    }

    function testFuzz_requestUnstake_revertsWhenAboveStake(uint256 amount, uint256 unstake) public {
        amount = bound(amount, 1, BALANCE);
        unstake = bound(unstake, amount + 1, type(uint256).max);
        _stake(alice, amount);
        vm.expectRevert(abi.encodeWithSelector(IRegistry.InsufficientStake.selector, amount, unstake));
        vm.prank(alice);
        registry.requestUnstake(unstake);
    }

    function testFuzz_slash_takesStakeThenUnbondingAndNeverMore(
        uint256 amount,
        uint256 unstake,
        uint256 slashAmount,
        bool burn
    ) public {
        amount = bound(amount, 1, BALANCE);
        unstake = bound(unstake, 0, amount);
        slashAmount = bound(slashAmount, 0, 2 * BALANCE);
        _stake(alice, amount);
        if (unstake != 0) {
            vm.prank(alice);
            registry.requestUnstake(unstake);
        }
        uint256 held = amount;
        uint256 expectedFromStake = slashAmount < amount - unstake ? slashAmount : amount - unstake;
        uint256 rest = slashAmount - expectedFromStake;
        uint256 expectedFromUnbonding = rest < unstake ? rest : unstake;
        address recipient = burn ? address(0) : treasury;

        if (expectedFromStake + expectedFromUnbonding != 0) {
            vm.expectEmit(address(registry));
            emit IRegistry.Slashed(alice, slasher, recipient, expectedFromStake, expectedFromUnbonding);
        }
        vm.prank(slasher);
        uint256 slashed = registry.slash(alice, slashAmount, recipient);

        vm.assertEq(slashed, expectedFromStake + expectedFromUnbonding);
        vm.assertLe(slashed, held);
        vm.assertLe(slashed, slashAmount);
        _assertStake(alice, amount - unstake - expectedFromStake, unstake - expectedFromUnbonding);
        vm.assertEq(registry.totalSlashed(), slashed);
        vm.assertEq(registry.totalStaked(), held - slashed);
        vm.assertEq(token.totalBurned(), burn ? slashed : 0);
        vm.assertEq(token.balanceOf(treasury), burn ? 0 : slashed);
        _assertAccounting();
    }

    function testFuzz_slash_revertsWhenCallerNotSlasher(address caller) public {
        vm.assume(caller != slasher);
        vm.expectRevert(abi.encodeWithSelector(IRegistry.NotSlasher.selector, caller));
        vm.prank(caller);
        registry.slash(alice, 1, treasury);
    }

    function testFuzz_isActiveProvider_followsMinStakeAfterSlash(uint256 extra, uint256 slashAmount) public {
        extra = bound(extra, 0, 10_000 ether);
        slashAmount = bound(slashAmount, 1, MIN_STAKE + extra);
        _registerProvider(alice, MIN_STAKE + extra);
        vm.prank(slasher);
        registry.slash(alice, slashAmount, address(0));
        vm.assertEq(registry.isActiveProvider(alice), slashAmount <= extra);
        vm.assertEq(registry.providerCount(), 1);
    }

    function testFuzz_setMinStake_enforcesBounds(uint256 value) public {
        uint256 max = registry.MAX_MIN_STAKE();
        if (value == 0 || value > max) {
            vm.expectRevert(abi.encodeWithSelector(IRegistry.ParameterOutOfRange.selector, "minStake", value, 1, max));
        } else {
            vm.expectEmit(address(registry));
            emit IRegistry.MinStakeSet(value);
        }
        vm.prank(owner);
        registry.setMinStake(value);
    }

    function testFuzz_setUnbondingPeriod_enforcesBounds(uint64 value) public {
        if (value < 1 hours || value > 90 days) {
            vm.expectRevert(
                abi.encodeWithSelector(
                    IRegistry.ParameterOutOfRange.selector, "unbondingPeriod", value, 1 hours, 90 days
                )
            );
        } else {
            vm.expectEmit(address(registry));
            emit IRegistry.UnbondingPeriodSet(value);
        }
        vm.prank(owner);
        registry.setUnbondingPeriod(value);
    }

    function testFuzz_setMaxOffers_enforcesBounds(uint256 value) public {
        value = bound(value, 0, 600);
        if (value == 0 || value > 256) {
            vm.expectRevert(abi.encodeWithSelector(IRegistry.ParameterOutOfRange.selector, "maxOffers", value, 1, 256));
        } else {
            vm.expectEmit(address(registry));
            emit IRegistry.MaxOffersSet(value);
        }
        vm.prank(owner);
        registry.setMaxOffers(value);
    }

    function testFuzz_removeOffers_keepsEveryOtherOfferFindable(uint256 count, uint256 removeIndex) public {
        count = bound(count, 1, MAX_OFFERS);
        removeIndex = bound(removeIndex, 0, count - 1);
        IRegistry.Offer[] memory offers = _manyOffers(count, 42);
        _stake(alice, MIN_STAKE);
        vm.prank(alice);
        registry.registerProvider("https://a", "eu", _hw(), offers);

        vm.expectEmit(address(registry));
        emit IRegistry.OfferRemoved(alice, offers[removeIndex].modelId);
        vm.prank(alice);
        registry.removeOffers(_ids1(offers[removeIndex].modelId));

        vm.assertEq(registry.getProvider(alice).offers.length, count - 1);
        for (uint256 i; i < count; ++i) {
            if (i == removeIndex) {
                _assertNoOffer(alice, offers[i].modelId);
            } else {
                _assertOffer(alice, offers[i].modelId, offers[i].pricePerMInput, offers[i].pricePerMOutput);
            }
        }
    }

    function testFuzz_getProviders_returnsRequestedSlice(uint256 offset, uint256 limit) public {
        offset = bound(offset, 0, 5);
        limit = bound(limit, 0, 5);
        address[3] memory providers = [alice, bob, carol];
        for (uint256 i; i < 3; ++i) {
            _registerProvider(providers[i]);
        }
        IRegistry.ProviderView[] memory page = registry.getProviders(offset, limit);
        uint256 expected = offset >= 3 ? 0 : (3 - offset < limit ? 3 - offset : limit);
        vm.assertEq(page.length, expected);
        for (uint256 i; i < page.length; ++i) {
            vm.assertEq(page[i].provider, providers[offset + i]);
        }
    }
}
