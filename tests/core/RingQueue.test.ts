import { describe, expect, it } from 'vitest'
import { RingQueue } from '../../src/core/RingQueue.js'

describe('RingQueue', () => {
  it('is FIFO across growth and wrap-around', () => {
    const q = new RingQueue(16)
    const out: number[] = []
    for (let i = 0; i < 10; i++) q.push(i)
    for (let i = 0; i < 5; i++) out.push(q.shift())
    for (let i = 10; i < 60; i++) q.push(i) // wraps, then grows
    while (q.length > 0) out.push(q.shift())
    expect(out).toEqual(Array.from({ length: 60 }, (_, i) => i))
  })

  it('unshift puts a value back at the head', () => {
    const q = new RingQueue(16)
    q.push(1)
    q.push(2)
    q.unshift(0)
    expect(q.peek()).toBe(0)
    expect([q.at(0), q.at(1), q.at(2)]).toEqual([0, 1, 2])
    for (let i = 0; i < 20; i++) q.unshift(-1 - i) // grows while head is wrapped
    expect(q.length).toBe(23)
    expect(q.shift()).toBe(-20)
    expect(q.at(q.length - 1)).toBe(2)
  })

  it('clear empties it', () => {
    const q = new RingQueue()
    q.push(3)
    q.clear()
    expect(q.length).toBe(0)
    q.push(4)
    expect(q.shift()).toBe(4)
  })
})
