import type { AnswerValue } from "./answer-value.js";
import { isLabel } from "./answer-value.js";
import { compareExpressions, isConstant, proportional } from "./expr/compare-expressions.js";
import type { ExprNode } from "./expr/expr-node.js";
import { parseExpression } from "./expr/parse-expression.js";
import type { VerifyOptions } from "./verify-options.js";

/** `unknown` means our own grammar could not decide (a side is unparsed text). */
export type Verdict = { result: "equal" | "different" | "unknown"; reason: string };

export interface CompareContext {
  relativeTolerance: number;
  /** See {@link VerifyOptions.listOrder}. */
  listOrder: "unordered" | "ordered";
  /** See {@link VerifyOptions.setsMatchTuples}. */
  setsMatchTuples: boolean;
  /** Throws when the time budget is spent; called between steps. */
  checkDeadline: () => void;
}

const EQUAL = (reason: string): Verdict => ({ result: "equal", reason });
const DIFFERENT = (reason: string): Verdict => ({ result: "different", reason });
const UNKNOWN: Verdict = { result: "unknown", reason: "unparsed" };

function normalText(s: string): string {
  return s.toLowerCase().replace(/[\s{}()[\]\\.'"`]/g, "");
}

function textOf(v: AnswerValue): string | undefined {
  if (v.type === "text" || v.type === "expr") return v.text;
  return undefined;
}

function unwrap(v: AnswerValue): AnswerValue {
  return v.type === "list" && v.items.length === 1 ? unwrap(v.items[0] as AnswerValue) : v;
}

/** Each item of `a` matches one of `b` and vice versa (duplicates collapse, as in a set). */
function sameSet(a: AnswerValue[], b: AnswerValue[], ctx: CompareContext): Verdict {
  if (a.length === 0 || b.length === 0) return a.length === b.length ? EQUAL("set") : DIFFERENT("set");
  const covered = (xs: AnswerValue[], ys: AnswerValue[]) =>
    xs.every((x) => ys.some((y) => compareValues(x, y, ctx).result === "equal"));
  return covered(a, b) && covered(b, a) ? EQUAL("set") : DIFFERENT("set");
}

function sameSequence(a: AnswerValue[], b: AnswerValue[], ctx: CompareContext, reason: string): Verdict {
  if (a.length !== b.length) return DIFFERENT(reason);
  for (let i = 0; i < a.length; i++) {
    const r = compareValues(a[i] as AnswerValue, b[i] as AnswerValue, ctx);
    if (r.result !== "equal") return r.result === "unknown" ? r : DIFFERENT(reason);
  }
  return EQUAL(reason);
}

function assignments(v: AnswerValue): Array<{ label: string; value: AnswerValue }> | undefined {
  if (v.type !== "list" || v.items.length < 2) return undefined;
  const out: Array<{ label: string; value: AnswerValue }> = [];
  for (const i of v.items) {
    if (i.type !== "assign") return undefined;
    out.push({ label: i.label.replace(/[{}\s]/g, ""), value: i.value });
  }
  return out;
}

/** A relation as (label, interval) when it bounds one labelled quantity by constants. */
function relationToInterval(v: AnswerValue & { type: "relation" }): AnswerValue | undefined {
  const { parts, ops } = v;
  const isConst = (n: ExprNode) => isConstant(n);
  const expr = (node: ExprNode): AnswerValue => ({ type: "expr", node, text: "" });
  const inf = (sign: 1 | -1): AnswerValue => {
    const node: ExprNode = { kind: "sym", name: "infinity" };
    return expr(sign > 0 ? node : { kind: "neg", arg: node });
  };
  // x ≠ 2 is (-∞, 2) ∪ (2, ∞).
  if (ops.length === 1 && ops[0] === "≠" && parts[0]?.kind === "sym" && parts[1] && isConst(parts[1]))
    return {
      type: "union",
      parts: [
        { type: "interval", lo: inf(-1), hi: expr(parts[1]), loClosed: false, hiClosed: false },
        { type: "interval", lo: expr(parts[1]), hi: inf(1), loClosed: false, hiClosed: false },
      ],
    };
  if (ops.some((o) => !"<>≤≥".includes(o))) return undefined;
  const upward = ops.every((o) => o === "<" || o === "≤");
  const downward = ops.every((o) => o === ">" || o === "≥");
  if (!upward && !downward) return undefined;
  const ordered = upward ? parts : [...parts].reverse();
  const closed = (upward ? ops : [...ops].reverse()).map((o) => o === "≤" || o === "≥");
  if (ordered.length === 3) {
    const [lo, mid, hi] = ordered as [ExprNode, ExprNode, ExprNode];
    if (!isConst(lo) || !isConst(hi) || isConst(mid)) return undefined;
    if (mid.kind === "fn" && mid.name === "abs") {
      // 1 ≤ |z| ≤ 3/2  is  [-3/2, -1] ∪ [1, 3/2].
      return {
        type: "union",
        parts: [
          {
            type: "interval",
            lo: expr({ kind: "neg", arg: hi }),
            hi: expr({ kind: "neg", arg: lo }),
            loClosed: closed[1] as boolean,
            hiClosed: closed[0] as boolean,
          },
          {
            type: "interval",
            lo: expr(lo),
            hi: expr(hi),
            loClosed: closed[0] as boolean,
            hiClosed: closed[1] as boolean,
          },
        ],
      };
    }
    return {
      type: "interval",
      lo: expr(lo),
      hi: expr(hi),
      loClosed: closed[0] as boolean,
      hiClosed: closed[1] as boolean,
    };
  }
  if (ordered.length === 2) {
    const [a, b] = ordered as [ExprNode, ExprNode];
    // |x| < c is (-c, c); |x| > c is (-∞, -c) ∪ (c, ∞).
    const abs = (n: ExprNode) => n.kind === "fn" && n.name === "abs" && n.args[0]?.kind === "sym";
    if (abs(a) && isConst(b))
      return {
        type: "interval",
        lo: expr({ kind: "neg", arg: b }),
        hi: expr(b),
        loClosed: closed[0] as boolean,
        hiClosed: closed[0] as boolean,
      };
    if (isConst(a) && abs(b))
      return {
        type: "union",
        parts: [
          {
            type: "interval",
            lo: inf(-1),
            hi: expr({ kind: "neg", arg: a }),
            loClosed: false,
            hiClosed: closed[0] as boolean,
          },
          { type: "interval", lo: expr(a), hi: inf(1), loClosed: closed[0] as boolean, hiClosed: false },
        ],
      };
    if (isConst(b) && !isConst(a) && a.kind === "sym")
      return { type: "interval", lo: inf(-1), hi: expr(b), loClosed: false, hiClosed: closed[0] as boolean };
    if (isConst(a) && !isConst(b) && b.kind === "sym")
      return { type: "interval", lo: expr(a), hi: inf(1), loClosed: closed[0] as boolean, hiClosed: false };
  }
  return undefined;
}

function compareRelations(a: AnswerValue & { type: "relation" }, b: AnswerValue & { type: "relation" }): Verdict {
  const diff = (l: ExprNode, r: ExprNode): ExprNode => ({ kind: "add", args: [l, { kind: "neg", arg: r }] });
  if (a.ops.length !== b.ops.length) return DIFFERENT("relation");
  if (a.ops.length === 1) {
    const oa = a.ops[0] as string;
    const ob = b.ops[0] as string;
    if (oa === "=" || ob === "=" || oa === "≠" || ob === "≠") {
      if (oa !== ob) return DIFFERENT("relation");
      const r = proportional(
        diff(a.parts[0] as ExprNode, a.parts[1] as ExprNode),
        diff(b.parts[0] as ExprNode, b.parts[1] as ExprNode),
        false,
      );
      return r === "equal" ? EQUAL("equation") : r === "unknown" ? UNKNOWN : DIFFERENT("equation");
    }
    // Orient both as `expr > 0` or `expr ≥ 0` and require a positive ratio.
    const orient = (op: string, l: ExprNode, r: ExprNode) =>
      op === ">" || op === "≥" ? { strict: op === ">", e: diff(l, r) } : { strict: op === "<", e: diff(r, l) };
    const x = orient(oa, a.parts[0] as ExprNode, a.parts[1] as ExprNode);
    const y = orient(ob, b.parts[0] as ExprNode, b.parts[1] as ExprNode);
    if (x.strict !== y.strict) return DIFFERENT("inequality");
    const r = proportional(x.e, y.e, true);
    return r === "equal" ? EQUAL("inequality") : r === "unknown" ? UNKNOWN : DIFFERENT("inequality");
  }
  return DIFFERENT("relation");
}

function asRelation(v: AnswerValue & { type: "assign" }): AnswerValue | undefined {
  if (v.value.type !== "expr" || !isLabel(v.label)) return undefined;
  const lhs = v.label;
  const node = v.value.node;
  const l = parseExpression(lhs);
  return l ? { type: "relation", parts: [l, node], ops: ["="] } : undefined;
}

/** The constant right side of `expression = constant`, the form of a labelled result. */
function valueOfEquation(v: AnswerValue & { type: "relation" }, isGold: boolean): ExprNode | undefined {
  if (v.ops.length !== 1 || v.ops[0] !== "=") return undefined;
  const [lhs, rhs] = v.parts as [ExprNode, ExprNode];
  if (isConstant(lhs) || !isConstant(rhs)) return undefined;
  return !isGold || onlySymbols(lhs) ? rhs : undefined;
}

/** `NO/BO`, `ab`, `x_1`: products and ratios of symbols, no numbers or sums. */
function onlySymbols(n: ExprNode): boolean {
  if (n.kind === "sym" || n.kind === "sub") return true;
  if (n.kind === "mul") return n.args.every(onlySymbols);
  if (n.kind === "div") return onlySymbols(n.num) && onlySymbols(n.den);
  return false;
}

const bare = (v: AnswerValue & { type: "list" }) => v.origin === undefined || v.origin === "bare";

/** Compares gold `a` with prediction `b` structurally; see the README for the rules. */
export function compareValues(ga: AnswerValue, pb: AnswerValue, ctx: CompareContext): Verdict {
  ctx.checkDeadline();
  const a = unwrap(ga);
  const b = unwrap(pb);
  const ta = textOf(a);
  const tb = textOf(b);
  // Loose text equality only where one side is not math: "2(x+1)" and "2x+1" must stay apart.
  if ((a.type === "text" || b.type === "text") && ta !== undefined && tb !== undefined && ta !== "")
    if (normalText(ta) === normalText(tb)) return EQUAL("text");

  if (a.type === "assign" && b.type === "assign") {
    const r = compareValues(a.value, b.value, ctx);
    if (r.result !== "different") return r;
    const ra = asRelation(a);
    const rb = asRelation(b);
    return ra && rb ? compareValues(ra, rb, ctx) : r;
  }
  if (a.type === "relation" && b.type === "assign") {
    const rb = asRelation(b);
    return compareValues(a, rb ?? b.value, ctx);
  }
  if (a.type === "assign" && b.type === "relation") {
    const ra = asRelation(a);
    return compareValues(ra ?? a.value, b, ctx);
  }
  if (a.type === "assign") return compareValues(a.value, b, ctx);
  if (b.type === "assign") return compareValues(a, b.value, ctx);

  if (a.type === "relation" || b.type === "relation") {
    if (a.type === "relation" && b.type === "relation") {
      const r = compareRelations(a, b);
      if (r.result === "equal") return r;
      const ia = relationToInterval(a);
      const ib = relationToInterval(b);
      return ia && ib ? compareValues(ia, ib, ctx) : r;
    }
    const rel = (a.type === "relation" ? a : b) as AnswerValue & { type: "relation" };
    const other = a.type === "relation" ? b : a;
    // `\frac{NO}{BO} = \frac{1}{\sqrt6}` against `\frac{1}{\sqrt6}`: the named quantity's value.
    // A gold equation gives its value only when its left side names a quantity (`NO/BO`, not
    // `2x + z`); a predicted equation against a plain gold gives its right side (Math-Verify).
    const value = valueOfEquation(rel, a.type === "relation");
    if (value && other.type === "expr" && isConstant(other.node)) {
      const r = compareExpressions(value, other.node, ctx.relativeTolerance);
      if (r === "equal") return EQUAL("numeric");
    }
    if (other.type === "interval" || other.type === "union" || other.type === "tuple") {
      const iv = relationToInterval(rel);
      if (iv) return a.type === "relation" ? compareValues(iv, b, ctx) : compareValues(a, iv, ctx);
    }
    return DIFFERENT("relation");
  }

  // "$2^{11}$, or 2048": a predicted list whose items are all one value states that value once.
  if (b.type === "list" && bare(b) && ctx.listOrder === "unordered" && a.type !== "list" && a.type !== "tuple") {
    const [first, ...rest] = b.items as [AnswerValue, ...AnswerValue[]];
    if (rest.length > 0 && rest.every((i) => compareValues(first, i, ctx).result === "equal"))
      return compareValues(a, first, ctx);
  }
  if (a.type === "expr" && b.type === "expr") {
    const r = compareExpressions(a.node, b.node, ctx.relativeTolerance);
    if (r === "equal") return EQUAL(isConstant(a.node) && isConstant(b.node) ? "numeric" : "symbolic");
    return r === "unknown" ? UNKNOWN : DIFFERENT(isConstant(a.node) ? "numeric" : "symbolic");
  }

  if (a.type === "list" && b.type === "list") {
    const la = assignments(a);
    const lb = assignments(b);
    if (la && lb) {
      const keys = (l: typeof la) =>
        l
          .map((x) => x.label)
          .sort()
          .join("|");
      if (keys(la) === keys(lb) && new Set(la.map((x) => x.label)).size === la.length) {
        const byLabel = new Map(lb.map((x) => [x.label, x.value]));
        return sameSequence(
          la.map((x) => x.value),
          la.map((x) => byLabel.get(x.label) as AnswerValue),
          ctx,
          "assignments",
        );
      }
    }
    if (ctx.listOrder === "ordered" && bare(a) && bare(b) && !la && !lb)
      return sameSequence(a.items, b.items, ctx, "list");
    return sameSet(la ? la.map((x) => x.value) : a.items, lb ? lb.map((x) => x.value) : b.items, ctx);
  }
  // `{1,3}` against `(1,3)` (Math-Verify): a gold tuple reads the set in its written order, a
  // gold set ignores the order of the predicted tuple.
  if (ctx.setsMatchTuples && a.type === "list" && a.origin === "set" && b.type === "tuple")
    return sameSet(a.items, b.items, ctx);
  if (ctx.setsMatchTuples && a.type === "tuple" && b.type === "list" && b.origin === "set")
    return sameSequence(a.items, b.items, ctx, "tuple");
  if (a.type === "list" && b.type === "tuple") {
    const la = assignments(a);
    return la && new Set(la.map((x) => x.label)).size === la.length
      ? sameSequence(
          la.map((x) => x.value),
          b.items,
          ctx,
          "tuple",
        )
      : DIFFERENT("set-vs-tuple");
  }
  if (a.type === "tuple" && b.type === "list") {
    const lb = assignments(b);
    return lb && new Set(lb.map((x) => x.label)).size === lb.length
      ? sameSequence(
          a.items,
          lb.map((x) => x.value),
          ctx,
          "tuple",
        )
      : DIFFERENT("set-vs-tuple");
  }
  if (a.type === "tuple" && b.type === "tuple") return sameSequence(a.items, b.items, ctx, "tuple");

  // An open interval is written like a pair: (a, b).
  const asInterval = (v: AnswerValue): AnswerValue =>
    v.type === "tuple" && v.items.length === 2
      ? {
          type: "interval",
          lo: v.items[0] as AnswerValue,
          hi: v.items[1] as AnswerValue,
          loClosed: false,
          hiClosed: false,
        }
      : v;
  const ia = asInterval(a);
  const ib = asInterval(b);
  if (ia.type === "interval" && ib.type === "interval") {
    if (ia.loClosed !== ib.loClosed || ia.hiClosed !== ib.hiClosed) return DIFFERENT("interval");
    return sameSequence([ia.lo, ia.hi], [ib.lo, ib.hi], ctx, "interval");
  }
  // `\{1,3\} \cup \{2,4\}` is the finite set `\{1,2,3,4\}`.
  const finite = (v: AnswerValue): AnswerValue =>
    v.type === "union" && v.parts.every((p) => p.type === "list" && p.origin === "set")
      ? { type: "list", origin: "set", items: v.parts.flatMap((p) => (p.type === "list" ? p.items : [])) }
      : v;
  if ((a.type === "union" || b.type === "union") && finite(a).type === "list" && finite(b).type === "list") {
    const fa = finite(a) as AnswerValue & { type: "list" };
    const fb = finite(b) as AnswerValue & { type: "list" };
    return sameSet(fa.items, fb.items, ctx);
  }
  if (a.type === "union" || b.type === "union") {
    // "x < 2 or x > 3" is the union of the intervals its relations bound.
    const parts = (v: AnswerValue): AnswerValue[] =>
      v.type === "union"
        ? v.parts
        : v.type === "list"
          ? v.items.map((i) => {
              const item = i.type === "assign" && i.value.type !== "expr" ? i.value : i;
              return item.type === "relation" ? (relationToInterval(item) ?? item) : item;
            })
          : [v];
    const pa = parts(a);
    const pb2 = parts(b);
    const r = sameSet(pa, pb2, ctx);
    return r.result === "equal" ? EQUAL("union") : DIFFERENT("union");
  }
  // A column or row vector is the tuple of its entries: `\begin{pmatrix}1\\2\end{pmatrix}` = `(1, 2)`.
  const vector = (v: AnswerValue): AnswerValue[] | undefined =>
    v.type === "matrix" && v.rows.length === 1
      ? v.rows[0]
      : v.type === "matrix" && v.rows.every((r) => r.length === 1)
        ? v.rows.map((r) => r[0] as AnswerValue)
        : undefined;
  if (a.type === "matrix" && b.type === "tuple") {
    const va = vector(a);
    return va ? sameSequence(va, b.items, ctx, "tuple") : DIFFERENT("matrix");
  }
  if (a.type === "tuple" && b.type === "matrix") {
    const vb = vector(b);
    return vb ? sameSequence(a.items, vb, ctx, "tuple") : DIFFERENT("matrix");
  }
  if (a.type === "matrix" && b.type === "matrix") {
    if (a.rows.length !== b.rows.length) return DIFFERENT("matrix");
    for (let i = 0; i < a.rows.length; i++) {
      const r = sameSequence(a.rows[i] as AnswerValue[], b.rows[i] as AnswerValue[], ctx, "matrix");
      if (r.result !== "equal") return r.result === "unknown" ? r : DIFFERENT("matrix");
    }
    return EQUAL("matrix");
  }
  if (a.type === "text" || b.type === "text") return ta !== undefined && tb !== undefined ? UNKNOWN : DIFFERENT("text");
  return DIFFERENT(`${a.type}-vs-${b.type}`);
}
