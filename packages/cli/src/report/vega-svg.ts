import { parse, View } from "vega";
import { compile, type TopLevelSpec } from "vega-lite";

/** Shared look of every plot: system fonts only (nothing fetched), light grid, no background fill. */
const CONFIG = {
  background: null,
  font: "system-ui, sans-serif",
  view: { stroke: "#ddd" },
  axis: { labelColor: "#444", titleColor: "#444", gridColor: "#eee" },
  legend: { labelColor: "#444", titleColor: "#444", orient: "bottom", direction: "horizontal" },
  title: { anchor: "start", fontSize: 13 },
} as const;

/**
 * Renders a Vega-Lite spec to an SVG string in Node, with no DOM and no script in the result:
 * compiled to Vega (sized to fit its width, legends included, so a page's plots line up), run headless (`renderer: "none"`), then `toSVG()`. The `xmlns` attributes are
 * dropped: an `<svg>` inline in HTML is in the SVG namespace without them, and the page keeps no URL.
 */
export async function vegaLiteToSvg(spec: TopLevelSpec): Promise<string> {
  const vegaSpec = compile({
    config: CONFIG,
    autosize: { type: "fit-x", contains: "padding" },
    ...spec,
  } as TopLevelSpec).spec;
  const view = new View(parse(vegaSpec), { renderer: "none" });
  try {
    const svg = await view.toSVG();
    return svg.replace(/\s+xmlns(:\w+)?="[^"]*"/g, "");
  } finally {
    view.finalize();
  }
}
