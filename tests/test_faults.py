"""Replies reach every owner, in order, through Bot API faults, a blocked owner and SIGKILLs of the bot."""
from __future__ import annotations

import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Callable

import pytest

from tests.collecting import handle
from bot.channels.telegram import OUTBOX_SWEEP_SECONDS
from bot.channels.telegram.sender import TelegramSender
from bot.core.model import Action, Press, Start, Text
from bot.text.render import to_plain
from bot.app.service import CoachService
from bot.storage import Storage
from tests.fakes import FakeBotAPI
from tests.running import coach_in_thread

pytestmark = pytest.mark.slow   # the bot (a process or a thread) against the fake server over HTTP

TELEGRAM_FORMAT = TelegramSender(bot=None)   # formats as the bot does; this one never sends
FIRST_NAME = "Budi"   # what the fake puts in every user's profile, greeted by /start


class RecordingBotAPI(FakeBotAPI):
    """The fake Bot API, logging per chat every message and edit that took effect, in order.

    It can also answer late: a sent or edited message takes effect but the answer comes only after
    the client gave up (the fake's own faults never take effect), so the bot sends it again.
    """

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.effects: dict[int, list[tuple]] = {}   # chat -> [(method, message_id, plain text, buttons)]
        self.late_rate, self.late_seconds, self.late_rng, self.late = 0.0, 0.0, random.Random(0), 0

    def answer_late(self, rate: float, seconds: float, seed: int = 0) -> None:
        with self._lock:
            self.late_rate, self.late_seconds, self.late_rng = rate, seconds, random.Random(seed)

    def _respond(self, handler, status: int, payload, content_type: str = "application/json") -> None:
        result = payload.get("result") if isinstance(payload, dict) else None
        with self._lock:
            late = isinstance(result, dict) and "message_id" in result and self.late_rng.random() < self.late_rate
            self.late += late
        if late:
            self._stop_event.wait(self.late_seconds)
            handler.close_connection = True
            return
        FakeBotAPI._respond(handler, status, payload, content_type)

    def _log(self, method: str, message: dict) -> dict:
        markup = message.get("reply_markup") or {}
        buttons = tuple(tuple((b["text"], b.get("callback_data", "")) for b in row)
                        for row in markup.get("inline_keyboard", []))
        self.effects.setdefault(message["chat"]["id"], []).append(
            (method, message["message_id"], message.get("text", ""), buttons))
        return message

    def _apiSendMessage(self, params: dict) -> dict:
        return self._log("send", super()._apiSendMessage(params))

    def _apiEditMessageText(self, params: dict) -> dict:
        return self._log("edit", super()._apiEditMessageText(params))

    def seen(self, chat: int) -> tuple[list[tuple], int]:
        """What the owner saw as (kind, message index, text, buttons), exact repeats collapsed; and the repeats.

        Delivery is at least once: a send Telegram performed but whose answer was lost is sent again,
        right after the original. Messages are numbered in order of first showing, a repeat taking
        its original's number, so an edit (a tactic toggled in place) is compared by the message it
        changes and what it changes it to, in order: the final state of every message follows.
        """
        with self._lock:
            log = list(self.effects.get(chat, []))
        events: list[tuple] = []
        number: dict[int, int] = {}   # message id -> message index
        repeats = 0
        for method, message_id, text, buttons in log:
            if method == "send":
                last = events[-1] if events else None
                if last and last[0] == "send" and last[2:] == (text, buttons):
                    number[message_id] = last[1]
                    repeats += 1
                    continue
                number[message_id] = len(set(number.values()))
            events.append((method, number.get(message_id, -1), text, buttons))
        return events, repeats


# ---- the same script through the core, for what each owner should see

def core_action(step: str) -> Action:
    if step == "/start":
        return Start(FIRST_NAME)
    return Text(step)


