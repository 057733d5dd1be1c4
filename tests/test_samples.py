"""The project's own sample pages parse exactly as labelled in samples/expected.json."""

import json

from conftest import SAMPLES

from digest.sources.textfile import read_page
from digest.sources.textpage import split_page


def test_samples_split_as_labelled():
    expected = json.loads((SAMPLES / "expected.json").read_text(encoding="utf-8"))
    got = []
    for path in sorted(SAMPLES.glob("*.txt")):
        articles, skipped = split_page(read_page(path).text)
        assert skipped == [], path.name
        got += [{"file": path.name, "kind": a.kind, "kicker": a.kicker, "title": a.title, "subtitle": a.subtitle,
                 "reporters": list(a.reporters)} for a in articles]
    keys = ("file", "kind", "kicker", "title", "subtitle", "reporters")
    assert got == [{k: e[k] for k in keys} for e in expected]
