"""`paperdigest -v run` as a supervisor sees it: refused tokens and dead servers end in one line,
a documented exit status and no token anywhere; a token revoked mid-run ends the process.

The real command runs in a subprocess against tests/fake_botapi.py (TELEGRAM_API_BASE_URL), so
PTB's Application, its Updater and httpx are the real ones; stdout and stderr (the log, with -v)
are searched for the token. `reach_telegram`'s back-off and the guard's rule for 409s are checked
on a pinned clock.
"""

from __future__ import annotations

import asyncio
import itertools
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from fake_botapi import FakeBotApi, Fault
from offline_request import OfflineRequest
from telegram import Bot
from telegram.error import InvalidToken, NetworkError

from bot import redact
from bot.lifecycle import (
    EXIT_CONFLICT,
    EXIT_TOKEN_REJECTED,
    EXIT_UNREACHABLE,
    BotStopped,
    GuardedRequest,
    RefusalGuard,
    network_cause,
    reach_telegram,
)
from bot.localapi import ApiError

ROOT = Path(__file__).resolve().parents[1]
TOKEN = "654321:LIFECYCLE-secret-token"
ADMIN = 9001
# The scenario polls 10 s before the token is revoked; lower it for a quick local run.
POLL_SECONDS = float(os.environ.get("PAPERDIGEST_TEST_POLL_SECONDS", "10"))


