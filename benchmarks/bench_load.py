"""Load benchmark: many owners at once over HTTP, the coach and a bare bot under the same AIORateLimiter."""
# Why: on the real Telegram a bot may send about 30 messages a second. When a community group mentions
# the coach and hundreds of owners arrive at once, that cap, not the CPU, decides how long they wait.
#
# What it does
#   * Scripts N owners (default 40) through the real core (benchmarks/owners.py): buttons, typed
#     answers with typos, quick questions, commands, going back, tactics and a plan.
#   * Counts in process how many messages (sendMessage, editMessageText, sendPhoto, sendDocument) the
#     coach answers each action with: an owner's exchange is over when that many have arrived.
#   * Runs, one after the other and alternating per round, two real bot processes against the repo's
#     fake Bot API (tests/fakes, real HTTP), both polling and both under PTB's AIORateLimiter:
#       bare   a python-telegram-bot Application (run_polling) that answers every update with one echo;
#       coach  `python -m bot telegram`, as deployed.
#     All owners start together and each sends its next action as soon as the reply to the last one is
#     complete (no thinking time: the worst minute of a rush).
#   * Reports per bot: exchanges per second (all exchanges over the wall time of the rush), p50 and p95
#     of the reply time (from the owner's update to the last message of its reply arriving at the API),
#     and messages per action; then the coach over the bare bot. Medians over --rounds.
#
# Run from the repository root:
#     python benchmarks/bench_load.py            # 40 owners, 3 rounds (about 3 minutes)
#     python benchmarks/bench_load.py --quick    # 10 owners, 1 round
from __future__ import annotations

import argparse
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from pathlib import Path
from typing import Sequence

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))   # `bot` and `tests` from this checkout even without `pip install -e`

from owners import script_owners  # noqa: E402
from tests.fakes import FakeBotAPI  # noqa: E402

OWNER_ID_BASE = 610_000_000
FULL = {"owners": 40, "rounds": 3}
QUICK = {"owners": 10, "rounds": 1}
MESSAGE_METHODS = ("sendmessage", "editmessagetext", "sendphoto", "senddocument")
EXCHANGE_TIMEOUT = 120.0         # seconds an owner waits for one reply before the run is declared broken
TARGET_EXCHANGES = 0.85          # coach exchanges/s over the bare bot's
TARGET_P95 = 1.5                 # coach p95 reply time over the bare bot's
TARGET_MESSAGES = 1.1            # coach messages per owner action


# --------------------------------------------------------------------------- the fake Bot API, timed

class TimedBotAPI(FakeBotAPI):
    """The repo's fake Bot API, noting when each of the bot's messages arrives, per chat."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.arrivals: dict[int, list[float]] = defaultdict(list)
        for name in MESSAGE_METHODS:
            self._methods[name] = self._timed(self._methods[name])

    def _timed(self, method):
        def timed(params: dict):
            result = method(params)   # runs under self._cond, which is notified after it
            self.arrivals[int(params["chat_id"])].append(time.monotonic())
            return result
        return timed

    def wait_for_messages(self, chat_id: int, count: int, timeout: float) -> float | None:
        """When the chat's `count`-th bot message arrived; None if it did not within `timeout`."""
        arrived = self.arrivals[chat_id]
        with self._cond:
            if self._cond.wait_for(lambda: len(arrived) >= count, timeout):
                return arrived[count - 1]
        return None

    def press(self, user_id: int, data: str) -> None:
        """Press `data` on the newest bot message that carries it (else on the newest bot message)."""
        with self._cond:
            mine = [r for r in self._messages.get(user_id, {}).values() if r["from_bot"]]
            carrying = [r for r in mine if data in {b.get("callback_data") for row in
                        (r.get("reply_markup") or {}).get("inline_keyboard", []) for b in row}]
            target = (carrying or mine)[-1]["message_id"]
        self.press_button(user_id, target, data, strict=False)


# --------------------------------------------------------------------------- what the coach answers

def expected_messages(owners) -> dict[int, list[int]]:
    """Per owner, how many messages the coach answers each action with (the real service, in process)."""
    from bot.advice.knowledge import load
    from bot.app.service import CoachService
    from bot.channels.base import Incoming
    from bot.channels.telegram.sender import TelegramSender
    from bot.core.engine import Coach
    from bot.storage import Storage
    channel = TelegramSender(bot=None)   # formatting only: nothing is sent
    with tempfile.TemporaryDirectory(prefix="bench_load-") as tmp:
        service = CoachService(Coach(load()), Storage(Path(tmp) / "dry.db"), quiet_hours=None)
        counts = {}
        for owner in owners:
            counts[owner.id] = [
                len(service.handle(channel, Incoming(owner.id, owner.id, owner.action(kind, value),
                                                     f"dry:{owner.id}:{i}", owner.name,
                                                     message_id if kind == "button" else None)))
                for i, (kind, value, message_id) in enumerate(owner.actions)]
        service.storage.close()
    return counts


