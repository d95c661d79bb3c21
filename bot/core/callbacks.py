"""Button payloads, encoded and decoded in one place; the format is stored in sent messages, so it never changes."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class AnswerPayload:
    step: str
    value: str


@dataclass(frozen=True)
class CommandPayload:
    name: str            # a core command, or one of the yes/no and file buttons below


@dataclass(frozen=True)
class FeedbackPayload:
    tactic: str
    useful: bool


@dataclass(frozen=True)
class CardPayload:
    tactic: str          # one of the cards offered for a question the lookup was unsure of


@dataclass(frozen=True)
class CheckinPayload:
    tactic: str
    status: str          # a check-in status, or "tambah" (add the suggested tactic to the plan)


@dataclass(frozen=True)
class RemindPayload:
    days: int


@dataclass(frozen=True)
class CancelReminderPayload:
    due: int


Payload = AnswerPayload | CommandPayload | FeedbackPayload | CardPayload | CheckinPayload | RemindPayload | CancelReminderPayload


def answer(step: str, value: str) -> str:
    return f"a:{step}:{value}"


def command(name: str) -> str:
    return f"c:{name}"


def feedback(tactic: str, useful: bool) -> str:
    return f"f:{tactic}:{int(useful)}"


def card(tactic: str) -> str:
    return f"d:{tactic}"


def checkin(tactic: str, status: str) -> str:
    return f"k:{tactic}:{status}"


def remind(days: int) -> str:
    return f"r:{days}"


def cancel_reminder(due: float) -> str:
    return f"r:x:{int(due)}"


def decode(data: str) -> Payload | None:
    """The payload a button carried, or None for anything malformed (old, forged or cut)."""
    parts = (data or "").split(":", 2)
    prefix, rest = parts[0], parts[1:]
    if prefix == "a" and len(rest) == 2:
        return AnswerPayload(rest[0], rest[1])
    if prefix == "c" and len(rest) == 1:
        return CommandPayload(rest[0])
    if prefix == "f" and len(rest) == 2 and rest[1] in ("0", "1"):
        return FeedbackPayload(rest[0], rest[1] == "1")
    if prefix == "d" and len(rest) == 1 and rest[0]:
        return CardPayload(rest[0])
    if prefix == "k" and len(rest) == 2:
        return CheckinPayload(rest[0], rest[1])
    if prefix == "r" and len(rest) == 1 and rest[0].isdigit():
        return RemindPayload(int(rest[0]))
    if prefix == "r" and len(rest) == 2 and rest[0] == "x" and rest[1].isdigit():
        return CancelReminderPayload(int(rest[1]))
    return None
