import { type MouseEvent, type ReactNode, useEffect, useState } from 'react'

/** The current path, following pushState navigation and the back button. */
export function usePath(): string {
  const [path, setPath] = useState(window.location.pathname)
  useEffect(() => {
    const update = () => setPath(window.location.pathname)
    window.addEventListener('popstate', update)
    window.addEventListener('infermesh:navigate', update)
    return () => {
      window.removeEventListener('popstate', update)
      window.removeEventListener('infermesh:navigate', update)
    }
  }, [])
  return path
}

/** Goes to `to` without reloading the page. */
export function navigate(to: string) {
  window.history.pushState(null, '', to)
  window.dispatchEvent(new Event('infermesh:navigate'))
  window.scrollTo(0, 0)
}

/** A link inside the app (no reload; a middle click still opens a new tab). */
export function Link(props: { to: string; children: ReactNode; className?: string; testId?: string }) {
  const onClick = (event: MouseEvent) => {
    if (event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey) return
    event.preventDefault()
    navigate(props.to)
  }
  return (
    <a href={props.to} onClick={onClick} className={props.className} data-testid={props.testId}>
      {props.children}
    </a>
  )
}
