import { Type, defineCommand } from '../kit/options.ts';
import { commonOptions } from '../kit/common-options.ts';

export const demoCommand = defineCommand({
  name: 'demo',
  summary: 'Run everything on this machine: an aggregator on the embedded store, a sidecar, and realistic nginx traffic.',
  options: Type.Object({
    ...commonOptions,
    dataDir: Type.String({ default: './data/demo', description: 'Where the demo keeps the store, the generated nginx logs and checkpoints.' }),
    listen: Type.String({ format: 'listen', default: '127.0.0.1:9200', description: 'Elasticsearch API address of the demo aggregator.' }),
    uiListen: Type.String({ format: 'listen', default: '127.0.0.1:5601', description: 'Search page address.' }),
    rate: Type.Integer({ minimum: 1, maximum: 100_000, default: 20, description: 'Generated nginx requests per second.' }),
  }),
});
