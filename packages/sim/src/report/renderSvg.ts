import * as vega from 'vega'

/**
 * Renders a Vega specification to an SVG string, headless (no browser, no canvas). Vega numbers its
 * gradients and clip paths with process-wide counters; they are renamed `${prefix}-…` in order of
 * appearance, so the same chart gives the same bytes whatever was rendered before it, and charts
 * inlined in one page keep distinct ids.
 */
export async function renderSvg(spec: Record<string, unknown>, prefix: string): Promise<string> {
  const view = new vega.View(vega.parse(spec as vega.Spec), { renderer: 'none' })
  try {
    const svg = await view.toSVG()
    const names = new Map<string, string>()
    return svg.replace(/\b(gradient_\d+|clip\d+)\b/g, (id) => {
      let name = names.get(id)
      if (!name) {
        name = `${prefix}-${id.startsWith('clip') ? 'clip' : 'gradient'}${names.size}`
        names.set(id, name)
      }
      return name
    })
  } finally {
    view.finalize()
  }
}
