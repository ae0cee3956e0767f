// The tablet's day and a building's grid in a real browser (issue 6), with
// the real hub: the station imports its building register, makes a beat and
// assigns it; the tablet enrolls and syncs, then records three visits
// offline (a check, a door nobody opened, a den); the screen shows the beat
// with its buildings, and the building as floors × units, each unit in the
// colour of its state, the numbers equal to what the API says and to what
// was recorded. The network is cut for the browser throughout.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { HUB, PIN, SHOTS, field, launch, stationAndTablet, startUi, tempDir, unlockedScreen }
  from './lib.mjs';

const B3 = '郴州市北湖区人民路街道国庆北路社区国庆北路18号3栋';
const B5 = '郴州市北湖区人民路街道国庆北路社区国庆北路18号5栋';
const WATCHED = '430111199906050262';   // valid; on the station's watchlist
const BAD_ID = '431021199708220514';    // the check digit should be 3

function visit(dir, name, room, status, extra = {}) {
  const file = path.join(dir, `${name}.json`);
  fs.writeFileSync(file, JSON.stringify({
    address: { raw: `${B3}${room}` },
    unitStatus: status,
    occupants: status === 'UNIT_STATUS_CHECKED' ? [{ name: '周雨桐', presentAtVisit: true }] : [],
    ...extra,
  }));
  return file;
}

