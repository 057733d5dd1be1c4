"""An in-process stand-in for the Telegram Bot API: a `BaseRequest` that never touches the network.

The terminal chat drives the real Application through it, and tests use it (tests/offline_request.py)
to record every call. It answers the methods this bot uses with the JSON Telegram would send,
keeps the messages it "sent" so edits apply to them (and, like Telegram, refuses an edit that
changes nothing), and serves files registered with `add_file` to getFile and the download.
"""

from __future__ import annotations

import itertools
import json
import logging
import re
import time
from dataclasses import dataclass, field
from typing import Any

from telegram.request import BaseRequest, RequestData

from bot import updates
from bot.render import to_plain_text

log = logging.getLogger(__name__)

JSON = dict[str, Any]
BOT_USER: JSON = {
    "id": 7_000_000_001, "is_bot": True, "first_name": "聊城日报摘要", "username": "paperdigest_bot",
    "can_join_groups": True, "can_read_all_group_messages": False, "supports_inline_queries": False,
}


@dataclass(frozen=True)
class ApiCall:
    """One Bot API call: the method, its parameters as the bot sent them, and the answer."""

    method: str
    params: JSON = field(default_factory=dict)
    status: int = 200
    result: Any = None


@dataclass(frozen=True)
class LocalFile:
    file_id: str
    name: str
    data: bytes

    @property
    def path(self) -> str:
        """Where Telegram would serve it: its own name, never the sender's (`documents/file1.txt`)."""
        suffix = re.search(r"\.[A-Za-z0-9]{1,5}$", self.name)
        return f"documents/{self.file_id}{suffix.group(0) if suffix else ''}"


class LocalBotApi(BaseRequest):
    """Answer Bot API calls in process; `calls` holds every one, in order."""

    def __init__(self, bot_user: JSON | None = None, clock: Any = time.time) -> None:
        self.bot_user = dict(bot_user or BOT_USER)
        self.calls: list[ApiCall] = []
        self.messages: dict[tuple[int, int], JSON] = {}
        self.files: dict[str, LocalFile] = {}
        self._clock = clock
        self._message_ids = itertools.count(10_001)
        self._file_ids = itertools.count(1)

    # --- BaseRequest ---
    @property
    def read_timeout(self) -> float | None:
        return 5.0

    async def initialize(self) -> None:
        pass

    async def shutdown(self) -> None:
        pass

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = BaseRequest.DEFAULT_NONE,
        write_timeout: Any = BaseRequest.DEFAULT_NONE,
        connect_timeout: Any = BaseRequest.DEFAULT_NONE,
        pool_timeout: Any = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        if method == "GET":
            return self._download(url)
        api_method = url.rsplit("/", 1)[-1]
        params = dict(request_data.parameters) if request_data else {}
        answer = getattr(self, f"api_{api_method}", None)
        if answer is None:
            self.calls.append(ApiCall(api_method, params, 404))
            return self.unknown(api_method, params)
        try:
            result = answer(params)
        except ApiError as exc:
            self.calls.append(ApiCall(api_method, params, exc.status, exc.description))
            return exc.status, json.dumps({"ok": False, "error_code": exc.status,
                                           "description": exc.description}).encode()
        self.calls.append(ApiCall(api_method, params, 200, result))
        return 200, _ok(result)

    def unknown(self, method: str, params: JSON) -> tuple[int, bytes]:
        """A method this stand-in does not know: refused as Telegram refuses an unknown method."""
        log.warning("local Bot API: %s is not implemented", method)
        return 404, json.dumps({"ok": False, "error_code": 404, "description": "Not Found"}).encode()

    # --- files ---
    def add_file(self, data: bytes, name: str) -> LocalFile:
        """Make `data` downloadable as if a user had sent it; use the result's file_id in an update."""
        file = LocalFile(f"file{next(self._file_ids)}", name, data)
        self.files[file.file_id] = file
        return file

    def _download(self, url: str) -> tuple[int, bytes]:
        for file in self.files.values():
            if url.endswith("/" + file.path):
                return 200, file.data
        return 404, b"Not Found"

    # --- the methods ---
    def api_getMe(self, params: JSON) -> JSON:
        return self.bot_user

    def api_sendMessage(self, params: JSON) -> JSON:
        return self._store(int(params["chat_id"]), next(self._message_ids), params)

    def api_sendDocument(self, params: JSON) -> JSON:
        message = self._store(int(params["chat_id"]), next(self._message_ids), {"caption": params.get("caption", "")})
        message["document"] = {"file_id": "sent", "file_unique_id": "sent", "file_name": "document"}
        return message

    def api_editMessageText(self, params: JSON) -> JSON:
        return self._edit(params, text=params["text"], markup=params.get("reply_markup"))

    def api_editMessageReplyMarkup(self, params: JSON) -> JSON:
        key = (int(params["chat_id"]), int(params["message_id"]))
        old = self.messages.get(key, {})
        return self._edit(params, text=old.get("html", ""), markup=params.get("reply_markup"))

    def api_answerCallbackQuery(self, params: JSON) -> bool:
        return True

    def api_sendChatAction(self, params: JSON) -> bool:
        return True

    def api_setMyCommands(self, params: JSON) -> bool:
        return True

    def api_deleteMyCommands(self, params: JSON) -> bool:
        return True

    def api_deleteWebhook(self, params: JSON) -> bool:
        return True

    def api_getUpdates(self, params: JSON) -> list[JSON]:
        return []

    def api_getFile(self, params: JSON) -> JSON:
        file = self.files.get(str(params["file_id"]))
        if file is None:
            raise ApiError(400, "Bad Request: invalid file_id")
        return {"file_id": file.file_id, "file_unique_id": f"u{file.file_id}", "file_size": len(file.data),
                "file_path": file.path}

    def _store(self, chat_id: int, message_id: int, params: JSON) -> JSON:
        markup = params.get("text", "")
        message: JSON = {"message_id": message_id, "date": int(self._clock()), "chat": updates.chat(chat_id),
                         "from": self.bot_user}
        if "text" in params:
            message["text"] = to_plain_text(markup)
        if params.get("caption"):
            message["caption"] = to_plain_text(params["caption"])
        if params.get("reply_markup"):
            message["reply_markup"] = params["reply_markup"]
        self.messages[(chat_id, message_id)] = {**message, "html": markup}
        return message

    def _edit(self, params: JSON, *, text: str, markup: JSON | None) -> JSON:
        key = (int(params["chat_id"]), int(params["message_id"]))
        old = self.messages.get(key)
        if old is None:
            raise ApiError(400, "Bad Request: message to edit not found")
        if old.get("html") == text and old.get("reply_markup") == markup:
            raise ApiError(400, "Bad Request: message is not modified: specified new message content and reply "
                                "markup are exactly the same as a current content and reply markup of the message")
        message = self._store(key[0], key[1], {"text": text, "reply_markup": markup})
        message["edit_date"] = int(self._clock())
        return message


class ApiError(Exception):
    def __init__(self, status: int, description: str) -> None:
        super().__init__(description)
        self.status = status
        self.description = description


def _ok(result: Any) -> bytes:
    return json.dumps({"ok": True, "result": result}, ensure_ascii=False).encode("utf-8")
