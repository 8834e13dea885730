/** Importing this registers every adapter method (one folder each). */
import './bottleneck/index.ts';
import './conv/index.ts';
import './full/index.ts';
import './head/index.ts';
import './ia3/index.ts';
import './lora/index.ts';
import './prefix/index.ts';
import './prompt/index.ts';
