"""WhatsApp's markup and limits: rich text as *bold* and _italic_, cut to 4,096 characters (1,024 above buttons)."""
from __future__ import annotations

import html
import re
from typing import Sequence

from ...core.model import Button
from ...text.render import cut, rich_text
from ...text.split import split_message
from ..base import ButtonRows, Limits, Message

TEXT_LIMIT = 4096          # a plain text message
BODY_LIMIT = 1024          # the body of an interactive message (buttons or a list) and a file's caption
REPLY_BUTTONS = 3          # reply buttons per message, titles of at most 20 characters
BUTTON_TITLE = 20
LIST_ROWS = 10             # rows of a list message, titles of at most 24 characters, descriptions 72
ROW_TITLE = 24
ROW_DESCRIPTION = 72
LIST_BUTTON = 20           # the label of the button that opens a list
WINDOW_SECONDS = 24 * 3600   # free-form messages only within 24 h of the owner's last message
LIMITS = Limits(text=TEXT_LIMIT, buttons_per_message=LIST_ROWS, button_label=BUTTON_TITLE, button_data=256,
                edits=False, with_buttons=BODY_LIMIT, reply_window=WINDOW_SECONDS)

_MARKS = {"b": "*", "strong": "*", "i": "_", "em": "_", "s": "~", "del": "~", "code": "```", "pre": "```"}
_TAG = re.compile(r"<(/?)([a-z]+)([^<>]*)>")
OPEN, CLOSE = "\x01", "\x02"   # where markers open and close, until spaces are moved outside them
_HREF = re.compile(r'href="([^"]*)"')


def to_whatsapp(rich: str) -> str:
    """Rich text in WhatsApp's own formatting; a link keeps its address in brackets. Spaces inside a
    marker move outside it, or WhatsApp would show the asterisks."""
    out: list[str] = []
    links: list[str] = []
    pos = 0
    for tag in _TAG.finditer(rich):
        out.append(rich[pos:tag.start()])
        pos = tag.end()
        closing, name, attrs = tag.group(1), tag.group(2), tag.group(3)
        if name == "a":
            if not closing:
                links.append(html.unescape(m.group(1)) if (m := _HREF.search(attrs)) else "")
            elif links and (href := links.pop()):
                out.append(f" ({href})")
        elif name in _MARKS:
            out.append(_MARKS[name] + CLOSE if closing else OPEN + _MARKS[name])
    out.append(rich[pos:])
    text = html.unescape("".join(out))
    text = re.sub(r"\x01([*_~`]+)(\s*)\1\x02", r"\2", text)    # an empty pair would show its asterisks
    text = re.sub(r"\x01([*_~`]+)(\s+)", lambda m: m.group(2) + OPEN + m.group(1), text)     # spaces after an opening marker go before it
    text = re.sub(r"(\s+)([*_~`]+)\x02", lambda m: m.group(2) + CLOSE + m.group(1), text)     # spaces before a closing one go after it
    return text.replace(OPEN, "").replace(CLOSE, "")


def _visible(rich: str) -> int:
    return len(to_whatsapp(rich))


def parts_of(rich: str, with_buttons: bool) -> list[str]:
    """The rich text cut for WhatsApp: parts of at most 4,096 characters, the last one short enough for an
    interactive body when buttons go with it."""
    parts = split_message(rich, TEXT_LIMIT)
    if with_buttons and _visible(parts[-1]) > BODY_LIMIT:
        tail = split_message(parts[-1], BODY_LIMIT - 40)   # room for the markers the conversion adds
        parts[-1:] = ["\n".join(tail[:-1]), tail[-1]]
    return [to_whatsapp(p) for p in parts]


def format_reply(text: str, buttons: Sequence[Sequence[Button]], folders) -> list[Message]:
    """One reply as WhatsApp messages: its text, then its choices (short labels), ten at most a message."""
    choices = tuple(((b.short or b.label), b.data) for row in buttons for b in row)
    parts = parts_of(text, bool(choices))
    groups = [choices[i:i + LIST_ROWS] for i in range(0, len(choices), LIST_ROWS)] or [()]
    messages = [Message(p) for p in parts[:-1]]
    messages.append(Message(parts[-1], _rows(groups[0])))
    more = to_whatsapp(rich_text("more_choices.j2", folders))
    messages.extend(Message(more, _rows(group)) for group in groups[1:])
    return messages


def _rows(choices) -> ButtonRows:
    return tuple(((label, data),) for label, data in choices)


def interactive(body: str, rows: ButtonRows, list_button: str) -> dict:
    """The `interactive` object: reply buttons when at most three short ones, else a list."""
    choices = [b for row in rows for b in row]
    body = body[:BODY_LIMIT]
    if len(choices) <= REPLY_BUTTONS and all(len(label) <= BUTTON_TITLE for label, _ in choices):
        return {"type": "button", "body": {"text": body},
                "action": {"buttons": [{"type": "reply", "reply": {"id": data, "title": label}}
                                       for label, data in choices]}}
    rows_out = []
    for label, data in choices[:LIST_ROWS]:
        row = {"id": data, "title": cut(label, ROW_TITLE)}
        if len(label) > ROW_TITLE:   # the whole label, where the title had to be cut
            row["description"] = cut(label, ROW_DESCRIPTION)
        rows_out.append(row)
    return {"type": "list", "body": {"text": body},
            "action": {"button": list_button[:LIST_BUTTON], "sections": [{"rows": rows_out}]}}
