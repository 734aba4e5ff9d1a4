// @vitest-environment happy-dom
import { expect, it } from 'vitest'

it('importing the devtools adds nothing to the document', async () => {
  const head = document.head.innerHTML
  const body = document.body.innerHTML
  const devtools = await import('../../src/devtools/index.js')
  expect(typeof devtools.SchedulerPanel).toBe('function')
  expect(document.head.innerHTML).toBe(head)
  expect(document.body.innerHTML).toBe(body)
  expect(document.getElementById(devtools.DEVTOOLS_STYLE_ID)).toBeNull()
})
