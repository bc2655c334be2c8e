/**
 * Validation of Kubernetes objects against the API's OpenAPI schemas, as compiled by the kubernetes-models
 * packages (kubernetes-models for the built-in kinds, @kubernetes-models/cert-manager for cert-manager's).
 *
 * The API's schemas allow unknown fields, but `kubectl apply` rejects them (strict field validation), and a
 * typo such as `readOnlyRootFileSystem` would otherwise pass silently. So the validator also reports every
 * field the schema does not know: the object is wrapped in proxies that record which properties the
 * compiled validator looks up; a key in an object the validator inspected by name, but never asked for,
 * is unknown to the schema. Objects it iterates (maps such as labels) or never looks into (free-form
 * fields) are not judged.
 *
 * One quirk of the compiled schemas: their generator strips every `description` key, including the one
 * field that is named so (PriorityClass.description), so a field called `description` is never judged.
 */

type Json = Record<string, unknown>;
type ModelClass = { prototype: { validate(this: unknown): void } };

const GROUP_MODULES: Record<string, () => Promise<Record<string, unknown>>> = {
  'v1': () => import('kubernetes-models/v1'),
  'apps/v1': () => import('kubernetes-models/apps/v1'),
  'policy/v1': () => import('kubernetes-models/policy/v1'),
  'rbac.authorization.k8s.io/v1': () => import('kubernetes-models/rbac.authorization.k8s.io/v1'),
  'scheduling.k8s.io/v1': () => import('kubernetes-models/scheduling.k8s.io/v1'),
  'admissionregistration.k8s.io/v1': () => import('kubernetes-models/admissionregistration.k8s.io/v1'),
  'cert-manager.io/v1': () => import('@kubernetes-models/cert-manager/cert-manager.io/v1'),
};

export async function modelFor(apiVersion: string, kind: string): Promise<ModelClass | undefined> {
  const load = GROUP_MODULES[apiVersion];
  if (load === undefined) return undefined;
  const model = (await load())[kind] as ModelClass | undefined;
  return typeof model === 'function' ? model : undefined;
}

/** Every problem with the object: schema violations and unknown fields, each with its path. */
export async function validateObject(object: Json): Promise<string[]> {
  const apiVersion = String(object.apiVersion);
  const kind = String(object.kind);
  const model = await modelFor(apiVersion, kind);
  if (model === undefined) return [`no schema known for ${apiVersion} ${kind}`];
  const tracker = createTracker();
  const problems: string[] = [];
  try {
    model.prototype.validate.call(tracker.wrap(object));
  } catch (error) {
    const errors = (error as { errors?: Array<{ instancePath?: string; message?: string }> }).errors;
    if (Array.isArray(errors) && errors.length > 0) problems.push(...errors.map((e) => `${e.instancePath || '/'} ${e.message ?? ''}`.trim()));
    else problems.push((error as Error).message);
  }
  problems.push(...tracker.unknownFields(object).map((path) => `${path}: unknown field`));
  return problems;
}

function createTracker(): { wrap(value: Json): Json; unknownFields(root: Json): string[] } {
  const asked = new WeakMap<object, Set<string>>();
  const iterated = new WeakSet<object>();
  const proxies = new WeakMap<object, object>();
  const note = (target: object, key: string | symbol): void => {
    if (typeof key !== 'string') return;
    let keys = asked.get(target);
    if (keys === undefined) asked.set(target, (keys = new Set()));
    keys.add(key);
  };
  const wrap = <T>(value: T): T => {
    if (typeof value !== 'object' || value === null) return value;
    const existing = proxies.get(value);
    if (existing !== undefined) return existing as T;
    const proxy = new Proxy(value, {
      get(target, key, receiver) {
        note(target, key);
        return wrap(Reflect.get(target, key, receiver));
      },
      has(target, key) {
        note(target, key);
        return Reflect.has(target, key);
      },
      ownKeys(target) {
        iterated.add(target);
        return Reflect.ownKeys(target);
      },
    });
    proxies.set(value, proxy);
    return proxy;
  };
  const unknownFields = (root: Json): string[] => {
    const out: string[] = [];
    const visit = (value: unknown, path: string): void => {
      if (Array.isArray(value)) return value.forEach((item, i) => visit(item, `${path}/${i}`));
      if (typeof value !== 'object' || value === null) return;
      const keys = asked.get(value);
      const judged = keys !== undefined && !iterated.has(value);
      for (const [key, child] of Object.entries(value)) {
        if (judged && !keys.has(key) && key !== 'description') out.push(`${path}/${key}`);
        else visit(child, `${path}/${key}`);
      }
    };
    visit(root, '');
    return out;
  };
  return { wrap, unknownFields };
}
