import type { TuneReport } from "./tune-retrieval.js";

const COLORS = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#17becf", "#7f7f7f"];

/**
 * A hand-written SVG of the tuning table: precision (y) against abstention rate (x), one line
 * per k through its minScore values at the best row's efSearch, the chance level dashed and the
 * best trade-off ringed.
 */
export function tunePlotSvg(report: TuneReport): string {
  const width = 720;
  const height = 480;
  const margin = { left: 64, right: 150, top: 48, bottom: 56 };
  const plotW = width - margin.left - margin.right;
  const plotH = height - margin.top - margin.bottom;
  const x = (abstention: number) => margin.left + abstention * plotW;
  const y = (precision: number) => margin.top + (1 - precision) * plotH;
  const parts: string[] = [];
  parts.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
  );
  parts.push(`<rect width="${width}" height="${height}" fill="white"/>`);
  parts.push(
    `<text x="${margin.left}" y="24" font-size="15" font-weight="bold">Retrieval tuning: precision vs abstention (efSearch ${report.best.efSearch}, ${report.items} items, ${report.labels} labels)</text>`,
  );
  for (let i = 0; i <= 10; i++) {
    const v = i / 10;
    parts.push(`<line x1="${x(0)}" x2="${x(1)}" y1="${y(v)}" y2="${y(v)}" stroke="#eee"/>`);
    parts.push(`<line x1="${x(v)}" x2="${x(v)}" y1="${y(0)}" y2="${y(1)}" stroke="#eee"/>`);
    parts.push(`<text x="${margin.left - 8}" y="${y(v) + 4}" text-anchor="end">${v.toFixed(1)}</text>`);
    parts.push(`<text x="${x(v)}" y="${y(0) + 18}" text-anchor="middle">${v.toFixed(1)}</text>`);
  }
  parts.push(`<rect x="${x(0)}" y="${y(1)}" width="${plotW}" height="${plotH}" fill="none" stroke="#333"/>`);
  parts.push(
    `<text x="${x(0.5)}" y="${height - 14}" text-anchor="middle">abstention rate (share of queries given no lesson)</text>`,
  );
  parts.push(
    `<text transform="translate(18 ${y(0.5)}) rotate(-90)" text-anchor="middle">precision of returned lessons</text>`,
  );
  const chance = report.chancePrecision;
  parts.push(
    `<line x1="${x(0)}" x2="${x(1)}" y1="${y(chance)}" y2="${y(chance)}" stroke="#999" stroke-dasharray="6 4"/>`,
  );
  parts.push(
    `<text x="${x(1) - 4}" y="${y(chance) - 4}" text-anchor="end" fill="#777">chance ${chance.toFixed(3)}</text>`,
  );
  report.grid.k.forEach((k, i) => {
    const color = COLORS[i % COLORS.length];
    const points = report.rows
      .filter((r) => r.k === k && r.efSearch === report.best.efSearch && r.precision !== null)
      .sort((a, b) => a.minScore - b.minScore);
    if (points.length === 0) return;
    const path = points.map((r) => `${x(r.abstention).toFixed(1)},${y(r.precision ?? 0).toFixed(1)}`).join(" ");
    parts.push(`<polyline points="${path}" fill="none" stroke="${color}" stroke-width="2"/>`);
    for (const r of points) {
      parts.push(
        `<circle cx="${x(r.abstention).toFixed(1)}" cy="${y(r.precision ?? 0).toFixed(1)}" r="3" fill="${color}"><title>k=${r.k} minScore=${r.minScore} precision=${(r.precision ?? 0).toFixed(3)} abstention=${r.abstention.toFixed(3)}</title></circle>`,
      );
    }
    const ly = margin.top + 10 + i * 20;
    parts.push(
      `<line x1="${width - margin.right + 16}" x2="${width - margin.right + 40}" y1="${ly}" y2="${ly}" stroke="${color}" stroke-width="2"/>`,
    );
    parts.push(`<text x="${width - margin.right + 46}" y="${ly + 4}">k = ${k}</text>`);
  });
  const best = report.best;
  if (best.precision !== null) {
    parts.push(
      `<circle cx="${x(best.abstention).toFixed(1)}" cy="${y(best.precision).toFixed(1)}" r="9" fill="none" stroke="black" stroke-width="2"/>`,
    );
    const ly = margin.top + 10 + report.grid.k.length * 20 + 10;
    parts.push(
      `<circle cx="${width - margin.right + 28}" cy="${ly}" r="7" fill="none" stroke="black" stroke-width="2"/>`,
    );
    parts.push(`<text x="${width - margin.right + 46}" y="${ly + 4}">best trade-off</text>`);
    parts.push(
      `<text x="${width - margin.right + 16}" y="${ly + 22}" font-size="11">k=${best.k}, minScore=${best.minScore}</text>`,
    );
    parts.push(
      `<text x="${width - margin.right + 16}" y="${ly + 38}" font-size="11">P=${best.precision.toFixed(3)}, abst.=${best.abstention.toFixed(3)}</text>`,
    );
    parts.push(
      `<text x="${width - margin.right + 16}" y="${ly + 54}" font-size="11">F${report.beta} = ${best.tradeOff.toFixed(3)}</text>`,
    );
  }
  parts.push("</svg>");
  return `${parts.join("\n")}\n`;
}
