"""What every channel offers the application: incoming events as actions, its markup and limits, and sending."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, Sequence

from ..core.model import Action, Button

ButtonRows = tuple[tuple[tuple[str, str], ...], ...]   # rows of (label, payload), as stored


@dataclass(frozen=True)
class Limits:
    text: int                          # characters per message
    buttons_per_message: int | None    # None: no limit worth naming
    button_label: int | None           # characters
    button_data: int | None            # bytes of a button's payload
    edits: bool                        # can a sent message be replaced in place
    with_buttons: int | None = None    # characters of a message that carries buttons, when fewer than `text`
    reply_window: float | None = None  # seconds after the owner's last message in which free text may go
                                       # (WhatsApp: 24 h); None: any time


@dataclass(frozen=True)
class Incoming:
    """An owner's action as a channel received it, addressed."""
    owner_id: int
    chat_id: int
    action: Action
    key: str | None = None              # the update's identity on its channel: a repeat is skipped
    first_name: str = ""
    source_message_id: int | None = None   # the message whose button was pressed


@dataclass(frozen=True)
class Message:
    """One message in the channel's own markup, as the outbox stores it before sending."""
    text: str = ""
    buttons: ButtonRows = ()
    edit: int | None = None            # replace this message instead of sending a new one
    file: str | None = None            # a file made at send time: "datasaya", "rencana_png", ...
    template: str | None = None        # an approved template, by name: all that may go outside the reply window

    def payload(self) -> dict:
        if self.file:
            return {"file": self.file}
        if self.template:
            return {"template": self.template}
        return {"text": self.text, "buttons": [[list(b) for b in row] for row in self.buttons], "edit": self.edit}

    @classmethod
    def from_payload(cls, payload: dict) -> "Message":
        buttons = tuple(tuple((b[0], b[1]) for b in row) for row in payload.get("buttons", ()))
        return cls(payload.get("text", ""), buttons, payload.get("edit"), payload.get("file"), payload.get("template"))


@dataclass(frozen=True)
class Outgoing:
    outbox_id: int
    owner_id: int
    chat_id: int
    message: Message

    @property
    def text(self) -> str:
        return self.message.text

    @property
    def buttons(self) -> ButtonRows:
        return self.message.buttons

    @property
    def file(self) -> str | None:
        return self.message.file


@dataclass(frozen=True)
class OutFile:
    filename: str
    data: bytes
    caption: str = ""      # rich text
    picture: bool = False  # best shown as a picture (a channel may fall back to a document)


@dataclass(frozen=True)
class Sent:
    message_id: int | None = None
    ties_owner: bool = False   # only its owner may press its buttons (a group chat): the outbox records whose it is


class Blocked(Exception):
    """The owner blocked the coach: nothing more goes to them."""


class RetryLater(Exception):
    """The platform asks to slow down."""

    def __init__(self, seconds: float):
        super().__init__(f"retry in {seconds} s")
        self.seconds = seconds


class Unreachable(Exception):
    """The platform could not be reached; the message stays queued."""


# Owner ids are scoped by channel, in blocks of one 64-bit number line: Telegram's user ids (and the
# terminal's 0) lie below 2**62; a WhatsApp number is kept as 2**62 + the number (at most 15 digits).
TELEGRAM_OWNERS = range(-2**63, 2**62)
WHATSAPP_OWNERS = range(2**62, 2**63)


class Channel(Protocol):
    name: str
    limits: Limits
    owners: range   # the owner ids this channel's owners have (ids are scoped by channel)

    def format(self, text: str, buttons: Sequence[Sequence[Button]], replace: bool,
               source_message_id: int | None) -> list[Message]:
        """Rich text and buttons in this channel's markup, cut to its limits; buttons on the last part."""

    async def send(self, chat_id: int, message: Message, file: OutFile | None = None) -> Sent:
        """Send one message (raise Blocked, RetryLater or Unreachable); a refusal is the channel's to log."""

    def checkin_nudge(self) -> Message | None:
        """What may go to an owner outside the reply window to say a check-in waits (None: nothing)."""
