import math
import unittest

import torch

from lanpo_trainer.learner import regroup
from lanpo_trainer.loss import LossOptions, k3_kl, policy_loss

from .helpers import sample


def t(*rows):
    return torch.tensor(rows, dtype=torch.float32)


class LossTest(unittest.TestCase):
    def test_ratio_and_truncated_importance_weight_by_hand(self):
        # ratio 0.5/0.4 = 1.25 (inside the clip), weight min(0.4/0.1, 2) = 2: loss = -2 * 1.25 * A
        new = torch.log(t([0.5])).requires_grad_()
        loss, stats = policy_loss(new, torch.log(t([0.4])), torch.log(t([0.1])), torch.tensor([1.0]), t([1.0]), LossOptions())
        self.assertAlmostEqual(loss.item(), -2.5, places=5)
        self.assertAlmostEqual(stats["meanWeight"], 2.0, places=5)
        loss.backward()
        # d/dlogp_new of -2 * exp(logp_new - logp_old) = -2 * 1.25
        self.assertAlmostEqual(new.grad.item(), -2.5, places=5)
        loss, _ = policy_loss(torch.log(t([0.5])), torch.log(t([0.4])), torch.log(t([0.1])), torch.tensor([-1.0]), t([1.0]), LossOptions())
        self.assertAlmostEqual(loss.item(), 2.5, places=5)

    def test_weight_below_the_cap_is_the_plain_ratio(self):
        # behaviour 0.8, old 0.4: weight 0.5 (the feedback made the completion likelier than the original prompt does)
        loss, stats = policy_loss(torch.log(t([0.4])), torch.log(t([0.4])), torch.log(t([0.8])), torch.tensor([2.0]), t([1.0]), LossOptions())
        self.assertAlmostEqual(loss.item(), -1.0, places=5)
        self.assertAlmostEqual(stats["meanWeight"], 0.5, places=5)

    def test_clip_above_stops_the_gradient(self):
        # ratio 0.6/0.4 = 1.5 > 1.28: surrogate 1.28 * A, weight 0.4/0.3
        new = torch.log(t([0.6])).requires_grad_()
        loss, stats = policy_loss(new, torch.log(t([0.4])), torch.log(t([0.3])), torch.tensor([1.0]), t([1.0]), LossOptions())
        self.assertAlmostEqual(loss.item(), -(0.4 / 0.3) * 1.28, places=5)
        loss.backward()
        self.assertEqual(new.grad.item(), 0.0)
        self.assertEqual(stats["clipFraction"], 1.0)

    def test_clip_below_with_negative_advantage(self):
        # ratio 0.5 < 0.8 with A = -1: min(-0.5, -0.8) = -0.8, clipped, no gradient
        new = torch.log(t([0.2])).requires_grad_()
        loss, _ = policy_loss(new, torch.log(t([0.4])), torch.log(t([0.4])), torch.tensor([-1.0]), t([1.0]), LossOptions())
        self.assertAlmostEqual(loss.item(), 0.8, places=5)
        loss.backward()
        self.assertEqual(new.grad.item(), 0.0)

    def test_token_mean_and_sequence_mean(self):
        # on-policy (ratio 1, weight 1): per-token loss is -A; sample 0 has 1 token (A=1), sample 1 has 2 (A=-2)
        zeros = torch.zeros(2, 2)
        mask = t([1.0, 0.0], [1.0, 1.0])
        adv = torch.tensor([1.0, -2.0])
        token, _ = policy_loss(zeros, zeros, zeros, adv, mask, LossOptions(aggregation="token-mean"))
        seq, _ = policy_loss(zeros, zeros, zeros, adv, mask, LossOptions(aggregation="sequence-mean"))
        self.assertAlmostEqual(token.item(), (-1 + 2 + 2) / 3, places=5)
        self.assertAlmostEqual(seq.item(), (-1 + 2) / 2, places=5)
        with self.assertRaises(ValueError):
            policy_loss(zeros, zeros, zeros, adv, mask, LossOptions(aggregation="sum"))

    def test_k3_kl_by_hand(self):
        self.assertAlmostEqual(k3_kl(torch.log(t([0.5])), torch.log(t([0.25]))).item(), 2 - math.log(2) - 1, places=5)
        zeros = torch.zeros(1, 1)
        loss, stats = policy_loss(torch.log(t([0.25])), torch.log(t([0.25])), torch.log(t([0.25])), torch.tensor([0.0]), t([1.0]), LossOptions(kl_coef=0.1), logp_ref=torch.log(t([0.5])))
        self.assertAlmostEqual(loss.item(), 0.1 * (1 - math.log(2)), places=5)
        self.assertAlmostEqual(stats["kl"], 1 - math.log(2), places=5)
        with self.assertRaises(ValueError):
            policy_loss(zeros, zeros, zeros, torch.tensor([0.0]), t([1.0]), LossOptions(kl_coef=0.1))

    def test_regroup_keeps_first_seen_order(self):
        samples = [sample("b", 0), sample("a", 0), sample("b", 1), sample("a", 1)]
        groups = regroup(samples)
        self.assertEqual(list(groups), ["b", "a"])
        self.assertEqual([s["rolloutId"] for s in groups["b"]], ["b-r0", "b-r1"])


if __name__ == "__main__":
    unittest.main()
