"""Command line: umkm-coach {chat,telegram,whatsapp,serve,cari,understand,rekomendasi,kb,stats,backup}."""
from __future__ import annotations

import argparse
import json
import os
import sqlite3
import sys

from .advice.knowledge import KnowledgeError, load
from .config import Settings
from .core import questions
from .storage.guard import Refused
from .text.render import rich_text, to_plain


def _coach(kb=None):
    from .core.engine import Coach
    return Coach(kb or load())


def _found_json(found) -> list[dict]:
    """The cards the owner would see, best first; "sure": false when they are offered as a guess."""
    return [{**hit.as_json(), "sure": found.sure} for hit in found.hits]


def cmd_cari(args: argparse.Namespace) -> int:
    coach = _coach()
    if args.query:
        queries = [" ".join(args.query)]
    elif args.json:
        queries = None
    else:
        print("Tulis pertanyaannya, misalnya: umkm-coach cari biar pelanggan balik lagi", file=sys.stderr)
        return 2
    if queries is None:   # one query a line on stdin, one JSON array a line on stdout
        for line in sys.stdin:
            print(json.dumps(_found_json(coach.lookup.find(line.strip())), ensure_ascii=False), flush=True)
        return 0
    found, reply = questions.reply_outside(coach, queries[0])
    if args.json:
        print(json.dumps(_found_json(found), ensure_ascii=False))
    else:
        print(to_plain(rich_text(reply.template, **reply.context)))
    return 0


def _json_lines(answer, when_unreadable) -> int:
    """One JSON object a line in, one answer a line out, in order; an unreadable line gets an error line."""
    for line in sys.stdin:
        if not line.strip():
            continue
        try:
            asked = json.loads(line)
            if not isinstance(asked, dict):
                raise TypeError("not an object")
            result = answer(asked)
        except (ValueError, KeyError, TypeError) as exc:
            result = when_unreadable(exc)
        print(json.dumps(result, ensure_ascii=False), flush=True)
    return 0


def cmd_understand(args: argparse.Namespace) -> int:
    """One {"step", "text"} JSON object a line in, one {"intent", "value"} a line out, in order."""
    coach = _coach()

    def understood(asked: dict) -> dict:
        step, text = asked["step"], str(asked["text"])
        if step not in coach.flow.steps:
            raise KeyError(step)
        return coach.understand(step, text).as_json()
    return _json_lines(understood, lambda exc: {"intent": "unclear", "value": None,
                                                 "error": f"not a step and a text: {exc}"})


def cmd_advise(args: argparse.Namespace) -> int:
    """One owner profile (JSON) a line in, the advice for it (JSON) a line out, in order."""
    from .core.consult import advise
    coach = _coach()
    return _json_lines(lambda profile: advise(coach, profile), lambda exc: {"error": f"not a profile: {exc}"})


def cmd_kb(args: argparse.Namespace) -> int:
    try:
        kb = load()
    except KnowledgeError as exc:
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        print(f"{len(exc.problems)} masalah di basis pengetahuan", file=sys.stderr)
        return 1
    if args.kb_command == "list":
        rows = [{"id": e.id, "category": e.category, "title": e.title} for e in kb.entries]
        if args.json:
            print(json.dumps(rows, ensure_ascii=False, indent=1))
        else:
            for row in rows:
                print(f"{row['category']:<9} {row['id']:<28} {row['title']}")
        return 0
    gaps = _coverage_gaps(kb)
    for gap in gaps:
        print(gap, file=sys.stderr)
    if gaps:
        print(f"{len(gaps)} kekurangan di basis pengetahuan", file=sys.stderr)
        return 1
    print(f"ok: {len(kb.entries)} entri, {len(kb.lexicon.replacements)} padanan kata, "
          f"{sum(len(e.examples) for e in kb.entries)} cerita contoh")
    return 0


def _coverage_gaps(kb) -> list[str]:
    """Entries still missing a sector's story, and stories the coach would not read as their own sector."""
    from .advice.entry import GENERAL, missing_sectors
    reader = _coach(kb).reader
    gaps = [f"{e.path}: examples: belum ada cerita untuk {', '.join(missing)}"
            for e in kb.entries if (missing := missing_sectors(e))]
    for e in kb.entries:
        for sector, story in e.examples.items():
            read = reader.sector(" ".join(reader.tokens(story)))
            if sector != GENERAL and read != sector:
                gaps.append(f"{e.path}: examples.{sector}: ceritanya terbaca sebagai usaha '{read}'; "
                            f"sebut jenis usahanya dengan kata pemilik (lihat sectors di understand.yaml)")
    return gaps


def _service(settings: Settings):
    from .app.service import CoachService
    from .core.engine import Coach
    from .storage import Storage
    return CoachService(Coach(load()), Storage(settings.db_path), admin_ids=settings.admin_ids,
                        quiet_hours=settings.quiet_hours)


def _owning_service(settings: Settings):
    """The service for a long-running coach, which owns the database (locked) until the process ends;
    raises Refused for a database in use, empty, damaged, unwritable or gone."""
    from .app.service import CoachService, settle_for_running
    from .core.engine import Coach
    from .storage.guard import open_for_running
    storage, _lock = open_for_running(settings.db_path)   # held until exit, when the system drops it
    service = CoachService(Coach(load()), storage, admin_ids=settings.admin_ids, quiet_hours=settings.quiet_hours)
    settle_for_running()
    return service


def cmd_chat(args: argparse.Namespace) -> int:
    from .channels import console
    return console.run(_owning_service(Settings.from_env()))


