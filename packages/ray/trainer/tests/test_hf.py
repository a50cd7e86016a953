"""The hf backend on a tiny model built from a config (no download). Runs only where transformers
imports and a CUDA device is present; skipped otherwise, saying why."""

import importlib.util
import shutil
import tempfile
import unittest

import torch

REASON = None
if importlib.util.find_spec("transformers") is None:
    REASON = "transformers is not installed (pip install 'lanpo_trainer[hf]')"
elif not torch.cuda.is_available():
    REASON = "no CUDA device (torch.cuda.is_available() is False)"


@unittest.skipIf(REASON is not None, f"hf backend test skipped: {REASON}")
class HfBackendTest(unittest.TestCase):
    def setUp(self):
        from tokenizers import Tokenizer, models, pre_tokenizers
        from transformers import LlamaConfig, LlamaForCausalLM, PreTrainedTokenizerFast

        self.dir = tempfile.mkdtemp(prefix="lanpo-hf-")
        words = ["<pad>", "<eos>", "<unk>"] + [str(n) for n in range(30)] + "what is one more than solve the problem \\boxed{ } ? : user system assistant".split()
        tok = Tokenizer(models.WordLevel({w: i for i, w in enumerate(words)}, unk_token="<unk>"))
        tok.pre_tokenizer = pre_tokenizers.Whitespace()
        fast = PreTrainedTokenizerFast(tokenizer_object=tok, pad_token="<pad>", eos_token="<eos>", unk_token="<unk>")
        fast.save_pretrained(self.dir)
        config = LlamaConfig(vocab_size=len(words), hidden_size=32, intermediate_size=64, num_hidden_layers=2, num_attention_heads=4, num_key_value_heads=4, pad_token_id=0, eos_token_id=1, bos_token_id=1)
        LlamaForCausalLM(config).save_pretrained(self.dir)

    def tearDown(self):
        shutil.rmtree(self.dir, ignore_errors=True)

    def test_generate_update_and_state_round_trip(self):
        from lanpo_trainer.backends.base import GenerateRequest
        from lanpo_trainer.backends.hf import HfPolicy
        from lanpo_trainer.learner import Learner, LearnerOptions

        for lora in (0, 4):
            policy = HfPolicy(self.dir, lora_r=lora)
            messages = [{"role": "user", "content": "what is one more than 3 ?"}]
            result = policy.generate([GenerateRequest(messages, max_tokens=4)])[0]
            self.assertLessEqual(len(result.tokens), 4)
            learner = Learner(policy, LearnerOptions(lr=1e-3))
            sample = {"groupId": "g", "prompt": messages, "originalPrompt": messages, "completion": "4", "advantage": 1.0}
            learner.update([sample, {**sample, "completion": "7", "advantage": -1.0}])
            state = {k: v.clone() for k, v in policy.state_dict().items()}
            other = HfPolicy(self.dir, lora_r=lora)
            other.load_state_dict(state)
            for k, v in other.state_dict().items():
                self.assertTrue(torch.equal(v.cpu(), state[k].cpu()), k)


if __name__ == "__main__":
    unittest.main()
