import type { Controller } from 'lil-gui'

/** The value each controller last showed, as far as this helper knows. */
const shown = /*@__PURE__*/ new WeakMap<Controller, unknown>()

/**
 * Calls `controller.updateDisplay()` only when the bound value differs from
 * the one it showed at the last call: the panel's refresh then writes to the
 * DOM only for values changed elsewhere (by the app, or another control).
 */
export function updateIfChanged(controller: Controller): void {
  const value: unknown = controller.getValue()
  if (shown.has(controller) && Object.is(shown.get(controller), value)) return
  shown.set(controller, value)
  controller.updateDisplay()
}
