// The visit forms' shared machinery (rental.js, office.js): checked as
// typed (POST /api/check, the rules the store applies on save), drafts
// sealed in the store (/api/drafts), photos sealed in its attachments
// (/api/photos), dispositions, saving a new record or a new version of one
// (/api/records). A form is a controller: {id (its section), kind, body(),
// restore(body), reset(address), words(), persons()}.
'use strict';

const FORMS = {};  // kind ('rental', 'office') → controller

// A reason in the chosen language: the rules write "english / 中文".
function said(message) {
  const parts = String(message || '').split(' / ');
  return parts.length === 2 ? parts[state.lang === 'zh' ? 1 : 0] : message;
}

function formRoot() { return $(state.active.id); }

// Name, ID number and phone inputs for the person at `prefix`, each with its
// reason slot below.
function personFields(container, prefix) {
  const keep = {};
  container.querySelectorAll('input[data-path]').forEach((inp) => { keep[inp.dataset.path.split('.').pop()] = inp.value; });
  container.querySelectorAll('.field').forEach((f) => f.remove());
  for (const [key, label, mode] of [['name', 'name', 'text'], ['idNumber', 'id_number', 'text'],
                                    ['phone', 'phone', 'tel']]) {
    const path = `${prefix}.${key}`;
    const input = el('input', { type: mode, 'data-path': path, 'aria-label': w(label) });
    if (key !== 'name') input.inputMode = key === 'phone' ? 'tel' : 'text';
    input.placeholder = w(label);
    input.value = keep[key] || '';
    container.append(el('div', { class: 'field' }, input, el('p', { class: 'field-msg', 'data-for': path })));
  }
}

// Rows of persons (`rowSelector`) numbered `${list}[i]` in order, after an
// add or a remove; a new row gets its fields.
function renumberPersons(rowSelector, list) {
  document.querySelectorAll(rowSelector).forEach((row, i) => {
    row.dataset.prefix = `${list}[${i}]`;
    row.querySelectorAll('input[data-path]').forEach((inp) => {
      inp.dataset.path = `${list}[${i}].${inp.dataset.path.split('.').pop()}`;
      inp.nextElementSibling.dataset.for = inp.dataset.path;
    });
    if (!row.querySelector('input')) personFields(row, `${list}[${i}]`);
  });
}

// The person typed at `prefix` (only the fields given).
function person(root, prefix) {
  const p = {};
  for (const inp of root.querySelectorAll(`input[data-path^="${prefix}."]`)) {
    const v = inp.value.trim();
    if (v) p[inp.dataset.path.slice(prefix.length + 1)] = v;
  }
  return p;
}

function fillPerson(root, prefix, values) {
  for (const [k, v] of Object.entries(values || {})) {
    const inp = root.querySelector(`input[data-path="${prefix}.${k}"]`);
    if (inp && v !== undefined && v !== null) inp.value = v;
  }
}

// A row of a list (occupants, participants, findings …) with a remove button.
function listRow(list, row, onRemove) {
  const remove = el('button', { type: 'button', class: 'remove' }, w('remove'));
  const wrap = el('div', { class: 'list-row' }, row, remove);
  remove.addEventListener('click', () => { wrap.remove(); onRemove(); formChanged(); });
  list.append(wrap);
  return wrap;
}

function select(options, value, attrs) {
  const s = el('select', attrs || {}, ...options.map(([v, t]) => el('option', { value: v }, t)));
  if (value !== undefined && value !== '') s.value = value;
  return s;
}

// ---- dispositions (record.proto Disposition): a code of the station's
// list, the detail, and whom it concerns by ID number.

function addDisposition(list, values) {
  const v = values || {};
  const codes = ((state.form && state.form.dispositions) || []).map((d) => [d.code, state.lang === 'zh' ? d.zh : d.en]);
  if (v.code && !codes.some(([c]) => c === v.code)) codes.push([v.code, v.code]);  // a code the list lost: kept
  const row = el('div', { class: 'disposition' },
                 select(codes, v.code, { class: 'd-code', 'aria-label': w('dispositions') }),
                 el('input', { class: 'd-detail', placeholder: w('disposition_detail'), value: v.detail || '' }),
                 el('div', { class: 'd-persons' }));
  row.dataset.persons = JSON.stringify(v.personIdNumbers || []);
  listRow(list, row, () => {});
  refreshConcerns();
}

