/**
 * The value elements of a panel's text readouts, by key: each sits in an
 * element with a `data-readout` key, shows `—` until set, and is written only
 * when its text changes.
 * @internal
 */
export class ReadoutCells {
  private readonly cells = new Map<string, HTMLElement>()

  /** Makes `el` the value element of `key`. */
  cell(el: HTMLElement, key: string): void {
    el.dataset['readout'] = key
    el.textContent = '—'
    this.cells.set(key, el)
  }

  /**
   * Appends to `parent` a line of `[label, key]` parts: each label in a
   * `tbs-key` span (none when empty), each key's value element after it (none
   * when empty).
   */
  line(parent: HTMLElement, parts: readonly (readonly [string, string])[]): void {
    const div = document.createElement('div')
    for (const [label, key] of parts) {
      if (label !== '') {
        const span = document.createElement('span')
        span.className = 'tbs-key'
        span.textContent = label
        div.appendChild(span)
      }
      if (key !== '') {
        const value = document.createElement('span')
        this.cell(value, key)
        div.appendChild(value)
      }
    }
    parent.appendChild(div)
  }

  /** Writes `text` into `key`'s element if it shows something else. */
  set(key: string, text: string): void {
    const el = this.cells.get(key)
    if (el !== undefined && el.textContent !== text) el.textContent = text
  }

  /** The text shown for `key`, or undefined for an unknown key. */
  text(key: string): string | undefined {
    return this.cells.get(key)?.textContent ?? undefined
  }
}
