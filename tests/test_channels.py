"""One scripted dialogue gives the same outcome through the core, the console and the Telegram Application."""
from __future__ import annotations

import io
import time


from bot.channels import console
from bot.core.model import Action, Start, Text
from bot.app.service import CoachService
from bot.storage import Storage
from bot.channels.whatsapp import owner_of
from tests.fakes import FakeGraphAPI, telegram_html_error
from tests.recording_request import run_offline
from tests.running import whatsapp_in_thread

# What a toko kue owner types; numbers pick the n-th choice, as on the console and in the core.
SCRIPT = ["/start", "Toko Kue Melati", "kue ulang tahun dan kue kering", "kelompok khusus",
          "ibu-ibu pengajian, wajib halal, pesan lewat WA", "sedikit", "besar", "cukup", "offline",
          "gmn biar pelanggan balik lagi?", "setuju", "balik lagi", "1", "2", "3", "selesai"]


def core_action(line: str) -> Action:
    if line == "/start":
        return Start()
    return Text(line)


def outcome_of(storage: Storage, owner_id: int) -> tuple:
    session = storage.load(owner_id)
    return session.step, session.answers, session.plan


def test_core_console_telegram_and_whatsapp_agree(coach, tmp_path):
    """The same scripted owner gets the same advice (answers, plan) on every channel."""
    # core
    session = None
    for line in SCRIPT:
        session = coach.handle(session, core_action(line)).session
    expected = (session.step, session.answers, session.plan)
    assert expected[0] == "selesai" and len(expected[2]) == 3

    # console, with piped stdin
    store = Storage(tmp_path / "console.db")
    output = io.StringIO()
    console.run(CoachService(coach, store), input=io.StringIO("\n".join(SCRIPT[1:]) + "\n"), output=output)
    assert outcome_of(store, console.CONSOLE_OWNER) == expected

    # Telegram Application, offline
    store = Storage(tmp_path / "telegram.db")
    updates = [_message(i, 42, line) for i, line in enumerate(SCRIPT, 1)]
    request, errors = run_offline(CoachService(coach, store), updates)
    assert errors == []
    assert outcome_of(store, 42) == expected
    texts = [p["text"] for p in request.sent(42)]
    assert all(telegram_html_error(t) is None for t in texts)
    plan = texts[-1] if "Rencana aksi" in texts[-1] else next(t for t in reversed(texts) if "Rencana aksi" in t)
    assert "Toko Kue Melati" in plan and "Kelompok khusus" in plan and plan.count("✅") == 3
    assert "Toko Kue Melati" in output.getvalue()

    # WhatsApp, over HTTP against the fake Graph API
    with FakeGraphAPI() as api, whatsapp_in_thread(coach, api, tmp_path / "whatsapp.db"):
        for line in SCRIPT:
            assert api.write("6281311112222", line) == 200   # answered once committed
        assert api.wait_for(lambda a: any("Rencana aksi" in a.text_of(m) for m in a.sent_to("6281311112222")))
        assert api.violations == []
    store = Storage(tmp_path / "whatsapp.db")
    assert outcome_of(store, owner_of("6281311112222")) == expected


def _message(update_id: int, user_id: int, text: str) -> dict:
    message = {"message_id": update_id * 10, "date": int(time.time()), "text": text,
               "chat": {"id": user_id, "type": "private", "first_name": "Rina"},
               "from": {"id": user_id, "is_bot": False, "first_name": "Rina"}}
    if text.startswith("/"):
        message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}]
    return {"update_id": update_id, "message": message}


def test_console_writes_the_plan_files_and_shows_a_due_check_in(coach, tmp_path, monkeypatch):
    """`umkm-coach chat`: the plan as PNG and PDF in the working folder; a check-in due since the last run."""
    from PIL import Image
    from pypdf import PdfReader

    monkeypatch.chdir(tmp_path)
    clock = [time.time()]
    service = CoachService(coach, Storage(tmp_path / "console.db"), clock=lambda: clock[0], quiet_hours=None)
    output = io.StringIO()
    lines = SCRIPT[1:] + ["/rencana gambar", "/rencana pdf", "ingatkan 3 hari lagi"]
    console.run(service, input=io.StringIO("\n".join(lines) + "\n"), output=output)
    text = output.getvalue()
    assert f"Disimpan di: {tmp_path / 'rencana-aksi.png'}" in text
    assert Image.open(tmp_path / "rencana-aksi.png").width == 1080
    assert "Toko Kue Melati" in PdfReader(str(tmp_path / "rencana-aksi.pdf")).pages[0].extract_text()

    clock[0] += 3 * 86400 + 60
    later = io.StringIO()
    console.run(service, input=io.StringIO("1\n"), output=later)
    assert later.getvalue().count("sudah dicoba?") == 3
    again = io.StringIO()
    console.run(service, input=io.StringIO(""), output=again)
    assert "sudah dicoba?" not in again.getvalue()


def test_telegram_refuses_to_start_when_a_button_payload_would_exceed_64_bytes(kb):
    from dataclasses import replace

    import pytest

    from bot.advice.knowledge import KnowledgeBase
    from bot.channels.telegram import check_payloads

    check_payloads(kb)   # today's knowledge fits
    long_id = "taktik-dengan-nama-yang-sangat-panjang-sekali-sampai-lewat-batas"
    too_long = KnowledgeBase(entries=kb.entries + (replace(kb.entries[-1], id=long_id),), lexicon=kb.lexicon,
                             texts=kb.texts)
    with pytest.raises(ValueError, match=long_id):
        check_payloads(too_long)
