import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseContainerLinkName, parseDockerLogPath, parsePodLogPath, podContainerKey } from '../../../shipper/enrich/kubernetes-path.ts';
import { parseDockerConfig } from '../../../shipper/enrich/kubernetes-docker.ts';
import { CORPUS_ROOT } from '../../helpers/corpus.ts';

const CORPUS = `${CORPUS_ROOT}/containers`;
const DOCKER = join(CORPUS, 'layout/var/lib/docker/containers');
const CHECKOUT = '25cc191df2648a2c13b29d54b290c83f5a64217406ce960a794afb8eaae9ebbc';
const SANDBOX = '2cdcdc621a0f51cdea04b95d845218899e4ad729c08a52a6bb5999298ef7a2f7';
const AUDIT = '902e2c4bbd0e46ff8b5ee1cd8d54884359eea3ba60e561618a6d2431d1be41cb';
const PLAIN = '043b521509b63b46e785a897f9264cecb3531ebc83d5072fcaeeeae6336bce57';

describe('Kubernetes identity from a CRI pod log path', () => {
  const root = '/var/log/pods';
  it.each([
    ['payments_ledger-api-5f6b8c9d7-q4wz2_863b9313-ae40-4d22-bdc1-84a7c670795c/ledger-api/0.log', 'payments', 'ledger-api-5f6b8c9d7-q4wz2', '863b9313-ae40-4d22-bdc1-84a7c670795c', 'ledger-api', 0, false],
    ['payments_ledger-worker-0_cc80baef-3272-4fcd-a290-b97963dbb86b/worker/0.log.20261123-065132', 'payments', 'ledger-worker-0', 'cc80baef-3272-4fcd-a290-b97963dbb86b', 'worker', 0, true],
    ['kube-system_coredns-5d78c9869d-abcde_0f0e/coredns/12.log', 'kube-system', 'coredns-5d78c9869d-abcde', '0f0e', 'coredns', 12, false],
  ])('reads %s as namespace, pod, uid, container and restart count', (rel, namespace, podName, podUid, containerName, restartCount, rotated) => {
    expect(parsePodLogPath(`${root}/${rel}`, root)).toEqual({ namespace, podName, podUid, containerName, restartCount, rotated });
  });

  it.each([
    'payments_ledger-worker-0_cc80baef/worker/0.log.20261123-065130.gz',
    'payments_ledger-worker-0_cc80baef/worker/notes.txt',
    'payments_ledger-worker-0/worker/0.log',
    'stray.log',
    '../escape_pod_uid/c/0.log',
  ])('rejects %s (compressed rotations, foreign files, wrong depth)', (rel) => {
    expect(parsePodLogPath(`${root}/${rel}`, root)).toBeUndefined();
  });
});

describe('docker identity from a json-file log path', () => {
  it('reads the container id from the live file and from docker rotations', () => {
    expect(parseDockerLogPath(`${DOCKER}/${AUDIT}/${AUDIT}-json.log`, DOCKER)).toEqual({ containerId: AUDIT, rotated: false });
    expect(parseDockerLogPath(`${DOCKER}/${AUDIT}/${AUDIT}-json.log.2`, DOCKER)).toEqual({ containerId: AUDIT, rotated: true });
  });

  it('rejects a log whose name does not match its directory, and other files', () => {
    expect(parseDockerLogPath(`${DOCKER}/${AUDIT}/${CHECKOUT}-json.log`, DOCKER)).toBeUndefined();
    expect(parseDockerLogPath(`${DOCKER}/${AUDIT}/config.v2.json`, DOCKER)).toBeUndefined();
  });
});

describe('kubelet /var/log/containers link names', () => {
  it('splits pod, namespace, container and container id, even when the container name has dashes', () => {
    expect(parseContainerLinkName(`ledger-api-5f6b8c9d7-q4wz2_payments_ledger-api-488571d8d4ddb1e56141117aa3772159d8270cc2fbc8e0fe1f0ca5cf9e8101b4.log`)).toEqual({
      podName: 'ledger-api-5f6b8c9d7-q4wz2',
      namespace: 'payments',
      containerName: 'ledger-api',
      containerId: '488571d8d4ddb1e56141117aa3772159d8270cc2fbc8e0fe1f0ca5cf9e8101b4',
    });
  });

  it('keys a live file and its rotations by pod directory and container', () => {
    expect(podContainerKey('/x/payments_w-0_u/worker/0.log')).toBe('payments_w-0_u/worker');
    expect(podContainerKey('/y/payments_w-0_u/worker/0.log.20261123-065132')).toBe('payments_w-0_u/worker');
  });
});

describe("docker's config.v2.json", () => {
  const read = (id: string) => parseDockerConfig(readFileSync(join(DOCKER, id, 'config.v2.json'), 'utf8'));

  it('gives the Kubernetes identity of a container created by dockershim (dockerd capture)', () => {
    const info = read(CHECKOUT);
    expect(info).toMatchObject({
      id: CHECKOUT,
      name: 'k8s_checkout_checkout-7d9c5b6f4-x2k8p_shop_2520f245-222d-4e1f-84b9-ccf00ef49738_0',
      image: 'bbstatic:2',
      sandbox: false,
      kubernetes: {
        namespace: 'shop',
        podName: 'checkout-7d9c5b6f4-x2k8p',
        podUid: '2520f245-222d-4e1f-84b9-ccf00ef49738',
        containerName: 'checkout',
        sandboxId: SANDBOX,
        podLabels: {},
        podAnnotations: {},
      },
    });
  });

  it("recognises the pod sandbox and takes the pod's labels and annotations from it", () => {
    const info = read(SANDBOX);
    expect(info?.sandbox).toBe(true);
    expect(info?.kubernetes?.containerName).toBeUndefined();
    expect(info?.kubernetes?.podLabels).toEqual({ app: 'checkout', 'pod-template-hash': '7d9c5b6f4' });
    expect(info?.kubernetes?.podAnnotations).toEqual({ 'kubernetes.io/config.source': 'api' });
  });

  it('describes a plain docker container (fluent-bit sample) without Kubernetes identity', () => {
    const info = read(PLAIN);
    expect(info).toMatchObject({ id: PLAIN, name: 'objective_bassi', image: 'ubuntu:jammy', sandbox: false, kubernetes: undefined });
  });

  it('returns undefined for text that is not a docker config instead of throwing', () => {
    expect(parseDockerConfig('{"ID":')).toBeUndefined();
    expect(parseDockerConfig('[]')).toBeUndefined();
    expect(parseDockerConfig('null')).toBeUndefined();
  });
});
