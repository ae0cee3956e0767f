// The station dashboard in a real browser (issue 6), against the real hub:
// a supervisor account, a tablet that enrolls and syncs a den (GOIP gear,
// stacks of SIM cards, a photo, an occupant) and two visits that name the
// same person differently (a pair for review), the merge run by `serve`.
// In the browser: a wrong password then sign-in, the day's report, the den
// with its indicators and provenance, the occupant and his group graph, a
// status change that meets a concurrent change (409) and then succeeds, the
// review pair decided, the report's numbers following, the coverage grid
// in English at 1366×768, a POST without the CSRF header refused, a
// session ended elsewhere bringing back the sign-in, a regulator who sees
// the overview only. The network is cut for the browser throughout.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { HUB, PIN, SHOTS, field, launch, offlineContext, run, stationAndTablet, stripesPng, tempDir,
         until } from './lib.mjs';

const B3 = '郴州市北湖区人民路街道国庆北路社区国庆北路18号3栋';
const B5 = '郴州市北湖区人民路街道国庆北路社区国庆北路18号5栋';
const PASSWORD = '巡查 open sesame 2026';
const REG_PASSWORD = 'market regulator pass';

function record(dir, name, body) {
  const file = path.join(dir, `${name}.json`);
  fs.writeFileSync(file, JSON.stringify(body));
  return file;
}

