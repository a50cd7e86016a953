"""The policy-gradient loss, as a pure function of per-token tensors (hand-checkable in tests).

Per completion token t of sample i, with A_i the sample's advantage:
  ratio   = exp(logp_new - logp_old)                      PPO ratio against the policy at update start
  surr    = min(ratio * A, clip(ratio, 1 - clip_low, 1 + clip_high) * A)
  weight  = min(exp(logp_old - logp_behaviour), tis_cap)  truncated importance weight, no gradient
  loss_t  = -weight * surr + kl_coef * k3(logp_ref, logp_new)
with k3(ref, new) = exp(ref - new) - (ref - new) - 1 (the low-variance KL estimator GRPO uses).
`logp_old` and `logp_new` are taken under the prompt the loss conditions on (the original prompt by
default), `logp_behaviour` under the prompt the completion was generated with: for a feedback rollout
trained on its original prompt the weight corrects for sampling from the feedback-conditioned policy,
capped at `tis_cap` so one unlikely completion cannot dominate.
Aggregation: "token-mean" averages over all trained tokens of the batch; "sequence-mean" averages
within each sample, then over samples that have a trained token.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import torch


@dataclass
class LossOptions:
    clip_low: float = 0.2
    clip_high: float = 0.28
    tis_cap: float = 2.0
    kl_coef: float = 0.0
    aggregation: str = "token-mean"


def k3_kl(logp_ref: torch.Tensor, logp_new: torch.Tensor) -> torch.Tensor:
    d = logp_ref - logp_new
    return torch.exp(d) - d - 1


def policy_loss(
    logp_new: torch.Tensor,
    logp_old: torch.Tensor,
    logp_behaviour: torch.Tensor,
    advantages: torch.Tensor,
    mask: torch.Tensor,
    options: LossOptions,
    logp_ref: Optional[torch.Tensor] = None,
):
    """Returns (loss, stats). Token tensors are [B, T]; advantages [B]; mask [B, T] of 0/1."""
    adv = advantages[:, None]
    ratio = torch.exp(logp_new - logp_old.detach())
    surr = torch.min(ratio * adv, torch.clamp(ratio, 1 - options.clip_low, 1 + options.clip_high) * adv)
    weight = torch.clamp(torch.exp(logp_old.detach() - logp_behaviour.detach()), max=options.tis_cap)
    per_token = -weight * surr
    kl = torch.zeros_like(per_token)
    if options.kl_coef > 0:
        if logp_ref is None:
            raise ValueError("kl_coef > 0 needs logp_ref")
        kl = k3_kl(logp_ref.detach(), logp_new)
        per_token = per_token + options.kl_coef * kl
    if options.aggregation == "token-mean":
        loss = (per_token * mask).sum() / mask.sum().clamp(min=1)
    elif options.aggregation == "sequence-mean":
        tokens = mask.sum(1)
        has = tokens > 0
        per_seq = (per_token * mask).sum(1) / tokens.clamp(min=1)
        loss = per_seq[has].sum() / has.sum().clamp(min=1)
    else:
        raise ValueError(f'aggregation must be "token-mean" or "sequence-mean", not {options.aggregation!r}')
    n = mask.sum().clamp(min=1)
    clipped = ((ratio - 1).abs() > options.clip_low).float()
    stats = {
        "loss": float(loss.detach()),
        "kl": float((kl.detach() * mask).sum() / n),
        "clipFraction": float((clipped * mask).sum() / n),
        "meanWeight": float((weight * mask).sum() / n),
    }
    return loss, stats
