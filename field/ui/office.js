// The office-sweep form (扫楼, record.proto OfficeSweep): a joint inspection
// of one office with market regulation, tax and commerce officers. The
// company and its credit code (checked as typed), licence, registered and
// actual business, staff, the participants, each agency's findings
// (indicators, dispositions), the persons questioned, photos, notes, and
// the participants' co-signatures: each confirms with a tap; the tablet's
// key signs each confirmation when the sweep is saved (docs/api.md).
'use strict';

const AGENCIES = ['police', 'market_regulation', 'tax', 'commerce'];
const LICENCES = ['LICENCE_STATUS_UNSPECIFIED', 'LICENCE_STATUS_VALID', 'LICENCE_STATUS_MISSING',
                  'LICENCE_STATUS_EXPIRED', 'LICENCE_STATUS_REVOKED', 'LICENCE_STATUS_MISMATCH'];
const ROLES = ['法定代表人', '员工'];

const agencyOptions = () => AGENCIES.map((a) => [a, w('agencies')[a]]);
// New rows name this tablet's agency (a regulator records its own finding).
const ownAgency = () => (state.status && AGENCIES.includes(state.status.agency) ? state.status.agency : 'police');

function addParticipant(values) {
  const v = values || {};
  const row = el('div', { class: 'participant' },
                 select(agencyOptions(), v.agency || ownAgency(), { class: 'p-agency', 'aria-label': w('agency') }),
                 el('input', { class: 'p-id', placeholder: w('officer_id'), value: v.officerId || '' }),
                 el('input', { class: 'p-name', placeholder: w('name'), value: v.name || '' }));
  listRow($('o-participants'), row, renderCosign);
  renderCosign();
}

function participants() {
  return [...document.querySelectorAll('#o-participants .participant')].map((row) => {
    const p = { agency: row.querySelector('.p-agency').value };
    const id = row.querySelector('.p-id').value.trim();
    const name = row.querySelector('.p-name').value.trim();
    if (id) p.officerId = id;
    if (name) p.name = name;
    return p;
  }).filter((p) => p.officerId || p.name);
}

function addFinding(values) {
  const v = values || {};
  const checks = el('div', { class: 'checks f-indicators' });
  const dispositions = el('div', { class: 'f-dispositions' });
  const add = el('button', { type: 'button', class: 'f-add-disposition' }, w('add_disposition'));
  const row = el('div', { class: 'finding' },
                 select(agencyOptions(), v.agency || ownAgency(), { class: 'f-agency', 'aria-label': w('agency') }),
                 el('textarea', { class: 'f-summary', rows: 2, placeholder: w('summary'), value: v.summary || '' }),
                 checks, dispositions, add);
  checks.dataset.ticked = JSON.stringify((v.indicators || []).map((i) => i.code));
  add.addEventListener('click', () => { addDisposition(dispositions); formChanged(); });
  listRow($('o-findings'), row, renumberFindings);
  renumberFindings();
  checklist(checks, new Set(JSON.parse(checks.dataset.ticked)));
  for (const d of v.dispositions || []) addDisposition(dispositions, d);
}

function renumberFindings() {
  document.querySelectorAll('#o-findings .finding').forEach((row, i) => { row.dataset.index = String(i); });
}

function findings() {
  return [...document.querySelectorAll('#o-findings .finding')].map((row) => {
    const f = { agency: row.querySelector('.f-agency').value };
    const summary = row.querySelector('.f-summary').value.trim();
    if (summary) f.summary = summary;
    const codes = [...row.querySelectorAll('.f-indicators input:checked')].map((c) => c.value);
    if (codes.length) {
      f.indicators = codes.map((code) => {
        const hashes = photoHashes(`f${row.dataset.index}:${code}`);
        return hashes.length ? { code, present: true, attachmentHashes: hashes } : { code, present: true };
      });
    }
    const d = readDispositions(row.querySelector('.f-dispositions'));
    if (d.length) f.dispositions = d;
    return f;
  });
}

