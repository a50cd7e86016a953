import type { ExprNode } from "./expr/expr-node.js";
import { freeSymbols } from "./expr/expr-node.js";
import { parseExpression } from "./expr/parse-expression.js";
import { parseMatrices } from "./matrix-value.js";
import { subtractPoints } from "./set-difference.js";

/** The structure of one normalised answer; comparisons follow the order rules of each kind. */
export type AnswerValue =
  | { type: "expr"; node: ExprNode; text: string }
  | { type: "text"; text: string }
  /**
   * Sets, bare lists, "and"/"or", ± expansions; unordered unless the `listOrder` option says
   * otherwise for bare lists. `origin` says which: `set` (braces), `pm` (±) or `bare`.
   */
  | { type: "list"; items: AnswerValue[]; origin?: "set" | "pm" | "bare" }
  /** Ordered: `(a, b, c)` and vectors. */
  | { type: "tuple"; items: AnswerValue[] }
  | { type: "interval"; lo: AnswerValue; hi: AnswerValue; loClosed: boolean; hiClosed: boolean }
  | { type: "union"; parts: AnswerValue[] }
  /** `x = 3`, `f(x) = …`, `(p, q) = (3, 2)`, `x \in [0, 1)`: a label and its value. */
  | { type: "assign"; label: string; value: AnswerValue }
  /** Equations and inequalities that are not assignments: `2x + 4y = 3`, `x ≥ 5`, `-1 < x < 3`. */
  | { type: "relation"; parts: ExprNode[]; ops: string[] }
  | { type: "matrix"; rows: AnswerValue[][] };

const MAX_ANSWER_CHARS = 2000;
const MAX_PM_EXPANSIONS = 3;
const OPEN = new Set(["(", "[", "{"]);
const CLOSE = new Set([")", "]", "}"]);

/**
 * Splits at separator characters outside brackets (half-open intervals balance too); with
 * `keepSeparators` the separators stay in the result at odd indices.
 */
function splitOutsideBrackets(s: string, seps: string, keepSeparators: boolean): string[] {
  const out: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s[i] as string;
    if (c === "\\" && (s[i + 1] === "{" || s[i + 1] === "}")) {
      depth += s[i + 1] === "{" ? 1 : -1;
      i++;
    } else if (OPEN.has(c)) depth++;
    else if (CLOSE.has(c)) depth--;
    else if (depth === 0 && seps.includes(c)) {
      out.push(s.slice(start, i));
      if (keepSeparators) out.push(c);
      start = i + 1;
    }
  }
  out.push(s.slice(start));
  return out;
}

/** Splits at `sep` characters outside brackets, trimming the parts. */
export function splitTopLevel(s: string, seps: string): string[] {
  return splitOutsideBrackets(s, seps, false).map((p) => p.trim());
}

/** Index of the bracket closing the one at 0, or -1. */
function matchingClose(s: string): number {
  let depth = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s[i] as string;
    if (c === "\\" && (s[i + 1] === "{" || s[i + 1] === "}")) {
      depth += s[i + 1] === "{" ? 1 : -1;
      if (depth === 0) return i + 1;
      i++;
    } else if (OPEN.has(c)) depth++;
    else if (CLOSE.has(c) && --depth === 0) return i;
  }
  return -1;
}

/**
 * A name: a letter or command, maybe decorated (`\mathbf{v}`, `\vec{u}`), with primes, indices,
 * an inverse or transpose (`A^{-1}`, `M^T`, `f^{-1}(x)`) and arguments.
 */
