"""County and topic tagging: small exact cases, the 17 gold articles, and a second, made-up city."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from digest.explain import explain
from digest.models import Article
from digest.region import load_region
from digest.sources.textfile import read_page
from digest.sources.textpage import split_page
from digest.tagging import Tagger, apply_tags, split_lead
from digest.topics import add_topic

GOLD = Path(__file__).resolve().parents[2] / "shared" / "seeds" / "gold.json"
SAMPLES = Path(__file__).resolve().parents[1] / "samples"
QINGHE = Path(__file__).resolve().parent / "data" / "qinghe" / "qinghe.toml"


def news(title: str = "", *paragraphs: str, kicker: str = "", subtitle: str = "", kind: str = "news") -> Article:
    return Article(kind=kind, title=title, paragraphs=paragraphs, kicker=kicker, subtitle=subtitle)


def county(tagger: Tagger, article: Article) -> tuple[str, str]:
    """The county and the source of the evidence that decided it."""
    tags = tagger.tag(article)
    return tags.county, tags.county_evidence[0].source if tags.county_evidence else ""


# --- county ---------------------------------------------------------------------------------

def test_kicker_wins(tagger):
    article = news("电商赋能特色产业", "11月4日，在高唐县姜店镇电商基地，主播正在讲解。", kicker="冠县")
    assert county(tagger, article) == ("冠县", "kicker")


def test_headline_prefix(tagger):
    article = news("高唐：可再生能源产业跑出加速度", "近年来，全市可再生能源发展迅速。")
    assert county(tagger, article) == ("高唐县", "headline prefix")


def test_township_in_the_lead(tagger):
    article = news("光伏大棚", "11月3日，记者走进姜店镇齐盛光伏农业综合体。")
    assert county(tagger, article) == ("高唐县", "lead/township")


def test_township_beyond_the_lead(tagger):
    lead = "今年以来，当地坚持规划引领，着力推进可再生能源建设，实现了经济效益、社会效益、生态效益相统一，" * 3
    tags = tagger.tag(news("光伏大棚", lead + "。", "目前，姜店镇光伏项目已并网。"))
    assert (tags.county, tags.county_evidence[0].source) == ("高唐县", "township")


def test_longest_township_name_first(tagger):
    assert county(tagger, news("仿真花", "在东古城镇电商基地直播间，主播正在讲解。"))[0] == "冠县"
    assert county(tagger, news("仿真花", "在古城镇电商基地直播间，主播正在讲解。"))[0] == "莘县"


def test_township_alias(tagger):
    assert county(tagger, news("麦收", "郭店屯镇的麦收已过半。"))[0] == "阳谷县"


def test_bare_township_names_do_not_match(tagger):
    tags = tagger.tag(news("乡村振兴", "九州大地，清水长流，乡村振兴正当时。"))
    assert (tags.county, tags.county_evidence) == ("全市", ())


def test_organisation(tagger):
    assert county(tagger, news("时风集团全力推动绿色低碳高质量发展", "企业满负荷生产。")) == (
        "高唐县", "headline/organisation")


def test_a_city_department_passing_through_a_county_stays_city_wide(tagger):
    article = news("农村供水有保障", "近日，市水利局工作人员来到冠县东古城镇，检查农村供水工程运行情况。",
                   "冠县水利部门陪同检查。")
    assert county(tagger, article) == ("全市", "lead/department")
    assert tagger.tag(article).counties == ("全市", "冠县")


def test_several_counties_alike_is_city_wide(tagger):
    article = news("麦收进度过半", "东阿县、阳谷县、莘县的麦收进度均已过半。")
    tags = tagger.tag(article)
    assert tags.county == "全市"
    assert set(tags.counties) == {"全市", "东阿县", "阳谷县", "莘县"}


def test_city_name_alone_is_weaker_than_a_county(tagger):
    assert county(tagger, news("网毯出口", "聊城经纬工业网毯有限公司位于高唐县。"))[0] == "高唐县"
    assert county(tagger, news("网毯出口", "聊城经纬工业网毯有限公司的工人正在生产。"))[0] == "全市"


def test_white_space_does_not_matter(tagger):
    assert county(tagger, news("", "11月3日，记者走进高\n唐县姜 店镇。", kind="photo"))[0] == "高唐县"


# --- the three zones (issue 12's county defect classes) ------------------------------------

@pytest.mark.parametrize(("text", "zone"), [
    ("开发区：招商签约再提速", "经开区"),
    ("记者从开发区获悉，今年新增企业三十家。", "经开区"),
    ("走进高新区，企业生产线全面提速。", "高新区"),
    ("度假区推出冬季游湖活动。", "度假区"),
])
def test_a_bare_zone_word_is_the_city_zone(tagger, text, zone):
    assert tagger.tag(news(text, "工人正在车间生产。")).county == zone
    assert tagger.tag(news("新闻一则", text)).county == zone


@pytest.mark.parametrize(("text", "county"), [
    ("高唐经济开发区新签约项目六个", "高唐县"),
    ("冠县经济开发区企业满负荷生产", "冠县"),
    ("茌平高新技术产业开发区举行推介会", "茌平区"),
    ("济南高新区客商来聊城考察", "全市"),
])
def test_a_zone_word_after_another_place_is_that_place(tagger, text, county):
    assert tagger.tag(news(text, "连日来，企业生产忙。")).county == county


@pytest.mark.parametrize(("township", "zone"), [
    ("蒋官屯街道", "经开区"), ("东城街道", "经开区"), ("九州街道", "高新区"), ("许营镇", "高新区"),
    ("朱老庄镇", "度假区"), ("于集镇", "度假区"),
])
def test_a_zone_township_counts_for_the_zone(tagger, township, zone):
    assert county(tagger, news("冬季招聘会举行", f"11月20日，{township}举办招聘会。")) == (zone, "lead/township")
    # Written with the district the 民政部 files it under, it is still the zone's.
    assert tagger.tag(news("冬季招聘会举行", f"11月20日，东昌府区{township}举办招聘会。")).county == zone
    if zone == "经开区":  # the issue's own shape: 开发区蒋官屯街道
        assert tagger.tag(news(f"开发区{township}：村里种上致富菇", "菇棚整齐排列。")).county == zone


def test_the_districts_own_townships_stay_the_districts(tagger):
    assert tagger.tag(news("冬季招聘会举行", "11月20日，东昌府区古楼街道举办招聘会。")).county == "东昌府区"
    assert tagger.tag(news("冬季招聘会举行", "11月20日，广平镇举办招聘会。")).county == "东昌府区"


# --- a repost's `聊城：` ---------------------------------------------------------------------

def test_a_repost_prefix_does_not_outweigh_a_body_about_one_county(tagger):
    body = ("近日，东昌府区对老街区实施微改造，修缮沿街建筑立面，增设休闲座椅和公共厕所，"
            "改造后的街区将引入特色小吃店铺，打造居民家门口的休闲去处，方便附近居民日常生活。",
            "东昌府区住建部门表示，明年还将改造三条老街。")
    tags = tagger.tag(news("聊城：老街区焕发新活力", *body))
    assert (tags.county, tags.county_evidence[0].source) == ("东昌府区", "lead")
    assert ("全市", "headline prefix/city", "聊城") in [(e.label, e.source, e.match) for e in tags.county_evidence]


def test_a_repost_prefix_defers_to_a_body_plainly_about_one_township(tagger):
    lead = "今年以来，当地把老旧小区改造作为民生实事来抓，完成改造小区十二个，惠及居民三千余户。" * 3
    tags = tagger.tag(news("聊城：老旧小区换新颜", lead, "据悉，古楼街道明年将再改造八个小区。"))
    assert (tags.county, tags.county_evidence[0].source) == ("东昌府区", "township")


@pytest.mark.parametrize("body", [
    "市疾控中心提醒，当前进入流感高发季节，市民应注意勤洗手、常通风。",  # a city body: city-wide
    "当前进入流感高发季节，专家提醒注意勤洗手、常通风。",  # no place at all: city-wide
])
def test_a_repost_prefix_on_a_city_story_stays_city_wide(tagger, body):
    assert tagger.tag(news("聊城：流感进入高发期", body)).county == "全市"


def test_after_a_repost_prefix_one_passing_mention_does_not_decide(tagger):
    lead = "全市各级各部门认真落实安全生产责任，开展隐患排查整治，确保人民群众生命财产安全，" * 2
    assert tagger.tag(news("聊城：安全生产不放松", lead + "。", "冠县也开展了应急演练。")).county == "全市"


# --- the city's own names and its leaders ---------------------------------------------------

def test_we_the_city_names_the_paper_not_the_story(tagger):
    # 我市 is the paper's way of saying 聊城: a county in the same headline is where the news is.
    assert tagger.tag(news("我市首个零碳工厂落户茌平", "企业屋顶光伏全部并网。")).county == "茌平区"
    assert tagger.tag(news("我市一企业获评省级绿色工厂", "近日，冠县一家钢板企业入选。")).county == "冠县"
    # ... but two counties alike after it, or a body naming companies of two counties, is the city's.
    assert tagger.tag(news("我市新增两家小巨人企业", "临清市、高唐县各有一家企业入选。")).county == "全市"
    lead = "8月23日，省里公示了先进制造业集群名单，我市绿色低碳有色金属材料集群位列其中，实现零的突破。" * 2
    assert tagger.tag(news("我市集群入选省级名单", lead, "集群聚集了信发集团、祥光铜业等龙头企业。")).county == "全市"


def test_city_leaders_in_a_county_are_city_news(tagger):
    assert tagger.tag(news("市领导到高唐县调研", "调研组察看了企业生产车间。")).county == "全市"


def test_lead_is_the_first_sentences():
    text = "甲" * 90 + "。" + "乙" * 20 + "。丙。"
    assert split_lead(text) == ("甲" * 90 + "。" + "乙" * 20 + "。", "丙。")
    assert split_lead("短。") == ("短。", "")
    assert split_lead("”长" * 150)[0] == "”长" * 100


# --- topic ----------------------------------------------------------------------------------

def test_topic_keywords_and_headline_weight(tagger):
    tags = tagger.tag(news("全力做好防汛工作", "各地加强值班值守，确保安全度汛。"))
    assert tags.topic == "水利防汛"
    assert ("防汛", "headline") in [(e.match, e.source) for e in tags.topic_evidence]


def test_keyword_as_head_of_a_longer_token(tagger):
    assert tagger.tag(news("我市加快老旧农机更新进度", "今年以来报废更新八千台。")).topic == "农业农村"


def test_excluded_phrases_do_not_count(tagger):
    tags = tagger.tag(news("深化党纪学习教育", "机关党支部组织开展党纪学习教育。"))
    assert tags.topic == "党建"
    assert "教育" not in tags.topics


def test_secondary_topics(tagger):
    article = news("光伏发电助力工业企业满负荷生产", "光伏发电项目并网，生产线满负荷运转，工业企业用电有保障。")
    tags = tagger.tag(article)
    assert tags.topics[0] == tags.topic
    assert set(tags.topics) == {"能源环保", "工业制造"}


def test_the_lead_outweighs_passing_mentions_further_down(tagger):
    lead = ("今年以来，县里推进医共体建设，县级医院专家定期到乡镇卫生院坐诊，"
            "群众就医更加方便，患者在家门口就能看上好病。乡镇卫生院新添了检查设备，医生通过远程会诊平台与县医院专家实时交流，常见病在乡镇就能得到诊治。")
    tags = tagger.tag(news("让群众少跑路", lead, "另外，总投资五千万元的新病房楼项目也将于年底竣工。"))
    assert tags.topic == "医疗健康"
    assert len(split_lead(lead + "另外")[0]) > 100  # so the project sentence is beyond the lead
    assert {e.source.split(" ")[0] for e in tags.topic_evidence if e.label == "医疗健康"} == {"lead"}
    # The project in the headline and the lead makes it a project story, hospital or not.
    body = "总投资五千万元的县医院新病房楼项目今天竣工，施工方按期交付，新增床位三百张。"
    tags = tagger.tag(news("新病房楼项目竣工", body))
    assert tags.topic == "项目建设"


def test_default_topic_when_nothing_hits(tagger):
    tags = tagger.tag(news("秋色正浓", "银杏叶黄了。"))
    assert (tags.topic, tags.topics, tags.topic_evidence) == ("社会民生", ("社会民生",), ())


def test_an_edited_taxonomy_applies_without_reloading(region, taxonomy, segmenter):
    edited = add_topic(taxonomy, "冬季供暖", {"暖气": 5, "供热": 5})
    article = news("暖气试水", "供热公司开始注水试压。")
    assert Tagger(region, edited, segmenter).tag(article).topic == "冬季供暖"


# --- the article, the report ----------------------------------------------------------------

def test_apply_tags(tagger):
    article = news("高唐：可再生能源产业跑出加速度", "记者走进高唐县姜店镇光伏项目现场。")
    tagged = apply_tags(article, tagger.tag(article))
    assert (tagged.county, tagged.counties, tagged.topic, tagged.topics[0]) == (
        "高唐县", ("高唐县",), "能源环保", "能源环保")
    assert tagged.title == article.title


def test_explain_shows_the_evidence(tagger):
    article = news("数字孪生“智”水有方", "今年以来，市水利局全力构建数字孪生平台，突出防汛抗旱。", kicker="市水利局")
    report = explain(article, tagger.tag(article))
    lines = report.splitlines()
    assert lines[0] == "市水利局 数字孪生“智”水有方"
    assert "County: 全市" in lines
    assert "  decided by the kicker; evidence (label, source, match, score):" in lines
    assert "    全市  kicker/department  市水利局  12" in lines
    assert any(line.startswith("Topic: 水利防汛") for line in lines)
    assert "防汛 (lead) 4.5" in report  # the lead weighs 1.5 times the rest of the body
    with_weights = explain(article, tagger.tag(article), tagger.taxonomy)
    assert "  keyword weight × place: headline ×3 a hit, lead ×1.5√hits, rest of the body √hits" in with_weights


def test_explain_a_photo_without_evidence(tagger):
    article = news("", "银杏叶黄了。", kind="photo")
    report = explain(article, tagger.tag(article))
    assert report.splitlines()[0] == "(photo) 银杏叶黄了。…"
    assert "no place named: city-wide by default" in report
    assert "no keyword hit: the default topic" in report


# --- gold and another city ------------------------------------------------------------------

@pytest.fixture(scope="module")
def gold_articles() -> list[tuple[Article, dict]]:
    gold = json.loads(GOLD.read_text(encoding="utf-8"))
    return [(Article(kind=g["kind"], kicker=g["kicker"], title=g["title"], subtitle=g["subtitle"],
                     paragraphs=(g["body"],)), g) for g in gold]


def test_gold_counties_and_topics(tagger, gold_articles):
    county_misses, topic_misses = [], []
    for article, g in gold_articles:
        tags = tagger.tag(article)
        if tags.county not in (g["county"], *g["county_ok"]):
            county_misses.append((g["headline"] or g["body"][:20], tags.county, g["county"]))
        if tags.topic not in (g["topic"], *g["topic_ok"]):
            topic_misses.append((g["headline"] or g["body"][:20], tags.topic, g["topic"]))
    assert len(gold_articles) == 17
    assert county_misses == []
    assert len(topic_misses) <= 2, topic_misses


def test_gold_counties_without_kicker_or_headline(tagger, gold_articles):
    """The lead and body alone still place every gold article, should the parser lose a headline."""
    misses = [g["headline"] for article, g in gold_articles
              if tagger.tag(news("", *article.paragraphs, kind=article.kind)).county
              not in (g["county"], *g["county_ok"])]
    assert misses == []


def test_invented_sample_pages(tagger):
    """The project's invented pages (samples/expected.json): a check beyond the two seed pages."""
    expected = json.loads((SAMPLES / "expected.json").read_text(encoding="utf-8"))
    articles = [a for path in sorted(SAMPLES.glob("*.txt")) for a in split_page(read_page(path).text)[0]]
    assert len(articles) == len(expected)
    tags = [tagger.tag(a) for a in articles]
    assert [t.county for t in tags] == [e["county"] for e in expected]
    topic_misses = [(a.title, t.topic, e["topic"]) for a, t, e in zip(articles, tags, expected, strict=True)
                    if t.topic != e["topic"]]
    assert len(topic_misses) <= 2, topic_misses


def test_another_city_tags_by_its_own_config(taxonomy, segmenter):
    tagger = Tagger(load_region(QINGHE), taxonomy, segmenter)
    assert county(tagger, news("禾东：湿地迎来候鸟", "候鸟成群。")) == ("禾东区", "headline prefix")
    assert county(tagger, news("钢企满负荷", "青禾钢铁集团的生产线满负荷运转。"))[0] == "青山县"
    assert county(tagger, news("稻香", "东柳河镇的水稻开镰了。"))[0] == "青山县"
    assert county(tagger, news("稻香", "柳河镇的水稻开镰了。"))[0] == "禾东区"
    assert county(tagger, news("高新区新签约项目", "青禾高新区签约五个项目。"))[0] == "高新区"
    assert county(tagger, news("防汛", "市水利局在禾东区检查防汛。"))[0] == "全市"
    assert county(tagger, news("东古城镇", "东古城镇不在青禾市。"))[0] == "全市"
