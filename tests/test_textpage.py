"""The page splitter on small hand-made layouts, each showing one habit of the e-paper text."""

from digest.sources.textpage import join_lines, names_in_credit, normalise_spacing, split_page


def page(*blocks: str) -> str:
    return "\n\n".join(blocks) + "\n"


def test_spacing_normalised_between_chinese_and_digits():
    assert normalise_spacing("8 月 23 日，建设 7 栋厂房") == "8月23日，建设7栋厂房"
    assert normalise_spacing("空 间 。 严 把 关 ，先 后") == "空间。严把关，先后"
    assert normalise_spacing("5MW 以上 Hello world") == "5MW以上Hello world"


def test_wrapped_lines_join_without_spaces_except_between_latin_words():
    assert join_lines(["今年以来，市", "水利局全力"]) == "今年以来，市水利局全力"
    assert join_lines(["the new", "plant"]) == "the new plant"


def test_names_from_credits():
    assert names_in_credit("记者 岳殿举 通讯员 李丽 蒋红帅") == ["岳殿举", "李丽", "蒋红帅"]
    assert names_in_credit("■ 本 报 记 者 董金鑫") == ["董金鑫"]
    assert names_in_credit("■ 本报记者 苑莘 本报通讯员 王丽燕") == ["苑莘", "王丽燕"]
    assert names_in_credit("刘学 魏晓晨") == ["刘学", "魏晓晨"]


def test_headline_after_body_with_kicker_and_dateline():
    articles, skipped = split_page(page(
        "本报讯（记者 张明 通讯员 李\n华）11 月 3 日，记者走进\n某镇大棚。",
        "东阿县",
        "大棚里的新产业",
    ))
    assert skipped == []
    [a] = articles
    assert (a.kind, a.kicker, a.title, a.subtitle) == ("news", "东阿县", "大棚里的新产业", "")
    assert a.reporters == ("张明", "李华")
    assert a.paragraphs == ("11月3日，记者走进某镇大棚。",)


def test_column_break_inside_a_paragraph_is_mended():
    articles, _ = split_page(page(
        "本报讯（记者 张明）今年以来，全市新\n建成一批项目，总投资8.9亿元，占地\n237亩。",
        "“项目二期工程计划11月份开工建",
        "设。我们会全速推进。”负责人说。",
        "项目建设提速",
    ))
    [a] = articles
    assert a.title == "项目建设提速"
    assert a.paragraphs[1] == "“项目二期工程计划11月份开工建设。我们会全速推进。”负责人说。"


def test_two_line_title_and_subtitle_with_dash():
    articles, _ = split_page(page(
        "本报讯（记者 张明）第一段正文写到这里，\n说完了。",
        "我市绿色低碳有色金属材料集群\n入选省级先进制造业集群",
        "本报讯（记者 王强）第二段正文写到这里，\n也说完了。",
        "以项目之“进”促发展之“稳”\n——我市推动重点项目建设",
    ))
    assert [(a.title, a.subtitle) for a in articles] == [
        ("我市绿色低碳有色金属材料集群入选省级先进制造业集群", ""),
        ("以项目之“进”促发展之“稳”", "——我市推动重点项目建设"),
    ]


def test_photo_caption_closed_by_credit_on_its_last_line():
    articles, _ = split_page(
        "8月24日，工人在组装出口的新能源客车。近年来，企业聚焦新能源技术研发。\n"
        "产品远销海外。 ■ 本报记者 朱玉东\n"
        " 本报讯（记者 林晨） 8月26日，会议召开。\n\n会议要求做好工作。\n\n会议召开\n"
    )
    photo, news = articles
    assert (photo.kind, photo.title, photo.reporters) == ("photo", "", ("朱玉东",))
    assert photo.display_title == "工人在组装出口的新能源客车"
    assert photo.paragraphs[-1].endswith("产品远销海外。")
    assert (news.kind, news.title, news.reporters) == ("news", "会议召开", ("林晨",))


def test_feature_with_byline_after_headline_then_news():
    articles, _ = split_page(page(
        "本报讯（记者 林晨）前一篇的正文，\n到这里结束。",
        "前一篇的标题",
        "“我正发愁呢，不知道咋办手续。”8月23日，\n企业负责人说。",
        "一张表单的背后\n■ 本报记者 苑莘 本报通讯员 王丽燕",
        "本报讯（记者 林晨）后一篇的正文。",
        "后一篇的标题",
    ))
    assert [(a.kind, a.title, a.reporters) for a in articles] == [
        ("news", "前一篇的标题", ("林晨",)),
        ("feature", "一张表单的背后", ("苑莘", "王丽燕")),
        ("news", "后一篇的标题", ("林晨",)),
    ]


def test_feature_with_spaced_byline_on_top():
    articles, _ = split_page(page(
        " ■ 本 报 记 者 董金鑫\n本报通讯员 江洪斌",
        "金秋时节，我市各项目建设迎来施工\n“黄金期”。",
        "项目千帆竞",
    ))
    [a] = articles
    assert (a.kind, a.title, a.reporters) == ("feature", "项目千帆竞", ("董金鑫", "江洪斌"))


