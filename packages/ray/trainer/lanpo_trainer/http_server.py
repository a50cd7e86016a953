"""The standard-library HTTP server over App (one thread per connection, HTTP/1.1 keep-alive)."""

from __future__ import annotations

import logging
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from .app import App, Response

log = logging.getLogger("lanpo_trainer")

# A refused body up to this size is read and dropped so the client gets its 413; past it the
# connection is closed unread (reading it would hand any client a way to keep a thread busy).
DISCARD_LIMIT = 64 * 1024 * 1024


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 256
    allow_reuse_address = True


def make_server(app: App, host: str, port: int) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, fmt, *args):  # quiet: one line per request would swamp the run's log
            log.debug("%s %s", self.address_string(), fmt % args)

        def _send(self, response: Response) -> None:
            if isinstance(response.body, bytes):
                self.send_response(response.status)
                for k, v in response.headers.items():
                    self.send_header(k, v)
                self.send_header("content-length", str(len(response.body)))
                self.end_headers()
                self.wfile.write(response.body)
                return
            self.send_response(response.status)
            for k, v in response.headers.items():
                self.send_header(k, v)
            self.send_header("connection", "close")
            self.end_headers()
            self.close_connection = True
            for chunk in response.body:
                self.wfile.write(chunk)
                self.wfile.flush()

        def _discard(self, size):
            left = min(size or 0, DISCARD_LIMIT)
            while left > 0:
                chunk = self.rfile.read(min(left, 65536))
                if not chunk:
                    return
                left -= len(chunk)

        def do_GET(self):
            self._send(app.handle("GET", self.path))

        def do_POST(self):
            length = self.headers.get("content-length")
            size = int(length) if length and length.isdigit() else None
            refused = app.too_large(size)
            if refused is not None:
                # Most clients read no answer before their body is sent: closing on an unread
                # body resets the connection under them, and they see a broken pipe, not the 413.
                self._discard(size)
                self.close_connection = True
                refused.headers["connection"] = "close"
                self._send(refused)
                return
            body = self.rfile.read(size) if size else b""
            self._send(app.handle("POST", self.path, body))

    return _Server((host, port), Handler)
