/** Writes docs/connectors/<kind>.md for every built-in connector. `npm run docs` */
import { writeFileSync } from 'node:fs';
import { CONNECTOR_MODULES } from '../src/connectors/registry.ts';
import { renderConnectorDoc } from '../src/connectors/render-docs.ts';

for (const [kind, mod] of Object.entries(CONNECTOR_MODULES)) {
  const path = new URL(`../docs/connectors/${kind}.md`, import.meta.url);
  writeFileSync(path, renderConnectorDoc(mod));
  console.log(`wrote docs/connectors/${kind}.md`);
}
