import { HashedLexicalEmbeddings } from "@lanpo/core";
import test from "ava";
import { lexicalTokens } from "../../../packages/core/src/memory/hashed-lexical-embeddings.js";

const dot = (a: number[], b: number[]) => a.reduce((s, x, i) => s + x * (b[i] ?? 0), 0);

test("same text gives the same unit vector, in another instance too", async (t) => {
  const text = "Find the remainder when $2^{100}$ is divided by $7$.";
  const [a] = await new HashedLexicalEmbeddings().embedDocuments([text]);
  const b = await new HashedLexicalEmbeddings().embedQuery(text);
  t.deepEqual(a, b);
  t.is(a?.length, 1024);
  t.true(Math.abs(dot(b, b) - 1) < 1e-9);
});

test("dimensions is honoured and reported", async (t) => {
  const embeddings = new HashedLexicalEmbeddings({ dimensions: 64 });
  t.is(embeddings.dimensions, 64);
  t.is((await embeddings.embedQuery("triangle area")).length, 64);
});

test("similar problems score higher than unrelated ones", async (t) => {
  const e = new HashedLexicalEmbeddings();
  const [tri1, tri2, prob] = await e.embedDocuments([
    "In right triangle $ABC$ the hypotenuse is 10 and one leg is 6. Find the area of the triangle.",
    "A right triangle has legs 5 and 12. What is the length of its hypotenuse?",
    "Two fair dice are rolled. What is the probability that the sum is 7?",
  ]);
  t.true(dot(tri1 as number[], tri2 as number[]) > dot(tri1 as number[], prob as number[]) + 0.1);
});

test("LaTeX-aware tokens: commands unified, numbers and words kept, stopwords dropped", (t) => {
  t.deepEqual(lexicalTokens("Find $\\dfrac{12}{x}$ where \\leq the triangles"), [
    "\\frac",
    "12",
    "x",
    "\\le",
    "triangle",
  ]);
});

test("numbers weigh less than words", async (t) => {
  const e = new HashedLexicalEmbeddings();
  const [a, b, c] = await e.embedDocuments(["hexagon 12 34 56", "hexagon 78 90 11", "pentagon 12 34 56"]);
  t.true(dot(a as number[], b as number[]) > dot(a as number[], c as number[]));
});

test("termWeight down-weights the words it is told are common", async (t) => {
  const texts = ["circle radius", "circle chord"];
  const [p0, p1] = await new HashedLexicalEmbeddings().embedDocuments(texts);
  const [w0, w1] = await new HashedLexicalEmbeddings({ termWeight: (w) => (w === "circle" ? 0.05 : 1) }).embedDocuments(
    texts,
  );
  // The pair shares only "circle": once it is told to count for little, the pair is far less alike.
  t.true(dot(p0 as number[], p1 as number[]) > 0.2);
  t.true(dot(w0 as number[], w1 as number[]) < dot(p0 as number[], p1 as number[]) / 4);
});

test("text with no features gives the zero vector, never NaN", async (t) => {
  const v = await new HashedLexicalEmbeddings({ dimensions: 8 }).embedQuery("the of and");
  t.deepEqual(v, new Array(8).fill(0));
});

test("bad options are rejected", (t) => {
  t.throws(() => new HashedLexicalEmbeddings({ dimensions: 0 }), { instanceOf: RangeError });
  t.throws(() => new HashedLexicalEmbeddings({ dimensions: 1.5 }), { instanceOf: RangeError });
  t.throws(() => new HashedLexicalEmbeddings({ bigramWeight: -1 }), { instanceOf: RangeError });
  t.throws(() => new HashedLexicalEmbeddings({ numberWeight: Number.NaN }), { instanceOf: RangeError });
});
