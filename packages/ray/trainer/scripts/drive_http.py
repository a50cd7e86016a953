"""Tuning aid and stand-in for `lanpo run --optimizer ray`: imitates the Node side over HTTP.

Same prompts (LANPO's fixed instruction, reflection through the same model, the feedback blocks), G=8,
8 problems a step, GRPO advantages, concurrency 8, one batch per step POSTed to the ingest.
  /usr/bin/python3 packages/ray/trainer/scripts/drive_http.py --url http://127.0.0.1:P --steps 30 --seed 1
Prints the reward of each step and the first/last-5 means.
"""

import argparse
import json
import os
import random
import re
import sys
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor

INSTRUCTION = "Solve the problem. Reason step by step, then give the final answer in \\boxed{}."
REFLECT = "[lanpo:reflect] You review a solution attempt to a problem. You are not told whether the attempt is correct, and nobody knows yet. Check its reasoning step by step: name any step that is wrong, unjustified or incomplete, and what should be checked or done differently. Be brief and concrete. Do not write a full new solution."
ABSTRACT = '[lanpo:abstract] You distil lessons from several attempts at one problem, for solving other, similar problems later. Each attempt is marked as reaching the correct final answer or not. Write 1 to 3 lessons: general principles, methods or pitfalls that transfer to similar problems. Never mention this problem\'s specific numbers, objects or final answer. One lesson per line, each starting with "- ".'


def post(url, body, timeout=300):
    req = urllib.request.Request(url, json.dumps(body).encode(), {"content-type": "application/json"})
    with urllib.request.urlopen(req, timeout=timeout) as r:
        return json.loads(r.read())


def chat(url, messages):
    reply = post(f"{url}/v1/chat/completions", {"model": "tiny", "messages": messages, "temperature": 1, "logprobs": True})
    choice = reply["choices"][0]
    return choice["message"]["content"], [t["logprob"] for t in choice["logprobs"]["content"]], choice["finish_reason"]


def reward(completion, answer):
    m = re.findall(r"\\boxed\{([^}]*)\}", completion)
    return 1.0 if m and m[-1].strip() == answer else 0.0


def grpo(rs):
    mean = sum(rs) / len(rs)
    std = (sum((r - mean) ** 2 for r in rs) / len(rs)) ** 0.5
    return [0.0 if std == 0 else (r - mean) / (std + 1e-6) for r in rs]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--url", required=True)
    ap.add_argument("--steps", type=int, default=30)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--run-id", default=None)
    args = ap.parse_args()
    here = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    rows = [json.loads(l) for l in open(os.path.join(here, "tasks", "closed-loop.jsonl"))]
    rng = random.Random(args.seed)
    order = rows[:]
    rng.shuffle(order)
    run_id = args.run_id or f"drive-{int(time.time())}"
    last_attempt = {}
    by_step = []
    versions = []
    pool = ThreadPoolExecutor(8)
    started = time.time()
    for step in range(args.steps):
        problems = [order[(step * 8 + i) % len(order)] for i in range(8)]
        jobs = []
        reviews = {}
        for p in problems:
            if p["id"] in last_attempt:
                review = [{"role": "system", "content": REFLECT}, {"role": "user", "content": f"Problem:\n{p['question']}\n\nAttempt:\n{last_attempt[p['id']]}\n\nYour review:"}]
                reviews[p["id"]] = pool.submit(chat, args.url, review)
        for p in problems:
            original = [{"role": "system", "content": INSTRUCTION}, {"role": "user", "content": p["question"]}]
            kinds = ["reflection", "reflection", "abstraction", "both"] + ["scratch"] * 4
            rng.shuffle(kinds)
            for i, k in enumerate(kinds):
                prompt, feedback = original, "scratch"
                if k in ("reflection", "both") and p["id"] in reviews:
                    critique = reviews[p["id"]].result()[0]
                    user = f"{p['question']}\n\nYour earlier attempt at this problem:\n<attempt>\n{last_attempt[p['id']]}\n</attempt>\n\nA review of that attempt:\n<review>\n{critique}\n</review>\n\nNow solve the problem from the start."
                    prompt, feedback = [{"role": "system", "content": INSTRUCTION}, {"role": "user", "content": user}], "reflection"
                jobs.append((p, i, prompt, original, feedback, pool.submit(chat, args.url, prompt)))
        samples = []
        for p in problems:
            mine = [j for j in jobs if j[0] is p]
            outs = [j[5].result() for j in mine]
            rs = [reward(o[0], p["answer"]) for o in outs]
            adv = grpo(rs)
            last_attempt[p["id"]] = outs[-1][0]
            for (p_, i, prompt, original, feedback, _), o, r, a in zip(mine, outs, rs, adv):
                samples.append({
                    "rolloutId": f"{run_id}:{step}:{p['id']}:{i}", "groupId": f"{run_id}:{step}:{p['id']}", "groupSize": len(mine),
                    "problemId": p["id"], "prompt": prompt, "originalPrompt": original, "completion": o[0], "reward": r,
                    "advantage": a, "estimator": "grpo", "feedback": feedback, "lessonIds": [], "status": "ok",
                    "finishReason": o[2], "policyVersion": versions[-1] if versions else "0", "model": "tiny", "logprobs": o[1],
                })
        mean = sum(s["reward"] for s in samples) / len(samples)
        by_step.append(mean)
        ack = post(f"{args.url}/v1/batches", {"batchId": f"{run_id}:step-{step}", "runId": run_id, "step": step, "samples": samples})
        versions.append(ack["policyVersion"])
        print(f"step {step} reward {mean:.3f} policyVersion {ack['policyVersion']}", flush=True)
    first, last = sum(by_step[:5]) / 5, sum(by_step[-5:]) / 5
    elapsed = time.time() - started
    print(json.dumps({"rewardByStep": by_step, "first5": first, "last5": last, "delta": last - first, "seconds": elapsed, "rolloutsPerSecond": len(by_step) * 64 / elapsed}))


if __name__ == "__main__":
    sys.exit(main())
