// An ablation of LANPO's two principles (DESIGN.md section 1): reward-agnostic reflection on the same
// problem, and relevant abstraction from other problems. Five arms at equal samples:
//   full          LANPO as shipped
//   no-reflection reflection off (no critique of an earlier attempt; lessons only)
//   no-abstraction abstraction off (no lessons distilled or retrieved; reflection only)
//   leaky-reward  the reward SHOWN TO THE REFLECTOR: a wrapper, built in this file only, that DELIBERATELY
//                 VIOLATES DESIGN.md's no-label rule. It is never an option of the library and must never
//                 become one: it exists to show what the rule protects against.
//   no-threshold  retrieval by top-k alone (minScore -1), the "raw experiences from unrelated problems"
//                 the paper warns about
//
// Needs: nothing for the wiring. Offline the policy is core's scripted stand-in, wrapped in a copier that
// imitates a policy that learned to exploit labels: when the review in its context says the earlier
// attempt was right, it copies that attempt's answer. Without a label in the context it IS the scripted
// policy, so every honest arm comes out level (the scripted policy ignores lessons and reviews); only the
// leaky arm can "improve", and that improvement is copying, not reasoning. For real results pass a chat
// model (any LangChain one: ChatOpenAI against vLLM, SGLang, Ollama) as `policy` and drop the copier.
// Real parts otherwise: bundled GSM8K, SQLite pool, HNSW memory with the offline sentence encoder, the
// verifier, the leakage guard (with the verifier's answer matcher).
// Writes: runs/examples/ablation-principles/ (one folder per arm with pool.sqlite, memory/ and report.html;
// ablation.html with the plots and the table of the arms). runs/ is gitignored.
// Run:   npx tsx examples/ablation-principles.ts   (imports the built packages: `npm run build` once first)
//        npx tsx --conditions=source examples/ablation-principles.ts   (straight from the sources, no build)
//        or cell by cell in an editor that understands `// %%` (VS Code, Jupyter's percent format)

// %% Problems, and the same (scripted) policy for every arm
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { SimpleChatModel } from "@langchain/core/language_models/chat_models";
import type { BaseMessage } from "@langchain/core/messages";
import { loadDataset, renderReport, stepMetricsFromReports, summarizeRun, vegaLiteToSvg } from "@lanpo/cli";
import {
  type FeedbackMix,
  LanpoTrainer,
  type Problem,
  REFLECTION_MARKER,
  type RetrievalOptions,
  ScriptedPolicy,
  SqliteExperiencePool,
  type StepReport,
} from "@lanpo/core";
import { defaultEmbeddings, HnswLessonMemory } from "@lanpo/memory";
import { createMathReward, createVerifierAnswerMatcher } from "@lanpo/verify";

const out = fileURLToPath(new URL("../runs/examples/ablation-principles/", import.meta.url));
rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });

const { problems } = loadDataset({ dataset: "gsm8k", limit: 16 });
const settings = { groupSize: 8, steps: 6, batchSize: 8, seed: 1, successRate: 0.35 };
const reward = createMathReward();
const lastBoxed = (text: string) => [...text.matchAll(/\\boxed\{([^{}]*)\}/g)].at(-1)?.[1];

/**
 * The policy of every arm: core's ScriptedPolicy, except that a review saying the earlier attempt was
 * right makes it copy that attempt's answer. It reads only its own prompt, never the gold answer; it stands
 * for a policy that learned to exploit a label whenever one reaches its context.
 */
class LabelCopyingPolicy extends SimpleChatModel {
  constructor(private readonly scripted: ScriptedPolicy) {
    super({});
  }
  _llmType() {
    return "label-copying-scripted";
  }
  async _call(messages: BaseMessage[]): Promise<string> {
    const user = messages.findLast((m) => m.getType() === "human")?.text ?? "";
    const review = /<review>([\s\S]*?)<\/review>/.exec(user)?.[1] ?? "";
    const earlier = lastBoxed(/<attempt>([\s\S]*?)<\/attempt>/.exec(user)?.[1] ?? "");
    if (/\bverdict: correct\b/i.test(review) && earlier !== undefined)
      return `The review says my earlier answer was right, so: \\boxed{${earlier}}.`;
    return this.scripted.invoke(messages).then((m) => m.text);
  }
}