class Expected:
    """Owners' scripts through CoachService on a database of its own: what each step must show."""

    def __init__(self, coach, path: Path, scripts: dict[int, list[str]]):
        self.events: dict[int, list[tuple]] = {}    # owner -> (kind, message index, text, buttons)
        self.steps: dict[int, list[int]] = {}       # owner -> number of events after each step
        self.answers: dict[int, list[dict]] = {}    # owner -> stored answers after each step
        storage = Storage(path)
        service = CoachService(coach, storage)
        for owner, script in scripts.items():
            self._run(service, owner, script)
        storage.close()

    def _run(self, service: CoachService, owner: int, script: list[str]) -> None:
        events = self.events.setdefault(owner, [])
        for step in script:
            if step.startswith(("press:", "tactic:")):
                target, data = button_target(self.messages(owner), step)
                outgoing = handle(service, owner, owner, Press(data), edit_message_id=target + 1,
                                  channel=TELEGRAM_FORMAT)
            else:
                outgoing = handle(service, owner, owner, core_action(step), channel=TELEGRAM_FORMAT)
            for message in outgoing:
                buttons = tuple(tuple(row) for row in message.buttons)
                if message.message.edit:
                    events.append(("edit", message.message.edit - 1, to_plain(message.text), buttons))
                    continue
                event = ("send", 1 + max((e[1] for e in events), default=-1), to_plain(message.text), buttons)
                assert not events or events[-1][0] != "send" or events[-1][2:] != event[2:], \
                    "a script whose replies repeat could not tell repeats from re-sends"
                events.append(event)
            self.steps.setdefault(owner, []).append(len(events))
            session = service.storage.load(owner)
            self.answers.setdefault(owner, []).append(dict(session.answers))
            service.storage.drop_pending(owner)

    def messages(self, owner: int) -> list[tuple]:
        """The owner's messages as they stand now: (text, buttons) by message index."""
        current: dict[int, tuple] = {}
        for _, number, text, buttons in self.events.get(owner, []):
            current[number] = (text, buttons)
        return [current[n] for n in sorted(current)]


def button_target(messages: list[tuple], step: str) -> tuple[int, str]:
    """(index of the newest message carrying the button, its callback data) for a press step."""
    kind, _, arg = step.partition(":")
    for number in range(len(messages) - 1, -1, -1):
        datas = [data for row in messages[number][1] for _, data in row]
        if kind == "press" and arg in datas:
            return number, arg
        tactics = [d for d in datas if d.startswith("a:taktik:") and d != "a:taktik:selesai"]
        if kind == "tactic" and tactics:
            return number, tactics[int(arg)]
    raise LookupError(f"no message offers {step}")


# ---- the bot against the fake server

def start_bot(api: FakeBotAPI, db: Path, log: Path) -> subprocess.Popen:
    """`python -m bot telegram` as a real process."""
    env = dict(os.environ, TELEGRAM_BOT_TOKEN=api.token, TELEGRAM_API_URL=api.url, COACH_DB=str(db))
    env.pop("WEBHOOK_URL", None)
    return subprocess.Popen([sys.executable, "-m", "bot", "telegram"], env=env, cwd=db.parent,
                            stdout=log.open("ab"), stderr=subprocess.STDOUT)


def kill(bot: subprocess.Popen) -> None:
    bot.send_signal(signal.SIGKILL)
    bot.wait()


def polling_since(api: FakeBotAPI, calls_before: int) -> bool:
    """The bot (re)started after that many calls has registered its commands and polls for updates."""
    return any(name == "getUpdates" for name, _ in api.calls[calls_before:])


def wait_until_polling(api: FakeBotAPI, calls_before: int = 0) -> None:
    assert api.wait_for(lambda a: polling_since(a, calls_before), timeout=30), "the bot did not start polling"


def act(api: RecordingBotAPI, owner: int, step: str) -> int:
    """The owner does one step of the script on Telegram; returns the update id."""
    if not step.startswith(("press:", "tactic:")):
        return api.send_text(owner, step, first_name=FIRST_NAME)
    messages = api.sent(owner)
    current = [(m["plain_text"], tuple(tuple((b["text"], b.get("callback_data", "")) for b in row)
                                       for row in (m["reply_markup"] or {}).get("inline_keyboard", [])))
               for m in messages]
    number, data = button_target(current, step)
    return api.press_button(owner, messages[number]["message_id"], data)