function addPersonQuestioned(values) {
  const v = values || {};
  const row = el('div', { class: 'person questioned' },
                 select(ROLES.map((r) => [r, w('roles')[r]]), v.occupation || ROLES[0], { class: 'q-role', 'aria-label': w('role') }));
  listRow($('o-persons'), row, renumberQuestioned);
  renumberQuestioned();
  fillPerson(row, row.dataset.prefix, { name: v.name, idNumber: v.idNumber, phone: v.phone });
}

const renumberQuestioned = () => renumberPersons('#o-persons .questioned', 'persons');

function personsQuestioned() {
  const root = $('office');
  return [...root.querySelectorAll('#o-persons .questioned')].map((row) => {
    const p = person(root, row.dataset.prefix);
    if (!Object.keys(p).length) return null;
    return { ...p, occupation: row.querySelector('.q-role').value, presentAtVisit: true };
  }).filter(Boolean);
}

// Co-signatures: a button per participant; a tap records the confirmation,
// the server signs it with the tablet's key when the sweep is saved.
const signerLabel = (p) => `${w('agencies')[p.agency]} ${p.name || p.officerId}`;
const signerKey = (p) => `${p.agency}|${p.officerId || p.name}`;

function renderCosign() {
  const box = $('o-cosign');
  box.replaceChildren();
  const people = participants();
  if (!people.length) { box.append(el('p', { class: 'hint' }, w('cosign_none'))); return; }
  const done = new Set(state.confirmations.map(signerKey));
  for (const p of people) {
    const key = signerKey(p);
    const signed = done.has(key);
    const b = el('button', { type: 'button', class: `cosign${signed ? ' signed' : ''}`, 'data-signer': key },
                 signed ? w('cosigned')(signerLabel(p)) : w('cosign_go')(signerLabel(p)));
    b.disabled = signed;
    b.addEventListener('click', () => {
      state.confirmations.push({ agency: p.agency, officerId: p.officerId || p.name });
      $('o-cosign-msg').textContent = '';
      renderCosign();
      saveDraft();
    });
    box.append(b);
  }
}

