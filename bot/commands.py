"""The commands the bot answers, with the one-line descriptions shown in menus and /help.

One list feeds Telegram's command menus (set per scope at start), /help, /admin and a test
that fails when a registered command is missing here.
"""

from __future__ import annotations

SUBSCRIBER_COMMANDS: tuple[tuple[str, str], ...] = (
    ("start", "这个机器人能做什么"),
    ("help", "命令一览"),
    ("subscribe", "订阅每日摘要：/subscribe 07:30"),
    ("unsubscribe", "退订"),
    ("time", "修改推送时间：/time 07:00"),
    ("counties", "选择关注的县市区"),
    ("topics", "选择关注的栏目"),
    ("papers", "选择报纸（关注多份报纸时）"),
    ("digest", "现在看摘要：/digest 或 /digest 2026-11-20"),
    ("article", "看全文：/article 123（或直接点 /a123）"),
    ("search", "搜索旧闻：/search 光伏 -招聘"),
    ("watch", "关注关键词：/watch 光伏"),
    ("watches", "我的关注词"),
    ("unwatch", "取消关注：/unwatch 编号"),
    ("alerts", "入库后立即提醒：/alerts on 或 off"),
    ("settings", "我的订阅设置"),
)

ADMIN_COMMANDS: tuple[tuple[str, str], ...] = (
    ("admin", "管理命令一览"),
    ("ingest", "上传版面：/ingest [日期] 后发送文件"),
    ("topic_add", "新增栏目：/topic_add 名称 词 词:2"),
    ("topic_kw", "改栏目关键词：/topic_kw 名称 +词 -词"),
    ("topic_del", "删除栏目：/topic_del 名称"),
    ("topic_preview", "预览栏目规则对最新一期的影响"),
    ("schedule", "查看或设置推送与入库时间"),
    ("stats", "运行统计"),
    ("broadcast", "群发通知：/broadcast 内容"),
    ("requeue", "补发结果不明或失败的消息：/requeue 编号 或 日期"),
    ("sources", "来源（电子报、订阅源）与上次抓取"),
    ("fetch", "立即抓取：/fetch [来源] [日期]"),
)
