"""End-to-end benchmark: the coach's Telegram Application vs bare ones (its own calls replayed, an echo), on empty and 100k-owner DBs."""
# What it does
#   * Walks N simulated owners (default 500) through the real coach core (bot.core.engine.Coach) to
#     script them: /start, business name and product typed, segment / relationship / focus answered
#     by pressing one of the buttons the bot offered or by typing (aliases, numbers, typos), values
#     typed or skipped, quick questions ("gmn biar pelanggan balik lagi?"), /profil, /cari, help,
#     /kembali, tactics toggled on (sometimes off again) and "📝 Buat rencana". The scripts are
#     interleaved at random into one stream of Telegram updates (>= 5,000 in the full run).
#   * Feeds that stream, in a fresh child process per measurement (so peak RSS is that variant's own):
#       coach        bot.channels.telegram.build_application with the real Storage on a temp SQLite
#                    file and a request class that answers like the Bot API (no network), settled for
#                    running (gc.freeze) as bot/cli.py does;
#       same calls   a bare python-telegram-bot Application making, per update, exactly the Bot API calls
#                    the coach made for it (recorded once by a `record` child), with the same request
#                    class: the framework's share of the coach's work, the fair floor;
#       bare         a python-telegram-bot Application whose handlers only echo (for reference);
#       coach 100k   the coach again, on a copy of a database already holding 100,000 owners.
#     Latency is time.perf_counter_ns around each `await app.process_update(update)`; updates/s is the
#     stream's length over the time spent in Update.de_json + process_update (PTB parses every update
#     it receives; reading the stream from disk is left out). Each measurement runs --rounds times,
#     the variants alternating; the table quotes the medians.
#   * Checks the coach did the real work: every owner's stored step and plan equal what the core
#     predicted, >= 95% of owners finished with a non-empty plan, the outbox is empty and the error
#     handler saw nothing. A failed check exits 1; a missed target only prints MISS (exit 0).
#
# Run from the repository root:
#     python benchmarks/bench_bot.py            # full run (500 owners, 100k stored owners, 3 rounds)
#     python benchmarks/bench_bot.py --quick    # smoke run (50 owners, 10k stored owners, 1 round)
#     python benchmarks/bench_bot.py --profile  # also cProfile one coach run and print the hot spots
#     python benchmarks/bench_bot.py --against 8f67be9   # also the coach of that commit, same stream
from __future__ import annotations

import argparse
import asyncio
import cProfile
import gc
import io
import json
import logging
import os
import pstats
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

from telegram import InlineKeyboardMarkup, LinkPreviewOptions, Update
from telegram.ext import ApplicationBuilder, CallbackQueryHandler, MessageHandler, TypeHandler, filters
from telegram.request import BaseRequest

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))   # `bot` from this checkout even without `pip install -e`

from tests.recording_request import RecordingRequest  # noqa: E402
from owners import FIRST_NAMES, QUICK_QUESTIONS, interleave, script_owners  # noqa: E402

TOKEN = "123456:BENCHMARK"
OWNER_ID_BASE = 700_000_000      # simulated owners; stored owners take 1..N, so they never collide
WARMUP_ID_BASE = 900_000_000     # owners that only warm the code paths up, never measured
WARMUP_OWNERS = 8
FIRST_UPDATE_ID = 50_000_000     # above every stored owner's last_update_id: no update is skipped

FULL = {"owners": 500, "preload": 100_000, "rounds": 3}
QUICK = {"owners": 50, "preload": 10_000, "rounds": 1}
MIN_UPDATES, MIN_OWNERS = 5_000, 500   # the full run must be at least this big
MIN_FINISHED = 0.95
TARGET_FLOOR = 0.6               # coach updates/s over a bare app making the coach's very calls (the fair floor)
TARGET_P99_MS = 10.0
TARGET_RSS_MB = 120.0
TARGET_UPS = 1_000.0
TARGET_AGAINST = 0.9             # a restructuring keeps at least this share of the revision's updates/s
TARGET_GROWTH = 1.5              # latency with 100k stored owners over latency on an empty database

# --------------------------------------------------------------------------- a database of 100k owners

