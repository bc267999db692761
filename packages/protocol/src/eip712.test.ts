import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { after, before, describe, it } from 'node:test'
import solc from 'solc'
import {
  type Address,
  createWalletClient,
  domainSeparator,
  type Hex,
  hashTypedData,
  http,
  keccak256,
  parseAbi,
  stringToBytes,
  zeroHash,
} from 'viem'
import { mnemonicToAccount } from 'viem/accounts'
import { disputesAbi } from './abis/Disputes.js'
import { paymentsAbi } from './abis/Payments.js'
import { type Connection, connect } from './connect.js'
import { deployContracts } from './deployContracts.js'
import type { Deployment } from './deployment.js'
import { paymentsDomain, receiptTypes, voucherTypes } from './eip712.js'
import { hashRequest } from './hashRequest.js'
import { hashResponse } from './hashResponse.js'
import { hashTokenIds } from './hashTokenIds.js'
import type { Receipt } from './receipt.js'
import { signReceipt } from './signReceipt.js'
import { type Anvil, anvilMnemonic, startAnvil } from './startAnvil.js'

const deployer = mnemonicToAccount(anvilMnemonic, { addressIndex: 0 })
// anvil's first dev key (public; the key of `deployer`).
const deployerKey: Hex = '0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80'
const provider = mnemonicToAccount(anvilMnemonic, { addressIndex: 1 })
const payer = mnemonicToAccount(anvilMnemonic, { addressIndex: 2 })

/**
 * What a Solidity contract that checks receipts (a dispute contract) would write: OpenZeppelin's domain
 * separator formula for the Payments contract, the Receipt type hash and ECDSA recovery.
 */
const receiptCheckerSource = `// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {MessageHashUtils} from "@openzeppelin/contracts/utils/cryptography/MessageHashUtils.sol";

contract ReceiptChecker {
    struct Receipt {
        bytes32 requestHash;
        bytes32 responseHash;
        bytes32 tokensHash;
        bytes32 modelId;
        address payer;
        address provider;
        uint64 inputTokens;
        uint64 outputTokens;
        uint64 servedAt;
        uint256 cost;
        uint256 cumulativeAmount;
    }
    struct Voucher {
        address payer;
        address provider;
        bytes32 modelId;
        uint256 cumulativeAmount;
    }

    bytes32 public constant RECEIPT_TYPEHASH = keccak256(
        "Receipt(bytes32 requestHash,bytes32 responseHash,bytes32 tokensHash,bytes32 modelId,address payer,"
        "address provider,uint64 inputTokens,uint64 outputTokens,uint64 servedAt,uint256 cost,"
        "uint256 cumulativeAmount)"
    );
    bytes32 public constant VOUCHER_TYPEHASH =
        keccak256("Voucher(address payer,address provider,bytes32 modelId,uint256 cumulativeAmount)");
    bytes32 public immutable domainSeparator;

    constructor(address payments) {
        domainSeparator = keccak256(
            abi.encode(
                keccak256(
                    "EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)"
                ),
                keccak256("InferMesh Payments"),
                keccak256("2"),
                block.chainid,
                payments
            )
        );
    }

    function hashReceipt(Receipt calldata r) public view returns (bytes32) {
        bytes32 structHash = keccak256(
            abi.encode(
                RECEIPT_TYPEHASH, r.requestHash, r.responseHash, r.tokensHash, r.modelId, r.payer,
                r.provider, r.inputTokens, r.outputTokens, r.servedAt, r.cost, r.cumulativeAmount
            )
        );
        return MessageHashUtils.toTypedDataHash(domainSeparator, structHash);
    }

    function hashVoucher(Voucher calldata v) external view returns (bytes32) {
        bytes32 structHash = keccak256(
            abi.encode(VOUCHER_TYPEHASH, v.payer, v.provider, v.modelId, v.cumulativeAmount)
        );
        return MessageHashUtils.toTypedDataHash(domainSeparator, structHash);
    }

    function recoverReceipt(Receipt calldata r, bytes calldata signature) external view returns (address) {
        return ECDSA.recover(hashReceipt(r), signature);
    }
}
`

const receiptCheckerAbi = parseAbi([
  // One line: parseAbi needs literal strings to type the calls.
  'struct Receipt { bytes32 requestHash; bytes32 responseHash; bytes32 tokensHash; bytes32 modelId; address payer; address provider; uint64 inputTokens; uint64 outputTokens; uint64 servedAt; uint256 cost; uint256 cumulativeAmount; }',
  'struct Voucher { address payer; address provider; bytes32 modelId; uint256 cumulativeAmount; }',
  'constructor(address payments)',
  'function RECEIPT_TYPEHASH() view returns (bytes32)',
  'function domainSeparator() view returns (bytes32)',
  'function hashReceipt(Receipt r) view returns (bytes32)',
  'function hashVoucher(Voucher v) view returns (bytes32)',
  'function recoverReceipt(Receipt r, bytes signature) view returns (address)',
])

/** Compiles the checker with solc-js (the compiler the contracts are built with), resolving OpenZeppelin. */
function compileReceiptChecker(): Hex {
  const require = createRequire(import.meta.url)
  const input = {
    language: 'Solidity',
    sources: { 'ReceiptChecker.sol': { content: receiptCheckerSource } },
    settings: { outputSelection: { '*': { '*': ['evm.bytecode.object'] } } },
  }
  const findImports = (path: string) => {
    try {
      return { contents: readFileSync(require.resolve(path), 'utf8') }
    } catch {
      return { error: `File not found: ${path}` }
    }
  }
  const output = JSON.parse(solc.compile(JSON.stringify(input), { import: findImports }))
  const errors = (output.errors ?? []).filter((error: { severity: string }) => error.severity === 'error')
  assert.deepEqual(errors, [])
  return `0x${output.contracts['ReceiptChecker.sol'].ReceiptChecker.evm.bytecode.object}`
}

