"""How long another user's /start waits while one user floods the bot and heavy work runs.

    python benchmarks/flood.py [--searches 1000] [--watches 10000]

Through the real Application (PTB, started, updates taken from its queue one at a time as under
long polling) with the in-process Bot API stand-in, on a copy of a database holding the sample
pages. Three scenes, each timing a second user's /start from the moment it is queued until its
answer is sent:

1. one user sends `--searches` searches at once, then the other user sends /start;
2. an admin uploads a page while `--watches` watches (instant alerts on) wait to be matched
   against it and a due digest for each watcher is composed, then the other user sends /start;
3. both at once.

Goal (issue 14): the /start answered within 1 s in every scene. Prints the wait, the flooder's
answers and what the heavy work did.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import shutil
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from telegram import Update  # noqa: E402

from bot import background  # noqa: E402
from bot.app import build_application, make_services, scheduling  # noqa: E402
from bot.localapi import LocalBotApi  # noqa: E402
from bot.updates import UpdateFactory  # noqa: E402
from digest import ingest, subscriptions  # noqa: E402
from digest.settings import load_settings  # noqa: E402

ADMIN, FLOODER, OTHER = 9001, 1002, 1001
NOW = datetime(2026, 11, 21, 8, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
SAMPLES = ROOT / "samples"


class Api(LocalBotApi):
    """The stand-in Bot API, noting when each message to a chat was sent."""

    def __init__(self) -> None:
        super().__init__()
        self.sent_at: dict[int, list[float]] = {}

    def api_sendMessage(self, params: dict) -> dict:
        self.sent_at.setdefault(int(params["chat_id"]), []).append(time.perf_counter())
        return super().api_sendMessage(params)


def prepare(folder: Path, watches: int) -> tuple[Path, object]:
    settings = load_settings()
    settings = dataclasses.replace(settings, bot=dataclasses.replace(settings.bot, admins=(ADMIN,)))
    path = folder / "base.db"
    services = make_services(settings, path)
    for page in sorted(SAMPLES.glob("2026-11-20_*.txt")):
        ingest.ingest_file(services.db, services.pipeline, page, paper=settings.paper, date="2026-11-20",
                           page_no=ingest.page_number(page, 1))
    words = ["光伏", "公交", "供暖", "电商", "乡村振兴", "项目", "教育", "医院", "马拉松", "农机"]
    with services.db.atomic():
        for n in range(watches):
            chat = 100_000 + n
            subscriptions.subscribe(services.db, chat, "07:30")
            subscriptions.set_instant_alerts(services.db, chat, True)
            subscriptions.add_watch(services.db, chat, words[n % len(words)])
    services.db.close()
    return path, settings


async def scene(path: Path, settings: object, *, searches: int, upload: bool) -> dict[str, float]:
    services = make_services(settings, path, clock=lambda: NOW)  # type: ignore[arg-type]
    api = Api()
    application = build_application(services, token="123:bench", request=api, extensions=(scheduling,))
    updates = UpdateFactory(clock=lambda: NOW.timestamp())
    result: dict[str, float] = {}
    async with application:
        await application.start()
        try:
            queue = application.update_queue
            if upload:
                data = (SAMPLES / "2026-11-21_01.txt").read_bytes()
                file = api.add_file(data, "2026-11-21_01.txt")
                await queue.put(Update.de_json(updates.document(
                    chat_id=ADMIN, user_id=ADMIN, file_id=file.file_id, file_name=file.name, file_size=len(data),
                    caption="/ingest 2026-11-21"), application.bot))
            for n in range(searches):
                await queue.put(Update.de_json(updates.message(f"/search 光伏 {n % 9}", chat_id=FLOODER),
                                               application.bot))
            queued = time.perf_counter()
            await queue.put(Update.de_json(updates.message("/start", chat_id=OTHER), application.bot))
            while not api.sent_at.get(OTHER):
                await asyncio.sleep(0.001)
            result["start_wait_s"] = api.sent_at[OTHER][0] - queued
            while queue.qsize():  # the flood's last updates
                await asyncio.sleep(0.01)
            await background.settle(application)  # the upload's ingest, alerts and digests
            if upload:
                result["upload_answered_after_s"] = api.sent_at[ADMIN][0] - queued
                result["heavy_work_done_after_s"] = time.perf_counter() - queued
        finally:
            await application.stop()
    result["flooder_answers"] = len(api.sent_at.get(FLOODER, []))
    rows = services.db.execute("SELECT count(*) FROM outbox").fetchone()[0]
    result["outbox_rows"] = rows
    services.db.close()
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--searches", type=int, default=1000)
    parser.add_argument("--watches", type=int, default=10000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="paperdigest-flood-") as folder:
        base, settings = prepare(Path(folder), args.watches)
        scenes = {"flood": (args.searches, False), "upload+watches": (0, True), "both": (args.searches, True)}
        for name, (searches, upload) in scenes.items():
            path = Path(folder) / f"{name}.db"
            shutil.copy(base, path)
            figures = asyncio.run(scene(path, settings, searches=searches, upload=upload))
            shown = ", ".join(f"{k} {v:.3f}" if isinstance(v, float) else f"{k} {v}" for k, v in figures.items())
            verdict = "ok" if figures["start_wait_s"] < 1 else "TOO SLOW"
            print(f"{name:15} {shown}  [{verdict}: goal /start < 1 s]")


if __name__ == "__main__":
    main()
