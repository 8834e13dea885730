/**
 * Held-out probes for the K-Adapter named-mail bench (docs/MODALITIES.md, K-Adapter): writes JSONL files of
 * "<first name>: <start of an e-mail>" rows built like the named-mail sample but from names and e-mails that sample
 * does not use, labelled four ways (`named`: gender-spam, `gender`, `spam`), plus `names`: the same names alone.
 * `studio evaluate` on them tells whether each knowledge adapter still knows its task on the composite input (its
 * own source run on `gender`/`spam`) and which half of the label each target run gets right.
 * Usage: node bin/run-ts.mjs test/bench/k-adapter-probe.ts DIR [N]   (N rows per class, default 100)
 */
import fs from 'node:fs';
import path from 'node:path';
import { mailSnippet } from '../../scripts/make-samples.ts';
import { loadSample } from '../../src-main/data/samples.ts';
import { Rng } from '../../src-main/data/rng.ts';

const [dir, n = '100'] = process.argv.slice(2);
if (!dir) throw new Error('usage: k-adapter-probe.ts DIR [N]');
const perClass = Number(n);
const used = loadSample('named-mail').rows.map((r) => r.text);
const usedNames = new Set(used.map((t) => t.slice(0, t.indexOf(': '))));
const usedSnippets = new Set(used.map((t) => t.slice(t.indexOf(': ') + 2)));
// Another seed than the sample's: a different draw among the rows it left out.
const rng = new Rng(7);
const fresh = (sample: string, label: string, skip: Set<string>, map: (t: string) => string): string[] => {
  const out = new Set<string>();
  for (const r of loadSample(sample).rows) {
    const v = map(r.text);
    if (r.label === label && !skip.has(v) && v.length >= (sample === 'spam-assassin' ? 24 : 1)) out.add(v);
  }
  return rng.shuffle([...out]).slice(0, 2 * perClass);
};
const id = (t: string) => t;
const names = {
  female: fresh('first-names', 'female', usedNames, id),
  male: fresh('first-names', 'male', usedNames, id),
};
const mails = {
  ham: fresh('spam-assassin', 'ham', usedSnippets, (t) => mailSnippet(t)),
  spam: fresh('spam-assassin', 'spam', usedSnippets, (t) => mailSnippet(t)),
};
const files: Record<'named' | 'gender' | 'spam' | 'names', string[]> = {
  named: [],
  gender: [],
  spam: [],
  names: [],
};
for (let i = 0; i < perClass; i++) {
  for (const gender of ['female', 'male'] as const) {
    for (const mail of ['ham', 'spam'] as const) {
      const name = names[gender][2 * i + (mail === 'ham' ? 0 : 1)];
      const snippet = mails[mail][2 * i + (gender === 'female' ? 0 : 1)];
      if (name === undefined || snippet === undefined) throw new Error('too few unused names or e-mails');
      const text = `${name}: ${snippet}`;
      const line = (label: string, t = text) => JSON.stringify({ text: t, label });
      files.named.push(line(`${gender}-${mail}`));
      files.gender.push(line(gender));
      files.spam.push(line(mail));
      files.names.push(line(gender, name));
    }
  }
}
fs.mkdirSync(dir, { recursive: true });
for (const [k, lines] of Object.entries(files))
  fs.writeFileSync(path.join(dir, `probe-${k}.jsonl`), `${lines.join('\n')}\n`);
console.log(`${4 * perClass} rows per probe in ${dir}/probe-{named,gender,spam,names}.jsonl`);
