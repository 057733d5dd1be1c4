"""Reading page files: encodings are detected and named, anything else is refused with a reason."""

import codecs

import pytest

from digest.sources.textfile import PageError, decode_page, read_page

TEXT = "本报讯（记者 张明）今年以来，全市新建成一批项目。\n\n项目建设提速\n"


@pytest.mark.parametrize(("data", "encoding"), [
    (TEXT.encode("utf-8"), "utf-8"),
    (TEXT.encode("gb18030"), "gb18030"),
    (codecs.BOM_UTF8 + TEXT.encode("utf-8"), "utf-8 (BOM)"),
    (TEXT.encode("utf-16"), "utf-16 (BOM)"),
])
def test_encodings_detected_and_named(data, encoding):
    page = decode_page(data, "p.txt")
    assert page.text == TEXT
    assert page.encoding == encoding


def test_crlf_line_ends_become_newlines():
    assert decode_page(TEXT.replace("\n", "\r\n").encode(), "p.txt").text == TEXT


@pytest.mark.parametrize(("data", "reason"), [
    (b"", "empty file"),
    (b" \n\t\n", "only white space"),
    (b"\x89PNG\r\n\x1a\n" + b"\x00" * 20, "binary file: looks like a PNG image, not page text"),
    (b"%PDF-1.7 ...", "binary file: looks like a PDF, not page text"),
    (b"abc\x00def" * 10, "binary file: it holds NUL bytes"),
    (b"Just English text, no Chinese at all.", "not Chinese page text (decoded as utf-8, too few Chinese characters)"),
])
def test_bad_input_refused_with_reason(data, reason):
    with pytest.raises(PageError) as err:
        decode_page(data, "bad.txt")
    assert err.value.reason == reason
    assert str(err.value) == f"bad.txt: {reason}"


def test_too_large_refused_before_reading(tmp_path):
    big = tmp_path / "big.txt"
    with big.open("wb") as f:
        f.truncate(50_000_000)
    with pytest.raises(PageError, match=r"^big.txt: 50.0 MB is too large for a page \(limit 8 MB\)$"):
        read_page(big)


def test_missing_file_and_directory(tmp_path):
    with pytest.raises(PageError, match=r"nope\.txt: no such file"):
        read_page(tmp_path / "nope.txt")
    with pytest.raises(PageError, match="is a directory"):
        read_page(tmp_path)
