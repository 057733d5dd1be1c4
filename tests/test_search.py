"""Search over the seeds: ranking, the small query language, and queries that must never raise."""

from datetime import date

import pytest

from digest import ingest
from digest.search import QueryError, parse_query, search


@pytest.fixture
def seeded(db, pipeline, seed_files):
    ingest.ingest_files(db, pipeline, seed_files[:1], paper="聊城日报", date="2024-11-06")
    ingest.ingest_files(db, pipeline, seed_files[1:], paper="聊城日报", date="2024-08-28")
    return db


def titles(results):
    return [r.article.display_title for r in results]


def test_solar_query_finds_gaotang_renewables_first(seeded, segmenter):
    results = search(seeded, segmenter, "光伏")
    assert results[0].article.title == "高唐：可再生能源产业跑出加速度"
    assert results[0].article.county == "高唐县"
    assert "时风集团全力推动绿色低碳高质量发展" in titles(results)


def test_phrase_and_exclusion(seeded, segmenter):
    assert titles(search(seeded, segmenter, '"数字孪生"')) == ["数字孪生“智”水有方"]
    with_solar = titles(search(seeded, segmenter, "光伏"))
    without = titles(search(seeded, segmenter, "光伏 -时风"))
    assert "时风集团全力推动绿色低碳高质量发展" not in without
    assert set(without) < set(with_solar)


def test_days_filter(seeded, segmenter):
    assert titles(search(seeded, segmenter, "光伏", days=7, today=date(2024, 11, 10))) == [
        "高唐：可再生能源产业跑出加速度"]
    assert search(seeded, segmenter, "光伏", days=7, today=date(2025, 1, 1)) == []


@pytest.mark.parametrize("query", [
    '"', '""', '"光伏', "光伏*", "*", "(", "光伏)", "NEAR(光伏 电站)", "光伏 OR 1=1", "- 光伏", "--",
    "'; DROP TABLE articles; --", "光伏 AND", "NOT 光伏", "title:光伏", "^光伏", "{title}: 光伏", "光伏" * 60,
    "\x00", "🌞 光伏", "光伏 -", '光伏 -"',
])
def test_hostile_queries_answer_or_refuse(seeded, segmenter, query):
    try:
        results = search(seeded, segmenter, query)
    except QueryError as exc:
        assert str(exc)
    else:
        assert isinstance(results, list)
    assert seeded.execute("SELECT count(*) FROM articles").fetchone()[0] == 17


@pytest.mark.parametrize(("query", "message"), [
    ("", "请输入要搜索的关键词。"),
    ("-光伏", "没有可搜索的关键词：请至少给出一个不带“-”的词。"),
    ("x" * 201, "关键词太长了（201 个字符），请控制在 200 个字符以内。"),
])
def test_refusals_say_why(segmenter, query, message):
    with pytest.raises(QueryError, match=f"^{message}$"):
        parse_query(query, segmenter)


def test_every_token_quoted_in_fts_expression(segmenter):
    query = parse_query('光伏 "数字 孪生" -NEAR', segmenter)
    assert query.to_fts() == '"光伏" AND ({title body} : "数字 孪生" OR "数字孪生") NOT "near"'


def test_only_the_newest_matches_are_ranked(seeded, segmenter, monkeypatch):
    import digest.search as search_module

    everything = {r.id for r in search(seeded, segmenter, "我市", limit=50)}
    monkeypatch.setattr(search_module, "RANK_WINDOW", 3)
    newest = {r.id for r in search(seeded, segmenter, "我市", limit=50)}
    assert newest == set(sorted(everything)[-3:])
