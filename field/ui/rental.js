// The rental-check form (出租屋核查, record.proto RentalCheck): unit status,
// landlord, occupants, the den-indicator checklist, on-the-spot
// dispositions, photos, notes. The machinery is forms.js's.
'use strict';

function addOccupant(values) {
  const row = el('div', { class: 'person occupant' });
  listRow($('occupants'), row, renumberOccupants);
  renumberOccupants();
  if (values) fillPerson(row, row.dataset.prefix, values);
}

const renumberOccupants = () => renumberPersons('#occupants .occupant', 'occupants');

function occupants() {
  const root = $('visit');
  return [...root.querySelectorAll('#occupants .occupant')].map((row) => person(root, row.dataset.prefix))
    .filter((o) => Object.keys(o).length);
}

FORMS.rental = {
  id: 'visit',
  kind: 'rental',
  body() {
    const root = $('visit');
    const rc = { address: { raw: $('v-address').value.trim() }, unitStatus: $('v-status').value };
    const landlord = person(root, 'landlord');
    if (Object.keys(landlord).length) rc.landlord = landlord;
    const occ = occupants();
    if (occ.length) rc.occupants = occ.map((o) => ({ ...o, presentAtVisit: true }));
    const codes = [...root.querySelectorAll('#indicators input:checked')].map((c) => c.value);
    if (codes.length) {
      rc.indicators = codes.map((code) => {
        const hashes = photoHashes(`i:${code}`);
        return hashes.length ? { code, present: true, attachmentHashes: hashes } : { code, present: true };
      });
    }
    const dispositions = readDispositions($('v-dispositions'));
    if (dispositions.length) rc.dispositions = dispositions;
    const attachments = photoAttachments('visit');
    if (attachments.length) rc.attachments = attachments;
    const notes = $('v-notes').value.trim();
    if (notes) rc.notes = notes;
    return { rentalCheck: rc };
  },
  reset(address) {
    $('v-address').value = address;
    $('v-notes').value = '';
    $('v-status').value = 'UNIT_STATUS_CHECKED';
    document.querySelectorAll('#indicators input').forEach((c) => { c.checked = false; });
    const landlord = document.querySelector('#visit .person[data-prefix="landlord"]');
    landlord.replaceChildren();
    personFields(landlord, 'landlord');
    $('occupants').replaceChildren();
    $('v-dispositions').replaceChildren();
    addOccupant();
  },
  async restore(body) {
    const rc = body.rentalCheck || {};
    $('v-address').value = (rc.address && rc.address.raw) || '';
    if (rc.unitStatus) { this.words(); $('v-status').value = rc.unitStatus; }
    fillPerson($('visit'), 'landlord', rc.landlord);
    $('occupants').replaceChildren();
    const occ = rc.occupants || [];
    for (let i = 0; i < Math.max(1, occ.length); ++i) {
      const o = { ...(occ[i] || {}) };
      delete o.presentAtVisit;
      addOccupant(o);
    }
    this.ticked = new Set((rc.indicators || []).map((i) => i.code));
    $('v-dispositions').replaceChildren();
    for (const d of rc.dispositions || []) addDisposition($('v-dispositions'), d);
    $('v-notes').value = rc.notes || '';
    await restorePhotos(rc.attachments, (rc.indicators || []).map((i) => [`i:${i.code}`, i]));
  },
  words() {
    const status = $('v-status');
    const chosen = status.value || 'UNIT_STATUS_CHECKED';
    status.replaceChildren(...Object.entries(w('statuses')).map(([v, t]) => el('option', { value: v }, t)));
    status.value = chosen;
    const checks = $('indicators');
    const ticked = this.ticked || new Set([...checks.querySelectorAll('input:checked')].map((c) => c.value));
    this.ticked = null;
    checklist(checks, ticked);
  },
  persons() { return [person($('visit'), 'landlord'), ...occupants()]; },
  targets() {
    return [...document.querySelectorAll('#indicators input:checked')].map((c) => [`i:${c.value}`, indicatorName(c.value)]);
  },
};

function wireRental() {
  $('add-occupant').addEventListener('click', () => { addOccupant(); });
  $('v-add-disposition').addEventListener('click', () => { addDisposition($('v-dispositions')); formChanged(); });
}
