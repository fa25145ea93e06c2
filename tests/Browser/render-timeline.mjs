// Opens a Chrome trace in speedscope, in headless Chromium, as a person would look at it:
//   node tests/Browser/render-timeline.mjs TRACE.json SCREENSHOT.png
// Serves speedscope's page and the trace on a loopback port, loads the trace through the page's
// own #profileURL= import, waits until it is drawn, takes a screenshot, then reads back what the
// page shows: the profile (track) names in its toolbar and DOM, and the slices with their nesting
// from speedscope's own export of what it imported (the flame chart itself is a canvas).
// Prints one JSON document on stdout; exits non-zero with one line on stderr on failure.
import {createServer} from 'node:http'
import {readFile, writeFile, mkdir} from 'node:fs/promises'
import {dirname, join, normalize, resolve, extname} from 'node:path'
import {fileURLToPath} from 'node:url'
import {chromium} from 'playwright-core'

const [tracePath, screenshotPath] = process.argv.slice(2)
if (!tracePath || !screenshotPath) {
  console.error('usage: node render-timeline.mjs TRACE.json SCREENSHOT.png')
  process.exit(2)
}
const here = dirname(fileURLToPath(import.meta.url))
const viewer = join(here, 'node_modules', 'speedscope', 'dist', 'release')
const types = {'.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css', '.json': 'application/json', '.png': 'image/png', '.wasm': 'application/wasm', '.woff2': 'font/woff2', '.ico': 'image/x-icon'}

const trace = await readFile(resolve(tracePath))
const server = createServer(async (request, response) => {
  const path = decodeURIComponent(new URL(request.url, 'http://localhost').pathname)
  try {
    if (path === '/trace.json') {
      response.writeHead(200, {'content-type': 'application/json'}).end(trace)
      return
    }
    const file = normalize(join(viewer, path === '/' ? 'index.html' : path))
    if (!file.startsWith(viewer)) throw new Error('outside the viewer')
    response.writeHead(200, {'content-type': types[extname(file)] ?? 'application/octet-stream'}).end(await readFile(file))
  } catch {
    response.writeHead(404).end()
  }
})
await new Promise(ready => server.listen(0, '127.0.0.1', ready))
const origin = `http://127.0.0.1:${server.address().port}`

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  // Root in a VM: Chromium's sandbox needs user namespaces it may not get.
  args: ['--no-sandbox', '--disable-gpu'],
})
let exitCode = 0
try {
  const page = await browser.newPage({viewport: {width: 1280, height: 560}, acceptDownloads: true})
  const errors = []
  page.on('pageerror', error => errors.push(String(error)))
  await page.goto(`${origin}/index.html#profileURL=${encodeURIComponent(`${origin}/trace.json`)}`)
  // Drawn: the toolbar's view buttons appear only once a profile is imported.
  await page.getByText('Time Order').first().waitFor({timeout: 30000})
  await page.waitForTimeout(500)
  await mkdir(dirname(resolve(screenshotPath)), {recursive: true})
  await page.screenshot({path: resolve(screenshotPath)})
  const pageText = await page.evaluate(() => document.body.innerText)

  // What speedscope imported, in its own file format: its export button downloads it.
  const [download] = await Promise.all([page.waitForEvent('download', {timeout: 15000}), page.getByText('Export').first().click()])
  const exported = JSON.parse(await readFile(await download.path(), 'utf8'))
  const frames = exported.shared.frames.map(frame => frame.name)
  const profiles = exported.profiles.map(profile => {
    const slices = []
    const open = []
    for (const event of profile.events ?? []) {
      if (event.type === 'O') {
        open.push(slices.length)
        slices.push({name: frames[event.frame], depth: open.length - 1, start: event.at, end: null, parent: open.length > 1 ? open[open.length - 2] : null})
      } else if (event.type === 'C') {
        slices[open.pop()].end = event.at
      }
    }
    return {name: profile.name, slices}
  })
  process.stdout.write(JSON.stringify({screenshot: resolve(screenshotPath), pageText, errors, profiles}) + '\n')
} catch (error) {
  console.error(`render-timeline: ${error.message.split('\n')[0]}`)
  exitCode = 1
} finally {
  await browser.close()
  server.close()
}
process.exit(exitCode)
