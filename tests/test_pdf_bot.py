"""An admin sends a PDF issue to the bot's /ingest: every page is stored, alerts cover them all."""

from __future__ import annotations

from bot_fixtures import ADMIN, snapshot
from pdfmaker import make_issue, sample_stories, shuffled

from bot import hooks
from digest import store


async def test_a_pdf_issue_sent_as_a_document(bot):
    seen: list[list[int]] = []

    async def after(application, ids):
        seen.append(list(ids))

    hooks.on_after_ingest(bot.application, after)
    made = make_issue(shuffled(sample_stories(), 12), seed=12, file="issue.pdf", date="2026-11-22")
    assert len(made.pages) > 1
    [text] = await bot.upload(made.data, "issue.pdf", caption="/ingest 2026-11-22", user=ADMIN)
    assert text.startswith("✅ issue.pdf：2026-11-22"), text
    stored = store.articles_on(bot.db, "2026-11-22")
    assert len(stored) == len(made.gold)
    assert sorted(seen[0]) == sorted(a.id for a in stored)


async def test_a_pdf_of_another_day_is_refused(bot):
    made = make_issue(shuffled(sample_stories(), 11)[:3], seed=11, file="page.pdf", date="2026-11-20")
    before = snapshot(bot.db)
    [text] = await bot.upload(made.data, "page.pdf", caption="/ingest 2026-11-22", user=ADMIN)
    assert "2026-11-20" in text and "page.pdf" in text, text
    assert snapshot(bot.db) == before