function readDispositions(list) {
  return [...list.querySelectorAll(':scope > .list-row > .disposition')].map((row) => {
    const d = { code: row.querySelector('.d-code').value };
    const detail = row.querySelector('.d-detail').value.trim();
    if (detail) d.detail = detail;
    const ids = [...row.querySelectorAll('.d-persons input:checked')].map((c) => c.value);
    if (ids.length) d.personIdNumbers = ids;
    return d;
  });
}

// The persons a disposition may concern: those of the form with an ID number.
function refreshConcerns() {
  if (!state.active) return;
  const people = state.active.persons().filter((p) => p.idNumber);
  for (const row of formRoot().querySelectorAll('.disposition')) {
    const box = row.querySelector('.d-persons');
    const chosen = new Set(box.children.length
      ? [...box.querySelectorAll('input:checked')].map((c) => c.value) : JSON.parse(row.dataset.persons || '[]'));
    box.replaceChildren();
    if (!people.length) continue;
    box.append(el('span', { class: 'hint' }, w('concerns')));
    for (const p of people) {
      box.append(el('label', { class: 'check' },
                    el('input', { type: 'checkbox', value: p.idNumber, checked: chosen.has(p.idNumber) }),
                    `${p.name || ''} ${p.idNumber}`));
    }
  }
}

// ---- photos: sealed in the store's attachments (POST /api/photos answers
// the SHA-256 the record names); thumbnails read back from the store.

async function sendPhoto(file) {
  try {
    const res = await fetch('/api/photos', {
      method: 'POST', headers: { 'X-Sweep-Key': state.key, 'Content-Type': file.type || 'application/octet-stream' },
      body: file, cache: 'no-store', credentials: 'omit',
    });
    const data = await res.json().catch(() => ({}));
    return res.ok ? { ok: true, data } : { ok: false, status: res.status, error: data };
  } catch (e) {
    return { ok: false, error: { code: 'offline' } };
  }
}

async function photoUrl(sha256) {
  const res = await fetch(`/api/photos?sha256=${sha256}`, { headers: { 'X-Sweep-Key': state.key }, cache: 'no-store' });
  return res.ok ? URL.createObjectURL(await res.blob()) : '';
}

async function addPhotos(input) {
  const root = formRoot();
  const target = root.querySelector('.photo-for').value;
  const msg = root.querySelector('.photo-msg');
  for (const file of input.files) {
    const r = await sendPhoto(file);
    if (!r.ok) {
      const code = r.error && r.error.code;
      msg.textContent = w('photo_error')[code] || w(code) || w('internal');
      continue;
    }
    state.photos.push({ ...r.data, target, url: await photoUrl(r.data.sha256) });
    msg.textContent = w('photo_saved');
  }
  input.value = '';
  renderPhotos();
  formChanged();
}

// The photo targets: the visit, and each indicator ticked (state.active.targets()).
function renderPhotos() {
  const root = formRoot();
  const targets = [['visit', w('photo_visit')], ...state.active.targets()];
  const sel = root.querySelector('.photo-for');
  const chosen = sel.value;
  sel.replaceChildren(...targets.map(([v, t]) => el('option', { value: v }, t)));
  if (targets.some(([v]) => v === chosen)) sel.value = chosen;
  const names = Object.fromEntries(targets);
  const list = root.querySelector('.thumbs');
  list.replaceChildren();
  for (const p of state.photos) {
    const remove = el('button', { type: 'button', class: 'remove', 'aria-label': w('remove_photo') }, '✕');
    remove.addEventListener('click', () => {
      state.photos = state.photos.filter((q) => q !== p);
      renderPhotos();
      formChanged();
    });
    list.append(el('figure', { class: 'thumb', 'data-sha256': p.sha256 },
                   el('img', { src: p.url, alt: names[p.target] || p.target }),
                   el('figcaption', {}, names[p.target] || p.target), remove));
  }
}