def cmd_backup(args: argparse.Namespace) -> int:
    from .storage.backup import backup
    db = Settings.from_env().db_path
    try:
        owners = backup(db, args.file)
    except ValueError:
        print("Cadangan harus ke file lain, bukan ke database itu sendiri.", file=sys.stderr)
        return 2
    except FileNotFoundError:
        print(f"{db} tidak ada atau kosong: tidak ada yang dicadangkan (atur COACH_DB).", file=sys.stderr)
        return 1
    except (OSError, sqlite3.Error) as exc:
        print(f"Cadangan gagal: {exc}", file=sys.stderr)
        return 1
    size = os.path.getsize(args.file) // 1024
    print(f"Cadangan {db} tersimpan di {args.file}: {owners} pemilik, {size} KB.")
    return 0


def cmd_stats(args: argparse.Namespace) -> int:
    service = _service(Settings.from_env())
    if args.json:
        print(json.dumps(service.stats().as_json(), ensure_ascii=False, indent=1))
    else:
        print(to_plain(rich_text("stats.j2", **service.stats_context())))
    if args.chart:
        made = service.file(0, "statistik")
        with open(args.chart, "wb") as out:
            out.write(made.data)
        print(f"Grafik corong: {args.chart}", file=sys.stderr)
    return 0


def cmd_telegram(args: argparse.Namespace) -> int:
    from .channels import telegram
    settings = Settings.from_env()
    if not settings.token:
        print("TELEGRAM_BOT_TOKEN belum diisi (token dari @BotFather).", file=sys.stderr)
        return 2
    return telegram.run(settings, _owning_service(settings))


def cmd_whatsapp(args: argparse.Namespace) -> int:
    from .channels import whatsapp
    settings = Settings.from_env()
    if not settings.whatsapp.ready:
        print(f"Belum diisi: {', '.join(settings.whatsapp.missing)} (lihat README, bagian WhatsApp).", file=sys.stderr)
        return 2
    return whatsapp.run(settings, _owning_service(settings))


def cmd_serve(args: argparse.Namespace) -> int:
    """Every channel whose settings are present, in this one process, on one HTTP server and one database."""
    from .app import logs
    from .channels.serve import Stopper, run
    settings = Settings.from_env()
    wa = settings.whatsapp
    if wa.given and not wa.ready:
        print(f"WhatsApp belum lengkap, kurang: {', '.join(wa.missing)}.", file=sys.stderr)
        return 2
    if not settings.token and not wa.ready:
        print("Tidak ada saluran yang diatur: isi TELEGRAM_BOT_TOKEN dan/atau WHATSAPP_* (lihat README).",
              file=sys.stderr)
        return 2
    service = _owning_service(settings)
    stopper, parts = Stopper(), []
    if settings.token:
        from .channels import telegram
        parts.append(telegram.part(settings, service, stopper))
    if wa.ready:
        from .channels import whatsapp
        parts.append(whatsapp.part(settings, service, stopper))
    logs.configure(settings.secrets, settings.log_level)
    return run(settings, service, parts, stopper)


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="umkm-coach", description="Coach pemasaran untuk UMKM.")
    sub = p.add_subparsers(dest="command")
    sub.add_parser("chat", help="coach di terminal").set_defaults(func=cmd_chat)
    sub.add_parser("telegram", help="jalankan bot Telegram").set_defaults(func=cmd_telegram)
    sub.add_parser("whatsapp", help="jalankan coach di WhatsApp Cloud API (server webhook)").set_defaults(
        func=cmd_whatsapp)
    sub.add_parser("serve", help="semua saluran yang diatur (Telegram, WhatsApp) dalam satu proses").set_defaults(
        func=cmd_serve)
    cari = sub.add_parser("cari", help="cari kartu taktik")
    cari.add_argument("--json", action="store_true", help="keluaran JSON; tanpa QUERY: satu pertanyaan per baris stdin")
    cari.add_argument("query", nargs="*")
    cari.set_defaults(func=cmd_cari)
    st = sub.add_parser("stats", help="statistik untuk pengelola (dari COACH_DB)")
    st.add_argument("--json", action="store_true")
    st.add_argument("--chart", metavar="FILE.png", help="simpan grafik corong ke file ini")
    st.set_defaults(func=cmd_stats)
    un = sub.add_parser("understand", help="apa arti jawaban yang diketik di sebuah langkah (JSON per baris)")
    un.add_argument("--json", action="store_true", help="stdin dan stdout JSON, satu objek per baris")
    un.set_defaults(func=cmd_understand)
    rec = sub.add_parser("rekomendasi", help="saran hubungan dan taktik untuk profil pemilik usaha (JSON per baris)")
    rec.add_argument("--json", action="store_true", help="satu profil JSON per baris di stdin (bawaan)")
    rec.set_defaults(func=cmd_advise)
    bk = sub.add_parser("backup", help="salin database (COACH_DB) dengan aman selagi coach berjalan")
    bk.add_argument("file", metavar="FILE")
    bk.set_defaults(func=cmd_backup)
    kb = sub.add_parser("kb", help="basis pengetahuan")
    kb_sub = kb.add_subparsers(dest="kb_command", required=True)
    kb_list = kb_sub.add_parser("list")
    kb_list.add_argument("--json", action="store_true")
    kb_sub.add_parser("check")
    kb.set_defaults(func=cmd_kb)
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    if args.command is None:
        args.func = cmd_telegram if Settings.from_env().token else cmd_chat
    try:
        return args.func(args)
    except KnowledgeError as exc:
        print("\n".join(exc.problems), file=sys.stderr)
        return 1
    except Refused as exc:
        print(f"umkm-coach: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
