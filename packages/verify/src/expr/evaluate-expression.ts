import { childrenOf, type ExprNode } from "./expr-node.js";

/** Values for free symbols at one sample point, and a seed for indexed symbols like `F_{n-1}`. */
export interface SamplePoint {
  symbols: ReadonlyMap<string, number>;
  seed: number;
}

/** Sums and products longer than this are not expanded (the result is NaN). */
const MAX_ITERATIONS = 2000;

/** A deterministic value in [0.5, 2.5) for a name, a number and a seed: sampled "unknowns". */
export function pseudoRandom(name: string, x: number, seed: number): number {
  let h = 2166136261 ^ seed;
  const s = `${name}|${Math.round(x * 1e9)}`;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619);
  h ^= h >>> 13;
  h = Math.imul(h, 0x5bd1e995);
  h ^= h >>> 15;
  return 0.5 + ((h >>> 0) % 100000) / 50000;
}

function factorial(n: number): number {
  if (!Number.isInteger(n) || n < 0) return Number.NaN;
  if (n > 170) return Number.POSITIVE_INFINITY;
  let r = 1;
  for (let i = 2; i <= n; i++) r *= i;
  return r;
}

function binomial(n: number, k: number): number {
  if (!Number.isInteger(k) || k < 0) return Number.NaN;
  if (Number.isInteger(n) && n >= 0 && k > n) return 0;
  if (k > 1000) return Number.NaN;
  let r = 1;
  for (let i = 1; i <= k; i++) r = (r * (n - k + i)) / i;
  return Number.isInteger(n) ? Math.round(r) : r;
}

function power(b: number, e: number): number {
  if (b < 0 && !Number.isInteger(e)) {
    // Real odd roots of negatives: (-8)^(1/3) = -2.
    const inv = 1 / e;
    if (Math.abs(inv - Math.round(inv)) < 1e-9 && Math.round(inv) % 2 !== 0) return -((-b) ** e);
  }
  return b ** e;
}

function apply(name: string, args: number[]): number {
  const [a = Number.NaN, b = Number.NaN] = args;
  switch (name) {
    case "sin":
      return Math.sin(a);
    case "cos":
      return Math.cos(a);
    case "tan":
      return Math.tan(a);
    case "sec":
      return 1 / Math.cos(a);
    case "csc":
      return 1 / Math.sin(a);
    case "cot":
      return 1 / Math.tan(a);
    case "arcsin":
      return Math.asin(a);
    case "arccos":
      return Math.acos(a);
    case "arctan":
      return Math.atan(a);
    case "sinh":
      return Math.sinh(a);
    case "cosh":
      return Math.cosh(a);
    case "tanh":
      return Math.tanh(a);
    case "ln":
    case "log":
      return Math.log(a);
    case "log10":
      return Math.log10(a);
    case "exp":
      return Math.exp(a);
    case "sqrt":
      return Math.sqrt(a);
    case "root":
      return power(a, 1 / b);
    case "abs":
      return Math.abs(a);
    case "floor":
      return Math.floor(a);
    case "ceil":
      return Math.ceil(a);
    case "fact":
      return factorial(a);
    case "binom":
      return binomial(a, b);
    default:
      return Number.NaN;
  }
}

/**
 * Evaluates a tree at one sample point in double precision. Anything undefined (a domain error,
 * an unbounded sum) is NaN; this never throws and its cost is bounded by the tree size times
 * {@link MAX_ITERATIONS}.
 */
export function evaluateExpression(node: ExprNode, point: SamplePoint): number {
  switch (node.kind) {
    case "num":
      return node.value;
    case "sym": {
      const v = point.symbols.get(node.name);
      if (v !== undefined) return v;
      if (node.name === "pi") return Math.PI;
      if (node.name === "e") return Math.E;
      if (node.name === "infinity") return Number.POSITIVE_INFINITY;
      return pseudoRandom(node.name, 0, point.seed);
    }
    case "add": {
      let s = 0;
      for (const a of node.args) s += evaluateExpression(a, point);
      return s;
    }
    case "mul": {
      let p = 1;
      for (const a of node.args) p *= evaluateExpression(a, point);
      return p;
    }
    case "div":
      return evaluateExpression(node.num, point) / evaluateExpression(node.den, point);
    case "neg":
      return -evaluateExpression(node.arg, point);
    case "pow":
      return power(evaluateExpression(node.base, point), evaluateExpression(node.exp, point));
    case "fn":
      return apply(
        node.name,
        node.args.map((a) => evaluateExpression(a, point)),
      );
    case "sub":
      return pseudoRandom(node.base, evaluateExpression(node.index, point), point.seed);
    case "big": {
      const lo = evaluateExpression(node.lo, point);
      const hi = evaluateExpression(node.hi, point);
      if (!Number.isInteger(lo) || !Number.isInteger(hi) || hi - lo > MAX_ITERATIONS) return Number.NaN;
      let acc = node.op === "sum" ? 0 : 1;
      const symbols = new Map(point.symbols);
      for (let k = lo; k <= hi; k++) {
        symbols.set(node.variable, k);
        const v = evaluateExpression(node.body, { symbols, seed: point.seed });
        acc = node.op === "sum" ? acc + v : acc * v;
      }
      return acc;
    }
  }
}

/** Symbols that appear in the bounds of a sum or product: they must be sampled as integers. */
export function integerSymbols(node: ExprNode, out = new Set<string>(), inBound = false): Set<string> {
  if (node.kind === "sym") {
    if (inBound) out.add(node.name);
  } else if (node.kind === "big") {
    integerSymbols(node.lo, out, true);
    integerSymbols(node.hi, out, true);
    integerSymbols(node.body, out, inBound);
  } else {
    for (const child of childrenOf(node)) integerSymbols(child, out, inBound);
  }
  return out;
}
