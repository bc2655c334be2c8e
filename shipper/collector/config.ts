import { Type, defineCommand } from '../kit/options.ts';
import { commonOptions, shipperOptions } from '../kit/common-options.ts';

export const collectorCommand = defineCommand({
  name: 'collector',
  summary: "Tail every container's log on the node (docker json-file and CRI) and ship it with Kubernetes metadata.",
  options: Type.Object({
    ...commonOptions,
    dockerRoot: Type.String({ default: '/var/lib/docker/containers', description: 'Docker containers directory (<id>/<id>-json.log).' }),
    podsRoot: Type.String({ default: '/var/log/pods', description: 'Kubelet pod log directory (<ns>_<pod>_<uid>/<container>/<n>.log).' }),
    ...shipperOptions,
  }),
});
