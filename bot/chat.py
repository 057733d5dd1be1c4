"""Terminal mode: the same Application and handlers, one local user, no token, no network.

Each typed line becomes a Bot API update fed to `application.process_update`; what the bot
sends is caught by a LocalBotApi and printed as plain text. Inline keyboards are shown as
numbered choices (`[1] 全部 ✓  [2] 全市`): typing the number taps the button. Lines starting
with `:` talk to the terminal itself: `:file PATH` sends a page file (after /ingest), `:quit`.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import sys
from pathlib import Path
from typing import Any, TextIO

from telegram import Update

from bot import app as bot_app
from bot import background
from bot.localapi import ApiCall, LocalBotApi
from bot.render import to_plain_text
from bot.updates import UpdateFactory
from digest import store
from digest.settings import Settings

log = logging.getLogger(__name__)

LOCAL_USER = 1
LOCAL_TOKEN = "1:terminal-chat-no-network"  # placeholder: nothing leaves the process
SHOWN = ("sendMessage", "editMessageText", "editMessageReplyMarkup", "sendDocument", "answerCallbackQuery")
EMPTY = ("（数据库 {db} 里还没有文章：先运行 paperdigest ingest 页面文件，或 paperdigest chat --admin 后"
         "用 /ingest 和 :file 上传版面。）")
BANNER = ("paperdigest 终端模式：你是{role}，和 Telegram 上的机器人一样使用。\n"
          "先试试 /start、/digest 或直接输入关键词。\n"
          "数字选择按钮；:file 路径 发送版面文件（先 /ingest）；:quit 或 Ctrl-D 退出。")


class TerminalChat:
    """One local user talking to the real Application through a LocalBotApi."""

    def __init__(self, application: bot_app.App, api: LocalBotApi, output: TextIO, user_id: int = LOCAL_USER) -> None:
        self.application = application
        self.api = api
        self.output = output
        self.user_id = user_id
        self.updates = UpdateFactory()
        self._seen = 0
        self._keyboard: tuple[dict[str, Any], list[dict[str, Any]]] | None = None  # (message, buttons)

    async def handle(self, line: str) -> bool:
        """Act on one typed line; False when the user asked to leave."""
        line = line.strip()
        if not line:
            return True
        if line in (":quit", ":q", ":exit"):
            return False
        if line.startswith(":file"):
            await self.send_file(Path(line[len(":file"):].strip()).expanduser())
        elif line.startswith(":"):
            self._print("终端命令：:file 路径（发送文件）、:quit（退出）")
        elif self._keyboard is not None and line.isascii() and line.isdigit() \
                and 1 <= int(line) <= len(self._keyboard[1]):
            await self.press(int(line))
        else:
            await self._process(self.updates.message(line, chat_id=self.user_id, first_name="本地用户"))
        return True

    async def press(self, number: int) -> None:
        """Tap button `number` of the latest keyboard."""
        assert self._keyboard is not None
        message, buttons = self._keyboard
        data = buttons[number - 1]["callback_data"]
        await self._process(self.updates.callback(message, data, user_id=self.user_id, first_name="本地用户"))

    async def send_file(self, path: Path) -> None:
        try:
            data = path.read_bytes()
        except OSError as exc:
            self._print(f"读不了文件：{exc}")
            return
        file = self.api.add_file(data, path.name)
        await self._process(self.updates.document(chat_id=self.user_id, file_id=file.file_id, file_name=path.name,
                                                  file_size=len(data), first_name="本地用户"))

    async def _process(self, data: dict[str, Any]) -> None:
        await self.application.process_update(Update.de_json(data, self.application.bot))
        await background.settle(self.application)  # an upload's ingest answers after the handler returns
        self.show_new()

    def show_new(self) -> None:
        """Print what the bot sent since last time, as plain text with numbered buttons."""
        calls = self.api.calls[self._seen:]
        self._seen = len(self.api.calls)
        for call in calls:
            if call.method in SHOWN and int(call.params.get("chat_id", self.user_id)) == self.user_id:
                self._show(call)

    def _show(self, call: ApiCall) -> None:
        params = call.params
        if call.method == "answerCallbackQuery":
            if params.get("text"):
                self._print(f"» {params['text']}")
            return
        if call.method != "editMessageReplyMarkup":
            text = to_plain_text(params.get("text") or params.get("caption") or "")
            self._print(("（已更新）\n" if call.method == "editMessageText" else "") + text)
        rows = (params.get("reply_markup") or {}).get("inline_keyboard") or []
        if not rows:
            if call.method.startswith("edit") and self._keyboard is not None \
                    and self._keyboard[0]["message_id"] == params.get("message_id"):
                self._keyboard = None  # the keyboard was taken off its message
            return
        buttons: list[dict[str, Any]] = []
        for row in rows:
            labels = []
            for button in row:
                buttons.append(button)
                labels.append(f"[{len(buttons)}] {button['text']}")
            self._print("  ".join(labels))
        if isinstance(call.result, dict):
            self._keyboard = (call.result, buttons)

    def _print(self, text: str) -> None:
        print(text, file=self.output, flush=True)


def local_settings(settings: Settings, admin: bool, user_id: int = LOCAL_USER) -> Settings:
    """The settings with the local user among the admins, when asked to be one."""
    if not admin or user_id in settings.bot.admins:
        return settings
    return dataclasses.replace(settings, bot=dataclasses.replace(settings.bot, admins=(*settings.bot.admins, user_id)))


async def chat(settings: Settings, db_path: Path | str, admin: bool, input: TextIO, output: TextIO) -> None:
    """Talk to the bot until end of input or :quit."""
    services = bot_app.make_services(local_settings(settings, admin), db_path)
    api = LocalBotApi()
    application = bot_app.build_application(services, token=LOCAL_TOKEN, request=api)
    interactive = input.isatty()
    try:
        async with application:
            terminal = TerminalChat(application, api, output)
            print(BANNER.format(role="管理员" if admin else "订阅者"), file=output, flush=True)
            if not store.article_count(services.db):
                print(EMPTY.format(db=db_path), file=output, flush=True)
            while True:
                if interactive:
                    print("› ", end="", file=output, flush=True)
                line = await asyncio.to_thread(input.readline)
                if not line:
                    break
                if not interactive and line.strip():
                    print(f"› {line.strip()}", file=output, flush=True)
                if not await terminal.handle(line):
                    break
    finally:
        services.db.close()


def run_chat(settings: Settings, db_path: Path | str, admin: bool, input: TextIO | None = None,
             output: TextIO | None = None) -> None:
    """Run the bot in this terminal as one local user (an admin if `admin`); stdin and stdout are
    looked up at call time, not at import (a test runner swaps them)."""
    asyncio.run(chat(settings, db_path, admin, input or sys.stdin, output or sys.stdout))
