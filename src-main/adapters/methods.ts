/** Importing this registers every adapter method (one folder each). */
import './lora/index.ts';
import './ia3/index.ts';
import './prompt/index.ts';
