/**
 * PEFT's target_modules semantics: a list matches a module whose name equals an entry or ends with `.entry`;
 * a single string is a regular expression that must match the whole name.
 */
export function matchesTarget(moduleName: string, targets: readonly string[] | string): boolean {
  if (typeof targets === 'string') return new RegExp(`^(?:${targets})$`).test(moduleName);
  return targets.some((t) => moduleName === t || moduleName.endsWith(`.${t}`));
}
