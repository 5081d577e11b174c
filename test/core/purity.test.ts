/**
 * Keeps the layers pointing one way (STYLE.md §1):
 * - `src/core` is pure: it imports only other `src/core` files, `zod` and `yaml`; no node:
 *   builtins, no clock or randomness of its own (those are parameters).
 * - `src/connectors/<kind>/**` imports only its own folder, `src/connectors/contract.ts`,
 *   `src/connectors/shared/` (standards clients such as RFC 7009/7662, no provider in them),
 *   `src/core` and npm packages; files directly in `src/connectors/` may import any connector.
 * - nothing in `src/core` or `src/connectors` imports `src/engine`, `src/store` or `src/cli`.
 *
 * Files are read with the TypeScript parser, so imports in comments or strings do not count and
 * type-only imports do. Every violation is listed with its file and import.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const SRC = join(ROOT, 'src');
const rel = (p: string) => relative(ROOT, p).split(sep).join('/');

/** Allowed impure calls, each with its reason. Keep this list short. */
const IMPURE_ALLOWED: { file: string; call: string; reason: string }[] = [
  { file: 'src/core/clock.ts', call: 'Date.now()', reason: 'systemClock is the one production clock source; every core function takes the time as a parameter' },
];

const CORE_PACKAGES = new Set(['zod', 'yaml']);
const FORBIDDEN_LAYERS = ['src/engine', 'src/store', 'src/cli'];

function walk(dir: string): string[] {
  let out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out = out.concat(walk(p));
    else if (/\.(ts|mts|cts|js|mjs)$/.test(name)) out.push(p);
  }
  return out.sort();
}

interface Import {
  specifier: string;
  line: number;
}

function parse(file: string): ts.SourceFile {
  return ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
}

/** Static imports, re-exports, dynamic `import()` and `require()`, with their line numbers. */
function importsOf(source: ts.SourceFile): Import[] {
  const found: Import[] = [];
  const add = (node: ts.Node, spec: ts.Expression | undefined) => {
    if (spec && ts.isStringLiteralLike(spec)) {
      found.push({ specifier: spec.text, line: source.getLineAndCharacterOfPosition(node.getStart(source)).line + 1 });
    }
  };
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) add(node, node.moduleSpecifier);
    else if (ts.isImportEqualsDeclaration(node) && ts.isExternalModuleReference(node.moduleReference)) add(node, node.moduleReference.expression);
    else if (ts.isCallExpression(node)) {
      const isDynamic = node.expression.kind === ts.SyntaxKind.ImportKeyword;
      const isRequire = ts.isIdentifier(node.expression) && node.expression.text === 'require';
      if (isDynamic || isRequire) add(node, node.arguments[0]);
    } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument)) add(node, node.argument.literal as ts.Expression);
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

