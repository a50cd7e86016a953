"""Collects concurrent generation requests into one batched forward pass of the policy."""

from __future__ import annotations

import queue
import threading
from typing import List, Sequence

from .backends.base import GenerateRequest, GenerateResult, Policy


class _Pending:
    __slots__ = ("request", "event", "result", "error")

    def __init__(self, request: GenerateRequest) -> None:
        self.request = request
        self.event = threading.Event()
        self.result = None
        self.error = None


class GenerationBatcher:
    def __init__(self, policy: Policy, lock: threading.RLock, max_batch: int = 64, wait_s: float = 0.003) -> None:
        self.policy = policy
        self.lock = lock
        self.max_batch = max_batch
        self.wait_s = wait_s
        self.queue: "queue.Queue[_Pending]" = queue.Queue()
        self.thread = threading.Thread(target=self._loop, name="lanpo-generate", daemon=True)
        self.thread.start()

    def generate(self, requests: Sequence[GenerateRequest]) -> List[GenerateResult]:
        pending = [_Pending(r) for r in requests]
        for p in pending:
            self.queue.put(p)
        out = []
        for p in pending:
            p.event.wait()
            if p.error is not None:
                raise p.error
            out.append(p.result)
        return out

    def _loop(self) -> None:
        while True:
            first = self.queue.get()
            batch = [first]
            try:
                while len(batch) < self.max_batch:
                    batch.append(self.queue.get(timeout=self.wait_s))
            except queue.Empty:
                pass
            try:
                with self.lock:
                    results = self.policy.generate([p.request for p in batch])
                for p, r in zip(batch, results):
                    p.result = r
            except Exception as e:  # answered to every waiting request
                for p in batch:
                    p.error = e
            for p in batch:
                p.event.set()
