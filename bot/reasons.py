"""Why a page file was refused, in Chinese for the bot's admins.

digest/ words its reasons in English for the command line and the logs (`error: FILE: reason`);
the bot speaks Chinese throughout, so a reply never mixes the two (`❌ …：没有入库。not Chinese
page text …`). Each known reason has a pattern here; one we do not know yet is logged in English
and shown as a general sentence, never passed through.
"""

from __future__ import annotations

import logging
import re

log = logging.getLogger(__name__)

_WHAT = {
    "a PNG image": "PNG 图片", "a JPEG image": "JPEG 图片", "a PDF": "PDF 文件",
    "a ZIP archive or Office document": "ZIP 压缩包或 Office 文档", "a GIF image": "GIF 图片",
}

_REASONS: tuple[tuple[re.Pattern[str], str], ...] = tuple((re.compile(p), t) for p, t in (
    (r"^empty file$", "文件是空的"),
    (r"^only white space$", "文件里只有空白"),
    (r"^binary file: looks like (?P<what>.+), not page text$", "这是 {what}，不是版面文字"),
    (r"^binary file: control characters in the text$", "文件含有控制字符，不是版面文字"),
    (r"^binary file: it holds NUL bytes(?P<utf16> \(UTF-16.*)?$", "文件含有空字节，不是版面文字{utf16}"),
    (r"^(?P<size>[\d.]+) MB is too large for a page \(limit (?P<limit>[\d.]+) MB\)$",
     "文件太大（{size} MB），一个版面最多 {limit} MB"),
    (r"^(?P<n>[\d,]+) characters is too long for a page \(limit (?P<limit>[\d,]+)\)$",
     "文字太长（{n} 个字符），一个版面最多 {limit} 个字符"),
    (r"^not Chinese page text\b", "不是中文版面文字（汉字太少）"),
    (r"^broken (?P<codec>\S+) text at byte (?P<at>\d+)$", "{codec} 编码损坏（第 {at} 字节）"),
    (r"^neither UTF-8 nor GB18030 text.*bad byte at (?P<at>\d+)$",
     "既不是 UTF-8 也不是 GB18030 文字（第 {at} 字节出错）"),
    (r"^broken UTF-8 text: .*the first at byte (?P<at>\d+)$", "UTF-8 编码损坏（第一处在第 {at} 字节）"),
    (r"^is a directory, not a page file$", "这是文件夹，不是版面文件"),
    (r"^not a regular file$", "不是普通文件"),
    (r"^no such file$", "文件不存在"),
    (r"^permission denied$", "没有读取权限"),
    (r"^cannot be read\b", "文件无法读取"),
    (r"^no article body found\b", "没有找到正文（只有标题或署名）"),
    (r"^no recognisable article\b", "没有识别出文章（找不到标题、电头或署名）"),
    (r"^could not be split\b", "拆分文章时出错（详情已记入日志）"),
    (r"^page (?P<page>\d+) of (?P<date>\S+) is already stored\b",
     "{date} 第 {page} 版已经入库，内容不同；需要替换时请注明"),
))


def chinese_reason(reason: str) -> str:
    """The refusal reason in Chinese; an unknown one is logged and summed up in general words."""
    for pattern, template in _REASONS:
        match = pattern.search(reason)
        if match:
            fields = {k: v or "" for k, v in match.groupdict().items()}
            if "what" in fields:
                fields["what"] = _WHAT.get(fields["what"], "二进制文件")
            if "utf16" in fields:
                fields["utf16"] = "（UTF-16 文字需要字节序标记，请另存为 UTF-8）" if fields["utf16"] else ""
            return template.format(**fields)
    log.warning("no Chinese wording for the refusal reason %r", reason)
    return "文件无法入库（原因已记入日志）"
