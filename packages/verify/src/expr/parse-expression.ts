import type { ExprNode } from "./expr-node.js";

/** Thrown inside the parser only; callers of {@link parseExpression} get `undefined`. */
class ParseFailure extends Error {}

type Token = { type: "num" | "id" | "cmd" | "op"; text: string };

const MAX_DEPTH = 120;
const MAX_TOKENS = 4000;

const GREEK = new Set([
  "alpha",
  "beta",
  "gamma",
  "delta",
  "epsilon",
  "varepsilon",
  "zeta",
  "eta",
  "theta",
  "vartheta",
  "iota",
  "kappa",
  "lambda",
  "mu",
  "nu",
  "xi",
  "rho",
  "sigma",
  "tau",
  "upsilon",
  "phi",
  "varphi",
  "chi",
  "psi",
  "omega",
  "Gamma",
  "Delta",
  "Theta",
  "Lambda",
  "Xi",
  "Sigma",
  "Phi",
  "Psi",
  "Omega",
]);
const UNARY_FUNCTIONS = new Set([
  "sin",
  "cos",
  "tan",
  "sec",
  "csc",
  "cot",
  "arcsin",
  "arccos",
  "arctan",
  "sinh",
  "cosh",
  "tanh",
  "ln",
  "log",
  "exp",
  "lg",
]);
/** Commands that produce no value and can be dropped. */
const IGNORED = new Set(["left", "right", "displaystyle", "big", "Big", "bigg", "Bigg", "mathrm", "mathit", "mathbf"]);

function tokenize(src: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i] as string;
    if (c === " " || c === "\t" || c === "\n" || c === "\r") {
      i++;
      continue;
    }
    if (c >= "0" && c <= "9") {
      let j = i;
      while (j < src.length && /[0-9]/.test(src[j] as string)) j++;
      if (src[j] === "." && /[0-9]/.test(src[j + 1] ?? "")) {
        j++;
        while (j < src.length && /[0-9]/.test(src[j] as string)) j++;
      }
      tokens.push({ type: "num", text: src.slice(i, j) });
      i = j;
    } else if (c === "." && /[0-9]/.test(src[i + 1] ?? "")) {
      let j = i + 1;
      while (j < src.length && /[0-9]/.test(src[j] as string)) j++;
      tokens.push({ type: "num", text: `0${src.slice(i, j)}` });
      i = j;
    } else if (c === "\\") {
      const m = /^\\([a-zA-Z]+|.)/.exec(src.slice(i, i + 40));
      if (!m) throw new ParseFailure("dangling backslash");
      const name = m[1] as string;
      i += m[0].length;
      if (name === "{" || name === "}") tokens.push({ type: "op", text: name });
      else if (name === "," || name === ";" || name === "!" || name === " " || name === ":") continue;
      else if (IGNORED.has(name)) continue;
      else tokens.push({ type: "cmd", text: name });
    } else if (/[a-zA-Z]/.test(c)) {
      tokens.push({ type: "id", text: c });
      i++;
    } else {
      tokens.push({ type: "op", text: c });
      i++;
    }
    if (tokens.length > MAX_TOKENS) throw new ParseFailure("too long");
  }
  return tokens;
}

class Parser {
  private pos = 0;
  private depth = 0;
  private absDepth = 0;

  constructor(private readonly tokens: Token[]) {}

  parseAll(): ExprNode {
    const node = this.expr();
    if (this.pos < this.tokens.length) throw new ParseFailure(`unexpected ${this.peek()?.text}`);
    return node;
  }

  private peek(offset = 0): Token | undefined {
    return this.tokens[this.pos + offset];
  }

  private isOp(text: string, offset = 0): boolean {
    const t = this.peek(offset);
    return t !== undefined && t.type === "op" && t.text === text;
  }

  private expect(text: string): void {
    if (!this.isOp(text)) throw new ParseFailure(`expected ${text}`);
    this.pos++;
  }

  private enter(): void {
    if (++this.depth > MAX_DEPTH) throw new ParseFailure("nested too deeply");
  }

  private expr(): ExprNode {
    this.enter();
    const terms: ExprNode[] = [this.term()];
    for (;;) {
      if (this.isOp("+")) {
        this.pos++;
        terms.push(this.term());
      } else if (this.isOp("-")) {
        this.pos++;
        terms.push({ kind: "neg", arg: this.term() });
      } else break;
    }
    this.depth--;
    return terms.length === 1 ? (terms[0] as ExprNode) : { kind: "add", args: terms };
  }

