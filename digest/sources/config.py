"""config/sources.toml: which e-paper sites and feeds to fetch, and how politely.

Kept apart from settings.py because sources are many and each has options of its own; the file
sits beside settings.toml (or at $PAPERDIGEST_SOURCES). A missing file means no sources.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field, fields
from datetime import date as Date
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

from digest.settings import CONFIG_DIR, ConfigError, read_toml

KINDS = ("founder", "feed")
_HHMM = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")
# Founder defaults, from public scrapers of Founder sites (人民日报, 沂蒙晚报, 菏泽日报 ...): page nodes
# `node_01.html` / `node_A1.html` / old `node_2.htm`; articles `content_123.html`; a PDF per page.
DEFAULT_ENTRY = "paper/pc/layout/{yyyy}{mm}/{dd}/node_01.html"
DEFAULT_PAGE_LINKS = r"node_[A-Za-z0-9]+\.html?$"
DEFAULT_ARTICLE_LINKS = r"content_[A-Za-z0-9_]+\.html?$"
DEFAULT_PDF_LINKS = r"\.pdf$"


@dataclass(frozen=True)
class Politeness:
    """How we treat a site: these apply to every request a fetcher makes."""

    delay: float = 1.0
    timeout: float = 20.0
    user_agent: str = "paperdigest/0.1 (daily digest of a local newspaper; polite fetcher)"
    retries: int = 3
    backoff: float = 2.0
    max_bytes: int = 10_000_000
    max_redirects: int = 5
    cache_days: int = 7


@dataclass(frozen=True)
class Source:
    """One configured source: a Founder e-paper site or a feed, stored as pages of `paper`."""

    name: str
    paper: str
    kind: str
    url: str
    entry: str = DEFAULT_ENTRY
    page_links: str = DEFAULT_PAGE_LINKS
    article_links: str = DEFAULT_ARTICLE_LINKS
    pdf_links: str = DEFAULT_PDF_LINKS
    charset: str = ""
    hosts: tuple[str, ...] = ()
    enabled: bool = True
    times: tuple[str, ...] = ("05:00", "05:30", "06:00", "06:30")
    deadline: str = "07:00"
    politeness: Politeness = field(default_factory=Politeness)

    @property
    def host(self) -> str:
        return urlsplit(self.url).hostname or ""

    @property
    def allowed_hosts(self) -> frozenset[str]:
        """The only hosts this source may fetch from: its own, and those it names."""
        return frozenset((self.host, *self.hosts))

    def entry_url(self, day: Date) -> str:
        """The issue's entry page: `url` itself if it already is a page node, else the template under it."""
        if re.search(self.page_links, urlsplit(self.url).path):
            return self.url
        return urljoin(self.url if self.url.endswith("/") else self.url + "/", expand(self.entry, day))


@dataclass(frozen=True)
class SourcesConfig:
    sources: tuple[Source, ...] = ()
    path: Path | None = None

    def get(self, name: str) -> Source:
        for source in self.sources:
            if source.name == name:
                return source
        known = "、".join(s.name for s in self.sources) or "none configured"
        raise ConfigError(f"no source named {name!r} (known: {known})")

    @property
    def enabled(self) -> tuple[Source, ...]:
        return tuple(s for s in self.sources if s.enabled)

    @property
    def papers(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(s.paper for s in self.enabled))


def expand(template: str, day: Date) -> str:
    """`{yyyy}{mm}/{dd}` and friends filled in with the issue's date."""
    values = {"yyyy": f"{day.year:04d}", "yy": f"{day.year % 100:02d}", "mm": f"{day.month:02d}",
              "dd": f"{day.day:02d}", "m": str(day.month), "d": str(day.day)}
    try:
        return template.format(**values)
    except (KeyError, IndexError, ValueError) as exc:
        raise ConfigError(f"entry template {template!r}: unknown field {exc} (use {{yyyy}} {{mm}} {{dd}})") from exc