// %% THE LEAKY WRAPPER. DELIBERATELY VIOLATES DESIGN.md's "no label in any context" rule; this example only.
/**
 * A reflector that is shown the reward. The library's reflection input has no field for a reward, so
 * the wrapper gets it the only way it can: it holds the gold answers and scores the attempt itself. Its
 * review then says "Verdict: correct" or "Verdict: wrong", and on a wrong attempt also names the right
 * answer (what a reviewer told the label would naturally write). Because it is a reflector other than the
 * policy, the trainer's leakage guard checks its reviews against the gold answer: the "wrong, the answer
 * is X" reviews are blocked and counted; the "Verdict: correct" ones name no answer and pass: a
 * correctness flag is a label the guard cannot see, which is why the rule is kept by construction (the
 * reflection input type has no field for it), not by filtering.
 */
class RewardShownReflector extends SimpleChatModel {
  readonly verdicts = { correct: 0, wrong: 0 };
  constructor(
    private readonly inner: ScriptedPolicy,
    private readonly gold: readonly Problem[],
  ) {
    super({});
  }
  _llmType() {
    return "LEAKY-reward-shown-reflector";
  }
  async _call(messages: BaseMessage[]): Promise<string> {
    const critique = (await this.inner.invoke(messages)).text;
    const system = messages.find((m) => m.getType() === "system")?.text ?? "";
    if (!system.includes(REFLECTION_MARKER)) return critique;
    const user = messages.findLast((m) => m.getType() === "human")?.text ?? "";
    const question = /Problem:\n([\s\S]*?)\n\nAttempt:/.exec(user)?.[1];
    const attempt = /Attempt:\n([\s\S]*?)\n\nYour review:/.exec(user)?.[1] ?? "";
    const problem = this.gold.find((p) => p.question === question);
    if (!problem) return critique;
    const score = await reward(problem, attempt); // the label, computed from the gold answer
    if (score > 0) {
      this.verdicts.correct++;
      return `${critique}\nVerdict: correct (reward ${score}).`;
    }
    this.verdicts.wrong++;
    return `${critique}\nVerdict: wrong (reward ${score}); the right answer is ${problem.answer}.`;
  }
}

// %% The arms
interface Arm {
  name: string;
  mix?: FeedbackMix;
  distil?: boolean;
  retrieval?: Partial<RetrievalOptions>;
  leaky?: boolean;
}
const arms: Arm[] = [
  { name: "full" },
  { name: "no-reflection", mix: { reflection: 0, abstraction: 0.4, both: 0 } },
  { name: "no-abstraction", mix: { reflection: 0.4, abstraction: 0, both: 0 }, distil: false },
  { name: "leaky-reward", leaky: true },
  { name: "no-threshold", retrieval: { minScore: -1 } },
];

// %% Run each arm: same problems, seed, group size, steps and batch
const fmt = (v: number | null | undefined) => (v === null || v === undefined ? "-" : v.toFixed(3));
const results: {
  arm: string;
  reports: StepReport[];
  byFeedback: Record<string, number | null>;
  row: Record<string, string | number>;
}[] = [];
for (const arm of arms) {
  const dir = join(out, arm.name);
  mkdirSync(dir, { recursive: true });
  const scripted = new ScriptedPolicy({ problems, successRate: settings.successRate, seed: settings.seed });
  const leaky = arm.leaky
    ? new RewardShownReflector(new ScriptedPolicy({ problems, seed: settings.seed }), problems)
    : undefined;
  const trainer = new LanpoTrainer({
    policy: new LabelCopyingPolicy(scripted),
    ...(leaky ? { reflector: leaky } : {}),
    reward,
    matcher: createVerifierAnswerMatcher(),
    pool: SqliteExperiencePool.open(join(dir, "pool.sqlite")),
    memory: await HnswLessonMemory.open({ dir: join(dir, "memory"), embeddings: defaultEmbeddings() }),
    groupSize: settings.groupSize,
    seed: settings.seed,
    ...(arm.mix ? { mix: arm.mix } : {}),
    ...(arm.distil === undefined ? {} : { distil: arm.distil }),
    ...(arm.retrieval ? { retrieval: arm.retrieval } : {}),
  });
  const blocked = { critique: 0, lesson: 0, plan: 0 };
  trainer.on("leakage-blocked", ({ part }) => {
    blocked[part]++;
  });
  const reports: StepReport[] = [];
  for await (const report of trainer.run(problems, { steps: settings.steps, batchSize: settings.batchSize }))
    reports.push(report);
  const steps = stepMetricsFromReports(reports);
  const rollouts = reports.flatMap((r) => r.rollouts);
  const lessons = (await trainer.memory.stats()).lessons;
  const summary = summarizeRun({ steps: settings.steps, rollouts, stepMetrics: steps, lessons });
  await trainer.memory.flush();
  await trainer.pool.close();
  const verdictsShown = rollouts.filter((r) => r.messages.some((m) => /Verdict: (correct|wrong)/.test(m.content)));
  results.push({
    arm: arm.name,
    reports,
    byFeedback: summary.byFeedback,
    row: {
      "mean reward": fmt(summary.meanReward),
      scratch: fmt(summary.byFeedback.scratch),
      reflection: fmt(summary.byFeedback.reflection),
      abstraction: fmt(summary.byFeedback.abstraction),
      both: fmt(summary.byFeedback.both),
      "hits / abstain": `${summary.retrievalHits} / ${summary.retrievalAbstentions}`,
      "sim. retrieved": fmt(summary.retrievalMeanScore),
      lessons,
      // Counted from the trainer's "leakage-blocked" events, one per blocked part.
      "leak blocks": blocked.critique + blocked.lesson + blocked.plan,
      "labels shown": leaky ? `${verdictsShown.length} rollouts` : "0",
    },
  });
  writeFileSync(
    join(dir, "report.html"),
    await renderReport({
      title: `ablation arm ${arm.name}${arm.leaky ? " (LEAKY: violates the no-label rule on purpose)" : ""}`,
      generatedAt: new Date().toISOString(),
      summary,
      steps,
      config: { arm: arm.name, ...settings, mix: arm.mix ?? "default", retrieval: arm.retrieval ?? "default" },
      latencies: rollouts.map((r) => ({ feedback: r.feedback, latencyMs: r.latencyMs })),
    }),
  );
  if (leaky) {
    console.log(
      `leaky-reward: the reflector wrote ${leaky.verdicts.wrong} "wrong, the answer is X" reviews and ${leaky.verdicts.correct} "correct" ones; the leakage guard blocked ${blocked.critique} reviews and ${blocked.lesson} lessons, and ${verdictsShown.length} rollouts still saw a verdict`,
    );
  }
}

