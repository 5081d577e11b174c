/**
 * The CLI over a real embedded store and a tiny RFC 7009 / 7662 server on loopback that keeps
 * every token live until told otherwise: `incident contain` exits 1 while a token is still live
 * (one JSON document saying what), `incident verify` exits 0 once it is dead; a value file that is
 * not UTF-8 text is held and hashed as its bytes.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { tempDir } from '../support/databases.ts';
import { runMain } from './support.ts';

const sha256 = (b: Uint8Array | string) => createHash('sha256').update(b).digest('hex');

describe('CLI over a real store', () => {
  let server: Server;
  let live = true;
  const seen = new Set<string>();
  let dir: string;
  let g: string[];
  before(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (d) => (body += d));
      req.on('end', () => {
        const token = new URLSearchParams(body).get('token') ?? (req.headers.authorization ?? '').replace(/^Bearer /, '');
        seen.add(token);
        res.setHeader('content-type', 'application/json');
        if (req.url === '/introspect') return res.end(JSON.stringify({ active: live }));
        if (req.url === '/revoke') return res.end('{}');
        if (req.url === '/userinfo') {
          res.statusCode = live ? 200 : 401;
          return res.end(live ? '{"sub":"carol"}' : '{"error":"invalid_token"}');
        }
        res.statusCode = 404;
        res.end('{}');
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    dir = tempDir('sever-cli-store-');
    process.env.STUB_SEVER_SECRET = 'stub-secret';
    writeFileSync(join(dir, 'sever.yaml'), stringify({
      version: 1,
      connectors: {
        'oauth:stub': {
          settings: { revocationEndpoint: `${base}/revoke`, introspectionEndpoint: `${base}/introspect`, userinfoEndpoint: `${base}/userinfo`, clientId: 'sever', clientSecretRef: 'env:STUB_SEVER_SECRET' },
          verify: { pollIntervalMs: 100, deadlineMs: 1500 },
        },
      },
      runbook: { version: 1, roles: { 'identity-engineering': ['ida'], 'ir-lead': ['irene'], responders: ['eddie'] } },
    }));
    g = ['-c', join(dir, 'sever.yaml'), '-d', join(dir, 'data')];
  });
  after(() => new Promise<void>((r) => server.close(() => r())));

  it('contain exits 1 while a token is still live, verify exits 0 once it is dead; binary values are hashed as bytes', async () => {
    const opened = await runMain([...g, '--json', 'incident', 'open', '--subject', 'carol', '--as', 'ida']);
    assert.equal(opened.code, 0, opened.stderr);
    const id = opened.json().id as string;

    const text = join(dir, 'token.txt');
    writeFileSync(text, 'text-token-1\n');
    const binary = join(dir, 'token.bin');
    const bytes = Buffer.from([0xff, 0xfe, 0x00, 0x80, 0xc3, 0x28, 0x41, 0x0a]); // not UTF-8; a trailing newline byte that must stay
    writeFileSync(binary, bytes);
    for (const f of [text, binary]) {
      const r = await runMain([...g, '--json', 'incident', 'add-artifact', id, '--connector', 'oauth:stub', '--kind', 'access-token', '--value-file', f, '--as', 'ida']);
      assert.equal(r.code, 0, r.stderr);
    }
    const again = await runMain([...g, 'incident', 'add-artifact', id, '--connector', 'oauth:stub', '--kind', 'access-token', '--value-file', binary, '--as', 'ida']);
    assert.equal(again.code, 2, 'the same bytes are the same artifact');
    assert.match(again.stderr, /already part of incident/);

    const contained = await runMain([...g, '--json', 'incident', 'contain', id, '--as', 'eddie']);
    assert.equal(contained.code, 1, contained.stderr);
    const doc = contained.json();
    assert.equal(doc.complete, false);
    assert.deepEqual(doc.incomplete, { 'still-live': 2 });

    const human = await runMain([...g, 'incident', 'verify', id, '--as', 'eddie']);
    assert.equal(human.code, 1);
    assert.match(human.stderr, /not proved dead: 2 still-live; see `sever incident show /);

    live = false;
    const verified = await runMain([...g, '--json', 'incident', 'verify', id, '--as', 'eddie']);
    assert.equal(verified.code, 0, verified.stdout + verified.stderr);
    assert.equal(verified.json().complete, true);
    assert.equal(verified.json().byStatus['verified-dead'], 2);

    // The binary value reached the provider as its base64 form, and the evidence hashes its bytes.
    assert.ok(seen.has(bytes.toString('base64')), 'held as base64');
    const exported = await runMain([...g, '--json', 'evidence', 'export', id]);
    assert.equal(exported.code, 0, exported.stderr);
    const bundle = JSON.parse(readFileSync(exported.json().path, 'utf8'));
    const added = bundle.entries.filter((e: any) => e.type === 'artifact.added').map((e: any) => e.payload);
    const bin = added.find((p: any) => p.attributes.valueEncoding === 'base64');
    assert.ok(bin, JSON.stringify(added));
    assert.equal(bin.secretHash, sha256(bytes));
    assert.equal(bin.externalId, `sha256:${sha256(bytes)}`);
    const txt = added.find((p: any) => p !== bin);
    assert.equal(txt.secretHash, sha256('text-token-1'), 'text is trimmed and hashed as before');
    assert.deepEqual(txt.attributes, {});
  });
});
