// Type test (npx tsc -p test/tsconfig.json): a reflection input admits no reward, correctness or
// gold answer. Each @ts-expect-error line must fail to compile; if one compiles, tsc reports it.
import type { PriorAttempt, Rollout } from "@lanpo/core";
import type { ReflectionChain, ReflectionInput } from "@lanpo/langchain";

declare const chain: ReflectionChain;
declare const prior: PriorAttempt;
declare const rollout: Rollout;

export const ok: ReflectionInput = { problem: "q", priorAttempts: [prior, { completion: "text" }] };
void chain.invoke({ problem: "q", priorAttempts: [prior] });

// @ts-expect-error a reward is not part of a reflection input
void chain.invoke({ problem: "q", priorAttempts: [{ completion: "text", reward: 1 }] });
// @ts-expect-error nor is correctness
void chain.invoke({ problem: "q", priorAttempts: [{ completion: "text", correct: true }] });
// @ts-expect-error nor the gold answer, on the input
void chain.invoke({ problem: "q", answer: "42", priorAttempts: [] });
// @ts-expect-error a whole rollout (it carries reward, advantage and status) does not fit either
void chain.invoke({ problem: "q", priorAttempts: [rollout] });
const graded = { completion: "text", correct: false };
// @ts-expect-error not even through a variable (no excess-property check needed)
void chain.invoke({ problem: "q", priorAttempts: [graded] });
