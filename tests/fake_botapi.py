"""A small fake of the Telegram Bot API over HTTP on 127.0.0.1, for end-to-end tests.

Standard library only (http.server in a thread). Point the bot at it the way
$TELEGRAM_API_BASE_URL would (`base_url=server.base_url`) and the real Application talks HTTP
to it, long polling included:

    with FakeBotApi(token=TOKEN) as server:               # serves 127.0.0.1:<free port>
        application = build_application(services, token=TOKEN, base_url=server.base_url)
        update = server.push(factory.message("/start", chat_id=1))   # queued for getUpdates
        calls = await server.until("sendMessage", chat_id=1)          # or wait_for(...) from a thread

Methods answered: getMe, getUpdates (long polling: waits up to `timeout` seconds for a queued
update, honours `offset` and `limit`), sendMessage, sendDocument, editMessageText,
editMessageReplyMarkup (an edit that changes nothing is refused, as Telegram refuses it),
answerCallbackQuery, setMyCommands, deleteMyCommands, deleteWebhook, getFile, and downloads at
/file/bot<token>/<file_path> of files added with `add_file`. Another method answers 404, a wrong
token 401. Parameters arrive form-encoded, multipart or JSON and are decoded (JSON-valued ones
parsed, so chat_id is an int and reply_markup a dict).

Recording: `calls` lists every request as Call(method, params, status, at), faults included;
`sent(chat_id)` gives the texts delivered (sent or edited), `messages` what each chat holds.

Fault injection, for the delivery tests (each Fault is used up by one matching call, in order):

    server.fail("sendMessage", Fault.flood(retry_after=3))      # 429 with parameters.retry_after
    server.fail("sendMessage", Fault.server_error())             # 500 Internal Server Error
    server.fail("sendMessage", Fault.blocked(), chat_id=42)      # 403 bot was blocked, chat 42 only
    server.fail("sendMessage", Fault.slow(2.0))                  # answers, but after 2 s: client timeout
    server.fail("sendMessage", Fault.server_error(), times=3)    # the next three calls
    server.limit_rate(30)          # sends (send*) beyond 30 in any rolling second: 429 retry_after=1
    server.revoke_token()          # every call from now on: 401 Unauthorized
    server.clear_faults()          # forget queued faults and the rate limit
"""

from __future__ import annotations

import asyncio
import email.parser
import email.policy
import html
import itertools
import json
import re
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

JSON = dict[str, Any]
BOT_USER: JSON = {"id": 7_000_000_009, "is_bot": True, "first_name": "fake digest", "username": "fake_digest_bot",
                  "can_join_groups": True, "can_read_all_group_messages": False, "supports_inline_queries": False}
STRING_FIELDS = frozenset({"text", "caption", "parse_mode", "callback_query_id", "file_id", "url", "description",
                           "short_description", "language_code", "secret_token", "query", "title", "name"})
SEND_METHODS = frozenset({"sendMessage", "sendDocument", "sendPhoto", "sendMediaGroup"})
_TAG = re.compile(r"<[^>]*>")


@dataclass(frozen=True)
class Fault:
    """What the server does to one call instead of (or before) answering it normally."""

    status: int | None = None  # None: answer normally, after `delay`
    description: str = ""
    retry_after: int | None = None
    delay: float = 0.0

    @classmethod
    def flood(cls, retry_after: int = 1) -> Fault:
        return cls(429, f"Too Many Requests: retry after {retry_after}", retry_after)

    @classmethod
    def server_error(cls, status: int = 500, description: str = "Internal Server Error") -> Fault:
        return cls(status, description)

    @classmethod
    def blocked(cls) -> Fault:
        return cls(403, "Forbidden: bot was blocked by the user")

    @classmethod
    def bad_request(cls, description: str = "Bad Request: chat not found") -> Fault:
        return cls(400, description)

    @classmethod
    def slow(cls, seconds: float) -> Fault:
        return cls(delay=seconds)


@dataclass(frozen=True)
class Call:
    method: str
    params: JSON
    status: int
    at: float = field(default_factory=time.monotonic)


@dataclass
class _Queued:
    fault: Fault
    chat_id: int | None
    times: int


