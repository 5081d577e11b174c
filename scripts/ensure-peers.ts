/**
 * Run by `npm test` before the tests: installs the Debian packages of the real servers the tests
 * start when run as root, otherwise stops with the exact command. `--check` only reports.
 */
import { ensurePeers } from '../lab/peers/ensure.ts';

const r = ensurePeers({ install: !process.argv.includes('--check'), log: (s) => process.stderr.write(`${s}\n`) });
if (!r.ok) {
  process.stderr.write(`${r.message}\n`);
  process.exit(1);
}
