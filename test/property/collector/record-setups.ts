/**
 * The container record settings the collector's property tests vary (fast-records, byte-lines): the
 * enrichers (plain agent fields, static tags, a tag inside the container's own fields, none), the pod
 * policies set by annotations, JSON lifting and the content limit.
 */
import type { ContainerRecordOptions } from '../../../shipper/collector/container-records.ts';
import type { ContainerResolver } from '../../../shipper/collector/container-resolver.ts';
import { createContainerStreams } from '../../../shipper/collector/container-streams.ts';
import type { ContainerRef } from '../../../shipper/enrich/kubernetes-fields.ts';
import { agentFieldsEnricher, staticTagsEnricher } from '../../../shipper/enrich/static-tags.ts';
import { compileAccessFormat } from '../../../shipper/parse/nginx-access.ts';
import { createErrorParser } from '../../../shipper/parse/nginx-error.ts';
import type { Enricher, Line } from '../../../shipper/record.ts';

const EMPTY_LINE: Line = { source: '', path: '', text: '', offset: 0, endOffset: 0 };
const agent = agentFieldsEnricher({ hostName: 'node-1', version: '0.1.0' });
const tagged: Enricher = (record, line) => staticTagsEnricher(['service.name=shop', 'env=prod'])(agent(record, line), line);
/** A tag inside the container's own fields: no record can share pre-serialized container fields. */
const overlapping: Enricher = (record, line) => staticTagsEnricher(['kubernetes.cluster=eu-1'])(agent(record, line), line);
export const ENRICHERS = { agent, tagged, overlapping, none: undefined } as const;

export const POLICIES: Record<string, Record<string, string>> = {
  plain: {},
  dataset: { 'logship.io/dataset': 'Shop Audit' },
  nginx: { 'logship.io/parser': 'nginx' },
  excluded: { 'logship.io/exclude': 'true' },
};

export interface RecordSetup {
  readonly enricher: keyof typeof ENRICHERS;
  readonly policy: string;
  readonly parseJson: boolean;
  readonly maxBytes: number;
}

export function recordOptions(setup: RecordSetup): ContainerRecordOptions {
  const enrich = ENRICHERS[setup.enricher];
  return {
    namespace: 'default',
    accessParser: compileAccessFormat('combined'),
    errorParser: createErrorParser({ timeZone: 'UTC' }),
    parseJson: setup.parseJson,
    enrich: enrich ?? agent,
    ...(enrich === undefined ? {} : { commonFields: enrich({}, EMPTY_LINE) }),
    now: () => '2026-11-24T06:00:00.000Z',
  };
}

export function refOf(policy: string): ContainerRef {
  return {
    runtime: 'docker',
    containerId: 'c0ffee',
    image: 'shop/app:1',
    pod: { namespace: 'shop', name: 'web-0', uid: 'u-1', containerName: 'web' },
    podLabels: { app: 'web' },
    podAnnotations: POLICIES[policy]!,
    owners: [],
  };
}

/** The collector's container streams for one container of `setup`, settled byte ranges pushed to `settled`. */
export function containerStreamsFor(setup: RecordSetup, settled: number[][]): ReturnType<typeof createContainerStreams> {
  const ref = refOf(setup.policy);
  const resolver: ContainerResolver = { resolve: () => ({ kind: 'container', ref, key: 'test' }), containerIdOf: () => undefined, include: [] };
  return createContainerStreams({
    resolver,
    pods: undefined,
    nodeName: 'node-1',
    keepAnnotation: () => false,
    records: recordOptions(setup),
    maxBytes: setup.maxBytes,
    partialTimeoutMs: 1000,
    multiline: undefined,
    excludeNamespaces: [],
    selfPod: undefined,
    settle: (_, offset, endOffset) => settled.push([offset, endOffset]),
  });
}
