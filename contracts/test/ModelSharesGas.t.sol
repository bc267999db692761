// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {SharesBase} from "./utils/SharesBase.sol";
import {ModelShares} from "../src/ModelShares.sol";
import {ShareOffering} from "../src/ShareOffering.sol";
import {IShareOffering} from "../src/interfaces/IShareOffering.sol";

/// @notice Gas of the hot paths of revenue shares, written to snapshots/ModelShares.json. As in
/// PaymentsGas, setUp prepares every state a measured call reads, so the measured call (the only call its
/// test makes to the contracts) finds storage cold as a real transaction would. Figures are the gas of the
/// call itself, without the 21,000 of a transaction and its calldata.
contract ModelSharesGasTest is SharesBase {
    ModelShares internal shares;
    ShareOffering internal offering;
    address internal holder;
    address internal buyer;
    address internal other;

    function setUp() public override {
        super.setUp();
        holder = makeAddr("holder");
        buyer = makeAddr("buyer");
        other = makeAddr("other");
        (shares, offering) = _create(_terms(300_000 ether, 1 ether, 60 days, 0));
        _activateRoyalty();
        vm.startPrank(author);
        shares.transfer(holder, 100_000 ether);
        shares.transfer(other, 1 ether);
        vm.stopPrank();
        _buy(offering, buyer, 1 ether);
        _give(buyer, 10_000 ether);
        // Royalties credited in Payments, not pulled: claim and pull claim them from Payments first.
        _earn(1000 ether);
    }

    /// @notice A holder's claim: pulls the royalties from Payments, books them, pays the holder.
    function test_gas_claim() public {
        vm.prank(holder);
        shares.claim();
        vm.snapshotGasLastCall("ModelShares", "claim");
        vm.assertEq(token.balanceOf(holder), 10 ether);
    }

    /// @notice A claim with nothing pending in Payments (income already booked).
    function test_gas_claim_booked() public {
        shares.pull();
        vm.prank(holder);
        shares.claim();
        vm.snapshotGasLastCall("ModelShares", "claim_booked");
    }

    /// @notice A transfer to an existing holder that first books royalties pending in Payments.
    function test_gas_transfer_withPendingRoyalties() public {
        vm.prank(holder);
        shares.transfer(other, 1000 ether);
        vm.snapshotGasLastCall("ModelShares", "transfer_withPendingRoyalties");
    }

    /// @notice A transfer with nothing to book (the common case between redemptions).
    function test_gas_transfer() public {
        shares.pull();
        vm.prank(holder);
        shares.transfer(other, 1000 ether);
        vm.snapshotGasLastCall("ModelShares", "transfer");
    }

    function test_gas_pull() public {
        shares.pull();
        vm.snapshotGasLastCall("ModelShares", "pull");
        vm.assertEq(payments.royaltiesOwed(address(shares)), 0);
    }

    /// @notice A buy by an account that bought before.
    function test_gas_buy() public {
        vm.prank(buyer);
        offering.buy(1000 ether, 1 ether);
        vm.snapshotGasLastCall("ModelShares", "buy");
    }

    function test_gas_create() public {
        bytes32 model2 = keccak256("model-2");
        vm.prank(author);
        models.register(model2, "model-2", "", 0, address(0));
        IShareOffering.Terms memory terms = _terms(300_000 ether, 1 ether, 60 days, 0);
        vm.prank(author);
        factory.create(model2, "Model 2 shares", "M2S", SUPPLY, terms);
        vm.snapshotGasLastCall("ModelShares", "create");
    }
}
