import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import {
  kubernetesFields, ownerOf, parseDownwardApiFile, podIdentityEnricher, readPodIdentity, sanitizeLabelKey, unquoteGoString, type PodIdentity,
} from '../../../shipper/enrich/downward-api.ts';
import type { Line } from '../../../shipper/record.ts';

const line: Line = { source: '1:2:abc', path: '/var/log/nginx/access.log', text: 'x', offset: 0, endOffset: 2 };
const directory = mkdtempSync(join(tmpdir(), 'logship-downward-'));
afterAll(() => rmSync(directory, { recursive: true, force: true }));

function file(name: string, content: string): string {
  const path = join(directory, name);
  writeFileSync(path, content);
  return path;
}

describe('Go-quoted Downward API values', () => {
  it.each([
    ['a plain value', '"web"', 'web'],
    ['an empty value', '""', ''],
    ['escaped quote and backslash', '"say \\"hi\\" \\\\ bye"', 'say "hi" \\ bye'],
    ['newline, tab and the other C escapes', '"a\\nb\\tc\\rd\\ae\\bf\\fg\\vh"', 'a\nb\tc\rd\u0007e\bf\fg\u000bh'],
    ['printable Unicode kept raw by Go', '"café 😀"', 'café 😀'],
    ['\\u and \\U escapes of unprintable runes', '"zero\\u200bwidth \\U0001f600"', 'zero\u200bwidth 😀'],
    ['\\x bytes forming UTF-8 together', '"caf\\xc3\\xa9"', 'café'],
    ['octal bytes', '"\\101\\102"', 'AB'],
    ['a JSON annotation as kubectl writes it', '"{\\"apiVersion\\":\\"v1\\"}\\n"', '{"apiVersion":"v1"}\n'],
  ])('decode %s', (_case, quoted, expected) => {
    expect(unquoteGoString(quoted)).toBe(expected);
  });

  it.each([
    ['no quotes', 'web'],
    ['an unescaped quote inside', '"a"b"'],
    ['an unknown escape', '"\\q"'],
    ['a cut \\x escape', '"\\x4"'],
    ['a lone opening quote', '"'],
  ])('refuse %s', (_case, quoted) => {
    expect(unquoteGoString(quoted)).toBeUndefined();
  });

  it('decode any text quoted the way Go may quote it, escapes of every kind mixed', () => {
    const C_ESCAPES: Record<string, string> = { '\x07': '\\a', '\b': '\\b', '\f': '\\f', '\n': '\\n', '\r': '\\r', '\t': '\\t', '\v': '\\v', '"': '\\"', '\\': '\\\\' };
    const hex = (n: number, width: number): string => n.toString(16).padStart(width, '0');
    /** strconv.Quote's forms: C escapes, \x for control bytes, raw or \u/\U for the rest. */
    const goQuote = (value: string, styles: readonly number[]): string => {
      let out = '"';
      let i = 0;
      for (const char of value) {
        const codePoint = char.codePointAt(0)!;
        const style = styles[i++ % styles.length]!;
        if (C_ESCAPES[char] !== undefined) out += C_ESCAPES[char];
        else if (codePoint < 0x20 || codePoint === 0x7f) out += style === 0 ? '\\x' + hex(codePoint, 2) : '\\' + codePoint.toString(8).padStart(3, '0');
        else if (style === 1 && codePoint <= 0xffff) out += '\\u' + hex(codePoint, 4);
        else if (style === 2) out += '\\U' + hex(codePoint, 8);
        else if (style === 3 && codePoint >= 0x80) out += [...Buffer.from(char, 'utf8')].map((byte) => '\\x' + hex(byte, 2)).join('');
        else out += char;
      }
      return out + '"';
    };
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 40 }).filter((value) => value.isWellFormed()), fc.array(fc.integer({ min: 0, max: 4 }), { minLength: 1, maxLength: 8 }), (value, styles) => {
        expect(unquoteGoString(goQuote(value, styles))).toBe(value);
      }),
      { numRuns: 1000 },
    );
  });

  it('read a file of key="value" lines and report the malformed ones by line number', () => {
    const text = 'app="shop"\napp.kubernetes.io/name="shop-web"\nbroken line\npod-template-hash="7d9f8b6c5d"\nbad="unterminated\n';
    expect(parseDownwardApiFile(text)).toEqual({
      entries: { app: 'shop', 'app.kubernetes.io/name': 'shop-web', 'pod-template-hash': '7d9f8b6c5d' },
      invalidLines: [3, 5],
    });
  });

  it('keep everything after the first "=" as the value, even an "=" inside it', () => {
    expect(parseDownwardApiFile('note="a=b"').entries).toEqual({ note: 'a=b' });
  });
});

