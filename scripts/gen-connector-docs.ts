/** Writes docs/connectors/<kind>.md for every built-in connector, and docs/coverage.md. `npm run docs` */
import { writeFileSync } from 'node:fs';
import { loadConnectorModules } from '../src/connectors/registry.ts';
import { renderConnectorDoc } from '../src/connectors/render-docs.ts';
import { renderCoverage } from '../src/connectors/render-coverage.ts';

const CONNECTOR_MODULES = await loadConnectorModules();
for (const [kind, mod] of Object.entries(CONNECTOR_MODULES)) {
  const path = new URL(`../docs/connectors/${kind}.md`, import.meta.url);
  writeFileSync(path, renderConnectorDoc(mod));
  console.log(`wrote docs/connectors/${kind}.md`);
}

writeFileSync(new URL('../docs/coverage.md', import.meta.url), renderCoverage(CONNECTOR_MODULES));
console.log('wrote docs/coverage.md');
