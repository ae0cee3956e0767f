// The station dashboard (sweep-hub serve, /dash/). Talks only to the hub
// that served it: JSON under /dash/api/ (schema/proto/sweep/v1/dashboard.proto),
// the session in an HttpOnly cookie, X-CSRF-Token on every POST. No inline
// script or style (CSP): charts are SVG built with DOM calls, coloured by
// classes from app.css.
'use strict';

const WORDS = {
  zh: {
    title: 'Sweep 所里工作台', switch_lang: 'English', logout: '退出',
    nav_report: '今日报告', nav_coverage: '覆盖', nav_dens: '窝点', nav_suspects: '涉案人员',
    nav_review: '待核对', nav_devices: '设备', nav_inspections: '联合检查',
    inspections_title: '联合检查', export_csv: '导出 CSV', all_agencies: '全部单位',
    inspections_hint: '各单位只看到本单位的检查结论和企业、场所的共享信息。',
    company: '企业', credit_code: '信用代码', licence: '执照', business: '登记/实际经营', staff: '登记/在场人数',
    finding: '本单位结论', participants: '参与单位', visited: '检查时间',
    licences: { valid: '有效', missing: '无照', expired: '过期', revoked: '已吊销', mismatch: '不符' },
    login_title: '登录', user_id: '用户', password: '密码', login_go: '登录',
    wrong_password: '用户名或密码错误。',
    wait: (s) => `尝试次数过多，请等待 ${s} 秒后再试。`,
    expired: '长时间未操作，已自动退出，请重新登录。',
    signed_out: '已退出。',
    need_login: '请填写用户和密码。',
    forbidden: '您的角色无权查看或修改此内容。',
    csrf: '请求被拒绝（安全校验失败），请刷新页面后重试。',
    not_found: '未找到。',
    conflict: '他人刚刚修改了此记录，已重新载入最新内容，请核对后再操作。',
    bad_request: '输入有误：',
    internal: '出错了，请重试。',
    offline: '无法连接所里服务器。',
    who: (name, role) => `${name} · ${role}`,
    role: { supervisor: '所领导', admin: '管理员', regulator: '监管部门' },
    agencies: { police: '公安', market_regulation: '市场监管', tax: '税务', commerce: '工商' },
    report_title: '今日报告', date: '日期', cycle: (c) => `周期 ${c}`,
    k_visits: '走访', k_coverage: '本周期覆盖', k_covered_today: '今日覆盖户数', k_persons: '今日见到人员',
    k_dens_new: '今日新发现窝点', k_suspects: '涉案人员', k_revisits: '待复访', k_review: '待核对人员',
    k_conflicts: '待处理冲突',
    s_visits: (r, o) => `出租屋 ${r} · 扫楼 ${o}`,
    s_coverage: (c, u, r) => `${c} / ${u} 户，剩 ${r} 户`,
    s_persons: (n, t) => `新 ${n} · 累计 ${t}`,
    s_dens_new: (n) => `今日状态变更 ${n} 次`,
    s_revisits: (n) => `已逾期 ${n}`,
    c_by_day: '近 7 日走访', c_by_status: '走访结果', c_coverage: '本周期覆盖', c_dens: '窝点状态',
    c_suspects: '涉案人员处置', c_indicators: '常见窝点迹象', c_officers: '各民警走访',
    as_table: '数据表', no_data: '无数据', item: '项目', count: '数量',
    covered: '已覆盖', remaining_l: '未覆盖',
    dens_new: '今日新发现窝点', none: '无',
    coverage_title: '覆盖情况', level: '层级',
    levels: { community: '社区', beat: '责任区', officer: '民警', total: '合计' },
    beat: '责任区', community: '社区', officers: '民警', units: '户数', checked: '已查', progress: '进度',
    remaining: '剩余', revisits_due: '待复访', revisits_overdue: '逾期', dens: '窝点', unaccounted: '未查清',
    coverage_extra: (u, r) => `地址无法识别的走访 ${u} 次，不在登记册的走访 ${r} 次。`,
    buildings_of: (c) => `${c}：楼栋`, building_no: (p, b) => `${p}${b}栋`,
    covered_of: (c, t, p) => `已覆盖 ${c} / ${t} 户（${p}%）`,
    remaining_n: (n) => `剩 ${n} 户`,
    floor: (f) => (f ? `${f} 层` : '楼层不明'),
    state: { checked: '已核查', vacant: '空置', unvisited: '未走访', no_answer: '无人应答',
             refused: '拒绝', revisit_due: '待复访', den_suspected: '疑似窝点' },
    unit_line: (u, s, who, t) => `${u}：${s}${who ? `，${who}` : ''}${t ? `，${t}` : ''}`,
    not_registered: '（不在登记册）',
    dens_title: '窝点', status: '状态', all: '全部', address: '地址', kind: '类型',
    kinds: { rental: '出租屋', office: '扫楼' },
    den_status: { none: '无', suspected: '疑似窝点', investigating: '侦查中', raided: '已捣毁', cleared: '已清除' },
    indicators: '窝点迹象', persons: '相关人员', last_visit: '最近走访', suspected_at: '疑似时间',
    back_dens: '← 窝点', change_status: '改为', reason: '原因', change_go: '更改状态',
    no_change: '当前状态不能再更改。', reason_needed: '请填写原因。',
    changed: (s) => `已改为「${s}」。`,
    den_meta: (k, v, t) => `${k} · 第 ${v} 版 · 最近走访 ${t}`,
    fields: '信息', field: '项目', value: '内容', source: '来源',
    history: '状态记录', from_to: '变更', by: '由', when: '时间', why: '原因', automatic: '（自动）',
    visits: '走访', officer: '民警', device: '设备', den_visit: '窝点迹象',
    name: '姓名', id_number: '身份证号', phone: '手机号', involvement: '涉案情况', dispositions: '处置',
    role_in: '身份', suspect: '涉案',
    prov: (s) => `民警 ${s.officerId || '—'} · ${s.deviceId === 'hub' ? '所里修改' : `设备 ${s.deviceId || '—'}`} · ${s.when} · 记录 ${s.recordId || '—'} 第 ${s.version} 版 · ${s.path || '—'}`,
    fieldnames: { address: '地址', unit_status: '户况', registration: '登记情况', licence: '营业执照', company: '公司',
                  credit_code: '统一社会信用代码', registered_business: '登记经营范围', actual_business: '实际经营',
                  staff_registered: '登记人数', staff_present: '在场人数', actions: '处置', name: '姓名',
                  id_number: '身份证号', phone: '手机号', sex: '性别', birth_date: '出生日期', origin: '户籍地',
                  occupation: '职业', workplace: '工作单位', involvement: '涉案情况' },
    values: { male: '男', female: '女', registered: '已登记', unregistered: '未登记', partial: '部分登记',
              expired: '已过期', registered_on_site: '现场登记', valid: '有效', missing: '无', revoked: '已吊销',
              mismatch: '与实际不符', checked: '已查', no_answer: '无人应答', refused: '拒绝入户', vacant: '空置',
              revisit_due: '待复访' },
    involvements: { den_occupant: '窝点人员', organiser: '组织者', none: '无' },
    link_roles: { resident: '住户', landlord: '房东', staff: '员工', phone: '手机', card: '银行卡', company_at: '所在公司' },
    suspects_title: '涉案人员', search_hint: '姓名、身份证号或手机号', search: '查询',
    back_suspects: '← 涉案人员', person_meta: (e, m) => `${e} · ${m} 条登记`,
    disposition: '处置', detail: '说明', disp_go: '添加处置', disp_added: '已添加处置。',
    mentions: '登记记录', split_go: '拆分所选记录', split_pick: '请先勾选要拆分出去的登记记录。',
    split_confirm: (n) => `确认将所选 ${n} 条登记记录拆分为另一个人？`, split_done: '已拆分。', split_yes: '确认拆分',
    graph: '关系图', links: '关联', depth: '层数', node: { premises: '场所', person: '人员', company: '公司', phone: '手机', card: '银行卡' },
    review_title: '待核对', review_total: (n) => `共 ${n} 对`,
    score: (s) => `得分 ${s}`, same: '同一人', not_same: '不是同一人',
    evidence: { field: '项目', level: '比对', a: '甲', b: '乙', weight: '权重' },
    ev_fields: { id: '身份证号', name: '姓名', phone: '手机号', birth_date: '出生日期', sex: '性别', premises: '住址' },
    ev_levels: { equal: '一致', different: '不同', near: '接近', same_pinyin: '同音', edit1: '差一字', missing: '缺失',
                 different_valid: '不同（均有效）', equal_invalid: '相同（号码无效）', same_unit: '同一户',
                 same_building: '同一栋' },
    decided: (n) => `已记录。剩余 ${n} 对待核对。`, review_empty: '没有待核对的人员。',
    devices_title: '设备', agency: '单位', ttl: '有效（分钟）', enroll_go: '生成登记码',
    enroll_say: '请民警在平板上输入：', expires: (t) => `有效至 ${t}`,
    device_id: '设备号', enrolled: '登记时间', last_seen: '最近联系', revoked: '已注销', active: '在用',
    revoke: '注销', revoke_reason: '注销原因', revoke_confirm: '确认注销', cancel: '取消',
    revoke_done: (d) => `设备 ${d} 已注销，下次联系时将被拒绝并清除数据。`,
    no_rows: '无',
  },
  en: {
    title: 'Sweep station dashboard', switch_lang: '中文', logout: 'Sign out',
    nav_report: 'Report', nav_coverage: 'Coverage', nav_dens: 'Dens', nav_suspects: 'Suspects',
    nav_review: 'Review', nav_devices: 'Devices', nav_inspections: 'Joint inspections',
    inspections_title: 'Joint inspections', export_csv: 'Export CSV', all_agencies: 'All agencies',
    inspections_hint: 'Each agency sees its own findings and the shared company and premises facts only.',
    company: 'Company', credit_code: 'Credit code', licence: 'Licence', business: 'Registered / actual business',
    staff: 'Staff registered / present', finding: 'Finding', participants: 'Agencies', visited: 'Inspected',
    licences: { valid: 'valid', missing: 'missing', expired: 'expired', revoked: 'revoked', mismatch: 'mismatch' },
    login_title: 'Sign in', user_id: 'User', password: 'Password', login_go: 'Sign in',
    wrong_password: 'Wrong user or password.',
    wait: (s) => `Too many attempts: wait ${s} s before the next try.`,
    expired: 'Signed out after a while without use: sign in again.',
    signed_out: 'Signed out.',
    need_login: 'Type your user and password.',
    forbidden: 'Your role may not see or change this.',
    csrf: 'Refused (security check failed): reload the page and try again.',
    not_found: 'Not found.',
    conflict: 'Someone changed this meanwhile: reloaded, check it and try again.',
    bad_request: 'Not accepted: ',
    internal: 'Something went wrong; try again.',
    offline: 'Cannot reach the station\'s server.',
    who: (name, role) => `${name} · ${role}`,
    role: { supervisor: 'supervisor', admin: 'admin', regulator: 'regulator' },
    agencies: { police: 'police', market_regulation: 'market regulation', tax: 'tax', commerce: 'commerce' },
    report_title: 'Report of the day', date: 'Date', cycle: (c) => `cycle ${c}`,
    k_visits: 'Visits', k_coverage: 'Cycle coverage', k_covered_today: 'Units covered today',
    k_persons: 'Persons seen', k_dens_new: 'New dens', k_suspects: 'Suspects', k_revisits: 'Revisits due',
    k_review: 'Review queue', k_conflicts: 'Open conflicts',
    s_visits: (r, o) => `rental ${r} · office ${o}`,
    s_coverage: (c, u, r) => `${c} / ${u} units, ${r} left`,
    s_persons: (n, t) => `new ${n} · total ${t}`,
    s_dens_new: (n) => `${n} status changes today`,
    s_revisits: (n) => `${n} overdue`,
    c_by_day: 'Visits, last 7 days', c_by_status: 'Visits by result', c_coverage: 'Cycle coverage',
    c_dens: 'Dens by status', c_suspects: 'Suspects by disposition', c_indicators: 'Top den indicators',
    c_officers: 'Visits by officer',
    as_table: 'As a table', no_data: 'No data', item: 'Item', count: 'Count',
    covered: 'covered', remaining_l: 'not covered',
    dens_new: 'Dens found today', none: 'None',
    coverage_title: 'Coverage', level: 'Level',
    levels: { community: 'community', beat: 'beat', officer: 'officer', total: 'total' },
    beat: 'Beat', community: 'Community', officers: 'Officers', units: 'Units', checked: 'Checked',
    progress: 'Progress', remaining: 'Left', revisits_due: 'Revisits', revisits_overdue: 'Overdue', dens: 'Dens',
    unaccounted: 'Unaccounted',
    coverage_extra: (u, r) => `${u} visits with an unknown address, ${r} to units not in the register.`,
    buildings_of: (c) => `${c}: buildings`, building_no: (p, b) => `${p}, building ${b}`,
    covered_of: (c, t, p) => `${c} of ${t} units covered (${p}%)`,
    remaining_n: (n) => `${n} left`,
    floor: (f) => (f ? `floor ${f}` : 'floor unknown'),
    state: { checked: 'checked', vacant: 'vacant', unvisited: 'not visited', no_answer: 'no answer',
             refused: 'refused', revisit_due: 'revisit due', den_suspected: 'den suspected' },
    unit_line: (u, s, who, t) => `${u}: ${s}${who ? `, ${who}` : ''}${t ? `, ${t}` : ''}`,
    not_registered: ' (not in the register)',
    dens_title: 'Dens', status: 'Status', all: 'all', address: 'Address', kind: 'Kind',
    kinds: { rental: 'rental', office: 'office' },
    den_status: { none: 'none', suspected: 'suspected', investigating: 'investigating', raided: 'raided',
                  cleared: 'cleared' },
    indicators: 'Den indicators', persons: 'Persons', last_visit: 'Last visit', suspected_at: 'Suspected',
    back_dens: '← Dens', change_status: 'Change to', reason: 'Reason', change_go: 'Change status',
    no_change: 'No further change is allowed from this status.', reason_needed: 'Give a reason.',
    changed: (s) => `Changed to "${s}".`,
    den_meta: (k, v, t) => `${k} · version ${v} · last visit ${t}`,
    fields: 'Details', field: 'Field', value: 'Value', source: 'Source',
    history: 'Status history', from_to: 'Change', by: 'By', when: 'When', why: 'Why', automatic: ' (automatic)',
    visits: 'Visits', officer: 'Officer', device: 'Device', den_visit: 'Den indicators',
    name: 'Name', id_number: 'ID number', phone: 'Mobile', involvement: 'Involvement',
    dispositions: 'Dispositions', role_in: 'Role', suspect: 'Suspect',
    prov: (s) => `officer ${s.officerId || '—'} · ${s.deviceId === 'hub' ? 'edited at the station' : `device ${s.deviceId || '—'}`} · ${s.when} · record ${s.recordId || '—'} v${s.version} · ${s.path || '—'}`,
    fieldnames: { address: 'address', unit_status: 'unit', registration: 'registration', licence: 'licence',
                  company: 'company', credit_code: 'credit code', registered_business: 'registered business',
                  actual_business: 'actual business', staff_registered: 'staff registered',
                  staff_present: 'staff present', actions: 'action', name: 'name', id_number: 'ID number',
                  phone: 'mobile', sex: 'sex', birth_date: 'birth date', origin: 'registered residence',
                  occupation: 'occupation', workplace: 'workplace', involvement: 'involvement' },
    values: { male: 'male', female: 'female', registered: 'registered', unregistered: 'not registered',
              partial: 'partly registered', expired: 'expired', registered_on_site: 'registered on site',
              valid: 'valid', missing: 'missing', revoked: 'revoked', mismatch: 'mismatch', checked: 'checked',
              no_answer: 'no answer', refused: 'refused', vacant: 'vacant', revisit_due: 'revisit due' },
    involvements: { den_occupant: 'den occupant', organiser: 'organiser', none: 'none' },
    link_roles: { resident: 'resident', landlord: 'landlord', staff: 'staff', phone: 'phone', card: 'bank card',
                  company_at: 'company at' },
    suspects_title: 'Suspects', search_hint: 'name, ID number or mobile', search: 'Search',
    back_suspects: '← Suspects', person_meta: (e, m) => `${e} · ${m} mentions`,
    disposition: 'Disposition', detail: 'Detail', disp_go: 'Add disposition', disp_added: 'Disposition added.',
    mentions: 'Mentions', split_go: 'Split off the ticked mentions', split_pick: 'Tick the mentions to split off first.',
    split_confirm: (n) => `Split the ${n} ticked mention(s) off into another person?`, split_done: 'Split.',
    split_yes: 'Split them off',
    graph: 'Group graph', links: 'Links', depth: 'Hops',
    node: { premises: 'premises', person: 'person', company: 'company', phone: 'phone', card: 'bank card' },
    review_title: 'Review queue', review_total: (n) => `${n} pairs`,
    score: (s) => `score ${s}`, same: 'Same person', not_same: 'Not the same',
    evidence: { field: 'Field', level: 'Level', a: 'A', b: 'B', weight: 'Weight' },
    ev_fields: { id: 'ID number', name: 'name', phone: 'mobile', birth_date: 'birth date', sex: 'sex',
                 premises: 'premises' },
    ev_levels: { equal: 'equal', different: 'different', near: 'near', same_pinyin: 'homophone',
                 edit1: 'one character off', missing: 'missing', different_valid: 'different (both valid)',
                 equal_invalid: 'equal (invalid)', same_unit: 'same unit', same_building: 'same building' },
    decided: (n) => `Recorded. ${n} pairs left to review.`, review_empty: 'Nothing to review.',
    devices_title: 'Devices', agency: 'Agency', ttl: 'Valid (minutes)', enroll_go: 'Create enrollment code',
    enroll_say: 'The officer types on the tablet:', expires: (t) => `valid until ${t}`,
    device_id: 'Device', enrolled: 'Enrolled', last_seen: 'Last seen', revoked: 'revoked', active: 'active',
    revoke: 'Revoke', revoke_reason: 'Reason for revoking', revoke_confirm: 'Confirm revoke', cancel: 'Cancel',
    revoke_done: (d) => `Device ${d} revoked: refused and wiped at its next contact.`,
    no_rows: 'None',
  },
};

