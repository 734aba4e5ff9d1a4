/** `id` of the `<style>` element the devtools add to `document.head`. */
export const DEVTOOLS_STYLE_ID = 'three-batch-scheduler-devtools-style'

const CSS = `
.tbs-devtools { padding: 4px 8px 6px var(--folder-indent, 7px); font-family: var(--font-family, sans-serif); font-size: 11px; color: var(--text-color, #ebebeb); }
.tbs-devtools .tbs-graph { margin: 6px 0 0; }
.tbs-devtools .tbs-graph-head { display: flex; justify-content: space-between; align-items: baseline; gap: 6px; line-height: 15px; }
.tbs-devtools .tbs-graph-title { font-weight: 600; white-space: nowrap; }
.tbs-devtools .tbs-graph-value { font-family: var(--font-family-mono, ui-monospace, monospace); color: #cfcfcf; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
.tbs-devtools .tbs-legend { display: flex; flex-wrap: wrap; gap: 2px 8px; line-height: 14px; color: #bdbdbd; }
.tbs-devtools .tbs-swatch { display: inline-block; width: 8px; height: 8px; margin-right: 3px; border-radius: 1px; vertical-align: -0.5px; }
.tbs-devtools canvas.tbs-canvas { display: block; margin-top: 2px; image-rendering: pixelated; }
.tbs-devtools .tbs-readouts { width: 100%; border-collapse: collapse; font-family: var(--font-family-mono, ui-monospace, monospace); font-size: 11px; line-height: 15px; }
.tbs-devtools .tbs-readouts th { font-weight: normal; color: #9e9e9e; text-align: right; padding: 0 0 0 6px; }
.tbs-devtools .tbs-readouts th:first-child, .tbs-devtools .tbs-readouts td:first-child { text-align: left; padding-left: 0; color: #bdbdbd; }
.tbs-devtools .tbs-readouts td { text-align: right; padding: 0 0 0 6px; white-space: nowrap; }
.tbs-devtools .tbs-loop { margin-top: 3px; }
.tbs-devtools .tbs-lines { margin-top: 3px; font-family: var(--font-family-mono, ui-monospace, monospace); line-height: 15px; }
.tbs-devtools .tbs-lines .tbs-key { color: #9e9e9e; }
.tbs-system-cost { margin-left: 8px; font-family: var(--font-family-mono, ui-monospace, monospace); font-size: 11px; color: #bdbdbd; white-space: nowrap; }
.lil-gui .tbs-weight .lil-name { padding-left: 12px; color: #bdbdbd; }
.tbs-type-name .tbs-swatch { display: inline-block; width: 8px; height: 8px; margin-right: 4px; border-radius: 1px; }
`

/**
 * Adds the devtools stylesheet to `document.head` unless it is there already
 * (one `<style>` per document, left in place like lil-gui's own). Called by
 * {@link SchedulerPanel} unless its `injectStyles` option is `false`; use the
 * `tbs-*` class names to style the panel yourself then.
 */
export function injectStyles(doc: Document = document): void {
  if (doc.getElementById(DEVTOOLS_STYLE_ID) !== null) return
  const style = doc.createElement('style')
  style.id = DEVTOOLS_STYLE_ID
  style.textContent = CSS
  doc.head.appendChild(style)
}
