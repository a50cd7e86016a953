"""The durable ledger of applied batches: an append-only JSON-lines file, written ahead and fsync'd.

A batch is "applied" once its line is on disk: the reply is sent only after that, and a restarted
receiver rebuilds its batch-id and rollout-id indexes from the file, so it still refuses a batch it
applied. Each line holds the batch's new samples too, so samples that were acknowledged but not yet
trained on when the receiver died are trained on after restart (the checkpoint records the last
sequence number it covers). A torn last line (a crash in mid-write) is cut off at load.
"""

from __future__ import annotations

import json
import os
import threading
from dataclasses import dataclass, field
from typing import Dict, Iterator, List, Optional, Set


@dataclass
class LedgerEntry:
    seq: int
    batch_id: str
    run_id: str
    step: int
    rollout_ids: List[str]
    accepted: List[dict] = field(default_factory=list)

    def to_json(self) -> dict:
        return {
            "seq": self.seq,
            "batchId": self.batch_id,
            "runId": self.run_id,
            "step": self.step,
            "rolloutIds": self.rollout_ids,
            "accepted": self.accepted,
        }


class Ledger:
    """Append-only ledger at `path`. Not thread-safe for writers on its own: the ingest holds a lock."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.batches: Dict[str, List[str]] = {}
        self.rollouts: Set[str] = set()
        self.samples_applied = 0
        self.last_seq = 0
        self._lock = threading.Lock()
        os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
        self._load()
        self._file = open(path, "ab")

    def _load(self) -> None:
        if not os.path.exists(self.path):
            return
        good = 0
        with open(self.path, "rb") as f:
            data = f.read()
        offset = 0
        for raw in data.splitlines(keepends=True):
            offset += len(raw)
            if not raw.endswith(b"\n"):
                break
            try:
                entry = json.loads(raw)
            except ValueError:
                break
            self._index(entry["batchId"], entry["rolloutIds"], len(entry["accepted"]), entry["seq"])
            good = offset
        if good < len(data):
            with open(self.path, "r+b") as f:
                f.truncate(good)
                f.flush()
                os.fsync(f.fileno())

    def _index(self, batch_id: str, rollout_ids: List[str], accepted: int, seq: int) -> None:
        self.batches[batch_id] = rollout_ids
        self.rollouts.update(rollout_ids)
        self.samples_applied += accepted
        self.last_seq = max(self.last_seq, seq)

    def append(self, batch_id: str, run_id: str, step: int, rollout_ids: List[str], accepted: List[dict]) -> LedgerEntry:
        """Writes one batch and fsyncs before returning: after this the batch counts as applied."""
        with self._lock:
            entry = LedgerEntry(self.last_seq + 1, batch_id, run_id, step, rollout_ids, accepted)
            line = json.dumps(entry.to_json(), separators=(",", ":"), allow_nan=False).encode() + b"\n"
            self._file.write(line)
            self._file.flush()
            os.fsync(self._file.fileno())
            self._index(batch_id, rollout_ids, len(accepted), entry.seq)
            return entry

    def entries_after(self, seq: int) -> Iterator[LedgerEntry]:
        """Entries with a sequence number above `seq`, in order (read back from disk)."""
        with open(self.path, "rb") as f:
            for raw in f:
                entry = json.loads(raw)
                if entry["seq"] > seq:
                    yield LedgerEntry(
                        entry["seq"], entry["batchId"], entry["runId"], entry["step"], entry["rolloutIds"], entry["accepted"]
                    )

    def known_batch(self, batch_id: str) -> Optional[List[str]]:
        return self.batches.get(batch_id)

    def close(self) -> None:
        self._file.close()