def build_preloaded(path: Path, owners: int, states: Sequence[dict], seed: int) -> dict[str, int]:
    """Store `owners` owners with states the walk produced, their plans, events and some lookups."""
    from bot.storage import Storage
    rng = random.Random(seed)
    done = [s for s in states if s["step"] == "selesai" and s["plan"]]
    midway = [s for s in states if s["step"] != "selesai"]
    # Serialise each distinct state once: 100k json.dumps calls would be most of the build time.
    done_json = [(json.dumps(s, ensure_ascii=False), s) for s in done]
    midway_json = [(json.dumps(s, ensure_ascii=False), s) for s in midway]
    now = time.time()
    owner_rows, plan_rows, event_rows, lookup_rows = [], [], [], []
    for owner_id in range(1, owners + 1):
        state_json, state = rng.choice(done_json) if rng.random() < 0.6 else rng.choice(midway_json)
        created = now - rng.uniform(0, 90 * 86400)
        updated = created + rng.uniform(0, 7 * 86400)
        owner_rows.append((owner_id, owner_id, rng.choice(FIRST_NAMES), state_json, state["step"],
                           rng.randrange(1, FIRST_UPDATE_ID), 1, created, updated))
        # A few of each owner's answer events, not all: a million event rows would make the build
        # slow and the indexes' depth (what growth could cost) is reached long before that.
        event_rows.append((owner_id, created, "start", "{}"))
        for step in state["history"][-3:]:
            event_rows.append((owner_id, created + 60, "answer", f'{{"step": "{step}"}}'))
        for item in state["plan"]:
            plan_rows.append((owner_id, item["id"], item.get("motivasi"), item.get("status", "direncanakan"),
                              updated, updated))
        if state["plan"]:
            event_rows.append((owner_id, updated, "plan", json.dumps(
                {"added": [p["id"] for p in state["plan"]], "motivasi": state["plan"][0].get("motivasi")})))
        if rng.random() < 0.3:
            lookup_rows.append((owner_id, updated, rng.choice(QUICK_QUESTIONS), "tanya-ulang", 3.2))
    store = Storage(path)   # the bot's own schema, through its migrations
    conn = store.db.conn
    # A throwaway file: no journal, no syncing and a big page cache make the bulk insert a few seconds.
    for pragma in ("journal_mode=DELETE", "journal_mode=OFF", "synchronous=OFF", "cache_size=-262144"):
        conn.execute(f"PRAGMA {pragma}")
    conn.execute("BEGIN")
    conn.executemany("INSERT INTO owners (id, chat_id, first_name, state, step, last_update_id, active, "
                     "created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", owner_rows)
    conn.executemany("INSERT INTO plans (owner_id, tactic_id, motivation, status, created_at, updated_at) "
                     "VALUES (?, ?, ?, ?, ?, ?)", plan_rows)
    conn.executemany("INSERT INTO events (owner_id, ts, kind, detail) VALUES (?, ?, ?, ?)", event_rows)
    conn.executemany("INSERT INTO lookups (owner_id, ts, query, best_id, score) VALUES (?, ?, ?, ?, ?)",
                     lookup_rows)
    conn.execute("COMMIT")
    conn.execute("PRAGMA journal_mode=WAL")   # as the bot leaves its database
    store.close()   # the last connection closing checkpoints the WAL: the file alone is the database
    return {"owners": len(owner_rows), "plans": len(plan_rows), "events": len(event_rows),
            "lookups": len(lookup_rows)}


