"""Tuning aid: imitates `lanpo run` in process (same prompts, G=8, 8 problems a step, GRPO advantages,
feedback mix 0.2/0.2/0.1 with reflection from the policy itself), without HTTP. Prints reward per step."""

import argparse
import json
import os
import random
import re
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import torch  # noqa: E402

from lanpo_trainer.backends.base import GenerateRequest  # noqa: E402
from lanpo_trainer.backends.tiny import TinyConfig, TinyPolicy  # noqa: E402
from lanpo_trainer.learner import Learner, LearnerOptions  # noqa: E402

INSTRUCTION = "Solve the problem. Reason step by step, then give the final answer in \\boxed{}."
REFLECT = "[lanpo:reflect] You review a solution attempt to a problem. You are not told whether the attempt is correct, and nobody knows yet. Check its reasoning step by step: name any step that is wrong, unjustified or incomplete, and what should be checked or done differently. Be brief and concrete. Do not write a full new solution."


def reward(completion, answer):
    m = re.findall(r"\\boxed\{([^}]*)\}", completion)
    return 1.0 if m and m[-1].strip() == answer else 0.0


def grpo(rs):
    mean = sum(rs) / len(rs)
    std = (sum((r - mean) ** 2 for r in rs) / len(rs)) ** 0.5
    return [0.0 if std == 0 else (r - mean) / (std + 1e-6) for r in rs]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--lr", type=float, default=None)
    ap.add_argument("--steps", type=int, default=30)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--epochs", type=int, default=None)
    ap.add_argument("--condition", default="original")
    ap.add_argument("--cfg", action="append", default=[])
    ap.add_argument("--minibatches", type=int, default=None)
    args = ap.parse_args()
    here = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    rows = [json.loads(l) for l in open(os.path.join(here, "tasks", "closed-loop.jsonl"))]
    rng = random.Random(args.seed)
    order = rows[:]
    rng.shuffle(order)
    torch.manual_seed(args.seed)
    cfg = TinyConfig()
    for kv in args.cfg:
        k, v = kv.split("=")
        setattr(cfg, k, type(getattr(cfg, k))(v))
    policy = TinyPolicy(cfg)
    opts = LearnerOptions(condition=args.condition)
    if args.lr is not None:
        opts.lr = args.lr
    if args.minibatches is not None:
        opts.minibatches = args.minibatches
    if args.epochs is not None:
        opts.epochs = args.epochs
    learner = Learner(policy, opts)
    last_attempt = {}
    by_step = []
    t0 = time.time()
    for step in range(args.steps):
        problems = [order[(step * 8 + i) % len(order)] for i in range(8)]
        samples = []
        for p in problems:
            original = [{"role": "system", "content": INSTRUCTION}, {"role": "user", "content": p["question"]}]
            kinds = ["reflection", "reflection", "abstraction", "both"] + ["scratch"] * 4
            rng.shuffle(kinds)
            prompts = []
            critique = None
            if p["id"] in last_attempt:
                review = [{"role": "system", "content": REFLECT}, {"role": "user", "content": f"Problem:\n{p['question']}\n\nAttempt:\n{last_attempt[p['id']]}\n\nYour review:"}]
                critique = policy.generate([GenerateRequest(review)])[0].text
            for k in kinds:
                if k in ("reflection", "both") and critique is not None:
                    user = f"{p['question']}\n\nYour earlier attempt at this problem:\n<attempt>\n{last_attempt[p['id']]}\n</attempt>\n\nA review of that attempt:\n<review>\n{critique}\n</review>\n\nNow solve the problem from the start."
                    prompts.append([{"role": "system", "content": INSTRUCTION}, {"role": "user", "content": user}])
                else:
                    prompts.append(original)
            outs = policy.generate([GenerateRequest(m) for m in prompts])
            rs = [reward(o.text, p["answer"]) for o in outs]
            adv = grpo(rs)
            last_attempt[p["id"]] = outs[-1].text
            for i, o in enumerate(outs):
                samples.append({"groupId": f"{p['id']}:{step}", "prompt": prompts[i], "originalPrompt": original, "completion": o.text, "advantage": adv[i], "reward": rs[i], "logprobs": [t.logprob for t in o.tokens]})
        mean = sum(s["reward"] for s in samples) / len(samples)
        by_step.append(mean)
        learner.update(samples)
        distinct = len(set(s["completion"] for s in samples))
        print(f"step {step} reward {mean:.3f} distinct {distinct}", flush=True)
    first, last = sum(by_step[:5]) / 5, sum(by_step[-5:]) / 5
    print(f"first5 {first:.3f} last5 {last:.3f} delta {last - first:.3f} time {time.time() - t0:.1f}s")


if __name__ == "__main__":
    main()
