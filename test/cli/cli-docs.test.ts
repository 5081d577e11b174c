import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { Command } from 'commander';
import { registerIncident } from '../../src/cli/commands/incident.ts';
import { registerEvidence } from '../../src/cli/commands/evidence.ts';
import { registerReport } from '../../src/cli/commands/report.ts';
import { registerDrill } from '../../src/cli/commands/drill.ts';

test('docs/cli.md documents every command and every option', () => {
  const doc = readFileSync(new URL('../../docs/cli.md', import.meta.url), 'utf8');
  const program = new Command('sever');
  const run = async () => {};
  registerIncident(program, run);
  registerEvidence(program, run);
  registerReport(program, run);
  registerDrill(program, run, () => {});
  const seen: string[] = [];
  const walk = (c: Command, prefix: string) => {
    for (const sub of c.commands) {
      const name = `${prefix}${sub.name()}`.trim();
      if (sub.commands.length) walk(sub, `${name} `);
      else {
        seen.push(name);
        assert.ok(doc.includes(`\`${name}`), `docs/cli.md lacks the command "${name}"`);
        for (const o of sub.options) assert.ok(doc.includes(o.long!), `docs/cli.md lacks ${o.long} of "${name}"`);
      }
    }
  };
  walk(program, '');
  assert.ok(seen.length >= 14);
});
