"""Keep the bot token out of every log line.

The token is part of every Bot API URL (`https://api.telegram.org/bot<token>/getMe`), and
httpx logs each request's URL at INFO while PTB logs its base URL at DEBUG. A `logging.Filter`
that replaces the token is installed where every record passes: the log record factory, so it
covers records of every logger and reaches every handler, including ones added later (pytest's
caplog, a file handler). Formatted tracebacks are redacted too.
"""

from __future__ import annotations

import logging
import sys
import threading
import traceback
from types import TracebackType

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


def scrub(text: str) -> str:
    """`text` with every protected secret replaced: for messages that do not go through logging."""
    return _filter.scrub(text) if _filter is not None else text


def protect_handlers() -> None:
    """Also filter at the root logger's handlers (a record made before `protect`, or by a foreign
    record factory, is scrubbed on its way out)."""
    if _filter is None:
        return
    for handler in logging.getLogger().handlers:
        if _filter not in handler.filters:
            handler.addFilter(_filter)


def protect_excepthooks() -> None:
    """Uncaught exceptions (main thread and other threads) print their traceback scrubbed:
    PTB's InvalidToken holds the whole token in its message."""

    def excepthook(kind: type[BaseException], value: BaseException, tb: TracebackType | None) -> None:
        sys.stderr.write(scrub("".join(traceback.format_exception(kind, value, tb))))

    def thread_excepthook(args: threading.ExceptHookArgs) -> None:
        if args.exc_type is SystemExit:
            return
        name = args.thread.name if args.thread else "?"
        sys.stderr.write(f"Exception in thread {name}:\n" + scrub(
            "".join(traceback.format_exception(args.exc_type, args.exc_value, args.exc_traceback))))

    sys.excepthook = excepthook
    threading.excepthook = thread_excepthook
