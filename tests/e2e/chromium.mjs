// Debian's Chromium, launched the way DESIGN.md says: headless, software WebGL
// through SwiftShader, no background networking (this machine's network is closed).
import { chromium } from 'playwright-core'

export const executablePath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'

export const CHROMIUM_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--use-angle=swiftshader',
  '--enable-unsafe-swiftshader',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
]

/** Launches the browser; never downloads one. */
export function launchChromium() {
  return chromium.launch({ executablePath, headless: true, args: CHROMIUM_FLAGS })
}
