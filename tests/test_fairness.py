"""A crowd under Telegram's cap: replies go out fairly, and one owner's burst does not hold back the others."""
from __future__ import annotations

from bot.channels.telegram import poll
from tests.fakes import FakeBotAPI
from tests.running import coach_in_thread

BURSTER, OTHER = 7101, 7102


def test_a_burst_from_one_owner_waits_its_turns(coach, tmp_path):
    with FakeBotAPI() as api:
        # all queued before the bot polls: they arrive in one batch, the other owner's last
        for i in range(12):
            api.send_text(BURSTER, f"gmn biar pelanggan balik lagi ya {i}")
        api.send_text(OTHER, "halo")
        with coach_in_thread(coach, api, tmp_path / "coach.db", lambda app: poll(app, timeout=1)):
            api.wait_for_sent(OTHER, 1, timeout=30)
            assert api.wait_for(lambda a: len(a.sent(BURSTER)) >= 12, timeout=30)
        replied = [p["chat_id"] for name, p in api.calls if name == "sendMessage"]
        # the other owner is answered in the first round, not after the burst's twelve replies
        assert replied.index(OTHER) < replied.index(BURSTER) + 2 < 4
        assert len(api.sent(OTHER)) == 1 and "nama usaha" in api.sent(OTHER)[0]["plain_text"]
