"""The state folder: identity, atomic checkpoints and resume.

Layout of `--state DIR`:
  state.json             which backend, model name and model-config digest the folder belongs to
  ledger.jsonl           the durable ledger of applied batches (see ledger.py)
  checkpoints/vNNNNNN/   policy.pt, optimizer.pt, meta.json of the policy after update N
  CURRENT                the name of the newest complete checkpoint
A checkpoint is written into a temporary folder, fsync'd, renamed into place, and only then named in
CURRENT (itself replaced atomically), so a receiver killed at any moment resumes from a complete one.
"""

from __future__ import annotations

import json
import os
import shutil
from typing import Optional

import torch

from .errors import StartError

FORMAT = 1
KEEP = 2


def _fsync_dir(path: str) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _write_json(path: str, data: dict) -> None:
    tmp = f"{path}.tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(data, f, indent=2, sort_keys=True)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)
    _fsync_dir(os.path.dirname(os.path.abspath(path)))


def torch_load(path: str):
    # PyTorch 2 loads tensors-only files with weights_only; 1.13's version of it cannot read optimizer
    # state, and the files are this folder's own.
    if int(torch.__version__.split(".")[0]) >= 2:
        return torch.load(path, map_location="cpu", weights_only=True)
    return torch.load(path, map_location="cpu")


def check_identity(state_dir: str, backend: str, model: str, digest: str) -> None:
    """Refuses a state folder written for another backend, model or model config; claims a new one."""
    os.makedirs(state_dir, exist_ok=True)
    path = os.path.join(state_dir, "state.json")
    wanted = {"format": FORMAT, "backend": backend, "model": model, "configDigest": digest}
    if not os.path.exists(path):
        _write_json(path, wanted)
        return
    try:
        with open(path, encoding="utf-8") as f:
            found = json.load(f)
    except ValueError as e:
        raise StartError(f"{path} is not valid JSON ({e}); pass another --state folder") from e
    for key in ("format", "backend", "model", "configDigest"):
        if found.get(key) != wanted[key]:
            raise StartError(
                f"{path} belongs to {key} {found.get(key)!r}, but this start asks for {wanted[key]!r} "
                f"(--backend/--model/model config); pass --state with a new folder, or the flags it was made with"
            )


def save(state_dir: str, version: int, policy_state: dict, optimizer_state: Optional[dict], meta: dict) -> str:
    root = os.path.join(state_dir, "checkpoints")
    os.makedirs(root, exist_ok=True)
    name = f"v{version:06d}"
    final = os.path.join(root, name)
    tmp = os.path.join(root, f".tmp-{name}-{os.getpid()}")
    shutil.rmtree(tmp, ignore_errors=True)
    os.makedirs(tmp)
    for filename, obj in (("policy.pt", policy_state), ("optimizer.pt", optimizer_state)):
        if obj is None:
            continue
        path = os.path.join(tmp, filename)
        with open(path, "wb") as f:
            torch.save(obj, f)
            f.flush()
            os.fsync(f.fileno())
    with open(os.path.join(tmp, "meta.json"), "w", encoding="utf-8") as f:
        json.dump({**meta, "version": version}, f, indent=2, sort_keys=True)
        f.flush()
        os.fsync(f.fileno())
    _fsync_dir(tmp)
    shutil.rmtree(final, ignore_errors=True)
    os.rename(tmp, final)
    _fsync_dir(root)
    current = os.path.join(state_dir, "CURRENT")
    tmp_current = f"{current}.tmp"
    with open(tmp_current, "w", encoding="utf-8") as f:
        f.write(name)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp_current, current)
    _fsync_dir(state_dir)
    for old in sorted(n for n in os.listdir(root) if n.startswith("v"))[:-KEEP]:
        shutil.rmtree(os.path.join(root, old), ignore_errors=True)
    return final


def load_latest(state_dir: str):
    """(meta, policy_state, optimizer_state) of the newest checkpoint, or None when there is none."""
    current = os.path.join(state_dir, "CURRENT")
    if not os.path.exists(current):
        return None
    with open(current, encoding="utf-8") as f:
        name = f.read().strip()
    folder = os.path.join(state_dir, "checkpoints", name)
    try:
        with open(os.path.join(folder, "meta.json"), encoding="utf-8") as f:
            meta = json.load(f)
        policy_state = torch_load(os.path.join(folder, "policy.pt"))
    except Exception as e:  # unreadable, truncated, not a checkpoint: refuse at start, naming it
        raise StartError(f"checkpoint {folder} named in {current} cannot be read ({e}); restore it or pass a new --state") from e
    opt_path = os.path.join(folder, "optimizer.pt")
    optimizer_state = torch_load(opt_path) if os.path.exists(opt_path) else None
    return meta, policy_state, optimizer_state, folder
