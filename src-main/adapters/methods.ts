/** Importing this registers every adapter method (one folder each): its schema, then its layer (index.ts). */
import './schemas.ts';
import { methodFolders } from './folders.ts';

await Promise.all(methodFolders().map((m) => import(`./${m}/index.ts`)));
