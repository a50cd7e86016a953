"""Policy backends: `tiny` (plain PyTorch, from a config) and `hf` (transformers, imported only when chosen)."""

from __future__ import annotations

import json
from typing import Optional

from ..errors import StartError
from .base import Policy

BACKENDS = ("tiny", "hf")


def create_policy(backend: str, model: Optional[str] = None, tiny_config: Optional[str] = None, **hf_options) -> Policy:
    if backend == "tiny":
        from .tiny import TinyConfig, TinyPolicy

        config = TinyConfig()
        if tiny_config:
            try:
                with open(tiny_config, encoding="utf-8") as f:
                    fields = json.load(f)
                config = TinyConfig(**fields)
            except (OSError, ValueError, TypeError) as e:
                raise StartError(f"--tiny-config {tiny_config}: {e}; pass a JSON object of TinyConfig fields") from e
        if model:
            config.name = model
        return TinyPolicy(config)
    if backend == "hf":
        if not model:
            raise StartError("--backend hf needs --model NAME_OR_PATH (a Hugging Face model id or folder)")
        from .hf import HfPolicy

        return HfPolicy(model, **hf_options)
    raise StartError(f"--backend {backend!r} is not a backend; use one of {', '.join(BACKENDS)}")