const VIEWS = ['report', 'coverage', 'dens', 'den', 'suspects', 'person', 'review', 'inspections', 'devices'];
const NAV_OF = { den: 'dens', person: 'suspects' };
// What each role's API answers (the rest gives 403): hidden from the bar.
const ROLE_VIEWS = { regulator: ['report', 'coverage', 'inspections'] };
const STATES = ['checked', 'vacant', 'unvisited', 'no_answer', 'refused', 'revisit_due', 'den_suspected'];
const DEN_STATUSES = ['none', 'suspected', 'investigating', 'raided', 'cleared'];
const NODE_TYPES = ['premises', 'person', 'company', 'phone', 'card'];
const SVGNS = 'http://www.w3.org/2000/svg';

const state = {
  lang: localStorage.getItem('sweep.dash.lang') || 'zh',
  session: null,    // DashSession
  idleMs: 0,
  idleTimer: 0,
  waitTimer: 0,
  denied: new Set(),  // views the hub answered 403
  routeSeq: 0,
  codes: null,      // DashCodes
  den: null,        // DashDen on screen
  person: null,     // DashPerson on screen
  labels: new Map(),  // node id → its label, from the graphs seen
  graphNode: '',    // the graph's centre on screen
  building: null,   // DashBuilding on screen
  keepMsg: {},      // a message to show after the next render of a view
};

