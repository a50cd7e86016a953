import unittest

import torch

from lanpo_trainer.backends.base import GenerateRequest
from lanpo_trainer.backends.tiny import TinyConfig, TinyPolicy
from lanpo_trainer.learner import BehaviourCache, Learner, LearnerOptions

from .helpers import INSTRUCTION, sample


class TinyTest(unittest.TestCase):
    def setUp(self):
        self.policy = TinyPolicy(TinyConfig())

    def test_a_long_prompt_keeps_the_problem_statement_and_counts_the_cut(self):
        question = "What is one more than 7?"
        feedback = "Lessons from solving similar problems:\n" + "\n".join(f"- add one to the number {i}" for i in range(40))
        messages = [{"role": "system", "content": INSTRUCTION}, {"role": "user", "content": f"{question}\n\n{feedback}"}]
        ids, cut = self.policy.encode_prompt(messages)
        self.assertLessEqual(len(ids) + 3, self.policy.config.context)
        self.assertGreater(cut, 0)
        statement = self.policy.tokenizer.encode(question)
        start = ids.index(self.policy.tokenizer.id("<user>")) + 1
        self.assertEqual(ids[start : start + len(statement)], statement)
        self.assertIn(self.policy.tokenizer.id("<cut>"), ids)
        result = self.policy.generate([GenerateRequest(messages)])[0]
        self.assertEqual(result.prompt_tokens_cut, cut)
        short, none_cut = self.policy.encode_prompt(messages[:1] + [{"role": "user", "content": question}])
        self.assertEqual(none_cut, 0)

    def test_replies_follow_the_grammar_and_are_short(self):
        results = self.policy.generate([GenerateRequest([{"role": "user", "content": "What is one more than 3?"}], seed=s) for s in range(20)])
        for r in results:
            self.assertRegex(r.text, r"^\\boxed\{([0-9]|1[0-9]|20)\}$")
            self.assertEqual([t.logprob for t in r.tokens][0::2], [0.0, 0.0])
            self.assertEqual(r.finish_reason, "stop")
        cut = self.policy.generate([GenerateRequest([{"role": "user", "content": "hi"}], max_tokens=2)])[0]
        self.assertEqual(cut.finish_reason, "length")
        self.assertEqual(len(cut.tokens), 2)

    def test_untrained_answers_are_near_uniform(self):
        r = self.policy.generate([GenerateRequest([{"role": "user", "content": "What is one more than 3?"}])])[0]
        self.assertAlmostEqual(r.tokens[1].logprob, -torch.log(torch.tensor(21.0)).item(), places=4)

    def test_learner_log_probs_match_generation_whatever_the_batch(self):
        torch.manual_seed(3)
        for p in self.policy.model.parameters():
            p.data.normal_(0, 0.3)
        prompts = [[{"role": "user", "content": f"What is one more than {n}?"}] for n in range(5)]
        results = self.policy.generate([GenerateRequest(m) for m in prompts])
        with torch.no_grad():
            alone, _ = self.policy.sequence_logprobs(prompts[:1], [results[0].text])
            together, mask = self.policy.sequence_logprobs(prompts, [r.text for r in results])
        for i, r in enumerate(results):
            self.assertAlmostEqual(together[i, 1].item(), r.tokens[1].logprob, places=4)
        self.assertAlmostEqual(alone[0, 1].item(), together[0, 1].item(), places=5)
        self.assertEqual(mask[:, 1].tolist(), [1.0] * 5)
        _, bad = self.policy.sequence_logprobs(prompts[:1], ["no box here"])
        self.assertEqual(bad.sum().item(), 0.0)

    def test_behaviour_log_probs_sent_remembered_or_recomputed(self):
        cache = BehaviourCache()
        learner = Learner(self.policy, LearnerOptions(), cache)
        given = sample(completion="\\boxed{8}", feedback="reflection")
        given["logprobs"] = [0.0, -1.5, 0.0]
        remembered = sample(group="g2", completion="\\boxed{9}", feedback="reflection")
        cache.put(remembered["prompt"], remembered["completion"], [0.0, -0.7, 0.0])
        recomputed = sample(group="g3", completion="\\boxed{5}", feedback="reflection")
        out = learner.behaviour_logprobs([given, remembered, recomputed], 3)
        self.assertAlmostEqual(out[0, 1].item(), -1.5, places=5)
        self.assertAlmostEqual(out[1, 1].item(), -0.7, places=5)
        self.assertAlmostEqual(out[2, 1].item(), -torch.log(torch.tensor(21.0)).item(), places=4)

    def test_an_update_moves_the_policy_towards_positive_advantages(self):
        learner = Learner(self.policy, LearnerOptions(lr=0.05, epochs=3))
        prompt = [{"role": "system", "content": INSTRUCTION}, {"role": "user", "content": "What is one more than 7?"}]
        good, bad = sample(advantage=1.0, completion="\\boxed{8}"), sample(index=1, advantage=-1.0, completion="\\boxed{3}")
        with torch.no_grad():
            before, _ = self.policy.sequence_logprobs([prompt, prompt], ["\\boxed{8}", "\\boxed{3}"])
        learner.update([good, bad])
        with torch.no_grad():
            after, _ = self.policy.sequence_logprobs([prompt, prompt], ["\\boxed{8}", "\\boxed{3}"])
        self.assertGreater(after[0, 1].item(), before[0, 1].item())
        self.assertLess(after[1, 1].item(), before[1, 1].item())

    def test_condition_picks_the_prompt_the_loss_is_taken_on(self):
        s = sample(feedback="reflection")
        self.assertEqual(Learner(self.policy, LearnerOptions())._prompts([s]), [s["originalPrompt"]])
        self.assertEqual(Learner(self.policy, LearnerOptions(condition="behaviour"))._prompts([s]), [s["prompt"]])
        self.assertNotEqual(s["prompt"], s["originalPrompt"])

    def test_condition_must_be_known(self):
        with self.assertRaises(ValueError):
            Learner(self.policy, LearnerOptions(condition="feedback"))


if __name__ == "__main__":
    unittest.main()
