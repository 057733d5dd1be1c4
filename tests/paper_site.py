"""The fixture e-paper site and feeds: invented articles in the layout Founder sites and news feeds use.

`founder_issue` writes one clean issue (2024-11-06): page 1 in UTF-8 with the newer
`<founder-title>` tags and its articles linked only from the page picture's image map; page 2 in
GBK with the old `enpproperty` comment, linked by `<a>`. `hostile_issue` writes 2024-11-07, whose
pages each carry one kind of trouble. `feeds` writes an RSS 2.0 and an Atom feed with entry pages.
EXPECTED holds what must be stored, field for field.
"""

from __future__ import annotations

from dataclasses import dataclass

from websites import Site

LAYOUT = "paper/pc/layout/{ym}/{d}/"
CONTENT = "paper/pc/content/{ym}/{d}/"


@dataclass(frozen=True)
class Story:
    id: str
    title: str
    paragraphs: tuple[str, ...]
    reporters: tuple[str, ...]
    kicker: str = ""
    subtitle: str = ""
    author: str = ""  # the metadata's author field
    dateline: str = ""  # `本报讯（…）` before the first paragraph
    byline: str = ""  # a last paragraph such as `■ 本报记者 X`
    county: str = ""


GUAN = Story(
    id="1001", kicker="聚焦冬季农业生产", title="冠县万亩大棚蔬菜喜获丰收", subtitle="——日均外销蔬菜超百吨",
    author="本报记者 赵明远", reporters=("赵明远",), county="冠县",
    paragraphs=(
        "11月5日，走进冠县店子镇的蔬菜种植基地，一排排冬暖式大棚整齐排列，菜农们正忙着采摘黄瓜、西红柿，装箱发往北京、天津等地。",
        "今年以来，冠县把设施蔬菜作为富民产业，新建改造大棚两千余个，推广水肥一体化和病虫害绿色防控技术，全县设施蔬菜种植面积达到一万余亩。",
        "“大棚里装上了智能温控，手机上就能看温度、放风，一个棚一年能收入五万多元。”种植户王大叔一边摘黄瓜一边说。",
    ),
)
GAOTANG = Story(
    id="1002", title="高唐县新建三所幼儿园投入使用", dateline="本报讯（记者 孙丽娜 通讯员 周强）",
    reporters=("孙丽娜", "周强"), county="高唐县",
    paragraphs=(
        "11月5日，高唐县人和街道中心幼儿园迎来首批入园幼儿。至此，该县今年新建的三所公办幼儿园全部投入使用，新增学位九百余个。",
        "近年来，高唐县持续加大学前教育投入，按照城乡一体、就近入园的原则规划建设幼儿园，配齐保教人员，普惠性幼儿园覆盖率达到百分之九十以上。",
    ),
)
SHEN = Story(
    id="2001", title="莘县举办秋季人才招聘会", author="记者 王海燕", reporters=("王海燕",), county="莘县",
    paragraphs=(
        "11月4日，莘县2024年秋季人才招聘会在县人力资源市场举行，八十余家企业提供就业岗位两千余个，吸引三千余名求职者入场。",
        "招聘会现场设置了政策咨询、技能培训报名等服务台，工作人员为求职者讲解就业创业扶持政策，帮助企业和求职者精准对接。",
    ),
)
DONGE = Story(
    id="2002", kicker="喜迎丰收季", title="东阿县阿胶文化节开幕", subtitle="吸引游客三万余人次",
    byline="■ 本报记者 刘晓光", reporters=("刘晓光",), county="东阿县",
    paragraphs=(
        "11月3日，第十届东阿阿胶文化节在东阿县开幕，非遗展演、古法熬胶体验、特色美食市集等活动吸引游客三万余人次。",
        "文化节期间，东阿县推出阿胶文化研学游线路，把阿胶博物馆、古阿井和黄河岸边的特色村庄串点成线，带动乡村旅游和餐饮住宿消费。",
    ),
)
EXPECTED = {1: (GUAN, GAOTANG), 2: (SHEN, DONGE)}


def _body(story: Story) -> str:
    paragraphs = list(story.paragraphs)
    if story.dateline:
        paragraphs[0] = story.dateline + paragraphs[0]
    if story.byline:
        paragraphs.append(story.byline)
    return "".join(f"<p>\u3000\u3000{p}</p>\n" for p in paragraphs)