const $ = (id) => document.getElementById(id);
const w = (k) => WORDS[state.lang][k];
const num = (v) => Number(v || 0);
const locale = () => (state.lang === 'zh' ? 'zh-CN' : 'en-GB');
const fmtN = (v) => new Intl.NumberFormat(locale()).format(num(v));
const fmtPct = (part, total) => new Intl.NumberFormat(locale(), { style: 'percent', maximumFractionDigits: 1 })
  .format(num(total) ? num(part) / num(total) : 0);
const said = (table, code) => (code ? (w(table) || {})[code] || code : '');

// A time in China (UTC+8), whatever the browser's zone.
function fmtTime(ms) {
  if (!num(ms)) return '—';
  return new Intl.DateTimeFormat(locale(), { timeZone: 'Asia/Shanghai', year: 'numeric', month: '2-digit',
    day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(new Date(num(ms)));
}
const todayInChina = () => new Date(Date.now() + 8 * 3600e3).toISOString().slice(0, 10);

function el(tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') e.className = v;
    else if (k.includes('-')) e.setAttribute(k, v);
    else e[k] = v;
  }
  for (const c of children) if (c !== undefined && c !== null && c !== false) e.append(c);
  return e;
}

function svg(tag, attrs, ...children) {
  const e = document.createElementNS(SVGNS, tag);
  for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, String(v));
  for (const c of children) if (c !== undefined && c !== null) e.append(c);
  return e;
}

// ---- talking to the hub

async function api(method, path, body) {
  let res;
  const headers = {};
  if (method === 'POST') {
    headers['Content-Type'] = 'application/json';
    headers['X-CSRF-Token'] = (state.session && state.session.csrf) || '';
  }
  try {
    res = await fetch(`/dash/api/${path}`, {
      method, headers, body: body === undefined ? undefined : JSON.stringify(body),
      cache: 'no-store', credentials: 'same-origin',
    });
  } catch (e) {
    return { ok: false, status: 0, error: { code: 'offline' } };
  }
  const data = await res.json().catch(() => ({}));
  if (res.ok) { armIdle(); return { ok: true, data }; }
  const error = data && data.code ? data : { code: res.status === 403 ? 'forbidden' : 'internal' };
  if (res.status === 401 && error.code === 'unauthenticated' && state.session) expire();
  return { ok: false, status: res.status, error };
}

const q = (params) => new URLSearchParams(Object.entries(params).filter(([, v]) => v)).toString();

// The words for a refusal; bad_request carries the hub's detail.
function errorText(err) {
  const code = (err && err.code) || 'internal';
  if (code === 'bad_request') return `${w('bad_request')}${err.message || ''}`;
  const t = w(code);
  return typeof t === 'string' ? t : w('internal');
}

function notice(text) {
  $('notice').textContent = text || '';
  $('notice').hidden = !text;
}

// A failed load: 403 hides the view from the bar; the rest is said.
function failed(view, r) {
  if (r.error.code === 'unauthenticated') return;
  if (r.status === 403 || r.error.code === 'forbidden') {
    state.denied.add(view);
    state.denied.add(NAV_OF[view] || view);
    renderNav();
  }
  notice(errorText(r.error));
}

// ---- sign-in, session, idle expiry

function armIdle() {
  clearTimeout(state.idleTimer);
  if (state.session && state.idleMs > 0) state.idleTimer = setTimeout(expire, state.idleMs + 1000);
}

function setSession(s) {
  state.session = s;
  // The hub moves the idle expiry on with every request; the page follows
  // with its own timer so an idle screen returns to sign-in by itself.
  const idle = num(s.expiresMs) - Date.now();
  state.idleMs = Math.min(Math.max(idle, 10000), 12 * 3600e3);
  armIdle();
}

function expire() {
  signedOut(w('expired'));
}

function signedOut(message) {
  clearTimeout(state.idleTimer);
  state.session = null;
  state.denied.clear();
  state.codes = null;
  show('login');
  renderNav();
  $('login-msg').textContent = message || '';
}

async function login(e) {
  e.preventDefault();
  const userId = $('login-user').value.trim();
  const password = $('login-password').value;
  if (!userId || !password) { $('login-msg').textContent = w('need_login'); return; }
  $('login-go').disabled = true;
  const r = await api('POST', 'login', { userId, password });
  $('login-password').value = '';
  $('login-go').disabled = false;
  if (!r.ok) {
    const err = r.error;
    $('login-msg').textContent = errorText(err);
    if (num(err.waitMs) > 0) startWait(num(err.waitMs), err.code === 'wait' ? '' : errorText(err));
    return;
  }
  $('login-msg').textContent = '';
  setSession(r.data);
  start();
}

function startWait(ms, before) {
  clearInterval(state.waitTimer);
  const until = Date.now() + ms;
  const go = $('login-go');
  go.disabled = true;
  const tick = () => {
    const left = Math.ceil((until - Date.now()) / 1000);
    if (left <= 0) { clearInterval(state.waitTimer); go.disabled = false; $('login-msg').textContent = before; return; }
    $('login-msg').textContent = `${before ? `${before} ` : ''}${w('wait')(left)}`;
  };
  tick();
  state.waitTimer = setInterval(tick, 250);
}

async function logout() {
  await api('POST', 'logout', {});
  signedOut(w('signed_out'));
}

function start() {
  renderNav();
  if (!location.hash || location.hash === '#login') location.hash = '#report';
  else route();
}

// ---- navigation: #view?params, so that Back works

function allowed(view) {
  const role = state.session && state.session.role;
  const nav = NAV_OF[view] || view;
  if (state.denied.has(nav)) return false;
  return !ROLE_VIEWS[role] || ROLE_VIEWS[role].includes(nav);
}

function go(view, params) {
  const hash = `#${view}${params && q(params) ? `?${q(params)}` : ''}`;
  if (location.hash === hash) route(); else location.hash = hash;
}

function show(id) {
  for (const s of [...VIEWS, 'login', 'gone']) $(s).hidden = s !== id;
  document.querySelectorAll('#nav a').forEach((a) => {
    a.classList.toggle('on', a.dataset.view === (NAV_OF[id] || id));
  });
}

