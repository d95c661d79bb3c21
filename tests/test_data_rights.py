"""Owners' data rights (UU PDP): /datasaya sends everything stored, /hapusdata deletes it after a yes."""
from __future__ import annotations

import json


from tests.collecting import handle
from bot.core.model import Command, Press, Start, Text
from bot.app.service import CoachService
from bot.storage import OWNER_TABLES, Storage
from tests.recording_request import run_offline
from tests.test_channels import SCRIPT, _message, core_action

OWNER, OTHER = 31, 32


def walk_to_plan(service: CoachService, owner: int) -> None:
    for line in SCRIPT:
        handle(service, owner, owner, core_action(line))


def rows_about(storage: Storage, owner: int) -> dict[str, int]:
    return {table: storage.db.execute(f"SELECT COUNT(*) FROM [{table}] WHERE [{column}] = ?",
                                      [owner]).fetchone()[0] for table, column in OWNER_TABLES.items()}


def texts(messages) -> str:
    return "\n".join(m.text for m in messages)


def test_every_table_about_owners_is_covered(storage):
    """A new table with an owner column cannot slip past export and deletion."""
    for table in storage.db.table_names():
        columns = {c.name for c in storage.db[table].columns}
        if columns & {"owner_id", "chat_id"}:
            assert table in OWNER_TABLES, f"{table} holds owners' data but is not in OWNER_TABLES"


def test_datasaya_shows_everything_and_attaches_the_json(service):
    walk_to_plan(service, OWNER)
    replies = handle(service, OWNER, OWNER, Command("datasaya"))
    readable = texts(replies)
    for expected in ("Toko Kue Melati", "kue ulang tahun dan kue kering", "ibu-ibu pengajian",
                     "gmn biar pelanggan balik lagi?", "Rencana aksi</b>: 3 taktik"):
        assert expected in readable, expected
    files = [m.file for m in replies if m.file]
    assert files == ["datasaya"]
    made = service.file(OWNER, "datasaya")
    assert made.filename.endswith(".json")
    data = json.loads(made.data)
    assert set(OWNER_TABLES) <= set(data)
    assert data["owners"][0]["state"]["answers"]["nama"] == "Toko Kue Melati"
    assert len(data["plans"]) == 3
    assert [row["query"] for row in data["lookups"]] == ["gmn biar pelanggan balik lagi?"]
    assert any(event["kind"] == "plan" for event in data["events"])
    # the owner is asked to go on where they were: the finished-plan buttons come back
    assert any(m.buttons for m in replies)


def test_datasaya_holds_nobody_elses_data(service):
    walk_to_plan(service, OWNER)
    handle(service, OTHER, OTHER, Start())
    handle(service, OTHER, OTHER, Text("Laundry Kilat Bu Ani"))
    data = service.file(OWNER, "datasaya").data.decode()
    assert "Laundry Kilat Bu Ani" not in data and f'"owner_id": {OTHER}' not in data


def test_hapusdata_asks_first_and_no_keeps_everything(service):
    walk_to_plan(service, OWNER)
    before = rows_about(service.storage, OWNER)
    confirm = handle(service, OWNER, OWNER, Command("hapusdata"))
    assert "Hapus semua data Anda?" in texts(confirm)
    assert [data for m in confirm for row in m.buttons for _, data in row] == ["c:hapus_ya", "c:hapus_tidak"]
    kept = handle(service, OWNER, OWNER, Press("c:hapus_tidak"))
    assert "tidak dihapus" in texts(kept)
    after = rows_about(service.storage, OWNER)
    assert after["plans"] == before["plans"] == 3 and after["owners"] == 1
    assert service.storage.load(OWNER).answers["nama"] == "Toko Kue Melati"


def test_hapusdata_yes_deletes_everything_and_the_owner_starts_fresh(service):
    walk_to_plan(service, OWNER)
    walk_to_plan(service, OTHER)
    handle(service, OWNER, OWNER, Command("hapusdata"))
    done = handle(service, OWNER, OWNER, Press("c:hapus_ya"))
    assert "sudah kami hapus" in texts(done)
    for message in done:
        service.storage.mark_sent(message.outbox_id)
    assert rows_about(service.storage, OWNER) == dict.fromkeys(OWNER_TABLES, 0)
    assert rows_about(service.storage, OTHER)["plans"] == 3   # nobody else's data goes
    fresh = handle(service, OWNER, OWNER, Start())
    assert "Halo!" in texts(fresh) and "nama usaha" in texts(fresh)
    session = service.storage.load(OWNER)
    assert session.answers == {} and session.plan == []


def test_typed_yes_deletes_too_and_a_stale_yes_button_does_not(service):
    walk_to_plan(service, OWNER)
    stale = handle(service, OWNER, OWNER, Press("c:hapus_ya"))   # no question pending
    assert "sudah kami hapus" not in texts(stale)
    assert rows_about(service.storage, OWNER)["plans"] == 3
    handle(service, OWNER, OWNER, Command("deletedata"))
    handle(service, OWNER, OWNER, Text("iya"))
    assert rows_about(service.storage, OWNER)["plans"] == 0 and rows_about(service.storage, OWNER)["owners"] == 0


def test_telegram_sends_the_json_file_and_deletes_on_button(coach, tmp_path):
    store = Storage(tmp_path / "coach.db")
    lines = SCRIPT + ["/datasaya", "/hapusdata"]
    press = {"update_id": 900, "callback_query": {
        "id": "q1", "chat_instance": "c", "data": "c:hapus_ya",
        "from": {"id": 42, "is_bot": False, "first_name": "Rina"},
        "message": {"message_id": 5, "date": 0, "chat": {"id": 42, "type": "private"}, "text": "x"}}}
    request, errors = run_offline(CoachService(coach, store),
                                  [_message(i, 42, line) for i, line in enumerate(lines, 1)] + [press])
    assert errors == []
    (filename, content), = request.files(42)
    assert filename.endswith(".json")
    assert json.loads(content)["owners"][0]["state"]["answers"]["nama"] == "Toko Kue Melati"
    assert "sudah kami hapus" in request.sent(42)[-1]["text"]
    assert rows_about(store, 42) == dict.fromkeys(OWNER_TABLES, 0)


def test_personal_commands_are_not_answered_in_a_group(service):
    walk_to_plan(service, OWNER)
    for name in ("datasaya", "profil", "rencana", "hapusdata", "pengingat"):
        replies = handle(service, OWNER, -100777, Command(name, private=False))
        assert "chat pribadi" in texts(replies), name
        assert "Toko Kue Melati" not in texts(replies) and not any(m.file for m in replies), name
    assert service.storage.load(OWNER).confirm is None   # no deletion question pending from the group


def test_pressing_yes_again_after_deleting_does_not_claim_the_data_was_kept(service):
    walk_to_plan(service, OWNER)
    handle(service, OWNER, OWNER, Command("hapusdata"))
    handle(service, OWNER, OWNER, Press("c:hapus_ya"))
    again = handle(service, OWNER, OWNER, Press("c:hapus_ya"))
    assert "tidak dihapus" not in texts(again) and "/hapusdata" in texts(again)