def write_config(folder: Path, **bot: str) -> Path:
    """A settings file like the project's, with absolute data paths and these [bot] values."""
    config = ROOT / "config"
    lines = ["[paper]"] + [f'{key} = "{config / name}"' for key, name in
                           (("region", "region/liaocheng.toml"), ("topics", "topics.toml"),
                            ("stopwords", "stopwords.txt"), ("userdict", "userdict.txt"))]
    lines += ["[bot]", f"admins = [{ADMIN}]"] + [f'{key} = "{value}"' for key, value in bot.items()]
    path = folder / "settings.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def start_bot(tmp_path: Path, base_url: str, token: str = TOKEN, **bot: str) -> subprocess.Popen[str]:
    env = {**os.environ, "TELEGRAM_BOT_TOKEN": token, "TELEGRAM_API_BASE_URL": base_url,
           "PAPERDIGEST_CONFIG": str(write_config(tmp_path, **bot)), "PAPERDIGEST_DB": str(tmp_path / "bot.db"),
           "PAPERDIGEST_ADMINS": "", "PYTHONUNBUFFERED": "1"}
    return subprocess.Popen([sys.executable, "-m", "digest.cli", "-v", "run"], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def finish(process: subprocess.Popen[str], timeout: float) -> tuple[int, str, str, float]:
    started = time.monotonic()
    try:
        out, err = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        out, err = process.communicate()
        pytest.fail(f"still running after {timeout} s; stderr:\n{err[-3000:]}")
    return process.returncode, out, err, time.monotonic() - started


@pytest.fixture
def server() -> Iterator[FakeBotApi]:
    with FakeBotApi(token=TOKEN) as api:
        yield api


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_a_token_refused_at_start_is_one_line_status_3_and_never_printed(tmp_path, server):
    wrong = "111111:WRONG-secret-token"
    code, out, err, _ = finish(start_bot(tmp_path, server.base_url, token=wrong), timeout=30)
    assert code == EXIT_TOKEN_REJECTED
    assert wrong not in out + err and "WRONG-secret" not in out + err
    assert "Traceback" not in err
    [line] = [x for x in err.splitlines() if x.startswith("error:")]
    assert line.startswith("error: token rejected by Telegram (Unauthorized from http://127.0.0.1:")


def test_a_closed_port_is_retried_with_back_off_then_one_line_status_4(tmp_path):
    port = closed_port()
    code, out, err, _ = finish(start_bot(tmp_path, f"http://127.0.0.1:{port}", start_retry_for="3s"), timeout=30)
    assert code == EXIT_UNREACHABLE
    assert "Traceback" not in err and TOKEN not in out + err
    retries = [x for x in err.splitlines() if "trying again in" in x]
    assert len(retries) >= 2 and "trying again in 1 s" in retries[0] and "trying again in 2 s" in retries[1]
    assert err.strip().splitlines()[-1] == f"error: cannot reach http://127.0.0.1:{port}: connection refused"


def test_a_token_revoked_mid_run_ends_the_process_with_status_3(tmp_path, server):
    process = start_bot(tmp_path, server.base_url)
    try:
        server.wait_for("getUpdates", timeout=30)  # polling
        time.sleep(POLL_SECONDS)
        assert process.poll() is None
        polls = len(server.of("getUpdates"))
        server.revoke_token()
        revoked_at = time.monotonic()
        code, out, err, _ = finish(process, timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
    took = time.monotonic() - revoked_at
    print(f"exited {took:.1f} s after the token was revoked")  # shown with pytest -s
    assert code == EXIT_TOKEN_REJECTED
    assert took < 30
    assert polls >= 1 and [c.status for c in server.calls if c.method == "getUpdates"][-1] == 401
    assert TOKEN not in out + err and "LIFECYCLE-secret" not in out + err
    assert err.strip().splitlines()[-1] == "error: token rejected by Telegram (401 on getUpdates)"


def test_a_403_on_polling_tells_the_admins_then_ends_with_status_3(tmp_path, server):
    process = start_bot(tmp_path, server.base_url)
    try:
        server.wait_for("getUpdates", timeout=30)
        server.fail("getUpdates", Fault(403, "Forbidden: bot was kicked"), times=1000)
        code, out, err, _ = finish(process, timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
    assert code == EXIT_TOKEN_REJECTED
    [notice] = server.sent(ADMIN)  # it could still send, so the admin was told
    assert "Telegram 拒绝了机器人（403，getUpdates）" in notice
    assert TOKEN not in out + err
    assert err.strip().splitlines()[-1] == "error: token rejected by Telegram (403 on getUpdates)"


CONFLICT = Fault(409, "Conflict: terminated by other getUpdates request;"
                      " make sure that only one bot instance is running")


def test_a_second_process_polling_with_the_token_tells_the_admins_and_ends_with_status_5(tmp_path, server):
    server.fail("getUpdates", CONFLICT, times=1000)  # the first copy holds the long poll
    code, out, err, _ = finish(start_bot(tmp_path, server.base_url), timeout=60)
    assert code == EXIT_CONFLICT
    [notice] = server.sent(ADMIN)
    assert "已有另一个进程在用同一个机器人令牌" in notice
    assert TOKEN not in out + err and "Traceback" not in err
    last = err.strip().splitlines()[-1]
    assert last == "error: another process is polling with this token (409 Conflict on getUpdates)"
    assert len(server.of("getUpdates", ok=False)) == 3  # gone after three; not even PTB's last confirming poll


class PinnedClock:
    def __init__(self) -> None:
        self.now = 0.0
        self.waits: list[float] = []

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.waits.append(seconds)
        self.now += seconds


class ScriptedGetMe(OfflineRequest):
    """getMe answered with the statuses given, then normally; records nothing else special."""

    def __init__(self, statuses: list[int | str]) -> None:
        super().__init__()
        self.statuses = statuses

    def api_getMe(self, params):
        if self.statuses:
            status = self.statuses.pop(0)
            if status == "refused":
                raise ConnectionRefusedError(111, "Connection refused")
            raise ApiError(int(status), {502: "Bad Gateway", 401: "Unauthorized"}.get(int(status), "error"))
        return super().api_getMe(params)

    async def do_request(self, url, method, request_data=None, *args, **kwargs):
        try:
            return await super().do_request(url, method, request_data, *args, **kwargs)
        except ConnectionRefusedError as exc:
            raise NetworkError("httpx.ConnectError: All connection attempts failed") from exc


async def test_reach_telegram_backs_off_then_succeeds():
    clock = PinnedClock()
    api = ScriptedGetMe(["refused", 502, "refused", 502])
    await reach_telegram(Bot(TOKEN, request=api), "https://api.telegram.org/bot", retry_for=300,
                         sleep=clock.sleep, clock=clock)
    assert clock.waits == [1, 2, 4, 8]
    assert [c.status for c in api.of("getMe")] == [502, 502, 200]  # refused connections never got there


async def test_reach_telegram_gives_up_after_retry_for_and_names_the_cause():
    clock = PinnedClock()
    api = ScriptedGetMe(["refused"] * 100)
    with pytest.raises(BotStopped) as stopped:
        await reach_telegram(Bot(TOKEN, request=api), "https://api.telegram.org/bot", retry_for=120,
                             sleep=clock.sleep, clock=clock)
    assert str(stopped.value) == "cannot reach https://api.telegram.org: connection refused"
    assert stopped.value.exit_code == EXIT_UNREACHABLE
    assert clock.waits == [1, 2, 4, 8, 16, 30, 30, 29] and clock.now == 120


async def test_reach_telegram_stops_at_once_on_a_refused_token():
    clock = PinnedClock()
    with pytest.raises(BotStopped) as stopped:
        await reach_telegram(Bot(TOKEN, request=ScriptedGetMe([401])), "http://127.0.0.1:9/bot",
                             retry_for=120, sleep=clock.sleep, clock=clock)
    assert stopped.value.exit_code == EXIT_TOKEN_REJECTED and clock.waits == []
    assert TOKEN not in str(stopped.value)


def test_a_403_to_a_chat_is_not_a_refusal_of_the_bot():
    guard = RefusalGuard()
    guard.answered("sendMessage", 403)  # that reader blocked the bot
    guard.answered("getUpdates", 409)
    assert guard.refusal is None
    guard.answered("sendMessage", 401)
    assert guard.refusal is not None and guard.refusal.describe() == "token rejected by Telegram (401 on sendMessage)"


def conflicts(guard: RefusalGuard, clock: PinnedClock, *seconds: float) -> None:
    for at in seconds:
        clock.now = at
        guard.answered("getUpdates", 409)


def test_409s_soon_after_we_start_polling_make_us_the_one_that_yields():
    clock = PinnedClock()
    guard = RefusalGuard(clock=clock)
    guard.answered("getUpdates", 200)
    conflicts(guard, clock, 40, 41, 42.5)
    assert guard.refusal is not None and guard.refusal.exit_code == EXIT_CONFLICT


def test_the_process_that_polled_first_keeps_going_and_warns(caplog):
    clock = PinnedClock()
    guard = RefusalGuard(clock=clock)
    guard.answered("getUpdates", 200)  # polling for an hour before the second copy starts
    conflicts(guard, clock, 3600, 3601, 3602.5, 3604.8, 3608)
    assert guard.refusal is None
    assert sum("another process is polling" in r.message for r in caplog.records) == 1  # once, not per 409


def test_a_restarts_leftover_409_now_and_then_is_not_another_poller():
    clock = PinnedClock()
    guard = RefusalGuard(clock=clock)
    conflicts(guard, clock, 0)  # the old process's long poll, cut by ours
    guard.answered("getUpdates", 200)
    conflicts(guard, clock, 50, 115)  # never three within a minute
    assert guard.refusal is None


def test_uncaught_exceptions_print_their_traceback_without_the_token(capsys):
    redact.protect(TOKEN)
    redact.protect_excepthooks()
    try:
        raise InvalidToken(f"The token `{TOKEN}` was rejected by the server.")
    except InvalidToken:
        sys.excepthook(*sys.exc_info())
    err = capsys.readouterr().err
    assert "InvalidToken: The token `<token>` was rejected" in err and TOKEN not in err
    sys.excepthook = sys.__excepthook__
    threading.excepthook = threading.__excepthook__


def test_network_causes_are_named_in_a_few_words():
    def chained(*chain: BaseException) -> BaseException:
        for outer, inner in itertools.pairwise(chain):
            outer.__cause__ = inner
        return chain[0]

    assert network_cause(chained(NetworkError("x"), OSError("y"), ConnectionRefusedError())) == "connection refused"
    assert network_cause(chained(NetworkError("x"), socket.gaierror(-2, "n"))) == "host not found (DNS)"
    assert network_cause(NetworkError("Bad Gateway")) == "server error: Bad Gateway"


def test_the_guard_sees_a_refusal_through_the_real_bot():
    guard = RefusalGuard()
    api = OfflineRequest()
    api.fail_for(42, 401, "Unauthorized")
    bot = Bot(TOKEN, request=GuardedRequest(api, guard))

    async def send() -> None:
        with pytest.raises(InvalidToken):
            await bot.send_message(42, "hello")

    asyncio.run(send())
    assert guard.refusal is not None and guard.refusal.method == "sendMessage"
