import type { ReactNode } from 'react'

/** One headline figure. `value` is the exact raw value (for tests and copy), `children` how it reads. */
export function Stat(props: {
  label: string
  testId: string
  value: string | number
  children: ReactNode
  note?: ReactNode
}) {
  return (
    <div className="stat" data-testid={props.testId} data-value={String(props.value)}>
      <div className="stat-label">{props.label}</div>
      <div className="stat-value">{props.children}</div>
      {props.note && <div className="stat-note">{props.note}</div>}
    </div>
  )
}
