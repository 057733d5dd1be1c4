"""A polite HTTP client for one source: the only way paperdigest reads the web.

Polite: one connection per host, `delay` seconds between two requests to a host, a User-Agent
naming paperdigest, timeouts, retries with back-off on 5xx and network errors only, and
conditional requests (ETag / If-Modified-Since) whose validators and body are kept in SQLite
for `cache_days`, so a re-fetch of a day that has not changed costs the site a 304 per page.
Robust: a response is read in chunks and refused past `max_bytes`; redirects are followed by
hand, at most `max_redirects`, never in a loop and never to another host; every failure is a
FetchError whose message names the URL and the reason in one line.
"""

from __future__ import annotations

import codecs
import logging
import re
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import urljoin, urlsplit

import httpx
import sqlite_utils

from digest.sources.config import Politeness

log = logging.getLogger(__name__)

CACHE_TABLE = "http_cache"
TOTAL_TIMEOUTS = 3  # a whole response may take this many `timeout`s
_RETRY_STATUS = frozenset({500, 502, 503, 504, 429})
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_\-]+)""", re.IGNORECASE)
_HEADER_CHARSET = re.compile(r"charset\s*=\s*[\"']?([A-Za-z0-9_\-]+)", re.IGNORECASE)
# GB2312 and GBK are subsets of GB18030: decoding as the superset reads what sites mislabel.
_CODEC_ALIASES = {"gb2312": "gb18030", "gbk": "gb18030", "x-gbk": "gb18030", "gb_2312-80": "gb18030",
                  "utf8": "utf-8"}


class FetchError(Exception):
    """A URL that could not be fetched; str() is `URL: reason`."""

    def __init__(self, url: str, reason: str) -> None:
        super().__init__(f"{url}: {reason}")
        self.url = url
        self.reason = reason


@dataclass(frozen=True)
class Response:
    url: str
    content: bytes
    content_type: str
    not_modified: bool = False  # a 304: content is the cached body

    @property
    def header_charset(self) -> str:
        match = _HEADER_CHARSET.search(self.content_type)
        return match.group(1) if match else ""


def ensure_cache_table(db: sqlite_utils.Database) -> None:
    """The cache of validators and bodies; created here, not in store.py, so the two stay apart."""
    db[CACHE_TABLE].create(  # type: ignore[union-attr]
        {"url": str, "etag": str, "last_modified": str, "content_type": str, "body": bytes, "fetched_at": str},
        pk="url", if_not_exists=True,
    )


class Fetcher:
    """GETs for one source: hosts it may visit, its politeness, a cache in `db` if given.

    `sleep` and `monotonic` are parameters so tests can see the delays without waiting them out;
    `last_request` is shared between the fetchers of one run.
    """

    def __init__(
        self,
        politeness: Politeness,
        allowed_hosts: frozenset[str] | set[str],
        *,
        db: sqlite_utils.Database | None = None,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
        monotonic: Callable[[], float] = time.monotonic,
        last_request: dict[str, float] | None = None,
    ) -> None:
        self.policy = politeness
        self.allowed_hosts = frozenset(h.lower() for h in allowed_hosts)
        self.db = db
        self.sleep = sleep
        self.monotonic = monotonic
        self.requests = 0
        # When each host was last asked; shared by the fetchers of one run (two sources on one host
        # still get the delay between them).
        self._last: dict[str, float] = {} if last_request is None else last_request
        # One client, one connection: a site sees us as one visitor fetching one page at a time.
        self.client = httpx.Client(
            headers={"User-Agent": politeness.user_agent, "Accept-Language": "zh-CN,zh;q=0.9"},
            timeout=httpx.Timeout(politeness.timeout),
            limits=httpx.Limits(max_connections=1, max_keepalive_connections=1),
            follow_redirects=False,
            transport=transport,
            trust_env=False,
        )
        if db is not None:
            ensure_cache_table(db)
            self._prune()

    def close(self) -> None:
        self.client.close()

    def __enter__(self) -> Fetcher:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def allowed(self, url: str) -> bool:
        parts = urlsplit(url)
        return parts.scheme in ("http", "https") and (parts.hostname or "").lower() in self.allowed_hosts

    def get(self, url: str, *, conditional: bool = True) -> Response:
        """GET `url`, following same-host redirects; FetchError says why it failed."""
        seen = {url}
        current = url
        for _ in range(self.policy.max_redirects + 1):
            if not self.allowed(current):
                raise FetchError(url, f"not fetched: {current} is off the source's host")
            response = self._get_with_retries(current, conditional)
            if isinstance(response, Response):
                return response
            location = urljoin(current, response)
            if location in seen:
                raise FetchError(url, f"redirect loop at {location}")
            if not self.allowed(location):
                raise FetchError(url, f"redirects off the source's host to {location}")
            seen.add(location)
            current = location
        raise FetchError(url, f"more than {self.policy.max_redirects} redirects")

    def _get_with_retries(self, url: str, conditional: bool) -> Response | str:
        """A Response, or the Location of a redirect."""
        cached = self._cached(url) if conditional else None
        for attempt in range(self.policy.retries + 1):
            try:
                return self._get_once(url, cached)
            except _Retryable as exc:
                if attempt == self.policy.retries:
                    raise FetchError(url, f"{exc} (after {attempt + 1} tries)") from exc
                wait = self.policy.backoff * 2**attempt
                log.info("%s: %s; trying again in %.1f s", url, exc, wait)
                self.sleep(wait)
        raise AssertionError("unreachable")

    def _pace(self, host: str) -> None:
        last = self._last.get(host)
        if last is not None:
            wait = self.policy.delay - (self.monotonic() - last)
            if wait > 0:
                self.sleep(wait)
        self._last[host] = self.monotonic()

    def _get_once(self, url: str, cached: _Cached | None) -> Response | str:
        headers = {}
        if cached and cached.etag:
            headers["If-None-Match"] = cached.etag
        if cached and cached.last_modified:
            headers["If-Modified-Since"] = cached.last_modified
        self._pace(urlsplit(url).hostname or "")
        self.requests += 1
        try:
            with self.client.stream("GET", url, headers=headers) as r:
                if r.status_code in (301, 302, 303, 307, 308):
                    location = r.headers.get("location")
                    if not location:
                        raise FetchError(url, f"HTTP {r.status_code} without a Location")
                    return location
                if r.status_code == 304 and cached is not None:
                    return Response(url, cached.body, cached.content_type, not_modified=True)
                if r.status_code in _RETRY_STATUS or r.status_code >= 500:
                    raise _Retryable(f"HTTP {r.status_code}")
                if r.status_code != 200:
                    raise FetchError(url, f"HTTP {r.status_code}" + (" (not published yet?)" if r.status_code == 404
                                                                     else ""))
                body = self._read_limited(url, r)
                response = Response(url, body, r.headers.get("content-type", ""))
                self._remember(url, r.headers, response)
                return response
        except httpx.TimeoutException as exc:
            raise _Retryable(f"timed out ({type(exc).__name__})") from exc
        except httpx.TransportError as exc:
            raise _Retryable(f"network error: {type(exc).__name__}: {exc}") from exc

    def _read_limited(self, url: str, r: httpx.Response) -> bytes:
        limit = self.policy.max_bytes
        declared = r.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > limit:
            raise FetchError(url, f"response of {int(declared) / 1e6:.1f} MB is over the limit of {limit / 1e6:.1f} MB")
        chunks: list[bytes] = []
        size = 0
        # `timeout` bounds each wait; a server dripping a byte at a time must not hold us for hours.
        give_up = time.monotonic() + TOTAL_TIMEOUTS * self.policy.timeout
        for chunk in r.iter_bytes():
            size += len(chunk)
            if size > limit:
                # Stop reading: the rest never crosses the wire into memory.
                raise FetchError(url, f"response over the limit of {limit / 1e6:.1f} MB (stopped reading)")
            if time.monotonic() > give_up:
                seconds = TOTAL_TIMEOUTS * self.policy.timeout
                raise FetchError(url, f"response too slow: not complete after {seconds:g} s")
            chunks.append(chunk)
        return b"".join(chunks)

    # --- the cache of validators -------------------------------------------------------------

    def _cached(self, url: str) -> _Cached | None:
        if self.db is None:
            return None
        row = self.db.execute(f"SELECT etag, last_modified, content_type, body FROM {CACHE_TABLE} WHERE url = ?",
                              [url]).fetchone()
        if row is None:
            return None
        try:
            return _Cached(row[0], row[1], row[2], zlib.decompress(row[3]))
        except zlib.error:
            return None

    def _remember(self, url: str, headers: httpx.Headers, response: Response) -> None:
        etag, modified = headers.get("etag", ""), headers.get("last-modified", "")
        if self.db is None or not (etag or modified):
            return
        with self.db.conn:
            self.db.execute(
                f"INSERT OR REPLACE INTO {CACHE_TABLE} (url, etag, last_modified, content_type, body, fetched_at)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                [url, etag, modified, response.content_type, zlib.compress(response.content),
                 datetime.now(UTC).isoformat(timespec="seconds")],
            )

    def _prune(self) -> None:
        assert self.db is not None
        cutoff = (datetime.now(UTC) - timedelta(days=self.policy.cache_days)).isoformat(timespec="seconds")
        with self.db.conn:
            self.db.execute(f"DELETE FROM {CACHE_TABLE} WHERE fetched_at < ?", [cutoff])


@dataclass(frozen=True)
class _Cached:
    etag: str
    last_modified: str
    content_type: str
    body: bytes


class _Retryable(Exception):
    """A failure worth another try: 5xx, 429, a timeout, a dropped connection."""


def decode_html(content: bytes, header_charset: str = "", override: str = "") -> tuple[str, str]:
    """Text and the encoding used: the override, else the meta tag, else the header, else detection.

    A declared charset that does not decode the bytes is not trusted: UTF-8 and then GB18030 are
    tried, and the encoding is reported as `gb18030 (declared utf-8)`. Bytes that none of them
    decode raise UnicodeError with a sentence saying so.
    """
    meta = _META_CHARSET.search(content[:4096])
    declared = override or (meta.group(1).decode("ascii") if meta else "") or header_charset
    tried: list[str] = []
    if declared:
        codec = _codec(declared)
        if codec:
            try:
                return content.decode(codec), codec
            except UnicodeDecodeError:
                tried.append(codec)
    for codec in ("utf-8", "gb18030"):
        if codec in tried:
            continue
        try:
            text = content.decode(codec)
        except UnicodeDecodeError:
            continue
        return text, f"{codec} (declared {declared})" if declared else codec
    said = f"declared {declared}, " if declared else ""
    raise UnicodeError(f"cannot decode the page ({said}neither UTF-8 nor GB18030)")


def _codec(name: str) -> str:
    name = name.strip().lower()
    name = _CODEC_ALIASES.get(name, name)
    try:
        return codecs.lookup(name).name.replace("_", "-")
    except LookupError:
        return ""
