import json
import os
import subprocess
import sys

import torch

from lanpo_trainer import checkpoint
from lanpo_trainer.backends import create_policy
from lanpo_trainer.backends.tiny import TinyConfig
from lanpo_trainer.errors import StartError

from .helpers import StateDirTest, batch, body

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


class CheckpointTest(StateDirTest):
    def test_round_trip_restores_weights_optimizer_and_version(self):
        s = self.service()
        s.ingest(body(batch("b1")))
        s.ingest(body(batch("b2", ("g2",))))
        weights = {k: v.clone() for k, v in s.policy.state_dict().items()}
        steps = [st["step"] for st in s.learner.optimizer.state_dict()["state"].values()]
        s = self.restart(s)
        self.assertEqual(s.version, 2)
        for k, v in s.policy.state_dict().items():
            self.assertTrue(torch.equal(v, weights[k]), k)
        self.assertEqual([st["step"] for st in s.learner.optimizer.state_dict()["state"].values()], steps)
        with open(os.path.join(self.dir, "CURRENT")) as f:
            self.assertEqual(f.read(), "v000002")
        # older checkpoints are pruned, no temporary folder is left behind
        self.assertEqual(sorted(os.listdir(os.path.join(self.dir, "checkpoints"))), ["v000001", "v000002"])

    def test_a_state_folder_from_another_model_config_is_refused(self):
        self.service().close()
        self.services.clear()
        with self.assertRaises(StartError) as ctx:
            self.service(config=TinyConfig(d_model=32))
        self.assertIn("state.json", str(ctx.exception))
        self.assertIn("configDigest", str(ctx.exception))
        with self.assertRaises(StartError) as ctx:
            self.service(config=TinyConfig(name="other"))
        self.assertIn("model", str(ctx.exception))

    def test_a_checkpoint_that_does_not_load_is_refused_with_its_folder(self):
        s = self.service()
        s.ingest(body(batch("b1")))
        s.close()
        self.services.clear()
        with open(os.path.join(self.dir, "checkpoints", "v000001", "policy.pt"), "wb") as f:
            f.write(b"garbage")
        with self.assertRaises(StartError) as ctx:
            self.service()
        self.assertIn("v000001", str(ctx.exception))

    def test_unknown_backend(self):
        with self.assertRaises(StartError) as ctx:
            create_policy("gpt")
        self.assertIn("--backend", str(ctx.exception))
        run = subprocess.run(
            [sys.executable, "-m", "lanpo_trainer", "serve", "--backend", "gpt", "--state", self.dir],
            cwd=ROOT, capture_output=True, text=True, env={**os.environ, "PYTHONPATH": ROOT},
        )
        self.assertEqual(run.returncode, 2)
        self.assertIn("--backend", run.stderr)

    def test_a_negative_learning_rate_is_refused_naming_the_flag(self):
        run = subprocess.run(
            [sys.executable, "-m", "lanpo_trainer", "serve", "--backend", "tiny", "--lr", "-1", "--state", self.dir],
            cwd=ROOT, capture_output=True, text=True, env={**os.environ, "PYTHONPATH": ROOT},
        )
        self.assertEqual(run.returncode, 2)
        self.assertIn("--lr", run.stderr)

    def test_bad_tiny_config_file_names_the_flag(self):
        path = os.path.join(self.dir, "tiny.json")
        with open(path, "w") as f:
            json.dump({"d_modle": 3}, f)
        with self.assertRaises(StartError) as ctx:
            create_policy("tiny", tiny_config=path)
        self.assertIn("--tiny-config", str(ctx.exception))

    def test_hf_backend_needs_a_model(self):
        with self.assertRaises(StartError):
            create_policy("hf")

    def test_identity_file_is_written_once(self):
        checkpoint.check_identity(self.dir, "tiny", "tiny", "abc")
        checkpoint.check_identity(self.dir, "tiny", "tiny", "abc")
        with self.assertRaises(StartError):
            checkpoint.check_identity(self.dir, "hf", "tiny", "abc")
