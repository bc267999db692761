/** What a page shows before its first answer, or when the API failed. */
export function Loading({ error }: { error?: string }) {
  return <div className="card muted">{error ? `Could not load: ${error}` : 'Loading…'}</div>
}
