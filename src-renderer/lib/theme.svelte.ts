/** The colors charts draw with, read from the CSS variables of the current theme (styles.css). */
export interface ChartColors {
  text: string;
  muted: string;
  grid: string;
  border: string;
  panel: string;
  palette: string[];
}

const PALETTE_SIZE = 8;

function readColors(): ChartColors {
  const css = getComputedStyle(document.documentElement);
  const v = (name: string, fallback: string) => css.getPropertyValue(name).trim() || fallback;
  return {
    text: v('--text', '#1b1d24'),
    muted: v('--muted', '#5f6473'),
    grid: v('--chart-grid', 'rgba(0,0,0,0.07)'),
    border: v('--border', '#dfe1e8'),
    panel: v('--panel', '#ffffff'),
    palette: Array.from({ length: PALETTE_SIZE }, (_, i) => v(`--chart-${i + 1}`, '#4f46e5')),
  };
}

/**
 * Follows the theme (the `data-theme` attribute the theme toggle sets, and the OS preference), so canvas charts,
 * which cannot use CSS variables directly, redraw with the new colors.
 */
export class ThemeState {
  #colors = $state.raw<ChartColors>(readColors());

  constructor() {
    const refresh = () => (this.#colors = readColors());
    new MutationObserver(refresh).observe(document.documentElement, {
      attributes: true,
      attributeFilter: ['data-theme'],
    });
    window.matchMedia?.('(prefers-color-scheme: dark)').addEventListener('change', refresh);
  }

  get colors(): ChartColors {
    return this.#colors;
  }

  /** The palette color for the i-th line or run. */
  color(i: number): string {
    const p = this.#colors.palette;
    return p[i % p.length] ?? '#4f46e5';
  }
}
