// A deliberately bad file: src-shared must stay pure. test/lint/layers.test.ts asserts ESLint rejects these imports.
import { app } from 'electron';
import fs from 'node:fs';
import path from 'path';

export const leaked = [app, fs, path];
