"""The routes of the one process, one port: framework-neutral, so the standard-library server and the
Ray Serve deployment call the same `handle`."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from typing import Dict, Iterator, Optional, Union

from .batcher import GenerationBatcher
from .chat import ChatHandler
from .errors import IngestError
from .service import TrainerService, parse_json

log = logging.getLogger("lanpo_trainer")

DEFAULT_MAX_BODY_BYTES = 64 * 1024 * 1024


@dataclass
class Response:
    status: int
    body: Union[bytes, Iterator[bytes]]
    headers: Dict[str, str] = field(default_factory=dict)

    @staticmethod
    def json(status: int, data) -> "Response":
        return Response(status, json.dumps(data, allow_nan=False).encode(), {"content-type": "application/json"})


class App:
    def __init__(self, service: TrainerService, max_body_bytes: int = DEFAULT_MAX_BODY_BYTES) -> None:
        self.service = service
        self.max_body_bytes = max_body_bytes
        self.batcher = GenerationBatcher(service.policy, service.model_lock)
        self.chat = ChatHandler(self.model_names, self.batcher, service.cache)

    def model_names(self):
        names = [self.service.policy.name]
        if self.service.served_model and self.service.served_model not in names:
            names.append(self.service.served_model)
        return names

    def too_large(self, length: Optional[int]) -> Optional[Response]:
        if length is not None and length > self.max_body_bytes:
            return Response.json(
                413,
                IngestError(413, "too_large", f"the body is {length} bytes, over the limit of {self.max_body_bytes}; send smaller batches or raise --max-body-bytes").to_json(),
            )
        return None

    def handle(self, method: str, path: str, body: bytes = b"") -> Response:
        path = path.split("?", 1)[0].rstrip("/") or "/"
        try:
            if method == "GET" and path in ("/v1/models", "/models"):
                return Response.json(200, self.chat.models())
            if method == "GET" and path == "/v1/status":
                return Response.json(200, self.service.status())
            if method == "GET" and path in ("/health", "/"):
                return Response.json(200, {"ok": True})
            if method == "POST" and path in ("/v1/chat/completions", "/chat/completions"):
                request = parse_json(body)
                if isinstance(request, dict) and request.get("stream"):
                    return Response(200, self.chat.stream(request), {"content-type": "text/event-stream", "cache-control": "no-cache"})
                return Response.json(200, self.chat.complete(request))
            if method == "POST" and path == "/v1/batches":
                return Response.json(200, self.service.ingest(body))
            raise IngestError(404, "not_found", f"no route {method} {path}; routes: GET /v1/models, GET /v1/status, POST /v1/chat/completions, POST /v1/batches")
        except IngestError as e:
            return Response.json(e.status, e.to_json())
        except Exception as e:
            log.exception("internal error on %s %s", method, path)
            return Response.json(500, {"error": {"code": "internal", "message": f"{type(e).__name__}: {e}; see the server log"}})