function renderNav() {
  const s = state.session;
  $('nav').hidden = !s;
  $('who').hidden = !s;
  $('logout').hidden = !s;
  if (!s) return;
  $('who').textContent = w('who')(s.name || s.userId, said('role', s.role));
  document.querySelectorAll('#nav a').forEach((a) => { a.hidden = !allowed(a.dataset.view); });
}

async function route() {
  if (!state.session) return;
  const [name, query] = location.hash.slice(1).split('?');
  const params = new URLSearchParams(query || '');
  let view = VIEWS.includes(name) ? name : 'report';
  if (!allowed(view)) view = 'report';
  const seq = ++state.routeSeq;
  delete document.querySelector('main').dataset.ready;
  notice('');
  show(view);
  await LOADERS[view](params, () => seq === state.routeSeq);
  if (seq === state.routeSeq) document.querySelector('main').dataset.ready = view;
}

// ---- charts: SVG from DOM calls, coloured by classes

function chartTable(rows) {
  const t = el('table', { class: 'table small' });
  fillTable(t, [w('item'), w('count')], rows.map((r) => [r.label, fmtN(r.value)]));
  return t;
}

function figure(key, title, graphic, rows) {
  return el('figure', { class: 'chart', 'data-chart': key }, el('figcaption', {}, title), graphic,
            el('details', { class: 'alt' }, el('summary', {}, w('as_table')), chartTable(rows)));
}

function noData(width, height) {
  return svg('svg', { viewBox: `0 0 ${width} ${height}`, class: 'svg', role: 'img', 'aria-label': w('no_data') },
             svg('text', { x: width / 2, y: height / 2, class: 'empty', 'text-anchor': 'middle' }, w('no_data')));
}

// Vertical bars, one per item (the days of the week).
function columnChart(items, cls) {
  const W = 480, H = 220, top = 22, bottom = 26;
  if (!items.length) return noData(W, H);
  const max = Math.max(1, ...items.map((i) => i.value));
  const slot = W / items.length;
  const bw = Math.min(48, slot * 0.6);
  const g = svg('svg', { viewBox: `0 0 ${W} ${H}`, class: 'svg', role: 'img', 'aria-label':
    items.map((i) => `${i.label} ${i.value}`).join(', ') });
  g.append(svg('line', { x1: 0, x2: W, y1: H - bottom, y2: H - bottom, class: 'axis' }));
  items.forEach((it, i) => {
    const h = ((H - top - bottom) * it.value) / max;
    const x = slot * i + (slot - bw) / 2;
    g.append(svg('rect', { x, y: H - bottom - h, width: bw, height: Math.max(h, 0), rx: 3, class: it.cls || cls },
                 svg('title', {}, `${it.label}: ${fmtN(it.value)}`)),
             svg('text', { x: x + bw / 2, y: H - bottom - h - 6, class: 'v', 'text-anchor': 'middle' }, fmtN(it.value)),
             svg('text', { x: x + bw / 2, y: H - 8, class: 'l', 'text-anchor': 'middle' }, it.label));
  });
  return g;
}

// Horizontal bars: a label, a bar, the value.
function barChart(items) {
  const W = 440, row = 30, labelW = 170;
  if (!items.length) return noData(W, 120);
  const H = items.length * row + 8;
  const max = Math.max(1, ...items.map((i) => i.value));
  const g = svg('svg', { viewBox: `0 0 ${W} ${H}`, class: 'svg', role: 'img', 'aria-label':
    items.map((i) => `${i.label} ${i.value}`).join(', ') });
  items.forEach((it, i) => {
    const y = i * row + 6;
    const bw = ((W - labelW - 50) * it.value) / max;
    g.append(svg('text', { x: labelW - 8, y: y + 15, class: 'l', 'text-anchor': 'end' }, short(it.label, 20)),
             svg('rect', { x: labelW, y, width: Math.max(bw, it.value ? 2 : 0), height: 20, rx: 3, class: it.cls },
                 svg('title', {}, `${it.label}: ${fmtN(it.value)}`)),
             svg('text', { x: labelW + bw + 6, y: y + 15, class: 'v' }, fmtN(it.value)));
  });
  return g;
}

// A donut: the covered share of the cycle's units.
function donut(part, total) {
  const W = 480, H = 220, cx = 120, cy = 110, r = 80;
  const c = 2 * Math.PI * r;
  const frac = total ? Math.min(1, part / total) : 0;
  const g = svg('svg', { viewBox: `0 0 ${W} ${H}`, class: 'svg', role: 'img',
                         'aria-label': `${fmtPct(part, total)} (${part} / ${total})` });
  g.append(svg('circle', { cx, cy, r, class: 'ring' }),
           svg('circle', { cx, cy, r, class: 'ring-fill', 'stroke-dasharray': `${c * frac} ${c}`,
                           transform: `rotate(-90 ${cx} ${cy})` }),
           svg('text', { x: cx, y: cy + 10, class: 'big', 'text-anchor': 'middle' }, fmtPct(part, total)));
  [[w('covered'), part, 'key-fill'], [w('remaining_l'), total - part, 'key-ring']].forEach(([label, v, cls], i) => {
    const y = 80 + i * 40;
    g.append(svg('rect', { x: 250, y, width: 18, height: 18, rx: 3, class: cls }),
             svg('text', { x: 278, y: y + 15, class: 'l' }, `${label} ${fmtN(v)}`));
  });
  return g;
}

function countItems(counts, table, clsOf) {
  return (counts || []).map((c) => ({
    label: (state.lang === 'zh' ? c.zh : c.en) || (table ? said(table, c.key) : c.key) || '—',
    value: num(c.value),
    cls: clsOf ? clsOf(c.key) : 'bar',
  }));
}

// ---- the day's report

function card(key, label, value, sub, onClick) {
  const c = el(onClick ? 'button' : 'div', { class: 'card', 'data-k': key, type: onClick ? 'button' : undefined },
               el('span', { class: 'k' }, label), el('span', { class: 'v' }, value),
               sub ? el('span', { class: 's' }, sub) : null);
  if (onClick) c.addEventListener('click', onClick);
  return c;
}

async function loadReport(params, current) {
  const input = $('report-date');
  const date = params.get('date') || input.value || todayInChina();
  input.value = date;
  const r = await api('GET', `report?${q({ date })}`);
  if (!current()) return;
  if (!r.ok) { failed('report', r); return; }
  renderReport(r.data);
}

function renderReport(d) {
  $('report-cycle').textContent = d.cycle ? w('cycle')(d.cycle) : '';
  const newDens = d.densNew || [];
  $('report-cards').replaceChildren(
    card('visits', w('k_visits'), fmtN(d.visits), w('s_visits')(fmtN(d.rental), fmtN(d.office))),
    card('coverage', w('k_coverage'), fmtPct(d.cycleChecked, d.cycleUnits),
         w('s_coverage')(fmtN(d.cycleChecked), fmtN(d.cycleUnits), fmtN(d.cycleRemaining))),
    card('covered_today', w('k_covered_today'), fmtN(d.unitsCoveredToday)),
    card('persons', w('k_persons'), fmtN(d.personsSeen), w('s_persons')(fmtN(d.personsNew), fmtN(d.personsTotal))),
    card('dens_new', w('k_dens_new'), fmtN(newDens.length), w('s_dens_new')(fmtN(d.statusChanges)),
         allowed('dens') ? () => go('dens') : null),
    card('suspects', w('k_suspects'), fmtN(d.suspects), null, allowed('suspects') ? () => go('suspects') : null),
    card('revisits', w('k_revisits'), fmtN(d.revisitsDue), w('s_revisits')(fmtN(d.revisitsOverdue))),
    card('review_queue', w('k_review'), fmtN(d.reviewQueue), null, allowed('review') ? () => go('review') : null),
    card('conflicts', w('k_conflicts'), fmtN(d.openConflicts)));
  const days = (d.visitsByDay || []).map((c) => ({ label: String(c.key || '').slice(5), value: num(c.value) }));
  const byStatus = countItems(d.visitsByStatus, 'values', (k) => `s-${k}`);
  const order = (k) => (DEN_STATUSES.includes(k) ? DEN_STATUSES.indexOf(k) : DEN_STATUSES.length);
  const dens = countItems([...(d.densByStatus || [])].sort((x, y) => order(x.key) - order(y.key)), 'den_status',
                          (k) => `d-${k}`);
  const susp = countItems(d.suspectsByDisposition, null, () => 'c-disp');
  const inds = countItems(d.topIndicators, null, () => 'c-ind');
  const offs = countItems(d.visitsByOfficer, null, () => 'bar');
  const covered = num(d.cycleChecked);
  const units = num(d.cycleUnits);
  $('report-charts').replaceChildren(
    figure('by_day', w('c_by_day'), columnChart(days, 'bar'), days),
    figure('by_status', w('c_by_status'), barChart(byStatus), byStatus),
    figure('coverage', w('c_coverage'), donut(covered, units),
           [{ label: w('covered'), value: covered }, { label: w('remaining_l'), value: units - covered }]),
    figure('dens', w('c_dens'), barChart(dens), dens),
    figure('suspects', w('c_suspects'), barChart(susp), susp),
    figure('indicators', w('c_indicators'), barChart(inds), inds),
    figure('officers', w('c_officers'), barChart(offs), offs));
  const list = $('report-dens-new');
  list.replaceChildren();
  newDens.forEach((key, i) => {
    const text = (d.densNewAddresses || [])[i] || key;
    list.append(el('li', {}, allowed('dens') ? denLink(key, text) : text));
  });
  if (!newDens.length) list.append(el('li', { class: 'hint' }, w('none')));
}

