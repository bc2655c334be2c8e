import { Type, defineCommand } from '../kit/options.ts';
import { commonOptions, shipperOptions } from '../kit/common-options.ts';

export const collectorCommand = defineCommand({
  name: 'collector',
  summary: "Tail every container's log on the node (docker json-file and CRI) and ship it with Kubernetes metadata.",
  options: Type.Object({
    ...commonOptions,
    dockerRoot: Type.String({ default: '/var/lib/docker/containers', description: 'Docker containers directory (<id>/<id>-json.log); empty to not read docker logs.' }),
    podsRoot: Type.String({ default: '/var/log/pods', description: 'Kubelet pod log directory (<ns>_<pod>_<uid>/<container>/<n>.log); empty to not read CRI logs.' }),
    ...shipperOptions,
    nodeName: Type.String({ default: '', description: 'This node\'s name, for the pod watch and kubernetes.node.name; default: NODE_NAME, else the host name.' }),
    kubeApi: Type.Union([Type.Literal('auto'), Type.Literal('off')], { default: 'auto', description: 'Watch this node\'s pods on the API server (auto: when running in a cluster) for labels, annotations and owners.' }),
    kubeApiUrl: Type.String({ default: '', pattern: '^(https?://.+)?$', description: 'API server URL; default: in-cluster (KUBERNETES_SERVICE_HOST, service account token and CA).' }),
    kubeTokenFile: Type.Optional(Type.String({ description: 'Bearer token file for the API server; default: the service account token.' })),
    kubeCaFile: Type.Optional(Type.String({ description: 'CA bundle of the API server; default: the service account CA.' })),
    kubeSyncWait: Type.Integer({ minimum: 0, maximum: 120_000, default: 5_000, 'x-unit': 'ms', description: 'At start, how long to wait for the first pod list before shipping with path metadata only.' }),
    podWait: Type.Integer({ minimum: 0, maximum: 60_000, default: 2_000, 'x-unit': 'ms', description: 'Lines of a new pod the API has not described yet wait up to this long for its metadata (so its annotations apply from the first line).' }),
    deletedPodGrace: Type.Integer({ minimum: 60_000, default: 300_000, 'x-unit': 'ms', description: 'How long a deleted pod\'s metadata is kept to tag the last lines of its containers.' }),
    annotations: Type.Array(Type.String({ minLength: 1 }), { default: [], description: 'Pod annotations copied to kubernetes.annotations.* (repeatable; a trailing * matches a prefix).' }),
    excludeNamespaces: Type.Array(Type.String({ minLength: 1 }), { default: [], description: 'Namespaces whose containers are not shipped (repeatable).' }),
    selfPod: Type.String({ default: '', pattern: '^([a-z0-9]([-a-z0-9]*[a-z0-9])?/[a-z0-9]([-.a-z0-9]*[a-z0-9])?)?$', description: 'namespace/name of the collector\'s own pod, whose logs are skipped; default: POD_NAMESPACE/POD_NAME.' }),
    nonKubernetes: Type.Boolean({ default: true, description: 'Also ship docker containers that Kubernetes did not create (no io.kubernetes.* labels).' }),
    partialTimeout: Type.Integer({ minimum: 100, maximum: 600_000, default: 5_000, 'x-unit': 'ms', description: 'A partial line (no end yet) is shipped as it is after waiting this long, once.' }),
    parseJson: Type.Boolean({ default: true, description: 'A container line that is a JSON object keeps its fields: ECS keys where ECS puts them, the others under json.*.' }),
    multiline: Type.Array(Type.Union([Type.Literal('java'), Type.Literal('python'), Type.Literal('go'), Type.Literal('node')]), { default: [], description: 'Join stack traces of these languages into one record (repeatable: java, python, go, node); default: every line is a record.' }),
    multilineTimeout: Type.Integer({ minimum: 50, maximum: 60_000, default: 1_000, 'x-unit': 'ms', description: 'How long a multiline group waits for its next line before it is shipped.' }),
    multilineMaxLines: Type.Integer({ minimum: 2, maximum: 10_000, default: 500, description: 'A multiline group is shipped when it reaches this many lines.' }),
    accessFormat: Type.String({ default: 'combined', description: 'nginx log_format used for pods annotated logship.io/parser: nginx.' }),
    timeZone: Type.Optional(Type.String({ description: 'IANA time zone of nginx error-log times of annotated pods; default: TZ, else UTC.' })),
    pollInterval: Type.Integer({ minimum: 10, maximum: 60_000, default: 1_000, 'x-unit': 'ms', description: 'Stat polling of followed files: the fallback for filesystems that deliver no events. A file whose polls find nothing new is polled less often, see --poll-backoff-max.' }),
    // Filebeat's backoff / max_backoff (1 s doubling to 10 s): 500 quiet files polled every second were most of
    // the collector's idle CPU, while the directory watches wake a written file within milliseconds.
    pollBackoffMax: Type.Integer({ minimum: 10, maximum: 600_000, default: 10_000, 'x-unit': 'ms', description: 'A followed file whose polls find nothing new is polled half as often after each, from --poll-interval up to this; a filesystem event, a read or a rescan that touches it brings it back to --poll-interval at once. Where filesystem events work a written line still arrives within milliseconds; where they do not (NFS, some overlay setups) a write to a file quiet for a while is noticed within this. Set it to --poll-interval for no backoff.' }),
    // 30 s: a full rescan of /var/log/pods lists every pod's directories (~40-80 ms of CPU with 500 pods), while
    // the directory watches already report every new container at once (tail/directory-watcher.ts). With
    // healthy watches a rescan first compares the watched directories' mtimes (~1,000 stats) and globs only
    // if one changed (tail/tailer.ts, directoriesUnchanged).
    scanInterval: Type.Integer({ minimum: 100, maximum: 600_000, default: 30_000, 'x-unit': 'ms', description: 'Rescan of the log directories for new, renamed and deleted files, in case a filesystem event was missed (events pick new containers up at once): a missed event is caught within this. While the directory watches are healthy a rescan globs only if a watched directory\'s mtime changed, and in full at least every 10 intervals.' }),
  }),
});
