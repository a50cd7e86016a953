"""The trainer service: ingest (validate, deduplicate, write ahead), the learner thread, checkpoints, status.

A POST is answered only after its batch is in the ledger (fsync'd); it then waits up to `ack_wait_s`
for the update that trains on it, so the reply's policyVersion is the one the next rollouts should
be generated with. On start the newest checkpoint is loaded and the ledger entries it does not cover
are queued again: acknowledged samples are never lost and never applied twice.
"""

from __future__ import annotations

import json
import logging
import os
import threading
import time
from collections import deque
from dataclasses import dataclass
from typing import Deque, Dict, List, Optional, Tuple


from . import checkpoint
from .backends.base import Policy
from .errors import IngestError
from .learner import BehaviourCache, Learner, LearnerOptions, regroup
from .ledger import Ledger
from .schema import SchemaViolation, batch_validator

log = logging.getLogger("lanpo_trainer")


@dataclass
class ServiceOptions:
    state_dir: str
    # How long a POST /v1/batches waits for the update that trains on its batch, in seconds.
    ack_wait_s: float = 120.0
    # Write a checkpoint after every this many updates.
    checkpoint_every: int = 1


def parse_json(body: bytes):
    try:
        return json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as e:
        raise IngestError(400, "schema_invalid", f"the body is not JSON: {e}; send a JSON object") from e


