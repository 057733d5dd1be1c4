"""Stop words from a plain file, passed to the Segmenter so no module reads config on its own."""

from __future__ import annotations

import logging
from pathlib import Path

log = logging.getLogger(__name__)


def load_stopwords(path: Path | str) -> frozenset[str]:
    """One word a line (UTF-8); blank lines and `#` comments are skipped so the file can be annotated."""
    words = frozenset(
        word
        for line in Path(path).read_text(encoding="utf-8").splitlines()
        if (word := line.strip()) and not word.startswith("#")
    )
    log.debug("%d stop words from %s", len(words), path)
    return words
