"""Keep the bot token out of every log line.

The token is part of every Bot API URL (`https://api.telegram.org/bot<token>/getMe`), and
httpx logs each request's URL at INFO while PTB logs its base URL at DEBUG. A `logging.Filter`
that replaces the token is installed where every record passes: the log record factory, so it
covers records of every logger and reaches every handler, including ones added later (pytest's
caplog, a file handler). Formatted tracebacks are redacted too.
"""

from __future__ import annotations

import logging
import threading

REDACTED = "<token>"


class TokenFilter(logging.Filter):
    """Replace each known secret in a record's message, arguments and traceback text."""

    def __init__(self) -> None:
        super().__init__()
        self.secrets: set[str] = set()

    def add(self, secret: str) -> None:
        if secret:
            self.secrets.add(secret)

    def scrub(self, text: str) -> str:
        for secret in self.secrets:
            text = text.replace(secret, REDACTED)
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        if not self.secrets:
            return True
        try:
            message = record.getMessage()
        except (TypeError, ValueError):  # a malformed call: leave it for logging to report
            return True
        record.msg, record.args = self.scrub(message), None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self.scrub(record.exc_text)
        if record.stack_info:
            record.stack_info = self.scrub(record.stack_info)
        return True


_lock = threading.Lock()
_filter: TokenFilter | None = None


def protect(secret: str) -> TokenFilter:
    """Redact `secret` from every log record from now on (idempotent; secrets accumulate)."""
    global _filter
    with _lock:
        if _filter is None:
            _filter = TokenFilter()
            make_record = logging.getLogRecordFactory()

            def redacting_factory(*args: object, **kwargs: object) -> logging.LogRecord:
                record = make_record(*args, **kwargs)
                assert _filter is not None
                _filter.filter(record)
                return record

            logging.setLogRecordFactory(redacting_factory)
        _filter.add(secret)
        return _filter


def quiet_http_logging() -> None:
    """httpx logs every request (each long poll, every 10 s) at INFO: keep it to warnings."""
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("httpcore").setLevel(logging.WARNING)