const LABEL =
  /^(?:[A-Za-z]|\\(?:mathbf|vec|boldsymbol|bm|overrightarrow|overline|hat|bar|tilde)\s*\{[^{}]*\}|\\[a-zA-Z]+)(?:'|_\{[^{}]*\}|_[A-Za-z0-9]|\^\s*\{\s*(?:-1|T|\\top)\s*\}|\^\s*(?:-1|T(?![A-Za-z])|\\top))*(?:\([^()]*\))?$|^\|[^|]+\|$|^[A-Z]{2,3}$|^\\angle ?[A-Z]{1,3}$|^m\\angle ?[A-Z]{1,3}$/;

/** Left-hand sides that name the answer rather than constrain it: `x`, `a_3`, `f(x)`, `|AB|`, `(p,q)`, `A:B`. */
export function isLabel(s: string): boolean {
  const t = s.trim();
  if (LABEL.test(t)) return true;
  if (t.startsWith("(") && t.endsWith(")") && matchingClose(t) === t.length - 1)
    return splitTopLevel(t.slice(1, -1), ",;").every((p) => LABEL.test(p));
  const ratio = t.split(":");
  return ratio.length > 1 && ratio.every((p) => LABEL.test(p.trim()));
}

/** Function names written without a backslash ("sin x"): an expression, not words. */
const FUNCTION_WORD = /\b(?:sin|cos|tan|sec|csc|cot|ln|log|exp|sqrt|arcsin|arccos|arctan|sinh|cosh|tanh)\b/;

function expr(s: string): AnswerValue {
  // Words ("Yes", "odd", "no solution") are text, not a product of one-letter symbols.
  if (/^[A-Za-z]+(?: [A-Za-z]+)*$/.test(s) && /[A-Za-z]{3}/.test(s) && !FUNCTION_WORD.test(s))
    return { type: "text", text: s };
  const node = parseExpression(s.replace(/:/g, "/"));
  return node ? { type: "expr", node, text: s } : { type: "text", text: s };
}

function expandPlusMinus(s: string, depth: number): string[] | undefined {
  const i = s.indexOf("±");
  if (i < 0 || depth >= MAX_PM_EXPANSIONS) return undefined;
  const before = s.slice(0, i);
  const after = s.slice(i + 1);
  const out: string[] = [];
  for (const sign of ["+", "-"]) {
    const joined =
      before.trim() === "" || /[=(,[{]$/.test(before.trim())
        ? `${before}${sign === "+" ? "" : "-"}${after}`
        : `${before}${sign}${after}`;
    out.push(...(expandPlusMinus(joined, depth + 1) ?? [joined]));
  }
  return out;
}

/** Splits at relation symbols outside brackets, keeping the symbols at odd indices. */
function splitRelations(s: string): string[] {
  return splitOutsideBrackets(s, "=<>≤≥≠≈∈", true);
}

function relation(s: string, depth: number): AnswerValue | undefined {
  const tokens = splitRelations(s);
  if (tokens.length < 3) return undefined;
  let parts = tokens.filter((_, i) => i % 2 === 0).map((p) => p.trim());
  let ops = tokens.filter((_, i) => i % 2 === 1);
  // `x \approx 11` reads as x = 11; `… = 1/3 \approx 0.33` drops the approximation.
  const approx = ops.indexOf("≈");
  if (approx === 0 && isLabel(parts[0] as string)) ops[0] = "=";
  else if (approx >= 0) {
    parts = parts.slice(0, approx + 1);
    ops = ops.slice(0, approx);
    if (ops.length === 0) return buildValue(parts[0] as string, depth + 1);
  }
  if (parts.some((p) => p === "")) return undefined;
  const first = parts[0] as string;
  const last = parts[parts.length - 1] as string;
  if (ops.length === 1 && ops[0] === "∈") return { type: "assign", label: first, value: buildValue(last, depth + 1) };
  if (ops.every((o) => o === "=")) {
    // `1 = \zzz = x = 0`: a chain that ends in a constant states it.
    const lastNode = parts.length >= 3 ? parseExpression(last) : undefined;
    if (lastNode && freeSymbols(lastNode).size === 0) return buildValue(last, depth + 1);
    if (isLabel(first)) return { type: "assign", label: first, value: buildValue(last, depth + 1) };
    const nodes = parts.map((p) => parseExpression(p));
    // A chain of computations (1/2 = 10/9, 5+5+1 = 11): the answer is its last member.
    if (nodes.every((n) => n !== undefined && freeSymbols(n).size === 0)) return buildValue(last, depth + 1);
    const a = nodes[0];
    const b = nodes[nodes.length - 1];
    return a && b ? { type: "relation", parts: [a, b], ops: ["="] } : undefined;
  }
  const nodes = parts.map((p) => parseExpression(p.replace(/:/g, "/")));
  if (nodes.some((n) => n === undefined)) return undefined;
  return { type: "relation", parts: nodes as ExprNode[], ops };
}

/** `x | …` or `x ∈ S : …` opening a set's braces: a variable and the condition it meets. */
const SET_BUILDER = /^[A-Za-z](?:∈[^|:]+)?\s*[|:]\s*(.+)$/;

function bracketed(s: string, depth: number): AnswerValue | undefined {
  const first = s[0];
  if (first === "\\" && s.startsWith("\\{") && matchingClose(s) === s.length - 1) {
    const inner = s.slice(2, -2).trim();
    // Set-builder notation, `\{x \mid x \neq 3\}`, `\{x \in (-\infty,\infty) : x > 0\}`: the condition.
    const builder = SET_BUILDER.exec(inner);
    if (builder) return buildValue(builder[1] as string, depth + 1);
    return {
      type: "list",
      origin: "set",
      items: inner === "" ? [] : splitTopLevel(inner, ",;").map((p) => buildValue(p, depth + 1)),
    };
  }
  if (first !== "(" && first !== "[" && first !== "{") return undefined;
  if (matchingClose(s) !== s.length - 1) return undefined;
  const inner = s.slice(1, -1);
  const items = splitTopLevel(inner, inner.includes(",") ? "," : ";");
  const last = s[s.length - 1];
  if (first === "{") {
    return items.length > 1
      ? { type: "list", origin: "set", items: items.map((p) => buildValue(p, depth + 1)) }
      : undefined;
  }
  if (items.length === 1) return undefined;
  if (items.length === 2 && (first === "[" || last === "]")) {
    return {
      type: "interval",
      lo: buildValue(items[0] as string, depth + 1),
      hi: buildValue(items[1] as string, depth + 1),
      loClosed: first === "[",
      hiClosed: last === "]",
    };
  }
  return { type: "tuple", items: items.map((p) => buildValue(p, depth + 1)) };
}

/**
 * A list whose items are assignments to distinct labels (`p=5,q=2`) is one solution; when the
 * same labels repeat in the same order (`p=5,q=2, p=7,q=2`), each round is one solution, an
 * ordered tuple, as if written `p=5,q=2; p=7,q=2`.
 */
function group(items: AnswerValue[]): AnswerValue {
  const labels = items.map((i) => (i.type === "assign" ? i.label.replace(/[{}\s]/g, "") : undefined));
  if (items.length === 1) return items[0] as AnswerValue;
  if (labels.every((l) => l !== undefined)) {
    const period = new Set(labels).size;
    const cyclic =
      period > 1 &&
      period < labels.length &&
      labels.length % period === 0 &&
      labels.every((l, i) => l === labels[i % period]);
    if (cyclic) {
      const rounds: AnswerValue[] = [];
      for (let i = 0; i < items.length; i += period)
        rounds.push({
          type: "tuple",
          items: items.slice(i, i + period).map((a) => (a.type === "assign" ? a.value : a)),
        });
      return { type: "list", items: rounds };
    }
  }
  return { type: "list", items };
}

/**
 * Builds the structure of a normalised answer: lists at top-level `;`/`,`, unions, relations,
 * `±` expansions, bracketed tuples/intervals/sets, matrices, then expressions; whatever is left
 * is text. Never throws.
 */
export function buildValue(s: string, depth = 0): AnswerValue {
  const t = s.trim();
  if (t.length > MAX_ANSWER_CHARS || depth > 12) return { type: "text", text: t };
  if (t === "∅") return { type: "list", items: [] };
  const groups = splitTopLevel(t, ";");
  if (groups.length > 1 && groups.every(Boolean)) {
    return {
      type: "list",
      items: groups.map((g) => {
        const v = buildValue(g, depth + 1);
        return v.type === "list" && v.items.every((i) => i.type === "assign")
          ? { type: "tuple", items: v.items.map((i) => (i.type === "assign" ? i.value : i)) }
          : v;
      }),
    };
  }
  const items = splitTopLevel(t, ",");
  if (items.length > 1 && items.every(Boolean)) return group(items.map((p) => buildValue(p, depth + 1)));
  const matrix = parseMatrices(t, (c) => buildValue(c, depth + 1));
  if (matrix) return matrix;
  const pm = expandPlusMinus(t, 0);
  if (pm) return { type: "list", origin: "pm", items: pm.map((p) => buildValue(p, depth + 1)) };
  const rel = relation(t, depth);
  if (rel) return rel;
  const difference = splitTopLevel(t, "∖");
  if (difference.length === 2) {
    const [from = "", points = ""] = difference;
    const v = subtractPoints(buildValue(from, depth + 1), buildValue(points, depth + 1));
    if (v) return v;
  }
  const union = splitTopLevel(t, "∪");
  if (union.length > 1) return { type: "union", parts: union.map((p) => buildValue(p, depth + 1)) };
  return bracketed(t, depth) ?? expr(t);
}
