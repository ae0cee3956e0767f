// The tablet screen (sweep-field ui). Talks only to the server that served
// it, with the per-launch key from the address's fragment (docs/api.md).
'use strict';

const WORDS = {
  zh: {
    title: 'Sweep 反诈走访', switch_lang: 'English', lock: '锁定',
    unlock_title: '解锁', officer: '民警', pin: 'PIN', unlock_go: '解锁',
    today_title: '今日', unsynced: '未同步', records: '记录', device: '设备',
    clear: '清除', back: '退格',
    wrong_pin: (n) => `PIN 错误。还可尝试 ${n} 次，用完后本机数据将被销毁。`,
    wait: (s) => `尝试次数过多，请等待 ${s} 秒后再试。`,
    attempts: (n) => `还可尝试 ${n} 次`,
    shredded: '错误次数过多，本机数据已销毁，请联系所里重新登记本机。',
    unknown_officer: '本机没有该民警。',
    pin_short: 'PIN 至少 6 位。',
    forbidden: '此页面无权访问：请使用 sweep-field ui 打印的地址。',
    offline: '无法连接本机服务，请重新运行 sweep-field ui。',
    internal: '出错了，请重试。',
    versions: (n) => `${n} 条`,
  },
  en: {
    title: 'Sweep door-to-door', switch_lang: '中文', lock: 'Lock',
    unlock_title: 'Unlock', officer: 'Officer', pin: 'PIN', unlock_go: 'Unlock',
    today_title: 'Today', unsynced: 'Not synced', records: 'Records', device: 'Device',
    clear: 'Clear', back: 'Back',
    wrong_pin: (n) => `Wrong PIN. ${n} attempts left before this tablet erases its data.`,
    wait: (s) => `Too many wrong PINs: wait ${s} s before the next try.`,
    attempts: (n) => `${n} attempts left`,
    shredded: 'Too many wrong PINs: this tablet has erased its data. Ask the station to re-enroll it.',
    unknown_officer: 'No such officer on this tablet.',
    pin_short: 'The PIN has at least 6 digits.',
    forbidden: 'This page may not use the tablet: open the address sweep-field ui printed.',
    offline: 'The tablet service is not running: start sweep-field ui again.',
    internal: 'Something went wrong; try again.',
    versions: (n) => `${n}`,
  },
};

const state = {
  lang: localStorage.getItem('sweep.lang') || 'zh',
  key: '',
  status: null,
  idleTimer: 0,
  waitTimer: 0,
};

const $ = (id) => document.getElementById(id);
const w = (k) => WORDS[state.lang][k];