def new_style(story: Story, charset: str = "utf-8", nodename: str = "要闻") -> str:
    """A newer build's article page: `<founder-x>` fields and a `<founder-content>` body."""
    fields = {"articleid": story.id, "date": "2024-11-06", "author": story.author, "title": story.title,
              "subtitle": story.subtitle, "introtitle": story.kicker, "nodename": nodename}
    meta = "".join(f"<founder-{k}>{v}</founder-{k}>" for k, v in fields.items())
    return f"""<!DOCTYPE html>
<html><head><meta charset="{charset}"><title>{story.title}-聊城日报</title></head>
<body><div class="header"><a href="../../../layout/202411/06/node_01.html">返回版面</a></div>
<div class="article">
<!--enpproperty {meta}/enpproperty-->
<p class="intro">{story.kicker}</p><h1>{story.title}</h1><p class="sub">{story.subtitle}</p>
<founder-content>{_body(story)}</founder-content>
</div><div class="footer">聊城日报社 版权所有</div></body></html>"""


def old_style(story: Story, charset: str = "gb2312", nodename: str = "县域") -> str:
    """An older build's article page: an `enpproperty` comment and `enpcontent` markers, in tables."""
    return f"""<html><head>
<meta http-equiv="Content-Type" content="text/html; charset={charset}">
<title>{story.title}</title></head><body>
<table class="wz"><tr><td>
<!--enpproperty <articleid>{story.id}</articleid><date>2024-11-06 00:00:00:0</date><author>{story.author}</author>\
<title>{story.title}</title><keyword></keyword><subtitle>{story.subtitle}</subtitle><introtitle>{story.kicker}</introtitle>\
<siteid>1</siteid><nodeid>42</nodeid><nodename>{nodename}</nodename><nodesearchname></nodesearchname>/enpproperty-->
<table><tr valign="top"><td>{story.kicker}</td></tr><tr valign="top"><td><b>{story.title}</b></td></tr>
<tr valign="top"><td>{story.subtitle}</td></tr></table>
<div id="ozoom"><!--enpcontent-->{_body(story)}<!--/enpcontent--></div>
</td></tr></table></body></html>"""


def node_page(number: int, pages: int, *, area: list[str] = (), anchors: list[str] = (), pdf: str = "",
              charset: str = "utf-8", extra: str = "") -> str:
    """A page node: the list of the issue's pages, the page picture's image map, an article list, the PDF."""
    pages_list = "".join(f'<li><a href="node_{n:02d}.html">第{n:02d}版</a></li>' for n in range(1, pages + 1))
    areas = "".join(f'<area shape="polygon" coords="1,2,3,4" href="{h}">' for h in area)
    links = "".join(f'<li><a href="{h}">文章</a></li>' for h in anchors)
    pdf_link = f'<a href="{pdf}">PDF下载</a>' if pdf else ""
    return f"""<html><head><meta http-equiv="Content-Type" content="text/html; charset={charset}">
<title>聊城日报 第{number:02d}版</title></head><body>
<div class="Therestlist"><ul>{pages_list}</ul></div>
<img src="../../../../images/p{number}.jpg" usemap="#PagePicMap"><map name="PagePicMap">{areas}</map>
<ul class="news-list">{links}</ul>{pdf_link}{extra}
</body></html>"""


def _content(story_id: str, day: str = "06") -> str:
    return f"../../../content/202411/{day}/content_{story_id}.html"


def founder_issue(site: Site) -> str:
    """The clean issue of 2024-11-06; returns the entry page's path."""
    layout, content = LAYOUT.format(ym="202411", d="06"), CONTENT.format(ym="202411", d="06")
    yesterday = '<a href="../05/node_01.html">上一期</a><a href="../../../index.html">最新一期</a>'
    site.add(layout + "node_01.html", node_page(1, 2, area=[_content("1001"), _content("1002")],
                                                pdf="../../../attachment/202411/06/p01.pdf", extra=yesterday),
             etag='"n1"')
    site.add(layout + "node_02.html", node_page(2, 2, anchors=[_content("2001"), _content("2002")],
                                                charset="gb2312").encode("gbk"),
             content_type="text/html", etag='"n2"')
    for story in (GUAN, GAOTANG):
        site.add(content + f"content_{story.id}.html", new_style(story), etag=f'"{story.id}"')
    for story in (SHEN, DONGE):
        # GBK bytes, declared in the meta tag only (the header names no charset), as old builds serve them.
        site.add(content + f"content_{story.id}.html", old_style(story).encode("gbk"), content_type="text/html",
                 etag=f'"{story.id}"')
    return layout + "node_01.html"


