"""A local web server for the source tests: a Founder-style e-paper site and feeds, on 127.0.0.1.

Pages are written here (invented articles in the real layout); the server answers GETs from a
dict of resources, honours If-None-Match, can redirect, stream a 50 MB body, or answer 500 a few
times, and records each request (path, User-Agent, conditional headers) for the tests to read.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Resource:
    body: bytes = b""
    content_type: str = "text/html"
    status: int = 200
    location: str = ""
    etag: str = ""
    huge: int = 0  # stream this many bytes of filler instead of `body`, without Content-Length
    fail_first: int = 0  # answer 500 to this many requests before the real answer
    drip: float = 0  # send `body` 100 bytes at a time, this many seconds apart


@dataclass
class Site:
    resources: dict[str, Resource] = field(default_factory=dict)
    requests: list[dict[str, str]] = field(default_factory=list)
    port: int = 0
    sent_bytes: int = 0  # body bytes written, for benchmarks/fetch.py

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def url(self, path: str) -> str:
        return f"{self.base}/{path.lstrip('/')}"

    def add(self, path: str, body: bytes | str, content_type: str = "text/html; charset=utf-8", **kw: object) -> None:
        data = body.encode("utf-8") if isinstance(body, str) else body
        self.resources["/" + path.lstrip("/")] = Resource(data, content_type, **kw)  # type: ignore[arg-type]

    def hits(self, path: str) -> int:
        return sum(r["path"] == "/" + path.lstrip("/") for r in self.requests)


class _Handler(BaseHTTPRequestHandler):
    site: Site

    def log_message(self, *_args: object) -> None:  # quiet
        pass

    def do_GET(self) -> None:
        site = self.site
        site.requests.append({"path": self.path, "user-agent": self.headers.get("User-Agent", ""),
                              "if-none-match": self.headers.get("If-None-Match", "")})
        res = site.resources.get(self.path)
        if res is None:
            self.send_error(404)
            return
        if res.fail_first > 0:
            res.fail_first -= 1
            self.send_error(500)
            return
        if res.location:
            self.send_response(res.status or 302)
            self.send_header("Location", res.location)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        if res.etag and self.headers.get("If-None-Match") == res.etag:
            self.send_response(304)
            self.send_header("ETag", res.etag)
            self.end_headers()
            return
        self.send_response(res.status)
        self.send_header("Content-Type", res.content_type)
        if res.etag:
            self.send_header("ETag", res.etag)
        if res.huge:
            self.end_headers()
            chunk = b"<p>" + "填充".encode() * 10_000 + b"</p>\n"
            sent = 0
            try:
                while sent < res.huge:
                    self.wfile.write(chunk)
                    sent += len(chunk)
                    site.sent_bytes += len(chunk)
            except (BrokenPipeError, ConnectionResetError):
                pass
            return
        self.send_header("Content-Length", str(len(res.body)))
        self.end_headers()
        if res.drip:
            try:
                for i in range(0, len(res.body), 100):
                    self.wfile.write(res.body[i:i + 100])
                    self.wfile.flush()
                    time.sleep(res.drip)
            except (BrokenPipeError, ConnectionResetError):
                pass
            return
        self.wfile.write(res.body)
        site.sent_bytes += len(res.body)


@contextmanager
def serve(site: Site) -> Iterator[Site]:
    """Serve `site` on 127.0.0.1 at a free port for the duration of the block."""
    handler = type("Handler", (_Handler,), {"site": site})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    site.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield site
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
