"""Times are stored in UTC and shown in the paper's time zone."""

from datetime import UTC, datetime

from conftest import SAMPLES

from digest import store
from digest.sources.textfile import read_page
from digest.stats import collect_stats
from digest.timefmt import local_time


def test_local_time_converts_and_leaves_non_times_alone():
    assert local_time("2026-11-20T21:31:05+00:00", "Asia/Shanghai") == "2026-11-21 05:31"
    assert local_time("2026-11-20T21:31:05", "Asia/Shanghai") == "2026-11-21 05:31"  # naive means UTC
    assert local_time("not a time", "Asia/Shanghai") == "not a time"


def test_admins_see_the_last_ingest_in_the_paper_time_zone(db, pipeline):
    page = pipeline.process(read_page(SAMPLES / "2026-11-20_01.txt", 8_000_000))
    store.store_page(db, page, paper="聊城日报", date="2026-11-20", page_no=1, indexer=pipeline.segmenter,
                     now=datetime(2026, 11, 19, 22, 5, tzinfo=UTC))
    assert collect_stats(db, "Asia/Shanghai").last_ingest == "2026-11-20 06:05"
