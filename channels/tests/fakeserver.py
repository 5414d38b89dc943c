"""A local fake platform: http.server on 127.0.0.1 (port 0) in a thread, recording requests.

`check(request) -> str | None` returns an error message to answer with (401) — used to verify
each platform's request signature; `respond(request) -> dict` gives the JSON answer.
"""

from __future__ import annotations

import json
import threading
import urllib.parse
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Received:
    method: str
    path: str
    query: dict
    headers: dict
    body: bytes

    def json(self):
        return json.loads(self.body)

    def form(self) -> dict:
        return {k: v[0] for k, v in urllib.parse.parse_qs(self.body.decode()).items()}


@dataclass
class FakePlatform:
    check: object = None
    respond: object = None
    requests: list = field(default_factory=list)
    rejected: list = field(default_factory=list)

    def __enter__(self):
        platform = self

        class Handler(BaseHTTPRequestHandler):
            def _handle(self):
                parsed = urllib.parse.urlparse(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                req = Received(
                    method=self.command,
                    path=parsed.path,
                    query={k: v[0] for k, v in urllib.parse.parse_qs(parsed.query).items()},
                    headers=dict(self.headers.items()),
                    body=self.rfile.read(length) if length else b"",
                )
                error = platform.check(req) if platform.check else None
                if error:
                    platform.rejected.append(req)
                    status, payload = 401, {"error": "error_sign", "message": error}
                else:
                    platform.requests.append(req)
                    status, payload = 200, (platform.respond(req) if platform.respond else {})
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = _handle

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()
