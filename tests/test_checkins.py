"""Check-ins: asked after N days, once, never in the quiet hours (21:00-07:00 WIB), across restarts."""
from __future__ import annotations

import calendar
from dataclasses import replace

import pytest

from bot.core import schedule as checkins
from bot.channels.base import Message
from tests.collecting import CHANNEL, handle
from bot.core.model import Command, Press, Start, Text
from bot.app.service import CoachService
from bot.storage import Storage
from tests.test_channels import SCRIPT, core_action

OWNER = 51
DAY = 86400


def wib(day: int, hour: int, minute: int = 0) -> float:
    """Unix time of 2026-11-<day> hour:minute in Western Indonesian Time."""
    return calendar.timegm((2026, 11, day, hour, minute, 0)) - 7 * 3600


class Clock:
    def __init__(self, now: float):
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock():
    return Clock(wib(23, 10))   # a Monday morning


@pytest.fixture
def service(coach, storage, clock):
    return CoachService(coach, storage, clock=clock)


def finish_plan(service: CoachService, owner: int = OWNER) -> None:
    for line in SCRIPT:
        handle(service, owner, owner, core_action(line))


def texts(messages) -> str:
    return "\n".join(m.text for m in messages)


def buttons(messages) -> list[str]:
    return [data for m in messages for row in m.buttons for _, data in row]


@pytest.mark.parametrize("hour, minute, quiet", [(20, 59, False), (21, 0, True), (23, 30, True),
                                                 (3, 0, True), (6, 59, True), (7, 0, False), (12, 0, False)])
def test_quiet_hours_are_21_to_7_wib(hour, minute, quiet):
    assert checkins.is_quiet(wib(24, hour, minute)) is quiet


def test_a_reminder_falling_in_the_quiet_hours_moves_to_7_am():
    assert checkins.due_at(wib(23, 22, 30), 3) == wib(27, 7)
    assert checkins.due_at(wib(23, 3, 0), 1) == wib(24, 7)
    assert checkins.due_at(wib(23, 10, 0), 3) == wib(26, 10)


def test_finished_plan_offers_reminders_and_a_check_in_comes_once(service, clock):
    finish_plan(service)
    last = service.pending(OWNER)
    assert {"r:3", "r:7", "r:14"} <= set(buttons(last))
    confirm = handle(service, OWNER, OWNER, Press("r:3"))
    assert "Kamis, 26-11-2026 pukul 10.00 WIB" in texts(confirm)

    clock.now = wib(26, 9, 59)
    assert service.send_due_checkins(CHANNEL) == []
    clock.now = wib(26, 10, 0)
    assert service.send_due_checkins(CHANNEL) == [OWNER]
    asked = service.pending(OWNER)[-3:]   # the greeting leads the first tactic's question, one message each
    assert "Sudah 3 hari" in asked[0].text
    assert [b.split(":")[2] for b in buttons(asked[0:1])] == ["belum", "jalan", "berhasil", "tidak_cocok"]
    assert sum("sudah dicoba?" in m.text for m in asked) == 3
    clock.now = wib(26, 10, 5)
    assert service.send_due_checkins(CHANNEL) == []   # never twice


def test_a_check_in_missed_while_stopped_goes_out_late_once_after_restart(coach, tmp_path, clock):
    path = tmp_path / "coach.db"
    first = CoachService(coach, Storage(path), clock=clock)
    finish_plan(first)
    handle(first, OWNER, OWNER, Press("r:7"))
    first.storage.close()                       # the bot is down for the due moment ...
    clock.now = wib(30, 16)                     # ... and comes back a day late
    second = CoachService(coach, Storage(path), clock=clock)
    assert second.send_due_checkins(CHANNEL) == [OWNER]
    assert second.send_due_checkins(CHANNEL) == []
    second.storage.close()
    third = CoachService(coach, Storage(path), clock=clock)   # another restart: still not again
    assert third.send_due_checkins(CHANNEL) == []
    third.storage.close()


def test_due_in_the_quiet_hours_waits_until_7(service, clock):
    finish_plan(service)
    handle(service, OWNER, OWNER, Press("r:3"))
    clock.now = wib(26, 21, 30)                 # due since 10:00, but it is evening now
    assert service.send_due_checkins(CHANNEL) == []
    clock.now = wib(27, 6, 59)
    assert service.send_due_checkins(CHANNEL) == []
    clock.now = wib(27, 7, 0)
    assert service.send_due_checkins(CHANNEL) == [OWNER]