function takeKey() {
  const m = /(?:^|[#&])key=([0-9a-f]{64})/.exec(location.hash);
  if (m) {
    sessionStorage.setItem('sweep.key', m[1]);
    history.replaceState(null, '', location.pathname);  // out of the address bar and history
  }
  state.key = sessionStorage.getItem('sweep.key') || '';
}

async function api(method, path, body) {
  let res;
  try {
    res = await fetch(path, {
      method,
      headers: { 'X-Sweep-Key': state.key, 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
      cache: 'no-store',
      credentials: 'omit',
    });
  } catch (e) {
    return { ok: false, error: { code: 'offline' } };
  }
  const data = await res.json().catch(() => ({}));
  return res.ok ? { ok: true, data } : { ok: false, status: res.status, error: data };
}

function applyWords() {
  document.documentElement.lang = state.lang === 'zh' ? 'zh-CN' : 'en';
  document.querySelectorAll('[data-t]').forEach((el) => { el.textContent = w(el.dataset.t); });
  document.title = w('title');
  buildKeypad();
  render();
}

function buildKeypad() {
  const pad = $('keypad');
  pad.replaceChildren();
  const keys = ['1', '2', '3', '4', '5', '6', '7', '8', '9', 'clear', '0', 'back'];
  for (const k of keys) {
    const b = document.createElement('button');
    b.type = 'button';
    b.textContent = /\d/.test(k) ? k : w(k);
    b.dataset.key = k;
    b.addEventListener('click', () => {
      const pin = $('pin');
      if (k === 'clear') pin.value = '';
      else if (k === 'back') pin.value = pin.value.slice(0, -1);
      else pin.value += k;
      pin.focus();
    });
    pad.appendChild(b);
  }
}

function show(id) {
  for (const s of ['unlock', 'today', 'gone']) $(s).hidden = s !== id;
  $('lock').hidden = id !== 'today';
}

function render() {
  const s = state.status;
  if (!s) return;
  if (!s.unlocked) {
    show('unlock');
    const select = $('officer');
    const chosen = select.value;
    select.replaceChildren();
    for (const o of s.officers || []) {
      const opt = document.createElement('option');
      opt.value = o.officerId;
      opt.textContent = o.name ? `${o.officerId} ${o.name}` : o.officerId;
      select.appendChild(opt);
    }
    if (chosen) select.value = chosen;
    $('attempts').textContent = s.failedAttempts > 0 ? w('attempts')(s.attemptsLeft) : '';
    startWait(Number(s.waitMs || 0));
    return;
  }
  show('today');
  const me = (s.officers || []).find((o) => o.officerId === s.officerId);
  $('today-officer').textContent = me && me.name ? `${s.officerId} ${me.name}` : s.officerId;
  $('today-unsynced').textContent = w('versions')(Number(s.unsynced || 0));
  $('today-records').textContent = String(Number(s.records || 0));
  $('today-device').textContent = s.deviceId;
}

function startWait(ms) {
  clearInterval(state.waitTimer);
  const go = $('unlock-go');
  if (ms <= 0) { go.disabled = false; return; }
  const until = Date.now() + ms;
  go.disabled = true;
  const tick = () => {
    const left = Math.ceil((until - Date.now()) / 1000);
    if (left <= 0) {
      clearInterval(state.waitTimer);
      go.disabled = false;
      $('unlock-msg').textContent = '';
      return;
    }
    $('unlock-msg').textContent = w('wait')(left);
  };
  tick();
  state.waitTimer = setInterval(tick, 250);
}

function showError(err) {
  const code = (err && err.code) || 'internal';
  if (code === 'shredded' || code === 'forbidden' || code === 'offline') {
    show('gone');
    $('gone-msg').textContent = w(code);
    return;
  }
  let text = w(code) || w('internal');
  if (code === 'wrong_pin') text = w('wrong_pin')(err.attemptsLeft);
  $('unlock-msg').textContent = typeof text === 'function' ? text(0) : text;
  if (code === 'wait' || (code === 'wrong_pin' && Number(err.waitMs) > 0)) {
    startWait(Number(err.waitMs));
    if (code === 'wrong_pin') $('unlock-msg').textContent = w('wrong_pin')(err.attemptsLeft);
  }
}

async function refresh() {
  const r = await api('GET', '/api/status');
  if (!r.ok) { showError(r.error); return; }
  state.status = r.data;
  render();
}

async function unlock() {
  const pin = $('pin');
  if (pin.value.length < 6) { $('unlock-msg').textContent = w('pin_short'); return; }
  const r = await api('POST', '/api/unlock', { officerId: $('officer').value, pin: pin.value });
  pin.value = '';
  if (!r.ok) {
    await refresh();
    showError(r.error);
    return;
  }
  $('unlock-msg').textContent = '';
  state.status = r.data;
  render();
  armIdle();
}

async function lock() {
  const r = await api('POST', '/api/lock', {});
  if (r.ok) { state.status = r.data; render(); } else showError(r.error);
}

// Locks after idleLockMs without a touch or a key (the store locks itself
// too, at its next use).
function armIdle() {
  clearTimeout(state.idleTimer);
  const ms = state.status ? Number(state.status.idleLockMs || 0) : 0;
  if (ms > 0 && state.status && state.status.unlocked) state.idleTimer = setTimeout(lock, ms);
}

document.addEventListener('DOMContentLoaded', () => {
  takeKey();
  $('lang').addEventListener('click', () => {
    state.lang = state.lang === 'zh' ? 'en' : 'zh';
    localStorage.setItem('sweep.lang', state.lang);
    applyWords();
  });
  $('lock').addEventListener('click', lock);
  $('unlock-go').addEventListener('click', unlock);
  $('pin').addEventListener('keydown', (e) => { if (e.key === 'Enter') unlock(); });
  for (const ev of ['pointerdown', 'keydown']) document.addEventListener(ev, armIdle, { passive: true });
  applyWords();
  refresh().then(armIdle);
});