function denLink(key, text) {
  return el('a', { href: `#den?${q({ key })}`, 'data-key': key }, text);
}

// ---- tables

// rows: arrays of cells (text or nodes), or { cells, click, data } objects.
function fillTable(t, heads, rows) {
  t.replaceChildren(el('thead', {}, el('tr', {}, ...heads.map((h) => el('th', { scope: 'col' }, h)))));
  const body = el('tbody');
  for (const row of rows) {
    const r = Array.isArray(row) ? { cells: row } : row;
    const tr = el('tr', {}, ...r.cells.map((c) => el('td', {}, c === undefined || c === null ? '' : c)));
    for (const [k, v] of Object.entries(r.data || {})) tr.dataset[k] = v;
    if (r.click) {
      tr.tabIndex = 0;
      tr.addEventListener('click', (e) => { if (!e.target.closest('a, button, details')) r.click(); });
      tr.addEventListener('keydown', (e) => { if (e.key === 'Enter') r.click(); });
    }
    body.append(tr);
  }
  if (!rows.length) body.append(el('tr', {}, el('td', { colSpan: heads.length, class: 'hint' }, w('no_rows'))));
  t.append(body);
}

// Where a value came from: who, which tablet, when, which record and where
// in it. Short on the line, whole on hover and when opened.
function prov(src) {
  if (!src) return '';
  const full = w('prov')({ ...src, when: fmtTime(src.atMs), version: num(src.version) });
  return el('details', { class: 'prov', title: full },
            el('summary', {}, `${src.officerId || '—'} · ${fmtTime(src.atMs)}`), el('span', {}, full));
}

function statusChip(status) {
  return el('span', { class: `status d-${status || 'none'}`, 'data-status': status || 'none' },
            said('den_status', status || 'none'));
}

function fieldRows(fields, names) {
  return (fields || []).map((f) => ({
    cells: [said(names, f.name) || f.name, said('values', f.value) || f.value, prov(f.source)],
    data: { field: f.name },
  }));
}

function progressBar(part, total) {
  const pct = total ? Math.min(100, (100 * part) / total) : 0;
  return svg('svg', { viewBox: '0 0 100 10', class: 'progress', preserveAspectRatio: 'none', role: 'img',
                      'aria-label': fmtPct(part, total) },
             svg('rect', { x: 0, y: 0, width: 100, height: 10, class: 'track' }),
             svg('rect', { x: 0, y: 0, width: pct, height: 10, class: 'fill' }));
}

// ---- coverage: rows, a community's buildings, a building's grid

async function loadCoverage(params, current) {
  const r = await api('GET', `coverage?${q({ beat: params.get('beat'), date: params.get('date') })}`);
  if (!current()) return;
  if (!r.ok) { failed('coverage', r); return; }
  const d = r.data;
  $('coverage-cycle').textContent = d.cycle ? w('cycle')(d.cycle) : '';
  $('coverage-extra').textContent = w('coverage_extra')(fmtN(d.unresolvedVisits), fmtN(d.unregisteredVisits));
  const rows = (d.rows || []).map((row) => ({
    cells: [said('levels', row.level), row.beat, row.community, row.officers, fmtN(row.units), fmtN(row.checked),
            el('span', { class: 'pbar' }, progressBar(num(row.checked), num(row.units)),
               el('span', {}, fmtPct(row.checked, row.units))),
            fmtN(row.remaining), fmtN(row.revisitsDue), fmtN(row.revisitsOverdue), fmtN(row.dens), fmtN(row.unaccounted)],
    data: { level: row.level || '', community: row.community || '', beat: row.beat || '' },
    click: (row.buildings || []).length ? () => showBuildings(row) : null,
  }));
  fillTable($('coverage-table'), [w('level'), w('beat'), w('community'), w('officers'), w('units'), w('checked'),
    w('progress'), w('remaining'), w('revisits_due'), w('revisits_overdue'), w('dens'), w('unaccounted')], rows);
  $('coverage-table').querySelectorAll('tbody tr').forEach((tr) => tr.classList.add(`lv-${tr.dataset.level}`));
  const building = params.get('building');
  if (building) await openBuilding(building);
  else { $('building').hidden = true; state.building = null; }
  if (!building) $('coverage-buildings').hidden = true;
}

function showBuildings(row) {
  $('coverage-buildings').hidden = false;
  $('coverage-community').textContent = w('buildings_of')(row.community || row.beat);
  $('building-list').replaceChildren(...(row.buildings || []).map((key) => {
    const b = el('button', { type: 'button', class: 'link', 'data-key': key }, buildingName(key));
    b.addEventListener('click', () => openBuilding(key));
    return el('li', {}, b);
  }));
  $('coverage-buildings').scrollIntoView({ block: 'nearest' });
}

// A building key (docs/addresses.md: district|place|building) as words.
function buildingName(key) {
  const [, place, building] = key.split('|');
  if (!place) return key;
  return /^\d+$/.test(building || '') ? w('building_no')(place, building) : `${place}${building || ''}`;
}

async function openBuilding(key) {
  const r = await api('GET', `building?${q({ key })}`);
  if (!r.ok) { failed('coverage', r); return; }
  state.building = r.data;
  renderBuilding();
  $('building').hidden = false;
  $('building').scrollIntoView({ block: 'nearest' });
}

function renderBuilding() {
  const b = state.building;
  if (!b) return;
  $('building-title').textContent = b.address || b.buildingKey;
  $('building-summary').textContent = `${w('covered_of')(fmtN(b.covered), fmtN(b.total),
    Math.round(b.coveragePct || 0))} · ${w('remaining_n')(fmtN(b.remaining))}`;
  $('legend').replaceChildren(...STATES.map((s) => el('span', { class: `chip s-${s}` }, said('state', s))));
  const grid = $('grid');
  grid.replaceChildren();
  const head = el('tr', {}, el('th', {}, ''));
  for (const c of b.columns || []) head.append(el('th', { scope: 'col' }, c));
  grid.append(el('thead', {}, head));
  const body = el('tbody');
  for (const row of b.rows || []) {
    const tr = el('tr', {}, el('th', { scope: 'row' }, w('floor')(row.floor)));
    for (const i of row.cells || []) {
      if (i < 0) { tr.append(el('td', { class: 'empty' }, '')); continue; }
      const u = b.units[i];
      const st = u.state || 'unvisited';
      const cell = el('button', { type: 'button', class: `unit s-${st}`, 'data-unit': u.unitKey,
                                  title: said('state', st) }, u.room || u.unitKey);
      cell.addEventListener('click', () => {
        if (u.premisesKey && allowed('dens')) { go('den', { key: u.premisesKey }); return; }
        $('unit-detail').textContent = w('unit_line')(u.unitKey, said('state', st), u.lastOfficerId,
          num(u.lastVisitMs) ? fmtTime(u.lastVisitMs) : '') + (u.registered ? '' : w('not_registered'));
      });
      tr.append(el('td', {}, cell));
    }
    body.append(tr);
  }
  grid.append(body);
  $('unit-detail').textContent = '';
}

// ---- dens

function renderStatusSelect() {
  const s = $('dens-status');
  const chosen = s.value;
  s.replaceChildren(el('option', { value: '' }, w('all')),
                    ...DEN_STATUSES.map((st) => el('option', { value: st }, said('den_status', st))));
  s.value = chosen;
}

async function loadDens(params, current) {
  renderStatusSelect();
  const status = params.get('status') || '';
  $('dens-status').value = status;
  const r = await api('GET', `dens?${q({ status })}`);
  if (!current()) return;
  if (!r.ok) { failed('dens', r); return; }
  fillTable($('dens-table'), [w('address'), w('kind'), w('status'), w('indicators'), w('persons'), w('last_visit'),
    w('suspected_at')], (r.data.dens || []).map((d) => ({
    cells: [denLink(d.key, d.address || d.key), said('kinds', d.kind), statusChip(d.status), fmtN(d.indicators),
            fmtN(d.persons), fmtTime(d.lastVisitMs), fmtTime(d.suspectedMs)],
    data: { key: d.key, status: d.status || 'none' },
    click: () => go('den', { key: d.key }),
  })));
}

