"""OfflineRequest: the bot's BaseRequest for tests, in the manner of PTB's own tests/auxil/networking.py.

It is the terminal chat's LocalBotApi (which answers getMe, sendMessage, editMessageText,
answerCallbackQuery, setMyCommands, getFile and file downloads with the JSON Telegram sends)
made strict: a method it does not know fails the test at once, rather than passing as an
error the bot's error handler would swallow. Every call is recorded in `calls`; the helpers
below read them back. `fail_for(chat_id, status, description)` makes sends to one chat fail,
as for a user who blocked the bot. `group_admins[chat_id]` holds the user ids getChatMember
calls administrators of a group (everyone else is a plain member).
"""

from __future__ import annotations

from typing import Any

import pytest

from bot.localapi import ApiCall, ApiError, LocalBotApi
from bot.render import MAX_MESSAGE, tg_len, to_plain_text

SENDS = ("sendMessage", "editMessageText")


def _check_length(markup: str) -> None:
    """Telegram's own refusal of a message whose text, once its HTML is parsed, is over 4,096 characters."""
    if tg_len(to_plain_text(markup)) > MAX_MESSAGE:
        raise ApiError(400, "Bad Request: message is too long")


class OfflineRequest(LocalBotApi):
    """No network: answers the Bot API in process, records every call, fails on anything unknown."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.failing: dict[int, tuple[int, str]] = {}
        self.group_admins: dict[int, set[int]] = {}

    def unknown(self, method: str, params: dict[str, Any]) -> tuple[int, bytes]:
        pytest.fail(f"OfflineRequest: the bot called {method}({params}), which this test double does not know")

    def fail_for(self, chat_id: int, status: int = 403, description: str = "Forbidden: bot was blocked by the user",
                 ) -> None:
        self.failing[chat_id] = (status, description)

    def api_sendMessage(self, params: dict[str, Any]) -> dict[str, Any]:
        failure = self.failing.get(int(params["chat_id"]))
        if failure:
            raise ApiError(*failure)
        _check_length(params["text"])
        return super().api_sendMessage(params)

    def api_editMessageText(self, params: dict[str, Any]) -> dict[str, Any]:
        _check_length(params["text"])
        return super().api_editMessageText(params)

    def api_getChatMember(self, params: dict[str, Any]) -> dict[str, Any]:
        chat_id, user_id = int(params["chat_id"]), int(params["user_id"])
        member: dict[str, Any] = {"user": {"id": user_id, "is_bot": False, "first_name": "群友"}}
        if user_id not in self.group_admins.get(chat_id, set()):
            return {**member, "status": "member"}
        rights = ("can_be_edited", "is_anonymous", "can_manage_chat", "can_delete_messages",
                  "can_manage_video_chats", "can_restrict_members", "can_promote_members", "can_change_info",
                  "can_invite_users", "can_post_stories", "can_edit_stories", "can_delete_stories")
        return {**member, "status": "administrator", **{right: False for right in rights}}

    # --- reading back ---
    def of(self, method: str) -> list[ApiCall]:
        return [c for c in self.calls if c.method == method]

    def texts(self, chat_id: int | None = None, since: int = 0) -> list[str]:
        """The HTML of messages sent or edited (to `chat_id`), in order, from call number `since`."""
        return [c.params["text"] for c in self.calls[since:]
                if c.method in SENDS and c.status == 200
                and (chat_id is None or int(c.params["chat_id"]) == chat_id)]