class FakeBotApi:
    """The server and its state; use as a context manager, or call start() and stop()."""

    def __init__(self, token: str, bot_user: JSON | None = None) -> None:
        self.token = token
        self.bot_user = dict(bot_user or BOT_USER)
        self.calls: list[Call] = []
        self.messages: dict[int, dict[int, JSON]] = {}
        self.files: dict[str, tuple[str, bytes]] = {}  # file_id -> (file_path, data)
        self._cond = threading.Condition()
        self._updates: list[JSON] = []
        self._update_ids = itertools.count(1)
        self._message_ids = itertools.count(501)
        self._file_ids = itertools.count(1)
        self._faults: dict[str, list[_Queued]] = {}
        self._rate: float | None = None
        self._recent_sends: deque[float] = deque()
        self._closing = False
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # --- lifecycle ---
    def start(self) -> FakeBotApi:
        self._server = _Server(("127.0.0.1", 0), _handler_for(self))
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                                        name="fake-botapi", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        with self._cond:
            self._closing = True
            self._cond.notify_all()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> FakeBotApi:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        """The server root, as $TELEGRAM_API_BASE_URL takes it (PTB's form is base_url + "/bot")."""
        assert self._server is not None, "start the server first"
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    # --- what tests do ---
    def push(self, update: JSON) -> JSON:
        """Queue an update for getUpdates (its update_id is replaced by the server's own sequence)."""
        with self._cond:
            update = {**update, "update_id": next(self._update_ids)}
            self._updates.append(update)
            self._cond.notify_all()
        return update

    def add_file(self, data: bytes, name: str) -> str:
        """Make `data` downloadable through getFile; returns the file_id to put in a document update."""
        with self._cond:
            file_id = f"F{next(self._file_ids)}"
            suffix = re.search(r"\.[A-Za-z0-9]{1,5}$", name)  # Telegram names the file itself
            self.files[file_id] = (f"documents/file_{file_id[1:]}{suffix.group(0) if suffix else ''}", data)
        return file_id

    def fail(self, method: str, *faults: Fault, chat_id: int | None = None, times: int = 1) -> None:
        """Queue faults for the next calls of `method` (for `chat_id` only, if given)."""
        with self._cond:
            for fault in faults:
                self._faults.setdefault(method, []).append(_Queued(fault, chat_id, times))

    def limit_rate(self, per_second: float | None) -> None:
        """Answer 429 (retry_after=1) to sends beyond `per_second` in any rolling second; None lifts it."""
        with self._cond:
            self._rate = per_second
            self._recent_sends.clear()

    def revoke_token(self) -> None:
        """From now on the bot's token is refused (401 Unauthorized), as after /revoke in @BotFather."""
        with self._cond:
            self.token = f"{self.token}-revoked"
            self._cond.notify_all()

    def clear_faults(self) -> None:
        with self._cond:
            self._faults.clear()
            self._rate = None

    def of(self, method: str, chat_id: int | None = None, ok: bool = True) -> list[Call]:
        with self._cond:
            return [c for c in self.calls if c.method == method and (not ok or c.status == 200)
                    and (chat_id is None or c.params.get("chat_id") == chat_id)]

    def sent(self, chat_id: int | None = None) -> list[str]:
        """Texts (HTML as sent) that reached a chat, sent or edited, in order."""
        return [c.params["text"] for c in self.calls if c.status == 200
                and c.method in ("sendMessage", "editMessageText")
                and (chat_id is None or c.params.get("chat_id") == chat_id)]

    def wait_until(self, condition: Callable[[], bool], *, timeout: float = 10, what: str = "condition") -> None:
        """Block until `condition()` (checked after every call the server records) holds."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while not condition():
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError(f"{what} not met after {timeout} s")
                self._cond.wait(left)

    def wait_for(self, method: str, *, count: int = 1, chat_id: int | None = None, timeout: float = 10) -> list[Call]:
        """Block until `count` successful calls of `method` (to `chat_id`) have been made; return them."""
        self.wait_until(lambda: len(self.of(method, chat_id)) >= count, timeout=timeout,
                        what=f"{count} {method} calls")
        return self.of(method, chat_id)

    async def until(self, method: str, *, count: int = 1, chat_id: int | None = None,
                    timeout: float = 10) -> list[Call]:
        """`wait_for` for async tests: waits in a thread so the bot's event loop keeps running."""
        return await asyncio.to_thread(self.wait_for, method, count=count, chat_id=chat_id, timeout=timeout)

    async def until_sent(self, chat_id: int, count: int, timeout: float = 10) -> list[str]:
        """Wait until `count` texts have reached `chat_id` (sent or edited); return them all."""
        await asyncio.to_thread(self.wait_until, lambda: len(self.sent(chat_id)) >= count, timeout=timeout,
                                what=f"{count} messages to chat {chat_id}")
        return self.sent(chat_id)

    def keyboard_message(self, chat_id: int) -> JSON:
        """The latest message in a chat that carries an inline keyboard, as the API returned it."""
        with self._cond:
            for message in reversed(self.messages.get(chat_id, {}).values()):
                if message.get("reply_markup"):
                    return message
        raise AssertionError(f"no message with a keyboard in chat {chat_id}")

    # --- serving ---
    def handle(self, method: str, params: JSON) -> tuple[int, JSON, float]:
        """(HTTP status, response body, delay before answering) for one API call."""
        with self._cond:
            fault = self._take_fault(method, params)
            if fault is None and self._rate is not None and method in SEND_METHODS:
                fault = self._rate_fault()
            if fault is not None and fault.status is not None:
                self._record(method, params, fault.status)
                body: JSON = {"ok": False, "error_code": fault.status, "description": fault.description}
                if fault.retry_after is not None:
                    body["parameters"] = {"retry_after": fault.retry_after}
                return fault.status, body, fault.delay
            delay = fault.delay if fault else 0.0
            if method == "getUpdates":
                self._record(method, params, 200)
                return 200, {}, delay  # answered by long_poll, after the delay
            status, body = self._answer(method, params)
            self._record(method, params, status)
            return status, body, delay

    def long_poll(self, params: JSON) -> JSON:
        """getUpdates: confirm updates below `offset`, then wait up to `timeout` for new ones."""
        offset = int(params.get("offset") or 0)
        limit = int(params.get("limit") or 100)
        deadline = time.monotonic() + float(params.get("timeout") or 0)
        with self._cond:
            self._updates = [u for u in self._updates if u["update_id"] >= offset]
            while not self._updates and not self._closing and (left := deadline - time.monotonic()) > 0:
                self._cond.wait(left)
            return {"ok": True, "result": self._updates[:limit]}

    def download(self, path: str) -> bytes | None:
        with self._cond:
            for file_path, data in self.files.values():
                if path == f"/file/bot{self.token}/{file_path}":
                    return data
        return None

    def _take_fault(self, method: str, params: JSON) -> Fault | None:
        queue = self._faults.get(method, [])
        for i, queued in enumerate(queue):
            if queued.chat_id is None or queued.chat_id == params.get("chat_id"):
                queued.times -= 1
                if queued.times <= 0:
                    del queue[i]
                return queued.fault
        return None

    def _rate_fault(self) -> Fault | None:
        now = time.monotonic()
        while self._recent_sends and now - self._recent_sends[0] >= 1.0:
            self._recent_sends.popleft()
        assert self._rate is not None
        if len(self._recent_sends) >= self._rate:
            return Fault.flood(retry_after=1)
        self._recent_sends.append(now)
        return None

    def refused(self, method: str) -> None:
        """Record a call made with a wrong token (answered 401)."""
        with self._cond:
            self._record(method, {}, 401)

    def _record(self, method: str, params: JSON, status: int) -> None:
        self.calls.append(Call(method, params, status))
        self._cond.notify_all()

    def _answer(self, method: str, params: JSON) -> tuple[int, JSON]:
        try:
            result = self._result(method, params)
        except _ApiError as exc:
            return exc.status, {"ok": False, "error_code": exc.status, "description": str(exc)}
        return 200, {"ok": True, "result": result}

    def _result(self, method: str, params: JSON) -> Any:
        if method == "getMe":
            return self.bot_user
        if method in ("answerCallbackQuery", "setMyCommands", "deleteMyCommands", "deleteWebhook",
                      "sendChatAction", "setWebhook", "close", "logOut"):
            return True
        if method == "sendMessage":
            return self._store(params["chat_id"], next(self._message_ids), params.get("text", ""),
                               params.get("reply_markup"))
        if method == "sendDocument":
            message = self._store(params["chat_id"], next(self._message_ids), "", None)
            message["document"] = {"file_id": "sent", "file_unique_id": "sent", "file_name": "document"}
            return message
        if method in ("editMessageText", "editMessageReplyMarkup"):
            chat, mid = params["chat_id"], params["message_id"]
            old = self.messages.get(chat, {}).get(mid)
            if old is None:
                raise _ApiError(400, "Bad Request: message to edit not found")
            text = params["text"] if method == "editMessageText" else old["_html"]
            if old["_html"] == text and old.get("reply_markup") == params.get("reply_markup"):
                raise _ApiError(400, "Bad Request: message is not modified: specified new message content and"
                                     " reply markup are exactly the same as a current content and reply markup")
            message = self._store(chat, mid, text, params.get("reply_markup"))
            message["edit_date"] = int(time.time())
            return message
        if method == "getFile":
            found = self.files.get(str(params.get("file_id")))
            if found is None:
                raise _ApiError(400, "Bad Request: invalid file_id")
            return {"file_id": params["file_id"], "file_unique_id": f"u{params['file_id']}", "file_size": len(found[1]),
                    "file_path": found[0]}
        raise _ApiError(404, "Not Found")

    def _store(self, chat_id: int, message_id: int, text: str, markup: JSON | None) -> JSON:
        chat: JSON = ({"id": chat_id, "type": "private", "first_name": "reader"} if chat_id > 0
                      else {"id": chat_id, "type": "supergroup", "title": "group"})
        message: JSON = {"message_id": message_id, "date": int(time.time()), "chat": chat, "from": self.bot_user}
        if text:
            message["text"] = html.unescape(_TAG.sub("", text))
        if markup:
            message["reply_markup"] = markup
        self.messages.setdefault(chat_id, {})[message_id] = {**message, "_html": text}
        return message


