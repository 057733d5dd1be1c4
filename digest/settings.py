"""Settings: the TOML files in config/ become one frozen dataclass, read once at start."""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from digest.configfiles import bundled_config_dir, find_settings, user_data_dir

CONFIG_DIR = bundled_config_dir()  # the shipped defaults (checkout's config/, or digest/_config)


class ConfigError(Exception):
    """A settings file is missing or malformed; the message names the file."""


@dataclass(frozen=True)
class SummarySettings:
    summarizer: str = "textrank"
    max_chars: int = 120
    max_sentences: int = 3


@dataclass(frozen=True)
class IngestSettings:
    max_file_bytes: int = 8_000_000
    inbox: str = ""
    times: tuple[str, ...] = ("05:30", "06:30")
    deadline: str = "07:00"
    # PDFs (digest.sources.pdf): Telegram's download limit; pages in one issue; the reader's budgets.
    max_pdf_bytes: int = 20_000_000
    max_pdf_pages: int = 48
    pdf_seconds: float = 60.0
    pdf_memory_mb: int = 1024


@dataclass(frozen=True)
class BotSettings:
    admins: tuple[int, ...] = ()
    default_time: str = "07:30"
    catch_up: str = "same_day"
    rate_per_second: float = 25
    per_chat_interval: float = 1.0
    # Network errors and 5xx keep a message pending, retried with back-off, for this long
    # (an outage); a later catch-up cutoff still expires it. A duration: "90s", "30m", "1h".
    retry_for: str = "1h"
    retry_backoff_max: float = 60.0    # seconds: the longest wait between two tries of one message
    start_retry_for: str = "5m"        # `paperdigest run` tries to reach Telegram this long, then exits 4


@dataclass(frozen=True)
class LimitSettings:
    """What one person may ask of the bot: commands per minute, watches, and how long a group's
    admin list is trusted before Telegram is asked again."""

    commands_burst: int = 10
    commands_per_minute: float = 20
    max_watches: int = 50
    max_watch_chars: int = 100
    group_admin_cache_seconds: float = 300


@dataclass(frozen=True)
class Settings:
    paper: str
    timezone: str
    region_path: Path
    topics_path: Path
    stopwords_path: Path
    userdict_path: Path | None = None
    db: str = ""
    county_order: tuple[str, ...] = ()
    summary: SummarySettings = field(default_factory=SummarySettings)
    ingest: IngestSettings = field(default_factory=IngestSettings)
    bot: BotSettings = field(default_factory=BotSettings)
    limits: LimitSettings = field(default_factory=LimitSettings)

    def db_path(self, explicit: str | None = None) -> Path:
        """--db, else $PAPERDIGEST_DB, else config, else the per-user data directory."""
        chosen = explicit or os.environ.get("PAPERDIGEST_DB") or self.db
        if chosen:
            return Path(chosen).expanduser()
        return user_data_dir() / "paperdigest.db"


def read_toml(path: Path, what: str = "settings") -> dict[str, Any]:
    """A config file's TOML as a dict; ConfigError names the file when it is missing or malformed."""
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ConfigError(f"{path}: {what} file not found") from exc
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from exc


def _resolve(section: dict[str, Any], key: str, base: Path) -> dict[str, Any]:
    """A path set in a config file is relative to that file's folder, not to where we run."""
    value = section.get(key)
    if value and not Path(value).expanduser().is_absolute():
        return {**section, key: str(base / value)}
    return section


def _lists_as_tuples(section: dict[str, Any]) -> dict[str, Any]:
    """TOML arrays as tuples: the settings are frozen, so a list inside one must not change either."""
    return {k: tuple(v) if isinstance(v, list) else v for k, v in section.items()}


def _admins_from_env(value: str) -> tuple[int, ...]:
    return tuple(int(part) for part in value.replace(" ", "").split(",") if part)


def load_settings(path: Path | str | None = None) -> Settings:
    """Read settings from `path`, else by the lookup order of digest.configfiles."""
    path = find_settings(path).path
    raw = read_toml(path)
    base = path.parent
    paper = raw.get("paper", {})
    bot = dict(raw.get("bot", {}))
    admins = tuple(int(a) for a in bot.pop("admins", ()))
    bot.pop("max_attempts", None)  # replaced by retry_for (issue 14); older copies of this file still have it
    try:
        admins += _admins_from_env(os.environ.get("PAPERDIGEST_ADMINS", ""))
        return Settings(
            paper=paper.get("name", "聊城日报"),
            timezone=paper.get("timezone", "Asia/Shanghai"),
            region_path=base / paper.get("region", "region/liaocheng.toml"),
            topics_path=base / paper.get("topics", "topics.toml"),
            stopwords_path=base / paper.get("stopwords", "stopwords.txt"),
            userdict_path=base / paper["userdict"] if paper.get("userdict") else None,
            db=_resolve(raw.get("store", {}), "db", base).get("db", ""),
            county_order=tuple(raw.get("digest", {}).get("county_order", ())),
            summary=SummarySettings(**raw.get("summary", {})),
            ingest=IngestSettings(**_lists_as_tuples(_resolve(raw.get("ingest", {}), "inbox", base))),
            bot=BotSettings(admins=tuple(dict.fromkeys(admins)), **bot),
            limits=LimitSettings(**raw.get("limits", {})),
        )
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"{path}: {exc}") from exc
