/** One chart: a line, bar, point or heat-map layer over rows of plain values. */
export type ChartOptions = {
  kind: 'line' | 'bar' | 'heatmap'
  title: string
  rows: readonly Record<string, string | number>[]
  x: string
  y: string
  xTitle: string
  yTitle: string
  /** Field that colours series (lines, grouped bars) or cells (heat map: a number). */
  color?: string
  /** Field that dashes lines (a second series dimension). */
  dash?: string
  xScale?: 'linear' | 'log' | 'band'
  yScale?: 'linear' | 'log' | 'band'
  /** Heat map: the field printed in each cell (default: the colour field). */
  label?: string
  /** Horizontal reference lines: the acceptance threshold, a block limit… */
  rules?: readonly { y: number; label: string }[]
  /** Points to mark: the operating point, the defaults… */
  marks?: readonly { x: number | string; y: number | string; label: string }[]
  width?: number
  height?: number
}

/**
 * A Vega specification for a chart (Vega, not Vega-Lite: Vega renders SVG headless in Node 20 with no
 * browser or canvas, from a declarative spec, and the same spec and data give the same bytes).
 */
export function chartSpec(o: ChartOptions): Record<string, unknown> {
  const width = o.width ?? 560
  const height = o.height ?? 280
  const xType = o.xScale ?? (o.kind === 'line' ? 'linear' : 'band')
  const yType = o.yScale ?? (o.kind === 'heatmap' ? 'band' : 'linear')
  const scales: Record<string, unknown>[] = [
    {
      name: 'x',
      type: xType,
      domain:
        xType === 'band' || !o.marks?.length
          ? { data: 'rows', field: o.x }
          : {
              fields: [
                { data: 'rows', field: o.x },
                { data: 'marks', field: 'x' },
              ],
            },
      range: 'width',
      ...(xType === 'band' ? { padding: 0.1 } : { nice: xType === 'linear', zero: false }),
    },
    {
      name: 'y',
      type: yType,
      domain:
        yType === 'band' || (!o.rules?.length && !o.marks?.length)
          ? { data: 'rows', field: o.y }
          : {
              fields: [
                { data: 'rows', field: o.y },
                ...(o.rules?.length ? [{ data: 'rules', field: 'y' }] : []),
                ...(o.marks?.length ? [{ data: 'marks', field: 'y' }] : []),
              ],
            },
      range: 'height',
      ...(yType === 'band' ? { padding: 0.1 } : { nice: true, zero: yType === 'linear' }),
    },
  ]
  if (o.color) {
    scales.push(
      o.kind === 'heatmap'
        ? {
            name: 'color',
            type: 'linear',
            domain: { data: 'rows', field: o.color },
            range: { scheme: 'redblue' },
            reverse: true,
            domainMid: 0,
          }
        : {
            name: 'color',
            type: 'ordinal',
            domain: { data: 'rows', field: o.color, sort: true },
            range: 'category',
          },
    )
  }
  if (o.dash) {
    scales.push({
      name: 'dash',
      type: 'ordinal',
      domain: { data: 'rows', field: o.dash, sort: true },
      range: [
        [1, 0],
        [6, 3],
        [2, 2],
        [8, 2, 2, 2],
      ],
    })
  }
  const marks: Record<string, unknown>[] = []
  if (o.kind === 'line') {
    const line = {
      type: 'line',
      from: { data: 'series' },
      encode: {
        enter: {
          x: { scale: 'x', field: o.x },
          y: { scale: 'y', field: o.y },
          strokeWidth: { value: 2 },
          ...(o.color && { stroke: { scale: 'color', field: o.color } }),
          ...(o.dash && { strokeDash: { scale: 'dash', field: o.dash } }),
        },
      },
    }
    marks.push({
      type: 'group',
      from: { facet: { name: 'series', data: 'rows', groupby: [o.color, o.dash].filter(Boolean) } },
      marks: [
        line,
        {
          ...line,
          type: 'symbol',
          encode: {
            enter: {
              ...line.encode.enter,
              size: { value: 16 },
              fill: o.color ? { scale: 'color', field: o.color } : { value: 'steelblue' },
            },
          },
        },
      ],
    })
  } else if (o.kind === 'bar') {
    marks.push({
      type: 'rect',
      from: { data: 'rows' },
      encode: {
        enter: {
          x: { scale: 'x', field: o.x },
          width: { scale: 'x', band: 1 },
          y: { scale: 'y', field: o.y },
          y2: { scale: 'y', value: 0 },
          fill: o.color ? { scale: 'color', field: o.color } : { value: 'steelblue' },
        },
      },
    })
    marks.push({
      type: 'text',
      from: { data: 'rows' },
      encode: {
        enter: {
          x: { scale: 'x', field: o.x, band: 0.5 },
          y: { scale: 'y', field: o.y, offset: -4 },
          align: { value: 'center' },
          fontSize: { value: 9 },
          text: { signal: `format(datum["${o.y}"], '.3~g')` },
        },
      },
    })
  } else {
    marks.push({
      type: 'rect',
      from: { data: 'rows' },
      encode: {
        enter: {
          x: { scale: 'x', field: o.x },
          width: { scale: 'x', band: 1 },
          y: { scale: 'y', field: o.y },
          height: { scale: 'y', band: 1 },
          fill: { scale: 'color', field: o.color ?? 'value' },
        },
      },
    })
    marks.push({
      type: 'text',
      from: { data: 'rows' },
      encode: {
        enter: {
          x: { scale: 'x', field: o.x, band: 0.5 },
          y: { scale: 'y', field: o.y, band: 0.5 },
          align: { value: 'center' },
          baseline: { value: 'middle' },
          fontSize: { value: 9 },
          text: { signal: `format(datum["${o.label ?? o.color ?? 'value'}"], '.2~g')` },
        },
      },
    })
  }
  if (o.rules?.length) {
    marks.push({
      type: 'rule',
      from: { data: 'rules' },
      encode: {
        enter: {
          x: { value: 0 },
          x2: { signal: 'width' },
          y: { scale: 'y', field: 'y' },
          stroke: { value: '#c00' },
          strokeDash: { value: [4, 3] },
        },
      },
    })
    marks.push({
      type: 'text',
      from: { data: 'rules' },
      encode: {
        enter: {
          x: { signal: 'width' },
          y: { scale: 'y', field: 'y', offset: -3 },
          align: { value: 'right' },
          fill: { value: '#c00' },
          fontSize: { value: 10 },
          text: { field: 'label' },
        },
      },
    })
  }
  if (o.marks?.length) {
    marks.push({
      type: 'symbol',
      from: { data: 'marks' },
      encode: {
        enter: {
          x: { scale: 'x', field: 'x', ...(xType === 'band' && { band: 0.5 }) },
          y: { scale: 'y', field: 'y', ...(yType === 'band' && { band: 0.5 }) },
          shape: { value: 'diamond' },
          size: { value: 120 },
          fill: { value: 'black' },
        },
      },
    })
    marks.push({
      type: 'text',
      from: { data: 'marks' },
      encode: {
        enter: {
          x: { scale: 'x', field: 'x', offset: 8, ...(xType === 'band' && { band: 0.5 }) },
          y: { scale: 'y', field: 'y', ...(yType === 'band' && { band: 0.5 }) },
          fontSize: { value: 10 },
          text: { field: 'label' },
        },
      },
    })
  }
  return {
    $schema: 'https://vega.github.io/schema/vega/v6.json',
    width,
    height,
    padding: 5,
    title: { text: o.title, fontSize: 13 },
    data: [
      { name: 'rows', values: o.rows },
      { name: 'rules', values: o.rules ?? [] },
      { name: 'marks', values: o.marks ?? [] },
    ],
    scales,
    axes: [
      {
        orient: 'bottom',
        scale: 'x',
        title: o.xTitle,
        labelAngle: xType === 'band' ? -30 : 0,
        labelAlign: xType === 'band' ? 'right' : 'center',
      },
      { orient: 'left', scale: 'y', title: o.yTitle },
    ],
    legends: [
      ...(o.color && o.kind !== 'heatmap'
        ? [{ stroke: o.kind === 'line' ? 'color' : undefined, fill: 'color', title: o.color }]
        : []),
      ...(o.color && o.kind === 'heatmap' ? [{ fill: 'color', title: o.color, type: 'gradient' }] : []),
      ...(o.dash ? [{ strokeDash: 'dash', title: o.dash, symbolType: 'stroke' }] : []),
    ].map((l) => Object.fromEntries(Object.entries(l).filter(([, v]) => v !== undefined))),
    marks,
  }
}