function photoAttachments(target) {
  return state.photos.filter((p) => p.target === target)
    .map((p) => ({ sha256: p.sha256, mediaType: p.mediaType, size: String(p.size) }));
}

function photoHashes(target) { return state.photos.filter((p) => p.target === target).map((p) => p.sha256); }

// Photos named by a saved body: the visit's attachments, then the evidence
// of each indicator (`targets`: [[target, indicator], …]).
async function restorePhotos(attachments, targets) {
  const photos = (attachments || []).map((a) => ({ sha256: a.sha256, mediaType: a.mediaType, size: a.size, target: 'visit' }));
  for (const [target, indicator] of targets) {
    for (const sha256 of indicator.attachmentHashes || []) photos.push({ sha256, mediaType: '', size: 0, target });
  }
  for (const p of photos) p.url = await photoUrl(p.sha256);
  state.photos = photos;
}

// ---- checking, drafts, saving

function showProblems(problems, watchlist) {
  const root = formRoot();
  root.querySelectorAll('.field-msg').forEach((p) => { p.textContent = ''; });
  root.querySelectorAll('input.bad').forEach((i) => i.classList.remove('bad'));
  const list = root.querySelector('.problems');
  list.replaceChildren();
  for (const p of problems || []) {
    const path = p.field.replace(/^(rentalCheck|officeSweep)\./, '');
    const slot = root.querySelector(`.field-msg[data-for="${path}"]`);
    const text = said(p.message);
    if (slot) {
      slot.textContent = text;
      const input = root.querySelector(`[data-path="${path}"]`);
      if (input && p.severity === 'SEVERITY_ERROR') input.classList.add('bad');
    }
    list.append(el('li', { class: p.severity === 'SEVERITY_ERROR' ? 'error' : 'warning' }, `${path}: ${text}`));
  }
  const alert = root.querySelector('.watch-alert');
  const hits = watchlist || [];
  alert.hidden = hits.length === 0;
  alert.replaceChildren();
  if (hits.length) {
    alert.append(el('p', {}, w('watch')(hits.length)),
                 el('ul', {}, ...hits.map((h) => el('li', {}, `${h.field.replace(/^(rentalCheck|officeSweep)\./, '')}: ${said(h.message)}`))));
  }
  if (hits.length && navigator.vibrate) navigator.vibrate([300, 100, 300]);
}

let checkTimer = 0;
function scheduleCheck() {
  clearTimeout(checkTimer);
  checkTimer = setTimeout(runCheck, 250);
}

function requestBody() {
  const body = state.active.body();
  if (state.edit) { body.recordId = state.edit.recordId; body.baseVersion = String(state.edit.version); }
  return body;
}

// Answers may come back out of order: only the latest check's is shown.
let checkSeq = 0;
async function runCheck() {
  if (!state.active) return;
  saveDraft();
  const seq = ++checkSeq;
  const r = await api('POST', '/api/check', state.active.body());
  if (seq !== checkSeq) return;
  if (!r.ok) { handleLocked(r.error); return; }
  showProblems(r.data.problems, r.data.watchlist);
}

// Anything typed or chosen: checked, kept as a draft; co-signatures given on
// other content no longer hold (office.js).
function formChanged() {
  refreshConcerns();
  if (state.active && state.active.changed) state.active.changed();
  scheduleCheck();
}

function formState() {
  return { kind: state.active.kind, body: state.active.body(), edit: state.edit };
}

function saveDraft() {
  if (!state.draftKey) return Promise.resolve();
  const key = state.draftKey;
  const kept = JSON.stringify(formState());
  const previous = state.draftSaving || Promise.resolve();
  state.draftSaving = previous.then(async () => {  // one at a time, in order
    const r = await api('POST', '/api/drafts', { key, body: kept });
    if (r.ok && state.draftKey === key) formRoot().querySelector('.saved-msg').textContent = w('draft_saved');
  });
  return state.draftSaving;
}

