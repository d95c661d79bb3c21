"""Benchmark the quick lookup (bot.advice.lookup.Lookup): index build time and per-query latency.

What it measures
  * 1,200+ deterministic queries (seeded): the labelled ones in tests/data/casual_queries.jsonl and
    tests/dev_queries.jsonl (else shared/eval/dev_queries.jsonl), plus variations of them: finger
    slips (dropped, swapped, doubled letters), casual prefixes and suffixes ("kak mau tanya",
    "gmn ya", "dong", "?"), stretched letters ("bangettt"), shuffled word order, combinations of
    entry keywords, long rambling messages (~30 words) and ~10% off-topic chatter.
  * Knowledge bases of 1x (today's knowledge/), 10x and 100x entries. The bigger ones are made by
    copying every entry with a new id (f"{id}-s{n}"), its title, summary, steps, example and
    keywords shuffled and mixed with words of other entries plus a few new made-up words per copy,
    so the vocabulary grows as it would in a real bigger knowledge base. Categories stay the same.
  * For each size: the time to build the index (Lookup(...)), then every query once on the fresh
    index (cold: the lru caches of stems and typo corrections hold only what the build put there)
    and once more (warm: every query's words already cached). Latency is time.perf_counter_ns
    around lookup.search(query), one query at a time.

Targets (on the cold pass): p99 <= 2 ms at 1x, p99 <= 20 ms at 100x. The script only reports:
it always exits 0, printing PASS or MISS per target.

Run from the repository root:
    python benchmarks/bench_lookup.py            # full run, 1x / 10x / 100x (a few minutes at most)
    python benchmarks/bench_lookup.py --quick    # fewer queries, 1x and 10x only (smoke test)
    python benchmarks/bench_lookup.py --profile  # also cProfile the slowest cold queries
"""
from __future__ import annotations

import argparse
import cProfile
import dataclasses
import gc
import io
import json
import pstats
import random
import statistics
import sys
import time
from pathlib import Path
from typing import Sequence

from bot.advice.entry import Entry
from bot.advice.knowledge import Lexicon, load
from bot.advice.lookup import Lookup

ROOT = Path(__file__).resolve().parent.parent
CASUAL = ROOT / "tests" / "data" / "casual_queries.jsonl"
DEV = ROOT / "tests" / "dev_queries.jsonl"
DEV_SHARED = ROOT.parent / "shared" / "eval" / "dev_queries.jsonl"

TARGETS = {1: 2.0, 100: 20.0}   # size factor -> cold p99 limit in ms
FULL_QUERIES = 1400
QUICK_QUERIES = 300
OFF_TOPIC_SHARE = 0.10

PREFIXES = ("kak mau tanya", "gmn ya", "kak", "min", "permisi kak", "halo kak mau nanya",
            "maaf ganggu", "sy mau tanya", "bang", "gan", "tolong dong", "mau nanya nih",
            "numpang tanya", "pagi kak", "kak aku bingung")
SUFFIXES = ("dong", "?", "??", "ya", "kak", "gmn ya", "gimana caranya", "makasih", "thx",
            "pls", "nih", "sih", "ya kak?", "mohon pencerahan", "!!")
STRETCHABLE = ("banget", "dong", "kak", "sih", "tolong", "gimana", "please", "yaa", "nih", "plis")
GLUE = ("sama", "dan", "terus", "atau", "plus", "juga", "trs", "&")
FILLER = ("jadi gini kak", "aku tuh", "udah lama", "jualan", "di rumah", "sejak tahun lalu",
          "tapi kok", "sepi banget", "bingung", "harus gimana", "modal pas pasan", "sendirian",
          "dibantu suami", "kadang rame kadang sepi", "udah coba macem macem", "belum berhasil",
          "pengen", "usaha", "warung", "kue", "online", "offline", "temen bilang", "katanya",
          "menurut kakak", "sebaiknya", "mulai dari mana", "soalnya", "terus terang", "capek juga",
          "mohon sarannya", "makasih sebelumnya")
OFF_TOPIC_SUBJECTS = ("resep rendang", "cuaca besok", "skor bola", "jadwal kereta", "harga emas",
                      "film horor", "lagu dangdut", "cara main gitar", "tugas matematika",
                      "jadwal sholat", "zodiak minggu ini", "nonton anime", "resep nasi goreng",
                      "tiket konser", "servis motor", "ganti oli", "obat batuk", "kucing sakit",
                      "liburan ke bali", "pr bahasa inggris", "game mobile", "drakor terbaru",
                      "presiden indonesia", "cara masak rawon", "banjir di jalan", "harga bensin")
