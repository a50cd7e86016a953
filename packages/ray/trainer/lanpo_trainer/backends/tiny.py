"""The `tiny` backend: a small causal transformer in plain PyTorch, built from a config, no download.

Vocabulary. Word-level: special tokens, the reply tokens `\\boxed{` and `}`, the whole numbers
0..max_number, punctuation, and the words of LANPO's fixed prompts and of the bundled task. Text is
lower-cased and split into `\\boxed{`, numbers, words and single symbols; an unknown word is `<unk>`;
a number above max_number is spelled digit by digit.

Prompt layout: `<sys> instruction <user> text <asst>`, then the reply. A prompt longer than the
context (`context` tokens, reply included) is cut so that the problem statement survives: the
problem statement is the first user message up to its first blank line (LANPO puts the question
there and the feedback blocks after it). First the rest of the user turn (the feedback) is cut from
its end and a `<cut>` token marks where; then the system turn is dropped; only a problem statement
longer than the whole context is itself cut (its end). The reply's `usage.prompt_tokens_cut` counts
the tokens left out.

Replies follow a grammar: `\\boxed{` N `}` with N one of the whole numbers 0..max_answer. Only N is
sampled: the forced tokens have log-prob 0 and are not trained on. Log-probs are those of the
model's distribution restricted to what the grammar allows, at temperature 1 (what the learner
computes); sampling uses the request's temperature.
"""

from __future__ import annotations

import copy
import hashlib
import json
import math
import re
from dataclasses import asdict, dataclass, field
from typing import List, Optional, Sequence, Tuple

import torch
import torch.nn as nn

from .base import GenerateRequest, GenerateResult, Messages, Policy, TokenLogprob

SPECIALS = ["<pad>", "<unk>", "<sys>", "<user>", "<asst>", "<cut>"]
BOX = "\\boxed{"
CLOSE = "}"
PUNCT = list(".,?!:;()+-*/=<>'\"{}[]\\$^_%&#@|~`")

# Words of LANPO's fixed instruction, feedback blocks, reflection and abstraction prompts, and the task.
DEFAULT_WORDS = """
solve the problem reason step by step then give final answer in boxed lessons from solving similar problems
your earlier attempt at this review of that now start you a solution to are not told whether is correct and
nobody knows yet check its reasoning name any wrong unjustified or incomplete what should be checked done
differently brief concrete do write full new distil several attempts for other later each marked as reaching
incorrect lessons general principles methods pitfalls transfer never mention specific numbers objects one per
line starting with lanpo reflect abstract attempt
what number comes right after is one more than count up from where land next add to get plus which follows
after successor of value equals find integer immediately larger greater by
""".split()


@dataclass
class TinyConfig:
    """Shape of the tiny model. Every field has a default; `lr` is not here (it is the learner's)."""

    arch: str = "gru"
    d_model: int = 64
    n_layers: int = 2
    n_heads: int = 4
    d_ff: int = 128
    context: int = 48
    max_number: int = 99
    max_answer: int = 20
    words: List[str] = field(default_factory=lambda: list(DEFAULT_WORDS))
    # Value features of number tokens (cos/sin of 2*pi*k*n/(max_number+1), k = 1..number_features):
    # fed beside the learned embedding, and the head scores a number m by phi(m) . (U h), so what is
    # learned about one number carries over to the others (a successor is one rotation of phi).
    number_features: int = 16
    init_seed: int = 0
    embed_std: float = 0.5
    number_embed_std: float = 0.5
    name: str = "tiny"

    def digest(self) -> str:
        data = asdict(self)
        data.pop("name")
        return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()[:16]


class TinyTokenizer:
    PATTERN = re.compile(r"\\boxed\{|\d+|[a-z]+|\S")

    def __init__(self, config: TinyConfig) -> None:
        tokens = list(SPECIALS) + [BOX, CLOSE] + [str(n) for n in range(config.max_number + 1)] + PUNCT
        seen = set(tokens)
        for w in config.words:
            w = w.lower()
            if w not in seen:
                seen.add(w)
                tokens.append(w)
        self.tokens = tokens
        self.ids = {t: i for i, t in enumerate(tokens)}
        self.unk = self.ids["<unk>"]
        self.pad = self.ids["<pad>"]

    def __len__(self) -> int:
        return len(self.tokens)

    def encode(self, text: str) -> List[int]:
        out: List[int] = []
        for piece in self.PATTERN.findall(text.lower()):
            if piece in self.ids:
                out.append(self.ids[piece])
            elif piece.isdigit():
                out.extend(self.ids[d] for d in piece)
            else:
                out.append(self.unk)
        return out

    def id(self, token: str) -> int:
        return self.ids[token]


