"""Writes tasks/closed-loop.jsonl: the bundled task of the closed loop (deterministic, run from anywhere).

Each question names a whole number N from 0 to 19 in one of several phrasings and asks for N + 1, so
the answer depends on the prompt: a policy must read N to score. The tiny policy answers one of 21
numbers (0..20), so an untrained one scores about 1/21.
"""

import json
import os
import random

PHRASINGS = [
    "What number comes right after {n}?",
    "What is one more than {n}?",
    "Count up one from {n}. Where do you land?",
    "Which number follows {n}?",
    "What is the successor of {n}?",
    "Find the integer immediately greater than {n} by one.",
]


def rows():
    out = []
    for n in range(20):
        for k, phrasing in enumerate(PHRASINGS):
            out.append({"id": f"next-{n}-{k}", "question": phrasing.format(n=n), "answer": str(n + 1)})
    random.Random(7).shuffle(out)
    return out


if __name__ == "__main__":
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "closed-loop.jsonl")
    with open(path, "w", encoding="utf-8") as f:
        for row in rows():
            f.write(json.dumps(row) + "\n")
    print(f"wrote {path}")
