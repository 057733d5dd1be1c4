"""Write the bad-input corpus: small files that each hold one way a page file goes wrong.

The files are committed; this script is how they were made and how they are remade on purpose
(`python tests/badinput/generate.py`). tests/test_hostile_files.py checks the committed files
still equal what `corpus()` returns, and says what the reader and the CLI must answer for each.
Large files (a 50 MB line) are generated at test time, never committed.

The page text is invented (no sentence from the real seed pages); it imitates their layout:
dateline wrapped mid-name, body before headline, a photo caption with its credit on the last
line, a feature with its byline on top.
"""

from __future__ import annotations

import codecs
import struct
import sys
import zlib
from pathlib import Path

HERE = Path(__file__).resolve().parent

PAGE = """\
本报讯（记者 王晓东 通讯员 刘
芳） 11 月 12 日，记者从市农业农村局
了解到，今年全市新建高标准农田 12
万亩，粮食总产量预计比上年增长
3.2%，连续五年稳定在百亿斤以上。

“新建的农田路相通、渠相连，浇地
比以前省了一半的时间。”东阿县姜楼
镇种粮大户张建国说。

据介绍，市农业农村局将继续加大
投入力度，推动农田建设提质增效。

粮食生产再获丰收

全市新建高标准农田12万亩

11月10日，冠县清泉街道的果农在
采摘苹果。今年当地苹果喜获丰收，
亩产达到4000公斤。 ■ 本报记者 陈亮

■ 本报记者 赵敏
本报通讯员 孙伟

清晨六点，临清市烟店镇的轴承市
场已经热闹起来。来自全国各地的客
商在这里挑选产品，装车发货。

“现在网上订单越来越多，一天能发
出去三百多单。”一家轴承企业的负
责人说。

小轴承转出大市场
"""

# The same page in Traditional characters, converted by hand.
PAGE_TRADITIONAL = """\
本報訊（記者 王曉東 通訊員 劉
芳） 11 月 12 日，記者從市農業農村局
了解到，今年全市新建高標準農田 12
萬畝，糧食總產量預計比上年增長
3.2%，連續五年穩定在百億斤以上。

“新建的農田路相通、渠相連，澆地
比以前省了一半的時間。”東阿縣姜樓
鎮種糧大戶張建國說。

據介紹，市農業農村局將繼續加大
投入力度，推動農田建設提質增效。

糧食生產再獲豐收

全市新建高標準農田12萬畝

11月10日，冠縣清泉街道的果農在
採摘蘋果。今年當地蘋果喜獲豐收，
畝產達到4000公斤。 ■ 本報記者 陳亮

■ 本報記者 趙敏
本報通訊員 孫偉

清晨六點，臨清市煙店鎮的軸承市
場已經熱鬧起來。來自全國各地的客
商在這裡挑選產品，裝車發貨。

“現在網上訂單越來越多，一天能發
出去三百多單。”一家軸承企業的負
責人說。

小軸承轉出大市場
"""

HEADLINES_ONLY = "粮食生产再获丰收\n\n全市新建高标准农田12万亩\n\n小轴承转出大市场\n\n冠县苹果喜获丰收\n"


def _png() -> bytes:
    """A real 1x1 PNG, as a phone would send a photo of the page."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\x00\xff\xff\xff")) + (
        chunk(b"IEND", b""))


def _broken_utf8() -> bytes:
    data = bytearray(PAGE.encode("utf-8"))
    data[BROKEN_AT] = 0xFF  # one flipped byte inside a character
    return bytes(data)


BROKEN_AT = 100


def _emoji() -> str:
    return (PAGE.replace("张建国说。", "张建国说。👍🌾")
            .replace("小轴承转出大市场", "小轴承转出大市场🚚")
            .replace("亩产达到4000公斤。", "亩产达到4000公斤🍎。"))


def corpus() -> dict[str, bytes]:
    """File name -> bytes, in a fixed order."""
    return {
        "ok_utf8.txt": PAGE.encode("utf-8"),
        "empty.txt": b"",
        "whitespace.txt": b" \n\t\n\r\n   \n",
        "fullwidth_spaces.txt": "\u3000\u3000\n\u3000\n".encode(),
        "binary.txt": bytes(range(256)) * 4,
        "png_renamed.txt": _png(),
        "gb18030.txt": PAGE.encode("gb18030"),
        "utf8_bom.txt": codecs.BOM_UTF8 + PAGE.encode("utf-8"),
        "utf16_bom.txt": PAGE.encode("utf-16"),  # Python writes the BOM, little-endian
        "utf16be_bom.txt": codecs.BOM_UTF16_BE + PAGE.encode("utf-16-be"),
        "utf16_no_bom.txt": PAGE.encode("utf-16-le"),
        "broken_utf8.txt": _broken_utf8(),
        "truncated_utf8.txt": PAGE.encode("utf-8")[:-2],
        "crlf.txt": PAGE.replace("\n", "\r\n").encode("utf-8"),
        "control_chars.txt": PAGE.replace("小轴承", "\x1b[31m小轴承").encode("utf-8"),
        "latin.txt": b"Page 3\n\nThe quick brown fox jumps over the lazy dog.\n",
        "headlines_only.txt": HEADLINES_ONLY.encode("utf-8"),
        "dateline_only.txt": "本报讯（记者 王晓东 通讯员 刘芳）\n".encode(),
        "traditional.txt": PAGE_TRADITIONAL.encode("utf-8"),
        "emoji.txt": _emoji().encode("utf-8"),
        "repeated_twice.txt": (PAGE + "\n" + PAGE).encode("utf-8"),
    }


def main(folder: Path = HERE) -> None:
    for name, data in corpus().items():
        (folder / name).write_bytes(data)
        print(f"{name}: {len(data)} bytes", file=sys.stderr)


if __name__ == "__main__":
    main()
