// A local AT Protocol network (PLC directory, PDS, AppView, with bsync and ozone) from @atproto/dev-env, for tests.
//
//   node network.mjs --modules DIR --db-url postgresql://user@127.0.0.1:5432/db --schema letters
//
// DIR is the installed node_modules (see install.sh); it lives outside the source tree, so the packages are
// imported by path. Once the network answers, ONE JSON line goes to stdout:
//   {"pds": url, "appview": url, "plc": url, "control": url}
// Everything else (logs, errors) goes to stderr. The AppView indexes the PDS's events asynchronously, on its
// own: `POST <control>/settle` runs processAll() and answers once everything written before the request is
// indexed (notifications, counts, search). The script also runs processAll() every --interval ms (500; 0 turns
// it off: the tests settle instead, and the loop costs a tenth of a core). The network stops on SIGTERM/SIGINT
// and when stdin closes (a dead parent leaves nothing running), and drops its PostgreSQL schemas and its
// temporary files.
import fs from 'node:fs'
import http from 'node:http'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'
import module, { createRequire } from 'node:module'
import { parseArgs } from 'node:util'
import { pathToFileURL } from 'node:url'

const { values: args } = parseArgs({
  options: {
    modules: { type: 'string', default: process.env.ATPROTO_NET_MODULES },
    'db-url': { type: 'string', default: process.env.ATPROTO_NET_DB_URL },
    schema: { type: 'string', default: process.env.ATPROTO_NET_SCHEMA ?? 'atnet' },
    interval: { type: 'string', default: process.env.ATPROTO_NET_INTERVAL ?? '500' },
  },
})

const fail = (message) => {
  process.stderr.write(`atproto-net: ${message}\n`)
  process.exit(2)
}
if (!args.modules) fail('--modules (the installed node_modules directory) is required')
if (!args['db-url']) fail('--db-url (a PostgreSQL URL) is required')
// dev-env derives three schema names from this one (appview_, bsync_, ozone_); its migrations accept letters only
if (!/^[A-Za-z_]+$/.test(args.schema)) fail(`--schema must be letters and underscores only, got ${args.schema}`)
const interval = Number(args.interval)
if (!Number.isFinite(interval)) fail(`--interval must be a number of milliseconds, got ${args.interval}`)
const dbUrl = args['db-url'].replace(/^postgresql\+\w+:/, 'postgresql:') // a SQLAlchemy URL works too
const schemas = ['appview', 'bsync', 'ozone'].map((prefix) => `${prefix}_${args.schema}`)

// Every service listens on loopback only: a development PDS with a known admin password has no business on a LAN.
const listen = net.Server.prototype.listen
net.Server.prototype.listen = function (...params) {
  if (typeof params[0] === 'number' && (params.length === 1 || typeof params[1] === 'function')) {
    params.splice(1, 0, '127.0.0.1')
  } else if (params[0] && typeof params[0] === 'object' && params[0].port !== undefined && !params[0].host) {
    params[0] = { ...params[0], host: '127.0.0.1' }
  }
  return listen.apply(this, params)
}

// The PDSs keep their SQLite files and blobs under os.tmpdir(): give them a directory of their own to remove.
const tmpDir = fs.mkdtempSync(path.join(os.tmpdir(), 'atproto-net-'))
process.env.TMPDIR = tmpDir
process.env.LOG_ENABLED ??= 'false' // the services log through pino to stdout when enabled; stdout is ours
// dev-env asserts REDIS_HOST is set; in this version nothing connects to it
process.env.REDIS_HOST ??= '127.0.0.1:6379'

// Loading the servers' thousands of modules is most of the start; Node keeps their compiled code next to them
module.enableCompileCache?.(path.join(path.resolve(args.modules), '.cache', 'compile'))
const modulesRequire = createRequire(path.join(path.resolve(args.modules), 'package.json'))
const load = (name) => import(pathToFileURL(modulesRequire.resolve(name)).href)
const { TestNetwork } = await load('@atproto/dev-env')
const pg = (await load('pg')).default

async function dropSchemas() {
  const client = new pg.Client({ connectionString: dbUrl })
  await client.connect()
  try {
    await client.query(`DROP SCHEMA IF EXISTS ${schemas.map((s) => `"${s}"`).join(', ')} CASCADE`)
  } finally {
    await client.end()
  }
}

let network
let stopping = false
let queue = Promise.resolve() // processAll runs one at a time: the loop and /settle requests take turns

const processAll = () => {
  const run = queue.then(() => network.processAll())
  queue = run.catch(() => {})
  return run
}

async function loop() {
  if (interval <= 0) return
  while (!stopping) {
    try {
      await processAll()
    } catch (err) {
      if (!stopping) process.stderr.write(`atproto-net: processAll failed: ${err?.stack ?? err}\n`)
    }
    await new Promise((resolve) => setTimeout(resolve, interval))
  }
}

const control = http.createServer((req, res) => {
  if (req.method === 'POST' && req.url === '/settle') {
    processAll().then(
      () => res.writeHead(204).end(),
      (err) => res.writeHead(500, { 'content-type': 'text/plain' }).end(String(err?.stack ?? err)),
    )
  } else {
    res.writeHead(404).end()
  }
})

async function stop(code) {
  if (stopping) return
  stopping = true
  const guard = setTimeout(() => process.exit(code || 1), 20_000) // a hung close must not outlive the tests
  guard.unref()
  try {
    control.close()
    await queue
    if (network) await network.close()
  } catch (err) {
    process.stderr.write(`atproto-net: close failed: ${err?.stack ?? err}\n`)
  }
  try {
    await dropSchemas()
  } catch (err) {
    process.stderr.write(`atproto-net: dropping schemas failed: ${err?.stack ?? err}\n`)
  }
  fs.rmSync(tmpDir, { recursive: true, force: true })
  process.exit(code)
}

for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP']) process.on(signal, () => stop(0))
process.stdin.on('end', () => stop(0))
process.stdin.on('error', () => stop(0))
process.stdin.resume()

try {
  await dropSchemas() // what a killed run left behind under the same name
  network = await TestNetwork.create({ dbPostgresUrl: dbUrl, dbPostgresSchema: args.schema })
  await new Promise((resolve) => control.listen(0, '127.0.0.1', resolve))
} catch (err) {
  process.stderr.write(`atproto-net: start failed: ${err?.stack ?? err}\n`)
  await stop(1)
}
if (!stopping) {
  const urls = {
    pds: network.pds.url,
    appview: network.bsky.url,
    plc: network.plc.url,
    control: `http://127.0.0.1:${control.address().port}`,
  }
  process.stdout.write(JSON.stringify(urls) + '\n')
  loop()
}