OFF_TOPIC_TAILS = ("hari ini", "semalem", "brp", "dimana", "yg bagus apa", "enaknya gimana",
                   "kapan", "siapa", "di jakarta", "minggu depan", "gratis", "terbaru", "")
SYLLABLES = ("ba", "ka", "ta", "ri", "lu", "mo", "ne", "si", "pa", "go", "de", "ju", "wi", "ra",
             "hu", "ngo", "tre", "ska", "mi", "yo", "be", "cu", "fa", "ze")


# --------------------------------------------------------------------------- queries

def _read_jsonl(path: Path) -> list[dict]:
    if not path.is_file():
        return []
    with path.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def labelled_queries() -> tuple[list[str], list[str]]:
    """(on-topic, off-topic) labelled queries; off-topic ones expect no hit."""
    rows = _read_jsonl(CASUAL) + _read_jsonl(DEV if DEV.is_file() else DEV_SHARED)
    on = [r["q"] for r in rows if r.get("expect")]
    off = [r["q"] for r in rows if not r.get("expect")]
    return on, off


def typo(rng: random.Random, text: str) -> str:
    """Drop, swap or double one letter of one or two longer words."""
    words = text.split()
    candidates = [i for i, w in enumerate(words) if len(w) >= 4 and w.isalpha()]
    if not candidates:
        return text
    for i in rng.sample(candidates, min(len(candidates), rng.choice((1, 1, 2)))):
        w = words[i]
        j = rng.randrange(1, len(w) - 1)
        kind = rng.choice(("drop", "swap", "double"))
        if kind == "drop":
            w = w[:j] + w[j + 1:]
        elif kind == "swap":
            w = w[:j] + w[j + 1] + w[j] + w[j + 2:]
        else:
            w = w[:j] + w[j] + w[j:]
        words[i] = w
    return " ".join(words)


def casual(rng: random.Random, text: str) -> str:
    parts = []
    if rng.random() < 0.7:
        parts.append(rng.choice(PREFIXES))
    parts.append(text)
    if rng.random() < 0.7 or len(parts) == 1:
        parts.append(rng.choice(SUFFIXES))
    return " ".join(parts)


def stretch(rng: random.Random, text: str) -> str:
    """Stretch the last letter of a word or two and add a stretched casual word."""
    words = text.split()
    for i in rng.sample(range(len(words)), min(len(words), 2)):
        if words[i][-1:].isalpha():
            words[i] += words[i][-1] * rng.randint(2, 4)
    word = rng.choice(STRETCHABLE)
    words.append(word + word[-1] * rng.randint(2, 5))
    return " ".join(words)


def shuffle_words(rng: random.Random, text: str) -> str:
    words = text.split()
    rng.shuffle(words)
    return " ".join(words)


def keyword_combo(rng: random.Random, entries: Sequence[Entry]) -> str:
    picked = [rng.choice(rng.choice(entries).keywords) for _ in range(rng.randint(2, 3))]
    out = picked[0]
    for kw in picked[1:]:
        out += f" {rng.choice(GLUE)} {kw}"
    return casual(rng, out) if rng.random() < 0.5 else out


def rambling(rng: random.Random, entries: Sequence[Entry], on_topic: Sequence[str]) -> str:
    """~30 words: filler, a real question, a keyword and a few words of an entry's story."""
    entry = rng.choice(entries)
    story = entry.example.split()
    start = rng.randrange(max(1, len(story) - 8))
    parts = [rng.choice(PREFIXES), *rng.sample(FILLER, 4), rng.choice(on_topic),
             rng.choice(entry.keywords), " ".join(story[start:start + rng.randint(4, 8)]),
             *rng.sample(FILLER, 3), rng.choice(SUFFIXES)]
    words = " ".join(parts).split()
    while len(words) < 28:
        words += rng.choice(FILLER).split()
    return " ".join(words[:34])


def off_topic(rng: random.Random, labelled_off: Sequence[str]) -> str:
    if labelled_off and rng.random() < 0.3:
        base = rng.choice(labelled_off)
    else:
        base = f"{rng.choice(OFF_TOPIC_SUBJECTS)} {rng.choice(OFF_TOPIC_TAILS)}".strip()
    roll = rng.random()
    if roll < 0.3:
        base = casual(rng, base)
    elif roll < 0.5:
        base = typo(rng, base)
    elif roll < 0.6:
        base = stretch(rng, base)
    return base


