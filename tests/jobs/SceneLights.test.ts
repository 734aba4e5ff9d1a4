import { AmbientLight, Group, Mesh, type Object3D, PointLight, Scene } from 'three'
import { describe, expect, it } from 'vitest'
import { SceneLights } from '../../src/jobs/warmup/SceneLights.js'

const visit = (lights: SceneLights): Object3D[] => {
  const seen: Object3D[] = []
  lights.standIn.traverseVisible((o) => seen.push(o))
  return seen
}

describe('SceneLights (the warm-up job\'s stand-in scene)', () => {
  it('visits the lights it was told of that are shown under the scene, and only lights', () => {
    const scene = new Scene()
    const lights = new SceneLights(scene)
    const ambient = new AmbientLight()
    const group = new Group()
    const lamp = new PointLight()
    group.add(lamp)
    const mesh = new Mesh()
    scene.add(ambient, group, mesh)
    for (const o of [scene, ambient, group, lamp, mesh]) lights.add(o)
    expect(lights.size).toBe(2)
    expect(visit(lights)).toEqual([ambient, lamp])
    group.visible = false
    expect(visit(lights)).toEqual([ambient])
    group.visible = true
    scene.visible = false
    expect(visit(lights)).toEqual([])
    scene.visible = true
    // Out of the scene: not visited even before it is forgotten; forgotten, no longer held.
    group.removeFromParent()
    expect(visit(lights)).toEqual([ambient])
    lights.delete(lamp)
    expect(lights.size).toBe(1)
    lights.clear()
    expect(lights.size).toBe(0)
    expect(visit(lights)).toEqual([])
  })

  it('reads everything else through to the scene (fog, environment, isScene, children) without copying it', () => {
    const scene = new Scene()
    const lights = new SceneLights(scene)
    const standIn = lights.standIn as Scene
    expect(standIn.isScene).toBe(true)
    expect(standIn.children).toBe(scene.children)
    expect(standIn.fog).toBeNull()
    scene.environmentIntensity = 0.5
    expect(standIn.environmentIntensity).toBe(0.5)
    expect(scene.traverseVisible).not.toBe(standIn.traverseVisible) // the scene itself untouched
  })
})
