/**
 * Loads the controls mappings: every `*.yaml` file of a directory (by default Sever's own
 * docs/controls), each validated against the format (controls-schema.ts), in file-name order.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SeverError } from '../core/errors.ts';
import { parseDocument } from '../core/parse-document.ts';
import { frameworkSchema, type ControlFramework } from './controls-schema.ts';

/** Sever's own mappings, docs/controls in the checkout. */
export const DEFAULT_CONTROLS_DIR = fileURLToPath(new URL('../../docs/controls/', import.meta.url));

/**
 * @throws SeverError `ERR_INPUT_INVALID` naming the directory, or the file and every bad field.
 */
export function loadControls(dir: string = DEFAULT_CONTROLS_DIR): ControlFramework[] {
  let names: string[];
  try {
    if (!statSync(dir).isDirectory()) throw new Error('not a directory');
    names = readdirSync(dir).filter((n) => n.endsWith('.yaml')).sort();
  } catch (e) {
    throw new SeverError('ERR_INPUT_INVALID', `controls directory ${dir}: cannot be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`, { details: { path: dir } });
  }
  const frameworks = names.map((name) => {
    const path = join(dir, name);
    const f = parseDocument(readFileSync(path, 'utf8'), frameworkSchema, 'ERR_INPUT_INVALID', `controls mapping ${path}`);
    if (`${f.id}.yaml` !== name) throw new SeverError('ERR_INPUT_INVALID', `controls mapping ${path}: its id is ${f.id}, so the file must be ${f.id}.yaml`, { details: { path } });
    return f;
  });
  if (!frameworks.length) throw new SeverError('ERR_INPUT_INVALID', `controls directory ${dir}: no *.yaml mapping in it`, { details: { path: dir } });
  return frameworks;
}
