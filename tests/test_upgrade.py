"""What the version before the restructuring wrote still works: the console walk, stored sessions and old buttons."""
from __future__ import annotations

import asyncio
import io
import shutil
from pathlib import Path

from tests.collecting import handle
from bot.channels import console
from bot.core.model import Press
from bot.app.service import CoachService
from bot.storage import Storage
from tests.recording_request import RecordingRequest

DATA = Path(__file__).parent / "data"


def test_console_walk_is_byte_identical(coach, tmp_path):
    """tests/data/console_walk.out was printed by commit 8f67be9 for console_walk.txt, then reprinted when
    typed answers began to be confirmed (issue 11): the only differences were the "✅ Oke: ..." lines, the
    sector line with its "Ganti jenis usaha" button, examples chosen by sector, and the other cards named
    under a card (the lookup learned owners' words); and again for tailored advice (issue 12): the quiz's
    special-group question (one more typed line, "siapa saja"), the owner's sector's stories and steps, the
    customers'-values lines, relationship reasons and tactic ranking by the new rules, and "sendirian" typed at
    the channel question now read as not understood rather than answered with an unrelated card; and again
    when commands became typeable as words (issue 13): the help listing, and a tactic ticked by number now
    prints only the ticked choices (channels that cannot edit a screen get what changed, not the screen);
    when the lookup began to weigh words met in a card's title (issue 11): "/cari promosi di tiktok" shows
    the live-selling card first (TikTok is in its title) and social media second; and when a card began to
    share the next question's message (issue 14): its feedback buttons, renamed "Tips membantu" / "Tips
    kurang pas", are numbered after the question's choices; and when the segment question began to name
    the business instead of repeating what it sells (owners' sentences read badly there); and when "?" began
    to work as help (it had been answered "Saya belum bisa membaca pesan itu"): at the segment question it
    starts the quiz as "gatau" does, so the script's "gatau" after it went; and when a tactic ticked by a typed
    number began to answer with the picks so far, not the whole list again, in every channel; and when the
    segment quiz's result stopped being followed by "✅ Oke: Tidak" (the quiz's last answer)."""
    output = io.StringIO()
    script = (DATA / "console_walk.txt").read_text(encoding="utf-8")
    console.run(CoachService(coach, Storage(tmp_path / "walk.db")), input=io.StringIO(script), output=output)
    assert output.getvalue() == (DATA / "console_walk.out").read_text(encoding="utf-8")


def _old_service(coach, tmp_path) -> CoachService:
    """tests/data/coach_v1.db was written by commit 8f67be9: six owners at different places in the flow."""
    path = tmp_path / "coach.db"
    shutil.copy(DATA / "coach_v1.db", path)
    return CoachService(coach, Storage(path), quiet_hours=None)


def press(service, owner_id, data):
    return handle(service, owner_id, owner_id, Press(data))


def test_sessions_stored_before_keep_their_place(coach, tmp_path):
    service = _old_service(coach, tmp_path)
    steps = {owner: service.storage.load(owner).step for owner in range(1, 7)}
    assert steps == {1: "segmen", 2: "taktik", 3: "selesai", 4: "segmen", 5: "segmen", 6: "kuis_kebutuhan"}
    assert service.storage.load(4).paused and service.storage.load(5).confirm == "hapus"


def test_buttons_sent_before_keep_working(coach, tmp_path):
    service = _old_service(coach, tmp_path)
    store = service.storage
    press(service, 1, "a:segmen:ceruk")
    assert store.load(1).step == "nilai" and store.load(1).answers["segmen"] == "ceruk"

    picked = store.load(2).answers["pilihan"]
    press(service, 2, "a:taktik:selesai")
    assert [item["id"] for item in store.load(2).plan] == picked

    finished = store.load(3)
    due = int(finished.reminders[0]["due"])
    tactic = finished.plan[0]["id"]
    press(service, 3, f"k:{tactic}:berhasil")
    press(service, 3, f"r:x:{due}")
    after = store.load(3)
    assert after.plan[0]["status"] == "berhasil" and after.reminders == []

    press(service, 4, "c:start")
    assert not store.load(4).paused and store.load(4).step == "segmen"

    press(service, 5, "c:hapus_ya")
    assert store.load(5) is None or store.load(5).answers == {}
    assert store.export(5)["events"] == []

    press(service, 6, "a:kuis_kebutuhan:mirip")
    assert store.load(6).step == "kuis_khusus"   # the special-group question, added since


def test_replies_queued_before_are_delivered_with_their_buttons(coach, tmp_path):
    from bot.channels.telegram import build_application
    from bot.config import Settings

    service = _old_service(coach, tmp_path)
    assert service.storage.claim_outbox() > 0   # what a new process holding the database's lock takes over
    queued = {owner: [m.text for m in service.pending(owner)] for owner in (1, 3)}
    assert all(queued.values())
    request = RecordingRequest()
    app = build_application(service, Settings(token="123:ABC"), request=request, rate_limit=False)

    async def run():   # what the outbox sweep does at start
        await app.initialize()
        await service.outbox.sweep(app.bot_data["handlers"].channel(app.bot))
        await app.shutdown()

    asyncio.run(run())
    assert [p["text"] for p in request.sent(1)] == queued[1]
    assert "a:segmen:ceruk" in str(request.sent(1)[-1]["reply_markup"])
    assert [p["text"] for p in request.sent(3)] == queued[3]
    assert service.pending() == []
