#!/usr/bin/env node
// CouchDB-protocol replication baseline for the Sweep sync benchmark.
//
// A local PouchDB (leveldb adapter, temp folder) stands in for a tablet; a
// CouchDB-protocol server (express-pouchdb over PouchDB/leveldb) in a child
// process stands in for the station hub. Both are bound to 127.0.0.1 only.
//
// Figures (JSON lines on stdout, human table on stderr):
//   pouchdb.push.docs_per_s   one-shot push of N docs, default batch size
//   pouchdb.push.mb_per_s     same push, document JSON bytes / s (MB = 1e6 B)
//   pouchdb.push.seconds      same push, wall time
//   pouchdb.noop.ms           re-sync with nothing new, median of --noop-runs
//   pouchdb.edits.seconds     re-sync after editing --edits docs
//   pouchdb.edits.docs_per_s  same, edited docs / s
//   pouchdb.doc.bytes         mean JSON size of one document (UTF-8)
//
// Exit codes: 0 ok, 1 failure, 2 usage.

import { fork } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const SELF = fileURLToPath(import.meta.url);
const HOST = '127.0.0.1';
const DB_NAME = 'visits';

const EXIT_OK = 0;
const EXIT_FAIL = 1;
const EXIT_USAGE = 2;

const HELP = `usage: node replicate.mjs [options]
       ./run.sh [options]

CouchDB-protocol replication baseline: PouchDB (leveldb) pushes ~1 KB
rental-check visit documents to express-pouchdb (PouchDB/leveldb) running
in a child process on 127.0.0.1 (random free port).

options:
  --docs N         documents to create and push (default 20000)
  --edits N        documents to edit before the third re-sync (default 1000,
                   0 skips that phase; must be <= --docs)
  --noop-runs N    no-op re-syncs to take the median of (default 5)
  --batch-size N   replication batch_size (default: PouchDB's own default,
                   100; the figures in README.md use the default)
  --seed N         seed for the document generator (default 1)
  --timeout S      give up (exit 1) after S seconds (default 1800)
  --keep           keep the temp folder (its path is printed) for inspection
  -h, --help       this text

output:
  stdout  one JSON line per figure, e.g.
          {"name":"pouchdb.push.docs_per_s","value":1234.5,"unit":"docs/s"}
          names: pouchdb.push.docs_per_s pouchdb.push.mb_per_s
                 pouchdb.push.seconds pouchdb.noop.ms pouchdb.edits.seconds
                 pouchdb.edits.docs_per_s pouchdb.doc.bytes
  stderr  progress and a human-readable table

exit codes:
  0  ok
  1  failure (server did not start, replication error, wrong counts, timeout)
  2  usage error
`;

// ---------------------------------------------------------------- arguments

class UsageError extends Error {}

function parseArgs(argv) {
  const o = {
    docs: 20000, edits: 1000, noopRuns: 5, batchSize: null, seed: 1,
    timeout: 1800, keep: false, help: false,
  };
  const intOpt = (name, v, min) => {
    if (v === undefined) throw new UsageError(`${name} needs a value`);
    if (!/^\d+$/.test(v)) throw new UsageError(`${name}: not a non-negative integer: ${v}`);
    const n = Number(v);
    if (!Number.isSafeInteger(n) || n < min) throw new UsageError(`${name}: must be >= ${min}`);
    return n;
  };
  for (let i = 0; i < argv.length; i++) {
    let a = argv[i];
    let val;
    const eq = a.indexOf('=');
    if (a.startsWith('--') && eq > 0) { val = a.slice(eq + 1); a = a.slice(0, eq); }
    const next = () => (val !== undefined ? val : argv[++i]);
    switch (a) {
      case '-h': case '--help': o.help = true; break;
      case '--docs': o.docs = intOpt(a, next(), 1); break;
      case '--edits': o.edits = intOpt(a, next(), 0); break;
      case '--noop-runs': o.noopRuns = intOpt(a, next(), 1); break;
      case '--batch-size': o.batchSize = intOpt(a, next(), 1); break;
      case '--seed': o.seed = intOpt(a, next(), 0); break;
      case '--timeout': o.timeout = intOpt(a, next(), 1); break;
      case '--keep': o.keep = true; break;
      default: throw new UsageError(`unknown argument: ${argv[i]}`);
    }
  }
  if (o.edits > o.docs) throw new UsageError(`--edits (${o.edits}) must be <= --docs (${o.docs})`);
  return o;
}

