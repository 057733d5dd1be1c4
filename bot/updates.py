"""Bot API update JSON, as Telegram would send it, for the terminal chat and for tests.

The terminal chat turns typed lines into these and feeds them to the real Application; tests
feed them the same way, or queue them on a fake Bot API server for real long polling.
"""

from __future__ import annotations

import itertools
import time
from typing import Any

JSON = dict[str, Any]


def user(user_id: int, first_name: str = "读者", username: str | None = None) -> JSON:
    data: JSON = {"id": user_id, "is_bot": False, "first_name": first_name, "language_code": "zh-hans"}
    if username:
        data["username"] = username
    return data


def chat(chat_id: int, *, title: str = "", first_name: str = "读者") -> JSON:
    if chat_id < 0:
        return {"id": chat_id, "type": "supergroup" if chat_id < -1_000_000_000_000 else "group",
                "title": title or "读报群"}
    return {"id": chat_id, "type": "private", "first_name": first_name}


def command_entities(text: str) -> list[JSON]:
    """A bot_command entity for a leading `/command` (with its `@botname`), as Telegram marks it."""
    if not text.startswith("/"):
        return []
    length = len(text.split(maxsplit=1)[0]) if text.strip() else 0
    return [{"type": "bot_command", "offset": 0, "length": len(text[:length].encode("utf-16-le")) // 2}]


class UpdateFactory:
    """Numbered updates from one or more users; `clock` gives message dates (seconds since epoch)."""

    def __init__(self, clock: Any = time.time) -> None:
        self._update_ids = itertools.count(1)
        self._message_ids = itertools.count(1)
        self._callback_ids = itertools.count(1)
        self._clock = clock

    def _message(self, chat_id: int, user_id: int, first_name: str, **fields: Any) -> JSON:
        return {
            "message_id": next(self._message_ids),
            "date": int(self._clock()),
            "chat": chat(chat_id, first_name=first_name),
            "from": user(user_id, first_name),
            **fields,
        }

    def message(self, text: str, *, chat_id: int, user_id: int | None = None, first_name: str = "读者") -> JSON:
        """A text message; a leading /command gets its bot_command entity."""
        fields: JSON = {"text": text}
        entities = command_entities(text)
        if entities:
            fields["entities"] = entities
        message = self._message(chat_id, user_id if user_id is not None else chat_id, first_name, **fields)
        return {"update_id": next(self._update_ids), "message": message}

    def document(
        self, *, chat_id: int, file_id: str, file_name: str, file_size: int, caption: str = "",
        user_id: int | None = None, first_name: str = "读者",
    ) -> JSON:
        """A message carrying a file, as it arrives after the user sends it."""
        fields: JSON = {"document": {"file_id": file_id, "file_unique_id": f"u{file_id}", "file_name": file_name,
                                     "mime_type": "text/plain", "file_size": file_size}}
        if caption:
            fields["caption"] = caption
            entities = command_entities(caption)
            if entities:
                fields["caption_entities"] = entities
        message = self._message(chat_id, user_id if user_id is not None else chat_id, first_name, **fields)
        return {"update_id": next(self._update_ids), "message": message}

    def edited(self, update: JSON, *, text: str | None = None) -> JSON:
        """The same message as an edit arrives: a new update whose `edited_message` has `edit_date`."""
        message = {**update["message"], "edit_date": int(self._clock())}
        if text is not None:
            message["text"] = text
            message["entities"] = command_entities(text)
        return {"update_id": next(self._update_ids), "edited_message": message}

    def callback(self, message: JSON, data: str, *, user_id: int, first_name: str = "读者") -> JSON:
        """A tap on an inline button of `message` (a message the bot sent, as the API returned it)."""
        query = {
            "id": str(next(self._callback_ids)),
            "from": user(user_id, first_name),
            "message": message,
            "chat_instance": str(message["chat"]["id"]),
            "data": data,
        }
        return {"update_id": next(self._update_ids), "callback_query": query}
