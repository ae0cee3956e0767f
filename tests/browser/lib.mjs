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
