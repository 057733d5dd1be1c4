"""Storing pages in a real SQLite file: idempotent, corrections replace, failures change nothing."""

import pytest

from digest import ingest, store
from digest.sources.textfile import read_page

DAY = "2024-11-06"


def counts(db) -> tuple[int, int, int]:
    pages, articles = (db.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in ("pages", "articles"))
    return pages, articles, store.indexed_count(db)


def test_seed_pages_stored_with_all_fields(db, pipeline, seed_files):
    outcomes = ingest.ingest_files(db, pipeline, seed_files, paper="聊城日报", date=DAY)
    assert [(o.status, o.page, o.articles) for o in outcomes] == [("stored", 1, 8), ("stored", 4, 9)]
    assert counts(db) == (2, 17, 17)
    first = store.articles_on(db, DAY)[0]
    assert first.article.title == "以项目之“进”促发展之“稳”"
    assert first.article.reporters == ("董金鑫", "江洪斌")
    assert first.article.summary and first.article.county and first.article.topic


def test_same_page_twice_changes_nothing(db, pipeline, seed_files):
    ingest.ingest_files(db, pipeline, seed_files, paper="聊城日报", date=DAY)
    ids = [s.id for s in store.articles_on(db, DAY)]
    again = ingest.ingest_files(db, pipeline, seed_files, paper="聊城日报", date=DAY)
    assert [o.status for o in again] == ["unchanged", "unchanged"]
    assert [s.id for s in store.articles_on(db, DAY)] == ids
    assert counts(db) == (2, 17, 17)


def test_corrected_page_replaces_its_articles(db, pipeline, seed_files, tmp_path):
    ingest.ingest_files(db, pipeline, seed_files, paper="聊城日报", date=DAY)
    text = read_page(seed_files[0]).text
    corrected = tmp_path / seed_files[0].name
    # The correction drops the last article (文联) and fixes a word in another.
    cut = text.index("本报讯（刘学 魏晓晨）")
    corrected.write_text(text[:cut].replace("小棉服开拓大市场", "小棉服开拓国内外大市场"), encoding="utf-8")
    [outcome] = ingest.ingest_files(db, pipeline, [corrected], paper="聊城日报", date=DAY)
    assert (outcome.status, outcome.articles) == ("replaced", 7)
    titles = [s.article.title for s in store.articles_on(db, DAY)]
    assert "小棉服开拓国内外大市场" in titles and "小棉服开拓大市场" not in titles
    assert counts(db) == (2, 16, 16)


def test_links_to_a_corrected_pages_articles_open_the_new_versions(db, pipeline, seed_files, tmp_path):
    ingest.ingest_files(db, pipeline, seed_files, paper="聊城日报", date=DAY)
    before = {s.article.title: s.id for s in store.articles_on(db, DAY) if s.page == 1}
    text = read_page(seed_files[0]).text
    cut = text.index("本报讯（刘学 魏晓晨）")
    corrected = tmp_path / seed_files[0].name
    corrected.write_text(text[:cut].replace("小棉服开拓大市场", "小棉服开拓国内外大市场"), encoding="utf-8")
    ingest.ingest_files(db, pipeline, [corrected], paper="聊城日报", date=DAY)
    after = {s.article.title: s.id for s in store.articles_on(db, DAY) if s.page == 1}
    assert set(before.values()).isdisjoint(after.values())  # new ids: the index never reuses one
    for title, old_id in before.items():
        found = store.get_article(db, old_id)
        if title == "小棉服开拓大市场":  # retitled: followed by its opening lines
            assert found is not None and found.article.title == "小棉服开拓国内外大市场"
        elif title in after:
            assert found is not None and found.id == after[title] and found.article.title == title
        else:  # the article the correction dropped
            assert found is None
    assert sum(store.get_article(db, i) is None for i in before.values()) == 1
    # A second correction: links from the first digest still land on the newest version.
    corrected.write_text(text[:cut].replace("小棉服开拓大市场", "小棉服开拓海内外大市场"), encoding="utf-8")
    ingest.ingest_files(db, pipeline, [corrected], paper="聊城日报", date=DAY)
    found = store.get_article(db, before["小棉服开拓大市场"])
    assert found is not None and found.article.title == "小棉服开拓海内外大市场"


def test_failed_write_leaves_the_earlier_version(db, pipeline, seed_files, tmp_path, monkeypatch):
    ingest.ingest_files(db, pipeline, seed_files[:1], paper="聊城日报", date=DAY)
    before = [s.article.title for s in store.articles_on(db, DAY)]
    changed = tmp_path / seed_files[0].name
    changed.write_text(read_page(seed_files[0]).text + "\n", encoding="utf-8")
    calls = []

    def explode(*args, **kwargs):
        calls.append(1)
        if len(calls) == 3:
            raise RuntimeError("disk full")
        return real(*args, **kwargs)

    real = store._insert_article
    monkeypatch.setattr(store, "_insert_article", explode)
    with pytest.raises(RuntimeError):
        ingest.ingest_files(db, pipeline, [changed], paper="聊城日报", date=DAY)
    assert [s.article.title for s in store.articles_on(db, DAY)] == before
    assert counts(db) == (1, 8, 8)


def test_bad_file_reported_and_others_still_stored(db, pipeline, seed_files, tmp_path):
    empty = tmp_path / "002_empty.txt"
    empty.write_bytes(b"")
    outcomes = ingest.ingest_files(db, pipeline, [seed_files[0], empty, seed_files[1]], paper="聊城日报", date=DAY)
    assert [(o.file, o.status, o.error) for o in outcomes] == [
        (seed_files[0].name, "stored", ""),
        ("002_empty.txt", "error", "empty file"),
        (seed_files[1].name, "stored", ""),
    ]
    assert counts(db) == (2, 17, 17)


def test_page_number_from_file_name():
    assert ingest.page_number("004_7b08079bb29a2088.txt", 9) == 4
    assert ingest.page_number("2026-11-20_03.txt", 9) == 3
    assert ingest.page_number("page.txt", 9) == 9


def test_text_is_cut_before_the_write_lock_is_taken(db, pipeline, seed_files):
    """jieba is most of a page's storing time: cutting inside the transaction made the bot's
    writes wait 18 s for each batch of 50 pages."""
    in_transaction: list[bool] = []

    class Watched:
        def terms(self, text: str) -> list[str]:
            in_transaction.append(db.conn.in_transaction)
            return pipeline.segmenter.terms(text)

        def parts(self, text: str) -> list[str]:
            in_transaction.append(db.conn.in_transaction)
            return pipeline.segmenter.parts(text)

    page = pipeline.process(read_page(seed_files[0]))
    result = store.store_page(db, page, paper="聊城日报", date=DAY, page_no=1, indexer=Watched())
    assert result.status == "stored" and len(in_transaction) == 3 * 8
    assert not any(in_transaction)
    in_transaction.clear()
    assert store.store_page(db, page, paper="聊城日报", date=DAY, page_no=1, indexer=Watched()).status == "unchanged"
    assert in_transaction == []  # an unchanged page is not cut at all
