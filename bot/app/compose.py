"""Replies as one channel's messages: each rendered, and one that only leads into the next joined to it where it fits.

Every message is an owner waiting under the platform's rate cap (Telegram: about 30 a second for the
whole bot), so an acknowledgement, a card or a help text that comes before the next question travels
in the question's message when both fit the channel's limits. A card's feedback buttons (an aside)
go below the question's own. Nothing joins a live screen (one the owner's presses edit in place, like
the tactic list): the edit would wipe what was joined to it.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

from ..channels.base import Channel, Message
from ..core.model import Button, Reply
from ..text.render import rich_text

JOINER = "\n\n"


@dataclass(frozen=True)
class _Part:
    text: str
    buttons: tuple[tuple[Button, ...], ...]
    replace: bool
    attachment: str | None
    aside: bool    # buttons are extras: may lead another part
    live: bool     # a screen later presses edit in place


def _rendered(channel: Channel, reply: Reply, folders: Sequence[str]) -> _Part:
    # a channel that cannot replace the screen in place gets only what changed, not the screen again
    brief = reply.replace and reply.brief and not channel.limits.edits
    text = rich_text(reply.brief if brief else reply.template, folders, **reply.context)
    return _Part(text, reply.buttons, reply.replace, reply.attachment, reply.aside, reply.brief is not None)


def _leads(part: _Part) -> bool:
    """Can this part open the next one's message?"""
    return not part.attachment and (part.aside or not part.buttons)


def _joined(first: _Part, then: _Part, channel: Channel) -> _Part | None:
    """`first` leading `then` in one message, or None when together they would not fit one message."""
    limits = channel.limits
    buttons = then.buttons + first.buttons
    most = limits.buttons_per_message
    if then.live or (most is not None and sum(map(len, buttons)) > most):
        return None
    room = limits.with_buttons if buttons and limits.with_buttons else limits.text
    text = first.text + JOINER + then.text
    if len(text) > room:   # rich text is never shorter than what shows: within room, it fits
        return None
    # if either replaced the pressed screen, the joined message does: the old buttons go away
    return _Part(text, buttons, first.replace or then.replace, then.attachment, then.aside, then.live)


def messages(channel: Channel, replies: Sequence[Reply], folders: Sequence[str],
             source_message_id: int | None = None) -> list[Message]:
    """The replies in the channel's markup; a reply's file follows it as its own message, so a failed
    upload never sends the text again."""
    parts: list[_Part] = []
    for reply in replies:
        part = _rendered(channel, reply, folders)
        leading = parts[-1] if parts else None
        if leading is not None and _leads(leading):
            if (joined := _joined(leading, part, channel)) is not None:
                parts[-1] = joined
                continue
        parts.append(part)
    out: list[Message] = []
    for part in parts:
        out.extend(channel.format(part.text, part.buttons, part.replace, source_message_id))
        if part.attachment:
            out.append(Message(file=part.attachment))
    return out
