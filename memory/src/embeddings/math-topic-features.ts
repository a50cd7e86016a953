import { MATH_TOPICS, type MathArea, type MathTopic } from "./math-topic-lexicon.js";

const AREAS: readonly MathArea[] = [
  "arithmetic",
  "algebra",
  "number-theory",
  "combinatorics",
  "geometry",
  "trigonometry-linear-algebra",
  "everyday",
];

// Words whose final `s` is not a plural.
const NOT_PLURAL = new Set(["axis", "series", "basis", "analysis", "this", "his", "is", "has", "was", "does", "yes"]);

function stem(word: string): string {
  if (NOT_PLURAL.has(word)) return word;
  if (word.length > 4 && word.endsWith("ies")) return `${word.slice(0, -3)}y`;
  if (word.length > 3 && word.endsWith("s") && !word.endsWith("ss") && !word.endsWith("us")) return word.slice(0, -1);
  return word;
}

/** Lower-cased, stemmed words and `\command` tokens of a text, in order. */
export function topicTokens(text: string): string[] {
  const tokens: string[] = [];
  for (const [, command, word] of text.matchAll(/\\([a-zA-Z]+|[%$])|([a-zA-Z]+)/g)) {
    if (command !== undefined) tokens.push(`\\${command}`);
    else if (word !== undefined) tokens.push(stem(word.toLowerCase()));
  }
  return tokens;
}

interface CompiledLexicon {
  /** Single-token cue → the topics it signals, each with the share of the cue's weight it gets. */
  readonly tokens: Map<string, { topic: number; share: number }[]>;
  /** Phrase cues, with the same meaning. */
  readonly phrases: { phrase: string; topics: { topic: number; share: number }[] }[];
}

function compile(topics: readonly MathTopic[]): CompiledLexicon {
  const owners = new Map<string, number[]>();
  for (const [index, topic] of topics.entries()) {
    for (const cue of topic.cues
      .split(",")
      .map((c) => c.trim())
      .filter((c) => c !== "")) {
      // Cues are written in the form the tokeniser produces, except plurals: stem each word alike.
      const key = cue.startsWith("\\") ? cue : cue.split(" ").map(stem).join(" ");
      const list = owners.get(key) ?? [];
      if (!list.includes(index)) list.push(index);
      owners.set(key, list);
    }
  }
  const tokens = new Map<string, { topic: number; share: number }[]>();
  const phrases: CompiledLexicon["phrases"] = [];
  for (const [key, list] of owners) {
    // A cue shared by several topics ("root", "median", "tangent") says less about each of them.
    const signalled = list.map((topic) => ({ topic, share: 1 / list.length }));
    if (key.includes(" ")) phrases.push({ phrase: ` ${key} `, topics: signalled });
    else tokens.set(key, signalled);
  }
  return { tokens, phrases };
}

/** Options of {@link MathTopicFeatures}. */
export interface MathTopicFeaturesOptions {
  /**
   * Weight of the broad-area part (arithmetic, algebra, number theory, combinatorics, geometry,
   * trigonometry and linear algebra, everyday context) relative to the topic part.
   * @default 1
   */
  areaWeight?: number;
}

/**
 * Dense topic features from {@link MATH_TOPICS}, a hand-written lexicon of mathematics: one
 * dimension per topic (27) and one per broad area (7). A topic's value is the sum over its cues
 * found in the text of `1 + ln(count)`, each cue's weight split evenly among the topics it
 * signals; a matched notation pattern counts once. An area's value is the sum of its topics'. The
 * vector is L2-normalised (zero for a text with no cue), so two texts' dot product says how much
 * their mathematics overlaps whatever words they share.
 */
export class MathTopicFeatures {
  /** Length of every vector: topics plus areas. */
  readonly dimensions: number;
  private readonly topics: readonly MathTopic[];
  private readonly lexicon: CompiledLexicon;
  private readonly areaIndex: number[][];
  private readonly areaWeight: number;

  constructor(options: MathTopicFeaturesOptions = {}, topics: readonly MathTopic[] = MATH_TOPICS) {
    this.topics = topics;
    this.lexicon = compile(topics);
    this.areaIndex = topics.map((topic) => topic.areas.map((area) => AREAS.indexOf(area)));
    this.areaWeight = options.areaWeight ?? 1;
    this.dimensions = topics.length + AREAS.length;
  }

  /** The feature vector of one text. */
  embedSync(text: string): number[] {
    const scores = new Float64Array(this.topics.length);
    const tokens = topicTokens(text);
    const counts = new Map<string, number>();
    for (const token of tokens) counts.set(token, (counts.get(token) ?? 0) + 1);
    for (const [token, count] of counts) {
      const signalled = this.lexicon.tokens.get(token);
      if (signalled === undefined) continue;
      for (const { topic, share } of signalled) scores[topic] = (scores[topic] ?? 0) + share * (1 + Math.log(count));
    }
    if (this.lexicon.phrases.length > 0) {
      const joined = ` ${tokens.join(" ")} `;
      for (const { phrase, topics } of this.lexicon.phrases) {
        const count = countOccurrences(joined, phrase);
        if (count === 0) continue;
        for (const { topic, share } of topics) scores[topic] = (scores[topic] ?? 0) + share * (1 + Math.log(count));
      }
    }
    for (const [index, topic] of this.topics.entries()) {
      for (const pattern of topic.patterns ?? []) if (pattern.test(text)) scores[index] = (scores[index] ?? 0) + 1;
    }
    const out = new Array<number>(this.dimensions).fill(0);
    for (const [index, score] of scores.entries()) {
      if (score === 0) continue;
      out[index] = score;
      const areas = this.areaIndex[index] as number[];
      for (const area of areas) {
        const at = this.topics.length + area;
        out[at] = (out[at] ?? 0) + (this.areaWeight * score) / areas.length;
      }
    }
    let norm = 0;
    for (const x of out) norm += x * x;
    const scale = norm > 0 ? 1 / Math.sqrt(norm) : 0;
    return out.map((x) => x * scale);
  }
}

function countOccurrences(haystack: string, needle: string): number {
  let count = 0;
  // Phrases start and end with a space; step past the first word so overlapping matches count.
  for (let at = haystack.indexOf(needle); at !== -1; at = haystack.indexOf(needle, at + 1)) count++;
  return count;
}
