"""Errors the ingest answers with: one class, carrying the HTTP status and the protocol's error code."""

from __future__ import annotations

from typing import Optional


class IngestError(Exception):
    """A refused request. `code` is the protocol's error code, `status` the HTTP status."""

    def __init__(self, status: int, code: str, message: str, path: Optional[str] = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.path = path

    def to_json(self) -> dict:
        error = {"code": self.code, "message": self.message}
        if self.path is not None:
            error["path"] = self.path
        return {"error": error}


class StartError(Exception):
    """A refusal at start (bad flag, a state folder from another model): the message names the file or flag."""