def repeated_edits(api: FakeBotAPI) -> tuple[int, list]:
    """Edits refused as "not modified" (a change already shown, sent again) and every other refused call."""
    repeats = [e for e in api.errors if e[0] == "editMessageText" and "not modified" in e[2]]
    return len(repeats), [e for e in api.errors if e not in repeats]


# ---- 1. faults on ~20% of calls

def fault_script(i: int) -> list[str]:
    return ["/start", f"Warung Bu {i}", "kue ulang tahun dan kue kering",
            "press:a:segmen:ceruk" if i % 2 else "kelompok khusus", "ibu-ibu pengajian, wajib halal",
            "sedikit", "press:a:sarana_nilai:besar", "cukup", "offline", "gmn biar pelanggan balik lagi?",
            "setuju", "press:a:motivasi:retensi" if i % 2 else "pelanggan baru",
            "tactic:0", "tactic:1", "tactic:0", "press:a:taktik:selesai"]


def test_every_reply_arrives_in_order_through_faults(coach, tmp_path):
    """With 429s, 500s, timeouts and dropped connections on ~20% of calls each owner sees every reply, in order."""
    owners = [7100 + i for i in range(5)]
    scripts = {owner: fault_script(i) for i, owner in enumerate(owners)}
    expected = Expected(coach, tmp_path / "expected.db", scripts)
    started = time.monotonic()
    with RecordingBotAPI() as api:
        # In-process only so that a timed-out call costs 1 s instead of PTB's default 5 s.
        with coach_in_thread(coach, api, tmp_path / "coach.db", read_timeout=1.0):
            wait_until_polling(api)
            mark = len(api.calls)
            api.set_faults(0.2, seed=2024, retry_after=1, timeout_seconds=2.0)
            api.answer_late(0.05, seconds=1.5, seed=2024)
            for k in range(max(len(s) for s in scripts.values())):
                for owner in owners:
                    if k < len(scripts[owner]):
                        act(api, owner, scripts[owner][k])
                for owner in owners:
                    count = expected.steps[owner][min(k, len(scripts[owner]) - 1)]
                    assert api.wait_for(lambda a: len(a.seen(owner)[0]) >= count, timeout=60), \
                        (owner, k, api.seen(owner)[0][-3:])
            api.set_faults(0)
            api.answer_late(0, 0)
    kinds = [kind for _, _, kind in api.faults]
    assert set(kinds) == {"429", "500", "timeout", "drop"}, kinds
    repeats, refused = repeated_edits(api)
    for owner in owners:
        seen, extra = api.seen(owner)
        repeats += extra
        assert seen == expected.events[owner], owner
    assert refused == []
    calls = sum(1 for name, _ in api.calls[mark:] if name != "getUpdates")
    print(f"\nfaults: {len(kinds)} of {calls} calls {dict(sorted(Counter(kinds).items()))}, "
          f"on {dict(sorted(Counter(method for method, _, _ in api.faults).items()))}; "
          f"late answers: {api.late}; replies shown twice: {repeats}; {time.monotonic() - started:.1f}s")


# ---- 2. an owner who blocked the bot

