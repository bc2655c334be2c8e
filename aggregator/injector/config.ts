/**
 * `logship injector`: the mutating admission webhook that adds the nginx log sidecar to annotated pods.
 * Its options describe the TLS server the API server calls and the sidecar it injects.
 */
import { Type, defineCommand } from '../../shipper/kit/options.ts';
import { commonOptions } from '../../shipper/kit/common-options.ts';

/** A Kubernetes resource quantity such as `100m`, `0.5`, `64Mi` or `1G`. */
const QUANTITY = '^[0-9]+(\\.[0-9]+)?(m|k|M|G|T|Ki|Mi|Gi|Ti)?$';

export const injectorCommand = defineCommand({
  name: 'injector',
  summary: 'Admission webhook (HTTPS) that injects the log-shipping sidecar into pods annotated logship.io/inject: nginx.',
  options: Type.Object({
    ...commonOptions,
    // The API server calls the webhook through a Service, so the default listens on every address. The
    // server speaks only TLS and only returns patches; it reads nothing and writes nothing.
    listen: Type.String({ format: 'listen', default: '0.0.0.0:8443', description: 'Address of the HTTPS server (POST /mutate, /healthz, /readyz, /metrics).' }),
    tlsCertFile: Type.String({ default: '/etc/logship/tls/tls.crt', description: 'PEM certificate (chain) the API server verifies against the webhook caBundle; re-read when it changes.' }),
    tlsKeyFile: Type.String({ default: '/etc/logship/tls/tls.key', description: 'PEM private key of --tls-cert-file; re-read when it changes.' }),
    tlsReloadInterval: Type.Integer({ minimum: 1000, maximum: 3_600_000, default: 60_000, 'x-unit': 'ms', description: 'How often the certificate files are checked for a renewal.' }),
    image: Type.String({ minLength: 1, default: 'logship:0.1.0', description: 'Image of the injected sidecar container.' }),
    imagePullPolicy: Type.Union([Type.Literal('IfNotPresent'), Type.Literal('Always'), Type.Literal('Never')], { default: 'IfNotPresent', description: 'Pull policy of the injected sidecar container.' }),
    to: Type.String({ format: 'uri', default: 'http://logship-es.logging.svc:9200', description: 'Elasticsearch-compatible URL the injected sidecar ships to.' }),
    credentialsSecret: Type.Optional(Type.String({ pattern: '^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$', description: "Secret in the pod's namespace whose key api-key is the sidecar's API key for --to (an optional reference: the pod starts without it)." })),
    logVolumeSizeLimit: Type.String({ pattern: QUANTITY, default: '500Mi', description: 'sizeLimit of the emptyDir shared by nginx and the sidecar at /var/log/nginx.' }),
    cpuRequest: Type.String({ pattern: QUANTITY, default: '20m', description: 'CPU request of the injected sidecar.' }),
    cpuLimit: Type.String({ pattern: QUANTITY, default: '500m', description: 'CPU limit of the injected sidecar.' }),
    memoryRequest: Type.String({ pattern: QUANTITY, default: '64Mi', description: 'Memory request of the injected sidecar.' }),
    memoryLimit: Type.String({ pattern: QUANTITY, default: '256Mi', description: 'Memory limit of the injected sidecar.' }),
    nativeSidecar: Type.Boolean({ default: false, description: 'Inject a native sidecar (init container with restartPolicy Always; Kubernetes 1.29+), which stops after nginx so its last lines are shipped.' }),
  }),
});
