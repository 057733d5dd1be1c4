"""What every handler and job needs, built once at start and kept in `application.bot_data`."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

import sqlite_utils

from digest.pipeline import Pipeline
from digest.settings import Settings

SERVICES_KEY = "services"


@dataclass
class Services:
    settings: Settings
    db: sqlite_utils.Database
    pipeline: Pipeline
    # The clock is a parameter so tests can pin it; always timezone-aware (Asia/Shanghai by default).
    clock: Callable[[], datetime] = field(default=lambda: datetime.now(ZoneInfo("Asia/Shanghai")))

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.settings.timezone)

    def now(self) -> datetime:
        return self.clock().astimezone(self.tz)
