// Compiled by test/shared/contract-check.test.ts: each `@ts-expect-error` marks a mistake the contract's type
// checks must refuse. The file compiles cleanly only if every marked line fails and every other line passes.
import { z } from 'zod';
import { checkHandlers } from '../../../src-shared/contract.ts';
import type { Handlers } from '../../../src-shared/contract.ts';
import { call, join } from '../../../src-shared/contract/define.ts';
import type { CallMap } from '../../../src-shared/contract/define.ts';

declare const all: Handlers;
const { 'settings:get': settingsGet, ...allButOne } = all;
const extra = { 'settings:get': settingsGet, 'settings:reset': async () => ({ ok: true as const }) };
const wrongResult = { 'settings:get': async () => 42 };

// Accepted: every call has exactly one handler, spread over two features.
export const ok: Handlers = checkHandlers(allButOne, { 'settings:get': settingsGet });

// @ts-expect-error calls without a handler
checkHandlers(allButOne);
// @ts-expect-error calls with more than one handler
checkHandlers(all, { 'settings:get': settingsGet });
// @ts-expect-error handlers without a call
checkHandlers(allButOne, extra);
// @ts-expect-error a handler that does not resolve to its call's result
checkHandlers(allButOne, wrongResult);

const one = { 'x:one': call(z.object({}).strict()).returns<number>() };
const again = { 'x:one': call(z.object({}).strict()).returns<string>() };
const two = { 'x:two': call(z.object({}).strict()).returns<string>() };
export const joined = join(one, two);
// @ts-expect-error declared by more than one feature
join(one, two, again);
// @ts-expect-error a call without its result type is no call
export const noResult: CallMap = { 'x:three': call(z.object({}).strict()) };
