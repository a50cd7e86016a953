import type { BaseChatModelParams } from "@langchain/core/language_models/chat_models";
import { SimpleChatModel } from "@langchain/core/language_models/chat_models";
import type { BaseMessage } from "@langchain/core/messages";
import { ABSTRACTION_MARKER } from "../prompts/abstraction-prompt.js";
import { REFLECTION_MARKER } from "../prompts/reflection-prompt.js";
import type { Problem } from "../types/problem.js";
import { rngFor } from "../util/rng.js";

export interface ScriptedPolicyOptions extends BaseChatModelParams {
  /** The problems it will be asked; it needs their answers to answer right at a fixed rate. */
  problems: readonly Problem[];
  /** Chance that a rollout's final answer is right, whatever its context. @default 0.35 */
  successRate?: number;
  /** @default 0 */
  seed?: number;
  /** Simulated latency of each call. @default 0 */
  delayMs?: number;
}

const CRITIQUES = [
  "The attempt identifies the quantities, but the step that combines them is not justified; recheck which quantity each operation applies to.",
  "The setup looks plausible. The arithmetic in the final step should be verified by substituting the result back into the conditions.",
  "The attempt skips a case: it should check whether every condition of the problem is used exactly once.",
  "The reasoning mixes up a rate and a total in the middle; the units of each intermediate value should be tracked.",
];

const LESSONS = [
  "Write down what each quantity stands for, with its unit, before combining quantities.",
  "After computing a result, substitute it back into the original conditions to check it.",
  "Translate each sentence of a word problem into one equation before solving anything.",
  "When a problem gives a percentage change, apply it to the right base quantity.",
  "Break a multi-step problem into named intermediate results and compute them in order.",
  "Check whether the question asks for a total, a difference or a rate before answering.",
];

/**
 * An offline chat model for wiring, not results: it answers each problem right with a fixed,
 * seeded probability whatever its context, writes generic critiques and lessons, and needs no
 * server. `LanpoTrainer` reports its {@link ScriptedPolicy.lanpoNotice} when a run starts.
 *
 * @example new ScriptedPolicy({ problems, successRate: 0.35, seed: 1 })
 */
export class ScriptedPolicy extends SimpleChatModel {
  /** Shown when a run starts, so nobody mistakes its rewards for results. */
  readonly lanpoNotice: string;
  private readonly byQuestion = new Map<string, Problem>();
  private readonly successRate: number;
  private readonly seed: number;
  private readonly delayMs: number;
  private readonly calls = new Map<string, number>();

  constructor(options: ScriptedPolicyOptions) {
    super(options);
    this.successRate = options.successRate ?? 0.35;
    this.seed = options.seed ?? 0;
    this.delayMs = options.delayMs ?? 0;
    for (const p of options.problems) this.byQuestion.set(p.question, p);
    this.lanpoNotice = `The policy is ScriptedPolicy: an offline stand-in for wiring, not for results. It answers right ${Math.round(this.successRate * 100)}% of the time whatever its context, so its rewards say nothing about LANPO. Pass --model-url for a real model.`;
  }

  _llmType(): string {
    return "lanpo-scripted";
  }

  async _call(messages: BaseMessage[]): Promise<string> {
    if (this.delayMs > 0) await new Promise((resolve) => setTimeout(resolve, this.delayMs));
    const system = messages.find((m) => m.getType() === "system")?.text ?? "";
    const user = [...messages].reverse().find((m) => m.getType() === "human")?.text ?? "";
    const n = this.nextCall(user);
    const rng = rngFor(this.seed, user, n);
    if (system.includes(REFLECTION_MARKER)) return CRITIQUES[Math.floor(rng() * CRITIQUES.length)] as string;
    if (system.includes(ABSTRACTION_MARKER)) {
      const topic = topicOf(user);
      const first = Math.floor(rng() * LESSONS.length);
      const second = (first + 1 + Math.floor(rng() * (LESSONS.length - 1))) % LESSONS.length;
      return `- In problems about ${topic}: ${LESSONS[first]}\n- In problems about ${topic}: ${LESSONS[second]}`;
    }
    const problem = this.findProblem(user);
    if (!problem) return "I cannot tell which problem this is, so I cannot answer it.";
    const right = rng() < this.successRate;
    return `Let me work through the problem step by step.\nCombining the given quantities carefully gives the result.\nThe answer is \\boxed{${right ? problem.answer : wrongAnswer(problem.answer, rng())}}.`;
  }

  private nextCall(key: string): number {
    const n = this.calls.get(key) ?? 0;
    this.calls.set(key, n + 1);
    return n;
  }

  private findProblem(user: string): Problem | undefined {
    const exact = this.byQuestion.get(user);
    if (exact) return exact;
    let best: Problem | undefined;
    for (const [question, problem] of this.byQuestion) {
      if (user.startsWith(question) && (!best || question.length > best.question.length)) best = problem;
    }
    return best;
  }
}

const STOPWORDS = new Set(
  "about after again their there these those which while where would could should every other than then them they this that what when with from have each many much more most some such into over only same your also been were does will".split(
    " ",
  ),
);

/**
 * Three salient words of the problem in the abstraction request, so scripted lessons differ by
 * topic the way real ones do: similar problems share lessons, unrelated ones do not merge.
 */
function topicOf(request: string): string {
  const problem = /Problem:\n([\s\S]*?)(?:\n\nAttempt|$)/.exec(request)?.[1] ?? request;
  const words = [...new Set(problem.toLowerCase().match(/[a-z]{4,}/g) ?? [])].filter((w) => !STOPWORDS.has(w));
  const salient = words.sort((a, b) => b.length - a.length || a.localeCompare(b)).slice(0, 3);
  return salient.length > 0 ? salient.join(", ") : "this kind";
}

function wrongAnswer(answer: string, u: number): string {
  const value = Number(answer.replace(/,/g, ""));
  if (Number.isFinite(value) && answer.trim() !== "") return String(value + 1 + Math.floor(u * 9));
  return `${answer}+1`;
}