async function loadDen(params, current) {
  const key = params.get('key') || '';
  const r = await api('GET', `den?${q({ key })}`);
  if (!current()) return;
  if (!r.ok) { failed('den', r); return; }
  state.den = r.data;
  renderDen();
}

function photoThumb(sha) {
  const src = `/dash/api/photo?${q({ sha256: sha })}`;
  return el('a', { href: src, target: '_blank', rel: 'noopener', class: 'thumb' },
            el('img', { src, alt: sha.slice(0, 12), loading: 'lazy' }));
}

function renderDen() {
  const d = state.den;
  const s = d.summary || {};
  $('den-title').textContent = s.address || s.key;
  $('den-status').replaceChildren(statusChip(s.status));
  $('den-meta').textContent = w('den_meta')(said('kinds', s.kind), fmtN(s.version), fmtTime(s.lastVisitMs));
  const next = d.allowedNext || [];
  const sel = $('den-next');
  const chosen = sel.value;
  sel.replaceChildren(...next.map((st) => el('option', { value: st }, said('den_status', st))));
  if (next.includes(chosen)) sel.value = chosen;
  $('den-change').hidden = state.session.role === 'regulator';
  for (const id of ['den-next', 'den-reason', 'den-go']) $(id).disabled = !next.length;
  $('den-msg').textContent = state.keepMsg.den || (next.length ? '' : w('no_change'));
  $('den-msg').className = state.keepMsg.denOk ? 'ok' : 'msg';
  state.keepMsg.den = '';
  state.keepMsg.denOk = false;
  fillTable($('den-fields'), [w('field'), w('value'), w('source')], fieldRows(d.fields, 'fieldnames'));
  const inds = $('den-indicators');
  inds.replaceChildren(...(d.indicators || []).map((i) => el('li', { 'data-code': i.code },
    el('span', { class: 'ind' }, (state.lang === 'zh' ? i.zh : i.en) || i.code),
    num(i.count) > 1 ? el('span', { class: 'hint' }, ` ×${fmtN(i.count)}`) : null,
    i.detail ? el('span', { class: 'hint' }, ` ${i.detail}`) : null,
    prov(i.source),
    (i.photos || []).length ? el('div', { class: 'photos' }, ...i.photos.map(photoThumb)) : null)));
  if (!inds.children.length) inds.append(el('li', { class: 'hint' }, w('none')));
  const inIndicators = new Set((d.indicators || []).flatMap((i) => i.photos || []));
  $('den-photos').replaceChildren(...(d.photos || []).filter((p) => !inIndicators.has(p)).map(photoThumb));
  const withSource = (d.persons || []).some((p) => p.source);
  fillTable($('den-persons'), [w('name'), w('role_in'), w('id_number'), w('phone'), w('involvement'),
    w('dispositions'), ...(withSource ? [w('source')] : [])], (d.persons || []).map((p) => personRow(p, true, withSource)));
  const indicatorName = new Map((d.indicators || []).map((i) => [i.code, (state.lang === 'zh' ? i.zh : i.en) || i.code]));
  // An automatic change's reason is the indicator codes, joined by commas.
  const why = (h) => (h.automatic ? String(h.why || '').split(',').map((c) => indicatorName.get(c) || c).join('、')
                                  : h.why || '');
  fillTable($('den-history'), [w('from_to'), w('by'), w('when'), w('why'), w('source')],
    (d.history || []).map((h) => [
      el('span', {}, statusChip(h.from), ' → ', statusChip(h.to)),
      `${h.by || ''}${h.automatic ? w('automatic') : ''}`, fmtTime(h.atMs), why(h), prov(h.source)]));
  fillTable($('den-visits'), [w('when'), w('officer'), w('device'), w('kind'), w('status'), w('indicators'), w('source')],
    (d.visits || []).map((v) => [fmtTime(v.atMs), v.officerId, ident(v.deviceId), said('kinds', v.kind),
      said('values', v.status), (v.indicators || []).map((c) => indicatorName.get(c) || c).join('、'),
      el('span', {}, ident(v.recordId), ` v${num(v.version)}`)]));
}

// A long id (device, record) cut short on the line, whole on hover.
function ident(id) {
  const text = String(id || '');
  return el('span', { class: 'mono', title: text }, text.length > 12 ? `${text.slice(0, 10)}…` : text);
}

function personRow(p, withRole, withSource) {
  const cells = [el('a', { href: `#person?${q({ entity: p.entity })}` }, p.name || p.entity)];
  if (withRole) cells.push(said('link_roles', p.role));
  cells.push(p.idNumber || '', p.phone || '', said('involvements', p.involvement),
             (p.dispositions || []).map((c) => codeLabel(c)).join('、'));
  if (withSource) cells.push(prov(p.source));
  return { cells, data: { entity: p.entity, suspect: p.suspect ? '1' : '0' },
           click: () => go('person', { entity: p.entity }) };
}

async function changeDenStatus(e) {
  e.preventDefault();
  const d = state.den;
  const reason = $('den-reason').value.trim();
  if (!reason) { $('den-msg').textContent = w('reason_needed'); $('den-msg').className = 'msg'; return; }
  const to = $('den-next').value;
  $('den-go').disabled = true;
  const r = await api('POST', 'den/status', { key: d.summary.key, to, reason, baseVersion: d.summary.version || '0' });
  $('den-go').disabled = false;
  if (!r.ok && r.error.code !== 'conflict') { $('den-msg').textContent = errorText(r.error); return; }
  if (r.ok) $('den-reason').value = '';
  state.keepMsg.den = r.ok ? w('changed')(said('den_status', to)) : errorText(r.error);
  state.keepMsg.denOk = r.ok;
  go('den', { key: d.summary.key });
}

// ---- suspects and persons

async function loadCodes() {
  if (state.codes) return state.codes;
  const r = await api('GET', 'codes');
  state.codes = r.ok ? r.data : { dispositions: [], denStatuses: [], indicators: [] };
  return state.codes;
}

function codeLabel(code) {
  const c = ((state.codes && state.codes.dispositions) || []).find((x) => x.code === code);
  return c ? (state.lang === 'zh' ? c.zh : c.en) || code : code;
}

async function loadSuspects(params, current) {
  await loadCodes();
  const text = params.get('q') || '';
  $('suspects-q').value = text;
  const r = await api('GET', `suspects?${q({ q: text })}`);
  if (!current()) return;
  if (!r.ok) { failed('suspects', r); return; }
  fillTable($('suspects-table'), [w('name'), w('id_number'), w('phone'), w('involvement'), w('dispositions')],
    (r.data.persons || []).map((p) => personRow(p, false)));
}

async function loadPerson(params, current) {
  await loadCodes();
  const entity = params.get('entity') || '';
  const r = await api('GET', `person?${q({ entity })}`);
  if (!current()) return;
  if (!r.ok) { failed('person', r); return; }
  state.person = r.data;
  await loadGraph(`person:${entity}`, current);
  if (current()) renderPerson();
}

function renderPerson() {
  const p = state.person;
  const s = p.summary || {};
  $('person-title').textContent = s.name || s.entity;
  $('person-meta').textContent = w('person_meta')(s.entity, fmtN((p.mentions || []).length)) +
    (s.involvement ? ` · ${said('involvements', s.involvement)}` : '');
  const fields = fieldRows(p.fields, 'fieldnames');
  if (s.involvement) fields.push({ cells: [w('involvement'), said('involvements', s.involvement), prov(p.involvementSource)],
                                   data: { field: 'involvement' } });
  fillTable($('person-fields'), [w('field'), w('value'), w('source')], fields);
  fillTable($('person-dispositions'), [w('disposition'), w('detail'), w('source')],
    (p.dispositions || []).map((x) => ({ cells: [(state.lang === 'zh' ? x.zh : x.en) || codeLabel(x.code), x.detail || '',
                                                  prov(x.source)], data: { code: x.code } })));
  const codes = ((state.codes && state.codes.dispositions) || []).filter((c) => !c.scope || c.scope === 'person');
  const sel = $('disp-code');
  const chosen = sel.value;
  sel.replaceChildren(...codes.map((c) => el('option', { value: c.code }, (state.lang === 'zh' ? c.zh : c.en) || c.code)));
  if (chosen) sel.value = chosen;
  $('disp-msg').textContent = state.keepMsg.person || '';
  $('disp-msg').className = state.keepMsg.personOk ? 'ok' : 'msg';
  state.keepMsg.person = '';
  state.keepMsg.personOk = false;
  $('person-mentions').replaceChildren(...(p.mentions || []).map((m) => el('li', {},
    el('label', {}, el('input', { type: 'checkbox', value: m }), ` ${m}`))));
  const canSplit = (p.mentions || []).length > 1 && state.session.role !== 'regulator';
  $('split-go').hidden = !canSplit;
  $('split-confirm').hidden = true;
  $('split-msg').textContent = state.keepMsg.split || '';
  state.keepMsg.split = '';
  fillTable($('person-links'), [w('links'), '', w('role_in'), w('source')], (p.links || []).map((l) => [
    nodeLink(l.a), nodeLink(l.b), said('link_roles', l.role), prov(l.source)]));
}

