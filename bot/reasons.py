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
    # PDFs (digest/sources/pdf.py, pdf_extract.py; the date checks in digest/ingest.py).
    (r"^not a PDF\b", "不是 PDF 文件"),
    (r"^truncated or corrupt PDF\b", "PDF 文件不完整或已损坏（下载中断？）"),
    (r"^corrupt PDF\b", "PDF 文件已损坏，无法读取"),
    (r"^encrypted PDF\b", "PDF 文件已加密，需要密码才能打开"),
    (r"^(?P<size>[\d.]+) MB is too large for a PDF \(limit (?P<limit>[\d.]+) MB\)$",
     "PDF 文件太大（{size} MB），最多 {limit} MB"),
    (r"^(?P<n>\d+) pages is too many \(limit (?P<limit>\d+)\)$", "PDF 页数太多（{n} 页），最多 {limit} 页"),
    (r"^page (?P<page>\d+) holds\b", "PDF 第 {page} 页内容过多，无法安全读取"),
    (r"^reading it took (longer|more) than\b", "读取 PDF 超出了时间或内存限制（文件损坏或异常？）"),
    (r"^scanned page\b", "这是扫描版面（只有图片，没有文字层），不支持文字识别"),
    (r"^no text in it\b", "PDF 里没有文字（空白页，或文字被画成了图形）"),
    (r"^its fonts have no Unicode map\b", "PDF 字体没有 Unicode 映射，取出的文字是乱码；请导出嵌入字体的 PDF"),
    (r"^no Chinese text in it\b", "PDF 里没有中文文字（字体无法映射，或不是中文版面）"),
    (r"^no page with text$", "PDF 里没有可用的版面"),
    (r"^no date: none is printed\b", "版面上没有印日期；请在 /ingest 后注明日期"),
    (r"^its pages are dated (?P<dates>.+) in their headers\b", "各版印的日期不同（{dates}）：一个 PDF 只能是一期报纸"),
    (r"^its header is dated (?P<printed>\S+), not (?P<date>\S+) as given\b",
     "版面上印的日期是 {printed}，不是指定的 {date}；如确实是 {printed} 的报纸，请用 /ingest {printed}"),
    (r"^page (?P<page>\d+) of (?P<date>\S+) is already stored\b",
     "{date} 第 {page} 版已经入库，内容不同，没有替换。文件名里写上版次（如 {date}_02.txt 即第 2 版）再发送；"
     "写明版次的文件会替换该版"),
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
