"""The policy interface the learner and the server use: tokenise, log-probs, generate, save, load."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import List, Optional, Sequence, Tuple

Messages = Sequence[dict]


@dataclass
class GenerateRequest:
    messages: Messages
    temperature: float = 1.0
    max_tokens: Optional[int] = None
    top_logprobs: int = 0
    seed: Optional[int] = None


@dataclass
class TokenLogprob:
    token: str
    logprob: float
    top: List[Tuple[str, float]] = field(default_factory=list)


@dataclass
class GenerateResult:
    text: str
    tokens: List[TokenLogprob]
    finish_reason: str
    prompt_tokens: int
    prompt_tokens_cut: int


class Policy:
    """What a backend implements. Tensors are torch tensors; `name` is the model name it serves under."""

    name: str
    backend: str

    def config_digest(self) -> str:
        """Digest of everything that fixes the weights' shape and meaning (not the learning rate)."""
        raise NotImplementedError

    def parameters(self):
        raise NotImplementedError

    def generate(self, requests: Sequence[GenerateRequest]) -> List[GenerateResult]:
        raise NotImplementedError

    def sequence_logprobs(self, prompts: Sequence[Messages], completions: Sequence[str]):
        """Per-token log-probs of each completion given its prompt, with gradient.

        Returns (logp, mask): float tensors of shape [B, T]; mask is 1 where a token is trained on.
        """
        raise NotImplementedError

    def completion_token_count(self, completion: str) -> int:
        raise NotImplementedError

    def state_dict(self) -> dict:
        raise NotImplementedError

    def load_state_dict(self, state: dict) -> None:
        raise NotImplementedError

    def reference(self) -> Optional["Policy"]:
        """A frozen copy for the KL term (made once, at the first update that needs it)."""
        raise NotImplementedError

    def publish(self, version: int, checkpoint_dir: str) -> Optional[str]:
        """Called after each update; returns the model name the inference server now serves, if it changed."""
        return None
