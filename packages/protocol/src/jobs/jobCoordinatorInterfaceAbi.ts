// The ABI of contracts/src/interfaces/IJobCoordinator.sol (the agreed interface), compiled with solc-js.
// Used by the job helpers until the generated JobCoordinator ABI lands; the two must agree.
export const jobCoordinatorInterfaceAbi = [
  {
    inputs: [
      {
        internalType: 'uint256',
        name: 'jobId',
        type: 'uint256',
      },
    ],
    name: 'BadReceiptSignature',
    type: 'error',
  },
  {
    inputs: [
      {
        internalType: 'uint256',
        name: 'bond',
        type: 'uint256',
      },
      {
        internalType: 'uint256',
        name: 'required',
        type: 'uint256',
      },
    ],
    name: 'BondTooLow',
    type: 'error',
  },
  {
    inputs: [
      {
        internalType: 'uint256',
        name: 'cost',
        type: 'uint256',
      },
      {
        internalType: 'uint256',
        name: 'maxPayment',
        type: 'uint256',
      },
    ],
    name: 'CostAboveMax',
    type: 'error',
  },
  {
    inputs: [
      {
        internalType: 'uint256',
        name: 'jobId',
        type: 'uint256',
      },
      {
        internalType: 'uint64',
        name: 'deadline',
        type: 'uint64',
      },
    ],
    name: 'DeadlineNotPassed',
    type: 'error',
  },
  {
    inputs: [
      {
        internalType: 'uint256',
        name: 'jobId',
        type: 'uint256',
      },
      {
        internalType: 'uint64',
        name: 'deadline',
        type: 'uint64',
      },
    ],
    name: 'DeadlinePassed',
    type: 'error',
  },
  {
    inputs: [
      {
        internalType: 'uint256',
        name: 'jobId',
        type: 'uint256',
      },
      {
        internalType: 'uint256',
        name: 'disputeId',
        type: 'uint256',
      },
    ],
    name: 'DisputePending',
    type: 'error',
  },
  {
    inputs: [
      {
        internalType: 'uint256',
        name: 'jobId',
        type: 'uint256',
      },
      {
        internalType: 'uint64',
        name: 'endsAt',
        type: 'uint64',
      },
    ],
    name: 'DisputeWindowOpen',
    type: 'error',
  },
  {
    inputs: [
      {
        internalType: 'uint256',
        name: 'jobId',
        type: 'uint256',
      },
      {
        internalType: 'uint64',
        name: 'drawBlock',
        type: 'uint64',
      },
    ],
    name: 'DrawNotReady',
    type: 'error',
  },
  {
    inputs: [
      {
        internalType: 'address',
        name: 'provider',
        type: 'address',
      },
      {
        internalType: 'uint256',
        name: 'jobId',
        type: 'uint256',
      },
    ],
    name: 'HasOpenJob',
    type: 'error',
  },
  {
    inputs: [
      {
        internalType: 'uint256',
        name: 'jobId',
        type: 'uint256',
      },
      {
        internalType: 'bytes32',
        name: 'requestHash',
        type: 'bytes32',
      },
    ],
    name: 'InputMismatch',
    type: 'error',
  },
  {
    inputs: [
      {
        internalType: 'uint256',
        name: 'available',
        type: 'uint256',
      },
      {
        internalType: 'uint256',
        name: 'needed',
        type: 'uint256',
      },
    ],
    name: 'InsufficientCallbackGas',
    type: 'error',
  },
  {
    inputs: [
      {
        internalType: 'uint256',
        name: 'gasLimit',
        type: 'uint256',
      },
      {
        internalType: 'uint256',
        name: 'maxAllowed',
        type: 'uint256',
      },
    ],
    name: 'InvalidCallbackGas',
    type: 'error',
  },
  {
    inputs: [
      {
        internalType: 'uint256',
        name: 'length',
        type: 'uint256',
      },
      {
        internalType: 'uint256',
        name: 'maxLength',
        type: 'uint256',
      },
    ],
    name: 'InvalidInput',
    type: 'error',
  },
  {
    inputs: [
      {
        internalType: 'uint256',
        name: 'maxTokens',
        type: 'uint256',
      },
      {
        internalType: 'uint256',
        name: 'maxAllowed',
        type: 'uint256',
      },
    ],
    name: 'InvalidMaxTokens',
    type: 'error',
  },
  {
    inputs: [
      {
        internalType: 'uint256',
        name: 'seed',
        type: 'uint256',
      },
    ],
    name: 'InvalidSeed',
    type: 'error',
  },
  {
    inputs: [
      {
        internalType: 'uint256',
        name: 'temperatureMilli',
        type: 'uint256',
      },
    ],
    name: 'InvalidTemperature',
    type: 'error',
  },
  {
    inputs: [
      {
        internalType: 'uint256',
        name: 'ttl',
        type: 'uint256',
      },
    ],
    name: 'InvalidTtl',
    type: 'error',
  },
  {
    inputs: [
      {
        internalType: 'uint256',
        name: 'subscriptionId',
        type: 'uint256',
      },
    ],
    name: 'NoRoundsLeft',
    type: 'error',
  },
  {
    inputs: [
      {
        internalType: 'uint256',
        name: 'jobId',
        type: 'uint256',
      },
      {
        internalType: 'address',
        name: 'caller',
        type: 'address',
      },
    ],
    name: 'NotAssignedProvider',
    type: 'error',
  },
  {
    inputs: [
      {
        internalType: 'uint256',
        name: 'subscriptionId',
        type: 'uint256',
      },
      {
        internalType: 'uint64',
        name: 'nextBlock',
        type: 'uint64',
      },
    ],
    name: 'NotDue',
    type: 'error',
  },
  {
    inputs: [
      {
        internalType: 'address',
        name: 'provider',
        type: 'address',
      },
      {
        internalType: 'bytes32',
        name: 'modelId',
        type: 'bytes32',
      },
    ],
    name: 'NotEnrollable',
    type: 'error',
  },
  {
    inputs: [
      {
        internalType: 'uint256',
        name: 'jobId',
        type: 'uint256',
      },
      {
        internalType: 'address',
        name: 'caller',
        type: 'address',
      },
    ],
    name: 'NotRequester',
    type: 'error',
  },
  {
    inputs: [
      {
        internalType: 'uint256',
        name: 'length',
        type: 'uint256',
      },
      {
        internalType: 'uint256',
        name: 'maxLength',
        type: 'uint256',
      },
    ],
    name: 'OutputTooLarge',
    type: 'error',
  },
  {
    inputs: [
      {
        internalType: 'string',
        name: 'name',
        type: 'string',
      },
      {
        internalType: 'uint256',
        name: 'value',
        type: 'uint256',
      },
      {
        internalType: 'uint256',
        name: 'min',
        type: 'uint256',
      },
      {
        internalType: 'uint256',
        name: 'max',
        type: 'uint256',
      },
    ],
    name: 'ParameterOutOfRange',
    type: 'error',
  },
  {
    inputs: [
      {
        internalType: 'uint256',
        name: 'jobId',
        type: 'uint256',
      },
      {
        internalType: 'string',
        name: 'field',
        type: 'string',
      },
    ],
    name: 'ReceiptMismatch',
    type: 'error',
  },
  {
    inputs: [
      {
        internalType: 'uint256',
        name: 'jobId',
        type: 'uint256',
      },
      {
        internalType: 'uint64',
        name: 'respondBy',
        type: 'uint64',
      },
    ],
    name: 'ResponseWindowOpen',
    type: 'error',
  },
  {
    inputs: [
      {
        internalType: 'uint256',
        name: 'count',
        type: 'uint256',
      },
      {
        internalType: 'uint256',
        name: 'maxCount',
        type: 'uint256',
      },
    ],
    name: 'TooManyModels',
    type: 'error',
  },
  {
    inputs: [
      {
        internalType: 'uint256',
        name: 'jobId',
        type: 'uint256',
      },
    ],
    name: 'UnknownJob',
    type: 'error',
  },
  {
    inputs: [
      {
        internalType: 'bytes32',
        name: 'modelId',
        type: 'bytes32',
      },
    ],
    name: 'UnknownModel',
    type: 'error',
  },
  {
    inputs: [
      {
        internalType: 'uint256',
        name: 'subscriptionId',
        type: 'uint256',
      },
    ],
    name: 'UnknownSubscription',
    type: 'error',
  },
  {
    inputs: [
      {
        internalType: 'uint256',
        name: 'jobId',
        type: 'uint256',
      },
      {
        internalType: 'enum IJobCoordinator.Status',
        name: 'status',
        type: 'uint8',
      },
    ],
    name: 'WrongStatus',
    type: 'error',
  },
  {
    inputs: [],
    name: 'ZeroAddress',
    type: 'error',
  },
  {
    inputs: [],
    name: 'ZeroAmount',
    type: 'error',
  },
  {
    anonymous: false,
    inputs: [
      {
        indexed: true,
        internalType: 'address',
        name: 'provider',
        type: 'address',
      },
      {
        indexed: false,
        internalType: 'uint256',
        name: 'amount',
        type: 'uint256',
      },
      {
        indexed: false,
        internalType: 'uint256',
        name: 'bond',
        type: 'uint256',
      },
    ],
    name: 'BondPosted',
    type: 'event',
  },
  {
    anonymous: false,
    inputs: [
      {
        indexed: true,
        internalType: 'address',
        name: 'provider',
        type: 'address',
      },
      {
        indexed: false,
        internalType: 'uint256',
        name: 'amount',
        type: 'uint256',
      },
    ],
    name: 'BondWithdrawn',
    type: 'event',
  },
  {
    anonymous: false,
    inputs: [
      {
        indexed: true,
        internalType: 'uint256',
        name: 'jobId',
        type: 'uint256',
      },
      {
        indexed: false,
        internalType: 'bool',
        name: 'success',
        type: 'bool',
      },
    ],
    name: 'CallbackResult',
    type: 'event',
  },
  {
    anonymous: false,
    inputs: [
      {
        indexed: true,
        internalType: 'uint256',
        name: 'jobId',
        type: 'uint256',
      },
      {
        indexed: true,
        internalType: 'address',
        name: 'provider',
        type: 'address',
      },
      {
        indexed: false,
        internalType: 'uint256',
        name: 'penalty',
        type: 'uint256',
      },
    ],
    name: 'DeadlineMissed',
    type: 'event',
  },
  {
    anonymous: false,
    inputs: [
      {
        indexed: true,
        internalType: 'uint256',
        name: 'jobId',
        type: 'uint256',
      },
      {
        indexed: false,
        internalType: 'uint64',
        name: 'drawBlock',
        type: 'uint64',
      },
    ],
    name: 'DrawRearmed',
    type: 'event',
  },
  {
    anonymous: false,
    inputs: [
      {
        indexed: true,
        internalType: 'address',
        name: 'provider',
        type: 'address',
      },
      {
        indexed: false,
        internalType: 'bytes32[]',
        name: 'modelIds',
        type: 'bytes32[]',
      },
      {
        indexed: false,
        internalType: 'uint256',
        name: 'weight',
        type: 'uint256',
      },
    ],
    name: 'Enrolled',
    type: 'event',
  },
  {
    anonymous: false,
    inputs: [
      {
        indexed: true,
        internalType: 'uint256',
        name: 'jobId',
        type: 'uint256',
      },
      {
        indexed: true,
        internalType: 'address',
        name: 'provider',
        type: 'address',
      },
      {
        indexed: false,
        internalType: 'uint8',
        name: 'attempt',
        type: 'uint8',
      },
      {
        indexed: false,
        internalType: 'uint64',
        name: 'respondBy',
        type: 'uint64',
      },
    ],
    name: 'JobAssigned',
    type: 'event',
  },
  {
    anonymous: false,
    inputs: [
      {
        indexed: true,
        internalType: 'uint256',
        name: 'jobId',
        type: 'uint256',
      },
      {
        indexed: true,
        internalType: 'address',
        name: 'provider',
        type: 'address',
      },
    ],
    name: 'JobDeclined',
    type: 'event',
  },
  {
    anonymous: false,
    inputs: [
      {
        indexed: true,
        internalType: 'uint256',
        name: 'jobId',
        type: 'uint256',
      },
      {
        indexed: true,
        internalType: 'address',
        name: 'provider',
        type: 'address',
      },
      {
        indexed: false,
        internalType: 'bytes',
        name: 'output',
        type: 'bytes',
      },
      {
        indexed: false,
        internalType: 'bytes32',
        name: 'receiptDigest',
        type: 'bytes32',
      },
      {
        components: [
          {
            internalType: 'bytes32',
            name: 'requestHash',
            type: 'bytes32',
          },
          {
            internalType: 'bytes32',
            name: 'responseHash',
            type: 'bytes32',
          },
          {
            internalType: 'bytes32',
            name: 'tokensHash',
            type: 'bytes32',
          },
          {
            internalType: 'bytes32',
            name: 'modelId',
            type: 'bytes32',
          },
          {
            internalType: 'address',
            name: 'payer',
            type: 'address',
          },
          {
            internalType: 'address',
            name: 'provider',
            type: 'address',
          },
          {
            internalType: 'uint64',
            name: 'inputTokens',
            type: 'uint64',
          },
          {
            internalType: 'uint64',
            name: 'outputTokens',
            type: 'uint64',
          },
          {
            internalType: 'uint64',
            name: 'servedAt',
            type: 'uint64',
          },
          {
            internalType: 'uint256',
            name: 'cost',
            type: 'uint256',
          },
          {
            internalType: 'uint256',
            name: 'cumulativeAmount',
            type: 'uint256',
          },
        ],
        indexed: false,
        internalType: 'struct IDisputes.Receipt',
        name: 'receipt',
        type: 'tuple',
      },
      {
        indexed: false,
        internalType: 'bytes',
        name: 'signature',
        type: 'bytes',
      },
    ],
    name: 'JobDelivered',
    type: 'event',
  },
  {
    anonymous: false,
    inputs: [
      {
        indexed: true,
        internalType: 'uint256',
        name: 'jobId',
        type: 'uint256',
      },
      {
        indexed: true,
        internalType: 'address',
        name: 'requester',
        type: 'address',
      },
      {
        indexed: false,
        internalType: 'uint256',
        name: 'amount',
        type: 'uint256',
      },
      {
        indexed: false,
        internalType: 'bytes32',
        name: 'reason',
        type: 'bytes32',
      },
    ],
    name: 'JobRefunded',
    type: 'event',
  },
  {
    anonymous: false,
    inputs: [
      {
        indexed: true,
        internalType: 'uint256',
        name: 'jobId',
        type: 'uint256',
      },
      {
        indexed: true,
        internalType: 'address',
        name: 'requester',
        type: 'address',
      },
      {
        indexed: true,
        internalType: 'bytes32',
        name: 'modelId',
        type: 'bytes32',
      },
      {
        indexed: false,
        internalType: 'bytes',
        name: 'input',
        type: 'bytes',
      },
      {
        indexed: false,
        internalType: 'uint32',
        name: 'maxTokens',
        type: 'uint32',
      },
      {
        indexed: false,
        internalType: 'uint16',
        name: 'temperatureMilli',
        type: 'uint16',
      },
      {
        indexed: false,
        internalType: 'uint64',
        name: 'seed',
        type: 'uint64',
      },
      {
        indexed: false,
        internalType: 'uint256',
        name: 'maxPayment',
        type: 'uint256',
      },
      {
        indexed: false,
        internalType: 'uint32',
        name: 'callbackGasLimit',
        type: 'uint32',
      },
      {
        indexed: false,
        internalType: 'uint64',
        name: 'deadline',
        type: 'uint64',
      },
      {
        indexed: false,
        internalType: 'uint256',
        name: 'subscriptionId',
        type: 'uint256',
      },
    ],
    name: 'JobRequested',
    type: 'event',
  },
  {
    anonymous: false,
    inputs: [
      {
        indexed: true,
        internalType: 'uint256',
        name: 'jobId',
        type: 'uint256',
      },
      {
        indexed: true,
        internalType: 'address',
        name: 'provider',
        type: 'address',
      },
      {
        indexed: false,
        internalType: 'uint256',
        name: 'cost',
        type: 'uint256',
      },
      {
        indexed: false,
        internalType: 'uint256',
        name: 'refund',
        type: 'uint256',
      },
    ],
    name: 'JobSettled',
    type: 'event',
  },
  {
    anonymous: false,
    inputs: [
      {
        indexed: true,
        internalType: 'uint256',
        name: 'jobId',
        type: 'uint256',
      },
      {
        indexed: false,
        internalType: 'uint8',
        name: 'attempts',
        type: 'uint8',
      },
    ],
    name: 'JobUnassignable',
    type: 'event',
  },
  {
    anonymous: false,
    inputs: [
      {
        components: [
          {
            internalType: 'uint8',
            name: 'drawDelay',
            type: 'uint8',
          },
          {
            internalType: 'uint64',
            name: 'responseWindow',
            type: 'uint64',
          },
          {
            internalType: 'uint256',
            name: 'jobBond',
            type: 'uint256',
          },
          {
            internalType: 'uint256',
            name: 'missPenalty',
            type: 'uint256',
          },
          {
            internalType: 'uint8',
            name: 'maxAttempts',
            type: 'uint8',
          },
        ],
        indexed: false,
        internalType: 'struct IJobCoordinator.Params',
        name: 'params',
        type: 'tuple',
      },
    ],
    name: 'ParamsSet',
    type: 'event',
  },
  {
    anonymous: false,
    inputs: [
      {
        indexed: true,
        internalType: 'uint256',
        name: 'subscriptionId',
        type: 'uint256',
      },
      {
        indexed: false,
        internalType: 'uint256',
        name: 'refund',
        type: 'uint256',
      },
    ],
    name: 'SubscriptionCancelled',
    type: 'event',
  },
  {
    anonymous: false,
    inputs: [
      {
        indexed: true,
        internalType: 'uint256',
        name: 'subscriptionId',
        type: 'uint256',
      },
      {
        indexed: true,
        internalType: 'address',
        name: 'requester',
        type: 'address',
      },
      {
        indexed: false,
        internalType: 'uint32',
        name: 'interval',
        type: 'uint32',
      },
      {
        indexed: false,
        internalType: 'uint32',
        name: 'count',
        type: 'uint32',
      },
    ],
    name: 'SubscriptionCreated',
    type: 'event',
  },
  {
    anonymous: false,
    inputs: [
      {
        indexed: true,
        internalType: 'address',
        name: 'provider',
        type: 'address',
      },
    ],
    name: 'Unenrolled',
    type: 'event',
  },
  {
    anonymous: false,
    inputs: [
      {
        indexed: true,
        internalType: 'address',
        name: 'provider',
        type: 'address',
      },
      {
        indexed: false,
        internalType: 'uint256',
        name: 'weight',
        type: 'uint256',
      },
    ],
    name: 'WeightSynced',
    type: 'event',
  },
  {
    inputs: [
      {
        internalType: 'uint256',
        name: 'jobId',
        type: 'uint256',
      },
    ],
    name: 'assign',
    outputs: [],
    stateMutability: 'nonpayable',
    type: 'function',
  },
  {
    inputs: [
      {
        internalType: 'address',
        name: 'provider',
        type: 'address',
      },
    ],
    name: 'bondOf',
    outputs: [
      {
        internalType: 'uint256',
        name: '',
        type: 'uint256',
      },
    ],
    stateMutability: 'view',
    type: 'function',
  },
  {
    inputs: [
      {
        internalType: 'uint256',
        name: 'jobId',
        type: 'uint256',
      },
    ],
    name: 'cancel',
    outputs: [],
    stateMutability: 'nonpayable',
    type: 'function',
  },
  {
    inputs: [
      {
        internalType: 'uint256',
        name: 'subscriptionId',
        type: 'uint256',
      },
    ],
    name: 'cancelSubscription',
    outputs: [],
    stateMutability: 'nonpayable',
    type: 'function',
  },
  {
    inputs: [
      {
        internalType: 'uint256',
        name: 'jobId',
        type: 'uint256',
      },
    ],
    name: 'decline',
    outputs: [],
    stateMutability: 'nonpayable',
    type: 'function',
  },
  {
    inputs: [
      {
        internalType: 'uint256',
        name: 'jobId',
        type: 'uint256',
      },
      {
        internalType: 'bytes',
        name: 'output',
        type: 'bytes',
      },
      {
        components: [
          {
            internalType: 'bytes32',
            name: 'requestHash',
            type: 'bytes32',
          },
          {
            internalType: 'bytes32',
            name: 'responseHash',
            type: 'bytes32',
          },
          {
            internalType: 'bytes32',
            name: 'tokensHash',
            type: 'bytes32',
          },
          {
            internalType: 'bytes32',
            name: 'modelId',
            type: 'bytes32',
          },
          {
            internalType: 'address',
            name: 'payer',
            type: 'address',
          },
          {
            internalType: 'address',
            name: 'provider',
            type: 'address',
          },
          {
            internalType: 'uint64',
            name: 'inputTokens',
            type: 'uint64',
          },
          {
            internalType: 'uint64',
            name: 'outputTokens',
            type: 'uint64',
          },
          {
            internalType: 'uint64',
            name: 'servedAt',
            type: 'uint64',
          },
          {
            internalType: 'uint256',
            name: 'cost',
            type: 'uint256',
          },
          {
            internalType: 'uint256',
            name: 'cumulativeAmount',
            type: 'uint256',
          },
        ],
        internalType: 'struct IDisputes.Receipt',
        name: 'receipt',
        type: 'tuple',
      },
      {
        internalType: 'bytes',
        name: 'signature',
        type: 'bytes',
      },
    ],
    name: 'deliver',
    outputs: [],
    stateMutability: 'nonpayable',
    type: 'function',
  },
  {
    inputs: [],
    name: 'disputes',
    outputs: [
      {
        internalType: 'address',
        name: '',
        type: 'address',
      },
    ],
    stateMutability: 'view',
    type: 'function',
  },
  {
    inputs: [
      {
        internalType: 'bytes32[]',
        name: 'modelIds',
        type: 'bytes32[]',
      },
      {
        internalType: 'uint256',
        name: 'bondTopUp',
        type: 'uint256',
      },
    ],
    name: 'enroll',
    outputs: [],
    stateMutability: 'nonpayable',
    type: 'function',
  },
  {
    inputs: [
      {
        internalType: 'address',
        name: 'provider',
        type: 'address',
      },
    ],
    name: 'enrolledModels',
    outputs: [
      {
        internalType: 'bytes32[]',
        name: '',
        type: 'bytes32[]',
      },
    ],
    stateMutability: 'view',
    type: 'function',
  },
  {
    inputs: [
      {
        internalType: 'uint256',
        name: 'jobId',
        type: 'uint256',
      },
    ],
    name: 'getJob',
    outputs: [
      {
        components: [
          {
            internalType: 'address',
            name: 'requester',
            type: 'address',
          },
          {
            internalType: 'enum IJobCoordinator.Status',
            name: 'status',
            type: 'uint8',
          },
          {
            internalType: 'uint8',
            name: 'attempts',
            type: 'uint8',
          },
          {
            internalType: 'uint32',
            name: 'maxTokens',
            type: 'uint32',
          },
          {
            internalType: 'uint16',
            name: 'temperatureMilli',
            type: 'uint16',
          },
          {
            internalType: 'uint32',
            name: 'callbackGasLimit',
            type: 'uint32',
          },
          {
            internalType: 'address',
            name: 'provider',
            type: 'address',
          },
          {
            internalType: 'uint64',
            name: 'seed',
            type: 'uint64',
          },
          {
            internalType: 'uint64',
            name: 'requestBlock',
            type: 'uint64',
          },
          {
            internalType: 'uint64',
            name: 'drawBlock',
            type: 'uint64',
          },
          {
            internalType: 'uint64',
            name: 'deadline',
            type: 'uint64',
          },
          {
            internalType: 'uint64',
            name: 'assignedAt',
            type: 'uint64',
          },
          {
            internalType: 'uint64',
            name: 'respondBy',
            type: 'uint64',
          },
          {
            internalType: 'uint64',
            name: 'servedAt',
            type: 'uint64',
          },
          {
            internalType: 'uint64',
            name: 'inputLength',
            type: 'uint64',
          },
          {
            internalType: 'bytes32',
            name: 'modelId',
            type: 'bytes32',
          },
          {
            internalType: 'bytes32',
            name: 'requestHash',
            type: 'bytes32',
          },
          {
            internalType: 'bytes32',
            name: 'receiptDigest',
            type: 'bytes32',
          },
          {
            internalType: 'uint256',
            name: 'maxPayment',
            type: 'uint256',
          },
          {
            internalType: 'uint128',
            name: 'pricePerMInput',
            type: 'uint128',
          },
          {
            internalType: 'uint128',
            name: 'pricePerMOutput',
            type: 'uint128',
          },
          {
            internalType: 'uint256',
            name: 'cost',
            type: 'uint256',
          },
          {
            internalType: 'uint256',
            name: 'subscriptionId',
            type: 'uint256',
          },
        ],
        internalType: 'struct IJobCoordinator.Job',
        name: '',
        type: 'tuple',
      },
    ],
    stateMutability: 'view',
    type: 'function',
  },
  {
    inputs: [
      {
        internalType: 'uint256',
        name: 'subscriptionId',
        type: 'uint256',
      },
    ],
    name: 'getSubscription',
    outputs: [
      {
        components: [
          {
            internalType: 'address',
            name: 'requester',
            type: 'address',
          },
          {
            internalType: 'uint32',
            name: 'interval',
            type: 'uint32',
          },
          {
            internalType: 'uint32',
            name: 'remaining',
            type: 'uint32',
          },
          {
            internalType: 'uint64',
            name: 'nextBlock',
            type: 'uint64',
          },
          {
            internalType: 'bytes32',
            name: 'inputHash',
            type: 'bytes32',
          },
          {
            components: [
              {
                internalType: 'bytes32',
                name: 'modelId',
                type: 'bytes32',
              },
              {
                internalType: 'bytes',
                name: 'input',
                type: 'bytes',
              },
              {
                internalType: 'uint32',
                name: 'maxTokens',
                type: 'uint32',
              },
              {
                internalType: 'uint16',
                name: 'temperatureMilli',
                type: 'uint16',
              },
              {
                internalType: 'uint64',
                name: 'seed',
                type: 'uint64',
              },
              {
                internalType: 'uint256',
                name: 'maxPayment',
                type: 'uint256',
              },
              {
                internalType: 'uint32',
                name: 'callbackGasLimit',
                type: 'uint32',
              },
              {
                internalType: 'uint64',
                name: 'ttl',
                type: 'uint64',
              },
            ],
            internalType: 'struct IJobCoordinator.JobRequest',
            name: 'template_',
            type: 'tuple',
          },
        ],
        internalType: 'struct IJobCoordinator.Subscription',
        name: '',
        type: 'tuple',
      },
    ],
    stateMutability: 'view',
    type: 'function',
  },
  {
    inputs: [],
    name: 'jobCount',
    outputs: [
      {
        internalType: 'uint256',
        name: '',
        type: 'uint256',
      },
    ],
    stateMutability: 'view',
    type: 'function',
  },
  {
    inputs: [],
    name: 'params',
    outputs: [
      {
        components: [
          {
            internalType: 'uint8',
            name: 'drawDelay',
            type: 'uint8',
          },
          {
            internalType: 'uint64',
            name: 'responseWindow',
            type: 'uint64',
          },
          {
            internalType: 'uint256',
            name: 'jobBond',
            type: 'uint256',
          },
          {
            internalType: 'uint256',
            name: 'missPenalty',
            type: 'uint256',
          },
          {
            internalType: 'uint8',
            name: 'maxAttempts',
            type: 'uint8',
          },
        ],
        internalType: 'struct IJobCoordinator.Params',
        name: '',
        type: 'tuple',
      },
    ],
    stateMutability: 'view',
    type: 'function',
  },
  {
    inputs: [],
    name: 'payments',
    outputs: [
      {
        internalType: 'address',
        name: '',
        type: 'address',
      },
    ],
    stateMutability: 'view',
    type: 'function',
  },
  {
    inputs: [
      {
        internalType: 'uint256',
        name: 'jobId',
        type: 'uint256',
      },
    ],
    name: 'reassign',
    outputs: [],
    stateMutability: 'nonpayable',
    type: 'function',
  },
  {
    inputs: [],
    name: 'registry',
    outputs: [
      {
        internalType: 'address',
        name: '',
        type: 'address',
      },
    ],
    stateMutability: 'view',
    type: 'function',
  },
  {
    inputs: [
      {
        components: [
          {
            internalType: 'bytes32',
            name: 'modelId',
            type: 'bytes32',
          },
          {
            internalType: 'bytes',
            name: 'input',
            type: 'bytes',
          },
          {
            internalType: 'uint32',
            name: 'maxTokens',
            type: 'uint32',
          },
          {
            internalType: 'uint16',
            name: 'temperatureMilli',
            type: 'uint16',
          },
          {
            internalType: 'uint64',
            name: 'seed',
            type: 'uint64',
          },
          {
            internalType: 'uint256',
            name: 'maxPayment',
            type: 'uint256',
          },
          {
            internalType: 'uint32',
            name: 'callbackGasLimit',
            type: 'uint32',
          },
          {
            internalType: 'uint64',
            name: 'ttl',
            type: 'uint64',
          },
        ],
        internalType: 'struct IJobCoordinator.JobRequest',
        name: 'job',
        type: 'tuple',
      },
    ],
    name: 'request',
    outputs: [
      {
        internalType: 'uint256',
        name: 'jobId',
        type: 'uint256',
      },
    ],
    stateMutability: 'nonpayable',
    type: 'function',
  },
  {
    inputs: [
      {
        internalType: 'uint256',
        name: 'jobId',
        type: 'uint256',
      },
      {
        internalType: 'bytes',
        name: 'input',
        type: 'bytes',
      },
    ],
    name: 'requestBytes',
    outputs: [
      {
        internalType: 'bytes',
        name: '',
        type: 'bytes',
      },
    ],
    stateMutability: 'view',
    type: 'function',
  },
  {
    inputs: [
      {
        components: [
          {
            internalType: 'uint8',
            name: 'drawDelay',
            type: 'uint8',
          },
          {
            internalType: 'uint64',
            name: 'responseWindow',
            type: 'uint64',
          },
          {
            internalType: 'uint256',
            name: 'jobBond',
            type: 'uint256',
          },
          {
            internalType: 'uint256',
            name: 'missPenalty',
            type: 'uint256',
          },
          {
            internalType: 'uint8',
            name: 'maxAttempts',
            type: 'uint8',
          },
        ],
        internalType: 'struct IJobCoordinator.Params',
        name: 'params',
        type: 'tuple',
      },
    ],
    name: 'setParams',
    outputs: [],
    stateMutability: 'nonpayable',
    type: 'function',
  },
  {
    inputs: [
      {
        internalType: 'uint256',
        name: 'jobId',
        type: 'uint256',
      },
    ],
    name: 'settle',
    outputs: [],
    stateMutability: 'nonpayable',
    type: 'function',
  },
  {
    inputs: [
      {
        components: [
          {
            internalType: 'bytes32',
            name: 'modelId',
            type: 'bytes32',
          },
          {
            internalType: 'bytes',
            name: 'input',
            type: 'bytes',
          },
          {
            internalType: 'uint32',
            name: 'maxTokens',
            type: 'uint32',
          },
          {
            internalType: 'uint16',
            name: 'temperatureMilli',
            type: 'uint16',
          },
          {
            internalType: 'uint64',
            name: 'seed',
            type: 'uint64',
          },
          {
            internalType: 'uint256',
            name: 'maxPayment',
            type: 'uint256',
          },
          {
            internalType: 'uint32',
            name: 'callbackGasLimit',
            type: 'uint32',
          },
          {
            internalType: 'uint64',
            name: 'ttl',
            type: 'uint64',
          },
        ],
        internalType: 'struct IJobCoordinator.JobRequest',
        name: 'template_',
        type: 'tuple',
      },
      {
        internalType: 'uint32',
        name: 'interval',
        type: 'uint32',
      },
      {
        internalType: 'uint32',
        name: 'count',
        type: 'uint32',
      },
    ],
    name: 'subscribe',
    outputs: [
      {
        internalType: 'uint256',
        name: 'subscriptionId',
        type: 'uint256',
      },
    ],
    stateMutability: 'nonpayable',
    type: 'function',
  },
  {
    inputs: [
      {
        internalType: 'address',
        name: 'provider',
        type: 'address',
      },
    ],
    name: 'sync',
    outputs: [],
    stateMutability: 'nonpayable',
    type: 'function',
  },
  {
    inputs: [],
    name: 'token',
    outputs: [
      {
        internalType: 'address',
        name: '',
        type: 'address',
      },
    ],
    stateMutability: 'view',
    type: 'function',
  },
  {
    inputs: [
      {
        internalType: 'uint256',
        name: 'subscriptionId',
        type: 'uint256',
      },
    ],
    name: 'trigger',
    outputs: [
      {
        internalType: 'uint256',
        name: 'jobId',
        type: 'uint256',
      },
    ],
    stateMutability: 'nonpayable',
    type: 'function',
  },
  {
    inputs: [],
    name: 'unenroll',
    outputs: [],
    stateMutability: 'nonpayable',
    type: 'function',
  },
  {
    inputs: [
      {
        internalType: 'bytes32',
        name: 'modelId',
        type: 'bytes32',
      },
      {
        internalType: 'address',
        name: 'provider',
        type: 'address',
      },
      {
        internalType: 'uint48',
        name: 'blockNumber',
        type: 'uint48',
      },
    ],
    name: 'weightAt',
    outputs: [
      {
        internalType: 'uint256',
        name: '',
        type: 'uint256',
      },
    ],
    stateMutability: 'view',
    type: 'function',
  },
  {
    inputs: [],
    name: 'withdrawBond',
    outputs: [],
    stateMutability: 'nonpayable',
    type: 'function',
  },
] as const
