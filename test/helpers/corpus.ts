/**
 * Where the shared log corpus lives: `shared/corpus` beside the repository (the layout of a checkout and
 * of CI), or wherever LOGSHIP_CORPUS_DIR points. Tests name corpus files through this, never by an
 * absolute path of one machine.
 */
import { fileURLToPath } from 'node:url';
import { resolve } from 'node:path';

export const CORPUS_ROOT: string = process.env.LOGSHIP_CORPUS_DIR ?? resolve(fileURLToPath(new URL('../../..', import.meta.url)), 'shared', 'corpus');