function draftAddress(body) {
  const b = (body && (body.rentalCheck || body.officeSweep)) || {};
  return (b.address && b.address.raw) || '';
}

async function loadDrafts() {
  const r = await api('GET', '/api/drafts');
  state.drafts = r.ok ? r.data.drafts || [] : [];
  const list = $('drafts');
  list.replaceChildren();
  for (const d of state.drafts) {
    let saved = {};
    try { saved = JSON.parse(d.body); } catch (e) { saved = {}; }
    const kind = saved.kind || 'rental';
    const address = draftAddress(saved.body);
    const when = new Date(Number(d.updatedMs)).toLocaleString(state.lang === 'zh' ? 'zh-CN' : 'en-GB');
    const b = el('button', { type: 'button', class: 'draft', 'data-key': d.key },
                 `${kind === 'office' ? `${w('office_title')} · ` : ''}${w('draft_line')(address, when)}`);
    b.addEventListener('click', () => openForm(kind, { address, key: d.key }));
    list.append(el('li', {}, b));
  }
  $('drafts-box').hidden = state.drafts.length === 0;
}

async function loadFormOptions() {
  if (state.form) return true;
  const r = await api('GET', '/api/form');
  if (!r.ok) { showError(r.error); return false; }
  state.form = r.data;
  return true;
}

// Opens form `kind` afresh for `address`, or the draft `key`, or (with
// `edit` = a Record) a new version of a record this tablet holds.
async function openForm(kind, { address, key, edit } = {}) {
  if (!await loadFormOptions()) return;
  state.active = FORMS[kind];
  state.returnTo = state.building ? 'building' : 'today';
  state.edit = edit ? { recordId: edit.recordId, version: Number(edit.version) } : null;
  state.draftKey = key || (edit ? `edit:${edit.recordId}` : `${kind}:${address || `new-${Date.now()}`}`);
  state.photos = [];
  state.confirmations = [];
  const root = formRoot();
  root.querySelector('.saved-msg').textContent = '';
  root.querySelector('.photo-msg').textContent = '';
  state.active.reset(address || '');
  await loadDrafts();
  const draft = state.drafts.find((d) => d.key === state.draftKey);
  let body = edit || null;
  let fromRecord = Boolean(edit);
  if (draft) {
    try {
      const saved = JSON.parse(draft.body);
      body = saved.body;
      fromRecord = false;
      if (saved.edit) state.edit = saved.edit;
    } catch (e) { /* an unreadable draft: start afresh */ }
  }
  if (body) await state.active.restore(body, fromRecord);
  root.querySelector('.edit-msg').textContent = state.edit ? w('editing')(state.edit.version) : '';
  renderFormWords();
  showProblems([], []);
  show(state.active.id);
  if (draftAddress(state.active.body())) scheduleCheck();
}

// A record of this unit held by this tablet (GET /api/records), in its form.
async function openRecord(recordId) {
  const r = await api('GET', `/api/records?id=${encodeURIComponent(recordId)}`);
  if (!r.ok) {
    $('unit-detail').textContent = w(r.error && r.error.code) || w('internal');
    return;
  }
  await openForm(r.data.officeSweep ? 'office' : 'rental', { edit: r.data });
}

function renderFormWords() {
  if (!state.active) return;
  const root = formRoot();
  root.querySelectorAll('[data-t]').forEach((e) => { e.textContent = w(e.dataset.t); });
  root.querySelectorAll('input[data-path]').forEach((inp) => {
    const label = { name: 'name', idNumber: 'id_number', phone: 'phone' }[inp.dataset.path.split('.').pop()];
    if (label) inp.placeholder = w(label);
  });
  root.querySelectorAll('.remove').forEach((b) => { if (b.textContent !== '✕') b.textContent = w('remove'); });
  root.querySelectorAll('.d-detail').forEach((i) => { i.placeholder = w('disposition_detail'); });
  state.active.words();
  refreshConcerns();
  renderPhotos();
}