// ----------------------------------------------------------------- child: hub

async function serveChild(dir) {
  // If the parent goes away (crash, kill), so do we.
  process.on('disconnect', () => process.exit(0));
  process.chdir(dir); // express-pouchdb may write config/log files into cwd
  const { default: express } = await import('express');
  const { default: PouchDB } = await import('pouchdb-node');
  const { default: expressPouchDB } = await import('express-pouchdb');

  const ServerPouch = PouchDB.defaults({ prefix: path.join(dir, 'db') + path.sep });
  mkdirSync(path.join(dir, 'db'), { recursive: true });
  const app = express();
  app.use('/', expressPouchDB(ServerPouch, {
    mode: 'minimumForPouchDB',
    inMemoryConfig: true,
  }));

  // Count bytes on the wire (HTTP incl. headers) for the stderr report.
  let closedIn = 0, closedOut = 0;
  const live = new Set();
  const server = app.listen(0, HOST);
  server.on('connection', (s) => {
    live.add(s);
    s.on('close', () => { closedIn += s.bytesRead; closedOut += s.bytesWritten; live.delete(s); });
  });
  server.on('error', (e) => { console.error(`[hub] ${e.stack || e}`); process.exit(EXIT_FAIL); });
  server.on('listening', () => {
    const { address, port } = server.address();
    process.send({ type: 'ready', address, port, pid: process.pid });
  });
  process.on('message', (m) => {
    if (m && m.type === 'stats') {
      let inB = closedIn, outB = closedOut;
      for (const s of live) { inB += s.bytesRead; outB += s.bytesWritten; }
      process.send({ type: 'stats', id: m.id, bytesIn: inB, bytesOut: outB });
    } else if (m && m.type === 'shutdown') {
      for (const s of live) s.destroy();
      server.close(() => process.exit(0));
      setTimeout(() => process.exit(0), 2000).unref();
    }
  });
}

// ------------------------------------------------------- document generator