/** The EIP-712 type string of `Receipt`, built from `receiptTypes`. */
const receiptFields = receiptTypes.Receipt.map((field) => `${field.type} ${field.name}`)
const receiptTypeString = `Receipt(${receiptFields.join(',')})`

describe('EIP-712 domain and Receipt type against Solidity on a real anvil', () => {
  let anvil: Anvil
  let chain: Connection
  let deployment: Deployment
  let checker: Address

  const receipt: Receipt = {
    requestHash: hashRequest('chat', { model: 'tiny', messages: [{ role: 'user', content: 'Hi' }] }),
    responseHash: hashResponse('Hello there'),
    tokensHash: hashTokenIds([75, 104, 111, 111, 114]),
    modelId: `0x${'ab'.repeat(32)}`,
    payer: payer.address,
    provider: provider.address,
    inputTokens: 2n ** 64n - 2n,
    outputTokens: 30n,
    servedAt: 2n ** 64n - 3n,
    cost: 7_200_000_000_000n,
    cumulativeAmount: 10n ** 30n,
  }

  before(async () => {
    const bytecode = compileReceiptChecker()
    anvil = await startAnvil()
    chain = await connect({ rpcUrl: anvil.rpcUrl })
    deployment = await deployContracts({ rpcUrl: anvil.rpcUrl, deployerKey })
    const wallet = createWalletClient({
      account: deployer,
      chain: chain.chain,
      transport: http(anvil.rpcUrl),
    })
    const hash = await wallet.deployContract({
      abi: receiptCheckerAbi,
      bytecode,
      args: [deployment.contracts.payments],
    })
    const mined = await chain.publicClient.waitForTransactionReceipt({ hash })
    assert.ok(mined.contractAddress)
    checker = mined.contractAddress
  })

  after(async () => {
    await anvil?.stop()
  })

  it("equals the Payments contract's eip712Domain() field by field", async () => {
    const { payments } = deployment.contracts
    const [fields, name, version, chainId, verifyingContract, salt, extensions] =
      await chain.publicClient.readContract({
        address: payments,
        abi: paymentsAbi,
        functionName: 'eip712Domain',
      })
    const domain = paymentsDomain(deployment.chainId, payments)
    // 0x0f: name, version, chainId and verifyingContract are used; salt and extensions are not.
    assert.equal(fields, '0x0f')
    assert.equal(name, domain.name)
    assert.equal(version, domain.version)
    assert.equal(chainId, BigInt(domain.chainId ?? 0))
    assert.equal(verifyingContract, domain.verifyingContract)
    assert.equal(salt, zeroHash)
    assert.deepEqual(extensions, [])
    assert.deepEqual(Object.keys(domain).sort(), ['chainId', 'name', 'verifyingContract', 'version'])
  })

  it('has the domain separator Solidity computes, the one Payments signs vouchers in', async () => {
    const { payments } = deployment.contracts
    const read = chain.publicClient.readContract
    const separator = await read({
      address: checker,
      abi: receiptCheckerAbi,
      functionName: 'domainSeparator',
    })
    assert.equal(separator, domainSeparator({ domain: paymentsDomain(deployment.chainId, payments) }))
    const voucher = {
      payer: payer.address,
      provider: provider.address,
      modelId: receipt.modelId,
      cumulativeAmount: 5n,
    }
    const expected = hashTypedData({
      domain: paymentsDomain(deployment.chainId, payments),
      types: voucherTypes,
      primaryType: 'Voucher',
      message: voucher,
    })
    assert.equal(
      await read({ address: payments, abi: paymentsAbi, functionName: 'hashVoucher', args: [voucher] }),
      expected,
    )
    assert.equal(
      await read({ address: checker, abi: receiptCheckerAbi, functionName: 'hashVoucher', args: [voucher] }),
      expected,
    )
  })

  it('has the Receipt type hash and digest Solidity computes, and Solidity recovers the signer', async () => {
    const { payments } = deployment.contracts
    const read = chain.publicClient.readContract
    assert.equal(
      receiptTypeString,
      'Receipt(bytes32 requestHash,bytes32 responseHash,bytes32 tokensHash,bytes32 modelId,address payer,' +
        'address provider,uint64 inputTokens,uint64 outputTokens,uint64 servedAt,uint256 cost,' +
        'uint256 cumulativeAmount)',
    )
    assert.equal(
      await read({ address: checker, abi: receiptCheckerAbi, functionName: 'RECEIPT_TYPEHASH' }),
      keccak256(stringToBytes(receiptTypeString)),
    )
    assert.equal(
      await read({ address: checker, abi: receiptCheckerAbi, functionName: 'hashReceipt', args: [receipt] }),
      hashTypedData({
        domain: paymentsDomain(deployment.chainId, payments),
        types: receiptTypes,
        primaryType: 'Receipt',
        message: receipt,
      }),
    )
    assert.equal(
      await read({
        address: deployment.contracts.disputes,
        abi: disputesAbi,
        functionName: 'hashReceipt',
        args: [receipt],
      }),
      hashTypedData({
        domain: paymentsDomain(deployment.chainId, payments),
        types: receiptTypes,
        primaryType: 'Receipt',
        message: receipt,
      }),
    )
    const signature = await signReceipt({ account: provider, chainId: deployment.chainId, payments, receipt })
    assert.equal(
      await read({
        address: checker,
        abi: receiptCheckerAbi,
        functionName: 'recoverReceipt',
        args: [receipt, signature],
      }),
      provider.address,
    )
  })
})