/** `Date.now()`, `new Date()` without arguments, `Math.random()` and similar hidden inputs. */
function impureCalls(source: ts.SourceFile): { call: string; line: number }[] {
  const found: { call: string; line: number }[] = [];
  const at = (node: ts.Node) => source.getLineAndCharacterOfPosition(node.getStart(source)).line + 1;
  const hidden = new Set(['Date.now', 'Math.random', 'performance.now', 'crypto.randomUUID', 'crypto.getRandomValues', 'process.hrtime']);
  const visit = (node: ts.Node): void => {
    if (ts.isCallExpression(node)) {
      const callee = node.expression.getText(source).replace(/\s+/g, '').replace(/^globalThis\./, '');
      if (hidden.has(callee)) found.push({ call: `${callee}()`, line: at(node) });
      if (['fetch', 'setTimeout', 'setInterval', 'setImmediate'].includes(callee)) found.push({ call: `${callee}()`, line: at(node) });
    }
    if (ts.isNewExpression(node) && node.expression.getText(source).replace(/^globalThis\./, '') === 'Date' && (node.arguments?.length ?? 0) === 0) {
      found.push({ call: 'new Date()', line: at(node) });
    }
    if (ts.isIdentifier(node) && node.text === 'process' && !ts.isPropertyAccessExpression(node.parent)) {
      found.push({ call: 'process', line: at(node) });
    } else if (ts.isPropertyAccessExpression(node) && ts.isIdentifier(node.expression) && node.expression.text === 'process') {
      found.push({ call: `process.${node.name.text}`, line: at(node) });
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

/** The repository path an import points to, or undefined for a package or builtin. */
function target(file: string, specifier: string): string | undefined {
  if (!specifier.startsWith('.') && !specifier.startsWith('/')) return undefined;
  return rel(resolve(dirname(file), specifier));
}

const packageName = (spec: string) => (spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : (spec.split('/')[0] ?? spec));
const under = (path: string, dir: string) => path === dir || path.startsWith(`${dir}/`);

test('src/core is pure: imports only src/core, zod and yaml, and reads no clock or randomness', () => {
  const problems: string[] = [];
  for (const file of walk(join(SRC, 'core'))) {
    const source = parse(file);
    for (const imp of importsOf(source)) {
      const where = `${rel(file)}:${imp.line} imports "${imp.specifier}"`;
      const to = target(file, imp.specifier);
      if (to === undefined) {
        if (imp.specifier.startsWith('node:') || !CORE_PACKAGES.has(packageName(imp.specifier))) {
          problems.push(`${where}: src/core may import only zod and yaml, never node builtins or other packages`);
        }
      } else if (!under(to, 'src/core')) {
        problems.push(`${where} (${to}): src/core imports nothing outside src/core`);
      } else if (!/^\.\.?\//.test(imp.specifier) || !/\.ts$/.test(imp.specifier)) {
        problems.push(`${where}: use a relative path ending in .ts`);
      }
    }
    for (const call of impureCalls(source)) {
      if (IMPURE_ALLOWED.some((a) => a.file === rel(file) && a.call === call.call)) continue;
      problems.push(`${rel(file)}:${call.line} uses ${call.call}: src/core takes time, randomness and I/O as parameters`);
    }
  }
  assert.deepEqual(problems, [], `\n${problems.join('\n')}`);
});

test('layers point one way: connectors use only the contract and core; core and connectors never reach engine, store or cli', () => {
  const problems: string[] = [];
  const connectors = join(SRC, 'connectors');
  for (const file of walk(connectors)) {
    const r = rel(file);
    const parts = r.split('/');
    // src/connectors/<kind>/... may use its own folder; files directly in src/connectors/ may use any connector.
    const own = parts.length > 3 ? parts.slice(0, 3).join('/') : 'src/connectors';
    for (const imp of importsOf(parse(file))) {
      const to = target(file, imp.specifier);
      if (to === undefined) continue; // npm packages and builtins
      const ok = under(to, own) || to === 'src/connectors/contract.ts' || under(to, 'src/connectors/shared') || under(to, 'src/core');
      if (!ok) problems.push(`${r}:${imp.line} imports "${imp.specifier}" (${to}): a connector may import only ${own}/, src/connectors/contract.ts, src/connectors/shared/ and src/core`);
    }
  }
  for (const file of [...walk(join(SRC, 'core')), ...walk(connectors)]) {
    for (const imp of importsOf(parse(file))) {
      const to = target(file, imp.specifier);
      const layer = to && FORBIDDEN_LAYERS.find((l) => under(to, l));
      if (layer) problems.push(`${rel(file)}:${imp.line} imports "${imp.specifier}" (${to}): ${layer} is above core and connectors`);
    }
  }
  assert.deepEqual(problems, [], `\n${problems.join('\n')}`);
});

test('the checks themselves catch what they should', () => {
  const src = (text: string) => ts.createSourceFile('x.ts', text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const sample = src(`
    import { a } from './a.ts';
    import type { B } from '../engine/b.ts';
    export { c } from 'node:fs';
    const d = await import('node:net');
    // import { fake } from 'node:http'; Date.now()
    const s = "Math.random()";
    const t = Date.now() + Math.random();
    const u = new Date(); const v = new Date(0); const w = globalThis.Date.now();
    process.env.X;
  `);
  assert.deepEqual(importsOf(sample).map((i) => i.specifier), ['./a.ts', '../engine/b.ts', 'node:fs', 'node:net']);
  assert.deepEqual(impureCalls(sample).map((c) => c.call), ['Date.now()', 'Math.random()', 'new Date()', 'Date.now()', 'process.env']);
  assert.equal(target(join(SRC, 'connectors/keycloak/revoke.ts'), '../../engine/run.ts'), 'src/engine/run.ts');
  assert.equal(packageName('@scope/pkg/sub'), '@scope/pkg');
});
