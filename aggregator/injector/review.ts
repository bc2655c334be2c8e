/**
 * `AdmissionReview` (admission.k8s.io/v1) in, `AdmissionReview` out. Pure.
 *
 * A review that is not a v1 AdmissionReview with a `request.uid` cannot be answered (the response must
 * echo the uid), so it is reported as a problem list and the HTTP layer turns it into a 400; with
 * `failurePolicy: Ignore` the API server then admits the pod unchanged. Everything else is admitted:
 * the webhook only ever adds the sidecar, it never refuses a pod.
 */
import { planInjection, type SidecarSettings } from './patch.ts';

export interface AdmissionResponse {
  readonly uid: string;
  readonly allowed: true;
  readonly patchType?: 'JSONPatch';
  /** base64 of the JSON Patch document. */
  readonly patch?: string;
  readonly warnings?: string[];
}

export interface AdmissionReviewResponse {
  readonly apiVersion: 'admission.k8s.io/v1';
  readonly kind: 'AdmissionReview';
  readonly response: AdmissionResponse;
}

export type ReviewOutcome =
  | { readonly ok: true; readonly review: AdmissionReviewResponse; readonly injected: boolean; readonly reason: string }
  | { readonly ok: false; readonly problems: string[] };

export function answerReview(body: unknown, settings: SidecarSettings): ReviewOutcome {
  const problems: string[] = [];
  if (!isObject(body)) return { ok: false, problems: ['the body must be a JSON object (an AdmissionReview)'] };
  if (body.apiVersion !== 'admission.k8s.io/v1') problems.push(`apiVersion must be "admission.k8s.io/v1" (got ${JSON.stringify(body.apiVersion)}); admissionReviewVersions must be [v1]`);
  if (body.kind !== 'AdmissionReview') problems.push(`kind must be "AdmissionReview" (got ${JSON.stringify(body.kind)})`);
  const request = body.request;
  if (!isObject(request)) problems.push('request must be an object');
  else if (typeof request.uid !== 'string' || request.uid === '') problems.push('request.uid must be a non-empty string');
  if (problems.length > 0 || !isObject(request)) return { ok: false, problems };
  const uid = request.uid as string;

  const kind = isObject(request.kind) ? request.kind : {};
  if (kind.kind !== undefined && (kind.kind !== 'Pod' || (kind.group ?? '') !== '')) {
    return admit(uid, false, `not a pod (${String(kind.group ?? '')}/${String(kind.kind)})`);
  }
  if (request.operation !== undefined && request.operation !== 'CREATE') return admit(uid, false, `operation ${String(request.operation)} is not CREATE`);
  if (request.object === undefined || request.object === null) {
    return admit(uid, false, 'request.object is missing', ['logship: the review carries no pod (request.object); nothing injected']);
  }

  const decision = planInjection(request.object, settings);
  if (!decision.inject) return admit(uid, false, decision.reason, decision.warning === undefined ? undefined : [decision.warning]);
  const patch = Buffer.from(JSON.stringify(decision.patch)).toString('base64');
  return {
    ok: true,
    injected: true,
    reason: `injected beside container ${decision.container}`,
    review: { apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', response: { uid, allowed: true, patchType: 'JSONPatch', patch } },
  };
}

function admit(uid: string, injected: boolean, reason: string, warnings?: string[]): ReviewOutcome {
  const response: AdmissionResponse = warnings === undefined ? { uid, allowed: true } : { uid, allowed: true, warnings };
  return { ok: true, injected, reason, review: { apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', response } };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
