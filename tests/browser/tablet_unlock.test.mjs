// The tablet screen in a real browser (issue 6): the real sweep-field binary
// serves it on 127.0.0.1, Debian's headless Chromium runs it, driven by
// playwright-core. Unlock with a wrong PIN (attempts left shown), switch to
// English, unlock, read today's facts, lock; 44 px touch targets in both
// orientations; every request stays on 127.0.0.1 with the network cut;
// the API refuses requests without the launch key, from another site or for
// another host. Screenshots go to $SWEEP_SCREENSHOTS (ctest: build/screenshots;
// the README's are refreshed with SWEEP_SCREENSHOTS=docs/screenshots).
//
// Run by ctest (tests/CMakeLists.txt) with SWEEP_FIELD = the binary and
// SWEEP_SOURCE_DIR = the repository; `scripts/setup` installs chromium, a
// CJK font and this folder's node_modules.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { FIELD, PIN, SHOTS, SRC, field, launch, openScreen, raw, startUi, tapPin, tempDir }
  from './lib.mjs';

const DRAFT_NAME = '欧阳明轩';

test('tablet screen: unlock, attempts left, English, today, lock, offline, refusals', async () => {
  assert.ok(FIELD && fs.existsSync(FIELD), 'SWEEP_FIELD must name the sweep-field binary');
  const dir = tempDir('sweep-ui-');
  const store = path.join(dir, 'store');
  field(store, ['--pin-stdin', 'init', '--officer', 'A1001', '--name', '张伟', '--kdf-ops', '1',
                '--kdf-mem-mib', '8'], `${PIN}\n`);
  const example = fs.readFileSync(path.join(SRC, 'docs', 'examples', 'rental-check.json'), 'utf8');
  field(store, ['--pin-stdin', 'record', 'rental-check', '--json', '-'], `${PIN}\n${example}`);
  let ui = await startUi(store);
  const origin = `http://127.0.0.1:${ui.port}`;
  const browser = await launch();
  try {
    // The network is cut: anything not for this server is aborted, and noted.
    const { context, page, outside, errors } = await openScreen(browser, ui);
    assert.equal(await page.textContent('#unlock-title'), '解锁');
    assert.ok(!page.url().includes('key='), 'the key leaves the address bar');

    // A wrong PIN: refused, attempts left in words, nothing else changes.
    await tapPin(page, '111111');
    await page.click('#unlock-go');
    await page.waitForFunction(() => document.querySelector('#unlock-msg').textContent.includes('还可尝试'));
    assert.match(await page.textContent('#unlock-msg'), /PIN 错误。还可尝试 9 次/);
    assert.equal(await page.textContent('#attempts'), '还可尝试 9 次');
    await page.screenshot({ path: path.join(SHOTS, 'tablet-unlock-wrong-pin.png') });

    // Touch targets: at least 44 px, landscape and portrait.
    for (const size of [{ width: 1280, height: 800 }, { width: 800, height: 1280 }]) {
      await page.setViewportSize(size);
      const boxes = await page.$$eval('button:not([hidden]), select, input', (els) =>
        els.filter((e) => e.offsetParent !== null).map((e) => {
          const r = e.getBoundingClientRect();
          return { id: e.id || e.textContent, w: r.width, h: r.height };
        }));
      assert.ok(boxes.length >= 14, `controls found: ${boxes.length}`);
      for (const b of boxes) assert.ok(b.w >= 44 && b.h >= 44, `${b.id} is ${b.w}×${b.h} at ${size.width}×${size.height}`);
    }
    await page.setViewportSize({ width: 1280, height: 800 });

    // English on request.
    await page.click('#lang');
    assert.equal(await page.textContent('#unlock-title'), 'Unlock');
    assert.equal(await page.textContent('#attempts'), '9 attempts left');

    // The right PIN: today's facts, from the store.
    await tapPin(page, PIN);
    await page.click('#unlock-go');
    await page.waitForSelector('#today:not([hidden])');
    assert.equal(await page.textContent('#today-officer'), 'A1001 张伟');
    assert.equal(await page.textContent('#today-unsynced'), '1');
    assert.equal(await page.textContent('#today-records'), '1');
    await page.screenshot({ path: path.join(SHOTS, 'tablet-today-en.png') });

    // Lock: back to the PIN, and the API answers locked.
    await page.click('#lock');
    await page.waitForSelector('#unlock:not([hidden])');
    const status = await raw(ui.port, '/api/status', { Host: `127.0.0.1:${ui.port}`, 'X-Sweep-Key': ui.key });
    assert.equal(status.status, 200);
    assert.equal(JSON.parse(status.body).unlocked, false);
    assert.deepEqual(outside, [], 'no request left 127.0.0.1');
    assert.deepEqual(errors, []);
    await context.close();

    // Refusals: no key, a foreign page's Origin, a rebinding Host.
    const host = `127.0.0.1:${ui.port}`;
    const noKey = await raw(ui.port, '/api/status', { Host: host });
    assert.equal(noKey.status, 403);
    assert.match(JSON.parse(noKey.body).message, /X-Sweep-Key/);
    const foreign = await raw(ui.port, '/api/status',
                              { Host: host, Origin: 'http://evil.example', 'X-Sweep-Key': ui.key });
    assert.equal(foreign.status, 403);
    const rebinding = await raw(ui.port, '/', { Host: `evil.example:${ui.port}` });
    assert.equal(rebinding.status, 403);
    const page404 = await raw(ui.port, '/../etc/passwd', { Host: host });
    assert.ok(page404.status === 404 || page404.status === 400, `traversal: ${page404.status}`);
    assert.equal(noKey.headers['access-control-allow-origin'], undefined);
    assert.match(noKey.headers['content-security-policy'], /default-src 'none'/);

    // A page of another origin cannot read the API (no CORS), even with a
    // guessed key: the browser blocks the answer.
    const other = await browser.newPage();
    await other.setContent('<p>elsewhere</p>');
    const leaked = await other.evaluate(async (u) => {
      try {
        const r = await fetch(`${u}/api/status`, { headers: { 'X-Sweep-Key': 'x'.repeat(64) } });
        return await r.text();
      } catch (e) {
        return 'blocked';
      }
    }, origin);
    assert.equal(leaked, 'blocked');

    // A draft survives a crash: type, kill the server, start it again.
    const first = await openScreen(browser, ui);
    const form = first.page;
    await tapPin(form, PIN);
    await form.click('#unlock-go');
    await form.waitForSelector('#today:not([hidden])');
    await form.click('#new-visit');
    await form.waitForSelector('#visit:not([hidden])');
    await form.fill('#v-address', '郴州市北湖区燕泉路社区燕泉小区1栋301室');
    await form.fill('[data-path="landlord.name"]', DRAFT_NAME);
    await form.fill('[data-path="landlord.phone"]', '13907351862');
    await form.check('#indicators input[value="cash_short_rent"]');
    await form.waitForFunction(() => document.querySelector('#saved-msg').textContent === '草稿已加密保存');
    await form.waitForTimeout(400);  // the last keystroke's save
    ui.child.kill('SIGKILL');
    await new Promise((done) => ui.child.once('exit', done));
    // Nothing typed is on disk in the clear.
    for (const f of fs.readdirSync(store)) {
      const bytes = fs.readFileSync(path.join(store, f));
      assert.equal(bytes.indexOf(Buffer.from(DRAFT_NAME)), -1, `${f} holds the name in the clear`);
      assert.equal(bytes.indexOf(Buffer.from('13907351862')), -1, `${f} holds the phone in the clear`);
    }
    ui = await startUi(store);
    const again = await openScreen(browser, ui);
    await tapPin(again.page, PIN);
    await again.page.click('#unlock-go');
    await again.page.waitForSelector('#drafts-box:not([hidden]) .draft');
    assert.match(await again.page.textContent('#drafts .draft'), /^郴州市北湖区燕泉路社区燕泉小区1栋301室 · /);
    await again.page.click('#drafts .draft');
    await again.page.waitForSelector('#visit:not([hidden])');
    assert.equal(await again.page.inputValue('[data-path="landlord.name"]'), DRAFT_NAME);
    assert.equal(await again.page.inputValue('[data-path="landlord.phone"]'), '13907351862');
    assert.ok(await again.page.isChecked('#indicators input[value="cash_short_rent"]'));
    await again.page.click('#save');
    await again.page.waitForFunction(() => document.querySelector('#saved-msg').textContent.startsWith('已加密保存（'));
    await again.page.click('#visit-back');
    await again.page.waitForSelector('#today:not([hidden])');
    await again.page.waitForSelector('#drafts-box', { state: 'hidden' });  // a saved form leaves no draft
    await again.page.waitForFunction(() => document.querySelector('#today-records').textContent === '2');
    assert.deepEqual(again.outside, []);
    assert.deepEqual(again.errors, []);
    await again.context.close();
  } finally {
    await browser.close();
    ui.child.kill('SIGTERM');
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
