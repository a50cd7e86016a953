import { escapeHtml } from "./escape-html.js";

/** One named series: y per x, null where there is no value (drawn as a gap). */
export interface ChartSeries {
  name: string;
  color: string;
  values: readonly (number | null)[];
  /** Dashed line, for a secondary series. @default false */
  dashed?: boolean;
}

/** Options of {@link svgChart}. */
export interface SvgChartOptions {
  title: string;
  /** Labels of the x positions, in order (step numbers). */
  x: readonly (number | string)[];
  series: readonly ChartSeries[];
  yLabel: string;
  /** `line` joins points; `bar` draws grouped bars. @default "line" */
  kind?: "line" | "bar";
  /** Fixed y range; the default runs from 0 (or the lowest value) to the highest value. */
  yMin?: number;
  yMax?: number;
  /** @default 640 */
  width?: number;
  /** @default 260 */
  height?: number;
}

const MARGIN = { top: 34, right: 16, bottom: 40, left: 56 };

/** A self-contained inline SVG chart: axes, ticks, a legend and a `<title>` tooltip per point. */
export function svgChart(options: SvgChartOptions): string {
  const { title, x, series, yLabel, kind, width, height } = {
    kind: "line" as const,
    width: 640,
    height: 260,
    ...options,
  };
  const values = series.flatMap((s) => s.values.filter((v): v is number => v !== null && Number.isFinite(v)));
  const yMin = options.yMin ?? Math.min(0, ...values);
  const dataMax = Math.max(...values, yMin);
  const tickStep = niceStep(((options.yMax ?? dataMax) - yMin) / 4);
  // Round the top up to a whole tick so the grid reads 0, 5, 10 rather than 0, 6.65, 13.3.
  const yMax = options.yMax ?? yMin + Math.max(1, Math.ceil((dataMax - yMin) / tickStep)) * tickStep;
  const ticks = options.yMax === undefined ? Math.round((yMax - yMin) / tickStep) : 4;
  const plotW = width - MARGIN.left - MARGIN.right;
  const plotH = height - MARGIN.top - MARGIN.bottom;
  const n = Math.max(1, x.length);
  const slot = plotW / n;
  const px = (i: number) => MARGIN.left + slot * (i + 0.5);
  const py = (v: number) => MARGIN.top + plotH - ((v - yMin) / (yMax - yMin)) * plotH;
  const fmt = (v: number) =>
    Number.isInteger(v)
      ? String(v)
      : Math.abs(v) >= 100
        ? v.toFixed(0)
        : Math.abs(v) >= 10
          ? v.toFixed(1)
          : v.toFixed(2);
  const parts: string[] = [];
  parts.push(`<text x="${MARGIN.left}" y="14" class="title">${escapeHtml(title)}</text>`);
  for (let t = 0; t <= ticks; t++) {
    const v = yMin + ((yMax - yMin) * t) / ticks;
    const y = py(v).toFixed(1);
    parts.push(`<line x1="${MARGIN.left}" x2="${width - MARGIN.right}" y1="${y}" y2="${y}" class="grid"/>`);
    parts.push(
      `<text x="${MARGIN.left - 6}" y="${y}" class="tick" text-anchor="end" dominant-baseline="middle">${fmt(v)}</text>`,
    );
  }
  const every = Math.max(1, Math.ceil(n / 16));
  x.forEach((label, i) => {
    if (i % every === 0)
      parts.push(
        `<text x="${px(i).toFixed(1)}" y="${height - MARGIN.bottom + 16}" class="tick" text-anchor="middle">${escapeHtml(String(label))}</text>`,
      );
  });
  parts.push(`<text x="${MARGIN.left + plotW / 2}" y="${height - 6}" class="axis" text-anchor="middle">step</text>`);
  parts.push(
    `<text transform="translate(14 ${MARGIN.top + plotH / 2}) rotate(-90)" class="axis" text-anchor="middle">${escapeHtml(yLabel)}</text>`,
  );
  parts.push(
    `<line x1="${MARGIN.left}" x2="${width - MARGIN.right}" y1="${py(yMin)}" y2="${py(yMin)}" class="axisline"/>`,
  );
  if (values.length === 0) {
    parts.push(
      `<text x="${MARGIN.left + plotW / 2}" y="${MARGIN.top + plotH / 2}" class="axis" text-anchor="middle">no data</text>`,
    );
  }
  series.forEach((s, k) => {
    const tip = (i: number, v: number) => `<title>${escapeHtml(`${s.name}, step ${x[i]}: ${fmt(v)}`)}</title>`;
    if (kind === "bar") {
      const barW = (slot * 0.8) / series.length;
      s.values.forEach((v, i) => {
        if (v === null || !Number.isFinite(v)) return;
        const left = px(i) - slot * 0.4 + barW * k;
        const top = Math.min(py(v), py(yMin));
        parts.push(
          `<rect x="${left.toFixed(1)}" y="${top.toFixed(1)}" width="${Math.max(1, barW - 1).toFixed(1)}" height="${Math.abs(py(yMin) - py(v)).toFixed(1)}" fill="${s.color}">${tip(i, v)}</rect>`,
        );
      });
    } else {
      let path = "";
      let pen = false;
      s.values.forEach((v, i) => {
        if (v === null || !Number.isFinite(v)) {
          pen = false;
          return;
        }
        path += `${pen ? "L" : "M"}${px(i).toFixed(1)} ${py(v).toFixed(1)} `;
        pen = true;
        parts.push(
          `<circle cx="${px(i).toFixed(1)}" cy="${py(v).toFixed(1)}" r="3" fill="${s.color}">${tip(i, v)}</circle>`,
        );
      });
      if (path)
        parts.push(
          `<path d="${path.trim()}" fill="none" stroke="${s.color}" stroke-width="2"${s.dashed ? ' stroke-dasharray="5 4"' : ""}/>`,
        );
    }
  });
  let lx = width - MARGIN.right;
  for (const s of [...series].reverse()) {
    lx -= 22 + s.name.length * 7;
    parts.push(
      `<rect x="${lx.toFixed(1)}" y="22" width="10" height="10" fill="${s.color}"/><text x="${(lx + 13).toFixed(1)}" y="31" class="legend">${escapeHtml(s.name)}</text>`,
    );
  }
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-label="${escapeHtml(title)}">${parts.join("")}</svg>`;
}

/** A round tick step (1, 2, 2.5 or 5 times a power of ten) at least `raw`. */
function niceStep(raw: number): number {
  if (!(raw > 0) || !Number.isFinite(raw)) return 1;
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].find((m) => m * power >= raw - 1e-12) ?? 10;
  return step * power;
}