HOSTILE_GOOD = Story(
    id="3001", title="临清市轴承产业集群再添新项目", author="本报记者 马骏", reporters=("马骏",), county="临清市",
    paragraphs=("11月6日，临清市烟店镇一家精密轴承企业的新厂房正式投产，新上自动化生产线六条，预计年产值可达三亿元。",
                "临清市是全国重要的轴承生产基地，近年来当地引导企业加大研发投入，推动轴承产业向高端化、智能化方向发展。"),
)
MISLABELLED = Story(
    id="3006", title="阳谷县景阳冈景区完成提升改造", author="记者 陈静", reporters=("陈静",), county="阳谷县",
    paragraphs=("11月6日，阳谷县景阳冈景区提升改造工程完工，新建游客服务中心、生态停车场和文化展示长廊，景区接待能力明显提高。",
                "景区负责人介绍，改造后的景阳冈将推出水浒文化演艺和研学体验项目，进一步丰富游客的游览内容。"),
)


def hostile_issue(site: Site) -> dict[int, str]:
    """2024-11-07: pages 1 and 6 are good; each other page has one thing wrong. Returns page -> path."""
    layout, content = LAYOUT.format(ym="202411", d="07"), CONTENT.format(ym="202411", d="07")
    off_host = f"http://localhost:{site.port}/{content}content_9999.html"
    site.add(content + "content_9999.html", new_style(HOSTILE_GOOD))  # reachable, but not on our host name
    pages = {
        1: node_page(1, 8, area=[_content("3001", "07"), off_host],
                     extra=f'<a href="http://localhost:{site.port}/{layout}node_09.html">外站</a>'),
        2: node_page(2, 8, anchors=[_content("3002", "07")]),
        3: node_page(3, 8, anchors=[_content("3003", "07")]),
        4: node_page(4, 8, anchors=[_content("3004", "07")]),
        5: node_page(5, 8, anchors=[_content("3005", "07")]),
        6: node_page(6, 8, anchors=[_content("3006", "07")]),
        7: node_page(7, 8, anchors=[_content("3007", "07")]),
        8: node_page(8, 8, anchors=[_content("3008", "07")]),
    }
    for n, html_text in pages.items():
        site.add(layout + f"node_{n:02d}.html", html_text)
    site.add(content + "content_3001.html", new_style(HOSTILE_GOOD))
    # 2: a redirect loop.
    site.add(content + "content_3002.html", "", location=f"/{content}content_3002b.html", status=302)
    site.add(content + "content_3002b.html", "", location=f"/{content}content_3002.html", status=302)
    # 3: a 50 MB answer.
    site.add(content + "content_3003.html", "", huge=50_000_000)
    # 4: HTML without the expected parts.
    site.add(content + "content_3004.html", "<html><body><h1>页面维护中</h1><div>请稍后访问</div></body></html>")
    # 5: bytes that are no charset at all (declared UTF-8; GBK text with bytes no encoding has).
    site.add(content + "content_3005.html", new_style(HOSTILE_GOOD).encode("gbk") + b"\xff\xff\xfe")
    # 6: GBK declared as UTF-8: read as GB18030, and said so.
    site.add(content + "content_3006.html", new_style(MISLABELLED).encode("gbk"))
    # 7: a redirect to another host.
    site.add(content + "content_3007.html", "", location=off_host, status=301)
    # 8: not published yet (404).
    return {n: layout + f"node_{n:02d}.html" for n in pages}


