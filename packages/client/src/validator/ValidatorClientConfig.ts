/** How a validatorClient calls validators: whether private addresses are allowed and how much it reads. */
export type ValidatorClientConfig = {
  /** Allow loopback, private and link-local endpoints: a devnet only (see `peerFetch`). Default false. */
  allowPrivate?: boolean
  /** The largest answer read from a validator, in bytes. Default 4 MiB. */
  maxAnswerBytes?: number
}

/** Where one call goes and how long it may take. */
export type ValidatorCallParameters = {
  /** The validator's endpoint as registered (`https://host:port`, no trailing slash needed). */
  endpoint: string
  /** The whole call, in milliseconds. */
  deadlineMs: number
  signal?: AbortSignal
}
