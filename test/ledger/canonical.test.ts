import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SeverError } from '../../src/core/errors.ts';
import { canonicalBytes, canonicalize, hashObservation, isCanonicalizable } from '../../src/ledger/index.ts';

const f64 = (hex: string): number => Buffer.from(hex, 'hex').readDoubleBE(0);

test('RFC 8785 appendix B: number serialization', () => {
  const vectors: [string, string][] = [
    ['0000000000000000', '0'],
    ['8000000000000000', '0'],
    ['0000000000000001', '5e-324'],
    ['8000000000000001', '-5e-324'],
    ['7fefffffffffffff', '1.7976931348623157e+308'],
    ['ffefffffffffffff', '-1.7976931348623157e+308'],
    ['4340000000000000', '9007199254740992'],
    ['c340000000000000', '-9007199254740992'],
    ['4430000000000000', '295147905179352830000'],
    ['44b52d02c7e14af5', '9.999999999999997e+22'],
    ['44b52d02c7e14af6', '1e+23'],
    ['44b52d02c7e14af7', '1.0000000000000001e+23'],
    ['444b1ae4d6e2ef4e', '999999999999999700000'],
    ['444b1ae4d6e2ef4f', '999999999999999900000'],
    ['444b1ae4d6e2ef50', '1e+21'],
    ['3eb0c6f7a0b5ed8c', '9.999999999999997e-7'],
    ['3eb0c6f7a0b5ed8d', '0.000001'],
    ['41b3de4355555553', '333333333.3333332'],
    ['41b3de4355555554', '333333333.33333325'],
    ['41b3de4355555555', '333333333.3333333'],
    ['41b3de4355555556', '333333333.3333334'],
    ['41b3de4355555557', '333333333.33333343'],
    ['becbf647612f3696', '-0.0000033333333333333333'],
    ['43143ff3c1cb0959', '1424953923781206.2'],
  ];
  for (const [bits, expected] of vectors) assert.equal(canonicalize(f64(bits)), expected, bits);
});

test('RFC 8785 §3.2.2: the sample document', () => {
  const input = `{
    "numbers": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001],
    "string": "\\u20ac$\\u000F\\u000aA'\\u0042\\u0022\\u005c\\\\\\"\\/",
    "literals": [null, true, false]
  }`;
  assert.equal(
    canonicalize(JSON.parse(input)),
    '{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],"string":"€$\\u000f\\nA\'B\\"\\\\\\\\\\"/"}',
  );
});

test('RFC 8785 §3.2.3: members sorted by UTF-16 code units', () => {
  const input = JSON.parse(`{
    "\\u20ac": "Euro Sign",
    "\\r": "Carriage Return",
    "\\ufb33": "Hebrew Letter Dalet With Dagesh",
    "1": "One",
    "\\ud83d\\ude00": "Emoji: Grinning Face",
    "\\u0080": "Control",
    "\\u00f6": "Latin Small Letter O With Diaeresis"
  }`);
  // Read the order from the text: parsing it back would move "1" first (an integer-like key).
  const order = [...canonicalize(input).matchAll(/:"([^"]+)"/g)].map((m) => m[1]);
  assert.deepEqual(order, [
    'Carriage Return',
    'One',
    'Control',
    'Latin Small Letter O With Diaeresis',
    'Euro Sign',
    'Emoji: Grinning Face',
    'Hebrew Letter Dalet With Dagesh',
  ]);
});

test('RFC 8785 §3.2.4: UTF-8 output', () => {
  assert.deepEqual([...canonicalBytes({ a: '€' })], [...Buffer.from('{"a":"€"}', 'utf8')]);
  assert.deepEqual([...canonicalBytes('\u{1f600}')], [0x22, 0xf0, 0x9f, 0x98, 0x80, 0x22]);
});

test('escapes exactly the control characters, " and \\', () => {
  assert.equal(canonicalize('\b\t\n\f\r\u0000\u001f\u007f"\\/'), '"\\b\\t\\n\\f\\r\\u0000\\u001f\u007f\\"\\\\/"');
  assert.equal(canonicalize([]), '[]');
  assert.equal(canonicalize({}), '{}');
  assert.equal(canonicalize({ b: [1, { d: null, c: true }], a: -0 }), '{"a":0,"b":[1,{"c":true,"d":null}]}');
  assert.equal(canonicalize(Object.assign(Object.create(null) as object, { z: 1 })), '{"z":1}');
});

test('refuses anything outside the JSON data model, naming the path', () => {
  const cyclic: Record<string, unknown> = {};
  cyclic.self = cyclic;
  const bad: [unknown, string][] = [
    [Number.NaN, '$'],
    [{ a: Infinity }, '$.a'],
    [{ a: [1, -Infinity] }, '$.a[1]'],
    [undefined, '$'],
    [{ a: undefined }, '$.a'],
    [[undefined], '$[0]'],
    [{ f: () => 1 }, '$.f'],
    [Symbol('x'), '$'],
    [10n, '$'],
    [{ d: new Date(0) }, '$.d'],
    [new Map(), '$'],
    [{ s: 'lone \ud800 surrogate' }, '$.s'],
    [{ ['\udc00']: 1 }, '$.\udc00'],
    [[1, , 3], '$[1]'],
    [cyclic, '$.self'],
    [{ toJSON: () => 1 }, '$'],
    [{ [Symbol('k')]: 1 }, '$'],
  ];
  for (const [value, path] of bad) {
    assert.throws(
      () => canonicalize(value),
      (e: unknown) => e instanceof SeverError && e.code === 'ERR_CANONICAL_JSON' && e.details.path === path,
      `${String(path)}`,
    );
    assert.equal(isCanonicalizable(value), false);
  }
  let deep: unknown = 1;
  for (let i = 0; i < 100; i++) deep = [deep];
  assert.throws(() => canonicalize(deep), { code: 'ERR_CANONICAL_JSON' });
});

test('a shared (non-cyclic) object may appear twice', () => {
  const shared = { x: 1 };
  assert.equal(canonicalize({ a: shared, b: shared }), '{"a":{"x":1},"b":{"x":1}}');
});

test('hashObservation is SHA-256 of the canonical form, independent of member order', () => {
  assert.equal(hashObservation({ b: 2, a: 1 }), hashObservation({ a: 1, b: 2 }));
  // sha256('{"a":1,"b":2}')
  assert.equal(hashObservation({ a: 1, b: 2 }), '43258cff783fe7036d8a43033f830adfc60ec037382473548ac742b888292777');
  assert.throws(() => hashObservation({ a: Number.NaN }), { code: 'ERR_CANONICAL_JSON' });
});