def test_blocked_owner_is_marked_inactive_and_not_retried(coach, tmp_path):
    """An owner who blocked the bot is marked inactive after one refused send and never retried; others carry on."""
    blocked, other = 7201, 7202
    scripts = {blocked: ["/start", "Warung Sepi"],
               other: ["/start", "Toko Ramai", "kopi susu gula aren", "semua orang", "anak muda", "banyak"]}
    expected = Expected(coach, tmp_path / "expected.db", scripts)
    db = tmp_path / "coach.db"
    with RecordingBotAPI() as api:
        bot = start_bot(api, db, tmp_path / "bot.log")
        try:
            wait_until_polling(api)
            store = Storage(db)   # only now: the bot has created the tables
            for owner in scripts:
                act(api, owner, "/start")
            for owner in scripts:
                assert api.wait_for(lambda a: len(a.seen(owner)[0]) >= expected.steps[owner][0], timeout=20)
            api.block_user(blocked)
            mark = len(api.calls)
            act(api, blocked, scripts[blocked][1])   # sent just before blocking the bot

            def attempts(a: FakeBotAPI) -> int:
                return sum(1 for name, params in a.calls[mark:]
                           if name != "getUpdates" and params.get("chat_id") == blocked)

            assert api.wait_for(lambda a: attempts(a) >= 1 and not store.is_active(blocked), timeout=20)
            refused_at = time.monotonic()
            for k, step in enumerate(scripts[other][1:], 1):
                act(api, other, step)
                assert api.wait_for(lambda a: len(a.seen(other)[0]) >= expected.steps[other][k], timeout=20)
            # the outbox is swept every OUTBOX_SWEEP_SECONDS: two sweeps must pass without a new attempt
            quiet = 2 * OUTBOX_SWEEP_SECONDS + 1 - (time.monotonic() - refused_at)
            assert not api.wait_for(lambda a: attempts(a) > 1, timeout=max(quiet, 0))
            assert attempts(api) == 1
            assert store.pending(blocked) == [] and not store.is_active(blocked)
            assert store.is_active(other) and store.pending(other) == []
        finally:
            kill(bot)
    store.close()
    assert api.seen(other)[0] == expected.events[other]
    assert api.seen(blocked)[0] == expected.events[blocked][:expected.steps[blocked][0]]
    assert api.errors == []


# ---- 3. SIGKILL at random moments

PRODUCTS = ["kue ulang tahun", "kopi susu", "nasi goreng", "laundry kiloan", "kaos sablon", "jasa desain"]
SEGMENTS = ["kelompok khusus", "semua orang", "beberapa kelompok", "sangat beda", "dua pihak"]


def kill_script(i: int) -> list[str]:
    return ["/start", f"Toko {i}", PRODUCTS[i % len(PRODUCTS)], SEGMENTS[i % len(SEGMENTS)]]


class Owners:
    """Owners answering as people do: the next answer once the bot has asked for it."""

    def __init__(self, api: RecordingBotAPI, expected: Expected, scripts: dict[int, list[str]]):
        self.api, self.expected, self.scripts = api, expected, scripts
        self.next = dict.fromkeys(scripts, 0)     # owner -> index of the step to do next
        self.update: dict[int, int] = {}          # owner -> update id of the step done last

    def shown(self, owner: int) -> int:
        """How many replies the owner has seen (repeats not counted)."""
        return len(self.api.seen(owner)[0])

    def acknowledged(self, owner: int) -> int:
        """How many steps got (at least the first of) their replies."""
        starts = [0] + self.expected.steps[owner][:-1]
        return sum(1 for start in starts if self.shown(owner) > start)

    def step(self) -> None:
        for owner, k in self.next.items():
            if k < len(self.scripts[owner]) and (k == 0 or self.shown(owner) >= self.expected.steps[owner][k - 1]):
                self.update[owner] = act(self.api, owner, self.scripts[owner][k])
                self.next[owner] = k + 1

    def done(self) -> bool:
        return all(self.shown(owner) >= self.expected.steps[owner][-1] for owner in self.scripts)

    def run(self, until: Callable[[], bool], timeout: float) -> bool:
        """Keep owners answering until `until()` holds (True) or `timeout` seconds pass (False)."""
        deadline = time.monotonic() + timeout
        while True:
            self.step()
            if until():
                return True
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return False
            calls = len(self.api.calls)
            self.api.wait_for(lambda a: len(a.calls) != calls, timeout=min(remaining, 0.5))


def stored_owners(db: Path) -> dict[int, dict]:
    """owner -> stored answers, read-only; and PRAGMA integrity_check is ok."""
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        return {owner: json.loads(state or "{}").get("answers", {})
                for owner, state in con.execute("SELECT id, state FROM owners")}
    finally:
        con.close()