FEED_STORIES = (
    Story(id="rss-1", title="聊城市区新增公交线路三条", author="记者 张文", reporters=("张文",), county="全市",
          paragraphs=("11月6日起，聊城市区新开通公交线路三条，连接高铁西站、市民文化活动中心和多个新建小区，方便市民出行。",
                      "据市交通运输局介绍，新线路全部采用新能源公交车，早晚高峰发车间隔十分钟，市民可通过手机查询车辆实时位置。",
                      "今年以来，我市已优化调整公交线路二十余条，新增公交站点六十余个，城市公共交通服务水平不断提升。")),
    Story(id="rss-2", title="茌平区举办农民丰收节农产品展销会", reporters=("李娜",), dateline="本报讯（记者 李娜）",
          county="茌平区",
          paragraphs=("11月6日，茌平区农民丰收节农产品展销会在信发街道举行，圆铃大枣、茌平黑猪肉等一百余种特色农产品集中亮相。",
                      "展销会现场还开设了电商直播间，主播们在线推介本地农产品，当天线上线下销售额超过二百万元。")),
)
ATOM_STORIES = (
    Story(id="atom-1", title="东昌府区老旧小区改造惠及两千余户", author="王磊", reporters=("王磊",), county="东昌府区",
          paragraphs=("今年，东昌府区完成老旧小区改造项目十二个，更新供水供暖管网、加装电梯、增设停车位，惠及居民两千余户。",
                      "改造中，街道和社区逐户征求居民意见，把群众最关心的停车难、充电难问题列为重点，改造完成后小区面貌焕然一新。")),
)


def entry_page(story: Story) -> str:
    """A news site's article page: navigation, the article, related links and a footer around it."""
    body = _body(story).replace("\u3000\u3000", "")
    return f"""<!DOCTYPE html><html><head><meta charset="utf-8"><title>{story.title}_聊城新闻网</title></head>
<body><nav><a href="/">首页</a> <a href="/news/">新闻</a> <a href="/video/">视频</a></nav>
<main><article><h1>{story.title}</h1><div class="info">来源：聊城新闻网 2024-11-06</div>
{body}</article></main>
<aside><h3>相关新闻</h3><ul><li><a href="/a.html">聊城召开全市工作会议</a></li></ul></aside>
<footer>聊城新闻网 版权所有 鲁ICP备00000000号</footer></body></html>"""


def feeds(site: Site) -> tuple[str, str]:
    """An RSS 2.0 and an Atom feed; returns their paths. Each has one entry of another day."""
    items = []
    for i, story in enumerate(FEED_STORIES):
        path = f"news/2024-11/06/{story.id}.html"
        site.add(path, entry_page(story), etag=f'"{story.id}"')
        author = f"<author>{story.author}</author>" if story.author else ""
        items.append(f"""<item><title>{story.title}</title><link>{site.url(path)}</link><guid>{story.id}</guid>
<pubDate>Wed, 06 Nov 2024 0{i + 1}:30:00 +0800</pubDate>{author}
<description>{story.paragraphs[0][:30]}</description></item>""")
    items.append(f"""<item><title>昨天的新闻</title><link>{site.url("news/old.html")}</link><guid>old</guid>
<pubDate>Tue, 05 Nov 2024 09:00:00 +0800</pubDate><description>旧闻</description></item>""")
    # 16:30 UTC on the 5th is 00:30 on the 6th in Shanghai: this one belongs to the 6th.
    rss = f"""<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>聊城新闻网</title><link>{site.base}/</link><description>本地新闻</description>
{"".join(items)}</channel></rss>"""
    site.add("feeds/rss.xml", rss, content_type="application/rss+xml; charset=utf-8", etag='"rss"')
    story = ATOM_STORIES[0]
    path = f"news/2024-11/06/{story.id}.html"
    site.add(path, entry_page(story))
    atom = f"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>聊城新闻网</title><id>urn:lcxw</id><updated>2024-11-06T10:00:00+08:00</updated>
<entry><title>{story.title}</title><id>urn:lcxw:{story.id}</id><link href="{site.url(path)}"/>
<published>2024-11-05T16:30:00Z</published><updated>2024-11-05T16:30:00Z</updated><author><name>{story.author}</name></author>
<summary>{story.paragraphs[0][:20]}</summary></entry>
<entry><title>前天的新闻</title><id>urn:lcxw:old</id><link href="{site.url("news/old2.html")}"/>
<updated>2024-11-04T08:00:00+08:00</updated><summary>旧闻</summary></entry>
</feed>"""
    site.add("feeds/atom.xml", atom, content_type="application/atom+xml", etag='"atom"')
    return "feeds/rss.xml", "feeds/atom.xml"
