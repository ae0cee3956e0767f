// Helpers of the browser tests: the real binaries, Debian's Chromium.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';

export const FIELD = process.env.SWEEP_FIELD;
export const HUB = process.env.SWEEP_HUB;
export const SRC = process.env.SWEEP_SOURCE_DIR;
export const CHROMIUM = process.env.SWEEP_CHROMIUM || '/usr/bin/chromium';
export const PIN = '246810';
export const SHOTS = process.env.SWEEP_SCREENSHOTS || path.join(os.tmpdir(), 'sweep-screenshots');

export function tempDir(prefix) {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

// Runs a binary to completion; fails the test on a non-zero exit.
export function run(bin, args, input) {
  const r = spawnSync(bin, args, { input, encoding: 'utf8' });
  assert.equal(r.status, 0, `${path.basename(bin)} ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

export function field(store, args, input) {
  return run(FIELD, ['--store', store, ...args], input);
}

// Starts a long-running binary and resolves once its output matches `re`.
export function startUntil(bin, args, re) {
  const child = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`${bin}: nothing matched ${re}: ${out}`)), 15000);
    child.stdout.on('data', (d) => {
      out += d;
      const m = re.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve({ child, match: m });
      }
    });
    child.on('exit', (code) => reject(new Error(`${bin} exited ${code}: ${out}`)));
  });
}

// `sweep-field ui` on a store: its process, address, port and key.
export async function startUi(store) {
  const { child, match } = await startUntil(
    FIELD, ['--store', store, 'ui', '--idle-lock-minutes', '1'],
    /(http:\/\/127\.0\.0\.1:(\d+)\/#key=([0-9a-f]{64}))/);
  return { child, url: match[1], port: Number(match[2]), key: match[3] };
}

// A raw request, so that Host and Origin can be set as an attacker would.
export function raw(port, pathName, headers) {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path: pathName, headers }, (res) => {
      let body = '';
      res.on('data', (d) => { body += d; });
      res.on('end', () => resolve({ status: res.statusCode, body, headers: res.headers }));
    });
    req.on('error', reject);
    req.end();
  });
}

export function launch() {
  assert.ok(fs.existsSync(CHROMIUM), `${CHROMIUM} missing: run scripts/setup (apt install chromium)`);
  fs.mkdirSync(SHOTS, { recursive: true });
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
           '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

// Opens the screen `ui` serves in a context with the network cut, and waits
// for the PIN: the page, the requests that tried to leave 127.0.0.1, and
// the page's script errors.
export async function openScreen(browser, ui) {
  const { context, outside } = await offlineContext(browser, `http://127.0.0.1:${ui.port}`);
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.goto(ui.url);
  await page.waitForSelector('#unlock:not([hidden])');
  return { context, page, outside, errors };
}

// A browser context with the network cut: whatever is not for `origin` is
// aborted and listed in the returned array.
export async function offlineContext(browser, origin, options) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 },
                                             locale: 'zh-CN', ...options });
  const outside = [];
  await context.route('**/*', (route) => {
    const url = route.request().url();
    if (url.startsWith(`${origin}/`)) return route.continue();
    outside.push(url);
    return route.abort();
  });
  return { context, outside };
}

export async function tapPin(page, digits) {
  for (const d of digits) await page.click(`#keypad button[data-key="${d}"]`);
}

// ---- the station dashboard (dashboard.test.mjs)
import zlib from 'node:zlib';  // hoisted like the imports above

// Calls `probe` (it may be async) every 100 ms until it returns something
// truthy, and returns that; fails after `ms` with `what`.
export async function until(probe, what, ms = 20000) {
  const end = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (v) return v;
    assert.ok(Date.now() < end, `timed out waiting for ${what}`);
    await new Promise((done) => setTimeout(done, 100));
  }
}

// A small PNG of vertical stripes in the given colours ([r, g, b] each),
// for a photo attached to a record.
export function stripesPng(width, height, colours) {
  const crcTable = Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; ++k) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  const crc = (buf) => {
    let c = 0xffffffff;
    for (const b of buf) c = crcTable[(c ^ b) & 0xff] ^ (c >>> 8);
    return (c ^ 0xffffffff) >>> 0;
  };
  const chunk = (type, data) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
    const sum = Buffer.alloc(4);
    sum.writeUInt32BE(crc(body));
    return Buffer.concat([len, body, sum]);
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.set([8, 2, 0, 0, 0], 8);  // 8 bits, RGB
  const row = Buffer.alloc(1 + width * 3);
  for (let x = 0; x < width; ++x) {
    row.set(colours[Math.floor((x * colours.length) / width)], 1 + x * 3);
  }
  const pixels = Buffer.concat(Array.from({ length: height }, () => row));
  return Buffer.concat([Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]), chunk('IHDR', header),
                        chunk('IDAT', zlib.deflateSync(pixels)), chunk('IEND', Buffer.alloc(0))]);
}

// ---- the tablet with its station (tablet_*.test.mjs)

// A station (the real hub on a free port: the example building register,
// beat `beat` of `buildings` assigned to A1001, then `prepare(H)`) and a
// tablet store for A1001 in `dir`, enrolled with it and synced once. `H`
// runs sweep-hub commands on the station's database.
export async function stationAndTablet(dir, beat, buildings, prepare = () => {}) {
  const db = path.join(dir, 'hub.db');
  const hub = await startUntil(HUB, ['--db', db, 'serve', '--listen', '127.0.0.1:0', '--quiet'],
                               /listening on (http:\/\/127\.0\.0\.1:\d+)/);
  const H = (...args) => run(HUB, ['--db', db, ...args]);
  try {
    H('ledger', 'config', '--default-division', '431002', '--revisit-days', '3');
    H('buildings', 'import', path.join(SRC, 'docs', 'examples', 'buildings.jsonl'));
    H('beats', 'create', beat, ...buildings.flatMap((b) => ['--building', b]));
    H('assign', '--beat', beat, '--officer', 'A1001');
    prepare(H);
    const store = path.join(dir, 'tablet');
    field(store, ['--pin-stdin', 'init', '--officer', 'A1001', '--name', '张伟', '--kdf-ops', '1',
                  '--kdf-mem-mib', '8'], `${PIN}\n`);
    const code = H('enroll-code', '--officer', 'A1001', '--agency', 'police').trim();
    field(store, ['--pin-stdin', 'enroll', '--hub', hub.match[1], '--code', code, '--label', '平板1'],
          `${PIN}\n`);
    field(store, ['--pin-stdin', 'sync'], `${PIN}\n`);
    return { hub, H, store };
  } catch (e) {
    hub.child.kill('SIGTERM');
    throw e;
  }
}

// Opens the screen `ui` serves (openScreen) and unlocks it with PIN:
// resolves once Today shows the beats.
export async function unlockedScreen(browser, ui) {
  const screen = await openScreen(browser, ui);
  await tapPin(screen.page, PIN);
  await screen.page.click('#unlock-go');
  await screen.page.waitForSelector('#today:not([hidden]) #beats h4');
  return screen;
}
