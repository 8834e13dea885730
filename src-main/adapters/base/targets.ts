import { UserError } from '../../errors.ts';

/**
 * PEFT's target_modules semantics: a list matches a module whose name equals an entry or ends with `.entry`;
 * a single string is a regular expression that must match the whole name. `field` names the config field in the
 * one-line refusal of a pattern that does not compile (e.g. `lora.targets`).
 */
export function matchesTarget(
  moduleName: string,
  targets: readonly string[] | string,
  field = 'targets',
): boolean {
  if (typeof targets === 'string') return targetPattern(targets, field).test(moduleName);
  return targets.some((t) => moduleName === t || moduleName.endsWith(`.${t}`));
}

function targetPattern(pattern: string, field: string): RegExp {
  try {
    return new RegExp(`^(?:${pattern})$`);
  } catch {
    // A typo in the user's config, not a bug: one line naming the field, never a SyntaxError's stack.
    throw new UserError(`${field} ${JSON.stringify(pattern)} is not a valid regular expression`);
  }
}
