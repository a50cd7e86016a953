"""The `hf` backend: a Hugging Face `transformers` causal LM, with optional LoRA through `peft`.

Imported only when `--backend hf` is chosen. Log-probs are those of the model at temperature 1 over
the chat-templated prompt followed by the completion's tokens (what the learner computes). With
LoRA and `--vllm-url`, every update saves the adapter under `--adapter-dir` and asks vLLM to load
it under a new name (`POST /v1/load_lora_adapter {lora_name, lora_path}`; vLLM needs
VLLM_ALLOW_RUNTIME_LORA_UPDATING=True); the acknowledgement's `servedModel` then carries that name
so the Node side generates with the new weights.
"""

from __future__ import annotations

import copy
import hashlib
import json
import os
import urllib.request
from typing import List, Optional, Sequence

import torch

from ..errors import StartError
from .base import GenerateRequest, GenerateResult, Messages, Policy, TokenLogprob

try:
    import transformers
except ImportError as e:  # pragma: no cover - depends on the machine
    raise StartError(f"--backend hf needs the transformers package (pip install 'lanpo_trainer[hf]'): {e}") from e

DEFAULT_MAX_NEW_TOKENS = 512


class HfPolicy(Policy):
    backend = "hf"

    def __init__(self, model: str, lora_r: int = 0, vllm_url: Optional[str] = None, adapter_dir: Optional[str] = None,
                 device: Optional[str] = None, state_dir: Optional[str] = None) -> None:
        self.model_id = model
        self.name = os.path.basename(model.rstrip("/")) if os.path.isdir(model) else model
        self.device = device or ("cuda" if torch.cuda.is_available() else "cpu")
        self.tokenizer = transformers.AutoTokenizer.from_pretrained(model)
        if self.tokenizer.pad_token_id is None:
            self.tokenizer.pad_token = self.tokenizer.eos_token
        dtype = torch.bfloat16 if self.device.startswith("cuda") else torch.float32
        self.model = transformers.AutoModelForCausalLM.from_pretrained(model, torch_dtype=dtype).to(self.device)
        self.lora_r = lora_r
        if lora_r > 0:
            try:
                import peft
            except ImportError as e:
                raise StartError(f"--lora-r {lora_r} needs the peft package (pip install peft): {e}") from e
            config = peft.LoraConfig(r=lora_r, lora_alpha=2 * lora_r, target_modules="all-linear", task_type="CAUSAL_LM")
            self.model = peft.get_peft_model(self.model, config)
        if vllm_url and lora_r == 0:
            raise StartError("--vllm-url publishes LoRA adapters; pass --lora-r R too (full weights reach vLLM by reloading a checkpoint)")
        self.vllm_url = vllm_url.rstrip("/") if vllm_url else None
        self.adapter_dir = adapter_dir or os.path.join(state_dir or ".", "adapters")
        self._reference = None

    def config_digest(self) -> str:
        data = {"model": self.model_id, "lora_r": self.lora_r, "config": self.model.config.to_dict() if hasattr(self.model, "config") else {}}
        return hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode()).hexdigest()[:16]

    def parameters(self):
        return [p for p in self.model.parameters() if p.requires_grad]

    def state_dict(self) -> dict:
        if self.lora_r > 0:
            import peft

            return peft.get_peft_model_state_dict(self.model)
        return self.model.state_dict()

    def load_state_dict(self, state: dict) -> None:
        if self.lora_r > 0:
            import peft

            peft.set_peft_model_state_dict(self.model, state)
        else:
            self.model.load_state_dict(state)

    def reference(self) -> "Policy":
        if self._reference is None:
            self._reference = _Reference(self)
        return self._reference

    # -- tokens ----------------------------------------------------------------------------------
    def prompt_ids(self, messages: Messages) -> List[int]:
        if getattr(self.tokenizer, "chat_template", None):
            return list(self.tokenizer.apply_chat_template(list(messages), add_generation_prompt=True, tokenize=True))
        text = "".join(f"{m['role']}: {m['content']}\n" for m in messages) + "assistant: "
        return self.tokenizer(text).input_ids

    def completion_ids(self, completion: str) -> List[int]:
        return self.tokenizer(completion, add_special_tokens=False).input_ids

    def completion_token_count(self, completion: str) -> int:
        return len(self.completion_ids(completion))

    def _logprobs(self, model, prompts: Sequence[Messages], completions: Sequence[str]):
        seqs, starts = [], []
        for messages, completion in zip(prompts, completions):
            p, c = self.prompt_ids(messages), self.completion_ids(completion)
            seqs.append(p + c)
            starts.append(len(p))
        width = max(1, max(len(s) - st for s, st in zip(seqs, starts)))
        t = max(len(s) for s in seqs)
        ids = torch.full((len(seqs), t), self.tokenizer.pad_token_id, dtype=torch.long)
        attention = torch.zeros((len(seqs), t), dtype=torch.long)
        for i, s in enumerate(seqs):
            ids[i, : len(s)] = torch.tensor(s)
            attention[i, : len(s)] = 1
        ids, attention = ids.to(self.device), attention.to(self.device)
        logits = model(input_ids=ids, attention_mask=attention).logits.float()
        logp_all = torch.log_softmax(logits[:, :-1], dim=-1).gather(2, ids[:, 1:, None])[..., 0]
        logp = torch.zeros(len(seqs), width, device=self.device)
        mask = torch.zeros(len(seqs), width, device=self.device)
        for i, (s, st) in enumerate(zip(seqs, starts)):
            n = len(s) - st
            if n:
                logp[i, :n] = logp_all[i, st - 1 : st - 1 + n]
                mask[i, :n] = 1
        return logp.cpu(), mask.cpu()

    def sequence_logprobs(self, prompts: Sequence[Messages], completions: Sequence[str]):
        return self._logprobs(self.model, prompts, completions)

    # -- generation ------------------------------------------------------------------------------
    @torch.no_grad()
    def generate(self, requests: Sequence[GenerateRequest]) -> List[GenerateResult]:
        results = []
        for r in requests:  # one at a time: sampling settings differ per request
            prompt = self.prompt_ids(r.messages)
            ids = torch.tensor([prompt], device=self.device)
            sample = r.temperature is None or r.temperature > 0
            limit = r.max_tokens or DEFAULT_MAX_NEW_TOKENS
            if r.seed is not None:
                torch.manual_seed(r.seed)
            out = self.model.generate(
                input_ids=ids, attention_mask=torch.ones_like(ids), max_new_tokens=limit, do_sample=sample,
                temperature=r.temperature if sample else None, pad_token_id=self.tokenizer.pad_token_id,
            )
            new = out[0, len(prompt):].tolist()
            finish = "length" if len(new) >= limit and (not new or new[-1] != self.tokenizer.eos_token_id) else "stop"
            if new and new[-1] == self.tokenizer.eos_token_id:
                new = new[:-1]
            text = self.tokenizer.decode(new, skip_special_tokens=True)
            lp, _ = self._logprobs(self.model, [r.messages], [text])
            pieces = [self.tokenizer.decode([i]) for i in self.completion_ids(text)]
            tokens = [TokenLogprob(p, float(lp[0, j])) for j, p in enumerate(pieces)]
            results.append(GenerateResult(text, tokens, finish, len(prompt), 0))
        return results

    # -- publishing ------------------------------------------------------------------------------
    def publish(self, version: int, checkpoint_dir: str) -> Optional[str]:
        if not self.vllm_url:
            return None
        name = f"{self.name.replace('/', '--')}-lanpo-v{version}"
        path = os.path.abspath(os.path.join(self.adapter_dir, name))
        self.model.save_pretrained(path)
        body = json.dumps({"lora_name": name, "lora_path": path}).encode()
        request = urllib.request.Request(f"{self.vllm_url}/v1/load_lora_adapter", body, {"content-type": "application/json"})
        with urllib.request.urlopen(request, timeout=120) as reply:
            if reply.status >= 300:
                raise RuntimeError(f"vLLM refused adapter {name}: HTTP {reply.status}")
        return name


class _Reference(Policy):
    """The frozen initial policy for the KL term: the base model with the adapter off (LoRA), else a copy."""

    def __init__(self, owner: HfPolicy) -> None:
        self.owner = owner
        self.copy = None if owner.lora_r > 0 else copy.deepcopy(owner.model).eval()

    def sequence_logprobs(self, prompts, completions):
        if self.copy is not None:
            return self.owner._logprobs(self.copy, prompts, completions)
        with self.owner.model.disable_adapter():
            return self.owner._logprobs(self.owner.model, prompts, completions)
