"""Refusal reasons reach the bot's admins in Chinese: no English sentence inside a Chinese reply."""

import re
from pathlib import Path

import pytest

from bot.reasons import chinese_reason
from digest.sources.textfile import PageError, read_page

BADINPUT = Path(__file__).parent / "badinput"
ENGLISH_WORD = re.compile(r"[A-Za-z]{3,}")
CODEC_NAMES = {"UTF", "GB18030", "PNG", "JPEG", "PDF", "ZIP", "Office", "GIF", "utf"}


def refusals() -> list[str]:
    """Every reason read_page gives for the hostile-input corpus, plus the file-system ones."""
    reasons = []
    for path in sorted(BADINPUT.glob("*.txt")):
        try:
            read_page(path, max_bytes=8_000_000)
        except PageError as exc:
            reasons.append(exc.reason)
    for path in (BADINPUT / "missing.txt", BADINPUT):
        with pytest.raises(PageError) as info:
            read_page(path, max_bytes=8_000_000)
        reasons.append(info.value.reason)
    with pytest.raises(PageError) as too_big:
        read_page(BADINPUT / "ok_utf8.txt", max_bytes=10)
    reasons.append(too_big.value.reason)
    return reasons


def test_every_refusal_of_the_corpus_has_chinese_words():
    reasons = refusals()
    assert len(reasons) >= 10
    for reason in reasons:
        said = chinese_reason(reason)
        assert said != "文件无法入库（原因已记入日志）", reason
        assert not set(ENGLISH_WORD.findall(said)) - CODEC_NAMES, (reason, said)


def test_numbers_are_kept_and_unknown_reasons_are_not_passed_through(caplog):
    assert chinese_reason("broken UTF-8 text: 3 undecodable places, the first at byte 100") == \
        "UTF-8 编码损坏（第一处在第 100 字节）"
    assert chinese_reason("12.5 MB is too large for a page (limit 8 MB)") == "文件太大（12.5 MB），一个版面最多 8 MB"
    assert chinese_reason("a brand-new reason nobody wrote down") == "文件无法入库（原因已记入日志）"
    assert "a brand-new reason nobody wrote down" in caplog.text