def test_kicker_or_subtitle_from_two_plain_lines():
    articles, _ = split_page(page(
        "本报讯（记者 林晨）正文一。", "争取补贴资金2.077亿元", "我市加快老旧农机更新进度",
        "本报讯（记者 林晨）正文二。", "以赛事品牌提高城市影响力", "我市成功举办一系列高水平体育赛事",
    ))
    assert [(a.kicker, a.title, a.subtitle) for a in articles] == [
        ("争取补贴资金2.077亿元", "我市加快老旧农机更新进度", ""),
        ("", "以赛事品牌提高城市影响力", "我市成功举办一系列高水平体育赛事"),
    ]


def test_headline_with_no_body_is_reported_not_dropped():
    articles, skipped = split_page(page("■ 本报记者 张明"))
    assert articles == []
    assert [s.reason for s in skipped] == ["headline or byline with no body"]


def test_deterministic_on_empty_and_odd_text():
    for text in ["", "\n\n", "。。。", "■", "本报讯", "本报讯（", "——"]:
        assert split_page(text) == split_page(text)


def test_dateline_wrapped_between_or_inside_names():
    one, two = (split_page(text)[0][0] for text in (
        "本报讯（记者 岳殿举 通讯员 李\n丽 蒋红帅） 记者8月26日了解到，工作有进展。\n\n标题一\n",
        "本报讯（记者 郑海涛 通讯员 王菲\n刘子恒） 11月18日，工程开工。\n\n标题二\n",
    ))
    assert one.reporters == ("岳殿举", "李丽", "蒋红帅")
    assert two.reporters == ("郑海涛", "王菲", "刘子恒")
    assert two.paragraphs == ("11月18日，工程开工。",)


def test_no_blank_lines_headlines_first():
    """`pdftotext -raw`: no blank line anywhere; headlines above bodies; widths tell the units."""
    text = "\n".join([
        "东阿县", "大棚里的新产业",
        "本报讯（记者 张明）11月3日，记者走进",
        "某镇大棚，看到一垄垄黄瓜长势喜人，菜农",
        "正忙着采摘。",
        "近年来，该镇推广水肥一体化技术，大棚",
        "亩均效益提高三成以上。",
        "会议召开",
        "本报讯（记者 林晨）11月4日，全市工作会",
        "议召开，部署冬季安全生产各项工作。",
    ]) + "\n"
    articles, skipped = split_page(text)
    assert skipped == []
    assert [(a.kicker, a.title, a.reporters, len(a.paragraphs)) for a in articles] == [
        ("东阿县", "大棚里的新产业", ("张明",), 2),
        ("", "会议召开", ("林晨",), 1),
    ]


def test_interleaved_headline_line_goes_back_to_its_article():
    """A short headline line between two lines of one sentence belongs to the next article."""
    text = "\n".join([
        "前一篇的标题",
        "本报讯（记者 张明）11月3日，记者走进",
        "某镇大棚，看到一垄垄黄瓜长势喜人，菜农",
        "后一篇的标题",
        "正忙着采摘，收购商直接开车到地头来拉。",
        "本报讯（记者 林晨）11月4日，全市工作会",
        "议召开，部署冬季安全生产各项工作。",
    ]) + "\n"
    articles, _ = split_page(text)
    assert [a.title for a in articles] == ["前一篇的标题", "后一篇的标题"]
    assert articles[0].paragraphs[0].endswith("菜农正忙着采摘，收购商直接开车到地头来拉。")


def test_caption_told_from_the_story_above_by_its_width():
    """Headlines first, a photo's caption and credit after a story: the caption is what was set
    at the photo's width."""
    text = "\n".join([
        "会议召开",
        "本报讯（记者 林晨）11月4日，全市工作会",
        "议召开，部署冬季安全生产各项工作。会议",
        "要求各地压实责任。",
        "11月4日，工人在车间里组装出口的新能源客车，产品",
        "远销海外。",
        "■ 本报记者 朱玉东",
        "下一篇的标题",
        "本报讯（记者 张明）11月5日，某镇召开大会。",
    ]) + "\n"
    articles, _ = split_page(text)
    assert [(a.kind, a.title, a.reporters) for a in articles] == [
        ("news", "会议召开", ("林晨",)), ("photo", "", ("朱玉东",)), ("news", "下一篇的标题", ("张明",))]
    assert articles[1].paragraphs == ("11月4日，工人在车间里组装出口的新能源客车，产品远销海外。",)


def test_dateline_wrapped_over_three_lines_keeps_its_names():
    """A short line inside a dateline's open bracket is its credit, not an interleaved headline."""
    articles, skipped = split_page(
        "本报讯（记者 季雪松\n 通讯员 范文\n涛）11月20日，记者来到某镇，只见一排排光伏\n"
        "板整齐铺设在农户屋顶上。\n\n光伏点亮乡村路\n")
    assert skipped == []
    [a] = articles
    assert (a.title, a.reporters) == ("光伏点亮乡村路", ("季雪松", "范文涛"))