test('tablet screen: today\'s beat and a building grid, from the hub and offline visits', async () => {
  assert.ok(HUB && fs.existsSync(HUB), 'SWEEP_HUB must name the sweep-hub binary');
  const dir = tempDir('sweep-cov-');
  // A person the station watches (sent to tablets as a keyed hash).
  const { hub, H, store } = await stationAndTablet(dir, '国庆北路网格', [B3, B5], (h) => {
    h('watchlist', 'add', WATCHED, '--kind', 'id', '--level', 'alert', '--note', '在逃人员，勿单独接触');
  });
  let ui = null;
  let browser = null;
  try {
    // Offline, after the sync: three visits to 3栋.
    for (const f of [
      visit(dir, 'checked', '2单元502室', 'UNIT_STATUS_CHECKED'),
      visit(dir, 'noanswer', '1单元101室', 'UNIT_STATUS_NO_ANSWER'),
      visit(dir, 'den', '2单元301室', 'UNIT_STATUS_CHECKED', {
        indicators: [{ code: 'many_sim_cards', present: true, count: 60 },
                     { code: 'simbox_goip', present: true, count: 1 }],
      }),
    ]) {
      field(store, ['--pin-stdin', 'record', 'rental-check', '--json', f], `${PIN}\n`);
    }

    ui = await startUi(store);
    browser = await launch();
    const { page, outside, errors } = await unlockedScreen(browser, ui);

    // Today: the beat, its two buildings, three visits not yet synced.
    const beatTitle = await page.textContent('#beats h4');
    assert.match(beatTitle, /^国庆北路网格 — 已覆盖 \d+ \/ \d+ 户/);
    const buildings = await page.$$eval('#beats .building', (bs) => bs.map((b) => b.dataset.key));
    assert.equal(buildings.length, 2);
    assert.equal(await page.textContent('#today-unsynced'), '3 条');
    const today = await page.evaluate(async () => {
      const r = await fetch('/api/today', { headers: { 'X-Sweep-Key': sessionStorage.getItem('sweep.key') } });
      return r.json();
    });
    assert.equal(today.beats.length, 1);
    assert.equal(today.beats[0].beat, '国庆北路网格');
    assert.equal(today.localVisits, 3);
    assert.ok(today.configFromHub);
    const b3 = today.beats[0].buildings.find((b) => b.address.includes('3栋'));
    assert.ok(b3, JSON.stringify(today.beats[0].buildings));
    assert.equal(b3.units, 24);     // 6 floors × 2 stairwells × 2 units
    assert.equal(b3.covered, 2);    // the check and the den (covered: its visit was a check)
    assert.equal(b3.remaining, 22);
    assert.match(beatTitle, new RegExp(`已覆盖 ${today.beats[0].covered} / ${today.beats[0].units} 户`));
    await page.screenshot({ path: path.join(SHOTS, 'tablet-today-beats.png'), fullPage: true });

    // The building: tap it, read the grid.
    await page.click(`#beats .building[data-key="${b3.buildingKey}"]`);
    await page.waitForSelector('#building:not([hidden]) #grid tbody tr');
    const cells = await page.$$eval('#grid .unit', (us) => us.map((u) => ({
      unit: u.dataset.unit, cls: u.className })));
    assert.equal(cells.length, 24);
    const stateOf = (unit) => (cells.find((c) => c.unit === unit) || {}).cls;
    assert.match(stateOf('2-502'), /s-checked/);
    assert.match(stateOf('1-101'), /s-no_answer/);
    assert.match(stateOf('2-301'), /s-den_suspected/);
    assert.equal(cells.filter((c) => /s-unvisited/.test(c.cls)).length, 21);
    const rows = await page.$$eval('#grid tbody tr', (trs) => trs.map((tr) => tr.cells[0].textContent));
    assert.deepEqual(rows, ['6 层', '5 层', '4 层', '3 层', '2 层', '1 层']);  // top floor first
    assert.match(await page.textContent('#building-summary'), /已覆盖 2 \/ 24 户（8%） · 剩 22 户/);
    await page.click('#grid .unit[data-unit="2-301"]');
    assert.match(await page.textContent('#unit-detail'), /^2-301：疑似窝点，A1001，本机 1 次$/);
    // Touch targets in the grid too, landscape and portrait.
    for (const size of [{ width: 1280, height: 800 }, { width: 800, height: 1280 }]) {
      await page.setViewportSize(size);
      const small = await page.$$eval('#building button', (bs) => bs
        .map((b) => b.getBoundingClientRect())
        .filter((r) => r.width < 44 || r.height < 44).length);
      assert.equal(small, 0, `controls under 44 px at ${size.width}×${size.height}`);
    }
    await page.setViewportSize({ width: 1280, height: 800 });
    await page.screenshot({ path: path.join(SHOTS, 'tablet-building.png'), fullPage: true });

    // A rental check of 1-102 from the grid: checked as typed.
    await page.click('#grid .unit[data-unit="1-102"]');
    await page.click('#visit-unit');
    await page.waitForSelector('#visit:not([hidden])');
    assert.equal(await page.inputValue('#v-address'), '国庆北路18号3栋1单元102室');
    await page.fill('[data-path="landlord.name"]', '廖建国');
    await page.fill('[data-path="landlord.idNumber"]', BAD_ID);
    await page.waitForFunction(() =>
      document.querySelector('.field-msg[data-for="landlord.idNumber"]').textContent.includes('校验码'));
    assert.match(await page.textContent('.field-msg[data-for="landlord.idNumber"]'), /^校验码应为3，实际为4/);
    assert.match(await page.getAttribute('[data-path="landlord.idNumber"]', 'class'), /bad/);
    await page.fill('[data-path="landlord.idNumber"]', '431021199708220513');
    await page.waitForFunction(() =>
      document.querySelector('.field-msg[data-for="landlord.idNumber"]').textContent === '');
    // A phone typed short: the reason, in the language on screen.
    await page.fill('[data-path="occupants[0].name"]', '蒋雨欣');
    await page.fill('[data-path="occupants[0].phone"]', '1527358');
    await page.waitForFunction(() =>
      document.querySelector('.field-msg[data-for="occupants[0].phone"]').textContent.includes('11'));
    assert.match(await page.textContent('.field-msg[data-for="occupants[0].phone"]'), /手机号码应为11位，实际7位/);
    await page.fill('[data-path="occupants[0].phone"]', '15273580417');
    // The watched person as a second occupant: an alert nobody can miss.
    await page.click('#add-occupant');
    await page.fill('[data-path="occupants[1].name"]', '韦俊豪');
    await page.fill('[data-path="occupants[1].idNumber"]', WATCHED);
    await page.waitForSelector('#watch-alert:not([hidden])');
    assert.match(await page.textContent('#watch-alert'), /布控人员/);
    assert.match(await page.textContent('#watch-alert li'), /occupants\[1\]\.idNumber: .*在逃人员，勿单独接触/);
    await page.check('#indicators input[value="many_phones"]');
    await page.screenshot({ path: path.join(SHOTS, 'tablet-rental-check-watchlist.png'), fullPage: true });
    const small = await page.$$eval('#visit button, #visit select, #visit input:not([type=checkbox]), #visit label.check',
      (xs) => xs.filter((x) => x.offsetParent !== null).map((x) => x.getBoundingClientRect())
        .filter((r) => r.width < 44 || r.height < 44).length);
    assert.equal(small, 0, 'form controls under 44 px');
    await page.click('#save');
    await page.waitForFunction(() => document.querySelector('#saved-msg').textContent.startsWith('已加密保存（'));
    // Saved in the store, as typed: the CLI reads it back.
    const list = field(store, ['--pin-stdin', '--json', 'list'], `${PIN}\n`);
    assert.equal(list.trim().split('\n').length, 4, list);
    await page.click('#visit-back');
    await page.waitForSelector('#building:not([hidden]) #grid tbody tr');
    assert.match(await page.getAttribute('#grid .unit[data-unit="1-102"]', 'class'), /s-den_suspected/);  // many phones

    // Back to today, English.
    await page.click('#back');
    await page.waitForSelector('#today:not([hidden])');
    await page.waitForFunction(() => document.querySelector('#today-unsynced').textContent === '4 条');
    // Sync from the screen: progress, then the result in plain words.
    await page.click('#sync');
    await page.waitForFunction(() => document.querySelector('#sync-msg').textContent.startsWith('同步完成'));
    assert.match(await page.textContent('#sync-msg'), /^同步完成：发送 4 条记录，收到 \d+ 条更新。$/);
    await page.waitForFunction(() => document.querySelector('#today-unsynced').textContent === '0 条');
    assert.equal(await page.textContent('#today-records'), '4');
    await page.screenshot({ path: path.join(SHOTS, 'tablet-synced.png'), fullPage: true });
    // The station has them: its coverage of the beat counts the tablet's visits.
    let csv = '';
    for (let i = 0; i < 50 && !/国庆北路网格.*,3,/.test(csv); ++i) {  // the ledger catches up in the background
      await new Promise((done) => setTimeout(done, 100));
      csv = H('coverage', '--beat', '国庆北路网格', '--format', 'csv');
    }
    // 44 units, 3 checked (two of them dens: 2-301, and 1-102 with many phones), 1 revisit.
    assert.match(csv, /^beat,国庆北路网格,,,A1001,44,3,41,1,0,2,/m);
    // The hub gone: the records stay, the screen says so in plain words.
    hub.child.kill('SIGTERM');
    await new Promise((done) => hub.child.once('exit', done));
    await page.click('#sync');
    await page.waitForFunction(() => document.querySelector('#sync-msg').textContent.includes('无法连接'),
                               null, { timeout: 60000 });
    assert.equal(await page.textContent('#sync-msg'), '无法连接所里服务器。记录仍安全保存在本机，稍后再同步。');
    await page.click('#lang');
    const beat = (await page.evaluate(async () => {
      const r = await fetch('/api/today', { headers: { 'X-Sweep-Key': sessionStorage.getItem('sweep.key') } });
      return r.json();
    })).beats[0];
    assert.equal(beat.covered, 3);  // the check of 1-102 counts at once
    assert.equal(await page.textContent('#beats h4'),
                 `国庆北路网格 — ${beat.covered} of ${beat.units} units covered (${Math.round((100 * beat.covered) / beat.units)}%)`);
    assert.deepEqual(outside, [], 'no request left 127.0.0.1');
    assert.deepEqual(errors, []);
  } finally {
    if (browser) await browser.close();
    if (ui) ui.child.kill('SIGTERM');
    hub.child.kill('SIGTERM');
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
