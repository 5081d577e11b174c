/**
 * Keeps docs/errors.md and the code catalogues identical, in both directions: every code in
 * ERROR_CATALOGUE (and CLOSURE_CATALOGUE) has a row with the same meaning, and every row names a
 * code that exists. Compared dynamically, so a code appended to errors.ts fails here until its
 * row is added.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { ERROR_CATALOGUE } from '../../src/core/errors.ts';
import { CLOSURE_CATALOGUE } from '../../src/core/closure-codes.ts';

const DOC = readFileSync(new URL('../../docs/errors.md', import.meta.url), 'utf8');

interface Row {
  code: string;
  meaning: string;
  todo: string;
  line: number;
}

/** Splits a markdown table row on unescaped pipes. */
function cells(line: string): string[] {
  const inner = line.trim().replace(/^\|/, '').replace(/\|$/, '');
  return inner.split(/(?<!\\)\|/).map((c) => c.trim().replace(/\\\|/g, '|'));
}

/** The rows of the first table after the heading `## <title>`. */
function table(title: string): Row[] {
  const lines = DOC.split('\n');
  const start = lines.findIndex((l) => l.trim() === `## ${title}`);
  assert.ok(start >= 0, `docs/errors.md has no "## ${title}" section`);
  const rows: Row[] = [];
  let inTable = false;
  for (let i = start + 1; i < lines.length; i++) {
    const line = lines[i] ?? '';
    if (line.startsWith('## ')) break;
    if (!line.trim().startsWith('|')) {
      if (inTable) break;
      continue;
    }
    inTable = true;
    const [code = '', meaning = '', todo = ''] = cells(line);
    if (code === 'Code' || /^-+$/.test(code.replace(/:/g, ''))) continue;
    rows.push({ code: code.replace(/^`|`$/g, ''), meaning, todo, line: i + 1 });
  }
  return rows;
}

function compare(title: string, catalogue: Record<string, string>): void {
  const rows = table(title);
  const documented = rows.map((r) => r.code);
  const dupes = documented.filter((c, i) => documented.indexOf(c) !== i);
  assert.deepEqual(dupes, [], `codes listed twice in docs/errors.md "${title}"`);

  const inCode = Object.keys(catalogue);
  const undocumented = inCode.filter((c) => !documented.includes(c));
  const unknown = documented.filter((c) => !inCode.includes(c));
  assert.deepEqual(undocumented, [], `codes missing from docs/errors.md "${title}": add a row with the meaning from the catalogue`);
  assert.deepEqual(unknown, [], `docs/errors.md "${title}" lists codes the catalogue does not have`);

  for (const row of rows) {
    assert.equal(row.meaning, catalogue[row.code], `docs/errors.md:${row.line}: the meaning of ${row.code} differs from the catalogue`);
    assert.ok(row.todo.length > 0, `docs/errors.md:${row.line}: ${row.code} says nothing about what to do`);
  }
}

test('docs/errors.md lists exactly the codes of ERROR_CATALOGUE, with the same meanings', () => {
  compare('Error codes', ERROR_CATALOGUE);
});

test('docs/errors.md lists exactly the closure findings of CLOSURE_CATALOGUE, with the same meanings and actions', () => {
  compare('Closure findings', Object.fromEntries(Object.entries(CLOSURE_CATALOGUE).map(([c, v]) => [c, v.meaning])));
  for (const row of table('Closure findings')) {
    assert.equal(row.todo, CLOSURE_CATALOGUE[row.code as keyof typeof CLOSURE_CATALOGUE].todo, `docs/errors.md:${row.line}: what to do for ${row.code}`);
  }
});

test('every error code is ERR_ and upper snake case; closure codes are upper snake case', () => {
  for (const code of Object.keys(ERROR_CATALOGUE)) assert.match(code, /^ERR_[A-Z0-9]+(_[A-Z0-9]+)*$/);
  for (const code of Object.keys(CLOSURE_CATALOGUE)) assert.match(code, /^[A-Z]+(_[A-Z]+)*$/);
});