function mulberry32(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6D2B79F5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const SURNAMES = '王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤'.split('');
const GIVEN = '伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红建国志文斌辉鹏宇浩然子轩梓涵欣怡雨婷佳琪思远晨阳嘉豪俊杰婉婷晓东海燕春梅丹丹立新卫东永强德明淑珍'.split('');
const DISTRICTS = [
  ['南山区', '440305'], ['福田区', '440304'], ['罗湖区', '440303'], ['宝安区', '440306'],
  ['龙岗区', '440307'], ['龙华区', '440309'], ['光明区', '440311'], ['坪山区', '440310'],
];
const STREETS = ['桃园路', '南海大道', '深南大道', '建设路', '布吉路', '民治大道', '沙河西路', '留仙大道',
  '新安六路', '宝民一路', '翠竹路', '红荔路', '龙岗大道', '梅林路', '西丽路', '公常路'];
const ESTATES = ['荔林新村', '阳光花园', '白石洲村', '大冲新城花园', '水围村', '岗厦北小区', '沙井新村',
  '上沙村', '新洲村', '下梅林小区', '城中村统建楼', '桃源居', '锦绣家园', '翠海花园', '布心村'];
// Hukou (household registration) region codes for ID numbers of migrants.
const HUKOU = [
  ['湖南省长沙市', '430102'], ['四川省成都市', '510104'], ['江西省南昌市', '360102'],
  ['河南省郑州市', '410105'], ['广西南宁市', '450103'], ['湖北省武汉市', '420102'],
  ['广东省梅州市', '441402'], ['广东省湛江市', '440802'], ['贵州省贵阳市', '520102'],
  ['安徽省合肥市', '340102'], ['重庆市渝中区', '500103'], ['福建省福州市', '350102'],
];
const RELATIONS = ['租客', '配偶', '子女', '同事', '朋友', '亲属', '合租'];
const OCCUPATIONS = ['快递员', '外卖骑手', '电子厂工人', '程序员', '销售', '保安', '餐饮服务员', '个体经营', '司机', '学生', '待业'];
const NOTES = [
  '租客已按要求登记居住信息，证件与本人相符。',
  '房东未及时申报新入住人员，已当场告知并督促补报。',
  '室内消防通道畅通，配备灭火器一具，在有效期内。',
  '发现电动自行车在楼道内充电，已责令整改并拍照留存。',
  '住户反映楼下夜间噪音扰民，已记录并转社区网格员跟进。',
  '出租屋门锁损坏，提醒房东尽快更换，注意防盗。',
  '一名住户临时外出未见面，已电话核实身份信息。',
  '租赁合同已于上月到期，双方口头续租，建议补签书面合同。',
  '房间内存放大量纸箱等易燃物，已进行消防安全宣传。',
  '住户配合检查，态度良好，无异常情况。',
  '核查中发现一人居住证过期，已告知到派出所办理续签。',
  '房屋隔断较多，存在群租隐患，已通报住建部门。',
];
const STATUSES = ['已核查', '已核查', '已核查', '需复查', '已整改', '未见人员'];

const pick = (r, arr) => arr[Math.floor(r() * arr.length)];
const int = (r, lo, hi) => lo + Math.floor(r() * (hi - lo + 1));
const pad = (n, w) => String(n).padStart(w, '0');

function idNumber(r, region, birth, male) {
  const seq = int(r, 0, 499) * 2 + (male ? 1 : 0); // odd = male, even = female
  const body = region + birth.replaceAll('-', '') + pad(seq % 1000, 3);
  const W = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
  let s = 0;
  for (let i = 0; i < 17; i++) s += Number(body[i]) * W[i];
  return body + '10X98765432'[s % 11];
}
const phone = (r) => '1' + pick(r, ['3', '5', '7', '8', '9']) + pad(int(r, 0, 999999999), 9);
const personName = (r) => pick(r, SURNAMES) + pick(r, GIVEN) + (r() < 0.6 ? pick(r, GIVEN) : '');
function birthDate(r, minAge, maxAge) {
  const y = 2024 - int(r, minAge, maxAge);
  return `${y}-${pad(int(r, 1, 12), 2)}-${pad(int(r, 1, 28), 2)}`;
}

function makeVisit(r, i) {
  const [district, dcode] = pick(r, DISTRICTS);
  const street = pick(r, STREETS);
  const no = int(r, 1, 399);
  const estate = pick(r, ESTATES);
  const building = int(r, 1, 30);
  const room = `${int(r, 1, 33)}${pad(int(r, 1, 12), 2)}`;
  const t = Date.UTC(2024, 5, 3, 0, 30) + i * 1300 + int(r, 0, 999);
  const tablet = pad(int(r, 1, 40), 3);
  const occupants = [];
  const nOcc = int(r, 1, 3);
  for (let k = 0; k < nOcc; k++) {
    const male = r() < 0.55;
    const birth = birthDate(r, 18, 64);
    const [hukou, hcode] = pick(r, HUKOU);
    occupants.push({
      name: personName(r),
      gender: male ? '男' : '女',
      id_number: idNumber(r, hcode, birth, male),
      birth,
      phone: phone(r),
      hukou,
      relation: k === 0 ? '承租人' : pick(r, RELATIONS),
      occupation: pick(r, OCCUPATIONS),
      moved_in: `202${int(r, 0, 4)}-${pad(int(r, 1, 12), 2)}`,
    });
  }
  const lMale = r() < 0.5;
  const lBirth = birthDate(r, 35, 75);
  const nNotes = int(r, 1, 2);
  const notes = [];
  while (notes.length < nNotes) {
    const n = pick(r, NOTES);
    if (!notes.includes(n)) notes.push(n);
  }
  return {
    _id: `visit:T${tablet}:${pad(i, 8)}`,
    type: 'rental_check',
    schema: 1,
    officer: { badge: pad(int(r, 100000, 999999), 6), name: personName(r) },
    tablet: `tab-${tablet}`,
    station: `${district.slice(0, 2)}派出所`,
    checked_at: new Date(t).toISOString(),
    address: {
      city: '深圳市', district, street,
      full: `深圳市${district}${street}${no}号${estate}${building}栋${room}室`,
      geo: { lat: +(22.5 + r() * 0.25).toFixed(6), lon: +(113.85 + r() * 0.35).toFixed(6) },
      region_code: dcode,
    },
    landlord: {
      name: personName(r),
      id_number: idNumber(r, dcode, lBirth, lMale),
      phone: phone(r),
    },
    occupants,
    status: pick(r, STATUSES),
    notes: notes.join(''),
    photos: int(r, 0, 4),
  };
}

// ------------------------------------------------------------------ helpers

const log = (...a) => console.error(...a);
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const round = (x, d) => Math.round(x * 10 ** d) / 10 ** d;

function cpuModel() {
  try {
    const m = readFileSync('/proc/cpuinfo', 'utf8').match(/^model name\s*:\s*(.*)$/m);
    if (m) return m[1].trim();
  } catch { /* fall through */ }
  return (os.cpus()[0] || {}).model || 'unknown';
}

function startHub(dir) {
  const child = fork(SELF, ['--serve-child', dir], {
    stdio: ['ignore', 2, 2, 'ipc'], // child output goes to our stderr, never stdout
    execArgv: [],
  });
  const ready = new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error('hub did not start within 30 s')), 30000);
    child.once('error', (e) => { clearTimeout(t); reject(e); });
    child.once('exit', (code, sig) => { clearTimeout(t); reject(new Error(`hub exited early (code ${code}, signal ${sig})`)); });
    child.on('message', (m) => {
      if (m && m.type === 'ready') { clearTimeout(t); resolve(m); }
    });
  });
  let nextId = 0;
  const stats = () => new Promise((resolve) => {
    const id = ++nextId;
    const on = (m) => { if (m && m.type === 'stats' && m.id === id) { child.off('message', on); resolve(m); } };
    child.on('message', on);
    child.send({ type: 'stats', id });
  });
  return { child, ready, stats };
}

