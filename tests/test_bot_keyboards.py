"""Inline keyboards: toggling filters, callback data within Telegram's 64 bytes, search paging data."""

from __future__ import annotations

from bot import keyboards
from bot.keyboards import QueryStore

COUNTIES = ("全市", "东昌府区", "冠县", "高唐县")


def all_data(markup) -> list[str]:
    return [b.callback_data for row in markup.inline_keyboard for b in row]


def test_toggle_from_all_follows_one_then_back_to_all():
    assert keyboards.toggle((), "冠县", COUNTIES) == ("冠县",)
    assert keyboards.toggle(("冠县",), "全市", COUNTIES) == ("全市", "冠县")
    assert keyboards.toggle(("全市", "冠县"), "冠县", COUNTIES) == ("全市",)
    assert keyboards.toggle(("全市",), "全市", COUNTIES) == ()
    assert keyboards.toggle(("全市", "东昌府区", "冠县"), "高唐县", COUNTIES) == (), "every one chosen is all"


def test_keyboard_marks_the_chosen_and_offers_all_and_done():
    markup = keyboards.filter_keyboard(keyboards.COUNTY, COUNTIES, ("冠县",))
    labels = [[b.text for b in row] for row in markup.inline_keyboard]
    assert labels == [["全部"], ["全市", "东昌府区", "冠县 ✓"], ["高唐县"], ["完成"]]
    assert all_data(markup) == ["cty:*", "cty:全市", "cty:东昌府区", "cty:冠县", "cty:高唐县", "cty:."]
    assert keyboards.filter_keyboard(keyboards.TOPIC, ("教育",), ()).inline_keyboard[0][0].text == "全部 ✓"


def test_a_name_too_long_for_callback_data_goes_by_position():
    long_name = "一个名字特别特别长的栏目用来测试回调数据的长度限制是否生效"
    options = ("教育", long_name)
    data = all_data(keyboards.filter_keyboard(keyboards.TOPIC, options, ()))
    assert all(len(d.encode()) <= 64 for d in data)
    assert "top#1" in data
    assert keyboards.parse_filter_press("top#1", options) == keyboards.FilterPress("top", long_name)
    assert keyboards.parse_filter_press("top#7", options) is None, "a stale button"
    assert keyboards.parse_filter_press("top:体育", options) is None, "a deleted topic"
    assert keyboards.parse_filter_press("top:*", options) == keyboards.FilterPress("top", "*")


def test_short_queries_travel_in_the_button_long_ones_by_key():
    store = QueryStore()
    assert keyboards.more_data("光伏 -招聘", 5, store) == "sq:5:光伏 -招聘"
    assert keyboards.parse_more("sq:5:光伏 -招聘", store) == ("光伏 -招聘", 5)
    long_query = "光伏 电站 储能 新能源 风电 装机容量 清洁能源 可再生能源"
    data = keyboards.more_data(long_query, 10, store)
    assert data.startswith("sk:10:") and len(data.encode()) <= 64
    assert keyboards.parse_more(data, store) == (long_query, 10)


def test_forged_offsets_are_refused():
    store = QueryStore()
    for data in ("sq:99999999999999999999999:光伏", "sq:٣:光伏", "sq:-5:光伏", "sq::光伏"):
        assert keyboards.parse_more(data, store) == (None, 0)
    assert keyboards.parse_filter_press("top#99999999999999999999", ("教育",)) is None


def test_the_query_store_forgets_the_oldest():
    store = QueryStore(size=2)
    first = store.put("一")
    store.put("二")
    store.put("三")
    assert store.get(first) is None
    assert keyboards.parse_more(f"sk:5:{first}", store) == (None, 5)
