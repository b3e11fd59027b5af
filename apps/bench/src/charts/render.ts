/**
 * A Vega-Lite spec drawn as SVG, headless: vega-lite compiles it to a Vega spec, and a Vega `View`
 * with no renderer (`renderer: 'none'`) writes the SVG markup itself — no DOM, no canvas (text
 * widths are estimated).
 */
import { parse, View } from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';

/** Fonts and sizes shared by every chart. */
export const CHART_CONFIG = {
  font: 'Helvetica, Arial, sans-serif',
  title: { fontSize: 14, subtitleFontSize: 11, anchor: 'start' as const },
  axis: { labelFontSize: 11, titleFontSize: 12 },
  legend: { labelFontSize: 11, titleFontSize: 12 },
};

export async function renderSvg(spec: TopLevelSpec): Promise<string> {
  const view = new View(parse(compile(spec).spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}