  private term(): ExprNode {
    let node = this.unary();
    const factors: ExprNode[] = [];
    const flush = () => factors.push(node);
    for (;;) {
      const t = this.peek();
      if (!t) break;
      if (t.type === "op" && (t.text === "*" || t.text === "/")) {
        this.pos++;
        const rhs = this.unary();
        if (t.text === "*") {
          flush();
          node = rhs;
        } else node = { kind: "div", num: node, den: rhs };
      } else if (t.type === "cmd" && (t.text === "cdot" || t.text === "times" || t.text === "ast")) {
        this.pos++;
        flush();
        node = this.unary();
      } else if (t.type === "cmd" && t.text === "div") {
        this.pos++;
        node = { kind: "div", num: node, den: this.unary() };
      } else if (this.startsAtom(t)) {
        flush();
        node = this.power();
      } else break;
    }
    factors.push(node);
    return factors.length === 1 ? node : { kind: "mul", args: factors };
  }

  private startsAtom(t: Token): boolean {
    if (t.type === "num" || t.type === "id") return true;
    if (t.type === "cmd") return t.text !== "cdot" && t.text !== "times" && t.text !== "div" && t.text !== "pm";
    if (t.type === "op")
      return t.text === "(" || t.text === "{" || t.text === "[" || (t.text === "|" && this.absDepth === 0);
    return false;
  }

  private unary(): ExprNode {
    if (this.isOp("-")) {
      this.pos++;
      return { kind: "neg", arg: this.unary() };
    }
    if (this.isOp("+")) {
      this.pos++;
      return this.unary();
    }
    return this.power();
  }

  private power(): ExprNode {
    this.enter();
    let base = this.postfix(this.atom());
    if (this.isOp("^")) {
      this.pos++;
      const exp = this.scriptArgument();
      base = this.postfix({ kind: "pow", base, exp });
    }
    this.depth--;
    return base;
  }

  private postfix(node: ExprNode): ExprNode {
    let out = node;
    for (;;) {
      if (this.isOp("!")) {
        this.pos++;
        out = { kind: "fn", name: "fact", args: [out] };
      } else if (this.isOp("'")) {
        this.pos++;
        out = out.kind === "sym" ? { kind: "sym", name: `${out.name}'` } : out;
      } else return out;
    }
  }

  /** The argument of `^`, `_`, `\frac`, `\sqrt`: a braced group or one character (TeX rules). */
  private scriptArgument(): ExprNode {
    const t = this.peek();
    if (!t) throw new ParseFailure("missing argument");
    if (t.type === "op" && t.text === "{") {
      this.pos++;
      const e = this.expr();
      this.expect("}");
      return e;
    }
    if (t.type === "num" && t.text.length > 1) {
      // `\frac12` and `x^23` take one digit, as TeX does.
      this.tokens.splice(
        this.pos,
        1,
        { type: "num", text: t.text[0] as string },
        { type: "num", text: t.text.slice(1) },
      );
      if (this.tokens.length > MAX_TOKENS) throw new ParseFailure("too long");
    }
    if (this.isOp("-")) {
      this.pos++;
      return { kind: "neg", arg: this.atom() };
    }
    return this.atom();
  }

  private group(open: string, close: string): ExprNode {
    this.expect(open);
    const e = this.expr();
    this.expect(close);
    return e;
  }

  private atom(): ExprNode {
    const t = this.peek();
    if (!t) throw new ParseFailure("unexpected end");
    if (t.type === "num") {
      this.pos++;
      return { kind: "num", value: Number(t.text), text: t.text };
    }
    if (t.type === "id") {
      this.pos++;
      return this.subscripted(t.text);
    }
    if (t.type === "op") {
      if (t.text === "(") return this.group("(", ")");
      if (t.text === "[") return this.group("[", "]");
      if (t.text === "{") return this.group("{", "}");
      if (t.text === "|") {
        this.pos++;
        this.absDepth++;
        const e = this.expr();
        this.absDepth--;
        this.expect("|");
        return { kind: "fn", name: "abs", args: [e] };
      }
      throw new ParseFailure(`unexpected ${t.text}`);
    }
    return this.command(t.text);
  }

