import { escapeHtml } from "./escape-html.js";
import type { ReportChart } from "./report-charts.js";
import { vegaLiteToSvg } from "./vega-svg.js";

/**
 * Page style: a CSS grid of plot cards that fills the window's width; plots scale down to their
 * card. System fonts only, so the page loads nothing.
 */
const STYLE = `body{font:14px/1.45 system-ui,sans-serif;margin:20px;color:#222}
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:24px 0 8px}.muted{color:#666}
.notice{background:#fff7e0;border:1px solid #e8c66a;padding:8px 12px;border-radius:6px;margin:10px 0}
.plots{display:grid;grid-template-columns:repeat(auto-fill,minmax(520px,1fr));gap:16px}
.tables{display:grid;grid-template-columns:repeat(auto-fill,minmax(360px,1fr));gap:16px;align-items:start}
figure{margin:0;border:1px solid #ddd;border-radius:8px;padding:8px;background:#fff;overflow:hidden}
figure svg{width:100%;height:auto;display:block}figcaption{font-size:12px;color:#666}
.empty{padding:40px;text-align:center;color:#999}
table{border-collapse:collapse;margin:6px 0}td,th{border-bottom:1px solid #e4e4e4;padding:4px 10px;text-align:right}
th:first-child,td:first-child{text-align:left}td.text{text-align:left;max-width:640px}code{font-size:12px}`;

/** The plots as figures, each an inline `<svg>` rendered now (a chart with no rows says "no data"). */
export async function renderFigures(charts: readonly ReportChart[]): Promise<string> {
  const figures = await Promise.all(
    charts.map(async (chart) => {
      const body = chart.rows === 0 ? `<div class="empty">no data</div>` : await vegaLiteToSvg(chart.spec);
      return `<figure data-chart="${escapeHtml(chart.id)}" data-series="${escapeHtml(chart.series.join("|"))}" data-rows="${chart.rows}"><figcaption>${escapeHtml(chart.title)}</figcaption>${body}</figure>`;
    }),
  );
  return `<div class="plots">${figures.join("")}</div>`;
}

/** An HTML table; cells are escaped text. */
export function htmlTable(
  head: readonly string[],
  rows: readonly (readonly (string | number)[])[],
  textColumn = -1,
): string {
  const cell = (v: string | number, i: number) =>
    `<td${i === textColumn ? ' class="text"' : ""}>${escapeHtml(String(v))}</td>`;
  return `<table>${head.length ? `<thead><tr>${head.map((h) => `<th>${escapeHtml(h)}</th>`).join("")}</tr></thead>` : ""}<tbody>${rows
    .map((r) => `<tr>${r.map(cell).join("")}</tr>`)
    .join("")}</tbody></table>`;
}

/** The page around the content: no script, no external stylesheet, font or link. */
export function htmlPage(title: string, body: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${escapeHtml(title)}</title><style>${STYLE}</style></head><body>
${body}
</body></html>
`;
}

/** A number to 3 decimals, "–" for none. */
export const fmt3 = (v: number | null | undefined) => (v === null || v === undefined ? "–" : v.toFixed(3));