class Block(nn.Module):
    def __init__(self, c: TinyConfig) -> None:
        super().__init__()
        self.ln1 = nn.LayerNorm(c.d_model)
        self.qkv = nn.Linear(c.d_model, 3 * c.d_model)
        self.proj = nn.Linear(c.d_model, c.d_model)
        self.ln2 = nn.LayerNorm(c.d_model)
        self.ff = nn.Sequential(nn.Linear(c.d_model, c.d_ff), nn.GELU(), nn.Linear(c.d_ff, c.d_model))
        self.heads = c.n_heads

    def forward(self, x: torch.Tensor, allowed: torch.Tensor) -> torch.Tensor:
        b, t, d = x.shape
        q, k, v = self.qkv(self.ln1(x)).split(d, dim=2)
        shape = (b, t, self.heads, d // self.heads)
        q, k, v = (z.view(shape).transpose(1, 2) for z in (q, k, v))
        scores = (q @ k.transpose(-1, -2)) / math.sqrt(d // self.heads)
        scores = scores.masked_fill(~allowed[:, None, :, :], float("-inf"))
        att = torch.softmax(scores, dim=-1) @ v
        x = x + self.proj(att.transpose(1, 2).reshape(b, t, d))
        return x + self.ff(self.ln2(x))


class TinyCausalLM(nn.Module):
    def __init__(self, c: TinyConfig, vocab: int) -> None:
        super().__init__()
        self.tok = nn.Embedding(vocab, c.d_model)
        self.register_buffer("phi", number_features(c, vocab))
        self.inp = nn.Linear(c.d_model + self.phi.shape[1], c.d_model)
        # The number register: a causal running mean of phi over the number tokens read so far,
        # scored against phi(m) through one learned matrix.
        self.register = nn.Linear(self.phi.shape[1], self.phi.shape[1], bias=False)
        if c.arch not in ("gru", "transformer"):
            raise ValueError(f'tiny arch must be "gru" or "transformer", not {c.arch!r}')
        self.rnn = nn.GRU(c.d_model, c.d_model, num_layers=c.n_layers, batch_first=True) if c.arch == "gru" else None
        self.pos = nn.Embedding(c.context, c.d_model) if c.arch == "transformer" else None
        self.blocks = nn.ModuleList([Block(c) for _ in range(c.n_layers)] if c.arch == "transformer" else [])
        self.ln = nn.LayerNorm(c.d_model)
        self.head = nn.Linear(c.d_model, vocab)
        for name, p in self.named_parameters():
            if p.dim() > 1 and not name.startswith("rnn"):
                nn.init.normal_(p, std=0.02 if p is not self.tok.weight else c.embed_std)
        nn.init.zeros_(self.head.weight)
        nn.init.zeros_(self.register.weight)
        nn.init.zeros_(self.head.bias)

    def forward(self, ids: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        """Logits [B, V] after the last real token; ids [B, T] right-padded, lengths [B]."""
        t = ids.shape[1]
        if self.rnn is not None:
            out, _ = self.rnn(self.embed(ids))
        else:
            pos = torch.arange(t, device=ids.device)[None].expand_as(ids)
            x = self.embed(ids) + self.pos(pos)
            causal = torch.ones(t, t, dtype=torch.bool, device=ids.device).tril()[None].expand(ids.shape[0], t, t)
            for block in self.blocks:
                x = block(x, causal)
            out = x
        rows = torch.arange(ids.shape[0])
        last = self.ln(out[rows, lengths - 1])
        feats = self.phi[ids]
        real = (torch.arange(t, device=ids.device)[None] < lengths[:, None]).float()
        is_number = (feats.abs().sum(-1) > 0).float() * real
        count = is_number.sum(1, keepdim=True).clamp(min=1)
        register = (feats * is_number[..., None]).sum(1) / count
        return self.head(last) + self.register(register) @ self.phi.t()

    def embed(self, ids: torch.Tensor) -> torch.Tensor:
        return self.inp(torch.cat([self.tok(ids), self.phi[ids]], dim=-1))


def number_features(c: TinyConfig, vocab: int) -> torch.Tensor:
    """[vocab, 2K] value features; zero rows for tokens that are not numbers (ids follow TinyTokenizer)."""
    k = torch.arange(1, c.number_features + 1, dtype=torch.float32)
    first = len(SPECIALS) + 2
    n = torch.arange(c.max_number + 1, dtype=torch.float32)[:, None]
    angle = 2 * math.pi * n * k[None] / (c.max_number + 1)
    phi = torch.zeros(vocab, 2 * c.number_features)
    phi[first : first + c.max_number + 1] = torch.cat([torch.cos(angle), torch.sin(angle)], dim=1)
    return phi


class TinyPolicy(Policy):
    backend = "tiny"

    def __init__(self, config: Optional[TinyConfig] = None) -> None:
        self.config = config or TinyConfig()
        self.name = self.config.name
        self.tokenizer = TinyTokenizer(self.config)
        torch.manual_seed(self.config.init_seed)
        self.model = TinyCausalLM(self.config, len(self.tokenizer))
        with torch.no_grad():
            numbers = [self.tokenizer.id(str(n)) for n in range(self.config.max_number + 1)]
            self.model.tok.weight[numbers] *= self.config.number_embed_std / self.config.embed_std
        self.box = self.tokenizer.id(BOX)
        self.close = self.tokenizer.id(CLOSE)
        self.answers = torch.tensor([self.tokenizer.id(str(n)) for n in range(self.config.max_answer + 1)])
        self._reference: Optional[TinyPolicy] = None

    # -- interface -------------------------------------------------------------------------------
    def config_digest(self) -> str:
        return self.config.digest()

    def parameters(self):
        return self.model.parameters()

    def state_dict(self) -> dict:
        return self.model.state_dict()

    def load_state_dict(self, state: dict) -> None:
        self.model.load_state_dict(state)

    def reference(self) -> "TinyPolicy":
        if self._reference is None:
            ref = TinyPolicy.__new__(TinyPolicy)
            ref.__dict__.update(self.__dict__)
            ref.model = copy.deepcopy(self.model)
            ref._reference = None
            for p in ref.model.parameters():
                p.requires_grad_(False)
            self._reference = ref
        return self._reference

    # -- prompts ---------------------------------------------------------------------------------
    def encode_prompt(self, messages: Messages, reply_tokens: int = 3) -> Tuple[List[int], int]:
        """Token ids of a prompt ending in `<asst>`, cut to leave room for the reply; and how many were cut."""
        tk = self.tokenizer
        system: List[int] = []
        statement: List[int] = []
        rest: List[int] = []
        first_user = True
        for m in messages:
            role, content = m.get("role"), m.get("content") or ""
            if role == "system":
                system += [tk.id("<sys>")] + tk.encode(content)
            elif role == "user" and first_user:
                first_user = False
                head, _, tail = content.partition("\n\n")
                statement = [tk.id("<user>")] + tk.encode(head)
                rest = tk.encode(tail)
            else:
                rest += [tk.id("<user>") if role == "user" else tk.id("<asst>")] + tk.encode(content)
        budget = self.config.context - reply_tokens - 1
        total = len(system) + len(statement) + len(rest)
        cut = 0
        if total > budget:
            room = budget - len(system) - len(statement)
            if room >= 2:
                cut += len(rest) - (room - 1)
                rest = rest[: room - 1] + [tk.id("<cut>")]
            else:
                cut += len(rest)
                rest = []
                if len(statement) > budget - len(system):
                    cut += len(system)
                    system = []
                if len(statement) > budget:
                    cut += len(statement) - budget
                    statement = statement[:budget]
        return system + statement + rest + [tk.id("<asst>")], cut

    def completion_ids(self, completion: str) -> List[int]:
        return self.tokenizer.encode(completion)

    def completion_token_count(self, completion: str) -> int:
        return len(self.completion_ids(completion))

    # -- batching --------------------------------------------------------------------------------
    def _pad(self, seqs: Sequence[List[int]]) -> Tuple[torch.Tensor, torch.Tensor]:
        """Right-padded ids [B, T] and lengths [B]: a causal model's outputs at real positions do not
        depend on the padding, so a prompt scores the same alone or in any batch."""
        t = max(len(s) for s in seqs)
        ids = torch.full((len(seqs), t), self.tokenizer.pad, dtype=torch.long)
        for i, s in enumerate(seqs):
            ids[i, : len(s)] = torch.tensor(s, dtype=torch.long)
        return ids, torch.tensor([len(s) for s in seqs])

    # -- log-probs for the learner ---------------------------------------------------------------
    def sequence_logprobs(self, prompts: Sequence[Messages], completions: Sequence[str]):
        """[B, 3] log-probs and mask of each reply under the grammar: only the sampled number is trained
        on; a reply that does not follow the grammar (cut short, say) has nothing trained on."""
        seqs, picks = [], []
        answer_index = {int(t): k for k, t in enumerate(self.answers.tolist())}
        for messages, completion in zip(prompts, completions):
            reply = self.completion_ids(completion)[:3]
            prompt, _ = self.encode_prompt(messages)
            seqs.append(prompt + [self.box])
            ok = len(reply) >= 2 and reply[0] == self.box and reply[1] in answer_index
            picks.append(answer_index[reply[1]] if ok else -1)
        ids, lengths = self._pad(seqs)
        logits = self.model(ids, lengths)[:, self.answers]
        logp_answers = torch.log_softmax(logits, dim=-1)
        pick = torch.tensor(picks)
        chosen = logp_answers.gather(1, pick.clamp(min=0)[:, None])[:, 0]
        valid = (pick >= 0).float()
        logp = torch.zeros(len(seqs), 3)
        logp = logp.index_copy(1, torch.tensor([1]), (chosen * valid)[:, None])
        mask = torch.zeros(len(seqs), 3)
        mask[:, 1] = valid
        return logp, mask

    # -- generation ------------------------------------------------------------------------------
    @torch.no_grad()
    def generate(self, requests: Sequence[GenerateRequest]) -> List[GenerateResult]:
        encoded = [self.encode_prompt(r.messages) for r in requests]
        seqs = [p + [self.box] for p, _ in encoded]
        ids, lengths = self._pad(seqs)
        logits = self.model(ids, lengths)[:, self.answers]
        logp_all = torch.log_softmax(logits, dim=-1)
        results: List[GenerateResult] = []
        for i, r in enumerate(requests):
            cap = r.max_tokens if r.max_tokens is not None else 3
            temperature = r.temperature if r.temperature is not None else 1.0
            if temperature <= 0:
                k = int(torch.argmax(logp_all[i]))
            else:
                gen = torch.Generator().manual_seed(r.seed) if r.seed is not None else None
                probs = torch.softmax(logp_all[i] / temperature, dim=-1)
                k = int(torch.multinomial(probs, 1, generator=gen))
            number = str(k)
            top: List[Tuple[str, float]] = []
            if r.top_logprobs > 0:
                values, idx = logp_all[i].topk(min(r.top_logprobs, len(self.answers)))
                top = [(str(int(j)), float(v)) for v, j in zip(values, idx)]
            tokens = [
                TokenLogprob(BOX, 0.0, [(BOX, 0.0)] if r.top_logprobs > 0 else []),
                TokenLogprob(number, float(logp_all[i, k]), top),
                TokenLogprob(CLOSE, 0.0, [(CLOSE, 0.0)] if r.top_logprobs > 0 else []),
            ]
            finish = "stop"
            if cap < len(tokens):
                tokens = tokens[: max(cap, 1)]
                finish = "length"
            prompt_ids, cut = encoded[i]
            results.append(
                GenerateResult(
                    text="".join(t.token for t in tokens),
                    tokens=tokens,
                    finish_reason=finish,
                    prompt_tokens=len(prompt_ids),
                    prompt_tokens_cut=cut,
                )
            )
        return results
