"""The day's digest as data: one date's articles only, counties in order, filters."""

from digest import compose, ingest, store
from digest.models import Article, StoredArticle


def stored(i: int, county: str, topic: str, day: str = "2026-11-20") -> StoredArticle:
    article = Article(kind="news", title=f"标题{i}", paragraphs=("正文。",), county=county, topic=topic,
                      summary="正文。")
    return StoredArticle(id=i, paper="聊城日报", date=day, page=1, article=article)


def test_sections_by_county_in_order_then_topic():
    items = [stored(1, "冠县", "教育"), stored(2, "全市", "时政"), stored(3, "冠县", "农业农村"),
             stored(4, "冠县", "教育"), stored(5, "某区", "教育")]
    digest = compose.compose_digest(items, paper="聊城日报", date="2026-11-20", county_order=["全市", "冠县"])
    assert [(s.county, s.count) for s in digest.sections] == [("全市", 1), ("冠县", 3), ("某区", 1)]
    assert [(t.topic, [i.article_id for i in t.items]) for t in digest.sections[1].topics] == [
        ("教育", [1, 4]), ("农业农村", [3])]
    assert digest.count == 5


def test_filters_by_county_and_topic():
    items = [stored(1, "冠县", "教育"), stored(2, "全市", "时政"), stored(3, "冠县", "农业农村")]
    digest = compose.compose_digest(items, paper="p", date="d", counties={"冠县"}, topics={"教育", "时政"})
    assert [i.article_id for s in digest.sections for t in s.topics for i in t.items] == [1]


def test_empty_day_said_plainly():
    text = compose.render_text(compose.compose_digest([], paper="聊城日报", date="2026-11-20"))
    assert text == "聊城日报 · 2026-11-20 · 0 篇\n这一天没有符合条件的文章。"


def test_each_date_holds_exactly_its_articles(db, pipeline, settings, seed_files):
    ingest.ingest_files(db, pipeline, seed_files[:1], paper="聊城日报", date="2024-11-06")
    ingest.ingest_files(db, pipeline, seed_files[1:], paper="聊城日报", date="2024-08-28")
    for day, expected in (("2024-11-06", 8), ("2024-08-28", 9)):
        articles = store.articles_on(db, day, "聊城日报")
        digest = compose.compose_digest(articles, paper="聊城日报", date=day, county_order=settings.county_order)
        ids = [i.article_id for s in digest.sections for t in s.topics for i in t.items]
        assert sorted(ids) == sorted(a.id for a in articles)
        assert len(ids) == expected
        assert {a.date for a in articles} == {day}
        assert digest.sections[0].county == "全市"


def test_photo_caption_not_repeated_as_its_summary():
    caption = "11月4日，工人正在加工造纸用网毯。该企业订单稳步增长。"
    photo = Article(kind="photo", title="", paragraphs=(caption,), county="全市", topic="工业制造",
                    summary="11月4日，工人正在加工造纸用网毯。")
    news = stored(2, "全市", "工业制造")
    digest = compose.compose_digest([StoredArticle(1, "聊城日报", "2026-11-20", 1, photo), news], paper="p", date="d")
    items = digest.sections[0].topics[0].items
    assert [(i.title, i.summary) for i in items] == [("工人正在加工造纸用网毯", ""), ("标题2", "正文。")]
