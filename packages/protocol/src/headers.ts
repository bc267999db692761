/**
 * HTTP request header carrying the gateway's signed voucher for the channel of the request
 * (`encodeSignedVoucher`). Absent or zero on the first request of a channel.
 */
export const voucherHeader = 'x-infermesh-voucher'

/** HTTP response header carrying the provider's signed receipt for the request (`encodeSignedReceipt`). */
export const receiptHeader = 'x-infermesh-receipt'

/**
 * Server-sent event name of the receipt in a streamed response. It is the last event before
 * `data: [DONE]`: `event: infermesh.receipt` then `data: {"object":"infermesh.receipt","choices":[],"receipt":"<encodeSignedReceipt(...)>",…}`.
 * The data is JSON because SSE clients such as the `openai` SDK parse every event's data; they see a
 * chunk with no choices.
 */
export const receiptEvent = 'infermesh.receipt'
