"""The learner: regroups samples by groupId and takes clipped policy-gradient updates from their advantages."""

from __future__ import annotations

import hashlib
import json
import random
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Sequence

import torch

from .backends.base import Policy
from .loss import LossOptions, policy_loss

# The learning rate at which the bundled closed loop learns in 30 steps with the tiny backend.
DEFAULT_LR = 0.01


@dataclass
class LearnerOptions:
    """How updates are taken. Every field has a default."""

    lr: float = DEFAULT_LR
    # "original": the loss conditions on the original prompt (language guides exploration only);
    # "behaviour": on the prompt the completion was generated with.
    condition: str = "original"
    # Passes over one update's samples (PPO epochs); the clip matters from the second on.
    epochs: int = 2
    # Minibatches per pass, split along group boundaries.
    minibatches: int = 1
    max_grad_norm: float = 1.0
    seed: int = 0
    loss: LossOptions = field(default_factory=LossOptions)


def regroup(samples: Sequence[dict]) -> "OrderedDict[str, List[dict]]":
    """Samples by groupId, groups in first-seen order, samples in arrival order."""
    groups: "OrderedDict[str, List[dict]]" = OrderedDict()
    for s in samples:
        groups.setdefault(s["groupId"], []).append(s)
    return groups


def behaviour_key(messages: Sequence[dict], completion: str) -> str:
    data = json.dumps([[m.get("role"), m.get("content")] for m in messages] + [completion], separators=(",", ":"))
    return hashlib.sha256(data.encode()).hexdigest()


class BehaviourCache:
    """Log-probs the server returned for completions it generated, by (prompt, completion); bounded."""

    def __init__(self, limit: int = 200_000) -> None:
        self.limit = limit
        self._items: "OrderedDict[str, List[float]]" = OrderedDict()
        self._lock = threading.Lock()

    def put(self, messages: Sequence[dict], completion: str, logprobs: List[float]) -> None:
        with self._lock:
            self._items[behaviour_key(messages, completion)] = logprobs
            while len(self._items) > self.limit:
                self._items.popitem(last=False)

    def get(self, messages: Sequence[dict], completion: str) -> Optional[List[float]]:
        with self._lock:
            return self._items.get(behaviour_key(messages, completion))


class Learner:
    def __init__(self, policy: Policy, options: LearnerOptions, cache: Optional[BehaviourCache] = None) -> None:
        if options.condition not in ("original", "behaviour"):
            raise ValueError(f'condition must be "original" or "behaviour", not {options.condition!r}')
        self.policy = policy
        self.options = options
        self.cache = cache or BehaviourCache()
        self.optimizer = torch.optim.Adam(policy.parameters(), lr=options.lr) if options.lr > 0 else None
        self.rng = random.Random(options.seed)

    def behaviour_logprobs(self, samples: Sequence[dict], width: int) -> torch.Tensor:
        """[B, width] behaviour log-probs: sent with the sample, else remembered from generation, else
        recomputed now under the behaviour prompt (exact when no update came in between)."""
        out = torch.zeros(len(samples), width)
        missing = []
        for i, s in enumerate(samples):
            given = s.get("logprobs")
            if given is None:
                given = self.cache.get(s["prompt"], s["completion"])
            if given is not None and len(given) == self.policy.completion_token_count(s["completion"]):
                row = torch.tensor(given[:width], dtype=torch.float32)
                out[i, : len(row)] = row
            else:
                missing.append(i)
        if missing:
            with torch.no_grad():
                lp, _ = self.policy.sequence_logprobs(
                    [samples[i]["prompt"] for i in missing], [samples[i]["completion"] for i in missing]
                )
            for row, i in enumerate(missing):
                n = min(width, lp.shape[1])
                out[i, :n] = lp[row, :n]
        return out

    def _prompts(self, samples: Sequence[dict]) -> List[Sequence[dict]]:
        key = "originalPrompt" if self.options.condition == "original" else "prompt"
        return [s[key] for s in samples]

    def update(self, samples: Sequence[dict]) -> Dict[str, float]:
        """One update over `samples` (whole groups). Returns its statistics."""
        groups = regroup(samples)
        stats: Dict[str, float] = {"samples": float(len(samples)), "groups": float(len(groups))}
        stats["zeroVarianceGroups"] = float(
            sum(1 for g in groups.values() if all(abs(s["advantage"]) < 1e-12 for s in g))
        )
        if self.optimizer is None:
            return stats
        ordered = [s for g in groups.values() for s in g]
        completions = [s["completion"] for s in ordered]
        prompts = self._prompts(ordered)
        with torch.no_grad():
            old, mask = self.policy.sequence_logprobs(prompts, completions)
            ref = None
            if self.options.loss.kl_coef > 0:
                ref, _ = self.policy.reference().sequence_logprobs(prompts, completions)
        behaviour = self.behaviour_logprobs(ordered, old.shape[1])
        advantages = torch.tensor([float(s["advantage"]) for s in ordered])
        group_list = list(groups.values())
        index_of = {id(s): i for i, s in enumerate(ordered)}
        last: Dict[str, float] = {}
        for _ in range(self.options.epochs):
            order = list(range(len(group_list)))
            self.rng.shuffle(order)
            parts = max(1, min(self.options.minibatches, len(order)))
            for p in range(parts):
                chosen = [group_list[g] for g in order[p::parts]]
                idx = torch.tensor([index_of[id(s)] for g in chosen for s in g])
                new, _ = self.policy.sequence_logprobs([prompts[i] for i in idx], [completions[i] for i in idx])
                loss, last = policy_loss(
                    new,
                    old[idx],
                    behaviour[idx],
                    advantages[idx],
                    mask[idx],
                    self.options.loss,
                    None if ref is None else ref[idx],
                )
                self.optimizer.zero_grad()
                loss.backward()
                torch.nn.utils.clip_grad_norm_(list(self.policy.parameters()), self.options.max_grad_norm)
                self.optimizer.step()
        stats.update(last)
        return stats
