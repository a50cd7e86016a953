import type { AnswerValue } from "./answer-value.js";
import { isConstant } from "./expr/compare-expressions.js";
import { evaluateExpression } from "./expr/evaluate-expression.js";

type Interval = AnswerValue & { type: "interval" };

const NO_SYMBOLS = { symbols: new Map<string, number>(), seed: 0 };

function constantValue(v: AnswerValue): number | undefined {
  if (v.type !== "expr" || !isConstant(v.node)) return undefined;
  const n = evaluateExpression(v.node, NO_SYMBOLS);
  return Number.isNaN(n) ? undefined : n;
}

/** An open interval is written like a pair: `(-\infty, \infty)`. */
function asInterval(v: AnswerValue): AnswerValue {
  return v.type === "tuple" && v.items.length === 2
    ? {
        type: "interval",
        lo: v.items[0] as AnswerValue,
        hi: v.items[1] as AnswerValue,
        loClosed: false,
        hiClosed: false,
      }
    : v;
}

/** Takes the points out of one interval: a point inside splits it, a point on an end opens that end. */
function removeFrom(interval: Interval, points: ReadonlyArray<{ at: number; value: AnswerValue }>): Interval[] {
  let pieces: Interval[] = [interval];
  for (const p of [...points].sort((a, b) => a.at - b.at)) {
    pieces = pieces.flatMap((piece) => {
      const lo = constantValue(piece.lo) as number;
      const hi = constantValue(piece.hi) as number;
      if (p.at === lo) return [{ ...piece, loClosed: false }];
      if (p.at === hi) return [{ ...piece, hiClosed: false }];
      if (p.at < lo || p.at > hi) return [piece];
      return [
        { ...piece, hi: p.value, hiClosed: false },
        { ...piece, lo: p.value, loClosed: false },
      ];
    });
  }
  return pieces;
}

/**
 * `\mathbb{R} \setminus \{0\}`, `[0, 5] \setminus \{1, 2\}`: intervals (or a union of them) with
 * constant ends, less a finite set of constant points, as the union of intervals it leaves; `undefined`
 * when either side is anything else, so the text is read as written.
 */
export function subtractPoints(from: AnswerValue, points: AnswerValue): AnswerValue | undefined {
  const intervals = (from.type === "union" ? from.parts : [from]).map(asInterval);
  const items = points.type === "list" && points.origin === "set" ? points.items : undefined;
  const constantEnds = (i: AnswerValue) =>
    i.type === "interval" && constantValue(i.lo) !== undefined && constantValue(i.hi) !== undefined;
  if (!items || !intervals.every(constantEnds)) return undefined;
  const at = items.map((value) => ({ at: constantValue(value), value }));
  if (at.some((p) => p.at === undefined)) return undefined;
  const parts = (intervals as Interval[]).flatMap((i) =>
    removeFrom(i, at as Array<{ at: number; value: AnswerValue }>),
  );
  return parts.length === 1 ? parts[0] : { type: "union", parts };
}