FORMS.office = {
  id: 'office',
  kind: 'office',
  body() {
    const os = { address: { raw: $('o-address').value.trim() } };
    const text = { companyName: 'o-company', creditCode: 'o-credit', registeredBusiness: 'o-registered',
                   actualBusiness: 'o-actual', notes: 'o-notes' };
    for (const [k, id] of Object.entries(text)) {
      const v = $(id).value.trim();
      if (v) os[k] = v;
    }
    if ($('o-licence').value !== LICENCES[0]) os.licence = $('o-licence').value;
    for (const [k, id] of [['staffRegistered', 'o-staff-registered'], ['staffPresent', 'o-staff-present']]) {
      const n = parseInt($(id).value, 10);
      if (n > 0) os[k] = n;
    }
    const parts = participants();
    if (parts.length) os.participants = parts;
    const f = findings();
    if (f.length) os.findings = f;
    const persons = personsQuestioned();
    if (persons.length) os.persons = persons;
    const byKey = new Map(parts.map((p) => [signerKey(p), p]));
    const signs = state.confirmations.filter((c) => byKey.has(signerKey(c))).map((c) => {
      const p = byKey.get(signerKey(c));
      return { signerId: p.officerId || p.name, agency: p.agency, signerRole: p.agency === 'police' ? 'officer' : 'regulator' };
    });
    if (signs.length) os.cosignatures = signs;
    const attachments = photoAttachments('visit');
    if (attachments.length) os.attachments = attachments;
    return { officeSweep: os };
  },
  reset(address) {
    $('o-address').value = address;
    for (const id of ['o-company', 'o-credit', 'o-registered', 'o-actual', 'o-notes', 'o-staff-registered', 'o-staff-present']) $(id).value = '';
    $('o-licence').value = LICENCES[0];
    for (const id of ['o-participants', 'o-findings', 'o-persons', 'o-sealed']) $(id).replaceChildren();
    $('o-cosign-msg').textContent = '';
    addParticipant();
    addPersonQuestioned();
  },
  async restore(body, fromRecord) {
    const os = body.officeSweep || {};
    this.reset((os.address && os.address.raw) || '');
    const text = { companyName: 'o-company', creditCode: 'o-credit', registeredBusiness: 'o-registered',
                   actualBusiness: 'o-actual', notes: 'o-notes', staffRegistered: 'o-staff-registered',
                   staffPresent: 'o-staff-present' };
    for (const [k, id] of Object.entries(text)) $(id).value = os[k] || '';
    this.words();
    $('o-licence').value = os.licence || LICENCES[0];
    for (const id of ['o-participants', 'o-findings', 'o-persons']) $(id).replaceChildren();
    for (const p of os.participants || []) addParticipant(p);
    if (!(os.participants || []).length) addParticipant();
    for (const f of os.findings || []) addFinding(f);
    // Other agencies' sections this tablet cannot open: named, kept as they
    // are by the store when this edit is saved.
    $('o-sealed').replaceChildren(...(os.sections || []).map((s) =>
      el('p', { class: 'sealed', 'data-agency': s.agency }, w('sealed_section')(w('agencies')[s.agency] || s.agency))));
    for (const p of os.persons || []) addPersonQuestioned(p);
    if (!(os.persons || []).length) addPersonQuestioned();
    // A draft keeps the confirmations; a saved version's signatures were
    // over its content: an edit is confirmed again.
    state.confirmations = fromRecord ? []
      : (os.cosignatures || []).filter((c) => !c.signature).map((c) => ({ agency: c.agency, officerId: c.signerId }));
    renderCosign();
    const targets = [];
    (os.findings || []).forEach((f, i) => (f.indicators || []).forEach((ind) => targets.push([`f${i}:${ind.code}`, ind])));
    await restorePhotos(os.attachments, targets);
  },
  words() {
    const lic = $('o-licence');
    const chosen = lic.value || LICENCES[0];
    lic.replaceChildren(...LICENCES.map((l) => el('option', { value: l }, w('licences')[l])));
    lic.value = chosen;
    for (const s of document.querySelectorAll('#office .p-agency, #office .f-agency')) {
      const v = s.value;
      s.replaceChildren(...agencyOptions().map(([a, t]) => el('option', { value: a }, t)));
      s.value = v;
    }
    for (const s of document.querySelectorAll('#office .q-role')) {
      const v = s.value;
      s.replaceChildren(...ROLES.map((r) => el('option', { value: r }, w('roles')[r])));
      s.value = v;
    }
    for (const c of document.querySelectorAll('#office .f-indicators')) {
      checklist(c, new Set([...c.querySelectorAll('input:checked')].map((i) => i.value)));
    }
    document.querySelectorAll('#office .p-id').forEach((i) => { i.placeholder = w('officer_id'); });
    document.querySelectorAll('#office .p-name').forEach((i) => { i.placeholder = w('name'); });
    document.querySelectorAll('#office .f-summary').forEach((i) => { i.placeholder = w('summary'); });
    document.querySelectorAll('#office .f-add-disposition').forEach((b) => { b.textContent = w('add_disposition'); });
    document.querySelectorAll('#o-sealed .sealed').forEach((p) => {
      p.textContent = w('sealed_section')(w('agencies')[p.dataset.agency] || p.dataset.agency);
    });
    renderCosign();
  },
  persons() { return personsQuestioned(); },
  targets() {
    const out = [];
    for (const row of document.querySelectorAll('#o-findings .finding')) {
      const agency = w('agencies')[row.querySelector('.f-agency').value];
      for (const c of row.querySelectorAll('.f-indicators input:checked')) {
        out.push([`f${row.dataset.index}:${c.value}`, `${agency}：${indicatorName(c.value)}`]);
      }
    }
    return out;
  },
  // Content changed after a confirmation: it no longer covers what is saved.
  changed() {
    if (state.confirmations.length) {
      state.confirmations = [];
      $('o-cosign-msg').textContent = w('cosign_reset');
    }
    renderCosign();
  },
};

function wireOffice() {
  $('add-participant').addEventListener('click', () => { addParticipant(); formChanged(); });
  $('add-finding').addEventListener('click', () => { addFinding(); formChanged(); });
  $('add-person').addEventListener('click', () => { addPersonQuestioned(); formChanged(); });
}
