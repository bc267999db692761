export { meshTokenAbi, meshTokenBytecode } from './abis/MeshToken.js'
export { modelRegistryAbi, modelRegistryBytecode } from './abis/ModelRegistry.js'
export { paymentsAbi, paymentsBytecode } from './abis/Payments.js'
export { registryAbi, registryBytecode } from './abis/Registry.js'
export { type Connection, type ConnectOptions, chainFor, connect } from './connect.js'
export { type DeployContractsOptions, deployContracts } from './deployContracts.js'
export {
  type Deployment,
  type DeployParams,
  defaultDeployParams,
  deploymentSchema,
  deployParamsSchema,
  readDeployment,
  writeDeployment,
} from './deployment.js'
export { paymentsDomain, voucherTypes } from './eip712.js'
export { BaseError, type BaseErrorOptions } from './errors.js'
export { type SignVoucherParameters, signVoucher } from './signVoucher.js'
export {
  type Anvil,
  anvilBinary,
  anvilMnemonic,
  freePort,
  type StartAnvilOptions,
  startAnvil,
} from './startAnvil.js'
export { type VerifyVoucherParameters, verifyVoucher } from './verifyVoucher.js'
export type { Voucher } from './voucher.js'
