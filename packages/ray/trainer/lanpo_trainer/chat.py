"""OpenAI-compatible chat completions and model list over the policy (non-streaming and SSE)."""

from __future__ import annotations

import json
import time
import uuid
from typing import Iterator, List, Optional

from .backends.base import GenerateRequest, GenerateResult
from .batcher import GenerationBatcher
from .errors import IngestError
from .learner import BehaviourCache


def _text(content) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(p.get("text", "") for p in content if isinstance(p, dict))
    if content is None:
        return ""
    raise IngestError(400, "invalid_request", "message content must be a string or a list of text parts", "$.messages")


def _number(body: dict, name: str, default, kind=float, low=None, high=None):
    value = body.get(name, default)
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, (int, float)) or (kind is int and int(value) != value):
        raise IngestError(400, "invalid_request", f"{name} must be a {'whole ' if kind is int else ''}number", f"$.{name}")
    if (low is not None and value < low) or (high is not None and value > high):
        raise IngestError(400, "invalid_request", f"{name} must be between {low} and {high}", f"$.{name}")
    return kind(value)


def _token_json(t, with_top: bool) -> dict:
    item = {"token": t.token, "logprob": t.logprob, "bytes": list(t.token.encode("utf-8"))}
    item["top_logprobs"] = (
        [{"token": s, "logprob": lp, "bytes": list(s.encode("utf-8"))} for s, lp in t.top] if with_top else []
    )
    return item


class ChatHandler:
    def __init__(self, model_names, batcher: GenerationBatcher, cache: BehaviourCache) -> None:
        self.model_names = model_names  # a callable returning the names currently served
        self.batcher = batcher
        self.cache = cache

    def models(self) -> dict:
        now = int(time.time())
        return {"object": "list", "data": [{"id": n, "object": "model", "created": now, "owned_by": "lanpo"} for n in self.model_names()]}

    def parse(self, body: dict):
        if not isinstance(body, dict):
            raise IngestError(400, "invalid_request", "the body must be a JSON object")
        names = self.model_names()
        model = body.get("model") or names[0]
        if model not in names:
            raise IngestError(404, "model_not_found", f"model {model!r} is not served here; GET /v1/models lists {names}", "$.model")
        messages = body.get("messages")
        if not isinstance(messages, list) or not messages:
            raise IngestError(400, "invalid_request", "messages must be a non-empty list of {role, content}", "$.messages")
        clean = []
        for i, m in enumerate(messages):
            if not isinstance(m, dict) or not isinstance(m.get("role"), str):
                raise IngestError(400, "invalid_request", "each message needs a role and content", f"$.messages[{i}]")
            clean.append({"role": m["role"], "content": _text(m.get("content"))})
        max_tokens = body.get("max_completion_tokens", body.get("max_tokens"))
        request = GenerateRequest(
            messages=clean,
            temperature=_number(body, "temperature", 1.0, float, 0, 2),
            max_tokens=None if max_tokens is None else _number({"max_tokens": max_tokens}, "max_tokens", None, int, 1, None),
            top_logprobs=_number(body, "top_logprobs", 0, int, 0, 20) if body.get("logprobs") else 0,
            seed=_number(body, "seed", None, int) if body.get("seed") is not None else None,
        )
        n = _number(body, "n", 1, int, 1, 16)
        return model, request, n, bool(body.get("logprobs")), bool(body.get("stream"))

    def _run(self, request: GenerateRequest, n: int) -> List[GenerateResult]:
        results = self.batcher.generate([request] * n)
        for r in results:
            self.cache.put(request.messages, r.text, [t.logprob for t in r.tokens])
        return results

    @staticmethod
    def _usage(results: List[GenerateResult]) -> dict:
        prompt = results[0].prompt_tokens
        completion = sum(len(r.tokens) for r in results)
        return {
            "prompt_tokens": prompt,
            "completion_tokens": completion,
            "total_tokens": prompt + completion,
            # Tokens of the prompt the tiny context left out (0 when it fitted).
            "prompt_tokens_cut": results[0].prompt_tokens_cut,
        }

    def complete(self, body: dict) -> dict:
        model, request, n, logprobs, _ = self.parse(body)
        results = self._run(request, n)
        choices = []
        for i, r in enumerate(results):
            choices.append(
                {
                    "index": i,
                    "message": {"role": "assistant", "content": r.text},
                    "logprobs": {"content": [_token_json(t, request.top_logprobs > 0) for t in r.tokens]} if logprobs else None,
                    "finish_reason": r.finish_reason,
                }
            )
        return {
            "id": f"chatcmpl-{uuid.uuid4().hex}",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": model,
            "choices": choices,
            "usage": self._usage(results),
        }

    def stream(self, body: dict) -> Iterator[bytes]:
        """SSE events of one completion; the parse (and its errors) happens before the first event."""
        model, request, n, logprobs, _ = self.parse(body)
        include_usage = bool((body.get("stream_options") or {}).get("include_usage"))
        results = self._run(request, n)
        cid = f"chatcmpl-{uuid.uuid4().hex}"
        created = int(time.time())

        def event(choices, usage: Optional[dict] = None) -> bytes:
            chunk = {"id": cid, "object": "chat.completion.chunk", "created": created, "model": model, "choices": choices}
            if usage is not None:
                chunk["usage"] = usage
            return b"data: " + json.dumps(chunk).encode() + b"\n\n"

        def events() -> Iterator[bytes]:
            for i, r in enumerate(results):
                yield event([{"index": i, "delta": {"role": "assistant", "content": ""}, "logprobs": None, "finish_reason": None}])
                for t in r.tokens:
                    lp = {"content": [_token_json(t, request.top_logprobs > 0)]} if logprobs else None
                    yield event([{"index": i, "delta": {"content": t.token}, "logprobs": lp, "finish_reason": None}])
                yield event([{"index": i, "delta": {}, "logprobs": None, "finish_reason": r.finish_reason}])
            if include_usage:
                yield event([], self._usage(results))
            yield b"data: [DONE]\n\n"

        return events()
