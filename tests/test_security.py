"""Security: operator commands only for ADMIN_IDS, no token in logs or replies, a private database file."""
from __future__ import annotations

import itertools
import os
import signal
import stat
import subprocess
import sys

import pytest

from tests.collecting import handle
from bot.core.model import Start
from bot.app.service import CoachService
from bot.storage import Storage
from tests.fakes import FakeBotAPI
from tests.recording_request import run_offline
from tests.test_channels import _message

ADMIN, OWNER = 700, 701


def run_lines(coach, tmp_path, lines_by_user: list[tuple[int, str]]):
    store = Storage(tmp_path / "coach.db")
    service = CoachService(coach, store, admin_ids=frozenset({ADMIN}))
    request, errors = run_offline(service, [_message(i, user, line) for i, (user, line) in enumerate(lines_by_user, 1)],
                                  post_init=True)
    assert errors == []
    return request, store


def test_statistik_only_for_operators(coach, tmp_path):
    request, _ = run_lines(coach, tmp_path, [(OWNER, "/start"), (OWNER, "Warung Bu Sri"),
                                             (OWNER, "/statistik"), (ADMIN, "/statistik"), (OWNER, "/stats")])
    owner_texts = [p["text"] for p in request.sent(OWNER)]
    admin_texts = [p["text"] for p in request.sent(ADMIN)]
    assert sum("khusus untuk pengelola" in t for t in owner_texts) == 2
    assert not any("Statistik Coach UMKM" in t for t in owner_texts)
    assert any("Statistik Coach UMKM" in t and "Pemilik usaha: 1" in t for t in admin_texts)


def test_operator_menu_only_in_operators_chats(coach, tmp_path):
    request, _ = run_lines(coach, tmp_path, [])
    menus = [(p["scope"], [c["command"] for c in p["commands"]]) for name, p in request.calls
             if name == "setMyCommands"]
    default = [names for scope, names in menus if scope["type"] == "default"]
    operator = [names for scope, names in menus if scope.get("chat_id") == ADMIN]
    assert len(default) == 2 and all("statistik" not in names and "datasaya" in names for names in default)
    assert len(operator) == 1 and "statistik" in operator[0]


def test_database_and_its_journal_are_private(service):
    handle(service, 1, 1, Start())
    for suffix in ("", "-wal"):
        path = service.storage.path + suffix
        assert stat.S_IMODE(os.stat(path).st_mode) == 0o600, path


@pytest.mark.slow
def test_token_never_in_logs_or_replies_even_at_debug(tmp_path):
    """Network faults make the bot log errors carrying request URLs; the token must still not show."""
    log = tmp_path / "bot.log"
    with FakeBotAPI() as api:
        env = dict(os.environ, TELEGRAM_BOT_TOKEN=api.token, TELEGRAM_API_URL=api.url,
                   COACH_DB=str(tmp_path / "coach.db"), LOG_LEVEL="DEBUG", ADMIN_IDS=str(ADMIN))
        env.pop("WEBHOOK_URL", None)
        bot = subprocess.Popen([sys.executable, "-m", "bot", "telegram"], env=env, cwd=tmp_path,
                               stdout=log.open("wb"), stderr=subprocess.STDOUT)
        try:
            api.send_text(OWNER, "/start")
            api.wait_for_sent(OWNER, 1, timeout=30)
            api.set_faults(0.5, kinds=("500", "timeout"), seed=3, methods=("sendMessage",))
            api.send_text(OWNER, "Toko Kue Melati")
            api.send_text(ADMIN, "/statistik")
            api.wait_for_sent(OWNER, 2, timeout=30)
            api.wait_for_sent(ADMIN, 1, timeout=30)
        finally:
            bot.send_signal(signal.SIGKILL)
            bot.wait()
        text = log.read_text(errors="replace")
        assert " DEBUG " in text            # the capture really was at DEBUG
        assert api.token not in text
        assert api.token.split(":")[1] not in text
        replies = [m["plain_text"] for chat in (OWNER, ADMIN) for m in api.sent(chat)]
        assert replies and not any(api.token.split(":")[1] in r for r in replies)


def test_in_a_group_only_the_owner_of_a_conversation_can_press_its_buttons(coach, tmp_path):
    """Budi, who talks to the coach in the same group, presses Rina's button: it does nothing to either."""
    group = {"id": -100200, "type": "supergroup", "title": "UMKM Sukamaju"}
    rina, budi = {"id": 801, "is_bot": False, "first_name": "Rina"}, {"id": 802, "is_bot": False, "first_name": "Budi"}
    store = Storage(tmp_path / "coach.db")
    ids = itertools.count(1)

    def said(user: dict, words: str) -> dict:
        entities = [{"type": "bot_command", "offset": 0, "length": len(words.split()[0])}] if words[0] == "/" else []
        return {"update_id": next(ids), "message": {"message_id": next(ids), "date": 0, "chat": group,
                                                    "from": user, "text": words, "entities": entities}}

    def press_on_rinas_last(user: dict):
        def update() -> dict:   # built when its turn comes: Rina's message is known by then
            rinas = store.db.execute("SELECT MAX(message_id) FROM group_messages WHERE owner_id = ?",
                                     [rina["id"]]).fetchone()[0]
            return {"update_id": next(ids), "callback_query": {
                "id": f"q{next(ids)}", "chat_instance": "c", "data": "a:segmen:ceruk", "from": user,
                "message": {"message_id": rinas, "date": 0, "chat": group, "text": "x"}}}
        return update

    talk = [said(user, words) for user, name in ((rina, "Warung Rina"), (budi, "Laundry Budi"))
            for words in ("/start@umkm_coach_bot", f"@umkm_coach_bot {name}", "@umkm_coach_bot jualan nasi dan cuci kiloan")]
    request, errors = run_offline(CoachService(coach, store), talk + [press_on_rinas_last(budi)])
    assert errors == []
    assert [name for name, _ in request.calls[-1:]] == ["answerCallbackQuery"]
    assert "percakapan orang lain" in request.calls[-1][1]["text"]
    assert "segmen" not in store.load(rina["id"]).answers   # nothing happened to Rina ...
    request, errors = run_offline(CoachService(coach, store), [press_on_rinas_last(rina)])
    assert errors == []
    assert "segmen" not in store.load(budi["id"]).answers
    assert store.load(rina["id"]).answers["segmen"] == "ceruk"
