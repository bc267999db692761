/**
 * The endpoint a paid request was served on, bound into a receipt's `requestHash` (PROTOCOL.md §6.1):
 * `chat` is `POST /v1/chat/completions`, `completion` is `POST /v1/completions`, `embeddings` is
 * `POST /v1/embeddings`. A request is re-executed only as the kind its receipt names, so a completion
 * can never be judged as a chat.
 */
export type RequestKind = 'chat' | 'completion' | 'embeddings'

/** Every `RequestKind`, in a fixed order (for schemas and loops). */
export const requestKinds = ['chat', 'completion', 'embeddings'] as const satisfies readonly RequestKind[]
