"""The topic taxonomy: the default file, plain-dict round trips, and admins' edits."""

from __future__ import annotations

import json

import pytest

from digest.settings import ConfigError
from digest.topics import (
    Taxonomy,
    TaxonomyError,
    add_topic,
    delete_topic,
    load_taxonomy,
    remove_keywords,
    set_exclude,
    set_keywords,
)

TOPICS = ("项目建设", "工业制造", "农业农村", "水利防汛", "能源环保", "交通出行", "商贸电商", "文化旅游",
          "体育赛事", "教育", "医疗健康", "政务服务", "时政", "党建", "社会民生")


def test_default_taxonomy(taxonomy):
    assert taxonomy.names == TOPICS
    assert taxonomy.default == "社会民生"
    assert taxonomy.get("水利防汛").weights["防汛"] == 3.0
    assert taxonomy.get("项目建设").weights["落地"] == 1.0
    assert "学习教育" in taxonomy.get("教育").exclude


def test_round_trip_through_plain_json(taxonomy):
    data = json.loads(json.dumps(taxonomy.to_dict(), ensure_ascii=False))
    assert Taxonomy.from_dict(data) == taxonomy


def test_toml_keyword_form(tmp_path):
    path = tmp_path / "t.toml"
    path.write_text('default = "其他"\n[[topic]]\nname = "其他"\nkeywords = ["甲", "乙 2.5"]\n', encoding="utf-8")
    assert load_taxonomy(path).get("其他").keywords == (("甲", 1.0), ("乙", 2.5))


def test_add_topic_returns_a_new_taxonomy(taxonomy):
    edited = add_topic(taxonomy, "冬季供暖", {"供暖": 3, "暖气": 2})
    assert edited.names == (*TOPICS, "冬季供暖")
    assert edited.get("冬季供暖").weights == {"供暖": 3.0, "暖气": 2.0}
    assert taxonomy.names == TOPICS
    with pytest.raises(TaxonomyError, match="已经存在"):
        add_topic(edited, "冬季供暖")
    with pytest.raises(TaxonomyError, match="栏目需要一个名字"):
        add_topic(edited, " ")


def test_set_and_remove_keywords(taxonomy):
    edited = set_keywords(taxonomy, "教育", {"教育": 4, "研学": 2})
    weights = edited.get("教育").weights
    assert weights["教育"] == 4.0 and weights["研学"] == 2.0 and weights["学校"] == 2.0
    edited = remove_keywords(edited, "教育", ["研学", "学校"])
    assert "研学" not in edited.get("教育").weights and "学校" not in edited.get("教育").weights
    with pytest.raises(TaxonomyError, match="没有关键词：研学"):
        remove_keywords(edited, "教育", ["研学"])
    with pytest.raises(TaxonomyError, match="需要正数权重"):
        set_keywords(taxonomy, "教育", {"高考": 0})


def test_set_exclude(taxonomy):
    assert set_exclude(taxonomy, "教育", ["主题教育"]).get("教育").exclude == ("主题教育",)


def test_delete_topic(taxonomy):
    assert "时政" not in delete_topic(taxonomy, "时政").names
    with pytest.raises(TaxonomyError, match="是默认栏目"):
        delete_topic(taxonomy, "社会民生")
    with pytest.raises(TaxonomyError, match="没有名为"):
        delete_topic(taxonomy, "天气")


@pytest.mark.parametrize(("data", "message"), [
    ({"topics": []}, "at least one topic"),
    ({"default": "甲", "topics": [{"name": "甲"}, {"name": "甲"}]}, "listed twice"),
    ({"topics": [{"name": "甲"}]}, "default topic '社会民生'"),
    ({"default": "甲", "topics": [{"name": "甲", "keywords": {"乙": -1}}]}, "需要正数权重"),
    ({"default": "甲", "topics": [{"name": "甲", "keywords": ["乙 2 3"]}]}, "'word weight'"),
    ({"default": "甲", "topics": [{"keywords": {}}]}, "every topic needs a name"),
])
def test_bad_data_is_a_config_error_naming_its_source(data, message):
    with pytest.raises(ConfigError, match="stored taxonomy") as err:
        Taxonomy.from_dict(data, source="stored taxonomy")
    assert message in str(err.value)


def test_missing_or_broken_file(tmp_path):
    with pytest.raises(ConfigError, match="topics file not found"):
        load_taxonomy(tmp_path / "none.toml")
    path = tmp_path / "bad.toml"
    path.write_text("[[topic]\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"bad\.toml: not valid TOML"):
        load_taxonomy(path)