function checklist(container, ticked) {
  container.replaceChildren();
  for (const i of (state.form && state.form.indicators) || []) {
    const box = el('input', { type: 'checkbox', value: i.code, checked: ticked.has(i.code) });
    container.append(el('label', { class: `check${i.strong ? ' strong' : ''}` }, box, state.lang === 'zh' ? i.zh : i.en));
  }
}

function indicatorName(code) {
  const i = ((state.form && state.form.indicators) || []).find((x) => x.code === code);
  return i ? (state.lang === 'zh' ? i.zh : i.en) : code;
}

async function saveForm() {
  clearTimeout(checkTimer);
  ++checkSeq;  // a check still under way must not cover the save's answer
  const root = formRoot();
  const key = state.draftKey;
  state.draftKey = '';  // no more draft saves for this form
  await state.draftSaving;
  const r = await api('POST', '/api/records', requestBody());
  if (!r.ok) {
    state.draftKey = key;
    if (r.error && (r.error.code === 'conflict' || r.error.code === 'not_found')) {
      root.querySelector('.saved-msg').textContent = w(r.error.code);
      return;
    }
    // Refused by the tablet's role or for want of keys ("English / 中文"),
    // or a form the store cannot take: nothing was saved, the form stays.
    if (r.error && (r.error.code === 'not_allowed' || r.error.code === 'bad_request')) {
      root.querySelector('.saved-msg').textContent = `${w('not_saved')} ${said(r.error.message)}`;
      return;
    }
    handleLocked(r.error);
    return;
  }
  showProblems(r.data.problems, r.data.watchlist);
  if (key) {
    await api('POST', '/api/drafts/delete', { key });
    await loadDrafts();
  }
  const errors = (r.data.problems || []).filter((p) => p.severity === 'SEVERITY_ERROR').length;
  const version = Number(r.data.version);
  root.querySelector('.saved-msg').textContent =
    (version > 1 ? w('saved_version')(r.data.recordId, version) : w('saved')(r.data.recordId)) +
    (errors ? ` ${w('fix_first')(errors)}` : '');
  state.edit = { recordId: r.data.recordId, version };  // saving again makes the next version
  root.querySelector('.edit-msg').textContent = '';
  if (state.today) state.today.unsynced = r.data.unsynced;
}

function closeForm() {
  state.active = null;
  state.draftKey = '';
  for (const p of state.photos) if (p.url) URL.revokeObjectURL(p.url);
  state.photos = [];
  if (state.returnTo === 'building' && state.building) openBuilding(state.building.buildingKey);
  else { state.building = null; show('today'); render(); loadToday(); }
}

function wireForms() {
  $('new-visit').addEventListener('click', () => openForm('rental'));
  $('new-office').addEventListener('click', () => openForm('office'));
  $('visit-unit').addEventListener('click', () => { if (state.unit) openForm('rental', { address: state.unit.address }); });
  $('office-unit').addEventListener('click', () => { if (state.unit) openForm('office', { address: state.unit.address }); });
  $('edit-unit').addEventListener('click', () => { if (state.unit && state.unit.recordId) openRecord(state.unit.recordId); });
  for (const id of ['visit', 'office']) {
    const root = $(id);
    const form = root.querySelector('form');
    form.addEventListener('input', (e) => { if (!e.target.matches('.photo-input, .photo-for')) formChanged(); });
    form.addEventListener('change', (e) => {
      if (e.target.matches('.photo-input')) addPhotos(e.target);
      else if (!e.target.matches('.photo-for')) formChanged();
      if (e.target.matches('input[type=checkbox]')) renderPhotos();
    });
    form.addEventListener('submit', (e) => e.preventDefault());
    root.querySelector('.form-back').addEventListener('click', closeForm);
    root.querySelector('.save').addEventListener('click', saveForm);
  }
  wireRental();
  wireOffice();
}
