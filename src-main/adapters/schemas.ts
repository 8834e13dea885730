/**
 * Importing this defines every adapter method's schema and capabilities (src-shared/methods.ts), without the
 * engine: what the main process needs to validate configs, list methods and check exports.
 */
import { methodFolders } from './folders.ts';

await Promise.all(methodFolders().map((m) => import(`./${m}/schema.ts`)));
