// @vitest-environment happy-dom
import GUI from 'lil-gui'
import { afterEach, describe, expect, it } from 'vitest'
import { BatchingReadout } from '../../src/devtools/index.js'
import { setup } from './helpers.js'

afterEach(() => {
  document.body.innerHTML = ''
})

describe('BatchingReadout', () => {
  it('shows the stats a few times a second from the scheduler frames, 0 without a job, and goes on dispose', () => {
    const { scheduler } = setup()
    const gui = new GUI()
    let stats: { batches: number; batchedObjects: number; pendingObjects: number; drawCallsSaved: number } | null = null
    const readout = new BatchingReadout(gui, scheduler, () => stats, { refreshFrames: 3 })
    const text = (): string[] => [...readout.folder.domElement.querySelectorAll('input')].map((i) => i.value)
    expect(text()).toEqual(['0', '0', '0', '0'])
    stats = { batches: 2, batchedObjects: 900, pendingObjects: 100, drawCallsSaved: 898 }
    scheduler.runFrame()
    scheduler.runFrame()
    expect(text()).toEqual(['0', '0', '0', '0'])
    scheduler.runFrame()
    expect(text()).toEqual(['2', '900', '100', '898'])
    readout.dispose()
    readout.dispose()
    expect(gui.folders).toHaveLength(0)
    expect(() => new BatchingReadout(gui, scheduler, () => null, { refreshFrames: 0 })).toThrow(/^BatchingReadout: refreshFrames/)
    gui.destroy()
  })
})
