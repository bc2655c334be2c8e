import { describe, expect, it } from 'vitest';
import { agentFieldsEnricher, parseStaticTags, staticTagsEnricher } from '../../../shipper/enrich/static-tags.ts';
import type { Line } from '../../../shipper/record.ts';

const line: Line = { source: '1:2:abc', path: '/var/log/nginx/access.log', text: 'x', offset: 0, endOffset: 2 };

describe('static tags', () => {
  it('nest dotted keys and keep values as strings, "=" inside a value included', () => {
    expect(parseStaticTags(['env=prod', 'service.name=shop', 'service.version=1.2', 'labels.query=a=b', 'empty='])).toEqual({
      ok: true,
      fields: { env: 'prod', service: { name: 'shop', version: '1.2' }, labels: { query: 'a=b' }, empty: '' },
    });
  });

  it('report every malformed tag at once', () => {
    expect(parseStaticTags(['noequals', '=x', 'a..b=1', 'ok=1', 'ok.child=2', 'p.q=1', 'p=2'])).toEqual({
      ok: false,
      errors: [
        'tag "noequals": expected key=value',
        'tag "=x": the key has an empty part',
        'tag "a..b=1": the key has an empty part',
        'tag "ok.child=2": ok already has a value',
        'tag "p=2": p is already the parent of other tags',
      ],
    });
  });

  it('refuse to build an enricher from malformed tags, naming them', () => {
    expect(() => staticTagsEnricher(['broken'])).toThrow('tag "broken": expected key=value');
  });

  it('add the tags to each record without changing the record given', () => {
    const enrich = staticTagsEnricher(['service.name=shop', 'labels.env=prod']);
    const record = { message: 'm', labels: { team: 'a' } };
    const enriched = enrich(record, line);
    expect(enriched).toEqual({ message: 'm', labels: { team: 'a', env: 'prod' }, service: { name: 'shop' } });
    expect(record).toEqual({ message: 'm', labels: { team: 'a' } });
  });

  it('override a parsed value with a configured one, but never turn a field into an object or back', () => {
    const enrich = staticTagsEnricher(['event.dataset=custom', 'message.kind=x', 'url=flat']);
    const enriched = enrich({ message: 'm', event: { dataset: 'nginx.access' }, url: { path: '/' } }, line);
    expect(enriched).toEqual({ message: 'm', event: { dataset: 'custom' }, url: { path: '/' } });
  });

  it('return records unchanged when there are no tags', () => {
    const record = { message: 'm' };
    expect(staticTagsEnricher([])(record, line)).toBe(record);
  });
});

describe('agent fields', () => {
  it('name the host and the shipper on each record', () => {
    const enrich = agentFieldsEnricher({ hostName: 'node-a', version: '0.1.0' });
    expect(enrich({ message: 'm', host: { ip: ['10.0.0.1'] } }, line)).toEqual({
      message: 'm', host: { ip: ['10.0.0.1'], name: 'node-a' }, agent: { type: 'logship', version: '0.1.0' },
    });
  });
});