def sources_path(settings_path: Path | str | None = None) -> Path:
    """$PAPERDIGEST_SOURCES, else sources.toml beside the settings file in use."""
    if os.environ.get("PAPERDIGEST_SOURCES"):
        return Path(os.environ["PAPERDIGEST_SOURCES"])
    settings = Path(settings_path or os.environ.get("PAPERDIGEST_CONFIG") or CONFIG_DIR / "settings.toml")
    return settings.parent / "sources.toml"


_POLITENESS = {f.name for f in fields(Politeness)}
_SOURCE = {f.name for f in fields(Source)} - {"politeness"}


def make_source(raw: dict[str, Any], defaults: dict[str, Any] | None = None, where: str = "source") -> Source:
    """A Source from a TOML table (or CLI options) over the [defaults]; ConfigError says what is wrong."""
    merged = {**(defaults or {}), **raw}
    unknown = set(merged) - _POLITENESS - _SOURCE
    if unknown:
        raise ConfigError(f"{where}: unknown keys {', '.join(sorted(unknown))}")
    for key in ("name", "kind", "url"):
        if not merged.get(key):
            raise ConfigError(f"{where}: `{key}` is required")
    if merged["kind"] not in KINDS:
        raise ConfigError(f"{where}: kind {merged['kind']!r} is not one of {', '.join(KINDS)}")
    parts = urlsplit(merged["url"])
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigError(f"{where}: url {merged['url']!r} is not an http(s) URL")
    for key in ("times", "hosts"):
        if key in merged:
            merged[key] = tuple(merged[key])
    for hhmm in (*merged.get("times", ()), merged.get("deadline", "07:00")):
        if not _HHMM.match(str(hhmm)):
            raise ConfigError(f"{where}: {hhmm!r} is not a time like 05:30")
    for key in ("page_links", "article_links", "pdf_links"):
        if key in merged:
            try:
                re.compile(merged[key])
            except re.error as exc:
                raise ConfigError(f"{where}: {key} is not a regular expression: {exc}") from exc
    merged.setdefault("paper", merged["name"])
    try:
        politeness = Politeness(**{k: v for k, v in merged.items() if k in _POLITENESS})
        source = Source(**{k: v for k, v in merged.items() if k in _SOURCE}, politeness=politeness)
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"{where}: {exc}") from exc
    if "entry" in merged:
        try:
            expand(source.entry, Date(2000, 1, 1))  # a bad template fails now, not at 05:00
        except ConfigError as exc:
            raise ConfigError(f"{where}: {exc}") from exc
    return source


def load_sources(path: Path | str | None = None) -> SourcesConfig:
    """Read sources.toml; no file, no sources. Names must be unique, and a feed has a paper of its own."""
    path = Path(path) if path else sources_path()
    if not path.exists():
        return SourcesConfig(path=path)
    raw = read_toml(path, "sources")
    defaults = raw.get("defaults", {})
    sources = tuple(make_source(table, defaults, where=f"{path}: [[sources]] #{i}")
                    for i, table in enumerate(raw.get("sources", []), start=1))
    names = [s.name for s in sources]
    if len(set(names)) != len(names):
        raise ConfigError(f"{path}: source names must be unique ({', '.join(names)})")
    founder_papers = {s.paper for s in sources if s.kind == "founder"}
    for s in sources:
        if s.kind == "feed" and s.paper in founder_papers:
            # A feed's entries become pages 1, 2, 3 ... of its paper: they would take the e-paper's page numbers.
            raise ConfigError(f"{path}: feed {s.name!r} needs a paper of its own, not {s.paper!r}")
    return SourcesConfig(sources=sources, path=path)


def adhoc_source(kind: str, url: str, *, paper: str, path: Path | str | None = None) -> Source:
    """A source given on the command line (`paperdigest fetch --kind --url`): no [[sources]] entry is
    used, but the sources file's [defaults] (politeness) still apply. Named `kind@host`."""
    path = Path(path) if path else sources_path()
    defaults = read_toml(path, "sources").get("defaults", {}) if path.exists() else {}
    host = urlsplit(url).hostname or url
    return make_source({"name": f"{kind}@{host}", "kind": kind, "url": url, "paper": paper}, defaults,
                       where=f"--kind {kind} --url {url}")