function nodeLink(id) {
  const [type, ...rest] = String(id || '').split(':');
  const value = rest.join(':');
  const text = `${said('node', type) || type} ${state.labels.get(id) || value}`;
  if (type === 'person') return el('a', { href: `#person?${q({ entity: value })}` }, text);
  if (type === 'premises' && allowed('dens')) return denLink(value, text);
  return text;
}

async function addDisposition(e) {
  e.preventDefault();
  const s = state.person.summary;
  const reason = $('disp-reason').value.trim();
  if (!reason) { $('disp-msg').textContent = w('reason_needed'); return; }
  const r = await api('POST', 'person/disposition', { entity: s.entity, code: $('disp-code').value,
    detail: $('disp-detail').value.trim(), involvement: '', reason, baseVersion: s.version || '0' });
  if (!r.ok && r.error.code !== 'conflict') { $('disp-msg').textContent = errorText(r.error); return; }
  if (r.ok) { $('disp-detail').value = ''; $('disp-reason').value = ''; }
  state.keepMsg.person = r.ok ? w('disp_added') : errorText(r.error);
  state.keepMsg.personOk = r.ok;
  go('person', { entity: s.entity });
}

const ticked = () => [...document.querySelectorAll('#person-mentions input:checked')].map((c) => c.value);

// Splitting asks first, on the page.
function askSplit() {
  const mentions = ticked();
  $('split-msg').textContent = mentions.length ? '' : w('split_pick');
  $('split-confirm').hidden = !mentions.length;
  $('split-question').textContent = mentions.length ? w('split_confirm')(mentions.length) : '';
}

async function splitPerson() {
  const mentions = ticked();
  $('split-confirm').hidden = true;
  if (!mentions.length) return;
  const entity = state.person.summary.entity;
  const r = await api('POST', 'review/decide', { verdict: 'split', entity, mentions });
  if (!r.ok) { $('split-msg').textContent = errorText(r.error); return; }
  state.keepMsg.split = w('split_done');
  go('person', { entity });
}

// ---- the group graph: rings by distance from the centre, ids sorted, so
// the same graph always looks the same.

async function loadGraph(node, current) {
  state.graphNode = node;
  const r = await api('GET', `graph?${q({ node, depth: $('graph-depth').value || 2 })}`);
  if (current && !current()) return;
  if (!r.ok) { $('graph').replaceChildren(el('p', { class: 'hint' }, errorText(r.error))); return; }
  (r.data.nodes || []).forEach((n, i) => { if ((r.data.labels || [])[i]) state.labels.set(n, r.data.labels[i]); });
  $('graph').replaceChildren(drawGraph(r.data, node));
  $('graph-legend').replaceChildren(...NODE_TYPES.map((t) => el('span', { class: `chip n-${t}` }, said('node', t))));
}

function drawGraph(g, centre) {
  const nodes = g.nodes || [];
  const labels = g.labels || [];
  const links = g.links || [];
  const W = 720, H = 520;
  if (!nodes.length) return noData(W, 120);
  const adj = new Map(nodes.map((n) => [n, []]));
  for (const l of links) {
    if (adj.has(l.a) && adj.has(l.b)) { adj.get(l.a).push(l.b); adj.get(l.b).push(l.a); }
  }
  const root = adj.has(centre) ? centre : [...nodes].sort()[0];
  // A radial tree: breadth first from the centre (neighbours in id order),
  // each node on the ring of its distance, inside its parent's sector, the
  // sector as wide as the node's leaves. Nodes not reached hang off the
  // centre. The same graph is always drawn the same way.
  const depth = new Map([[root, 0]]);
  const kids = new Map(nodes.map((n) => [n, []]));
  const queue = [root];
  while (queue.length) {
    const n = queue.shift();
    for (const m of [...adj.get(n)].sort()) {
      if (depth.has(m)) continue;
      depth.set(m, depth.get(n) + 1);
      kids.get(n).push(m);
      queue.push(m);
    }
  }
  for (const n of [...nodes].sort()) if (!depth.has(n)) { depth.set(n, 1); kids.get(root).push(n); }
  const leaves = new Map();
  const count = (n) => {
    const c = kids.get(n).reduce((sum, m) => sum + count(m), 0);
    leaves.set(n, Math.max(1, c));
    return leaves.get(n);
  };
  count(root);
  const maxD = Math.max(1, ...depth.values());
  const rx = (W / 2 - 100) / maxD;
  const ry = (H / 2 - 50) / maxD;
  const pos = new Map([[root, [W / 2, H / 2]]]);
  const place = (n, from, to) => {
    let a = from;
    for (const m of kids.get(n)) {
      const span = ((to - from) * leaves.get(m)) / leaves.get(n);
      const mid = a + span / 2;
      const d = depth.get(m);
      pos.set(m, [W / 2 + d * rx * Math.cos(mid), H / 2 + d * ry * Math.sin(mid)]);
      place(m, a, a + span);
      a += span;
    }
  };
  place(root, -Math.PI / 2, (3 * Math.PI) / 2);
  const out = svg('svg', { viewBox: `0 0 ${W} ${H}`, class: 'svg graph-svg', role: 'img',
                           'aria-label': `${w('graph')}: ${nodes.length} / ${links.length}` });
  for (const l of links) {
    if (!pos.has(l.a) || !pos.has(l.b)) continue;
    const [x1, y1] = pos.get(l.a);
    const [x2, y2] = pos.get(l.b);
    out.append(svg('line', { x1, y1, x2, y2, class: `edge e-${l.role}` },
                   svg('title', {}, said('link_roles', l.role) || l.role)));
  }
  nodes.forEach((n, i) => {
    const [x, y] = pos.get(n);
    const type = n.split(':')[0];
    const text = labels[i] || n.slice(type.length + 1);
    const big = n === root;
    const node = svg('g', { class: `node n-${type}${big ? ' centre' : ''}`, 'data-node': n, tabindex: 0, role: 'button' },
                     svg('title', {}, `${said('node', type)}: ${text} (${n})`),
                     svg('circle', { cx: x, cy: y, r: big ? 16 : 11 }),
                     svg('text', { x, y: y + (big ? 34 : 27), 'text-anchor': 'middle' },
                         type === 'premises' && text.length > 16 ? `…${text.slice(-15)}` : short(text, 16)));
    const open = () => openNode(n);
    node.addEventListener('click', open);
    node.addEventListener('keydown', (e) => { if (e.key === 'Enter') open(); });
    out.append(node);
  });
  return out;
}

const short = (text, n) => (text.length > n ? `${text.slice(0, n - 1)}…` : text);

function openNode(n) {
  const [type, ...rest] = n.split(':');
  const value = rest.join(':');
  if (type === 'person') go('person', { entity: value });
  else if (type === 'premises' && allowed('dens')) go('den', { key: value });
  else loadGraph(n);  // phones, cards, companies: the graph around them
}

// ---- the review queue

async function loadReview(params, current) {
  const r = await api('GET', 'review');
  if (!current()) return;
  if (!r.ok) { failed('review', r); return; }
  const items = r.data.items || [];
  $('review-total').textContent = w('review_total')(fmtN(r.data.total || items.length));
  $('review-msg').textContent = state.keepMsg.review || '';
  state.keepMsg.review = '';
  const box = $('review-items');
  box.replaceChildren(...items.map(reviewItem));
  if (!items.length) box.append(el('p', { class: 'hint' }, w('review_empty')));
}

function personCard(p, mention, side) {
  p = p || {};
  return el('div', { class: 'pcard' },
    el('h4', {}, `${w('evidence')[side]} · `, p.entity ? el('a', { href: `#person?${q({ entity: p.entity })}` },
      p.name || p.entity) : (p.name || '')),
    el('dl', {}, el('dt', {}, w('id_number')), el('dd', {}, p.idNumber || '—'),
       el('dt', {}, w('phone')), el('dd', {}, p.phone || '—'),
       el('dt', {}, w('involvement')), el('dd', {}, said('involvements', p.involvement) || '—'),
       el('dt', {}, w('mentions')), el('dd', { class: 'mono' }, mention)));
}