# --------------------------------------------------------------------------- one rush

def start_bot(variant: str, api: TimedBotAPI, work: Path) -> subprocess.Popen:
    env = dict(os.environ, TELEGRAM_BOT_TOKEN=api.token, TELEGRAM_API_URL=api.url, LOG_LEVEL="WARNING",
               COACH_DB=str(work / f"{variant}.db"), COACH_QUIET_HOURS="off")
    env.pop("WEBHOOK_URL", None)
    cmd = ([sys.executable, "-m", "bot", "telegram"] if variant == "coach"
           else [sys.executable, str(Path(__file__).resolve()), "--bare-bot"])
    return subprocess.Popen(cmd, env=env, cwd=ROOT, stdout=(work / f"{variant}.log").open("ab"),
                            stderr=subprocess.STDOUT)


def rush(variant: str, owners, expected: dict[int, list[int]], work: Path) -> dict:
    """All owners at once against a fresh fake API and a fresh bot process; the figures of that rush."""
    with TimedBotAPI(token="123456:LOAD") as api:
        bot = start_bot(variant, api, work)
        try:
            warm = OWNER_ID_BASE - 1   # the first reply pays for imports and template compiling
            api.send_text(warm, "/start")
            if api.wait_for_messages(warm, 1, 60) is None:
                raise SystemExit(f"{variant}: no reply to a first /start; see {work / (variant + '.log')}")
            times: dict[int, list[float]] = {}
            failures: list[str] = []
            start = threading.Barrier(len(owners) + 1)

            def walk(owner) -> None:
                waited, received = [], 0
                start.wait()
                for (kind, value, _), count in zip(owner.actions, expected[owner.id]):
                    sent = time.monotonic()
                    if kind == "button":
                        api.press(owner.id, value)
                    else:
                        api.send_text(owner.id, value, first_name=owner.name)
                    received += count
                    if count == 0:
                        continue
                    arrived = api.wait_for_messages(owner.id, received, EXCHANGE_TIMEOUT)
                    if arrived is None:
                        failures.append(f"owner {owner.id}: no complete reply to {value!r}")
                        return
                    waited.append(arrived - sent)
                times[owner.id] = waited

            threads = [threading.Thread(target=walk, args=(o,), daemon=True) for o in owners]
            for t in threads:
                t.start()
            start.wait()
            began = time.monotonic()
            for t in threads:
                t.join()
            wall = time.monotonic() - began
            time.sleep(0.3)   # anything sent beyond the expected replies shows up in the count below
            messages = sum(len(api.arrivals[o.id]) for o in owners)
        finally:
            bot.send_signal(signal.SIGTERM)
            try:
                bot.wait(timeout=15)
            except subprocess.TimeoutExpired:
                bot.kill()
    replies = sorted(t for waited in times.values() for t in waited)
    actions = sum(len(o.actions) for o in owners)
    if not failures and len(replies) < actions * 0.5:
        failures.append(f"only {len(replies)} of {actions} actions were answered")
    return {"exchanges_s": actions / wall, "p50": statistics.median(replies),
            "p95": statistics.quantiles(replies, n=20, method="inclusive")[18], "wall": wall,
            "actions": actions, "messages": messages, "per_action": messages / actions, "failures": failures}


# --------------------------------------------------------------------------- the bare bot (a child process)

def bare_bot() -> int:
    """A python-telegram-bot Application that only echoes, under the same rate limiter as the coach."""
    import logging

    from telegram.ext import AIORateLimiter, ApplicationBuilder, CallbackQueryHandler, MessageHandler, filters

    logging.basicConfig(level=logging.WARNING)
    logging.getLogger("httpx").setLevel(logging.WARNING)

    async def echo(update, context):
        await context.bot.send_message(update.effective_chat.id, update.effective_message.text)

    async def press(update, context):
        await update.callback_query.answer()
        await context.bot.send_message(update.effective_chat.id, update.callback_query.data)

    url = os.environ["TELEGRAM_API_URL"]
    app = (ApplicationBuilder().token(os.environ["TELEGRAM_BOT_TOKEN"]).base_url(f"{url}/bot")
           .rate_limiter(AIORateLimiter(max_retries=3)).build())
    app.add_handler(MessageHandler(filters.TEXT, echo))
    app.add_handler(CallbackQueryHandler(press))
    app.run_polling(poll_interval=0.0, timeout=10, stop_signals=(signal.SIGTERM, signal.SIGINT))
    return 0


