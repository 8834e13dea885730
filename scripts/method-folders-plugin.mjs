// Bundles cannot list a folder at run time: this esbuild plugin writes out the imports that
// src-main/adapters/schemas.ts and methods.ts make by listing their folder (every folder with a schema.ts).
import fs from 'node:fs';
import path from 'node:path';

export const methodFoldersPlugin = {
  name: 'method-folders',
  setup(build) {
    build.onLoad({ filter: /src-main[\\/]adapters[\\/](schemas|methods)\.ts$/ }, (args) => {
      const dir = path.dirname(args.path);
      const folders = fs
        .readdirSync(dir, { withFileTypes: true })
        .filter((d) => d.isDirectory() && fs.existsSync(path.join(dir, d.name, 'schema.ts')))
        .map((d) => d.name)
        .sort();
      const file = path.basename(args.path) === 'schemas.ts' ? 'schema.ts' : 'index.ts';
      const first = file === 'index.ts' ? "import './schemas.ts';\n" : '';
      return {
        contents: first + folders.map((f) => `import './${f}/${file}';`).join('\n'),
        loader: 'ts',
        resolveDir: dir,
      };
    });
  },
};