class _ApiError(Exception):
    def __init__(self, status: int, description: str) -> None:
        super().__init__(description)
        self.status = status


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    allow_reuse_address = True


def _decode(pairs: list[tuple[str, str]]) -> JSON:
    params: JSON = {}
    for key, value in pairs:
        if key in STRING_FIELDS:
            params[key] = value
            continue
        try:
            params[key] = json.loads(value)
        except ValueError:
            params[key] = value
    return params


def _handler_for(api: FakeBotApi) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:  # quiet: tests read `calls` instead
            pass

        def do_GET(self) -> None:
            path = unquote(urlsplit(self.path).path)  # PTB quotes file paths (the token's ':' too)
            if path.startswith("/file/"):
                data = api.download(path)
                self._send(200 if data is not None else 404, data if data is not None else b"Not Found",
                           "application/octet-stream")
            else:
                self._api(path, parse_qsl(urlsplit(self.path).query))

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length)
            ctype = self.headers.get("Content-Type", "")
            if ctype.startswith("application/json"):
                params = json.loads(body or b"{}")
                pairs = [(k, v if isinstance(v, str) else json.dumps(v)) for k, v in params.items()]
            elif ctype.startswith("multipart/form-data"):
                pairs = _multipart(ctype, body)
            else:
                pairs = parse_qsl(body.decode("utf-8"), keep_blank_values=True)
            self._api(unquote(urlsplit(self.path).path), pairs)

        def _api(self, path: str, pairs: list[tuple[str, str]]) -> None:
            prefix, _, method = path.rpartition("/")
            if prefix != f"/bot{api.token}":
                api.refused(method)
                self._json(401, {"ok": False, "error_code": 401, "description": "Unauthorized"})
                return
            params = _decode(pairs)
            status, body, delay = api.handle(method, params)
            if delay:
                time.sleep(delay)
            if method == "getUpdates" and status == 200:
                body = api.long_poll(params)
            self._json(status, body)

        def _json(self, status: int, body: JSON) -> None:
            self._send(status, json.dumps(body, ensure_ascii=False).encode("utf-8"), "application/json")

        def _send(self, status: int, data: bytes, ctype: str) -> None:
            try:
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
            except (BrokenPipeError, ConnectionResetError):  # the client gave up (timeout, shutdown)
                self.close_connection = True

    return Handler


def _multipart(ctype: str, body: bytes) -> list[tuple[str, str]]:
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
        f"Content-Type: {ctype}\r\n\r\n".encode() + body)
    pairs = []
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        payload = part.get_payload(decode=True) or b""
        if part.get_filename():
            pairs.append((str(name), f"<file {part.get_filename()}: {len(payload)} bytes>"))
        else:
            pairs.append((str(name), payload.decode("utf-8")))
    return pairs