test('station dashboard: report, den, suspect, review, coverage, devices in the browser', async () => {
  assert.ok(HUB && fs.existsSync(HUB), 'SWEEP_HUB must name the sweep-hub binary');
  const started = Date.now();
  const dir = tempDir('sweep-dash-');
  let hub = null;
  let browser = null;
  try {
    const station = await stationAndTablet(dir, '国庆北路网格', [B3, B5], () => {
      run(HUB, ['--db', path.join(dir, 'hub.db'), 'user', 'add', '--id', 'S2001', '--name', '刘建军',
                '--role', 'supervisor'], `${PASSWORD}\n`);
      run(HUB, ['--db', path.join(dir, 'hub.db'), 'user', 'add', '--id', 'R3001', '--name', '市场监管周敏',
                '--role', 'regulator', '--agency', 'market_regulation'], `${REG_PASSWORD}\n`);
    });
    hub = { child: station.hub.child, url: station.hub.match[1] };
    const { H, store } = station;
    // The tablet, enrolled and synced once (its beat), records three visits offline.
    const F = (...args) => field(store, ['--pin-stdin', ...args], `${PIN}\n`);
    const photo = path.join(dir, 'goip.png');
    fs.writeFileSync(photo, stripesPng(160, 120, [[30, 30, 30], [200, 30, 30], [30, 30, 30], [220, 220, 220]]));
    const attachment = JSON.parse(F('--json', 'attach', photo));
    // The den: a GOIP gateway (photographed) and sixty SIM cards, two
    // occupants (one with a bank card), a landlord who was not there.
    const den = record(dir, 'den', {
      address: { raw: `${B3}2单元301室` },
      unitStatus: 'UNIT_STATUS_CHECKED',
      landlord: { name: '廖建国', idNumber: '431002196803140375', phone: '13907351862', presentAtVisit: false },
      occupants: [{ name: '曹宇航', idNumber: '431021199708220513', phone: '18673529046', presentAtVisit: true },
                  { name: '韦俊豪', phone: '15073581290', bankCards: ['6222020200112233445'], presentAtVisit: true }],
      indicators: [
        { code: 'simbox_goip', present: true, count: 1, detail: '吊顶内', attachmentHashes: [attachment.sha256] },
        { code: 'many_sim_cards', present: true, count: 60, detail: '桌上成捆电话卡' },
      ],
      attachments: [{ sha256: attachment.sha256, mediaType: 'image/png', size: String(attachment.size) }],
    });
    // The same name in two units of one building, two phones, no ID: the
    // merge scores it between its thresholds (docs/merge.md §5: name +15.4,
    // phone −3.0, same building +1.6) and asks a supervisor.
    const twin = (room, phone) => record(dir, `twin-${room}`, {
      address: { raw: `${B3}${room}` },
      unitStatus: 'UNIT_STATUS_CHECKED',
      occupants: [{ name: '李思远', phone, presentAtVisit: true }],
    });
    for (const f of [den, twin('2单元502室', '13907351234'), twin('1单元101室', '15273580417')]) {
      F('record', 'rental-check', '--json', f);
    }
    // A joint sweep with the market regulator: the police's part names a
    // person; the regulator's part is its own (docs/protocol.md §17).
    F('record', 'office-sweep', '--json', record(dir, 'office', {
      address: { raw: `${B5}1单元1201室` },
      companyName: '郴州市云联网络科技有限公司',
      visitedAtMs: String(Date.now() - 3600000),
      staffRegistered: 3,
      staffPresent: 14,
      creditCode: '91431002MA4T7K2R7D',
      licence: 'LICENCE_STATUS_MISSING',
      registeredBusiness: '软件开发',
      actualBusiness: '电话销售',
      participants: [{ agency: 'police', officerId: 'A1001' }, { agency: 'market_regulation', officerId: 'SJ-0212' }],
      findings: [{ agency: 'police', summary: 'GOIP 3 台' },
                 { agency: 'market_regulation', summary: '无照经营，责令停止经营活动' }],
      persons: [{ name: '王小明', idNumber: '431002198803124518', phone: '13800138000' }],
    }));
    F('sync');
    // serve's merge worker runs after the ledger catches up.
    const review = await until(() => H('review', 'list', '--json').trim(), 'the review pair');
    assert.equal(review.split('\n').length, 1, review);
    const denKey = JSON.parse(await until(() => H('dens', 'list', '--status', 'suspected', '--json').trim(),
                                          'the suspected den')).key;
    assert.ok(denKey, 'the den has a key');

    browser = await launch();
    const { context, outside } = await offlineContext(browser, hub.url,
                                                       { viewport: { width: 1920, height: 1080 } });
    const page = await context.newPage();
    const errors = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    page.on('console', (m) => { if (/Content Security Policy/.test(m.text())) errors.push(m.text()); });
    const ready = (view) => page.waitForSelector(`main[data-ready="${view}"]`);
    const api = (route) => page.evaluate(async (r) => (await fetch(`/dash/api/${r}`)).json(), route);
    const shot = async (name) => {
      await page.evaluate(() => window.scrollTo(0, 0));  // the bar is sticky
      await page.screenshot({ path: path.join(SHOTS, name), fullPage: true });
    };

    // Sign-in: a wrong password first, said in words.
    await page.goto(`${hub.url}/dash/`);
    await page.waitForSelector('#login:not([hidden])');
    await page.fill('#login-user', 'S2001');
    await page.fill('#login-password', 'not the password');
    await page.click('#login-go');
    await page.waitForFunction(() => document.querySelector('#login-msg').textContent !== '');
    assert.equal(await page.textContent('#login-msg'), '用户名或密码错误。');
    await page.fill('#login-password', PASSWORD);
    await page.click('#login-go');
    await ready('report');
    assert.equal(await page.textContent('#who'), '刘建军 · 所领导');

    // The report: its numbers are the API's, in words and charts.
    const rep = await api('report');
    const cardValue = (k) => page.textContent(`.card[data-k="${k}"] .v`);
    assert.equal(Number(rep.visits), 4);  // three rental checks, one joint sweep
    assert.equal(await cardValue('visits'), '4');
    assert.equal(await cardValue('review_queue'), '1');
    assert.equal(await cardValue('dens_new'), '1');
    assert.equal(await cardValue('persons'), String(Number(rep.personsSeen)));
    assert.equal(await cardValue('suspects'), String(Number(rep.suspects || 0)));
    assert.equal((rep.densNew || []).length, 1);
    assert.match(await page.textContent('#report-dens-new'), /2单元301/);
    assert.equal(await page.locator('#report-charts figure').count(), 7);
    assert.equal(await page.locator('figure[data-chart="by_day"] svg rect').count(), 7);
    const chartRows = (chart) => page.$$eval(`figure[data-chart="${chart}"] details tbody tr`,
      (trs) => Object.fromEntries(trs.map((tr) => [tr.cells[0].textContent, tr.cells[1].textContent])));
    assert.equal((await chartRows('dens'))['疑似窝点'], '1');

    // Dens: the new one, suspected, opened from the list.
    await page.click('#nav a[data-view="dens"]');
    await ready('dens');
    await page.click(`#dens-table tr[data-key="${denKey}"]`);
    await ready('den');
    assert.equal(await page.getAttribute('#den-status .status', 'data-status'), 'suspected');
    assert.match(await page.textContent('#den-title'), /2单元301/);
    const indicators = await page.$$eval('#den-indicators li', (lis) => lis.map((li) => li.dataset.code));
    assert.deepEqual(indicators.sort(), ['many_sim_cards', 'simbox_goip']);
    assert.match(await page.textContent('#den-indicators li[data-code="many_sim_cards"]'), /大量电话卡 ×60/);
    // Provenance: who, which tablet, when, which record and where in it.
    const goip = page.locator('#den-indicators li[data-code="simbox_goip"]');
    await goip.locator('details.prov summary').click();
    assert.match(await goip.locator('details.prov span').textContent(),
                 /^民警 A1001 · 设备 \S+ · \d{4}\/\d{2}\/\d{2} \d{2}:\d{2} · 记录 \S+ 第 1 版 · indicators\[0\]$/);
    await page.waitForFunction(() => {
      const img = document.querySelector('#den-indicators li[data-code="simbox_goip"] img');
      return img && img.complete && img.naturalWidth === 160;
    });
    const occupant = page.locator('#den-persons tbody tr', { hasText: '曹宇航' });
    assert.match(await occupant.textContent(), /住户/);
    assert.match(await page.locator('#den-persons tbody tr', { hasText: '廖建国' }).textContent(), /房东/);
    assert.match(await page.textContent('#den-fields tr[data-field="address"]'), /A1001/);
    assert.match(await page.textContent('#den-history tbody'), /无 → 疑似窝点A1001（自动）/);
    await shot('dashboard-den.png');

    // The suspects' search: a part of a phone number finds the occupant.
    await page.click('#nav a[data-view="suspects"]');
    await ready('suspects');
    assert.equal(await page.locator('#suspects-table tbody tr[data-entity]').count(), 2);
    await page.fill('#suspects-q', '8673529');
    await page.press('#suspects-q', 'Enter');
    await page.waitForFunction(() => location.hash.includes('q=8673529'));
    await ready('suspects');
    assert.deepEqual(await page.$$eval('#suspects-table tbody tr[data-entity] td:first-child',
                                       (tds) => tds.map((td) => td.textContent)), ['曹宇航']);
    await page.goBack();
    await page.goBack();
    await ready('den');

    // The occupant, and the group around him.
    await occupant.click();
    await ready('person');
    assert.equal(await page.textContent('#person-title'), '曹宇航');
    assert.match(await page.textContent('#person-fields tr[data-field="phone"]'), /\+8618673529046.*A1001/);
    assert.match(await page.textContent('#person-fields tr[data-field="involvement"]'), /窝点人员/);
    const nodes = await page.$$eval('#graph g.node', (gs) => gs.map((g) => g.dataset.node));
    assert.ok(nodes.includes(`premises:${denKey}`), nodes.join(' '));
    assert.ok(nodes.some((n) => n.startsWith('phone:')), nodes.join(' '));
    assert.ok(nodes.length >= 5, nodes.join(' '));
    await page.selectOption('#graph-depth', '3');  // a hop further: the other occupant's bank card
    await page.waitForSelector('#graph g.node[data-node="card:6222020200112233445"]');
    // A disposition from the configured codes, with a reason.
    await page.selectOption('#disp-code', 'admonished');
    await page.fill('#disp-detail', '当场教育训诫');
    await page.fill('#disp-reason', '窝点在场人员，初次发现');
    await page.click('#disp-go');
    await page.waitForSelector('#person-dispositions tr[data-code="admonished"]');
    assert.equal(await page.textContent('#disp-msg'), '已添加处置。');
    assert.match(await page.textContent('#person-dispositions tr[data-code="admonished"]'),
                 /^教育训诫当场教育训诫S2001 · /);
    await shot('dashboard-graph.png');
    // A node opens what it stands for: the den.
    await page.click(`#graph g.node[data-node="premises:${denKey}"]`);
    await ready('den');

    // Raided, with a reason; someone else changed it meanwhile first.
    H('dens', 'set', denKey, '--status', 'investigating', '--by', 'S2002', '--why', '转侦查');
    await page.selectOption('#den-next', 'raided');
    await page.fill('#den-reason', '现场查获GOIP设备一台、电话卡六十张，已捣毁');
    await page.click('#den-go');
    await page.waitForFunction(() => document.querySelector('#den-msg').textContent.includes('他人'));
    assert.equal(await page.getAttribute('#den-status .status', 'data-status'), 'investigating');
    await page.click('#den-reason');
    const stillTyped = await page.inputValue('#den-reason');
    assert.equal(stillTyped, '现场查获GOIP设备一台、电话卡六十张，已捣毁');
    await page.selectOption('#den-next', 'raided');
    await page.click('#den-go');
    await page.waitForFunction(() => document.querySelector('#den-status .status').dataset.status === 'raided');
    assert.equal(await page.textContent('#den-msg'), '已改为「已捣毁」。');
    const lastChange = await page.$$eval('#den-history tbody tr', (trs) => trs[trs.length - 1].textContent);
    assert.match(lastChange, /侦查中 → 已捣毁S2001.*现场查获GOIP设备一台/);

    // A POST without the CSRF header is refused, even from the page; a stale
    // base version is a conflict.
    const refused = await page.evaluate(async () => {
      const r = await fetch('/dash/api/review/decide', { method: 'POST', headers: { 'Content-Type': 'application/json' },
                                                         body: JSON.stringify({ verdict: 'same', a: 'x', b: 'y' }) });
      return { status: r.status, body: await r.json() };
    });
    assert.equal(refused.status, 403);
    assert.equal(refused.body.code, 'csrf');
    const stale = await page.evaluate(async (key) => {
      const me = await (await fetch('/dash/api/me')).json();
      const r = await fetch('/dash/api/den/status', { method: 'POST',
        headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': me.csrf },
        body: JSON.stringify({ key, to: 'cleared', reason: '旧页面', baseVersion: '0' }) });
      return { status: r.status, body: await r.json() };
    }, denKey);
    assert.equal(stale.status, 409);
    assert.equal(stale.body.code, 'conflict');

    // The review queue: the pair side by side with the evidence; the same person.
    await page.click('#nav a[data-view="review"]');
    await ready('review');
    const item = page.locator('.review-item');
    assert.equal(await item.count(), 1);
    assert.match(await item.locator('.pair').textContent(), /李思远.*李思远/);
    const evidence = await item.locator('table.evidence tbody').textContent();
    assert.match(evidence, /姓名一致李思远李思远\+/);
    assert.match(evidence, /手机号不同/);
    await shot('dashboard-review.png');
    const pair = (await api('review')).items[0];
    await item.locator('button.same').click();
    await page.waitForFunction(() => document.querySelector('#review-msg').textContent !== '');
    assert.equal(await page.textContent('#review-msg'), '已记录。剩余 0 对待核对。');
    assert.equal(await page.locator('.review-item').count(), 0);
    // One person now, with both mentions (the older entity id survives);
    // the supervisor splits one off again.
    const merged = [];
    for (const e of [pair.entityA, pair.entityB]) {
      if (await page.evaluate(async (x) => (await fetch(`/dash/api/person?entity=${x}`)).ok, e)) merged.push(e);
    }
    assert.equal(merged.length, 1, `${pair.entityA} ${pair.entityB}`);
    await page.evaluate((e) => { location.hash = `#person?entity=${e}`; }, merged[0]);
    await ready('person');
    assert.equal(await page.textContent('#person-title'), '李思远');
    assert.equal(await page.locator('#person-mentions input').count(), 2);
    await page.check('#person-mentions li:nth-child(2) input');
    await page.click('#split-go');
    assert.equal(await page.textContent('#split-question'), '确认将所选 1 条登记记录拆分为另一个人？');
    await page.click('#split-yes');
    await page.waitForFunction(() => document.querySelector('#split-msg').textContent === '已拆分。');
    assert.equal(await page.locator('#person-mentions input').count(), 1);

    // The report follows: a raided den, nothing left to review.
    await page.click('#nav a[data-view="report"]');
    await ready('report');
    assert.equal(await cardValue('review_queue'), '0');
    const dens = await chartRows('dens');
    assert.equal(dens['已捣毁'], '1');
    assert.equal(dens['疑似窝点'], '0');
    assert.equal(await page.locator('figure[data-chart="dens"] svg rect.d-raided').count(), 1);
    assert.equal((await chartRows('suspects'))['教育训诫'], '1');
    await shot('dashboard-report.png');

    // Coverage, in English on a 1366×768 screen: the community, its
    // buildings, the grid; the den's unit opens the den.
    await page.setViewportSize({ width: 1366, height: 768 });
    await page.click('#lang');
    await ready('report');
    assert.equal(await page.textContent('#nav a[data-view="coverage"]'), 'Coverage');
    await page.click('#nav a[data-view="coverage"]');
    await ready('coverage');
    await page.click('#coverage-table tr[data-level="community"][data-community="国庆北路社区"]');
    assert.deepEqual(await page.$$eval('#building-list button', (bs) => bs.map((b) => b.textContent)),
                     ['国庆北路18号, building 3', '国庆北路18号, building 5']);
    await page.click('#building-list button[data-key$="|3"]');
    await page.waitForSelector('#building:not([hidden]) #grid .unit');
    const cls = (unit) => page.getAttribute(`#grid .unit[data-unit="${unit}"]`, 'class');
    assert.match(await cls('2-502'), /s-checked/);
    assert.match(await cls('1-101'), /s-checked/);
    assert.match(await cls('2-301'), /s-den_suspected/);
    assert.match(await page.textContent('#building-summary'), /^3 of 24 units covered \(13%\) · 21 left$/);
    await shot('dashboard-coverage.png');
    await page.click('#grid .unit[data-unit="2-301"]');
    await ready('den');
    assert.equal(await page.textContent('#den-status .status'), 'raided');

    // Devices: the tablet, an enrollment code shown large.
    await page.click('#nav a[data-view="devices"]');
    await ready('devices');
    assert.equal(await page.locator('#devices-table tbody tr[data-device]').count(), 1);
    await page.fill('#enroll-officer', 'A1002');
    await page.click('#enroll-go');
    await page.waitForSelector('#enroll-box:not([hidden])');
    assert.ok((await page.textContent('#enroll-code')).length >= 6);
    // Revoking asks for a reason, then a confirmation.
    await page.click('#devices-table button.revoke-open');
    await page.fill('#devices-table .revoke-reason', '平板遗失');
    await page.click('#devices-table button.revoke-ok');
    await page.waitForSelector('#devices-table tr[data-revoked="1"]');
    assert.match(await page.textContent('#devices-table tr[data-revoked="1"]'), /revoked .*平板遗失/);
    assert.match(await page.textContent('#devices-msg'), /^Device \S+ revoked: refused and wiped/);

    // The session ended elsewhere: the next click brings back the sign-in.
    await page.evaluate(async () => {
      const me = await (await fetch('/dash/api/me')).json();
      await fetch('/dash/api/logout', { method: 'POST', body: '{}',
                                        headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': me.csrf } });
    });
    await page.click('#nav a[data-view="dens"]');
    await page.waitForSelector('#login:not([hidden])');
    assert.equal(await page.textContent('#login-msg'), 'Signed out after a while without use: sign in again.');
    await page.click('#lang');  // back to Chinese for whoever comes next

    // A regulator: the overview only; what the API refuses is not offered.
    await page.fill('#login-user', 'R3001');
    await page.fill('#login-password', REG_PASSWORD);
    await page.click('#login-go');
    await ready('report');
    const tabs = await page.$$eval('#nav a:not([hidden])', (as) => as.map((a) => a.dataset.view));
    assert.deepEqual(tabs, ['report', 'coverage', 'inspections']);
    assert.equal((await page.evaluate(async () => (await fetch('/dash/api/dens')).status)), 403);
    // Its agency's joint inspections: the shared facts and its own finding,
    // no person; no agency to choose.
    await page.click('#nav a[data-view="inspections"]');
    await ready('inspections');
    assert.ok(await page.isHidden('#inspections-agency-box'));
    const rows = await page.locator('#inspections-table tbody tr[data-record]').count();
    assert.equal(rows, 1);
    const row = await page.textContent('#inspections-table tbody tr[data-record]');
    assert.match(row, /郴州市云联网络科技有限公司/);
    assert.match(row, /无照经营/);
    assert.match(row, /国庆北路18号5栋1单元1201/);
    assert.match(row, /3 \/ 14/);
    for (const secret of ['曹宇航', '431021199708220513', 'GOIP 3 台', '王小明', '431002198803124518', '13800138000']) assert.ok(!row.includes(secret), secret);
    await shot('dashboard-inspections.png');
    await page.goto(`${hub.url}/dash/#dens`);  // the cookie keeps the session
    await ready('report');
    assert.ok(await page.isHidden('#dens'));

    // Signed out by the button; then wrong passwords until the hub says wait.
    await page.click('#logout');
    await page.waitForSelector('#login:not([hidden])');
    assert.equal(await page.textContent('#login-msg'), '已退出。');
    for (let i = 1; i <= 5; ++i) {
      await page.fill('#login-user', 'R3001');
      await page.fill('#login-password', `wrong password ${i}`);
      const answer = page.waitForResponse((r) => r.url().endsWith('/dash/api/login'));
      await page.click('#login-go');
      assert.equal((await answer).status(), 401);
    }
    await page.waitForFunction(() => /请等待 \d+ 秒/.test(document.querySelector('#login-msg').textContent));
    assert.match(await page.textContent('#login-msg'), /^用户名或密码错误。 尝试次数过多，请等待 (29|30) 秒后再试。$/);
    assert.ok(await page.isDisabled('#login-go'));

    assert.deepEqual(outside, [], 'no request left 127.0.0.1');
    assert.deepEqual(errors, []);
    console.log(`dashboard test: ${((Date.now() - started) / 1000).toFixed(1)} s`);
  } finally {
    if (browser) await browser.close();
    if (hub) hub.child.kill('SIGTERM');
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
