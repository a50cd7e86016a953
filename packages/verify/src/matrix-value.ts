import type { AnswerValue } from "./answer-value.js";
import { evaluateExpression } from "./expr/evaluate-expression.js";
import { freeSymbols } from "./expr/expr-node.js";
import { parseExpression } from "./expr/parse-expression.js";

type Build = (s: string) => AnswerValue;
type Matrix = AnswerValue & { type: "matrix" };

/** Every environment a matrix is written in; `array` takes a column spec (`{cc}`, `{c|c}`). */
const MATRIX = /\\begin\{(matrix|[pbBvV]matrix|smallmatrix|array)\}(?:\s*\{[^{}]*\})?([\s\S]*?)\\end\{\1\}/g;
const PLACEHOLDER = /@M(\d+)@/;
const MAX_TERMS = 20;

function rowsOf(body: string, build: Build): AnswerValue[][] {
  return body
    .replace(/\\hline|\\\\\s*\[[^\]]*\]/g, (m) => (m.startsWith("\\\\") ? "\\\\" : " "))
    .split(/\\\\/)
    .map((r) => r.trim())
    .filter(Boolean)
    .map((r) => r.split("&").map((c) => build(c.trim())));
}

function constant(v: AnswerValue): number | undefined {
  if (v.type !== "expr" || freeSymbols(v.node).size > 0) return undefined;
  const n = evaluateExpression(v.node, { symbols: new Map(), seed: 0 });
  return Number.isFinite(n) ? n : undefined;
}

function numeric(m: Matrix): number[][] | undefined {
  const out: number[][] = [];
  for (const row of m.rows) {
    const r: number[] = [];
    for (const c of row) {
      const n = constant(c);
      if (n === undefined) return undefined;
      r.push(n);
    }
    out.push(r);
  }
  const width = out[0]?.length ?? 0;
  return width > 0 && out.every((r) => r.length === width) ? out : undefined;
}

function fromNumbers(rows: number[][], build: Build): Matrix {
  const text = (x: number) => (Number.isInteger(x) ? String(x) : String(Math.round(x * 1e12) / 1e12));
  return { type: "matrix", rows: rows.map((r) => r.map((x) => build(text(x)))) };
}

function multiply(a: number[][], b: number[][]): number[][] | undefined {
  if ((a[0]?.length ?? 0) !== b.length) return undefined;
  const cols = b[0]?.length ?? 0;
  return a.map((r) => Array.from({ length: cols }, (_, j) => r.reduce((s, x, k) => s + x * (b[k]?.[j] as number), 0)));
}

/** One product term: scalars and matrices multiplied in order (`2 A`, `A \cdot B`, `\frac12 A B`). */
function term(src: string, mats: number[][][]): number[][] | number | undefined {
  const pieces = src.split(/(@M\d+@)/).filter((p) => p.replace(/\\cdot|\\times|[*\s]/g, "") !== "");
  let scalar = 1;
  let acc: number[][] | undefined;
  for (const p of pieces) {
    const m = PLACEHOLDER.exec(p);
    if (m) {
      const next = mats[Number(m[1])] as number[][];
      acc = acc ? multiply(acc, next) : next;
      if (!acc) return undefined;
      continue;
    }
    const node = parseExpression(p.replace(/\\cdot|\\times|\*/g, " ").trim());
    if (!node || freeSymbols(node).size > 0) return undefined;
    const v = evaluateExpression(node, { symbols: new Map(), seed: 0 });
    if (!Number.isFinite(v)) return undefined;
    scalar *= v;
  }
  return acc ? acc.map((r) => r.map((x) => x * scalar)) : scalar;
}

/** Powers beyond this are not an answer anyone writes, and would cost. */
const MAX_POWER = 20;

function power(m: number[][], n: number): number[][] | undefined {
  let acc: number[][] | undefined = m.map((_, i) => m.map((__, j) => (i === j ? 1 : 0)));
  for (let k = 0; k < n && acc; k++) acc = multiply(acc, m);
  return acc;
}

const transpose = (m: number[][]): number[][] => (m[0] ?? []).map((_, j) => m.map((r) => r[j] as number));

/** `A^2`, `A^{3}`, `A^T`, `A^\top`: each becomes a new evaluated matrix of its own placeholder. */
function applyPowers(rest: string, mats: Array<number[][] | undefined>): string | undefined {
  let failed = false;
  const out = rest.replace(
    /@M(\d+)@\s*\^\s*(?:\{\s*(\d{1,2}|T|\\top)\s*\}|(\d|T|\\top(?![a-zA-Z])))/g,
    (_m, i: string, braced?: string, bare?: string) => {
      const m = mats[Number(i)] as number[][];
      const exp = (braced ?? bare) as string;
      const square = m.length === (m[0]?.length ?? 0);
      const n = Number(exp);
      const value = /T|top/.test(exp) ? transpose(m) : square && n <= MAX_POWER ? power(m, n) : undefined;
      if (!value) failed = true;
      mats.push(value);
      return `@M${mats.length - 1}@`;
    },
  );
  return failed ? undefined : out;
}

/** Sums, differences, scalar multiples, products and powers of numeric matrices, evaluated. */
function evaluate(source: string, found: Matrix[], build: Build): AnswerValue | undefined {
  const mats = found.map(numeric);
  if (mats.some((m) => m === undefined)) return undefined;
  const rest = applyPowers(source, mats);
  if (rest === undefined) return undefined;
  const terms = rest.split(/(?<=^|[^\\{^_])(?=[+-])/).filter((t) => t.trim() !== "");
  if (terms.length > MAX_TERMS) return undefined;
  let sum: number[][] | undefined;
  for (const t of terms) {
    const sign = t.trim().startsWith("-") ? -1 : 1;
    const v = term(t.trim().replace(/^[+-]/, ""), mats as number[][][]);
    if (v === undefined || typeof v === "number") return undefined;
    const signed = v.map((r) => r.map((x) => sign * x));
    if (!sum) sum = signed;
    else {
      const s: number[][] = sum;
      if (s.length !== signed.length || (s[0]?.length ?? 0) !== (signed[0]?.length ?? 0)) return undefined;
      sum = s.map((r, i) => r.map((x, j) => x + (signed[i]?.[j] as number)));
    }
  }
  return sum ? fromNumbers(sum, build) : undefined;
}

/**
 * A matrix in any environment (`pmatrix`, `bmatrix`, `Bmatrix`, `vmatrix`, `Vmatrix`, `matrix`,
 * `smallmatrix`, `array`), with or without brackets around it (`\left[\begin{array}…\right]`);
 * several numeric matrices joined by `+`, `-`, scalars or juxtaposition are evaluated first.
 * `undefined` when the text is not only matrices.
 */
export function parseMatrices(s: string, build: Build): AnswerValue | undefined {
  if (!s.includes("\\begin")) return undefined;
  const found: Matrix[] = [];
  const rest = s.replace(MATRIX, (_m, _env: string, body: string) => {
    found.push({ type: "matrix", rows: rowsOf(body, build) });
    return `@M${found.length - 1}@`;
  });
  if (found.length === 0) return undefined;
  // Brackets around one matrix are its delimiters, not a tuple: `[\begin{array}…\end{array}]`.
  const bare = rest.replace(/^\s*[([|]?\s*(@M0@)\s*[)\]|]?\s*$/, "$1").trim();
  if (found.length === 1 && bare === "@M0@") return found[0];
  if (/[^@M\d\s+\-*().{}\\a-z0-9^T]/.test(rest.replace(/\\(?:cdot|times|frac|sqrt|top)/g, ""))) return undefined;
  return evaluate(rest, found, build);
}
