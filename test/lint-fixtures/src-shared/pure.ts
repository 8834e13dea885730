// A good file: types and pure code only.
export interface Pure {
  value: number;
}
export const double = (p: Pure): number => p.value * 2;