describe('reading the pod identity', () => {
  const env = { POD_NAME: 'shop-web-7d9f8b6c5d-x2k4q', POD_NAMESPACE: 'shop', POD_UID: '0b8f-uid', POD_IP: '10.244.1.7', NODE_NAME: 'node-a', CONTAINER_NAME: 'nginx', HOME: '/root' };
  const labels = file('labels', 'app.kubernetes.io/name="shop-web"\napp="shop"\npod-template-hash="7d9f8b6c5d"\n');
  const annotations = file('annotations', 'kubernetes.io/config.seen="2026-11-23T06:00:00Z"\nlogship.io/team="payments"\nlogship.io/owner="ops"\nprometheus.io/scrape="true"\n');

  it('take the env fields and all labels, and only the allow-listed annotations', () => {
    expect(readPodIdentity(env, { labels, annotations }, ['prometheus.io/scrape', 'logship.io/*'])).toEqual({
      namespace: 'shop', podName: 'shop-web-7d9f8b6c5d-x2k4q', podUid: '0b8f-uid', podIp: '10.244.1.7', nodeName: 'node-a', containerName: 'nginx',
      labels: { 'app.kubernetes.io/name': 'shop-web', app: 'shop', 'pod-template-hash': '7d9f8b6c5d' },
      annotations: { 'logship.io/team': 'payments', 'logship.io/owner': 'ops', 'prometheus.io/scrape': 'true' },
      warnings: [],
    });
  });

  it('treat missing Downward API files and unset env as unknown, not as an error', () => {
    expect(readPodIdentity({ POD_NAME: '' }, { labels: join(directory, 'absent-labels'), annotations: join(directory, 'absent') }, ['*'])).toEqual({
      labels: {}, annotations: {}, warnings: [],
    });
  });

  it('warn once about malformed lines and keep the good ones', () => {
    const odd = file('odd-labels', 'good="1"\nnot a label\n');
    const identity = readPodIdentity({}, { labels: odd, annotations: odd });
    expect(identity.labels).toEqual({ good: '1' });
    expect(identity.warnings).toEqual([`${odd}: skipped malformed line(s) 2`]);
  });

  it('throw for a Downward API path that exists but cannot be read as a file', () => {
    expect(() => readPodIdentity({}, { labels: directory, annotations: annotations })).toThrow();
  });
});

describe('the kubernetes fields of a record', () => {
  it.each([
    ['app.kubernetes.io/name', 'app_kubernetes_io/name'],
    ['app', 'app'],
    ['a.b.c', 'a_b_c'],
    ['example.com/x_y', 'example_com/x_y'],
  ])('store the label key %s as %s', (key, sanitized) => {
    expect(sanitizeLabelKey(key)).toBe(sanitized);
  });

  it.each([
    ['a Deployment from its pod-template-hash', 'shop-web-7d9f8b6c5d-x2k4q', { 'pod-template-hash': '7d9f8b6c5d' }, { kind: 'deployment', name: 'shop-web' }],
    ['a StatefulSet from its pod-name label', 'db-2', { 'statefulset.kubernetes.io/pod-name': 'db-2', 'controller-revision-hash': 'db-6b8f' }, { kind: 'statefulset', name: 'db' }],
    ['a DaemonSet from its revision labels', 'agent-4xk9z', { 'controller-revision-hash': '5d8c', 'pod-template-generation': '3' }, { kind: 'daemonset', name: 'agent' }],
    ['a Job from its job-name label', 'backup-28934-abcde', { 'job-name': 'backup-28934', 'controller-uid': 'u' }, { kind: 'job', name: 'backup-28934' }],
    ['no owner for a bare pod', 'debug', {}, undefined],
    ['no owner when the name does not carry the template hash', 'shop-web-x2k4q', { 'pod-template-hash': '7d9f8b6c5d' }, undefined],
  ])('derive %s', (_case, podName, labels, owner) => {
    expect(ownerOf(podName, labels)).toEqual(owner);
  });

  const identity: PodIdentity = {
    namespace: 'shop', podName: 'shop-web-7d9f8b6c5d-x2k4q', podUid: 'uid-1', podIp: '10.244.1.7', nodeName: 'node-a', containerName: 'nginx',
    labels: { 'app.kubernetes.io/name': 'shop-web', app: 'shop', 'pod-template-hash': '7d9f8b6c5d' },
    annotations: { 'logship.io/team': 'payments' },
    warnings: [],
  };

  it('carry the pod identity with sanitised label and annotation keys and the deployment', () => {
    expect(kubernetesFields(identity)).toEqual({
      namespace: 'shop',
      pod: { name: 'shop-web-7d9f8b6c5d-x2k4q', uid: 'uid-1', ip: '10.244.1.7' },
      node: { name: 'node-a' },
      container: { name: 'nginx' },
      labels: { 'app_kubernetes_io/name': 'shop-web', app: 'shop', 'pod-template-hash': '7d9f8b6c5d' },
      annotations: { 'logship_io/team': 'payments' },
      deployment: { name: 'shop-web' },
    });
  });

  it('are added to each record without changing the record given', () => {
    const enrich = podIdentityEnricher(identity);
    const record = { '@timestamp': '2026-11-23T06:16:36.000Z', message: 'm', url: { path: '/' } };
    const before = structuredClone(record);
    const enriched = enrich(record, line);
    expect(record).toEqual(before);
    expect(enriched).toEqual({ ...before, kubernetes: kubernetesFields(identity) });
  });

  it('merge into kubernetes fields a record already has, keeping its own', () => {
    const enrich = podIdentityEnricher(identity);
    const enriched = enrich({ message: 'm', kubernetes: { container: { id: 'c1' } } }, line);
    expect(enriched.kubernetes).toMatchObject({ container: { id: 'c1', name: 'nginx' }, namespace: 'shop' });
  });

  it('share one frozen kubernetes object so no stage can change another record through it', () => {
    const enrich = podIdentityEnricher(identity);
    const first = enrich({ message: 'a' }, line);
    const second = enrich({ message: 'b' }, line);
    expect(first.kubernetes).toBe(second.kubernetes);
    expect(Object.isFrozen(first.kubernetes)).toBe(true);
    expect(() => { (first.kubernetes as { namespace: string }).namespace = 'other'; }).toThrow(TypeError);
  });

  it('add nothing when the pod is unknown', () => {
    const enrich = podIdentityEnricher({ labels: {}, annotations: {}, warnings: [] });
    const record = { message: 'm' };
    expect(enrich(record, line)).toEqual({ message: 'm' });
  });
});
