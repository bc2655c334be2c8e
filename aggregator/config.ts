import { Type, defineCommand } from '../shipper/kit/options.ts';
import { commonOptions } from '../shipper/kit/common-options.ts';

export const aggregatorCommand = defineCommand({
  name: 'aggregator',
  summary: 'Elasticsearch-compatible API on an embedded store (or forwarding to a cluster), and the search page.',
  options: Type.Object({
    ...commonOptions,
    listen: Type.String({ format: 'listen', default: '127.0.0.1:9200', description: 'Address of the Elasticsearch-compatible API.' }),
    uiListen: Type.String({ format: 'listen', default: '127.0.0.1:5601', description: 'Address of the search page.' }),
    dataDir: Type.String({ default: './data', description: 'Directory of the embedded store.' }),
    forwardTo: Type.Optional(Type.String({ format: 'uri', description: 'Elasticsearch/OpenSearch URL; when set, the cluster is the store.' })),
    insecure: Type.Boolean({ default: false, description: 'Allow listening on a non-loopback address without authentication.' }),
  }),
});
