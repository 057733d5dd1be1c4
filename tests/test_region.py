"""The region config: loading, validation and the gazetteer's longest-first matching."""

from __future__ import annotations

from pathlib import Path

import pytest

from digest.region import DEPARTMENT, TOWNSHIP, load_region
from digest.settings import ConfigError

DATA = Path(__file__).resolve().parent / "data"
LIAOCHENG = Path(__file__).resolve().parents[1] / "config" / "region" / "liaocheng.toml"


def found(region, text: str) -> list[tuple[str, str]]:
    return [(m.text, m.label) for m in region.find(text)]


def test_counties_in_config_order_city_label_first(region):
    assert region.name == "聊城市"
    assert region.short_name == "聊城"
    assert region.counties == ("全市", "东昌府区", "茌平区", "临清市", "阳谷县", "莘县", "东阿县", "冠县",
                               "高唐县", "经开区", "高新区", "度假区")


def test_all_townships_and_aliases_loaded(region):
    townships = [n for n in region.names if n.kind == TOWNSHIP]
    assert len(townships) == 136 + 10


def test_dictionary_words_hold_every_name_and_no_single_characters(region):
    words = region.dictionary_words()
    for name in ("东古城镇", "张鲁回族镇", "时风集团", "高唐县", "经开区", "江北水城旅游度假区", "聊城"):
        assert name in words
    assert all(len(w) > 1 for w in words)
    assert len(words) == len(set(words))


def test_longest_match_first(region):
    assert found(region, "冠县东古城镇电商基地") == [("冠县", "冠县"), ("东古城镇", "冠县")]
    assert found(region, "莘县古城镇") == [("莘县", "莘县"), ("古城镇", "莘县")]
    assert found(region, "在东古城镇") == [("东古城镇", "冠县")]


def test_full_names_only(region):
    assert found(region, "推进乡村振兴，九州通达，清水长流") == []
    assert found(region, "振兴街道") == [("振兴街道", "茌平区")]


def test_township_aliases_point_to_the_current_county(region):
    assert found(region, "郭店屯镇") == [("郭店屯镇", "阳谷县")]
    assert found(region, "张鲁镇和鱼丘湖街道") == [("张鲁镇", "莘县"), ("鱼丘湖街道", "高唐县")]


def test_white_space_inside_names_is_ignored(region):
    assert found(region, "记者走进东古\n城镇") == [("东古城镇", "冠县")]


def test_zones_and_organisations(region):
    assert found(region, "聊城经济技术开发区") == [("聊城经济技术开发区", "经开区")]
    assert found(region, "时风集团董事长") == [("时风集团", "高唐县")]


def test_city_departments(region):
    hits = region.find("记者从市农业农村局了解到，聊城市交通运输局和市文联")
    assert [(m.text, m.kind) for m in hits] == [
        ("市农业农村局", DEPARTMENT), ("聊城市交通运输局", DEPARTMENT), ("市文联", DEPARTMENT)]
    # 城市, 超市, 市场 are not departments; a county's own 市 is not the city's.
    assert found(region, "城市网球邀请赛，香江市场服务中心，超市管理办") == []
    assert found(region, "临清市教育局") == [("临清市", "临清市")]


def test_another_city_is_another_config_file():
    region = load_region(DATA / "qinghe" / "qinghe.toml")
    assert region.counties == ("全市", "禾东区", "青山县", "高新区")
    assert found(region, "东柳河镇和柳河镇") == [("东柳河镇", "青山县"), ("柳河镇", "禾东区")]
    assert found(region, "云岭镇") == [("云岭镇", "青山县")]


def write(tmp_path: Path, toml: str, towns: str = "town,county\n古城镇,甲县\n") -> Path:
    (tmp_path / "towns.csv").write_text(towns, encoding="utf-8")
    path = tmp_path / "r.toml"
    path.write_text(toml, encoding="utf-8")
    return path


GOOD = '[city]\nname = "甲市"\n[[county]]\nname = "甲县"\n[townships]\nfile = "towns.csv"\n'


def test_minimal_region_loads(tmp_path):
    assert load_region(write(tmp_path, GOOD)).counties == ("全市", "甲县")


@pytest.mark.parametrize(("toml", "towns", "message"), [
    ("[city\n", None, "not valid TOML"),
    ('[[county]]\nname = "甲县"\n', None, "[city]"),
    ('[city]\nname = "甲市"\n', None, "[[county]]"),
    (GOOD, "town,county\n古城镇,乙县\n", "unknown county '乙县'"),
    (GOOD, "name,where\n古城镇,甲县\n", "needs the columns town, county"),
    (GOOD + '[organisations]\n"古城镇" = "全市"\n', None, "points to both"),
    (GOOD.replace("[townships]", '[organisations]\n"甲" = "甲县"\n[townships]'), None, "too short"),
    (GOOD.replace('name = "甲市"', 'name = "甲市"\ndepartment_pattern = "市(("'), None, "r.toml"),
])
def test_bad_region_files_name_the_file(tmp_path, toml, towns, message):
    path = write(tmp_path, toml, towns or "town,county\n古城镇,甲县\n")
    with pytest.raises(ConfigError) as err:
        load_region(path)
    assert message in str(err.value)
    assert "r.toml" in str(err.value) or "towns.csv" in str(err.value)


def test_missing_files_are_config_errors(tmp_path):
    with pytest.raises(ConfigError, match="region file not found"):
        load_region(tmp_path / "nowhere.toml")
    path = tmp_path / "r.toml"
    path.write_text(GOOD, encoding="utf-8")
    with pytest.raises(ConfigError, match=r"towns\.csv"):
        load_region(path)


def test_shipped_config_is_the_one_the_fixture_loads(region):
    assert load_region(LIAOCHENG) == region


def test_zones_run_townships_the_ministry_files_under_the_district(region):
    assert found(region, "蒋官屯街道") == [("蒋官屯街道", "经开区")]
    assert found(region, "许营镇") == [("许营镇", "高新区")]
    assert found(region, "朱老庄镇") == [("朱老庄镇", "度假区")]
    assert found(region, "古楼街道") == [("古楼街道", "东昌府区")]
    # A township written with its district is the township's (the zone's).
    assert found(region, "东昌府区蒋官屯街道") == [("蒋官屯街道", "经开区")]
    assert found(region, "冠县东古城镇") == [("冠县", "冠县"), ("东古城镇", "冠县")]


def test_bare_zone_words_only_where_they_stand_alone(region):
    assert found(region, "开发区") == [("开发区", "经开区")]
    assert found(region, "走进高新区") == [("高新区", "高新区")]
    assert found(region, "聊城市经济技术开发区") == [("聊城市", "全市"), ("经济技术开发区", "经开区")]
    assert found(region, "高唐经济开发区") == [("高唐", "高唐县")]
    assert found(region, "全市开发区") == [("全市", "全市")]
    assert found(region, "济南高新区") == []
    assert found(region, "在开发区域内") == []


def test_a_zone_administering_an_unknown_township_is_a_config_error(tmp_path):
    towns = tmp_path / "towns.csv"
    towns.write_text("town,county\n甲镇,甲县\n", encoding="utf-8")
    config = tmp_path / "r.toml"
    config.write_text('[city]\nname = "某市"\n[[county]]\nname = "甲县"\n'
                      '[[county]]\nname = "新区"\nkind = "zone"\nadministers = ["乙镇"]\n'
                      '[townships]\nfile = "towns.csv"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match="乙镇"):
        load_region(config)