def test_answers_update_the_plan_and_not_suitable_offers_the_next_best(service, clock):
    finish_plan(service)
    handle(service, OWNER, OWNER, Press("r:3"))
    clock.now = wib(26, 11)
    service.send_due_checkins(CHANNEL)
    plan = service.storage.load(OWNER).plan
    first, second = plan[0]["id"], plan[1]["id"]
    handle(service, OWNER, OWNER, Press(f"k:{first}:berhasil"))
    reply = handle(service, OWNER, OWNER, Press(f"k:{second}:tidak_cocok"))
    add = [b for b in buttons(reply) if b.endswith(":tambah")]
    assert "Sebagai gantinya" in texts(reply) and len(add) == 1
    new_id = add[0].split(":")[1]
    assert new_id not in {item["id"] for item in plan}
    shown = handle(service, OWNER, OWNER, Press(add[0]))
    session = service.storage.load(OWNER)
    statuses = {item["id"]: item["status"] for item in session.plan}
    assert statuses[first] == "berhasil" and statuses[second] == "tidak_cocok"
    assert statuses[new_id] == "direncanakan" and len(session.plan) == 4
    assert "Berhasil" in texts(shown) and "Tidak cocok" in texts(shown)
    stored = dict(service.storage.db.execute("SELECT tactic_id, status FROM plans WHERE owner_id = ?",
                                             [OWNER]).fetchall())
    assert stored[first] == "berhasil" and stored[new_id] == "direncanakan"
    # settled tactics are not asked about at the next check-in
    handle(service, OWNER, OWNER, Press("r:7"))
    clock.now = wib(30, 11)
    service.send_due_checkins(CHANNEL)
    asked = [m.text for m in service.pending(OWNER) if "sudah dicoba?" in m.text][-2:]
    assert len(asked) == 2 and not any(service.coach.kb.by_id[first].title.split(":")[0] in t for t in asked)


def test_pengingat_lists_and_cancels(service, clock):
    finish_plan(service)
    handle(service, OWNER, OWNER, Text("ingatkan 5 hari lagi"))
    listing = handle(service, OWNER, OWNER, Command("pengingat"))
    assert "Sabtu, 28-11-2026 pukul 10.00 WIB" in texts(listing)
    cancel = [b for b in buttons(listing) if b.startswith("r:x:")]
    assert len(cancel) == 1
    after = handle(service, OWNER, OWNER, Press(cancel[0]))
    assert "Belum ada pengingat" in texts(after)
    clock.now = wib(29, 10)
    assert service.send_due_checkins(CHANNEL) == []


def test_no_check_in_for_an_owner_who_blocked_the_bot(service, clock):
    finish_plan(service)
    handle(service, OWNER, OWNER, Press("r:3"))
    service.storage.set_active(OWNER, False)
    clock.now = wib(27, 10)
    assert service.send_due_checkins(CHANNEL) == []


def test_reminders_need_a_plan(service):
    handle(service, OWNER, OWNER, Start())
    reply = handle(service, OWNER, OWNER, Press("r:3"))
    assert service.storage.load(OWNER).reminders == []
    assert "sudah tidak berlaku" in texts(reply) and "nama usaha" in texts(reply)


def test_a_question_with_a_number_after_the_plan_is_answered_not_taken_as_a_reminder(service):
    finish_plan(service)
    reply = handle(service, OWNER, OWNER, Text("cara cek stok 3 produk biar ga kehabisan"))
    assert "⏰ Siap" not in texts(reply)
    assert service.storage.load(OWNER).reminders == []
    weeks = handle(service, OWNER, OWNER, Text("tolong ingatkan 2 minggu lagi ya"))
    assert "(14 hari lagi)" in texts(weeks)


@pytest.mark.parametrize(("typed", "days"), [("ingetin seminggu lg ya kak", 7), ("ingetin minggu depan ya", 7),
                                            ("ingatkan besok", 1)])
def test_a_reminder_asked_for_without_a_number(service, typed, days):
    # "ingetin seminggu lg" once got the Follow-up card instead of a reminder
    finish_plan(service)
    reply = handle(service, OWNER, OWNER, Text(typed))
    assert f"({days} hari lagi)" in texts(reply) and len(service.storage.load(OWNER).reminders) == 1


def test_restart_keeps_the_plans_reminders(service):
    finish_plan(service)
    handle(service, OWNER, OWNER, Press("r:7"))
    handle(service, OWNER, OWNER, Command("ulang"))
    handle(service, OWNER, OWNER, Press("c:ulang_ya"))
    assert len(service.storage.load(OWNER).reminders) == 1


