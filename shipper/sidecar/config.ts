import { Type, defineCommand } from '../kit/options.ts';
import { commonOptions, shipperOptions } from '../kit/common-options.ts';

export const sidecarCommand = defineCommand({
  name: 'sidecar',
  summary: 'Tail nginx access and error logs beside the app and ship them, parsed and tagged.',
  options: Type.Object({
    ...commonOptions,
    ...shipperOptions,
    path: Type.Array(Type.String({ minLength: 1 }), { default: ['/var/log/nginx/*.log'], description: 'Glob of files to tail (repeatable); files that appear later are picked up.' }),
    accessFormat: Type.String({ default: 'combined', description: "nginx log_format of access logs: 'combined', 'main', or the format string itself ('$remote_addr - ...')." }),
    errorFilePattern: Type.String({ format: 'regex', default: '(^|[._-])error([._-]|$)', description: 'Regular expression over the file name: matching files are nginx error logs, the others access logs.' }),
    annotations: Type.Array(Type.String({ minLength: 1 }), { default: [], description: "Pod annotations to copy into kubernetes.annotations.* (repeatable; 'prefix/*' allowed)." }),
    timeZone: Type.Optional(Type.String({ description: 'IANA time zone of nginx error-log times (they carry none); default: TZ, else UTC.' })),
    labelsFile: Type.String({ default: '/etc/podinfo/labels', description: 'Downward API file of pod labels (key="value" lines); absent is fine.' }),
    annotationsFile: Type.String({ default: '/etc/podinfo/annotations', description: 'Downward API file of pod annotations; absent is fine.' }),
    pollInterval: Type.Integer({ minimum: 10, maximum: 60_000, default: 250, 'x-unit': 'ms', description: 'Polling fallback for volumes that deliver no filesystem events.' }),
    reclaimShipped: Type.Boolean({ default: false, description: 'Punch holes in fully shipped parts of the files so an un-rotated emptyDir stays small (offsets do not change).' }),
    reclaimInterval: Type.Integer({ minimum: 10, default: 10_000, 'x-unit': 'ms', description: 'How often shipped ranges are looked at for reclaiming.' }),
    reclaimMinBytes: Type.Integer({ minimum: 4096, default: 16 * 1024 * 1024, 'x-unit': 'bytes', description: 'Reclaim once this many shipped bytes are still on disk.' }),
  }),
});