function reviewItem(it) {
  const ev = el('table', { class: 'table evidence' });
  const e = w('evidence');
  fillTable(ev, [e.field, e.level, e.a, e.b, e.weight], (it.evidence || []).map((x) => {
    const wt = Number(x.weight || 0);
    return [said('ev_fields', x.field) || x.field, said('ev_levels', x.level) || x.level, x.valueA || '', x.valueB || '',
            el('span', { class: wt > 0 ? 'pos' : wt < 0 ? 'neg' : '' },
               `${wt > 0 ? '+' : ''}${new Intl.NumberFormat(locale(), { minimumFractionDigits: 2,
                 maximumFractionDigits: 2 }).format(wt)}`)];
  }));
  const same = el('button', { type: 'button', class: 'primary same' }, w('same'));
  const notSame = el('button', { type: 'button', class: 'danger not-same' }, w('not_same'));
  const decide = async (verdict) => {
    same.disabled = true;
    notSame.disabled = true;
    const r = await api('POST', 'review/decide', { verdict, a: it.a, b: it.b });
    if (!r.ok) { $('review-msg').textContent = errorText(r.error); same.disabled = false; notSame.disabled = false; return; }
    state.keepMsg.review = w('decided')(fmtN(r.data.reviewQueue));
    go('review');
  };
  same.addEventListener('click', () => decide('same'));
  notSame.addEventListener('click', () => decide('not_same'));
  const score = new Intl.NumberFormat(locale(), { maximumFractionDigits: 1 }).format(Number(it.score || 0));
  return el('article', { class: 'review-item', 'data-a': it.a, 'data-b': it.b },
    el('div', { class: 'review-head' }, el('span', { class: 'score' }, w('score')(score)),
       el('span', { class: 'actions' }, same, notSame)),
    el('div', { class: 'pair' }, personCard(it.personA, it.a, 'a'), personCard(it.personB, it.b, 'b')), ev);
}

// ---- devices

async function loadDevices(params, current) {
  const ag = $('enroll-agency');
  const chosen = ag.value || 'police';
  ag.replaceChildren(...Object.entries(w('agencies')).map(([k, v]) => el('option', { value: k }, v)));
  ag.value = chosen;
  const r = await api('GET', 'devices');
  if (!current()) return;
  if (!r.ok) { failed('devices', r); return; }
  $('devices-msg').textContent = state.keepMsg.devices || '';
  state.keepMsg.devices = '';
  fillTable($('devices-table'), [w('device_id'), w('officer'), w('agency'), w('enrolled'), w('last_seen'), w('status'), ''],
    (r.data.devices || []).map((d) => ({
      cells: [el('span', { class: 'mono' }, d.deviceId), d.officerId, said('agencies', d.agency), fmtTime(d.enrolledMs),
              fmtTime(d.lastSeenMs),
              d.revoked ? el('span', { class: 'revoked' }, `${w('revoked')} ${fmtTime(d.revokedMs)} ${d.revokeReason || ''}`)
                : w('active'),
              d.revoked ? '' : revokeControl(d)],
      data: { device: d.deviceId, revoked: d.revoked ? '1' : '0' },
    })));
}

// Revoking asks twice: the button opens a reason and a confirm button.
function revokeControl(d) {
  const box = el('div', { class: 'revoke' });
  const open = el('button', { type: 'button', class: 'danger revoke-open' }, w('revoke'));
  open.addEventListener('click', () => {
    const reason = el('input', { class: 'revoke-reason', placeholder: w('revoke_reason'), 'aria-label': w('revoke_reason') });
    const ok = el('button', { type: 'button', class: 'danger revoke-ok' }, w('revoke_confirm'));
    const cancel = el('button', { type: 'button' }, w('cancel'));
    cancel.addEventListener('click', () => box.replaceChildren(open));
    ok.addEventListener('click', async () => {
      if (!reason.value.trim()) { $('devices-msg').textContent = w('reason_needed'); reason.focus(); return; }
      const r = await api('POST', 'devices/revoke', { deviceId: d.deviceId, reason: reason.value.trim() });
      if (!r.ok) { $('devices-msg').textContent = errorText(r.error); return; }
      state.keepMsg.devices = w('revoke_done')(d.deviceId);
      go('devices');
    });
    box.replaceChildren(reason, ok, cancel);
    reason.focus();
  });
  box.append(open);
  return box;
}

async function enroll(e) {
  e.preventDefault();
  const officerId = $('enroll-officer').value.trim();
  if (!officerId) return;
  const r = await api('POST', 'devices/enroll', { officerId, agency: $('enroll-agency').value,
                                                  ttlMinutes: String(Math.max(1, num($('enroll-ttl').value))) });
  if (!r.ok) { $('devices-msg').textContent = errorText(r.error); return; }
  $('enroll-box').hidden = false;
  $('enroll-code').textContent = r.data.code;
  $('enroll-expires').textContent = w('expires')(fmtTime(r.data.expiresMs));
}

// ---- joint inspections: each agency's own findings, never a person

async function loadInspections(params, current) {
  const staff = state.session.role !== 'regulator';
  const sel = $('inspections-agency');
  $('inspections-agency-box').hidden = !staff;
  const agency = staff ? params.get('agency') || '' : '';
  sel.replaceChildren(el('option', { value: '' }, w('all_agencies')),
    ...['market_regulation', 'tax', 'commerce'].map((a) => el('option', { value: a }, said('agencies', a))));
  sel.value = agency;
  $('inspections-export').href = `/dash/api/export?${q({ what: 'inspections', agency })}`;
  const r = await api('GET', `inspections?${q({ agency })}`);
  if (!current()) return;
  if (!r.ok) { failed('inspections', r); return; }
  const label = (i) => (state.lang === 'zh' ? i.zh : i.en) || i.code;
  fillTable($('inspections-table'), [w('visited'), w('company'), w('credit_code'), w('address'), w('licence'),
    w('business'), w('staff'), w('participants'), w('agency'), w('finding')],
  (r.data.inspections || []).map((x) => ({
    cells: [fmtTime(x.visitedAtMs), x.companyName, el('span', { class: 'mono' }, x.creditCode || ''), x.address,
            said('licences', x.licence), `${x.registeredBusiness || '—'} / ${x.actualBusiness || '—'}`,
            `${num(x.staffRegistered)} / ${num(x.staffPresent)}`,
            (x.agencies || []).map((a) => said('agencies', a)).join('、'), said('agencies', x.agency),
            [x.summary || '', ...(x.indicators || []).map(label)].filter(Boolean).join('；')],
    data: { record: x.recordId, agency: x.agency },
  })));
}

// ---- words, start

const LOADERS = { report: loadReport, coverage: loadCoverage, dens: loadDens, den: loadDen, suspects: loadSuspects,
                  person: loadPerson, review: loadReview, inspections: loadInspections, devices: loadDevices };

function applyWords() {
  document.documentElement.lang = state.lang === 'zh' ? 'zh-CN' : 'en';
  document.querySelectorAll('[data-t]').forEach((e) => { e.textContent = w(e.dataset.t); });
  document.querySelectorAll('[data-tp]').forEach((e) => { e.placeholder = w(e.dataset.tp); });
  document.title = w('title');
  renderNav();
}

document.addEventListener('DOMContentLoaded', async () => {
  $('lang').addEventListener('click', () => {
    state.lang = state.lang === 'zh' ? 'en' : 'zh';
    localStorage.setItem('sweep.dash.lang', state.lang);
    applyWords();
    if (state.session) route();
    else if ($('login-msg').textContent) $('login-msg').textContent = '';
  });
  $('login-form').addEventListener('submit', login);
  $('logout').addEventListener('click', logout);
  $('report-date').addEventListener('change', () => go('report', { date: $('report-date').value }));
  $('dens-status').addEventListener('change', () => go('dens', { status: $('dens-status').value }));
  $('inspections-agency').addEventListener('change', () => go('inspections', { agency: $('inspections-agency').value }));
  $('suspects-form').addEventListener('submit', (e) => { e.preventDefault(); go('suspects', { q: $('suspects-q').value.trim() }); });
  $('den-change').addEventListener('submit', changeDenStatus);
  $('disp-form').addEventListener('submit', addDisposition);
  $('split-go').addEventListener('click', askSplit);
  $('split-yes').addEventListener('click', splitPerson);
  $('graph-depth').addEventListener('change', () => loadGraph(state.graphNode));
  $('split-no').addEventListener('click', () => { $('split-confirm').hidden = true; });
  $('enroll-form').addEventListener('submit', enroll);
  window.addEventListener('hashchange', route);
  applyWords();
  const r = await api('GET', 'me');
  if (r.ok) { setSession(r.data); start(); return; }
  if (r.error.code === 'offline') { show('gone'); $('gone-msg').textContent = w('offline'); return; }
  signedOut('');
});
