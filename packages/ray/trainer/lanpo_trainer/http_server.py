"""The standard-library HTTP server over App (one thread per connection, HTTP/1.1 keep-alive)."""

from __future__ import annotations

import logging
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from .app import App, Response

log = logging.getLogger("lanpo_trainer")


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

        def do_GET(self):
            self._send(app.handle("GET", self.path))

        def do_POST(self):
            length = self.headers.get("content-length")
            size = int(length) if length and length.isdigit() else None
            refused = app.too_large(size)
            if refused is not None:
                self.close_connection = True
                refused.headers["connection"] = "close"
                self._send(refused)
                return
            body = self.rfile.read(size) if size else b""
            self._send(app.handle("POST", self.path, body))

    return _Server((host, port), Handler)
