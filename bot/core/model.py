"""The core's vocabulary: what an owner does (actions), what the coach says (replies), what it records (events)."""
from __future__ import annotations

import copy
from dataclasses import asdict, dataclass, field
from typing import Any, ClassVar, Mapping

from .schedule import QUIET_HOURS

STATE_VERSION = 1
FIRST_STEP = "nama"   # where a new or unreadable session starts


# ----------------------------------------------------------------------------- replies

@dataclass(frozen=True)
class Button:
    label: str
    data: str          # a payload from bot.core.callbacks
    short: str = ""    # at most 20 characters, for channels with tight button limits ("" = label fits)


@dataclass(frozen=True)
class Reply:
    """One message in neutral rich text (a template and its context), with rows of buttons."""
    template: str
    context: Mapping[str, Any] = field(default_factory=dict)
    buttons: tuple[tuple[Button, ...], ...] = ()
    replace: bool = False            # it replaces the screen whose button was pressed (a channel may edit)
    brief: str | None = None         # a screen presses edit in place: what a channel that cannot edit
                                     # sends when it changes (only what changed)
    attachment: str | None = None    # a file sent after the text: "datasaya", "statistik", ...
    aside: bool = False              # its buttons are extras (feedback): it may lead the next reply's
                                     # message, its buttons below that reply's


# ----------------------------------------------------------------------------- actions

@dataclass(frozen=True, kw_only=True)
class Action:
    """What an owner did, with what the service knows around it (never decided by a channel)."""
    operator: bool = False    # the sender is an operator (ADMIN_IDS)
    now: float = 0.0          # the service's clock, for reminders
    quiet_hours: tuple[int, int] | None = QUIET_HOURS   # WIB hours reminders move out of
    private: bool = True      # said in a private chat, not a group where others read along


@dataclass(frozen=True)
class Start(Action):
    user_name: str = ""


@dataclass(frozen=True)
class Text(Action):
    text: str = ""


@dataclass(frozen=True)
class Press(Action):
    data: str = ""            # the pressed button's payload


@dataclass(frozen=True)
class Command(Action):
    name: str = ""            # any alias, as typed ("mulai", "help", ...)
    args: str = ""


@dataclass(frozen=True)
class CheckinDue(Action):
    """A reminder is due: the service asks the core to write the check-in."""


# ----------------------------------------------------------------------------- events (stored)

@dataclass(frozen=True)
class Event:
    kind: ClassVar[str] = ""

    def detail(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class Started(Event):
    kind: ClassVar[str] = "start"


@dataclass(frozen=True)
class Answered(Event):
    kind: ClassVar[str] = "answer"
    step: str


@dataclass(frozen=True)
class WentBack(Event):
    kind: ClassVar[str] = "back"
    step: str


@dataclass(frozen=True)
class Paused(Event):
    kind: ClassVar[str] = "pause"
    step: str


@dataclass(frozen=True)
class Restarted(Event):
    kind: ClassVar[str] = "restart"


@dataclass(frozen=True)
class Forgotten(Event):
    """The owner asked to delete everything: the storage deletes it on this event."""
    kind: ClassVar[str] = "forget"


@dataclass(frozen=True)
class Exported(Event):
    kind: ClassVar[str] = "export"


@dataclass(frozen=True)
class LookedUp(Event):
    kind: ClassVar[str] = "lookup"
    query: str
    best: str | None          # the card shown; None when nothing sure was found
    score: float
    topic: str | None = None  # the off-topic answer given instead (luar-topik.yaml)


@dataclass(frozen=True)
class Planned(Event):
    kind: ClassVar[str] = "plan"
    added: list[str]
    motivasi: str | None


@dataclass(frozen=True)
class Rated(Event):
    kind: ClassVar[str] = "feedback"
    tactic: str
    useful: bool


@dataclass(frozen=True)
class CheckinScheduled(Event):
    kind: ClassVar[str] = "checkin_schedule"
    days: int


@dataclass(frozen=True)
class CheckinCancelled(Event):
    kind: ClassVar[str] = "checkin_cancel"


@dataclass(frozen=True)
class CheckinSent(Event):
    kind: ClassVar[str] = "checkin_sent"
    tactics: list[str]


@dataclass(frozen=True)
class CheckinAnswered(Event):
    kind: ClassVar[str] = "checkin_answer"
    tactic: str
    status: str


# ----------------------------------------------------------------------------- state

_ATOMS = frozenset({str, int, float, bool, type(None)})   # immutable (JSON has nothing else but dict and list)


def _plain_copy(value):
    # Most values are atoms: kept as they are without a call each.
    if isinstance(value, dict):
        return {k: v if type(v) in _ATOMS else _plain_copy(v) for k, v in value.items()}
    if isinstance(value, list):
        return [v if type(v) in _ATOMS else _plain_copy(v) for v in value]
    return value


@dataclass
class Session:
    step: str = FIRST_STEP
    answers: dict = field(default_factory=dict)
    history: list = field(default_factory=list)
    plan: list = field(default_factory=list)      # [{"id", "motivasi", "status"}], grows over runs
    paused: bool = False
    confirm: str | None = None                     # "ulang" or "hapus" while waiting for a yes/no
    reminders: list = field(default_factory=list)  # [{"due": unix time, "days"}] check-ins to send
    version: int = STATE_VERSION

    def to_dict(self) -> dict:
        return asdict(self)

    def copy(self) -> "Session":
        """A copy sharing nothing mutable; the state is JSON-shaped, so this is a fraction of deepcopy's cost."""
        return Session(**_plain_copy(vars(self)))

    @classmethod
    def from_dict(cls, data: Mapping | None, copy_values: bool = True) -> "Session":
        """copy_values=False for data nobody else holds (just parsed from JSON): skips a deep copy.
        The caller checks the step against its flow (Coach.session_from)."""
        if not data:
            return cls()
        known = {k: copy.deepcopy(v) if copy_values else v for k, v in data.items()
                 if k in cls.__dataclass_fields__}
        return cls(**known)


@dataclass
class Outcome:
    session: Session
    replies: list[Reply]
    events: list[Event]
    action: Action = field(default_factory=Action)