def copy_synced(source: Path, target: Path) -> None:
    """Copy the stored database and flush it to disk: the first checkpoint would otherwise fsync all
    40 MB of a fresh copy inside one measured update (~300 ms once; a restored backup costs that too,
    but once, not in a steady stream)."""
    shutil.copyfile(source, target)
    fd = os.open(target, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


# --------------------------------------------------------------------------- child: one measurement

def _bare_application(request: BaseRequest):
    async def echo(update, context):
        await context.bot.send_message(update.effective_chat.id, update.effective_message.text)

    async def press(update, context):
        query = update.callback_query
        await query.answer()
        await context.bot.send_message(update.effective_chat.id, query.data)

    app = (ApplicationBuilder().token(TOKEN).base_url("https://api.telegram.org/bot")
           .request(request).get_updates_request(request).build())
    app.add_handler(MessageHandler(filters.TEXT, echo))
    app.add_handler(CallbackQueryHandler(press))
    return app


REPLAYED = {"reply_markup": InlineKeyboardMarkup.de_json, "link_preview_options": LinkPreviewOptions.de_json}


def _replaying_application(request: BaseRequest, calls: Path):
    """A bare Application whose one handler makes, for each update, exactly the Bot API calls the coach
    made for it (recorded by the `record` child), through the same PTB methods: the coach's fair floor.

    The calls' arguments are built into PTB objects before the run; only making the calls is measured."""
    recorded = json.loads(calls.read_text(encoding="utf-8"))
    prepared = {int(update_id): [(method, {k: REPLAYED[k](v, None) if k in REPLAYED else v for k, v in params.items()})
                                 for method, params in made] for update_id, made in recorded.items()}

    async def replay(update, context):
        for method, kwargs in prepared.get(update.update_id, ()):
            await getattr(context.bot, method)(**kwargs)   # the camelCase aliases: sendMessage, ...

    app = (ApplicationBuilder().token(TOKEN).base_url("https://api.telegram.org/bot")
           .request(request).get_updates_request(request).build())
    app.add_handler(TypeHandler(Update, replay))
    return app


async def _record(app, request, stream: Path, out: Path) -> None:
    """Feed the stream to the coach once, keeping every Bot API call it makes per update."""
    await app.initialize()
    per_update = {}
    with stream.open(encoding="utf-8") as lines:
        for line in lines:
            update = Update.de_json(json.loads(line), app.bot)
            before = len(request.calls)
            await app.process_update(update)
            made = request.calls[before:]
            if any(not isinstance(v, (str, int, float, bool, dict, list, type(None)))
                   for _, params in made for v in params.values()):
                raise SystemExit("the replay covers text calls only: an update made the coach upload a file")
            per_update[update.update_id] = made
    await app.shutdown()
    out.write_text(json.dumps(per_update, ensure_ascii=False), encoding="utf-8")


async def _feed(app, warmup: Path, stream: Path, profiler=None) -> dict:
    await app.initialize()
    # Warm-up owners run first so Jinja's template compilation and first-use imports are not
    # counted against the measured owners' tail latency.
    with warmup.open(encoding="utf-8") as lines:
        for line in lines:
            await app.process_update(Update.de_json(json.loads(line), app.bot))
    gc.collect()
    clock, cpu_clock = time.perf_counter_ns, time.process_time_ns
    latencies, cpu_latencies = [], []
    busy = cpu = 0
    if profiler:
        profiler.enable()
    # Updates are read one line at a time, outside the timed part: holding the whole stream in
    # memory would add to the peak RSS, and reading it is the harness's work, not the bot's.
    with stream.open(encoding="utf-8") as lines:
        for line in lines:
            data = json.loads(line)
            c0, t0 = cpu_clock(), clock()
            update = Update.de_json(data, app.bot)
            c1, t1 = cpu_clock(), clock()
            await app.process_update(update)
            t2, c2 = clock(), cpu_clock()
            latencies.append(t2 - t1)
            cpu_latencies.append(c2 - c1)
            busy += t2 - t0
            cpu += c2 - c0
    if profiler:
        profiler.disable()
    await app.shutdown()
    ms = sorted(n / 1e6 for n in latencies)
    cpu_ms = [n / 1e6 for n in cpu_latencies]
    return {"updates": len(ms), "busy_s": busy / 1e9, "cpu_s": cpu / 1e9, "ups": len(ms) / (busy / 1e9),
            "p50": statistics.median(ms), "p99": _p99(ms), "cpu_p99": _p99(cpu_ms), "max": ms[-1]}


def _p99(values: list[float]) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[98]


def _verify_coach(storage, expected: dict[str, list]) -> dict:
    """Compare every simulated owner's stored step and plan with what the core predicted."""
    ids = [int(i) for i in expected]
    finished = matched = 0
    for owner_id in ids:
        session = storage.load(owner_id)
        if isinstance(session, tuple):   # an older coach (--against) returned (session, last update id)
            session = session[0]
        if session is None:
            continue
        plan = sorted(item["id"] for item in session.plan)
        finished += session.step == "selesai" and bool(plan)
        matched += [session.step, plan] == expected[str(owner_id)]
    marks = ",".join("?" * len(ids))
    plans = storage.db.execute(f"SELECT COUNT(*) FROM plans WHERE owner_id IN ({marks})", ids).fetchone()[0]
    outbox = storage.db.execute(f"SELECT COUNT(*) FROM outbox WHERE owner_id IN ({marks})", ids).fetchone()[0]
    return {"owners": len(ids), "finished": finished, "matched": matched, "plan_rows": plans,
            "outbox_left": outbox}


def peak_rss_mb() -> float:
    """This process's peak resident set size in MB.

    ru_maxrss survives fork+exec on Linux, so a child started by this (much bigger) parent would report
    the parent's peak; VmHWM is the high-water mark of the child's own address space."""
    try:
        status = Path("/proc/self/status").read_text()
        return int(status.split("VmHWM:", 1)[1].split()[0]) / 1024      # kB
    except (OSError, IndexError, ValueError):
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024   # KiB on Linux


def child(variant: str, payload: Path, db_path: Path, result_path: Path, profile: bool) -> int:
    logging.basicConfig(level=logging.WARNING)
    for name in ("httpx", "telegram", "telegram.ext"):
        logging.getLogger(name).setLevel(logging.WARNING)
    # the test suite's fake Bot API, counting only (but keeping every call when recording the coach's)
    request = RecordingRequest(keep_calls=variant == "record")
    errors: list[str] = []

    async def collect(update, context):
        errors.append(repr(context.error))

    storage = None
    if variant == "bare":
        app = _bare_application(request)
    elif variant == "replay":
        app = _replaying_application(request, payload / "calls.json")
    else:
        from bot.channels.telegram import build_application
        from bot.config import Settings
        from bot.advice.knowledge import load
        from bot.app.service import CoachService
        from bot.core.engine import Coach
        from bot.storage import Storage
        storage = Storage(db_path)
        app = build_application(CoachService(Coach(load()), storage), Settings(token=TOKEN),
                                request=request, rate_limit=False)
        logging.getLogger("bot").setLevel(logging.WARNING)
        from bot.app.service import settle_for_running
        settle_for_running()   # as the running coach does after loading (bot/cli.py)
    app.add_error_handler(collect)
    if variant == "record":
        asyncio.run(_record(app, request, payload / "stream.jsonl", payload / "calls.json"))
        storage.close()
        result_path.write_text(json.dumps({"errors": errors}), encoding="utf-8")
        return 0
    profiler = cProfile.Profile() if profile else None
    result = asyncio.run(_feed(app, payload / "warmup.jsonl", payload / "stream.jsonl", profiler))
    result["rss_mb"] = peak_rss_mb()
    result["errors"] = errors
    result["calls"] = dict(request.counts)
    if storage is not None:
        expected = json.loads((payload / "expected.json").read_text(encoding="utf-8"))
        result["check"] = _verify_coach(storage, expected)
        storage.close()
    if profiler:
        stream = io.StringIO()
        stats = pstats.Stats(profiler, stream=stream)
        stats.sort_stats("cumulative").print_stats(30)
        stats.sort_stats("tottime").print_stats(25)
        result["profile"] = stream.getvalue()
    result_path.write_text(json.dumps(result), encoding="utf-8")
    return 0


# --------------------------------------------------------------------------- parent: the whole run

def run_child(variant: str, payload: Path, db: Path, work: Path, profile: bool = False,
              tree: Path = ROOT) -> dict:
    """One measurement in a fresh process; `tree` is the checkout whose bot/ (and whose benchmark) runs."""
    out = work / f"result-{variant}.json"
    cmd = [sys.executable, str(tree / "benchmarks" / "bench_bot.py"), "--child", variant, "--payload", str(payload),
           "--db", str(db), "--result", str(out)]
    if profile:
        cmd.append("--profile")
    done = subprocess.run(cmd, check=False, capture_output=True, text=True, cwd=tree)
    if done.returncode != 0:
        raise SystemExit(f"{variant} child failed (exit {done.returncode}):\n{done.stderr[-4000:]}")
    return json.loads(out.read_text(encoding="utf-8"))


def median_of(results: Sequence[dict]) -> dict:
    keys = ("ups", "p50", "p99", "cpu_p99", "max", "rss_mb")
    merged = {k: statistics.median(r[k] for r in results) for k in keys}
    merged["updates"] = results[0]["updates"]
    merged["cpu_ups"] = statistics.median(r["updates"] / r["cpu_s"] for r in results)
    return merged


def verdict(ok: bool) -> str:
    return "PASS" if ok else "MISS"


COLUMNS = (("upd/s", "ups", 7, ".0f"), ("cpu upd/s", "cpu_ups", 9, ".0f"), ("p50 ms", "p50", 7, ".3f"),
           ("p99 ms", "p99", 7, ".3f"), ("cpu p99 ms", "cpu_p99", 10, ".3f"), ("max ms", "max", 7, ".2f"),
           ("peak RSS MB", "rss_mb", 11, ".1f"))


def table(first: str, rows: Sequence[tuple[str, dict]], ratio_name: str) -> None:
    """The rows, then the last row over the one before it."""
    header = f"{first:<24} " + " ".join(f"{title:>{width}}" for title, _, width, _ in COLUMNS)
    print(header)
    print("-" * len(header))
    for name, m in rows:
        print(f"{name:<24} " + " ".join(f"{m[key]:>{width}{fmt}}" for _, key, width, fmt in COLUMNS))
    (_, base), (_, other) = rows[-2], rows[-1]
    ratios = (f"{other[key] / base[key]:>{width}.2f}" for _, key, width, _ in COLUMNS)
    print(f"{ratio_name:<24} " + " ".join(ratios))


def report(stream_len: int, owners: int, preload: int, rounds: int, medians: dict[str, dict]) -> list[str]:
    """Print the tables with PASS/MISS per target; return the missed targets."""
    bare, replay, coach, grown = medians["bare"], medians["replay"], medians["coach"], medians["coach100k"]
    print(f"\nEnd to end, {stream_len} updates from {owners} owners; medians of {rounds} round(s).\n"
          "upd/s = updates over the wall time spent in Update.de_json + process_update; cpu upd/s = over\n"
          "the CPU time of the same; p50/p99/max = wall latency of each process_update; cpu p99 = its CPU\n"
          "time (what p99 would be if no other process took the core: the machine may be shared);\n"
          "peak RSS = the child process's own high-water mark. 'same calls' is a bare Application making,\n"
          "per update, exactly the Bot API calls the coach made (the framework's share of the coach's work).\n")
    table("variant", (("same calls (replayed)", replay), ("coach (empty database)", coach)), "coach / same calls")
    print()
    table("for reference", (("bare PTB (echo only)", bare), ("coach (empty database)", coach)), "coach / bare")
    ratio = coach["ups"] / replay["ups"]
    targets = [(f"throughput coach/same calls >= {TARGET_FLOOR}", f"{ratio:.2f}", ratio >= TARGET_FLOOR),
               (f"coach p99 <= {TARGET_P99_MS:g} ms", f"{coach['p99']:.3f} ms", coach["p99"] <= TARGET_P99_MS),
               (f"coach peak RSS <= {TARGET_RSS_MB:g} MB", f"{coach['rss_mb']:.1f} MB",
                coach["rss_mb"] <= TARGET_RSS_MB),
               (f"coach >= {TARGET_UPS:,.0f} updates/s on one core", f"{coach['ups']:.0f}/s",
                coach["ups"] >= TARGET_UPS)]
    print("\nTargets:")
    for name, value, ok in targets:
        print(f"  {name:<44} {value:>10}  {verdict(ok)}")

    print(f"\nGrowth: the coach on an empty database vs one already holding {preload:,} owners.\n")
    table("database", (("empty", coach), (f"{preload:,} owners", grown)), "stored / empty")
    growth = [(f"p50 latency stored/empty <= {TARGET_GROWTH}x", grown["p50"] / coach["p50"]),
              (f"p99 latency stored/empty <= {TARGET_GROWTH}x", grown["p99"] / coach["p99"])]
    print("\nTargets:")
    for name, value in growth:
        print(f"  {name:<44} {value:>9.2f}x  {verdict(value <= TARGET_GROWTH)}")
    targets += [(name, f"{value:.2f}x", value <= TARGET_GROWTH) for name, value in growth]
    return [f"{name} ({value})" for name, value, ok in targets if not ok]


def report_against(revision: str, medians: dict[str, dict]) -> list[str]:
    """This checkout's coach against revision's, on the same stream and the same machine minutes apart."""
    print(f"\nThis coach against the coach of {revision} (same stream, empty database).\n")
    table("coach", ((revision, medians["against"]), ("this checkout", medians["coach"])), "this / before")
    ratio = medians["coach"]["ups"] / medians["against"]["ups"]
    name = f"updates/s this/{revision} >= {TARGET_AGAINST}"
    print(f"\nTarget:\n  {name:<44} {ratio:>10.2f}  {verdict(ratio >= TARGET_AGAINST)}")
    return [] if ratio >= TARGET_AGAINST else [f"{name} ({ratio:.2f})"]


def check(label: str, result: dict, owners: int, stream_len: int) -> list[str]:
    """What must hold for the run to count: the work was really done and nothing raised."""
    problems = [f"{label}: error handler saw {len(result['errors'])} error(s), first {result['errors'][0]}"
                ] if result["errors"] else []
    if result["updates"] != stream_len:
        problems.append(f"{label}: {result['updates']} updates processed, {stream_len} sent")
    c = result.get("check")
    if c:
        if c["finished"] < MIN_FINISHED * owners:
            problems.append(f"{label}: only {c['finished']}/{owners} owners finished with a plan")
        if c["matched"] != owners:
            problems.append(f"{label}: {owners - c['matched']} owners' stored step/plan differ from "
                            "the core's prediction")
        if c["outbox_left"]:
            problems.append(f"{label}: {c['outbox_left']} replies left unsent in the outbox")
        if not c["plan_rows"]:
            problems.append(f"{label}: no plans stored")
    elif label.endswith("bare") and result["calls"].get("sendMessage", 0) < stream_len:
        problems.append(f"{label}: echoed {result['calls'].get('sendMessage', 0)} of {stream_len} updates")
    return problems


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smoke run: 50 owners, 10k stored, 1 round")
    parser.add_argument("--owners", type=int, help=f"simulated owners (default {FULL['owners']})")
    parser.add_argument("--preload", type=int, help=f"owners stored before the growth run "
                                                     f"(default {FULL['preload']:,})")
    parser.add_argument("--rounds", type=int, help=f"measurements per variant (default {FULL['rounds']})")
    parser.add_argument("--seed", type=int, default=20240601)
    parser.add_argument("--profile", action="store_true", help="also cProfile one coach run")
    parser.add_argument("--against", metavar="REV", help="also measure the coach of git revision REV (e.g. "
                        "the commit before a restructuring) on the same stream, alternating with this one")
    parser.add_argument("--child", choices=("coach", "bare", "record", "replay"), help=argparse.SUPPRESS)
    parser.add_argument("--payload", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--db", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--result", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        return child(args.child, args.payload, args.db, args.result, args.profile)

    preset = QUICK if args.quick else FULL
    owners = args.owners or preset["owners"]
    preload = args.preload if args.preload is not None else preset["preload"]
    rounds = args.rounds or preset["rounds"]
    started = time.perf_counter()
    logging.basicConfig(level=logging.WARNING)

    from bot.advice.knowledge import load
    from bot.core.engine import Coach
    coach = Coach(load())
    walked = script_owners(coach, owners, OWNER_ID_BASE, args.seed)
    warmup_owners = script_owners(coach, WARMUP_OWNERS, WARMUP_ID_BASE, args.seed + 1)
    stream = interleave(walked, args.seed, FIRST_UPDATE_ID)
    warmup = interleave(warmup_owners, args.seed + 1, FIRST_UPDATE_ID - 10_000)
    expected = {str(o.id): [o.session.step, sorted(item["id"] for item in o.session.plan)] for o in walked}
    kinds = Counter("button" if "callback_query" in u else
                    "command" if u["message"]["text"].startswith("/") else "text" for u in stream)
    predicted = sum(1 for step, plan in expected.values() if step == "selesai" and plan)
    print(f"{len(stream)} updates from {owners} owners ({kinds['button']} button presses, {kinds['text']} "
          f"texts, {kinds['command']} commands); the core predicts {predicted} finish with a plan; "
          f"Python {sys.version.split()[0]}", flush=True)
    problems = []
    if not args.quick and args.owners is None and (len(stream) < MIN_UPDATES or owners < MIN_OWNERS):
        problems.append(f"the full run needs >= {MIN_UPDATES} updates from >= {MIN_OWNERS} owners")

    with tempfile.TemporaryDirectory(prefix="bench_bot-") as tmp:
        work = Path(tmp)
        payload = work / "payload"
        payload.mkdir()
        for name, updates in (("stream.jsonl", stream), ("warmup.jsonl", warmup)):
            (payload / name).write_text("".join(json.dumps(u, ensure_ascii=False) + "\n" for u in updates),
                                        encoding="utf-8")
        (payload / "expected.json").write_text(json.dumps(expected), encoding="utf-8")
        t0 = time.perf_counter()
        states = [s for o in walked for s in o.states]
        built = build_preloaded(work / "preloaded.db", preload, states, args.seed)
        size_mb = (work / "preloaded.db").stat().st_size / 2**20
        print(f"Stored database: {built['owners']:,} owners, {built['plans']:,} plans, {built['events']:,} "
              f"events, {built['lookups']:,} lookups, {size_mb:.0f} MB, built in "
              f"{time.perf_counter() - t0:.1f} s", flush=True)
        del coach, walked, warmup_owners, states
        gc.collect()

        recorded = run_child("record", payload, work / "record.db", work)
        problems += [f"recording the coach's calls: {e}" for e in recorded["errors"][:1]]
        results: dict[str, list[dict]] = {"coach": [], "replay": [], "bare": [], "coach100k": []}
        variants = ["coach", "replay", "bare", "coach100k"]
        if args.against:
            old_tree = work / "against"
            old_tree.mkdir()
            archive = subprocess.run(["git", "-C", str(ROOT), "archive", args.against], check=True,
                                     capture_output=True).stdout
            subprocess.run(["tar", "-x", "-C", str(old_tree)], input=archive, check=True)
            results["against"] = []
            variants.insert(1, "against")
        for n in range(1, rounds + 1):
            # Variants alternate within each round so a noisy spell on the machine hits them all.
            for variant in variants:
                db = work / f"round{n}-{variant}.db"
                if variant == "coach100k":
                    copy_synced(work / "preloaded.db", db)
                result = run_child(variant if variant in ("bare", "replay") else "coach", payload, db, work,
                                   tree=old_tree if variant == "against" else ROOT)
                problems += check(f"round {n} {variant}", result, owners, len(stream))
                results[variant].append(result)
                print(f"  round {n} {variant:<9}: {result['ups']:7.0f} upd/s, p50 {result['p50']:.3f} ms, "
                      f"p99 {result['p99']:.3f} ms, peak RSS {result['rss_mb']:.1f} MB", flush=True)
                db.unlink(missing_ok=True)
        c = results["coach"][0]["check"]
        print(f"Checked in storage: {c['finished']}/{c['owners']} owners finished with a plan "
              f"({c['plan_rows']} plan rows), {c['matched']}/{c['owners']} match the core's prediction, "
              f"{c['outbox_left']} replies left in the outbox; Bot API calls per coach run: "
              + ", ".join(f"{k} {v}" for k, v in sorted(results['coach'][0]['calls'].items())))

        medians = {k: median_of(v) for k, v in results.items()}
        missed = report(len(stream), owners, preload, rounds, medians)
        if args.against:
            missed += report_against(args.against, medians)
        if args.profile:
            profiled = run_child("coach", payload, work / "profile.db", work, profile=True)
            print("\ncProfile of one coach run (the measured stream, empty database):")
            print("\n".join(line for line in profiled["profile"].splitlines() if line.strip()))

    if missed:
        print(f"\nTARGET MISSED: {'; '.join(missed)}")
    else:
        print("\nAll targets met.")
    if problems:
        print("\nCHECK FAILED (the numbers above do not count):\n  " + "\n  ".join(problems))
    print(f"\nTotal run time {time.perf_counter() - started:.1f} s")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