def build_queries(entries: Sequence[Entry], count: int, seed: int) -> tuple[list[str], dict[str, int]]:
    """`count` distinct queries (labelled ones first), with how many came from each generator."""
    rng = random.Random(seed)
    on, off = labelled_queries()
    if not on:
        on = [" ".join(e.keywords[:2]) for e in entries]
    if len(on) + len(off) > count // 2:     # small runs (--quick): keep room for the variations
        on = rng.sample(on, max(1, count * 9 // 20))
        off = rng.sample(off, min(len(off), count // 20))
    queries: dict[str, str] = {}

    def add(q: str, kind: str) -> None:
        q = " ".join(q.split())
        if q and q not in queries and len(queries) < count:
            queries[q] = kind

    for q in on:
        add(q, "labelled")
    for q in off:
        add(q, "labelled off-topic")
    variations = (("typo", lambda: typo(rng, rng.choice(on))),
                  ("casual prefix/suffix", lambda: casual(rng, rng.choice(on))),
                  ("stretched", lambda: stretch(rng, rng.choice(on))),
                  ("shuffled", lambda: shuffle_words(rng, rng.choice(on))),
                  ("typo+casual", lambda: casual(rng, typo(rng, rng.choice(on)))),
                  ("keyword combo", lambda: keyword_combo(rng, entries)),
                  ("keyword combo", lambda: keyword_combo(rng, entries)),
                  ("rambling", lambda: rambling(rng, entries, on)))
    want_off = round(count * OFF_TOPIC_SHARE)
    attempts = 0
    while len(queries) < count and attempts < count * 50:
        attempts += 1
        n_off = sum(1 for k in queries.values() if "off-topic" in k)
        if n_off < want_off and rng.random() < 0.15:
            add(off_topic(rng, off), "off-topic")
            continue
        kind, make = rng.choice(variations)
        add(make(), kind)
    kinds: dict[str, int] = {}
    for kind in queries.values():
        kinds[kind] = kinds.get(kind, 0) + 1
    return list(queries), kinds


# --------------------------------------------------------------------------- bigger knowledge

def _new_token(rng: random.Random, taken: set[str]) -> str:
    while True:
        word = "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(3, 4)))
        if word not in taken:
            taken.add(word)
            return word


def _mix(rng: random.Random, text: str, donor: Sequence[str], new: Sequence[str], share: float) -> str:
    """Shuffle the words of `text`, swap `share` of them for donor words, slip in new words."""
    words = text.split()
    rng.shuffle(words)
    for i in range(len(words)):
        if donor and rng.random() < share:
            words[i] = rng.choice(donor)
    for word in new:
        words.insert(rng.randint(0, len(words)), word)
    return " ".join(words)


def synthesise(entries: Sequence[Entry], factor: int, seed: int) -> list[Entry]:
    """Today's entries plus factor-1 shuffled, mixed copies of each (new ids, same categories)."""
    rng = random.Random(seed * 1000 + factor)
    out = list(entries)
    if factor <= 1:
        return out
    bags = [(e.title + " " + e.summary + " " + " ".join(e.steps)).split() for e in entries]
    keyword_bags = [[w for kw in e.keywords for w in kw.split()] for e in entries]
    taken = {w.lower() for bag in bags for w in bag}
    for n in range(1, factor):
        for i, entry in enumerate(entries):
            j = rng.randrange(len(entries) - 1)
            j += j >= i                     # another entry, never the same one
            donor, donor_kw = bags[j], keyword_bags[j]
            new = [_new_token(rng, taken) for _ in range(rng.randint(2, 4))]
            keywords = list(entry.keywords)
            rng.shuffle(keywords)
            keywords = [_mix(rng, kw, donor_kw, (), 0.3) if rng.random() < 0.4 else kw
                        for kw in keywords]
            keywords += rng.sample(entries[j].keywords, min(2, len(entries[j].keywords)))
            keywords += [new[0], f"{new[-1]} {rng.choice(donor_kw or ['usaha'])}"]
            steps = list(entry.steps)
            rng.shuffle(steps)
            out.append(dataclasses.replace(
                entry,
                id=f"{entry.id}-s{n}",
                title=_mix(rng, entry.title, donor, new[:1], 0.25),
                summary=_mix(rng, entry.summary, donor, new, 0.25),
                steps=tuple(_mix(rng, s, donor, (), 0.25) for s in steps),
                examples={**entry.examples, "lainnya": _mix(rng, entry.example, donor, (), 0.15)},
                keywords=tuple(keywords),
                path=f"{entry.path}#s{n}",
            ))
    return out


# --------------------------------------------------------------------------- measuring

def quantiles(samples_ns: Sequence[int]) -> tuple[float, float, float]:
    """(median, p99, max) in milliseconds."""
    ms = [s / 1e6 for s in samples_ns]
    p99 = statistics.quantiles(ms, n=100, method="inclusive")[98] if len(ms) > 1 else ms[0]
    return statistics.median(ms), p99, max(ms)


def timed_pass(lookup: Lookup, queries: Sequence[str]) -> list[int]:
    gc.collect()
    clock = time.perf_counter_ns
    search = lookup.search
    samples = []
    for q in queries:
        t0 = clock()
        search(q)
        samples.append(clock() - t0)
    return samples


def warm_up_code(lookup: Lookup, seed: int) -> None:
    """Run the code paths once with made-up words that no measured query uses (caches stay cold)."""
    rng = random.Random(seed + 7)
    for _ in range(5):
        lookup.search(" ".join("zq" + "".join(rng.choice(SYLLABLES) for _ in range(3)) for _ in range(3)))


@dataclasses.dataclass
class Result:
    factor: int
    entries: int
    vocabulary: int
    build_s: float
    cold: tuple[float, float, float]
    warm: tuple[float, float, float]
    cold_samples: list[int]
    hits: int


def measure(factor: int, base: Sequence[Entry], lexicon: Lexicon, queries: Sequence[str],
            seed: int) -> tuple[Result, Lookup, list[Entry]]:
    entries = synthesise(base, factor, seed)
    gc.collect()
    t0 = time.perf_counter()
    lookup = Lookup(entries, lexicon)
    build = time.perf_counter() - t0
    warm_up_code(lookup, seed)
    cold = timed_pass(lookup, queries)
    warm = timed_pass(lookup, queries)
    hits = sum(1 for q in queries if lookup.search(q))
    result = Result(factor, len(entries), len(lookup._targets), build, quantiles(cold), quantiles(warm),
                    cold, hits)
    return result, lookup, entries


def profile_slowest(result: Result, entries: Sequence[Entry], lexicon: Lexicon,
                    queries: Sequence[str], seed: int, top: int = 5) -> None:
    """cProfile the slowest cold queries of one size on a freshly built index (caches cold again)."""
    slowest = sorted(range(len(queries)), key=lambda i: -result.cold_samples[i])[:top]
    lookup = Lookup(entries, lexicon)
    warm_up_code(lookup, seed)
    print(f"\nProfile of the {top} slowest cold queries at {result.factor}x "
          f"({result.entries} entries), on a fresh index:")
    for i in slowest:
        print(f"  {result.cold_samples[i] / 1e6:7.2f} ms  {queries[i][:100]!r}")
    profiler = cProfile.Profile()
    profiler.enable()
    for i in slowest:
        lookup.search(queries[i])
    profiler.disable()
    stream = io.StringIO()
    pstats.Stats(profiler, stream=stream).sort_stats("tottime").print_stats(12)
    print("\n".join(line for line in stream.getvalue().splitlines() if line.strip()))


def report(results: list[Result], queries: int, kinds: dict[str, int]) -> None:
    base = results[0]
    print(f"\nQueries: {queries} distinct ("
          + ", ".join(f"{k} {v}" for k, v in sorted(kinds.items(), key=lambda kv: -kv[1])) + ")")
    header = (f"{'size':>5} {'entries':>8} {'vocab':>7} {'build s':>8} {'hits':>5} | "
              f"{'cold med':>8} {'cold p99':>8} {'cold max':>8} | {'warm med':>8} {'warm p99':>8} | "
              f"{'x med':>6} {'x p99':>6} | {'warm x med':>10} {'warm x p99':>10}")
    print("\nLatency of Lookup.search in ms (cold = first pass on a fresh index, warm = second pass);"
          "\nx med / x p99 = cold growth vs 1x, warm x = warm growth vs 1x; vocab = typo-match targets\n")
    print(header)
    print("-" * len(header))
    for r in results:
        print(f"{str(r.factor) + 'x':>5} {r.entries:>8} {r.vocabulary:>7} {r.build_s:>8.2f} {r.hits:>5} | "
              f"{r.cold[0]:>8.3f} {r.cold[1]:>8.3f} {r.cold[2]:>8.2f} | {r.warm[0]:>8.3f} {r.warm[1]:>8.3f} | "
              f"{r.cold[0] / base.cold[0]:>6.1f} {r.cold[1] / base.cold[1]:>6.1f} | "
              f"{r.warm[0] / base.warm[0]:>10.1f} {r.warm[1] / base.warm[1]:>10.1f}")
    print("\nTargets (cold pass p99):")
    missed = []
    by_factor = {r.factor: r for r in results}
    for factor, limit in TARGETS.items():
        r = by_factor.get(factor)
        if r is None:
            print(f"  p99 <= {limit:g} ms at {factor}x: not measured in this run")
            continue
        ok = r.cold[1] <= limit
        print(f"  p99 <= {limit:g} ms at {factor}x: {r.cold[1]:.3f} ms  {'PASS' if ok else 'MISS'}")
        if not ok:
            missed.append(f"{factor}x (p99 {r.cold[1]:.3f} ms > {limit:g} ms)")
    if missed:
        print(f"\nTARGET MISSED: {'; '.join(missed)}")
    else:
        print("\nAll measured targets met.")


UNDERSTAND_P99_MS = 2.0


def understanding(queries: Sequence[str], rounds: int = 3) -> None:
    """p50/p99 of the understanding step (bot/core/understand.py) over every step and the same texts."""
    from bot.core.engine import Coach
    coach = Coach(load())
    steps = [step.id for step in coach.flow.steps.values() if step.kind in ("choice", "text")]
    texts = [q[:120] for q in queries]
    samples: list[int] = []
    for _ in range(rounds):
        for i, text in enumerate(texts):
            step = steps[i % len(steps)]
            started = time.perf_counter_ns()
            coach.understand(step, text)
            samples.append(time.perf_counter_ns() - started)
    p50, p99, _ = quantiles(samples)
    print(f"\nUnderstanding step: {len(samples)} readings over {len(steps)} steps; p50 {p50:.3f} ms, "
          f"p99 {p99:.3f} ms")
    print(f"  p99 <= {UNDERSTAND_P99_MS:g} ms: {p99:.3f} ms  {'PASS' if p99 <= UNDERSTAND_P99_MS else 'MISS'}")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer queries, only 1x and 10x")
    parser.add_argument("--queries", type=int, help=f"number of queries (default {FULL_QUERIES}, "
                                                     f"--quick {QUICK_QUERIES})")
    parser.add_argument("--sizes", type=lambda s: [int(x) for x in s.split(",")],
                        help="size factors, comma separated (default 1,10,100; --quick 1,10)")
    parser.add_argument("--seed", type=int, default=20240601)
    parser.add_argument("--profile", action="store_true",
                        help="cProfile the slowest cold queries of the largest size")
    args = parser.parse_args(argv)
    count = args.queries or (QUICK_QUERIES if args.quick else FULL_QUERIES)
    sizes = args.sizes or ([1, 10] if args.quick else [1, 10, 100])
    if 1 not in sizes:
        sizes = [1, *sizes]
    sizes = sorted(set(sizes))

    started = time.perf_counter()
    kb = load()
    queries, kinds = build_queries(kb.entries, count, args.seed)
    print(f"Knowledge: {len(kb.entries)} entries; {len(queries)} queries; sizes "
          + ", ".join(f"{s}x" for s in sizes) + f"; seed {args.seed}; Python {sys.version.split()[0]}")
    results = []
    last = None
    for factor in sizes:
        result, lookup, entries = measure(factor, kb.entries, kb.lexicon, queries, args.seed)
        results.append(result)
        print(f"  {factor}x: {result.entries} entries, build {result.build_s:.2f} s, "
              f"cold p99 {result.cold[1]:.3f} ms, warm p99 {result.warm[1]:.3f} ms", flush=True)
        last = (result, entries)
        del lookup
    report(results, len(queries), kinds)
    understanding(queries)
    if args.profile and last is not None:
        profile_slowest(last[0], last[1], kb.lexicon, queries, args.seed)
    print(f"\nTotal run time {time.perf_counter() - started:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
