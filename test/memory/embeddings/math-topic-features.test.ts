import test from "ava";
import { MATH_TOPICS, type MathTopic, MathTopicFeatures, topicTokens } from "../../../memory/src/embeddings/index.js";

const dot = (a: number[], b: number[]) => a.reduce((s, x, i) => s + x * (b[i] ?? 0), 0);
const topicIndex = (name: string) => MATH_TOPICS.findIndex((topic) => topic.name === name);
const strongest = (v: number[]) =>
  MATH_TOPICS[v.slice(0, MATH_TOPICS.length).indexOf(Math.max(...v.slice(0, MATH_TOPICS.length)))]?.name;

test("one dimension per topic and per area; unit length; the same text gives the same vector", (t) => {
  const features = new MathTopicFeatures();
  t.is(features.dimensions, MATH_TOPICS.length + 7);
  const text = "Two fair dice are rolled. What is the probability that the sum is $7$?";
  const v = features.embedSync(text);
  t.is(v.length, features.dimensions);
  t.true(Math.abs(dot(v, v) - 1) < 1e-12);
  t.deepEqual(new MathTopicFeatures().embedSync(text), v);
});

test("a text with no cue is the zero vector, not NaN", (t) => {
  const v = new MathTopicFeatures().embedSync("zzz qqq");
  t.true(v.every((x) => x === 0));
});

test("words, phrases, LaTeX commands and notation each point to their topic", (t) => {
  const features = new MathTopicFeatures();
  t.is(strongest(features.embedSync("Two fair dice are rolled. What is the probability of a double?")), "probability");
  t.is(
    strongest(features.embedSync("What is the remainder when $2^{100}$ is divided by 7, modulo 7?")),
    "remainders-congruences",
  );
  t.is(strongest(features.embedSync("Compute $\\sin 30^\\circ \\cos 60^\\circ + \\tan 45^\\circ$.")), "trigonometry");
  t.is(strongest(features.embedSync("Find the volume of a cone inscribed in a cylinder.")), "solids");
  // "surface area" is a phrase cue of solids; "area" alone is a plane-figure cue.
  const phrase = features.embedSync("surface area");
  t.true((phrase[topicIndex("solids")] ?? 0) > 0);
  // Plurals meet their singular cue.
  t.true((features.embedSync("How many ways are there?")[topicIndex("counting")] ?? 0) > 0);
  t.deepEqual(topicTokens("Triangles $\\triangle ABC$ and series"), ["triangle", "\\triangle", "abc", "and", "series"]);
});

test("problems on one topic with different words are closer than problems on two topics", (t) => {
  const features = new MathTopicFeatures();
  const [a, b, c] = [
    "How many positive divisors does $360$ have?",
    "Find the greatest common divisor of $84$ and the least common multiple of $6$ and $10$.",
    "A circle of radius $3$ is inscribed in a square. Find the area of the square.",
  ].map((text) => features.embedSync(text)) as [number[], number[], number[]];
  t.true(dot(a, b) > dot(a, c) + 0.3);
});

test("a cue shared by two topics is split between them, and areas sum their topics", (t) => {
  const topics: MathTopic[] = [
    { name: "one", areas: ["geometry"], cues: "shared, only" },
    { name: "two", areas: ["geometry", "algebra"], cues: "shared" },
  ];
  const features = new MathTopicFeatures({ areaWeight: 1 }, topics);
  const raw = (v: number[]) => v.map((x) => x / (v[0] as number));
  // "shared": 0.5 to each topic; geometry gets 0.5 + 0.25, algebra 0.25.
  const expected = [1, 1, 0, 0.5, 0, 0, 1.5, 0, 0];
  const got = raw(features.embedSync("shared"));
  t.true(
    got.every((x, i) => Math.abs(x - (expected[i] as number)) < 1e-12),
    String(got),
  );
  const areas = new MathTopicFeatures({ areaWeight: 0 }, topics).embedSync("shared only");
  t.deepEqual(areas.slice(2), [0, 0, 0, 0, 0, 0, 0]);
});
