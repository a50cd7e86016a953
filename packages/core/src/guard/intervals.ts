/** A real interval: endpoints may be infinite; open or closed at each end. */
export interface Interval {
  lo: number;
  hi: number;
  loClosed: boolean;
  hiClosed: boolean;
}

const END = String.raw`-?\s*\\infty|[-+]?\s*(?:\d+(?:\.\d+)?|\.\d+)(?:\s*/\s*\d+)?|-?\s*\\frac\{[^{}]*\}\{[^{}]*\}|-?\s*\\sqrt\{[^{}]*\}`;
const INTERVAL = new RegExp(String.raw`([[(])\s*(${END})\s*,\s*(${END})\s*([\])])`, "g");
const LESS = String.raw`<=|<|\\le\b|\\leq\b|\\lt\b`;
const GREATER = String.raw`>=|>|\\ge\b|\\geq\b|\\gt\b`;
const VAR = "[a-z](?![a-z])";
const CHAIN = new RegExp(String.raw`(${END})\s*(${LESS})\s*(${VAR})\s*(${LESS})\s*(${END})`, "gi");
const CHAIN_DOWN = new RegExp(String.raw`(${END})\s*(${GREATER})\s*(${VAR})\s*(${GREATER})\s*(${END})`, "gi");
const ONE_SIDED = new RegExp(
  String.raw`(?<!(?:[<>=]|\le|\ge|\leq|\geq|\lt|\gt)\s*)(${VAR})\s*(${LESS}|${GREATER})\s*(${END})(?!\s*(?:${LESS}|${GREATER}))`,
  "gi",
);
const ONE_SIDED_LEFT = new RegExp(
  String.raw`(?<![\w<>=]\s*)(${END})\s*(${LESS}|${GREATER})\s*(${VAR})(?!\s*(?:${LESS}|${GREATER}))`,
  "gi",
);

/**
 * Every interval a normalised text states: in interval notation (`(2, 5]`, `[3, \infty)`) or as an
 * inequality in one variable (`2 < x \le 5`, `x \ge 3`, `5 > x`), as one canonical form.
 * `evaluate` turns an endpoint's text into its value.
 */
export function intervalsIn(text: string, evaluate: (expr: string) => number | undefined): Interval[] {
  const found: Interval[] = [];
  const value = (s: string): number | undefined => {
    const t = s.replace(/\s+/g, "");
    if (t === "\\infty" || t === "+\\infty") return Number.POSITIVE_INFINITY;
    if (t === "-\\infty") return Number.NEGATIVE_INFINITY;
    return evaluate(t);
  };
  const push = (lo?: number, hi?: number, loClosed = false, hiClosed = false) => {
    if (lo === undefined || hi === undefined || Number.isNaN(lo) || Number.isNaN(hi) || lo > hi) return;
    found.push({ lo, hi, loClosed: loClosed && Number.isFinite(lo), hiClosed: hiClosed && Number.isFinite(hi) });
  };
  const closed = (op: string) => op.includes("=") || /\\(?:le|leq|ge|geq)\b/.test(op);
  for (const m of text.matchAll(INTERVAL)) {
    push(value(m[2] ?? ""), value(m[3] ?? ""), m[1] === "[", m[4] === "]");
  }
  for (const m of text.matchAll(CHAIN))
    push(value(m[1] ?? ""), value(m[5] ?? ""), closed(m[2] ?? ""), closed(m[4] ?? ""));
  for (const m of text.matchAll(CHAIN_DOWN)) {
    push(value(m[5] ?? ""), value(m[1] ?? ""), closed(m[4] ?? ""), closed(m[2] ?? ""));
  }
  const oneSided = (op: string, bound: number | undefined, variableOnLeft: boolean) => {
    const less = /<|\\le|\\lt/.test(op) === variableOnLeft;
    if (less) push(Number.NEGATIVE_INFINITY, bound, false, closed(op));
    else push(bound, Number.POSITIVE_INFINITY, closed(op), false);
  };
  for (const m of text.matchAll(ONE_SIDED)) oneSided(m[2] ?? "", value(m[3] ?? ""), true);
  for (const m of text.matchAll(ONE_SIDED_LEFT)) oneSided(m[2] ?? "", value(m[1] ?? ""), false);
  return found;
}

export function sameInterval(a: Interval, b: Interval): boolean {
  const near = (x: number, y: number) =>
    x === y ||
    (Number.isFinite(x) && Number.isFinite(y) && Math.abs(x - y) <= 1e-9 * Math.max(1, Math.abs(x), Math.abs(y)));
  return near(a.lo, b.lo) && near(a.hi, b.hi) && a.loClosed === b.loClosed && a.hiClosed === b.hiClosed;
}
