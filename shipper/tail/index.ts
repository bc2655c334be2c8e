/** The file source: tailer, file identity, and the reclaimer of shipped disk space. */
export { createTailer, type Tailer, type TailerOptions, type SourceObserver } from './tailer.ts';
export { createReclaimer, type Reclaimer, type ReclaimerOptions } from './reclaim.ts';
export { FINGERPRINT_BYTES, fingerprintOf, parseSourceId, sourceIdOf } from './identity.ts';
