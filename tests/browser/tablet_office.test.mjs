// The office sweep (扫楼), photos and editing a record in a real browser
// (issue 6), with the real hub. An office sweep from Today: a mistyped
// credit code shows its reason under the field, which clears once it is
// corrected; two agencies' officers, a finding with an indicator and a
// disposition, a person questioned, a photo (sealed in the store, its
// thumbnail read back from it), the market regulator's finding, both
// participants co-sign, saved; reopened, the regulator's finding shows as
// sealed (this police tablet holds no key for it). Then a
// unit of the grid: this tablet's record of it opened, edited and saved as
// version 2, synced; the hub holds version 2. Last, the market regulator's
// tablet (enrolled as regulator) lists the inspection: the company and its
// own finding, nothing of the police's, and offers no rental check. The
// network is cut for the browser throughout.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { HUB, PIN, SHOTS, field, launch, openScreen, stationAndTablet, startUi, stripesPng, tapPin,
         tempDir, unlockedScreen, until } from './lib.mjs';

const B3 = '郴州市北湖区人民路街道国庆北路社区国庆北路18号3栋';
const USCC = '91431002MA4T7K2R7D';
const USCC_TYPO = '91431002MA4T7K2R7E';
const LEGAL_REP_ID = '431003198509260152';

test('tablet screen: an office sweep with co-signatures and a photo; a record edited into version 2', async () => {
  assert.ok(HUB && fs.existsSync(HUB), 'SWEEP_HUB must name the sweep-hub binary');
  const dir = tempDir('sweep-office-');
  const { hub, H, store } = await stationAndTablet(dir, '国庆北路网格', [B3]);
  let ui = null;
  let regUi = null;
  let browser = null;
  try {
    // Yesterday's check of 2-502, on this tablet.
    const first = path.join(dir, 'first.json');
    fs.writeFileSync(first, JSON.stringify({
      address: { raw: `${B3}2单元502室` }, unitStatus: 'UNIT_STATUS_CHECKED',
      occupants: [{ name: '周雨桐', presentAtVisit: true }],
    }));
    field(store, ['--pin-stdin', 'record', 'rental-check', '--json', first], `${PIN}\n`);

    ui = await startUi(store);
    browser = await launch();
    const { page, outside, errors } = await unlockedScreen(browser, ui);

    // ---- an office sweep, from Today
    await page.click('#new-office');
    await page.waitForSelector('#office:not([hidden])');
    await page.fill('#o-address', '郴州市北湖区燕泉路66号华信商务大厦12楼1206室');
    await page.fill('#o-company', '郴州市北湖区鑫睿企业管理咨询有限公司');
    await page.fill('#o-credit', USCC_TYPO);
    const creditMsg = '.field-msg[data-for="creditCode"]';
    await page.waitForFunction((s) => document.querySelector(s).textContent.includes('校验码'), creditMsg);
    assert.match(await page.textContent(creditMsg), /^校验码应为D，实际为E/);
    assert.match(await page.getAttribute('#o-credit', 'class'), /bad/);
    await page.fill('#o-credit', USCC);
    await page.waitForFunction((s) => document.querySelector(s).textContent === '', creditMsg);
    await page.selectOption('#o-licence', 'LICENCE_STATUS_MISMATCH');
    await page.fill('#o-registered', '企业管理咨询');
    await page.fill('#o-actual', '电话外呼');
    await page.fill('#o-staff-registered', '5');
    await page.fill('#o-staff-present', '23');
    // Two agencies.
    await page.fill('#o-participants .participant >> nth=0 >> .p-id', 'A1001');
    await page.fill('#o-participants .participant >> nth=0 >> .p-name', '张伟');
    await page.click('#add-participant');
    await page.selectOption('#o-participants .participant >> nth=1 >> .p-agency', 'market_regulation');
    await page.fill('#o-participants .participant >> nth=1 >> .p-id', 'SJ-BH-0212');
    await page.fill('#o-participants .participant >> nth=1 >> .p-name', '何晓丽');
    // The legal representative questioned, checked as typed.
    await page.fill('[data-path="persons[0].name"]', '彭国栋');
    await page.fill('[data-path="persons[0].idNumber"]', LEGAL_REP_ID);
    await page.fill('[data-path="persons[0].phone"]', '13874512690');
    // The police's finding: a call-centre layout, handed to investigation.
    await page.click('#add-finding');
    await page.fill('#o-findings .f-summary', '现场23人分四排工位外呼');
    await page.check('#o-findings .f-indicators input[value="call_center_layout"]');
    await page.click('#o-findings .f-add-disposition');
    await page.selectOption('#o-findings .d-code', 'handed_to_investigation');
    await page.fill('#o-findings .d-detail', '法定代表人带回所里进一步询问');
    await page.check(`#o-findings .d-persons input[value="${LEGAL_REP_ID}"]`);
    // A photo of the call-centre layout, sealed in the store.
    await page.selectOption('#o-photo-for', 'f0:call_center_layout');
    const png = stripesPng(64, 48, [[200, 40, 40], [240, 240, 240], [40, 40, 200]]);
    await page.setInputFiles('#o-photo', { name: 'desk.png', mimeType: 'image/png', buffer: png });
    await page.waitForSelector('#office .thumb img');
    await page.waitForFunction(() => {
      const img = document.querySelector('#office .thumb img');
      return img.complete && img.naturalWidth === 64;
    });
    assert.equal(await page.textContent('#office .thumb figcaption'),
                 await page.$eval('#o-photo-for option[value="f0:call_center_layout"]', (o) => o.textContent));
    assert.match(await page.textContent('#office .thumb figcaption'), /^公安：/);
    await page.screenshot({ path: path.join(SHOTS, 'tablet-photo.png'), fullPage: true });
    // The market regulator's finding: sealed to its agency's key when saved.
    await page.click('#add-finding');
    await page.selectOption('#o-findings .finding >> nth=1 >> .f-agency', 'market_regulation');
    await page.fill('#o-findings .finding >> nth=1 >> .f-summary', '经营范围与实际不符');
    await page.press('#o-findings .finding >> nth=1 >> .f-summary', 'Tab');  // its change, before the taps
    // Co-signatures: each participant confirms with a tap.
    const cosigns = await page.$$eval('#o-cosign .cosign', (bs) => bs.map((b) => b.textContent));
    assert.deepEqual(cosigns, ['公安 张伟：确认签名', '市场监管 何晓丽：确认签名']);
    await page.click('#o-cosign .cosign >> nth=0');
    await page.click('#o-cosign .cosign >> nth=1');
    assert.deepEqual(await page.$$eval('#o-cosign .cosign', (bs) => bs.map((b) => b.textContent)),
                     ['✓ 公安 张伟 已确认', '✓ 市场监管 何晓丽 已确认']);
    // Touch targets, both orientations.
    for (const size of [{ width: 1280, height: 800 }, { width: 800, height: 1280 }]) {
      await page.setViewportSize(size);
      const small = await page.$$eval('#office button, #office select, #office input:not([type=checkbox]), #office label.check',
        (xs) => xs.filter((x) => x.offsetParent !== null).map((x) => x.getBoundingClientRect())
          .filter((r) => r.width < 44 || r.height < 44).length);
      assert.equal(small, 0, `office form controls under 44 px at ${size.width}×${size.height}`);
    }
    await page.setViewportSize({ width: 1280, height: 800 });
    await page.click('#office-save');
    await page.waitForFunction(() => document.querySelector('#office-saved-msg').textContent.startsWith('已加密保存（'));
    await page.screenshot({ path: path.join(SHOTS, 'tablet-office-sweep.png'), fullPage: true });
    // In the store: the sweep as typed, signed twice, naming the photo.
    const list = JSON.parse(`[${field(store, ['--pin-stdin', '--json', 'list'], `${PIN}\n`).trim().split('\n').join(',')}]`);
    const officeRow = list.find((r) => r.kind === 'office-sweep');
    const rentalId = list.find((r) => r.kind === 'rental-check').recordId;
    assert.ok(officeRow, JSON.stringify(list));
    const sweep = JSON.parse(field(store, ['--pin-stdin', '--json', 'show', officeRow.recordId],
                                   `${PIN}\n`));
    const os = sweep.officeSweep;
    assert.equal(os.creditCode, USCC);
    assert.equal(os.licence, 'LICENCE_STATUS_MISMATCH');
    assert.equal(os.staffPresent, 23);
    assert.deepEqual(os.participants.map((p) => p.agency), ['police', 'market_regulation']);
    assert.equal(os.findings.length, 1);  // the police's, opened; the regulator's stays sealed
    assert.deepEqual(os.sections.map((s) => s.agency), ['market_regulation']);
    assert.equal(os.findings[0].dispositions[0].code, 'handed_to_investigation');
    assert.deepEqual(os.findings[0].dispositions[0].personIdNumbers, [LEGAL_REP_ID]);
    assert.equal(os.persons[0].occupation, '法定代表人');
    assert.deepEqual(os.cosignatures.map((c) => [c.signerId, c.agency, c.signerRole]),
                     [['A1001', 'police', 'officer'], ['SJ-BH-0212', 'market_regulation', 'regulator']]);
    assert.ok(os.cosignatures.every((c) => c.signature && c.recordHash && c.keyId));
    const sha = os.findings[0].indicators[0].attachmentHashes[0];
    assert.match(sha, /^[0-9a-f]{64}$/);
    for (const f of fs.readdirSync(store)) {  // the photo is sealed: its pixels are nowhere in the clear
      assert.equal(fs.readFileSync(path.join(store, f)).indexOf(png.subarray(16)), -1, `${f} holds the photo`);
    }
    // Reopened on the screen: the regulator's finding is named, not shown.
    await page.evaluate((id) => openRecord(id), officeRow.recordId);
    await page.waitForSelector('#o-sealed .sealed');
    assert.equal(await page.textContent('#o-sealed .sealed'), '已封存（市场监管）');
    assert.equal(await page.inputValue('#o-findings .f-summary'), '现场23人分四排工位外呼');
    assert.equal(await page.$$eval('#o-findings .finding', (fs) => fs.length), 1);
    assert.deepEqual(errors, []);

    // ---- a unit's record from the grid, edited into version 2
    await page.click('#office-back');
    await page.waitForSelector('#today:not([hidden]) #beats .building');
    await page.click('#beats .building');
    await page.waitForSelector('#building:not([hidden]) #grid tbody tr');
    await page.click('#grid .unit[data-unit="2-502"]');
    await page.waitForSelector('#edit-unit:not([hidden])');
    await page.click('#edit-unit');
    await page.waitForSelector('#visit:not([hidden])');
    assert.equal(await page.inputValue('[data-path="occupants[0].name"]'), '周雨桐');
    assert.match(await page.textContent('#visit .edit-msg'), /保存为第 2 版/);
    await page.click('#add-occupant');
    await page.fill('[data-path="occupants[1].name"]', '蒋雨欣');
    await page.fill('[data-path="occupants[1].idNumber"]', '431021199708220513');
    await page.check('#indicators input[value="simbox_goip"]');
    await page.click('#v-add-disposition');
    await page.selectOption('#v-dispositions .d-code', 'registered_on_site');
    await page.check('#v-dispositions .d-persons input[value="431021199708220513"]');
    await page.click('#save');
    await page.waitForFunction(() => document.querySelector('#saved-msg').textContent.startsWith('已加密保存第 2 版'));
    // Sync from Today; the hub holds version 2.
    await page.click('#visit-back');
    await page.waitForSelector('#building:not([hidden])');
    await page.click('#back');
    await page.waitForSelector('#today:not([hidden])');
    await page.click('#sync');
    await page.waitForFunction(() => document.querySelector('#sync-msg').textContent.startsWith('同步完成'));
    assert.match(await page.textContent('#sync-msg'), /^同步完成：发送 3 条记录/);
    // The edit made the unit a den suspect (a GOIP box): the hub's case file
    // names version 2 as its source once its background catch-up ran.
    const v2 = `"record":"${rentalId}","version":2`;
    let den = '';
    for (let i = 0; i < 50 && !den.includes(v2); ++i) {
      await new Promise((done) => setTimeout(done, 100));
      den = H('dens', 'show', `${B3}2单元502室`, '--json');
    }
    assert.ok(den.includes(v2), den);
    assert.deepEqual(outside, [], 'no request left 127.0.0.1');
    assert.deepEqual(errors, []);

    // ---- the market regulator's tablet: the inspection as its agency may see it
    const regStore = path.join(dir, 'regulator');
    const asReg = (...args) => field(regStore, ['--pin-stdin', ...args], `${PIN}\n`);
    asReg('init', '--officer', 'SJ-BH-0212', '--name', '何晓丽', '--kdf-ops', '1', '--kdf-mem-mib', '8');
    asReg('enroll', '--hub', hub.match[1], '--code',
          H('enroll-code', '--officer', 'SJ-BH-0212', '--agency', 'market_regulation', '--role', 'regulator').trim());
    await until(() => { asReg('sync'); return asReg('--json', 'inspections').includes(officeRow.recordId); },
                'the inspection at the regulator\'s tablet');
    regUi = await startUi(regStore);
    const reg = await openScreen(browser, regUi);
    await tapPin(reg.page, PIN);
    await reg.page.click('#unlock-go');
    await reg.page.waitForSelector('#inspections-box:not([hidden]) .inspection');
    const seen = await reg.page.textContent('#today');
    assert.match(seen, /郴州市北湖区鑫睿企业管理咨询有限公司/);
    assert.match(seen, /营业执照：与实际不符/);
    assert.match(seen, /市场监管：经营范围与实际不符/);
    for (const police of ['彭国栋', LEGAL_REP_ID, '13874512690', '现场23人分四排工位外呼', '法定代表人带回所里']) {
      assert.ok(!seen.includes(police), `the regulator's screen shows ${police}`);
    }
    assert.equal(await reg.page.$eval('#new-visit', (b) => b.hidden), true);
    await reg.page.screenshot({ path: path.join(SHOTS, 'tablet-regulator-inspections.png'), fullPage: true });
    assert.deepEqual(reg.outside, []);
    assert.deepEqual(reg.errors, []);
  } finally {
    if (browser) await browser.close();
    if (ui) ui.child.kill('SIGTERM');
    if (regUi) regUi.child.kill('SIGTERM');
    hub.child.kill('SIGTERM');
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
