"""Shared test helpers: a valid batch, a temporary state folder, a service over the tiny policy."""

import copy
import json
import shutil
import tempfile
import unittest

from lanpo_trainer.backends.tiny import TinyConfig, TinyPolicy
from lanpo_trainer.learner import LearnerOptions
from lanpo_trainer.service import ServiceOptions, TrainerService

INSTRUCTION = "Solve the problem. Reason step by step, then give the final answer in \\boxed{}."


def sample(group="g1", index=0, size=2, advantage=1.0, completion="\\boxed{8}", feedback="scratch", question="What is one more than 7?"):
    original = [{"role": "system", "content": INSTRUCTION}, {"role": "user", "content": question}]
    prompt = original if feedback == "scratch" else [
        {"role": "system", "content": INSTRUCTION},
        {"role": "user", "content": f"{question}\n\nYour earlier attempt at this problem:\n<attempt>\n\\boxed{{3}}\n</attempt>\n\nNow solve the problem from the start."},
    ]
    return {
        "rolloutId": f"{group}-r{index}", "groupId": group, "groupSize": size, "problemId": "p1",
        "prompt": prompt, "originalPrompt": original, "completion": completion, "reward": 1.0 if advantage > 0 else 0.0,
        "advantage": advantage, "estimator": "grpo", "feedback": feedback, "lessonIds": [], "status": "ok",
        "finishReason": "stop", "policyVersion": "0",
    }


def batch(batch_id="b1", groups=("g1",), size=2):
    samples = []
    for g in groups:
        for i in range(size):
            samples.append(sample(g, i, size, 1.0 if i == 0 else -1.0, "\\boxed{8}" if i == 0 else "\\boxed{3}"))
    return {"batchId": batch_id, "runId": "run", "step": 0, "samples": samples}


def body(data) -> bytes:
    return json.dumps(data).encode()


class StateDirTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="lanpo-trainer-test-")
        self.services = []

    def tearDown(self):
        for s in self.services:
            s.close()
        shutil.rmtree(self.dir, ignore_errors=True)

    def service(self, lr=0.01, config=None, **options):
        s = TrainerService(TinyPolicy(copy.deepcopy(config) if config else TinyConfig()), LearnerOptions(lr=lr), ServiceOptions(self.dir, **options))
        self.services.append(s)
        return s

    def restart(self, service, **kw):
        service.close()
        self.services.remove(service)
        return self.service(**kw)
