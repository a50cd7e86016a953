import test from "ava";
import {
  defaultEmbeddings,
  MathTopicFeatures,
  prepareForSentenceEncoder,
  stripAnswerFormat,
} from "../../../memory/src/embeddings/index.js";

test("the coprime clause and the closing m+n question go; the problem stays", (t) => {
  t.is(
    stripAnswerFormat(
      "The probability that both are red is $\\tfrac{m}{n}$, where $m$ and $n$ are relatively prime positive integers. Find $m+n$.",
    ),
    "The probability that both are red is $\\tfrac{m}{n}$.",
  );
  t.is(
    stripAnswerFormat(
      "This distance can be written in the form $\\frac{m \\sqrt n}{p}$, where $m$, $n$, and $p$ are positive integers, $m$ and $p$ are relatively prime, and $n$ is not divisible by the square of any prime. Find $m+n+p$.",
    ),
    "This distance can be written in the form $\\frac{m \\sqrt n}{p}$.",
  );
  // \( \) delimiters, "What is", squares in the asked expression.
  t.is(
    stripAnswerFormat(
      "Then \\(OC^2=\\tfrac{p}{q}\\), where \\(p\\) and \\(q\\) are relatively prime positive integers. Find \\(p+q\\).",
    ),
    "Then \\(OC^2=\\tfrac{p}{q}\\).",
  );
  t.is(
    stripAnswerFormat("Find the largest area of the trapezoid. What is $m^2+n^2$?"),
    "Find the largest area of the trapezoid.",
  );
});

test("a sentence about how the final answer is written goes", (t) => {
  t.is(
    stripAnswerFormat(
      "What is the slope of the line? The final answer can be written in the form $\\frac{m}{n}$, where $m$ and $n$ are relatively prime positive integers. What is $m+n$?",
    ),
    "What is the slope of the line?",
  );
});

test("content that mentions coprimality, and questions about other expressions, stay", (t) => {
  const definition =
    "Find $g(3)$, where $\\phi(n)$ denotes the sum of the positive integers $\\le$ and relatively prime to $n$.";
  t.is(stripAnswerFormat(definition), definition);
  const question = "Let $a$ and $b$ be relatively prime positive integers with $a+b=20$. How many pairs are there?";
  t.is(stripAnswerFormat(question), question);
  const positions =
    "Rotate the octagon so that the blue vertices end up at positions where there were red ones. How many ways?";
  t.is(stripAnswerFormat(positions), positions);
  const words = "Find the number of ordered pairs $(x, y)$ of integers with $x^2 + y^2 = 25$.";
  t.is(stripAnswerFormat(words), words);
});

test("a text that is only boilerplate is kept as it was, and an empty text stays empty", (t) => {
  t.is(stripAnswerFormat("Find $m+n$."), "Find $m+n$.");
  t.is(stripAnswerFormat(""), "");
});

test("the sentence encoder's text has the boilerplate dropped before LaTeX is read out", (t) => {
  const prepared = prepareForSentenceEncoder(
    "The inradius is $\\frac{m}{n}$, where $m$ and $n$ are relatively prime positive integers. Find $m+n$.",
  );
  t.false(prepared.includes("relatively prime"));
  t.true(prepared.startsWith("The inradius is fraction m n"));
});

test("defaultEmbeddings() gives a problem the same vector with or without the boilerplate, in every part", async (t) => {
  const bare = "The inradius of triangle $ABC$ with sides $13$, $14$, $15$ is $\\frac{m}{n}$.";
  const dressed = `${bare.slice(0, -1)}, where $m$ and $n$ are relatively prime positive integers. Find $m+n$.`;
  const embeddings = defaultEmbeddings({ cacheDir: false, workers: 1 });
  try {
    const [a, b] = (await embeddings.embedDocuments([bare, dressed])) as [number[], number[]];
    t.deepEqual(b, a);
  } finally {
    await embeddings.close();
  }
  // The topic part alone would have read "relatively prime" and "positive integer" as number theory.
  const topics = new MathTopicFeatures();
  t.notDeepEqual(topics.embedSync(dressed), topics.embedSync(bare));
});
