import { evaluateExpression, integerSymbols, pseudoRandom, type SamplePoint } from "./evaluate-expression.js";
import { canonicalKey, type ExprNode, freeSymbols } from "./expr-node.js";

/** How two expressions compared: `unknown` when no sample could be evaluated on both sides. */
export type ExprVerdict = "equal" | "different" | "unknown";

const SAMPLE_SEEDS = [11, 23, 37, 41, 59, 67];
/** Identity testing at random points: double rounding is far below this, a real difference far above. */
const SYMBOLIC_TOLERANCE = 1e-7;

function isLiteral(node: ExprNode): boolean {
  return node.kind === "num" || (node.kind === "neg" && node.arg.kind === "num");
}

/**
 * Two numbers within tolerance. Integers are compared exactly (a 1e-4 tolerance would call
 * 12000023 and 12000024 equal); infinities only equal themselves.
 */
export function numbersClose(a: number, b: number, relativeTolerance: number): boolean {
  if (Number.isNaN(a) || Number.isNaN(b)) return false;
  if (!Number.isFinite(a) || !Number.isFinite(b)) return false;
  if (Number.isInteger(a) && Number.isInteger(b) && Math.abs(a) < 2 ** 53 && Math.abs(b) < 2 ** 53) return a === b;
  const diff = Math.abs(a - b);
  return diff <= relativeTolerance * Math.max(Math.abs(a), Math.abs(b)) || diff < 1e-12;
}

function samplePoints(nodes: ExprNode[]): SamplePoint[] {
  const names = new Set<string>();
  const ints = new Set<string>();
  for (const n of nodes) {
    freeSymbols(n, new Set(), names);
    integerSymbols(n, ints);
  }
  return SAMPLE_SEEDS.map((seed) => {
    const symbols = new Map<string, number>();
    for (const name of names) {
      const r = pseudoRandom(name, 0, seed);
      symbols.set(name, ints.has(name) ? 3 + Math.floor(r * 3) : r);
    }
    return { symbols, seed };
  });
}

/** True when both trees have no free symbols (so one evaluation decides). */
export function isConstant(node: ExprNode): boolean {
  return freeSymbols(node).size === 0;
}

/**
 * Compares two expressions: literals exactly, constants numerically within `relativeTolerance`,
 * expressions with symbols by evaluating both at the same pseudo-random points.
 */
export function compareExpressions(a: ExprNode, b: ExprNode, relativeTolerance: number): ExprVerdict {
  if (isLiteral(a) && isLiteral(b)) {
    const va = evaluateExpression(a, { symbols: new Map(), seed: 0 });
    const vb = evaluateExpression(b, { symbols: new Map(), seed: 0 });
    return va === vb ? "equal" : "different";
  }
  if (canonicalKey(a) === canonicalKey(b)) return "equal";
  const ca = isConstant(a);
  const cb = isConstant(b);
  if (ca && cb) {
    const point = { symbols: new Map<string, number>(), seed: 1 };
    const va = evaluateExpression(a, point);
    const vb = evaluateExpression(b, point);
    if (Number.isNaN(va) || Number.isNaN(vb)) return "unknown";
    if (!Number.isFinite(va) || !Number.isFinite(vb)) {
      // An explicit \infty equals itself; an overflow (2^{10^{10}}) proves nothing either way.
      const explicit = canonicalKey(a).includes("infinity") && canonicalKey(b).includes("infinity");
      return explicit ? (va === vb ? "equal" : "different") : "unknown";
    }
    return numbersClose(va, vb, relativeTolerance) ? "equal" : "different";
  }
  let valid = 0;
  for (const point of samplePoints([a, b])) {
    const va = evaluateExpression(a, point);
    const vb = evaluateExpression(b, point);
    const fa = Number.isFinite(va);
    const fb = Number.isFinite(vb);
    if (!fa && !fb) continue;
    if (fa !== fb) return "different";
    if (!numbersClose(va, vb, SYMBOLIC_TOLERANCE)) return "different";
    valid++;
  }
  return valid >= 2 ? "equal" : "unknown";
}

/**
 * Whether `a / b` is the same constant at every sample point (equations `a = 0` and `b = 0`
 * are then the same equation). `positive` requires the constant to be > 0 (inequalities).
 */
export function proportional(a: ExprNode, b: ExprNode, positive: boolean): ExprVerdict {
  let ratio: number | undefined;
  let valid = 0;
  let zeros = 0;
  for (const point of samplePoints([a, b])) {
    const va = evaluateExpression(a, point);
    const vb = evaluateExpression(b, point);
    if (!Number.isFinite(va) || !Number.isFinite(vb)) continue;
    if (Math.abs(va) < 1e-12 && Math.abs(vb) < 1e-12) {
      zeros++;
      continue;
    }
    if (Math.abs(vb) < 1e-12 || Math.abs(va) < 1e-12) return "different";
    const r = va / vb;
    if (ratio === undefined) ratio = r;
    else if (!numbersClose(r, ratio, SYMBOLIC_TOLERANCE)) return "different";
    valid++;
  }
  if (ratio === undefined) return zeros >= 2 ? "equal" : "unknown";
  if (positive && ratio < 0) return "different";
  return valid >= 2 ? "equal" : "unknown";
}
