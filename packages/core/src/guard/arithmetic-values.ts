/**
 * Every value a normalised text writes down: each number, and each computation made of numbers
 * (`3^4`, `8 * 9`, `\frac{\pi}{3}`, `\sqrt{2}/2`, `5!`, `2.5e3`) together with each of its
 * sub-computations. `50%` counts as 50 and as 0.5. Input is {@link normalizeMathText}'s output.
 */
export function arithmeticValues(text: string): number[] {
  const tokens = tokenize(text);
  const values: number[] = [];
  let i = 0;
  while (i < tokens.length) {
    const parser = new Parser(tokens, i, values);
    const end = parser.tryExpression();
    i = end > i ? end : i + 1;
  }
  return values;
}

type Token = { kind: "num"; value: number; decimals: number } | { kind: "op"; value: string } | { kind: "break" };

/** Values carry how many decimals they were written with, so a rounding can be told apart. */
export interface WrittenNumber {
  value: number;
  decimals: number;
}

/** The plain numbers of a normalised text with the decimals each was written with. */
export function writtenNumbers(text: string): WrittenNumber[] {
  return tokenize(text)
    .filter((t): t is Extract<Token, { kind: "num" }> => t.kind === "num")
    .map((t) => ({ value: t.value, decimals: t.decimals }));
}

const TOKEN =
  /(\d+(?:\.\d+)?|\.\d+)(?:[eE]([+-]?\d+))?|\\(frac|sqrt|pi|infty)(?![a-zA-Z])|([-+*/^(){}[\]!%])|(\s+)|([A-Za-z_]+\d*|\\[A-Za-z]+|.)/gy;

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  TOKEN.lastIndex = 0;
  for (let m = TOKEN.exec(text); m !== null; m = TOKEN.exec(text)) {
    const [, num, exponent, command, op, space] = m;
    if (num !== undefined) {
      const decimals = num.includes(".") ? (num.split(".")[1]?.length ?? 0) : 0;
      tokens.push({ kind: "num", value: Number(num) * 10 ** Number(exponent ?? 0), decimals });
    } else if (command !== undefined) tokens.push({ kind: "op", value: `\\${command}` });
    else if (op !== undefined) tokens.push({ kind: "op", value: op });
    else if (space === undefined) tokens.push({ kind: "break" });
    if (TOKEN.lastIndex === m.index) TOKEN.lastIndex++;
  }
  return tokens;
}

/** A small recursive-descent parser that records the value of every node it evaluates. */
class Parser {
  #pos: number;
  readonly #tokens: Token[];
  readonly #values: number[];

  constructor(tokens: Token[], start: number, values: number[]) {
    this.#tokens = tokens;
    this.#pos = start;
    this.#values = values;
  }

  /** Parses one expression from the start; returns where it ended (the start when nothing parsed). */
  tryExpression(): number {
    const start = this.#pos;
    try {
      this.#expression();
      return this.#pos;
    } catch {
      return Math.max(start, this.#pos);
    }
  }

  /** The value when the whole token list is one expression, else undefined. */
  parseWhole(): number | undefined {
    try {
      const value = this.#expression();
      return this.#pos === this.#tokens.length ? value : undefined;
    } catch {
      return undefined;
    }
  }

  #peek(): Token | undefined {
    return this.#tokens[this.#pos];
  }

  #isOp(value: string): boolean {
    const t = this.#peek();
    return t?.kind === "op" && t.value === value;
  }

  #record(value: number): number {
    if (Number.isFinite(value)) this.#values.push(value);
    return value;
  }

  #expression(): number {
    let value = this.#term();
    while (this.#isOp("+") || this.#isOp("-")) {
      const op = (this.#tokens[this.#pos++] as { value: string }).value;
      const right = this.#term();
      value = this.#record(op === "+" ? value + right : value - right);
    }
    return value;
  }

  #term(): number {
    let value = this.#unary();
    for (;;) {
      if (this.#isOp("*") || this.#isOp("/")) {
        const op = (this.#tokens[this.#pos++] as { value: string }).value;
        const right = this.#unary();
        value = this.#record(op === "*" ? value * right : value / right);
      } else if (this.#startsImplicitFactor()) {
        value = this.#record(value * this.#unary());
      } else return value;
    }
  }

  /** `3\pi`, `2\sqrt{3}`, `3(4)`: juxtaposition multiplies, but two bare numbers never do. */
  #startsImplicitFactor(): boolean {
    const t = this.#peek();
    return t?.kind === "op" && (t.value === "\\pi" || t.value === "\\sqrt" || t.value === "\\frac" || t.value === "(");
  }

  #unary(): number {
    if (this.#isOp("-")) {
      this.#pos++;
      return this.#record(-this.#unary());
    }
    if (this.#isOp("+")) {
      this.#pos++;
      return this.#unary();
    }
    return this.#power();
  }

  #power(): number {
    const base = this.#postfix();
    if (!this.#isOp("^")) return base;
    this.#pos++;
    const exponent = this.#isOp("{") ? this.#group() : this.#unary();
    return this.#record(base ** exponent);
  }

  #postfix(): number {
    let value = this.#primary();
    for (;;) {
      if (this.#isOp("!") && Number.isInteger(value) && value >= 0 && value <= 20) {
        this.#pos++;
        let f = 1;
        for (let k = 2; k <= value; k++) f *= k;
        value = this.#record(f);
      } else if (this.#isOp("%")) {
        this.#pos++;
        this.#record(value / 100);
        return value;
      } else return value;
    }
  }

  #group(): number {
    if (!this.#isOp("{")) throw new SyntaxError("expected {");
    this.#pos++;
    const value = this.#expression();
    if (!this.#isOp("}")) throw new SyntaxError("expected }");
    this.#pos++;
    return value;
  }

  #primary(): number {
    const t = this.#peek();
    if (t === undefined || t.kind === "break") throw new SyntaxError("end");
    if (t.kind === "num") {
      this.#pos++;
      return this.#record(t.value);
    }
    switch (t.value) {
      case "\\pi":
        this.#pos++;
        return this.#record(Math.PI);
      case "(": {
        this.#pos++;
        const value = this.#expression();
        if (!this.#isOp(")")) throw new SyntaxError("expected )");
        this.#pos++;
        return value;
      }
      case "{":
        return this.#group();
      case "\\frac": {
        this.#pos++;
        const numerator = this.#group();
        const denominator = this.#group();
        return this.#record(numerator / denominator);
      }
      case "\\sqrt": {
        this.#pos++;
        let degree = 2;
        if (this.#isOp("[")) {
          this.#pos++;
          degree = this.#expression();
          if (!this.#isOp("]")) throw new SyntaxError("expected ]");
          this.#pos++;
        }
        const radicand = this.#isOp("{") ? this.#group() : this.#primary();
        return this.#record(radicand ** (1 / degree));
      }
      default:
        throw new SyntaxError(`unexpected ${t.value}`);
    }
  }
}

/** The value of a normalised text that is one whole computation (`\frac{\pi}{3}`, `-2^{10}`), else undefined. */
export function evaluateExpression(text: string): number | undefined {
  const tokens = tokenize(text);
  if (tokens.length === 0 || tokens.some((t) => t.kind === "break")) return undefined;
  const parser = new Parser(tokens, 0, []);
  const value = parser.parseWhole();
  return value !== undefined && Number.isFinite(value) ? value : undefined;
}