async function stopHub(child) {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const gone = new Promise((res) => child.once('exit', res));
  try { child.send({ type: 'shutdown' }); } catch { /* channel closed */ }
  const t1 = setTimeout(() => child.kill('SIGTERM'), 3000);
  const t2 = setTimeout(() => child.kill('SIGKILL'), 6000);
  await gone;
  clearTimeout(t1); clearTimeout(t2);
}

let currentReplication = null;
let aborting = false; // set once a signal/timeout/stray error tears the run down

function replicateOnce(PouchDB, local, remote, batchSize) {
  const opts = {};
  if (batchSize) opts.batch_size = batchSize;
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const rep = PouchDB.replicate(local, remote, opts);
    currentReplication = rep;
    rep.on('complete', (info) => {
      const ms = performance.now() - t0;
      currentReplication = null;
      if (info.ok === false || (info.errors && info.errors.length)) {
        reject(new Error(`replication finished with errors: ${JSON.stringify(info.errors).slice(0, 500)}`));
      } else resolve({ ms, info });
    });
    rep.on('error', (e) => { currentReplication = null; reject(e); });
  });
}

// --------------------------------------------------------------------- main

async function main(opts) {
  const { default: PouchDB } = await import('pouchdb-node');
  const pouchVersion = PouchDB.version;
  const epVersion = require('express-pouchdb/package.json').version;
  const exVersion = require('express/package.json').version;
  const ldVersion = require('leveldown/package.json').version;

  let tmp = null;
  let hub = null;
  let local = null;
  let remote = null;

  // Last-resort cleanup, synchronous, on any exit: kill the hub, remove temp.
  const syncCleanup = () => {
    try {
      if (hub && hub.child.exitCode === null && hub.child.signalCode === null) hub.child.kill('SIGKILL');
    } catch { /* ignore */ }
    if (tmp && !opts.keep) {
      try { rmSync(tmp, { recursive: true, force: true, maxRetries: 5, retryDelay: 50 }); } catch { /* ignore */ }
    }
  };
  process.on('exit', syncCleanup);

  // Orderly cleanup on success or on a thrown failure.
  const cleanup = async () => {
    try { if (remote) await remote.close(); } catch { /* ignore */ }
    try { if (local) await local.close(); } catch { /* ignore */ }
    try { if (hub) await stopHub(hub.child); } catch { /* ignore */ }
    if (tmp) {
      if (opts.keep) log(`kept temp folder: ${tmp}`);
      else await rm(tmp, { recursive: true, force: true, maxRetries: 5, retryDelay: 50 }).catch(() => {});
      tmp = null;
    }
  };

  // Abort from outside the main flow (signal, timeout, stray error): stop the
  // replication in flight and the hub, then exit 1; syncCleanup removes temp.
  // Databases are not closed here: in-flight replication would trip over it.
  const abort = (why) => {
    if (aborting) return;
    aborting = true;
    log(`\n${why}: cleaning up`);
    try { if (currentReplication) currentReplication.cancel(); } catch { /* ignore */ }
    const stop = hub ? stopHub(hub.child).catch(() => {}) : Promise.resolve();
    stop.finally(() => process.exit(EXIT_FAIL));
  };
  const onSignal = (sig) => abort(sig);
  const onStray = (e) => {
    if (aborting) return; // errors of the replication being torn down
    log(`replicate.mjs: unexpected error: ${e && e.stack ? e.stack : e}`);
    abort('failure');
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  process.on('unhandledRejection', onStray);
  process.on('uncaughtException', onStray);
  const watchdog = setTimeout(() => abort(`timeout after ${opts.timeout} s`), opts.timeout * 1000);
  watchdog.unref();

  try {
    tmp = await mkdtemp(path.join(os.tmpdir(), 'sweep-pouchdb-'));
    const hubDir = path.join(tmp, 'hub');
    const tabDir = path.join(tmp, 'tablet');
    mkdirSync(hubDir); mkdirSync(tabDir);

    log(`machine: ${os.cpus().length} cpu(s), ${cpuModel()}; node ${process.version}`);
    log(`packages: pouchdb-node ${pouchVersion} (leveldown ${ldVersion}), express-pouchdb ${epVersion}, express ${exVersion}`);

    hub = startHub(hubDir);
    const { port } = await hub.ready;
    const remoteUrl = `http://${HOST}:${port}/${DB_NAME}`;
    log(`hub: express-pouchdb (leveldb) in child pid ${hub.child.pid} at http://${HOST}:${port}/`);

    // Tablet-side database with N visits.
    local = new PouchDB(path.join(tabDir, DB_NAME));
    const r = mulberry32(opts.seed);
    const docs = new Array(opts.docs);
    let totalBytes = 0;
    for (let i = 0; i < opts.docs; i++) {
      docs[i] = makeVisit(r, i);
      totalBytes += Buffer.byteLength(JSON.stringify(docs[i]));
    }
    const meanBytes = totalBytes / opts.docs;
    log(`generated ${opts.docs} visit docs, mean JSON size ${meanBytes.toFixed(1)} B, total ${(totalBytes / 1e6).toFixed(2)} MB`);
    let t0 = performance.now();
    const CHUNK = 1000;
    for (let i = 0; i < docs.length; i += CHUNK) {
      const res = await local.bulkDocs(docs.slice(i, i + CHUNK));
      const bad = res.filter((x) => x.error);
      if (bad.length) throw new Error(`local bulkDocs failed: ${JSON.stringify(bad[0])}`);
    }
    log(`loaded into local leveldb in ${((performance.now() - t0) / 1000).toFixed(2)} s (not timed in the figures)`);

    remote = new PouchDB(remoteUrl);
    await remote.info(); // creates the remote db (CouchDB PUT /visits), not timed
    const batchNote = opts.batchSize ? `batch_size=${opts.batchSize}` : 'default batch_size (100)';

    // (1) one-shot push.
    const s0 = await hub.stats();
    log(`push: replicating ${opts.docs} docs, ${batchNote} ...`);
    const push = await replicateOnce(PouchDB, local, remoteUrl, opts.batchSize);
    const s1 = await hub.stats();
    if (push.info.docs_written !== opts.docs) {
      throw new Error(`push wrote ${push.info.docs_written} docs, expected ${opts.docs}`);
    }
    const rinfo = await remote.info();
    if (rinfo.doc_count !== opts.docs) {
      throw new Error(`hub has ${rinfo.doc_count} docs after push, expected ${opts.docs}`);
    }
    const pushS = push.ms / 1000;
    const pushWireUp = s1.bytesIn - s0.bytesIn;
    const pushWireDown = s1.bytesOut - s0.bytesOut;

    // (2) no-op re-syncs.
    const noop = [];
    for (let k = 0; k < opts.noopRuns; k++) {
      const n = await replicateOnce(PouchDB, local, remoteUrl, opts.batchSize);
      if (n.info.docs_written !== 0) throw new Error(`no-op re-sync wrote ${n.info.docs_written} docs`);
      noop.push(n.ms);
    }
    const noopMs = median(noop);
    log(`no-op re-syncs (ms): ${noop.map((x) => x.toFixed(1)).join(', ')}`);

    // (3) re-sync after editing E docs.
    let edits = null;
    if (opts.edits > 0) {
      // Pick E distinct docs (partial Fisher-Yates), edit them locally (not timed).
      const idx = Array.from({ length: opts.docs }, (_, i) => i);
      const re = mulberry32(opts.seed ^ 0x9e3779b9);
      for (let k = 0; k < opts.edits; k++) {
        const j = k + Math.floor(re() * (opts.docs - k));
        [idx[k], idx[j]] = [idx[j], idx[k]];
      }
      const ids = idx.slice(0, opts.edits).map((i) => docs[i]._id);
      const got = await local.allDocs({ keys: ids, include_docs: true });
      const edited = got.rows.map((row, k) => {
        const d = row.doc;
        d.status = '已复查';
        d.reviewed_at = new Date(Date.parse(d.checked_at) + 86400000).toISOString();
        d.notes += '【复查】' + pick(re, NOTES);
        d.occupants[0].phone = phone(re);
        d.edit_seq = k;
        return d;
      });
      const res = await local.bulkDocs(edited);
      const bad = res.filter((x) => x.error);
      if (bad.length) throw new Error(`local edit failed: ${JSON.stringify(bad[0])}`);
      const e = await replicateOnce(PouchDB, local, remoteUrl, opts.batchSize);
      if (e.info.docs_written !== opts.edits) {
        throw new Error(`edit re-sync wrote ${e.info.docs_written} docs, expected ${opts.edits}`);
      }
      // Spot-check that an edit arrived.
      const chk = await remote.get(ids[0]);
      if (chk.status !== '已复查') throw new Error(`edited doc ${ids[0]} not updated on hub`);
      edits = { s: e.ms / 1000 };
    }

    // Results.
    const figures = [
      ['pouchdb.push.docs_per_s', round(opts.docs / pushS, 1), 'docs/s', `one-shot push of ${opts.docs} docs, ${batchNote}`],
      ['pouchdb.push.mb_per_s', round(totalBytes / 1e6 / pushS, 3), 'MB/s', 'document JSON bytes (1 MB = 1e6 B)'],
      ['pouchdb.push.seconds', round(pushS, 3), 's', 'wall time of the push'],
      ['pouchdb.noop.ms', round(noopMs, 2), 'ms', `no-op re-sync, median of ${opts.noopRuns}`],
    ];
    if (edits) {
      figures.push(['pouchdb.edits.seconds', round(edits.s, 3), 's', `re-sync after editing ${opts.edits} docs`]);
      figures.push(['pouchdb.edits.docs_per_s', round(opts.edits / edits.s, 1), 'docs/s', `${opts.edits} edited docs / re-sync time`]);
    }
    figures.push(['pouchdb.doc.bytes', round(meanBytes, 1), 'B', 'mean JSON size of one visit doc']);

    const w = Math.max(...figures.map((f) => f[0].length));
    log('');
    log(`${'figure'.padEnd(w)}  ${'value'.padStart(12)}  unit     what`);
    log(`${'-'.repeat(w)}  ${'-'.repeat(12)}  -------  ${'-'.repeat(40)}`);
    for (const [name, value, unit, what] of figures) {
      log(`${name.padEnd(w)}  ${String(value).padStart(12)}  ${unit.padEnd(7)}  ${what}`);
    }
    log('');
    log(`push on the wire (HTTP incl. headers): ${(pushWireUp / 1e6).toFixed(2)} MB up, ${(pushWireDown / 1e6).toFixed(2)} MB down`);
    for (const [name, value, unit] of figures) {
      process.stdout.write(JSON.stringify({ name, value, unit }) + '\n');
    }
    return EXIT_OK;
  } finally {
    if (!aborting) {
      clearTimeout(watchdog);
      await cleanup();
    }
  }
}

// ------------------------------------------------------------------- entry

const argv = process.argv.slice(2);
if (argv[0] === '--serve-child') {
  serveChild(argv[1]).catch((e) => {
    console.error(`[hub] ${e && e.stack ? e.stack : e}`);
    process.exit(EXIT_FAIL);
  });
} else {
  let opts;
  try {
    opts = parseArgs(argv);
  } catch (e) {
    if (e instanceof UsageError) {
      console.error(`replicate.mjs: ${e.message}\n`);
      console.error(HELP);
      process.exit(EXIT_USAGE);
    }
    throw e;
  }
  if (opts.help) {
    process.stdout.write(HELP);
    process.exit(EXIT_OK);
  }
  // While aborting, abort() owns the exit (after the hub has stopped).
  main(opts).then(
    (code) => { if (!aborting) process.exit(code); },
    (e) => {
      if (aborting) return;
      console.error(`replicate.mjs: FAILED: ${e && e.stack ? e.stack : e}`);
      process.exit(EXIT_FAIL);
    },
  );
}