def check_after_kill(db: Path, owners: Owners) -> list[int]:
    """Every acknowledged answer is stored and every reply shown so far is the expected one, in order.

    Returns the owners whose last answer was taken from Telegram but neither stored nor answered.
    """
    stored = stored_owners(db)
    pending = {u["update_id"] for u in owners.api.pending_updates}
    lost = []
    for owner in owners.scripts:
        seen = owners.api.seen(owner)[0]
        assert seen == owners.expected.events[owner][:len(seen)], owner
        acknowledged = owners.acknowledged(owner)
        if acknowledged:
            assert owner in stored, owner
            want = owners.expected.answers[owner][acknowledged - 1]
            assert {k: stored[owner].get(k) for k in want} == want, (owner, stored[owner], want)
        done, update = owners.next[owner], owners.update.get(owner)
        if update and update not in pending:   # taken from Telegram: is its answer stored?
            want = owners.expected.answers[owner][done - 1]
            answers = stored.get(owner)
            if answers is None or {k: answers.get(k) for k in want} != want:
                lost.append(owner)
    return lost


def test_sigkill_at_random_moments_loses_no_acknowledged_answer(coach, tmp_path):
    """200 owners answer while the bot is SIGKILLed 20 times: acknowledged answers stay stored, the database intact."""
    scripts = {10_000 + i: kill_script(i) for i in range(200)}
    expected = Expected(coach, tmp_path / "expected.db", scripts)
    db, log = tmp_path / "coach.db", tmp_path / "bot.log"
    rng = random.Random(4242)
    lost = 0
    started = time.monotonic()
    with RecordingBotAPI() as api:
        owners = Owners(api, expected, scripts)
        bot = start_bot(api, db, log)
        try:
            for _ in range(20):
                mark = len(api.calls)
                assert owners.run(lambda: polling_since(api, mark), timeout=30), "the bot did not start"
                owners.run(lambda: False, timeout=rng.uniform(0.0, 1.5))
                kill(bot)
                gone = check_after_kill(db, owners)
                for owner in gone:   # the owner got no reply and sends the answer again
                    owners.next[owner] -= 1
                lost += len(gone)
                bot = start_bot(api, db, log)
            assert owners.run(owners.done, timeout=120), "not every owner got every reply"
        finally:
            kill(bot)
        check_after_kill(db, owners)
        repeats = 0
        for owner in scripts:
            seen, extra = api.seen(owner)
            repeats += extra
            assert seen == expected.events[owner], owner
        assert stored_owners(db).keys() >= scripts.keys()
    print(f"\n20 kills, {len(scripts)} owners: replies shown twice: {repeats}; answers taken from Telegram "
          f"but lost unanswered: {lost}; {time.monotonic() - started:.1f}s")


def test_answers_fetched_before_a_kill_are_answered_after_the_restart(coach, tmp_path):
    """Answers the bot had fetched but not handled when it was killed still get their replies after a restart."""
    owners = [9000 + i for i in range(60)]
    db, log = tmp_path / "coach.db", tmp_path / "bot.log"
    with RecordingBotAPI() as api:
        bot = start_bot(api, db, log)
        try:
            wait_until_polling(api)
            last = max(api.send_text(owner, "/start", first_name=FIRST_NAME) for owner in owners)
            # Telegram considers every update delivered once a getUpdates asks for later ones
            assert api.wait_for(lambda a: any(name == "getUpdates" and params.get("offset", 0) > last
                                              for name, params in a.calls), timeout=20)
            kill(bot)
            handled = stored_owners(db).keys()
            pending = {u["message"]["chat"]["id"] for u in api.pending_updates}
            assert [o for o in owners if o not in handled and o not in pending] == [], "answers lost in the kill"
            bot = start_bot(api, db, log)
            assert api.wait_for(lambda a: all(len(a.sent(o)) >= 1 for o in owners), timeout=30)
        finally:
            kill(bot)