// %% One table of the arms
console.log(
  `${problems.length} GSM8K problems, ${settings.steps} steps x ${settings.batchSize} x ${settings.groupSize}:`,
);
console.table(Object.fromEntries(results.map((r) => [r.arm, r.row])));
console.log(
  "read it: the honest arms are level (the scripted policy ignores its context); leaky-reward's reflection reward is inflated by copying answers the review called correct: a model trained on that learns to copy, not to reason. no-threshold abstains only while the memory is still empty, and retrieves at lower similarity.",
);

// %% The plots: reward per step by arm, and reward by feedback kind per arm
const perStep = results.flatMap((r) => r.reports.map((s) => ({ arm: r.arm, step: s.step, reward: s.meanReward })));
const byKind = results.flatMap((r) =>
  Object.entries(r.byFeedback).flatMap(([kind, value]) => (value === null ? [] : [{ arm: r.arm, kind, value }])),
);
const lines = await vegaLiteToSvg({
  title: "Mean reward per step, by arm",
  width: 560,
  height: 260,
  data: { values: perStep },
  mark: { type: "line", point: true },
  encoding: {
    x: { field: "step", type: "ordinal" },
    y: { field: "reward", type: "quantitative", title: "mean reward" },
    color: { field: "arm", type: "nominal" },
  },
});
const bars = await vegaLiteToSvg({
  title: "Mean reward by feedback kind, each arm (leaky-reward's reflection bar is copying)",
  width: 560,
  height: 260,
  data: { values: byKind },
  mark: "bar",
  encoding: {
    x: { field: "arm", type: "nominal", title: null },
    xOffset: { field: "kind" },
    y: { field: "value", type: "quantitative", title: "mean reward" },
    color: { field: "kind", type: "nominal" },
  },
});
const header = Object.keys(results[0]?.row ?? {});
const table = `<table><tr><th>arm</th>${header.map((h) => `<th>${h}</th>`).join("")}</tr>${results
  .map((r) => `<tr><td>${r.arm}</td>${header.map((h) => `<td>${r.row[h]}</td>`).join("")}</tr>`)
  .join("")}</table>`;
writeFileSync(
  join(out, "ablation.html"),
  `<!doctype html><html><head><meta charset="utf-8"><title>LANPO ablation</title><style>body{font-family:sans-serif;margin:2em}td,th{padding:2px 8px;text-align:right}</style></head><body><h1>Ablation of the two principles (scripted policy: wiring, not results)</h1><p>leaky-reward deliberately violates the no-label rule (an example-only wrapper).</p>${lines}${bars}${table}</body></html>`,
);
console.log(`plots: ${join(out, "ablation.html")}; each arm's report: ${join(out, "<arm>", "report.html")}`);