class TrainerService:
    def __init__(self, policy: Policy, learner_options: LearnerOptions, options: ServiceOptions) -> None:
        self.policy = policy
        self.options = options
        checkpoint.check_identity(options.state_dir, policy.backend, policy.name, policy.config_digest())
        self.model_lock = threading.RLock()
        self.cache = BehaviourCache()
        self.learner = Learner(policy, learner_options, self.cache)
        self.ledger = Ledger(os.path.join(options.state_dir, "ledger.jsonl"))
        self.version = 0
        self.updates = 0
        self.trained_seq = 0
        self.served_model: Optional[str] = None
        self.last_stats: Dict[str, float] = {}
        self.last_error: Optional[str] = None
        latest = checkpoint.load_latest(options.state_dir)
        if latest is not None:
            meta, policy_state, optimizer_state, folder = latest
            try:
                policy.load_state_dict(policy_state)
            except (RuntimeError, KeyError) as e:
                raise checkpoint.StartError(f"checkpoint {folder} does not fit this model ({e}); pass a new --state") from e
            if optimizer_state is not None and self.learner.optimizer is not None:
                self.learner.optimizer.load_state_dict(optimizer_state)
                for group in self.learner.optimizer.param_groups:
                    group["lr"] = learner_options.lr
            self.version = int(meta["version"])
            self.updates = int(meta.get("updates", self.version))
            self.trained_seq = int(meta.get("ledgerSeq", 0))
            self.served_model = meta.get("servedModel")
        self.queue: Deque[Tuple[int, List[dict]]] = deque()
        for entry in self.ledger.entries_after(self.trained_seq):
            self.queue.append((entry.seq, entry.accepted))
        self.ingest_lock = threading.Lock()
        self.cv = threading.Condition()
        self.closed = False
        self.thread = threading.Thread(target=self._learn_loop, name="lanpo-learner", daemon=True)
        self.thread.start()

    # -- ingest ----------------------------------------------------------------------------------
    def ingest(self, body: bytes) -> dict:
        batch = parse_json(body)
        try:
            batch_validator().validate(batch)
        except SchemaViolation as e:
            raise IngestError(400, "schema_invalid", f"{e.path} {e.message}; see packages/ray/schema/ingest-batch.schema.json", e.path) from e
        samples = batch["samples"]
        ids = [s["rolloutId"] for s in samples]
        seen = set()
        for i, rid in enumerate(ids):
            if rid in seen:
                raise IngestError(400, "schema_invalid", f"rollout id {rid!r} appears twice in this batch", f"$.samples[{i}].rolloutId")
            seen.add(rid)
        for group_id, group in regroup(samples).items():
            sizes = {s["groupSize"] for s in group}
            if len(sizes) > 1:
                raise IngestError(422, "group_incomplete", f"samples of group {group_id!r} disagree on groupSize ({sorted(sizes)})")
            size = sizes.pop()
            if len(group) != size:
                raise IngestError(
                    422,
                    "group_incomplete",
                    f"group {group_id!r} has {len(group)} sample(s) but groupSize {size}; send each group whole in one batch",
                )
        with self.ingest_lock:
            known = self.ledger.known_batch(batch["batchId"])
            if known is not None:
                if sorted(known) != sorted(ids):
                    raise IngestError(
                        409,
                        "batch_conflict",
                        f"batch id {batch['batchId']!r} was applied before with other rollout ids; a batch id must name one set of samples",
                    )
                return self._reply(0, True)
            new = [s for s in samples if s["rolloutId"] not in self.ledger.rollouts]
            entry = self.ledger.append(batch["batchId"], batch["runId"], batch["step"], ids, new)
            with self.cv:
                self.queue.append((entry.seq, new))
                self.cv.notify_all()
        deadline = time.monotonic() + self.options.ack_wait_s
        with self.cv:
            while self.trained_seq < entry.seq and not self.closed:
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                self.cv.wait(left)
        return self._reply(len(new), False)

    def _reply(self, accepted: int, duplicate: bool) -> dict:
        reply = {"accepted": accepted, "duplicate": duplicate, "policyVersion": str(self.version)}
        if self.served_model:
            reply["servedModel"] = self.served_model
        return reply

    def status(self) -> dict:
        with self.cv:
            queued = sum(len(s) for _, s in self.queue)
        out = {
            "policyVersion": str(self.version),
            "batchesApplied": len(self.ledger.batches),
            "samplesApplied": self.ledger.samples_applied,
            "queuedSamples": queued,
            "updates": self.updates,
            "backend": self.policy.backend,
            "model": self.policy.name,
            "lr": self.learner.options.lr,
            "condition": self.learner.options.condition,
            "lastUpdate": self.last_stats,
        }
        if self.served_model:
            out["servedModel"] = self.served_model
        if self.last_error:
            out["lastError"] = self.last_error
        return out

    # -- learner ---------------------------------------------------------------------------------
    def _learn_loop(self) -> None:
        while True:
            with self.cv:
                while not self.queue and not self.closed:
                    self.cv.wait()
                if self.closed:
                    return
                taken = list(self.queue)
                self.queue.clear()
            last_seq = taken[-1][0]
            samples = [s for _, group in taken for s in group]
            try:
                self._update(samples, last_seq)
                self.last_error = None
            except Exception as e:  # keep serving; the error shows in /v1/status and the log
                log.exception("update failed")
                self.last_error = f"{type(e).__name__}: {e}"
            with self.cv:
                self.trained_seq = max(self.trained_seq, last_seq)
                self.cv.notify_all()

    def _update(self, samples: List[dict], last_seq: int) -> None:
        if not samples or self.learner.optimizer is None:
            return
        with self.model_lock:
            self.last_stats = self.learner.update(samples)
            self.updates += 1
            self.version += 1
            snapshot = {k: v.detach().clone() for k, v in self.policy.state_dict().items()}
            optimizer_state = self.learner.optimizer.state_dict()
        if self.updates % self.options.checkpoint_every == 0:
            meta = {"updates": self.updates, "ledgerSeq": last_seq, "backend": self.policy.backend, "model": self.policy.name}
            folder = checkpoint.save(self.options.state_dir, self.version, snapshot, optimizer_state, {**meta, "servedModel": self.served_model})
            served = self.policy.publish(self.version, folder)
            if served:
                self.served_model = served
                checkpoint.save(self.options.state_dir, self.version, snapshot, optimizer_state, {**meta, "servedModel": served})
        log.info("update %d: %s", self.updates, json.dumps(self.last_stats))

    def close(self) -> None:
        with self.cv:
            self.closed = True
            self.cv.notify_all()
        self.thread.join(timeout=10)
        self.ledger.close()
