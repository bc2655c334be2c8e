/**
 * ILM policies, stored and echoed so that Filebeat's setup (`GET` then `PUT /_ilm/policy/<name>`) works.
 * The embedded store applies its own retention (`--retention`, `--max-disk-bytes`), not these phases;
 * policies are kept in memory and a shipper simply PUTs them again after a restart.
 */
import type { JsonObject } from '../store/types.ts';

export interface IlmPolicy {
  readonly version: number;
  readonly modified_date: string;
  readonly policy: JsonObject;
}

export interface IlmPolicies {
  get(name: string): IlmPolicy | undefined;
  list(): ReadonlyArray<[string, IlmPolicy]>;
  put(name: string, policy: JsonObject): IlmPolicy;
  delete(name: string): boolean;
}

export function createIlmPolicies(now: () => Date = () => new Date()): IlmPolicies {
  const policies = new Map<string, IlmPolicy>();
  return {
    get: (name) => policies.get(name),
    list: () => [...policies.entries()],
    put(name, policy) {
      const stored = { version: (policies.get(name)?.version ?? 0) + 1, modified_date: now().toISOString(), policy };
      policies.set(name, stored);
      return stored;
    },
    delete: (name) => policies.delete(name),
  };
}