  private subscripted(name: string): ExprNode {
    if (!this.isOp("_")) return { kind: "sym", name };
    this.pos++;
    const index = this.scriptArgument();
    if (index.kind === "num") return { kind: "sym", name: `${name}_${index.text}` };
    return { kind: "sub", base: name, index };
  }

  private command(name: string): ExprNode {
    this.pos++;
    if (name === "frac" || name === "dfrac" || name === "tfrac" || name === "cfrac") {
      const num = this.scriptArgument();
      const den = this.scriptArgument();
      return { kind: "div", num, den };
    }
    if (name === "binom" || name === "dbinom" || name === "tbinom") {
      const n = this.scriptArgument();
      const k = this.scriptArgument();
      return { kind: "fn", name: "binom", args: [n, k] };
    }
    if (name === "sqrt") {
      if (this.isOp("[")) {
        const index = this.group("[", "]");
        return { kind: "fn", name: "root", args: [this.scriptArgument(), index] };
      }
      return { kind: "fn", name: "sqrt", args: [this.scriptArgument()] };
    }
    if (name === "pi") return { kind: "sym", name: "pi" };
    if (name === "infty" || name === "infin") return { kind: "sym", name: "infinity" };
    if (GREEK.has(name)) return this.subscripted(name);
    if (name === "lfloor" || name === "lceil") {
      const e = this.expr();
      const t = this.peek();
      if (t?.type !== "cmd" || (t.text !== "rfloor" && t.text !== "rceil")) throw new ParseFailure("unclosed floor");
      this.pos++;
      return { kind: "fn", name: name === "lfloor" ? "floor" : "ceil", args: [e] };
    }
    if (name === "sum" || name === "prod") return this.bigOperator(name);
    if (UNARY_FUNCTIONS.has(name)) return this.functionCall(name === "lg" ? "log10" : name);
    throw new ParseFailure(`unknown command \\${name}`);
  }

  private functionCall(name: string): ExprNode {
    let power: ExprNode | undefined;
    let base: ExprNode | undefined;
    if (name === "log" && this.isOp("_")) {
      this.pos++;
      base = this.scriptArgument();
    }
    if (this.isOp("^")) {
      this.pos++;
      power = this.scriptArgument();
    }
    let arg: ExprNode;
    if (this.isOp("(")) arg = this.group("(", ")");
    else {
      // `\sin 2x` is sin(2x); `\sin b \cos a` stops at the next function.
      const factors: ExprNode[] = [this.power()];
      for (;;) {
        const t = this.peek();
        const factor =
          t !== undefined &&
          (t.type === "num" ||
            t.type === "id" ||
            (t.type === "op" && t.text === "{") ||
            (t.type === "cmd" && (t.text === "pi" || t.text === "frac" || GREEK.has(t.text))));
        if (!factor) break;
        factors.push(this.power());
      }
      arg = factors.length === 1 ? (factors[0] as ExprNode) : { kind: "mul", args: factors };
    }
    let call: ExprNode = { kind: "fn", name, args: [arg] };
    if (base)
      call = {
        kind: "div",
        num: { kind: "fn", name: "ln", args: [arg] },
        den: { kind: "fn", name: "ln", args: [base] },
      };
    if (power) {
      // `\sin^{-1}` is the inverse function, not a reciprocal.
      if (power.kind === "neg" && power.arg.kind === "num" && power.arg.value === 1 && /^(sin|cos|tan)$/.test(name))
        return { kind: "fn", name: `arc${name}`, args: [arg] };
      return { kind: "pow", base: call, exp: power };
    }
    return call;
  }

  private bigOperator(op: "sum" | "prod"): ExprNode {
    this.expect("_");
    this.expect("{");
    const v = this.peek();
    if (v?.type !== "id" || !this.isOp("=", 1)) throw new ParseFailure("sum needs k=...");
    this.pos += 2;
    const lo = this.expr();
    this.expect("}");
    this.expect("^");
    const hi = this.scriptArgument();
    const body = this.term();
    return { kind: "big", op, variable: v.text, lo, hi, body };
  }
}

/**
 * Parses a normalised LaTeX expression (no relations, no top-level commas) into an
 * {@link ExprNode}, or returns `undefined` when it is outside the grammar. Never throws.
 */
export function parseExpression(src: string): ExprNode | undefined {
  try {
    const tokens = tokenize(src);
    if (tokens.length === 0) return undefined;
    return new Parser(tokens).parseAll();
  } catch {
    return undefined;
  }
}