def test_check_ins_go_to_the_private_chat_even_after_talking_in_a_group(service, clock):
    finish_plan(service)
    handle(service, OWNER, OWNER, Press("r:3"))
    handle(service, OWNER, -100555, Text("@umkm_coach_bot gmn promosi di tiktok", private=False))
    clock.now = wib(26, 11)
    assert service.send_due_checkins(CHANNEL) == [OWNER]
    asked = [m for m in service.pending(OWNER) if "sudah dicoba?" in m.text]
    assert asked and {m.chat_id for m in asked} == {OWNER}


def test_a_check_in_does_not_count_as_the_owner_being_active(service, clock):
    from bot.app import stats
    finish_plan(service)
    handle(service, OWNER, OWNER, Press("r:14"))
    clock.now = wib(23, 10) + 16 * DAY
    before = stats.compute(service.storage, service.coach.flow, clock.now).active
    service.send_due_checkins(CHANNEL)
    assert stats.compute(service.storage, service.coach.flow, clock.now).active == before == {1: 0, 7: 0, 30: 1}


def test_configured_quiet_hours_also_move_the_due_time(coach, storage, clock):
    service = CoachService(coach, storage, clock=clock, quiet_hours=(9, 12))
    finish_plan(service)
    reply = handle(service, OWNER, OWNER, Press("r:3"))   # 10:00 + 3 days falls in 9-12
    assert "Kamis, 26-11-2026 pukul 12.00 WIB" in texts(reply)


class WindowedChannel(type(CHANNEL)):
    """A collecting channel with WhatsApp's rule: free text only within 24 h of the owner's last message."""
    limits = replace(CHANNEL.limits, reply_window=24 * 3600)

    def __init__(self, template: str | None):
        super().__init__()
        self.template = template

    def checkin_nudge(self):
        return Message(template=self.template) if self.template else None


@pytest.mark.parametrize("template", [None, "cek_rencana"])
def test_outside_the_reply_window_a_check_in_waits_and_goes_first_when_the_owner_writes(service, clock, template):
    channel = WindowedChannel(template)
    for line in SCRIPT:
        handle(service, OWNER, OWNER, core_action(line), channel=channel)
    handle(service, OWNER, OWNER, Press("r:3"), channel=channel)
    clock.now = wib(26, 10)                 # due, but the owner last wrote three days ago
    sent = service.send_due_checkins(channel)
    queued = service.pending(OWNER)[-1:]
    if template:                            # only the approved template may go now, and only once
        assert sent == [OWNER] and queued[0].message.template == "cek_rencana"
    else:                                   # nothing may go: it waits
        assert sent == [] and "sudah dicoba?" not in texts(queued)
    clock.now = wib(26, 12)
    assert service.send_due_checkins(channel) == []
    assert service.storage.load(OWNER).reminders   # not lost: it waits for the owner
    reply = handle(service, OWNER, OWNER, Text("halo, saya sudah coba"), channel=channel)
    assert "Sudah 3 hari" in reply[0].text and sum("sudah dicoba?" in m.text for m in reply) == 3
    assert len(reply) > 3                    # and the owner's own message is answered after the three
    assert service.storage.load(OWNER).reminders == []
    assert service.send_due_checkins(channel) == []


def test_within_the_reply_window_a_check_in_goes_as_usual(service, clock):
    channel = WindowedChannel("cek_rencana")
    for line in SCRIPT:
        handle(service, OWNER, OWNER, core_action(line), channel=channel)
    handle(service, OWNER, OWNER, Press("r:3"), channel=channel)
    clock.now = wib(26, 9)
    handle(service, OWNER, OWNER, Command(name="profil"), channel=channel)   # an hour before it falls due
    clock.now = wib(26, 10)
    assert service.send_due_checkins(channel) == [OWNER]
    assert sum("sudah dicoba?" in m.text for m in service.pending(OWNER)) == 3


@pytest.mark.parametrize("typed", ["berhenti", "Stop", "/berhenti"])
def test_berhenti_stops_every_check_in(service, clock, typed):
    finish_plan(service)
    handle(service, OWNER, OWNER, Press("r:3"))
    handle(service, OWNER, OWNER, Press("r:7"))
    action = Command(name="berhenti") if typed.startswith("/") else Text(typed)
    reply = handle(service, OWNER, OWNER, action)
    assert "pengingat dihentikan" in texts(reply)
    assert service.storage.load(OWNER).reminders == []
    clock.now = wib(30, 11)
    assert service.send_due_checkins(CHANNEL) == []
