/**
 * The expression tree our own LaTeX parser builds. It is deliberately small: enough for the
 * answers graders meet (arithmetic, powers, roots, trigonometry, logs, factorials, binomials,
 * sums) and cheap to evaluate numerically at many points.
 */
export type ExprNode =
  | { kind: "num"; value: number; text: string }
  | { kind: "sym"; name: string }
  | { kind: "add"; args: ExprNode[] }
  | { kind: "mul"; args: ExprNode[] }
  | { kind: "div"; num: ExprNode; den: ExprNode }
  | { kind: "neg"; arg: ExprNode }
  | { kind: "pow"; base: ExprNode; exp: ExprNode }
  | { kind: "fn"; name: string; args: ExprNode[] }
  /** `F_{n-k}`: an indexed symbol whose index is itself an expression. */
  | { kind: "sub"; base: string; index: ExprNode }
  | { kind: "big"; op: "sum" | "prod"; variable: string; lo: ExprNode; hi: ExprNode; body: ExprNode };

/** A key that is equal for trees equal up to the order of sums and products. */
export function canonicalKey(node: ExprNode): string {
  switch (node.kind) {
    case "num":
      return String(node.value);
    case "sym":
      return node.name;
    case "add":
      return `(+ ${node.args.map(canonicalKey).sort().join(" ")})`;
    case "mul":
      return `(* ${node.args.map(canonicalKey).sort().join(" ")})`;
    case "div":
      return `(/ ${canonicalKey(node.num)} ${canonicalKey(node.den)})`;
    case "neg":
      return `(- ${canonicalKey(node.arg)})`;
    case "pow":
      return `(^ ${canonicalKey(node.base)} ${canonicalKey(node.exp)})`;
    case "fn":
      return `(${node.name} ${node.args.map(canonicalKey).join(" ")})`;
    case "sub":
      return `(_ ${node.base} ${canonicalKey(node.index)})`;
    case "big":
      return `(${node.op} ${node.variable} ${canonicalKey(node.lo)} ${canonicalKey(node.hi)} ${canonicalKey(node.body)})`;
  }
}

/** The direct subtrees of a node, in order (a sum's or product's bounds before its body). */
export function childrenOf(node: ExprNode): readonly ExprNode[] {
  switch (node.kind) {
    case "num":
    case "sym":
      return [];
    case "add":
    case "mul":
    case "fn":
      return node.args;
    case "div":
      return [node.num, node.den];
    case "neg":
      return [node.arg];
    case "pow":
      return [node.base, node.exp];
    case "sub":
      return [node.index];
    case "big":
      return [node.lo, node.hi, node.body];
  }
}

/** Free symbol names of a tree (bound variables of sums excluded). */
export function freeSymbols(
  node: ExprNode,
  bound: ReadonlySet<string> = new Set(),
  out = new Set<string>(),
): Set<string> {
  if (node.kind === "sym") {
    if (!bound.has(node.name) && !CONSTANT_NAMES.has(node.name)) out.add(node.name);
  } else if (node.kind === "big") {
    freeSymbols(node.lo, bound, out);
    freeSymbols(node.hi, bound, out);
    freeSymbols(node.body, new Set([...bound, node.variable]), out);
  } else {
    if (node.kind === "sub") out.add(`${node.base}_`);
    for (const child of childrenOf(node)) freeSymbols(child, bound, out);
  }
  return out;
}

/** Symbols that evaluate to constants rather than to sampled values. */
export const CONSTANT_NAMES: ReadonlySet<string> = new Set(["pi", "e", "infinity"]);