# --------------------------------------------------------------------------- the report

COLUMNS = (("exchanges/s", "exchanges_s", 11, ".1f"), ("p50 s", "p50", 7, ".2f"), ("p95 s", "p95", 7, ".2f"),
           ("msgs/action", "per_action", 11, ".3f"))


def report(owners: int, actions: int, rounds: int, bare: dict, coach: dict) -> list[str]:
    print(f"\n{owners} owners at once, {actions} actions each run, both bots polling the fake Bot API over HTTP "
          f"under AIORateLimiter (30 messages/s); medians of {rounds} round(s).\n")
    header = f"{'bot':<22} " + " ".join(f"{title:>{width}}" for title, _, width, _ in COLUMNS)
    print(header)
    print("-" * len(header))
    for name, m in (("bare PTB (echo)", bare), ("coach", coach)):
        print(f"{name:<22} " + " ".join(f"{m[key]:>{width}{fmt}}" for _, key, width, fmt in COLUMNS))
    print(f"{'coach / bare':<22} " + " ".join(f"{coach[key] / bare[key]:>{width}.2f}"
                                               for _, key, width, _ in COLUMNS))
    targets = [(f"exchanges/s coach/bare >= {TARGET_EXCHANGES}", coach["exchanges_s"] / bare["exchanges_s"],
                coach["exchanges_s"] / bare["exchanges_s"] >= TARGET_EXCHANGES),
               (f"p95 reply time coach/bare <= {TARGET_P95}", coach["p95"] / bare["p95"],
                coach["p95"] / bare["p95"] <= TARGET_P95),
               (f"coach messages per action <= {TARGET_MESSAGES}", coach["per_action"],
                coach["per_action"] <= TARGET_MESSAGES)]
    print("\nTargets:")
    for name, value, ok in targets:
        print(f"  {name:<40} {value:>8.3f}  {'PASS' if ok else 'MISS'}")
    return [f"{name} ({value:.3f})" for name, value, ok in targets if not ok]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smoke run: 10 owners, 1 round")
    parser.add_argument("--owners", type=int)
    parser.add_argument("--rounds", type=int)
    parser.add_argument("--seed", type=int, default=20241202)
    parser.add_argument("--bare-bot", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.bare_bot:
        return bare_bot()
    preset = QUICK if args.quick else FULL
    owners_n, rounds = args.owners or preset["owners"], args.rounds or preset["rounds"]
    started = time.perf_counter()

    from bot.advice.knowledge import load
    from bot.core.engine import Coach
    owners = script_owners(Coach(load()), owners_n, OWNER_ID_BASE, args.seed)
    counts = expected_messages(owners)
    bare_counts = {o.id: [1] * len(o.actions) for o in owners}
    actions = sum(len(o.actions) for o in owners)
    print(f"{owners_n} owners, {actions} actions; the coach answers them with {sum(map(sum, counts.values()))} "
          f"messages; Python {sys.version.split()[0]}", flush=True)

    results: dict[str, list[dict]] = {"bare": [], "coach": []}
    problems: list[str] = []
    with tempfile.TemporaryDirectory(prefix="bench_load-") as tmp:
        for n in range(1, rounds + 1):
            for variant in ("bare", "coach"):   # alternating: a noisy spell on the machine hits both
                work = Path(tmp) / f"round{n}"
                work.mkdir(exist_ok=True)
                result = rush(variant, owners, counts if variant == "coach" else bare_counts, work)
                results[variant].append(result)
                problems += [f"round {n} {variant}: {f}" for f in result["failures"][:3]]
                expected_total = sum(map(sum, (counts if variant == "coach" else bare_counts).values()))
                if result["messages"] != expected_total:
                    problems.append(f"round {n} {variant}: {result['messages']} messages arrived, "
                                    f"{expected_total} expected")
                print(f"  round {n} {variant:<5}: {result['exchanges_s']:6.1f} exchanges/s, p50 "
                      f"{result['p50']:.2f} s, p95 {result['p95']:.2f} s, {result['per_action']:.3f} messages/action, "
                      f"{result['wall']:.1f} s", flush=True)
    medians = {v: {k: statistics.median(r[k] for r in rs) for k in ("exchanges_s", "p50", "p95", "per_action")}
               for v, rs in results.items()}
    missed = report(owners_n, actions, rounds, medians["bare"], medians["coach"])
    print("\nAll targets met." if not missed else f"\nTARGET MISSED: {'; '.join(missed)}")
    if problems:
        print("\nCHECK FAILED (the numbers above do not count):\n  " + "\n  ".join(problems))
    print(f"\nTotal run time {time.perf_counter() - started:.1f} s")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
