"""A fake Telegram Bot API HTTP server for tests (standard library only).

Start it, point python-telegram-bot at it, simulate users, and observe what the bot did::

    with FakeBotAPI() as api:
        bot = telegram.Bot(api.token, base_url=f"{api.url}/bot", base_file_url=f"{api.url}/file/bot")
        api.send_text(42, "/start")
        api.wait_for_sent(42, 1)

Requests arrive at ``{url}/bot{token}/{method}`` and files at ``{url}/file/bot{token}/{path}``.
All state (pending updates, chats, messages, files, commands, webhook) lives in the server
object, so a bot process can be SIGKILLed and restarted against the same server.

How python-telegram-bot 22.x encodes a request (see telegram/request/_requestparameter.py,
_requestdata.py and _httpxrequest.py): every call is a POST; with no file it is an
``application/x-www-form-urlencoded`` body, with a file it is ``multipart/form-data``.
String parameters are sent as they are (NOT JSON encoded: text "123" arrives as ``123``), every
other value is ``json.dumps``-ed (ints, bools as ``true``/``false``, reply_markup/entities/scope
as JSON text). ``None`` values are dropped. A directly uploaded file (``document=open(...)``) is a
multipart part named after the parameter and the parameter itself is *absent* from the form
fields; thumbnails/media use ``attach://<name>`` references. Because strings are not quoted, the
server cannot decode blindly: known free-text parameters are kept as strings, every other value
is JSON-decoded when it parses and kept as a string otherwise (``chat_id=@channel``, file ids).

Where this server is stricter than Telegram: a bare ``&`` or an unknown/unterminated entity
such as ``&nbsp;``/``&lt`` in HTML text is rejected (real Telegram keeps it literally; the
documentation requires escaping, so a bot passing this is correct for both). Where it is more
lenient: webhooks may use plain http and any port; unknown chat ids are accepted (and created)
unless ``require_known_chats`` is set; no flood limits unless faults are injected.
"""
from __future__ import annotations

import asyncio
import copy
import http.client
import itertools
import json
import random
import re
import socket
import struct
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from email.message import Message as _EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable, Iterable

__all__ = [
    "FakeBotAPI",
    "telegram_html_error",
    "parse_html",
    "parse_markdown_v2",
    "parse_markdown",
    "TelegramParseError",
]

# --------------------------------------------------------------------------------------------
# Text formatting: ports of tdlib's parse_html / parse_markdown_v2 / parse_markdown
# (td/telegram/MessageEntity.cpp), which the Bot API server uses, including the error wording.
# --------------------------------------------------------------------------------------------

MAX_MESSAGE_LENGTH = 4096
MAX_CAPTION_LENGTH = 1024
MAX_CALLBACK_DATA_BYTES = 64


class TelegramParseError(ValueError):
    """Raised by the parsers; str(exc) is tdlib's message (without "Bad Request: ...")."""


_TD_SPACE = frozenset(b" \t\r\n\x00\x0b\x0c")  # td::is_space, which includes the NUL terminator
_HTML_TAGS = frozenset(
    "a b strong i em s strike del u ins tg-spoiler tg-emoji span pre code blockquote".split()
)
_TYPE_PRIORITY = {
    "mention": 50, "hashtag": 50, "bot_command": 50, "url": 50, "email": 50, "bold": 90,
    "italic": 91, "code": 20, "pre": 11, "pre_code": 10, "text_link": 49, "text_mention": 49,
    "cashtag": 50, "phone_number": 50, "underline": 92, "strikethrough": 93, "blockquote": 0,
    "spoiler": 94, "custom_emoji": 99, "expandable_blockquote": 0,
}
_TD_TYPE_NAMES = {  # names used in tdlib's MarkdownV2 error messages
    "bold": "Bold", "italic": "Italic", "underline": "Underline", "strikethrough": "Strikethrough",
    "spoiler": "Spoiler", "code": "Code", "pre": "Pre", "pre_code": "PreCode",
    "text_link": "TextUrl", "custom_emoji": "CustomEmoji", "blockquote": "BlockQuote",
}


def utf16_len(text: str) -> int:
    """Length in UTF-16 code units (what Telegram counts offsets and limits in)."""
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def _is_first_code_unit(c: int) -> bool:
    return (c & 0xC0) != 0x80


def _utf16_units_of_lead(c: int) -> int:
    return 2 if c >= 0xF0 else 1


def _encode_code_point(code: int) -> bytes:
    return chr(code).encode("utf-8", "surrogatepass")


def _decode_html_entity(b: bytes, pos: int) -> tuple[int, int, bool]:
    """tdlib's decode_html_entity: (code point or 0, position after it, had ';')."""
    n = len(b)

    def at(i: int) -> int:
        return b[i] if i < n else 0

    end = pos + 1
    res = 0
    if at(pos + 1) == 0x23:  # '#'
        end += 1
        if at(pos + 2) == 0x78:  # 'x'
            end += 1
            while chr(at(end)) in "0123456789abcdefABCDEF" and at(end):
                res = res * 16 + int(chr(at(end)), 16)
                end += 1
        else:
            while 0x30 <= at(end) <= 0x39:
                res = res * 10 + at(end) - 0x30
                end += 1
        if res == 0 or res >= 0x10FFFF or end - pos >= 10:
            return 0, pos, False
    else:
        while (0x41 <= at(end) <= 0x5A) or (0x61 <= at(end) <= 0x7A):
            end += 1
        name = b[pos + 1:end]
        res = {b"lt": 0x3C, b"gt": 0x3E, b"amp": 0x26, b"quot": 0x22}.get(name, 0)
        if not res:
            return 0, pos, False
    if at(end) == 0x3B:  # ';'
        return res, end + 1, True
    return res, end, False


def _checked_link(url: str) -> str:
    """A much simplified LinkManager::get_checked_link: '' when Telegram would drop the link."""
    if not url or any(ch.isspace() for ch in url):
        return ""
    lower = url.lower()
    if lower.startswith(("tg:", "ton:")):
        return url
    if "://" not in url:
        url = "http://" + url
        lower = url.lower()
    scheme, _, rest = url.partition("://")
    if scheme.lower() not in ("http", "https", "ftp"):
        return ""
    host = re.split(r"[/?#]", rest, maxsplit=1)[0].rsplit("@", 1)[-1].split(":")[0]
    labels = host.split(".")
    ip = all(label.isdigit() for label in labels) and len(labels) == 4
    if not ip and host.lower() != "localhost":
        if len(labels) < 2 or not all(labels) or not re.fullmatch(r"[A-Za-z]{2,}|xn--[a-z0-9-]+", labels[-1]):
            return ""
    if not re.search(r"://[^/?#]*[/?#]", url):
        url += "/"
    return url


def _link_entity(url: str, offset: int, length: int) -> dict | None:
    m = re.fullmatch(r"tg://user\?id=(\d+)", url.strip())
    if m:
        return {"type": "text_mention", "offset": offset, "length": length,
                "user": {"id": int(m.group(1)), "is_bot": False, "first_name": "User"}}
    checked = _checked_link(url)
    if not checked:
        return None
    return {"type": "text_link", "offset": offset, "length": length, "url": checked}


def _sort_entities(entities: list[dict]) -> list[dict]:
    def key(e: dict) -> tuple:
        kind = "pre_code" if e["type"] == "pre" and e.get("language") else e["type"]
        return (e["offset"], -e["length"], _TYPE_PRIORITY.get(kind, 50))
    return sorted(entities, key=key)


def _entity(kind: str, offset: int, length: int, argument: str = "") -> dict:
    if kind == "pre_code":
        return {"type": "pre", "offset": offset, "length": length, "language": argument}
    e = {"type": kind, "offset": offset, "length": length}
    if kind == "custom_emoji":
        e["custom_emoji_id"] = argument
    return e


def parse_html(text: str, strict_entities: bool = True) -> tuple[str, list[dict]]:
    """Telegram's HTML parse mode: returns (visible text, Bot API entities).

    Raises TelegramParseError with tdlib's wording. With strict_entities (the default) a bare
    "&", an unsupported entity like "&nbsp;" or one without the closing ";" is an error too
    (Telegram itself keeps those literally).
    """
    b = text.encode("utf-8", "surrogatepass")
    n = len(b)

    def at(i: int) -> int:
        return b[i] if i < n else 0

    out = bytearray()
    utf16 = 0
    entities: list[dict] = []
    nested: list[list] = []  # [tag, argument, utf16 offset, byte position in out]
    surrogate = False
    i = 0
    while i < n:
        c = b[i]
        if c == 0x26:  # '&'
            code, j, had_semicolon = _decode_html_entity(b, i)
            if code:
                if strict_entities and not had_semicolon:
                    raise TelegramParseError(
                        f'HTML entity "{b[i:j].decode("utf-8", "replace")}" at byte offset {i} '
                        f'must be terminated by ";"')
                utf16 += 2 if code > 0xFFFF else 1
                if 0xD800 <= code <= 0xDFFF:
                    surrogate = True
                out += _encode_code_point(code)
                i = j
                continue
            if strict_entities:
                m = re.match(rb"&#?[0-9A-Za-z]*;?", b[i:i + 40])
                snippet = m.group(0).decode("utf-8", "replace") if m else "&"
                if len(snippet) > 1:
                    raise TelegramParseError(
                        f'Unsupported HTML entity "{snippet}" at byte offset {i}')
                raise TelegramParseError(
                    f'Character "&" at byte offset {i} must be escaped as "&amp;"')
        if c != 0x3C:  # not '<'
            if _is_first_code_unit(c):
                utf16 += _utf16_units_of_lead(c)
            out.append(c)
            i += 1
            continue

        begin = i
        i += 1
        if at(i) != 0x2F:  # start tag
            while at(i) not in _TD_SPACE and at(i) != 0x3E:
                i += 1
            if at(i) == 0:
                raise TelegramParseError(f"Unclosed start tag at byte offset {begin}")
            tag = b[begin + 1:i].lower().decode("utf-8", "replace")
            if tag not in _HTML_TAGS:
                raise TelegramParseError(f'Unsupported start tag "{tag}" at byte offset {begin}')
            argument = ""
            while at(i) != 0x3E:
                while at(i) != 0 and at(i) in _TD_SPACE:
                    i += 1
                if at(i) == 0x3E:
                    break
                attr_begin = i
                while at(i) not in _TD_SPACE and at(i) not in (0x3D, 0x3E, 0x2F, 0x22, 0x27):
                    i += 1
                attr_name = b[attr_begin:i]
                if not attr_name:
                    raise TelegramParseError(
                        f'Empty attribute name in the tag "{tag}" at byte offset {begin}')
                while at(i) != 0 and at(i) in _TD_SPACE:
                    i += 1
                if at(i) != 0x3D:  # attribute without a value
                    if at(i) == 0:
                        raise TelegramParseError(f'Unclosed start tag "{tag}" at byte offset {begin}')
                    if tag == "blockquote" and attr_name == b"expandable":
                        argument = "1"
                    continue
                i += 1
                while at(i) != 0 and at(i) in _TD_SPACE:
                    i += 1
                if at(i) == 0:
                    raise TelegramParseError(f'Unclosed start tag "{tag}" at byte offset {begin}')
                if at(i) not in (0x22, 0x27):  # a name token
                    token_begin = i
                    while (0x30 <= at(i) <= 0x39 or 0x41 <= at(i) <= 0x5A or 0x61 <= at(i) <= 0x7A
                           or at(i) in (0x2E, 0x2D)):
                        i += 1
                    value = b[token_begin:i].lower()
                    if at(i) not in _TD_SPACE and at(i) != 0x3E:
                        raise TelegramParseError(
                            f"Unexpected end of name token at byte offset {token_begin}")
                else:  # a string literal
                    quote = at(i)
                    i += 1
                    val = bytearray()
                    while at(i) != quote and at(i) != 0:
                        if at(i) == 0x26:
                            code, j, _ = _decode_html_entity(b, i)
                            if code:
                                val += _encode_code_point(code)
                                i = j
                                continue
                        val.append(at(i))
                        i += 1
                    if at(i) == quote:
                        i += 1
                    value = bytes(val)
                if at(i) == 0:
                    raise TelegramParseError(f"Unclosed start tag at byte offset {begin}")
                value_s = value.decode("utf-8", "replace")
                if tag == "a" and attr_name == b"href":
                    argument = value_s
                elif tag == "code" and attr_name == b"class" and value_s.startswith("language-"):
                    argument = value_s[9:]
                elif tag == "span" and attr_name == b"class" and value_s.startswith("tg-"):
                    argument = value_s[3:]
                elif tag == "tg-emoji" and attr_name == b"emoji-id":
                    argument = value_s
                elif tag == "blockquote" and attr_name == b"expandable":
                    argument = "1"
            if tag == "span" and argument != "spoiler":
                raise TelegramParseError(
                    f'Tag "span" must have class "tg-spoiler" at byte offset {begin}')
            nested.append([tag, argument, utf16, len(out)])
            i += 1  # skip '>'
            continue

        # end tag
        if not nested:
            raise TelegramParseError(f"Unexpected end tag at byte offset {begin}")
        while at(i) not in _TD_SPACE and at(i) != 0x3E:
            i += 1
        end_tag = b[begin + 2:i].lower().decode("utf-8", "replace")
        while at(i) in _TD_SPACE and at(i) != 0:
            i += 1
        if at(i) != 0x3E:
            raise TelegramParseError(f"Unclosed end tag at byte offset {begin}")
        tag, argument, offset, out_pos = nested[-1]
        if end_tag and end_tag != tag:
            raise TelegramParseError(
                f'Unmatched end tag at byte offset {begin}, expected "</{tag}>", found "</{end_tag}>"')
        if utf16 > offset:
            length = utf16 - offset
            last = entities[-1] if entities else None
            if tag in ("i", "em"):
                entities.append(_entity("italic", offset, length))
            elif tag in ("b", "strong"):
                entities.append(_entity("bold", offset, length))
            elif tag in ("s", "strike", "del"):
                entities.append(_entity("strikethrough", offset, length))
            elif tag in ("u", "ins"):
                entities.append(_entity("underline", offset, length))
            elif tag == "tg-spoiler" or tag == "span":
                entities.append(_entity("spoiler", offset, length))
            elif tag == "tg-emoji":
                if not argument.isdigit() or int(argument) == 0 or int(argument) >= 2**63:
                    raise TelegramParseError("Invalid custom emoji identifier specified")
                entities.append(_entity("custom_emoji", offset, length, argument))
            elif tag == "a":
                url = argument or out[out_pos:].decode("utf-8", "replace")
                link = _link_entity(url, offset, length)
                if link:
                    entities.append(link)
            elif tag == "pre":
                if (last and last["type"] == "code" and last["offset"] == offset
                        and last["length"] == length and last.get("_arg")):
                    entities[-1] = _entity("pre_code", offset, length, last["_arg"])
                else:
                    entities.append(_entity("pre", offset, length))
            elif tag == "code":
                if (last and last["type"] == "pre" and "language" not in last
                        and last["offset"] == offset and last["length"] == length and argument):
                    entities[-1] = _entity("pre_code", offset, length, argument)
                else:
                    e = _entity("code", offset, length)
                    if argument:
                        e["_arg"] = argument
                    entities.append(e)
            elif tag == "blockquote":
                entities.append(_entity("expandable_blockquote" if argument else "blockquote",
                                        offset, length))
        nested.pop()
        i += 1
    if nested:
        raise TelegramParseError(
            f"Can't find end tag corresponding to start tag {nested[-1][0]}")
    for e in entities:
        e.pop("_arg", None)
    if surrogate:
        raise TelegramParseError(
            "Text contains invalid Unicode characters after decoding HTML entities, check for "
            "unmatched surrogate code units")
    return out.decode("utf-8", "replace"), _sort_entities(entities)


def parse_markdown_v2(text: str) -> tuple[str, list[dict]]:
    """Telegram's MarkdownV2 parse mode (port of tdlib's parse_markdown_v2)."""
    b = text.encode("utf-8", "surrogatepass")
    n = len(b)

    def at(i: int) -> int:
        return b[i] if i < n else 0

    def fail_reserved(ch: int) -> TelegramParseError:
        return TelegramParseError(
            f"Character '{chr(ch)}' is reserved and must be escaped with the preceding '\\'")

    def fail_end(info: dict) -> TelegramParseError:
        return TelegramParseError(
            f"Can't find end of {_TD_TYPE_NAMES[info['type']]} entity at byte offset {info['byte']}")

    out = bytearray()
    utf16 = 0
    entities: list[dict] = []
    nested: list[dict] = []
    have_blockquote = False
    can_start_blockquote = True
    i = -1
    while True:
        i += 1
        if i >= n:
            break
        c = b[i]
        if c == 0x5C and 0 < at(i + 1) <= 126:  # backslash escape
            i += 1
            utf16 += 1
            out.append(b[i])
            if b[i] != 0x0D:
                can_start_blockquote = b[i] == 0x0A
            continue
        reserved = b"_*[]()~`>#+-=|{}.!\n"
        if nested and nested[-1]["type"] in ("code", "pre", "pre_code"):
            reserved = b"`"
        if c not in reserved:
            if _is_first_code_unit(c):
                utf16 += _utf16_units_of_lead(c)
                if c != 0x0D:
                    can_start_blockquote = False
            out.append(c)
            continue

        def is_end() -> bool:
            if not nested:
                return False
            if have_blockquote and c == 0x0A and (i + 1 == n or b[i + 1] != 0x3E):
                return True
            kind = nested[-1]["type"]
            return {
                "bold": c == 0x2A,
                "italic": c == 0x5F and at(i + 1) != 0x5F,
                "code": c == 0x60,
                "pre": c == 0x60 and at(i + 1) == 0x60 and at(i + 2) == 0x60,
                "pre_code": c == 0x60 and at(i + 1) == 0x60 and at(i + 2) == 0x60,
                "text_link": c == 0x5D,
                "underline": c == 0x5F and at(i + 1) == 0x5F,
                "strikethrough": c == 0x7E,
                "spoiler": c == 0x7C and at(i + 1) == 0x7C,
                "custom_emoji": c == 0x5D,
                "blockquote": False,
            }[kind]

        if not is_end():
            kind = None
            argument = ""
            byte_offset = i
            if c == 0x5F:
                if at(i + 1) == 0x5F:
                    kind = "underline"
                    i += 1
                else:
                    kind = "italic"
            elif c == 0x2A:
                kind = "bold"
            elif c == 0x7E:
                kind = "strikethrough"
            elif c == 0x7C:
                if at(i + 1) != 0x7C:
                    raise fail_reserved(c)
                i += 1
                kind = "spoiler"
            elif c == 0x5B:
                kind = "text_link"
            elif c == 0x60:
                if at(i + 1) == 0x60 and at(i + 2) == 0x60:
                    i += 3
                    kind = "pre"
                    language_end = i
                    while at(language_end) not in _TD_SPACE and at(language_end) != 0x60:
                        language_end += 1
                    if i != language_end and language_end < n and at(language_end) != 0x60:
                        kind = "pre_code"
                        argument = b[i:language_end].decode("utf-8", "replace")
                        i = language_end
                    if at(i) in (0x0A, 0x0D):
                        if at(i + 1) in (0x0A, 0x0D) and at(i) != at(i + 1):
                            i += 2
                        else:
                            i += 1
                    i -= 1
                else:
                    kind = "code"
            elif c == 0x21:
                if at(i + 1) != 0x5B:
                    raise fail_reserved(c)
                i += 1
                kind = "custom_emoji"
            elif c == 0x0A:
                utf16 += 1
                out.append(0x0A)
                can_start_blockquote = True
            elif c == 0x3E:
                if not can_start_blockquote:
                    raise fail_reserved(c)
                if not have_blockquote:
                    kind = "blockquote"
                    have_blockquote = True
            else:
                raise fail_reserved(c)
            if kind is None:
                continue
            nested.append({"type": kind, "arg": argument, "offset": utf16, "byte": byte_offset,
                           "pos": len(out)})
            continue

        # end of an entity
        kind = nested[-1]["type"]
        if c == 0x0A and kind != "blockquote":
            top = nested[-1]
            if kind != "spoiler" or not (top["byte"] == i - 2 or (
                    top["byte"] == i - 3 and out and out[-1] == 0x0D)):
                raise fail_end(top)
            nested.pop()
            kind = nested[-1]["type"]
            if kind != "blockquote":
                raise fail_end(nested[-1])
            kind = "expandable_blockquote"
        top = nested[-1]
        argument = top["arg"]
        skip = utf16 == top["offset"]
        link: dict | None = None
        if kind in ("underline", "spoiler"):
            i += 1
        elif kind in ("pre", "pre_code"):
            i += 2
        elif kind in ("text_link", "custom_emoji"):
            if at(i + 1) != 0x28:
                if kind == "custom_emoji":
                    raise TelegramParseError("Custom emoji entity must contain a tg://emoji URL")
                url = out[top["pos"]:].decode("utf-8", "replace")
            else:
                i += 2
                url_begin = i
                url_b = bytearray()
                while i < n and b[i] != 0x29:
                    if b[i] == 0x5C and 0 < at(i + 1) <= 126:
                        url_b.append(b[i + 1])
                        i += 2
                        continue
                    url_b.append(b[i])
                    i += 1
                if at(i) != 0x29:
                    what = "a custom emoji URL" if kind == "custom_emoji" else "a URL"
                    raise TelegramParseError(f"Can't find end of {what} at byte offset {url_begin}")
                url = url_b.decode("utf-8", "replace")
            if kind == "custom_emoji":
                m = re.fullmatch(r"tg://emoji\?id=(\d+)", url)
                if not m:
                    raise TelegramParseError("Invalid custom emoji identifier specified")
                argument = m.group(1)
            else:
                link = _link_entity(url, top["offset"], utf16 - top["offset"])
                if link is None:
                    skip = True
        elif kind in ("blockquote", "expandable_blockquote"):
            have_blockquote = False
            out.append(b[i])
            can_start_blockquote = True
            utf16 += 1
            skip = False
        if not skip:
            if link is not None:
                entities.append(link)
            else:
                entities.append(_entity(kind, top["offset"], utf16 - top["offset"], argument))
        nested.pop()
    if have_blockquote:
        kind = "blockquote"
        if nested[-1]["type"] == "spoiler" and nested[-1]["byte"] == n - 2:
            nested.pop()
            kind = "expandable_blockquote"
        if nested[-1]["type"] == "blockquote":
            length = utf16 - nested[-1]["offset"]
            if length:
                entities.append(_entity(kind, nested[-1]["offset"], length))
            nested.pop()
    if nested:
        raise fail_end(nested[-1])
    return out.decode("utf-8", "replace"), _sort_entities(entities)


def parse_markdown(text: str) -> tuple[str, list[dict]]:
    """Telegram's legacy Markdown parse mode (port of tdlib's parse_markdown)."""
    b = text.encode("utf-8", "surrogatepass")
    n = len(b)

    def at(i: int) -> int:
        return b[i] if i < n else 0

    out = bytearray()
    utf16 = 0
    entities: list[dict] = []
    i = -1
    while True:
        i += 1
        if i >= n:
            break
        c = b[i]
        if c == 0x5C and at(i + 1) in (0x5F, 0x2A, 0x60, 0x5B):
            i += 1
            out.append(b[i])
            utf16 += 1
            continue
        if c not in (0x5F, 0x2A, 0x60, 0x5B):
            if _is_first_code_unit(c):
                utf16 += _utf16_units_of_lead(c)
            out.append(c)
            continue
        begin = i
        end_char = 0x5D if c == 0x5B else c
        is_pre = False
        i += 1
        language = ""
        if c == 0x60 and at(i) == 0x60 and at(i + 1) == 0x60:
            i += 2
            is_pre = True
            language_end = i
            while at(language_end) not in _TD_SPACE and at(language_end) != 0x60:
                language_end += 1
            if i != language_end and language_end < n and at(language_end) != 0x60:
                language = b[i:language_end].decode("utf-8", "replace")
                i = language_end
            if at(i) in (0x0A, 0x0D):
                if at(i + 1) in (0x0A, 0x0D) and at(i) != at(i + 1):
                    i += 2
                else:
                    i += 1
        offset = utf16
        start_pos = len(out)
        while i < n and (b[i] != end_char or (is_pre and not (at(i + 1) == 0x60 and at(i + 2) == 0x60))):
            if _is_first_code_unit(b[i]):
                utf16 += _utf16_units_of_lead(b[i])
            out.append(b[i])
            i += 1
        if i == n:
            raise TelegramParseError(f"Can't find end of the entity starting at byte offset {begin}")
        if offset != utf16:
            length = utf16 - offset
            if c == 0x5F:
                entities.append(_entity("italic", offset, length))
            elif c == 0x2A:
                entities.append(_entity("bold", offset, length))
            elif c == 0x5B:
                if at(i + 1) != 0x28:
                    url = out[start_pos:].decode("utf-8", "replace")
                else:
                    i += 2
                    url_b = bytearray()
                    while i < n and b[i] != 0x29:
                        url_b.append(b[i])
                        i += 1
                    url = url_b.decode("utf-8", "replace")
                link = _link_entity(url, offset, length)
                if link:
                    entities.append(link)
            elif c == 0x60:
                if is_pre:
                    entities.append(_entity("pre_code" if language else "pre", offset, length, language))
                else:
                    entities.append(_entity("code", offset, length))
        if is_pre:
            i += 2
    return out.decode("utf-8", "replace"), _sort_entities(entities)


_TRIM_CHARS = " \t\r\n\x0b\x0c"


def _trim(text: str, entities: list[dict]) -> tuple[str, list[dict]]:
    """Telegram strips leading/trailing whitespace of message texts; entities follow."""
    stripped = text.strip(_TRIM_CHARS)
    if stripped == text:
        return text, entities
    lead = utf16_len(text[: len(text) - len(text.lstrip(_TRIM_CHARS))])
    total = utf16_len(stripped)
    result = []
    for e in entities:
        start = max(e["offset"] - lead, 0)
        end = min(e["offset"] + e["length"] - lead, total)
        if end > start:
            result.append({**e, "offset": start, "length": end - start})
    return stripped, result


def _parse_formatted(text: str, parse_mode: str | None, strict_entities: bool = True) -> tuple[str, list[dict]]:
    mode = (parse_mode or "").lower()
    if mode == "html":
        return parse_html(text, strict_entities)
    if mode == "markdownv2":
        return parse_markdown_v2(text)
    if mode == "markdown":
        return parse_markdown(text)
    return text, []


def telegram_html_error(text: str) -> str | None:
    """What Telegram says about `text` sent with parse_mode HTML, or None when it is accepted.

    Covers markup errors ("Bad Request: can't parse entities: ..."), empty text and the
    4096 UTF-16 code unit limit.
    """
    try:
        plain, entities = parse_html(text)
    except TelegramParseError as exc:
        return f"Bad Request: can't parse entities: {exc}"
    plain, _ = _trim(plain, entities)
    if not plain:
        return "Bad Request: message text is empty"
    if utf16_len(plain) > MAX_MESSAGE_LENGTH:
        return "Bad Request: message is too long"
    return None


def _bot_command_entities(text: str) -> list[dict]:
    """Bot commands the way tdlib's match_bot_commands finds them (offsets in UTF-16)."""
    def word(ch: str) -> bool:
        return ch.isalnum() or ch == "_"

    def cmd_char(ch: str) -> bool:
        return ch.isascii() and (ch.isalnum() or ch == "_")

    result = []
    n = len(text)
    pos = 0
    while True:
        pos = text.find("/", pos)
        if pos < 0:
            break
        if pos > 0 and (word(text[pos - 1]) or text[pos - 1] in "/<>"):
            pos += 1
            continue
        start = pos
        pos += 1
        while pos < n and cmd_char(text[pos]):
            pos += 1
        if not 1 <= pos - start - 1 <= 64:
            continue
        end = pos
        if pos < n and text[pos] == "@":
            pos += 1
            mention_begin = pos
            while pos < n and cmd_char(text[pos]):
                pos += 1
            if not 3 <= pos - mention_begin <= 32:
                continue
            end = pos
        if pos < n and (word(text[pos]) or text[pos] in "/<>"):
            continue
        result.append({"type": "bot_command", "offset": utf16_len(text[:start]),
                       "length": utf16_len(text[start:end])})
    return result


# --------------------------------------------------------------------------------------------
# Request decoding
# --------------------------------------------------------------------------------------------

# Parameters PTB sends as raw strings that could look like JSON ("123", "true"): never decode.
_STRING_PARAMS = frozenset("""
text caption parse_mode caption_parse_mode callback_query_id inline_query_id shipping_query_id
pre_checkout_query_id url secret_token language_code action message_effect_id
business_connection_id ip_address next_offset switch_pm_text switch_pm_parameter title
description short_description name first_name last_name phone_number vcard address
foursquare_id foursquare_type google_place_id google_place_type emoji question
custom_emoji_id sticker_set_name file_id payload provider_token currency start_parameter
error_message invite_link query callback_data game_short_name web_app_query_id
gift_id text_parse_mode filename
""".split())


def _decode_form_value(name: str, raw: str) -> Any:
    if name in _STRING_PARAMS:
        return raw
    try:
        return json.loads(raw)
    except ValueError:
        return raw


def _normalize_json_param(name: str, value: Any) -> Any:
    """JSON bodies may still carry JSON-serialized strings for object parameters."""
    if name in _STRING_PARAMS:
        if value is None or isinstance(value, str):
            return value
        return json.dumps(value)  # Telegram accepts e.g. {"text": 5} and treats it as "5"
    if isinstance(value, str) and value[:1] in ("{", "["):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def _disposition_param(disposition: str, key: str) -> str | None:
    m = re.search(rf'(?:^|;)\s*{key}\*\s*=\s*([^;]+)', disposition, re.I)
    if m:  # RFC 5987: filename*=utf-8''name
        value = m.group(1).strip()
        if "''" in value:
            value = value.split("''", 1)[1]
        return urllib.parse.unquote(value)
    m = re.search(rf'(?:^|;)\s*{key}\s*=\s*"((?:[^"\\]|\\.)*)"', disposition, re.I)
    if m:
        # httpx escapes '"' and control characters as %XX and '\' as '\\' (HTML5 form encoding)
        value = re.sub(r"%(22|[01][0-9A-Fa-f])", lambda mm: chr(int(mm.group(1), 16)), m.group(1))
        return re.sub(r"\\(.)", r"\1", value)
    m = re.search(rf'(?:^|;)\s*{key}\s*=\s*([^;\s]+)', disposition, re.I)
    return m.group(1) if m else None


def _parse_multipart(body: bytes, content_type: str) -> tuple[dict[str, str], dict[str, dict]]:
    header = _EmailMessage()
    header["content-type"] = content_type
    boundary = header.get_param("boundary")
    if not boundary:
        raise ValueError("multipart body without boundary")
    delimiter = b"--" + str(boundary).encode("latin-1")
    fields: dict[str, str] = {}
    files: dict[str, dict] = {}
    for part in body.split(delimiter)[1:]:
        if part.startswith(b"--"):
            break
        if part.startswith(b"\r\n"):
            part = part[2:]
        head, sep, content = part.partition(b"\r\n\r\n")
        if not sep:
            continue
        if content.endswith(b"\r\n"):
            content = content[:-2]
        headers = {}
        for line in head.decode("utf-8", "replace").split("\r\n"):
            key, _, value = line.partition(":")
            headers[key.strip().lower()] = value.strip()
        disposition = headers.get("content-disposition", "")
        name = _disposition_param(disposition, "name")
        if name is None:
            continue
        filename = _disposition_param(disposition, "filename")
        if filename is not None:
            files[name] = {"filename": filename or name, "mime_type": headers.get("content-type"),
                           "bytes": content}
        else:
            fields[name] = content.decode("utf-8", "replace")
    return fields, files


# --------------------------------------------------------------------------------------------
# Errors
# --------------------------------------------------------------------------------------------


class _ApiError(Exception):
    def __init__(self, code: int, description: str, parameters: dict | None = None,
                 invalid: bool | None = None):
        super().__init__(description)
        self.code = code
        self.description = description
        self.parameters = parameters
        # "invalid request" errors are recorded in FakeBotAPI.errors
        self.invalid = (400 <= code < 500 and code not in (403, 429)) if invalid is None else invalid


def _bad(description: str) -> _ApiError:
    return _ApiError(400, f"Bad Request: {description}")


_NOT_MODIFIED = ("message is not modified: specified new message content and reply markup are "
                 "exactly the same as a current content and reply markup of the message")
_QUERY_TOO_OLD = "query is too old and response timeout expired or query ID is invalid"
_CHAT_ACTIONS = frozenset("""typing upload_photo record_video upload_video record_voice upload_voice
upload_document choose_sticker find_location record_video_note upload_video_note""".split())
_DEFAULT_EXCLUDED_UPDATES = frozenset({"chat_member", "message_reaction", "message_reaction_count"})
_COMMAND_SCOPES = frozenset({"default", "all_private_chats", "all_group_chats",
                             "all_chat_administrators", "chat", "chat_administrators", "chat_member"})
_USE_REGISTERED_SECRET = object()


def _image_size(data: bytes) -> tuple[int, int] | None:
    """(width, height) of a PNG/JPEG/GIF/BMP/WEBP image, None when it is not one."""
    if data.startswith(b"\x89PNG\r\n\x1a\n") and len(data) >= 24:
        return struct.unpack(">II", data[16:24])
    if data[:6] in (b"GIF87a", b"GIF89a") and len(data) >= 10:
        return struct.unpack("<HH", data[6:10])
    if data.startswith(b"BM") and len(data) >= 26:
        w, h = struct.unpack("<ii", data[18:26])
        return abs(w), abs(h)
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        chunk = data[12:16]
        if chunk == b"VP8X" and len(data) >= 30:
            return (int.from_bytes(data[24:27], "little") + 1, int.from_bytes(data[27:30], "little") + 1)
        if chunk == b"VP8 " and len(data) >= 30:
            w, h = struct.unpack("<HH", data[26:30])
            return w & 0x3FFF, h & 0x3FFF
        if chunk == b"VP8L" and len(data) >= 25:
            bits = int.from_bytes(data[21:25], "little")
            return (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1
        return None
    if data.startswith(b"\xff\xd8"):
        i = 2
        while i + 9 < len(data):
            if data[i] != 0xFF:
                i += 1
                continue
            marker = data[i + 1]
            if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7 or marker == 0xFF:
                i += 1 if marker == 0xFF else 2
                continue
            seg_len = struct.unpack(">H", data[i + 2:i + 4])[0]
            if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
                h, w = struct.unpack(">HH", data[i + 5:i + 9])
                return w, h
            i += 2 + seg_len
        return None
    return None


# --------------------------------------------------------------------------------------------
# The server
# --------------------------------------------------------------------------------------------


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def __init__(self, address, handler, fake: "FakeBotAPI"):
        self.fake = fake
        super().__init__(address, handler)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "nginx/1.18.0"
    sys_version = ""
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - silence
        pass

    def setup(self) -> None:
        super().setup()
        try:  # no Nagle delay between our writes and the client's delayed ACKs
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        except OSError:
            pass
        self.server.fake._track_connection(self.connection, True)

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            self.server.fake._track_connection(self.connection, False)

    def do_POST(self) -> None:
        self.server.fake._serve(self)

    do_GET = do_POST


class FakeBotAPI:
    """In-memory Telegram Bot API. See the module docstring."""

    def __init__(self, token: str = "123456:TEST-TOKEN", bot_username: str = "umkm_coach_bot",
                 bot_id: int = 123456, host: str = "127.0.0.1", port: int = 0, *,
                 bot_first_name: str = "UMKM Coach", require_known_chats: bool = False,
                 strict_html_entities: bool = True):
        self.token = token
        self.bot_username = bot_username
        self.bot_id = bot_id
        self.bot_first_name = bot_first_name
        self.require_known_chats = require_known_chats
        self.strict_html_entities = strict_html_entities
        self.host = host
        self._httpd = _Server((host, port), _Handler, self)
        self.port = self._httpd.server_address[1]
        self.url = f"http://{host}:{self.port}"

        self._lock = threading.RLock()
        self._cond = threading.Condition(self._lock)
        self._stop_event = threading.Event()
        self._threads: list[threading.Thread] = []
        self._connections: set[socket.socket] = set()
        self._started = False

        # observation
        self.calls: list[tuple[str, dict]] = []
        self.errors: list[tuple[str, dict, str]] = []
        self.faults: list[tuple[str, dict, str]] = []  # (method, params, kind) of injected faults
        self.answered_callbacks: list[str] = []
        self.callback_answers: dict[str, dict] = {}
        self.inline_answers: dict[str, dict] = {}
        self.chat_actions: list[tuple[int, str]] = []
        self.discarded_updates: list[dict] = []  # filtered out by allowed_updates
        self.webhook_deliveries: list[tuple[int, int | str]] = []  # (update_id, status or error)
        self.webhook_failures: list[dict] = []  # updates dropped after webhook_max_attempts

        # state
        self._updates: list[dict] = []
        self._next_update_id = 1
        self._allowed_updates: list[str] | None = None
        self._poll_generation = 0
        self._poll_end_reason = ""
        self._chats: dict[int, dict] = {}
        self._users: dict[int, dict] = {}
        self._messages: dict[int, dict[int, dict]] = {}
        self._next_message_id: dict[int, int] = {}
        self._blocked: set[int] = set()
        self._callback_queries: dict[str, dict] = {}
        self._inline_queries: dict[str, dict] = {}
        self._counter = itertools.count(1)
        self._files: dict[str, dict] = {}
        self._files_by_path: dict[str, dict] = {}
        self.my_commands: dict[tuple[str, str], list[dict]] = {}
        self._webhook: dict | None = None
        self._webhook_attempts = 0
        self._webhook_next_try = 0.0
        self._webhook_last_error: tuple[int, str] | None = None
        self.webhook_max_attempts = 5
        self.webhook_retry_delay = 0.2
        self.webhook_timeout = 5.0

        # faults
        self._fault_rate = 0.0
        self._fault_kinds: tuple[str, ...] = ()
        self._fault_methods: frozenset[str] | None = None
        self._fault_rng = random.Random(0)
        self._fault_retry_after = 1
        self._fault_timeout_seconds = 6.0

        self._methods = {name[4:].lower(): getattr(self, name) for name in dir(self)
                         if name.startswith("_api") and callable(getattr(self, name))}
        self._canonical = {name[4:].lower(): name[4:] for name in dir(self) if name.startswith("_api")}
        for key, method in list(self._canonical.items()):
            self._canonical[key] = method[0].lower() + method[1:]

    # ---------------------------------------------------------------- lifecycle

    def start(self) -> "FakeBotAPI":
        if self._started:
            return self
        self._started = True
        server_thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05},
                                         name=f"fakebotapi:{self.port}", daemon=True)
        webhook_thread = threading.Thread(target=self._webhook_loop, name=f"fakebotapi-webhook:{self.port}",
                                          daemon=True)
        self._threads = [server_thread, webhook_thread]
        for thread in self._threads:
            thread.start()
        return self

    def stop(self) -> None:
        self._stop_event.set()
        with self._cond:
            self._cond.notify_all()
        if self._started:
            self._httpd.shutdown()
        self._httpd.server_close()
        with self._lock:
            connections = list(self._connections)
        for conn in connections:
            try:
                conn.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        for thread in self._threads:
            thread.join(timeout=5)
        self._started = False

    def __enter__(self) -> "FakeBotAPI":
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    def _track_connection(self, conn: socket.socket, opened: bool) -> None:
        with self._lock:
            if opened:
                self._connections.add(conn)
            else:
                self._connections.discard(conn)

    # ---------------------------------------------------------------- simulating users

    def _user(self, user_id: int, first_name: str = "Budi", username: str | None = None,
              last_name: str | None = None, language_code: str | None = "id") -> dict:
        user = {"id": user_id, "is_bot": False, "first_name": first_name}
        if last_name:
            user["last_name"] = last_name
        user["username"] = username or f"user{user_id}"
        if language_code:
            user["language_code"] = language_code
        return user

    def _ensure_chat(self, chat_id: int, chat_type: str = "private", user: dict | None = None,
                     title: str | None = None) -> dict:
        chat = self._chats.get(chat_id)
        if chat is None:
            if chat_type == "private":
                chat = {"id": chat_id, "type": "private",
                        "first_name": (user or {}).get("first_name", "User")}
                if user and user.get("last_name"):
                    chat["last_name"] = user["last_name"]
                if user and user.get("username"):
                    chat["username"] = user["username"]
            else:
                chat = {"id": chat_id, "type": chat_type, "title": title or "Grup UMKM"}
            self._chats[chat_id] = chat
            self._messages.setdefault(chat_id, {})
            self._next_message_id.setdefault(chat_id, 1)
        return chat

    def _new_message_id(self, chat_id: int) -> int:
        mid = self._next_message_id.get(chat_id, 1)
        self._next_message_id[chat_id] = mid + 1
        return mid

    def _enqueue(self, update: dict) -> int:
        with self._cond:
            if "update_id" not in update:
                update["update_id"] = self._next_update_id
            self._next_update_id = max(self._next_update_id, int(update["update_id"]) + 1)
            kind = next((k for k in update if k != "update_id"), None)
            allowed = self._allowed_updates
            if (kind in allowed) if allowed else (kind not in _DEFAULT_EXCLUDED_UPDATES):
                self._updates.append(update)
            else:
                self.discarded_updates.append(update)
            self._cond.notify_all()
            return int(update["update_id"])

    def send_text(self, user_id: int, text: str, chat_id: int | None = None, chat_type: str = "private",
                  first_name: str = "Budi", *, username: str | None = None, last_name: str | None = None,
                  language_code: str | None = "id", chat_title: str | None = None,
                  **message_extra: Any) -> int:
        """A user writes `text` (may be "" with e.g. document=... in message_extra). Returns update_id."""
        with self._cond:
            user = self._user(user_id, first_name, username, last_name, language_code)
            self._users[user_id] = user
            if chat_id is None:
                chat_id = user_id if chat_type == "private" else (
                    -(1_000_000_000_000 + user_id) if chat_type == "supergroup" else -user_id)
            chat = self._ensure_chat(chat_id, chat_type, user, chat_title)
            message_id = self._new_message_id(chat_id)
            message: dict[str, Any] = {"message_id": message_id, "from": user, "chat": dict(chat),
                                       "date": int(time.time())}
            if text:
                message["text"] = text
                entities = _bot_command_entities(text)
                if entities:
                    message["entities"] = entities
            message.update(copy.deepcopy(message_extra))
            self._messages[chat_id][message_id] = {
                "message_id": message_id, "chat_id": chat_id, "from_bot": False, "deleted": False,
                "json": message, "text": text, "kind": "user"}
            return self._enqueue({"message": message})

    def press_button(self, user_id: int, message_id: int, callback_data: str, chat_id: int | None = None,
                     *, strict: bool = True) -> int:
        """The user presses an inline button of bot message `message_id`. Returns update_id.

        With strict (default) the message must currently carry a button with that callback_data,
        as Telegram only produces callback queries for existing buttons.
        """
        with self._cond:
            chat_id = user_id if chat_id is None else chat_id
            rec = self._messages.get(chat_id, {}).get(message_id)
            if rec is None or not rec["from_bot"] or rec["deleted"]:
                raise LookupError(f"no bot message {message_id} in chat {chat_id}")
            if strict:
                datas = [button.get("callback_data")
                         for row in (rec["reply_markup"] or {}).get("inline_keyboard", [])
                         for button in row]
                if callback_data not in datas:
                    raise LookupError(
                        f"message {message_id} in chat {chat_id} has no button with callback_data "
                        f"{callback_data!r}; buttons: {datas}")
            user = self._users.get(user_id) or self._user(user_id)
            self._users[user_id] = user
            query_id = str(4_242_000_000_000_000_000 + next(self._counter))
            self._callback_queries[query_id] = {"answered": False, "chat_id": chat_id,
                                                "message_id": message_id, "data": callback_data}
            query = {"id": query_id, "from": user, "message": self._message_json(rec),
                     "chat_instance": str(-(abs(chat_id) * 7919 % 10**18)), "data": callback_data}
            return self._enqueue({"callback_query": query})

    def send_inline_query(self, user_id: int, query: str, offset: str = "") -> int:
        with self._cond:
            user = self._users.get(user_id) or self._user(user_id)
            query_id = str(5_353_000_000_000_000_000 + next(self._counter))
            self._inline_queries[query_id] = {"answered": False}
            return self._enqueue({"inline_query": {"id": query_id, "from": user, "query": query,
                                                   "offset": offset, "chat_type": "sender"}})

    def push_update(self, update: dict) -> int:
        """Queue any raw update (a deep copy); update_id is assigned when missing."""
        return self._enqueue(json.loads(json.dumps(update)))

    def add_file(self, data: bytes, filename: str = "file.bin", mime_type: str | None = None,
                 kind: str = "document") -> dict:
        """Store a file as if a user uploaded it; returns a Document-like dict (file_id...)."""
        with self._lock:
            info = self._store_file(data, filename, mime_type, kind)
            return {"file_id": info["file_id"], "file_unique_id": info["file_unique_id"],
                    "file_name": filename, "mime_type": info["mime_type"], "file_size": len(data)}

    def block_user(self, chat_id: int, notify: bool = False) -> None:
        """Later sends to the chat get 403 "Forbidden: bot was blocked by the user".

        With notify, also queue the my_chat_member update Telegram sends in that case."""
        with self._cond:
            self._blocked.add(chat_id)
            if notify:
                user = self._users.get(chat_id) or self._user(chat_id)
                chat = self._ensure_chat(chat_id, "private", user)
                bot = self._bot_user()
                self._enqueue({"my_chat_member": {
                    "chat": dict(chat), "from": user, "date": int(time.time()),
                    "old_chat_member": {"user": bot, "status": "member"},
                    "new_chat_member": {"user": bot, "status": "kicked", "until_date": 0}}})

    def unblock_user(self, chat_id: int) -> None:
        with self._cond:
            self._blocked.discard(chat_id)

    # ---------------------------------------------------------------- observing the bot

    def _public(self, rec: dict) -> dict:
        result = {
            "message_id": rec["message_id"], "chat_id": rec["chat_id"], "text": rec["text"],
            "parse_mode": rec["parse_mode"], "reply_markup": copy.deepcopy(rec["reply_markup"]),
            "edits": rec["edits"], "method": rec["method"], "plain_text": rec["plain_text"],
            "entities": copy.deepcopy(rec["entities"]), "date": rec["date"], "deleted": rec["deleted"],
        }
        if rec.get("caption") is not None or rec["kind"] != "text":
            result["caption"] = rec.get("caption")
        for key in ("document", "photo"):
            if rec.get(key):
                f = rec[key]
                result[key] = {"filename": f["filename"], "bytes": f["bytes"], "mime_type": f["mime_type"],
                               "file_id": f["file_id"]}
        if rec.get("reply_to_message_id"):
            result["reply_to_message_id"] = rec["reply_to_message_id"]
        return result

    def sent(self, chat_id: int, include_deleted: bool = False) -> list[dict]:
        """The bot's messages in the chat, current state, in order of first sending."""
        with self._lock:
            return [self._public(rec) for rec in self._messages.get(chat_id, {}).values()
                    if rec["from_bot"] and (include_deleted or not rec["deleted"])]

    def calls_to(self, method: str) -> list[dict]:
        with self._lock:
            return [params for name, params in self.calls if name == method]

    @property
    def pending_updates(self) -> list[dict]:
        """Updates not yet confirmed by getUpdates (or not yet delivered to the webhook)."""
        with self._lock:
            return copy.deepcopy(self._updates)

    def commands_for(self, scope: dict | None = None, language_code: str = "") -> list[dict]:
        with self._lock:
            return copy.deepcopy(self.my_commands.get(self._scope_key(scope, language_code), []))

    @property
    def webhook(self) -> dict | None:
        with self._lock:
            return copy.deepcopy(self._webhook)

    def wait_for(self, predicate: Callable[["FakeBotAPI"], bool], timeout: float = 10.0) -> bool:
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                if predicate(self):
                    return True
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                self._cond.wait(min(remaining, 0.05))

    def _sent_timeout_message(self, chat_id: int, count: int, timeout: float) -> str:
        with self._lock:
            sent = [(m["message_id"], m["method"], m["text"] if m["text"] is not None else m.get("caption"))
                    for m in self.sent(chat_id)]
            recent = [(name, params) for name, params in self.calls if name != "getUpdates"][-10:]
            return (f"timed out after {timeout}s waiting for {count} bot message(s) in chat {chat_id}; "
                    f"got {len(sent)}: {sent!r}\nlast API calls: {recent!r}\nerrors: {self.errors!r}\n"
                    f"pending updates: {len(self._updates)}")

    def wait_for_sent(self, chat_id: int, count: int, timeout: float = 10.0) -> list[dict]:
        if not self.wait_for(lambda api: len(api.sent(chat_id)) >= count, timeout):
            raise AssertionError(self._sent_timeout_message(chat_id, count, timeout))
        return self.sent(chat_id)

    async def wait_for_async(self, predicate: Callable[["FakeBotAPI"], bool], timeout: float = 10.0) -> bool:
        """Like wait_for, but does not block an event loop (for a bot running in the same loop)."""
        deadline = time.monotonic() + timeout
        while True:
            with self._lock:
                if predicate(self):
                    return True
            if time.monotonic() >= deadline:
                return False
            await asyncio.sleep(0.01)

    async def wait_for_sent_async(self, chat_id: int, count: int, timeout: float = 10.0) -> list[dict]:
        if not await self.wait_for_async(lambda api: len(api.sent(chat_id)) >= count, timeout):
            raise AssertionError(self._sent_timeout_message(chat_id, count, timeout))
        return self.sent(chat_id)

    # ---------------------------------------------------------------- faults

    def set_faults(self, rate: float, kinds: Iterable[str] = ("429", "500", "timeout", "drop"), seed: int = 0,
                   methods: Iterable[str] | None = None, retry_after: int = 1,
                   timeout_seconds: float = 6.0) -> None:
        """Make a fraction `rate` of calls fail without taking effect.

        Kinds: "429" (Too Many Requests with parameters.retry_after), "500", "timeout" (no
        response for timeout_seconds -- longer than PTB's default 5 s read timeout -- then the
        connection is closed), "drop" (connection closed without a response). `methods` defaults
        to every method except getUpdates and getMe. set_faults(0) turns faults off.
        """
        kinds = tuple(kinds)
        unknown = set(kinds) - {"429", "500", "timeout", "drop"}
        if unknown:
            raise ValueError(f"unknown fault kinds {sorted(unknown)}")
        with self._lock:
            self._fault_rate = float(rate)
            self._fault_kinds = kinds
            self._fault_methods = None if methods is None else frozenset(m.lower() for m in methods)
            self._fault_rng = random.Random(seed)
            self._fault_retry_after = int(retry_after)
            self._fault_timeout_seconds = float(timeout_seconds)

    def _pick_fault(self, method: str) -> str | None:
        with self._lock:
            if self._fault_rate <= 0 or not self._fault_kinds:
                return None
            key = method.lower()
            if self._fault_methods is None:
                if key in ("getupdates", "getme"):
                    return None
            elif key not in self._fault_methods:
                return None
            if self._fault_rng.random() >= self._fault_rate:
                return None
            return self._fault_rng.choice(self._fault_kinds)

    # ---------------------------------------------------------------- HTTP plumbing

    def _read_body(self, handler: BaseHTTPRequestHandler) -> bytes:
        if "chunked" in handler.headers.get("Transfer-Encoding", "").lower():
            chunks = []
            while True:
                size_line = handler.rfile.readline()
                size = int(size_line.split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while handler.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    break
                chunks.append(handler.rfile.read(size))
                handler.rfile.readline()
            return b"".join(chunks)
        length = int(handler.headers.get("Content-Length") or 0)
        return handler.rfile.read(length) if length else b""

    def _decode_params(self, handler: BaseHTTPRequestHandler, query: str, body: bytes) -> dict:
        params: dict[str, Any] = {}
        for key, values in urllib.parse.parse_qs(query, keep_blank_values=True).items():
            params[key] = _decode_form_value(key, values[-1])
        content_type = handler.headers.get("Content-Type", "")
        ctype = content_type.split(";")[0].strip().lower()
        if not body:
            return params
        if ctype == "application/json":
            data = json.loads(body.decode("utf-8"))
            if not isinstance(data, dict):
                raise ValueError("JSON body must be an object")
            for key, value in data.items():
                params[key] = _normalize_json_param(key, value)
        elif ctype == "multipart/form-data":
            fields, files = _parse_multipart(body, content_type)
            for key, value in fields.items():
                params[key] = _decode_form_value(key, value)
            for key, value in list(params.items()):
                if isinstance(value, str) and value.startswith("attach://"):
                    name = value[len("attach://"):]
                    if name in files:
                        params[key] = files.pop(name)
            for key, value in files.items():
                params.setdefault(key, value)
        else:  # application/x-www-form-urlencoded (PTB without files)
            for key, values in urllib.parse.parse_qs(body.decode("utf-8"), keep_blank_values=True).items():
                params[key] = _decode_form_value(key, values[-1])
        return params

    @staticmethod
    def _respond(handler: BaseHTTPRequestHandler, status: int, payload: dict | bytes,
                 content_type: str = "application/json") -> None:
        body = payload if isinstance(payload, bytes) else json.dumps(payload, ensure_ascii=False).encode("utf-8")
        try:
            handler.send_response(status)
            handler.send_header("Content-Type", content_type)
            handler.send_header("Content-Length", str(len(body)))
            buffer = getattr(handler, "_headers_buffer", None)
            if isinstance(buffer, list):
                buffer.append(b"\r\n" + body)  # headers and body in one send()
                handler.flush_headers()
            else:
                handler.end_headers()
                handler.wfile.write(body)
        except OSError:
            handler.close_connection = True

    @staticmethod
    def _error_payload(error: _ApiError) -> dict:
        payload: dict[str, Any] = {"ok": False, "error_code": error.code, "description": error.description}
        if error.parameters:
            payload["parameters"] = error.parameters
        return payload

    def _serve(self, handler: BaseHTTPRequestHandler) -> None:
        parsed = urllib.parse.urlsplit(handler.path)
        path = urllib.parse.unquote(parsed.path)
        try:
            body = self._read_body(handler)
        except (OSError, ValueError):
            handler.close_connection = True
            return
        m = re.fullmatch(r"/file/bot([^/]+)/(.+)", path)
        if m and handler.command == "GET":
            self._serve_file(handler, m.group(1), m.group(2))
            return
        m = re.fullmatch(r"/bot([^/]*)/([^/]*)", path)
        if not m:
            self._respond(handler, 404, {"ok": False, "error_code": 404, "description": "Not Found"})
            return
        token, raw_method = m.group(1), m.group(2)
        try:
            params = self._decode_params(handler, parsed.query, body)
        except (ValueError, UnicodeDecodeError) as exc:
            params = {"_raw_body": body}
            error = _bad(f"can't parse request: {exc}")
            self._record(raw_method, params, error)
            self._respond(handler, 400, self._error_payload(error))
            return
        key = raw_method.lower()
        method = self._canonical.get(key, raw_method)
        with self._cond:
            self.calls.append((method, params))
            self._cond.notify_all()
        if token != self.token:
            error = _ApiError(401, "Unauthorized")
        elif key not in self._methods:
            error = _ApiError(404, "Not Found")
        else:
            error = None
        if error is not None:
            self._record(method, params, error)
            self._respond(handler, error.code, self._error_payload(error))
            return

        fault = self._pick_fault(method)
        if fault is not None:
            with self._cond:
                self.faults.append((method, params, fault))
                self._cond.notify_all()
            if fault == "429":
                retry = self._fault_retry_after
                self._respond(handler, 429, {"ok": False, "error_code": 429,
                                             "description": f"Too Many Requests: retry after {retry}",
                                             "parameters": {"retry_after": retry}})
            elif fault == "500":
                self._respond(handler, 500, {"ok": False, "error_code": 500,
                                             "description": "Internal Server Error"})
            else:
                if fault == "timeout":
                    self._stop_event.wait(self._fault_timeout_seconds)
                handler.close_connection = True
                try:
                    handler.connection.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
            return

        try:
            with self._cond:
                result = self._methods[key](params)
                self._cond.notify_all()
        except _ApiError as exc:
            self._record(method, params, exc)
            self._respond(handler, exc.code, self._error_payload(exc))
            return
        except Exception as exc:  # a bug in the fake or a grossly malformed parameter
            error = _bad(f"{type(exc).__name__}: {exc}")
            self._record(method, params, error)
            self._respond(handler, 400, self._error_payload(error))
            return
        payload: dict[str, Any] = {"ok": True, "result": result}
        if isinstance(result, tuple):  # (result, description)
            payload = {"ok": True, "result": result[0], "description": result[1]}
        self._respond(handler, 200, payload)

    def _record(self, method: str, params: dict, error: _ApiError) -> None:
        if error.invalid:
            with self._cond:
                self.errors.append((method, params, error.description))
                self._cond.notify_all()

    def _serve_file(self, handler: BaseHTTPRequestHandler, token: str, file_path: str) -> None:
        if token != self.token:
            self._respond(handler, 401, {"ok": False, "error_code": 401, "description": "Unauthorized"})
            return
        with self._lock:
            info = self._files_by_path.get(file_path)
        if info is None or info["bytes"] is None:
            self._respond(handler, 404, {"ok": False, "error_code": 404, "description": "Not Found"})
            return
        self._respond(handler, 200, info["bytes"], info["mime_type"] or "application/octet-stream")

    # ---------------------------------------------------------------- helpers for methods

    def _bot_user(self) -> dict:
        return {"id": self.bot_id, "is_bot": True, "first_name": self.bot_first_name,
                "username": self.bot_username}

    def _chat_for(self, params: dict, *, create: bool = True) -> dict:
        chat_id = params.get("chat_id")
        if chat_id is None or chat_id == "":
            raise _bad("chat_id is empty")
        if isinstance(chat_id, str):
            if chat_id.startswith("@"):
                for chat in self._chats.values():
                    if chat.get("username", "").lower() == chat_id[1:].lower():
                        return chat
                raise _bad("chat not found")
            try:
                chat_id = int(chat_id)
            except ValueError:
                raise _bad("chat not found") from None
        if not isinstance(chat_id, int) or isinstance(chat_id, bool):
            raise _bad("chat not found")
        chat = self._chats.get(chat_id)
        if chat is None:
            if self.require_known_chats or not create or chat_id == 0:
                raise _bad("chat not found")
            user = self._users.get(chat_id)
            chat = self._ensure_chat(chat_id, "private" if chat_id > 0 else "group", user)
        return chat

    def _check_blocked(self, chat_id: int) -> None:
        if chat_id in self._blocked:
            raise _ApiError(403, "Forbidden: bot was blocked by the user")

    def _format(self, text: Any, parse_mode: Any, entities: Any, *, caption: bool = False) -> tuple[str, list[dict]]:
        text = "" if text is None else str(text)
        if entities not in (None, ""):  # explicit entities win over parse_mode
            if not isinstance(entities, list):
                raise _bad("can't parse entities JSON object")
            plain, ents = text, [dict(e) for e in entities]
            for e in ents:
                if not isinstance(e, dict) or "type" not in e:
                    raise _bad("can't parse entities JSON object")
        else:
            if parse_mode not in (None, "") and str(parse_mode).lower() not in ("html", "markdown", "markdownv2"):
                raise _bad("unsupported parse_mode")
            try:
                plain, ents = _parse_formatted(text, parse_mode, self.strict_html_entities)
            except TelegramParseError as exc:
                raise _bad(f"can't parse entities: {exc}") from None
        plain, ents = _trim(plain, ents)
        if caption:
            if utf16_len(plain) > MAX_CAPTION_LENGTH:
                raise _bad("message caption is too long")
        else:
            if not plain:
                raise _bad("message text is empty")
            if utf16_len(plain) > MAX_MESSAGE_LENGTH:
                raise _bad("message is too long")
        return plain, ents

    def _markup(self, value: Any, *, inline_only: bool = False) -> dict | None:
        if value is None or value == "":
            return None
        if not isinstance(value, dict):
            raise _bad("can't parse reply keyboard markup JSON object")
        if "inline_keyboard" in value:
            rows = value["inline_keyboard"]
            if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
                raise _bad("can't parse inline keyboard button: InlineKeyboardButton must be an Object")
            if sum(len(row) for row in rows) > 100:
                raise _bad("reply markup is too long")
            actions = ("url", "callback_data", "web_app", "login_url", "switch_inline_query",
                       "switch_inline_query_current_chat", "switch_inline_query_chosen_chat",
                       "copy_text", "callback_game", "pay")
            for row in rows:
                for button in row:
                    if not isinstance(button, dict):
                        raise _bad("can't parse inline keyboard button: InlineKeyboardButton must be an Object")
                    if not isinstance(button.get("text"), str):
                        raise _bad("can't parse inline keyboard button: Field \"text\" must be of type String")
                    if not any(k in button for k in actions):
                        raise _bad("can't parse inline keyboard button: Text buttons are unallowed in the "
                                   "inline keyboard")
                    if "callback_data" in button:
                        data = button["callback_data"]
                        if not isinstance(data, str) or not 1 <= len(data.encode("utf-8")) <= MAX_CALLBACK_DATA_BYTES:
                            raise _bad("BUTTON_DATA_INVALID")
                    if "url" in button:
                        url = button["url"]
                        if not isinstance(url, str) or not url.strip() or any(ch.isspace() for ch in url):
                            raise _bad("BUTTON_URL_INVALID")
            return value
        if inline_only:
            raise _bad("inline keyboard expected")
        if "keyboard" in value:
            rows = value["keyboard"]
            if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
                raise _bad("can't parse reply keyboard markup JSON object")
            for row in rows:
                for button in row:
                    text = button if isinstance(button, str) else button.get("text") if isinstance(button, dict) else None
                    if not isinstance(text, str):
                        raise _bad("can't parse keyboard button: Field \"text\" must be of type String")
            return value
        if value.get("remove_keyboard") is True or value.get("force_reply") is True:
            return value
        raise _bad("can't parse reply keyboard markup JSON object")

    def _message_json(self, rec: dict, with_reply: bool = True) -> dict:
        if not rec["from_bot"]:
            return copy.deepcopy(rec["json"])
        chat = self._chats[rec["chat_id"]]
        m: dict[str, Any] = {"message_id": rec["message_id"], "from": self._bot_user(), "chat": dict(chat),
                             "date": rec["date"]}
        if rec["edit_date"]:
            m["edit_date"] = rec["edit_date"]
        if with_reply and rec.get("reply_to_message_id"):
            replied = self._messages.get(rec["chat_id"], {}).get(rec["reply_to_message_id"])
            if replied and not replied["deleted"]:
                m["reply_to_message"] = self._message_json(replied, with_reply=False)
        if rec["kind"] == "text":
            m["text"] = rec["plain_text"]
            if rec["entities"]:
                m["entities"] = copy.deepcopy(rec["entities"])
        else:
            f = rec[rec["kind"]]
            if rec["kind"] == "document":
                m["document"] = {"file_id": f["file_id"], "file_unique_id": f["file_unique_id"],
                                 "file_name": f["filename"], "mime_type": f["mime_type"],
                                 "file_size": len(f["bytes"] or b"")}
            else:
                m["photo"] = copy.deepcopy(f["sizes"])
            if rec.get("caption_plain"):
                m["caption"] = rec["caption_plain"]
                if rec["caption_entities"]:
                    m["caption_entities"] = copy.deepcopy(rec["caption_entities"])
        markup = rec["reply_markup"]
        if markup and "inline_keyboard" in markup:
            m["reply_markup"] = copy.deepcopy(markup)
        return m

    def _store_file(self, data: bytes | None, filename: str, mime_type: str | None, kind: str) -> dict:
        n = next(self._counter)
        prefix = {"photo": "AgACAgUAAxkBAAI", "document": "BQACAgUAAxkBAAI"}.get(kind, "CQACAgUAAxkBAAI")
        file_id = f"{prefix}{n:06d}{self.bot_id}"
        folder = {"photo": "photos", "document": "documents"}.get(kind, kind + "s")
        ext = ""
        if "." in filename:
            ext = "." + filename.rsplit(".", 1)[1]
        elif kind == "photo":
            ext = ".jpg"
        info = {"file_id": file_id, "file_unique_id": f"AQAD{n:08d}", "filename": filename,
                "mime_type": mime_type, "bytes": data, "file_path": f"{folder}/file_{n}{ext}"}
        self._files[file_id] = info
        self._files_by_path[info["file_path"]] = info
        return info

    def _input_file(self, params: dict, name: str, kind: str) -> dict:
        value = params.get(name)
        if isinstance(value, dict) and "bytes" in value:
            data = value["bytes"]
            if not data:
                raise _bad("file must be non-empty")
            if len(data) > 50 * 1024 * 1024:
                raise _ApiError(413, "Request Entity Too Large")
            filename = params.get("filename") if isinstance(params.get("filename"), str) else value["filename"]
            return self._store_file(data, filename or name, value.get("mime_type"), kind)
        if isinstance(value, str) and value:
            if value in self._files:
                return self._files[value]
            if re.match(r"https?://", value):
                filename = urllib.parse.urlsplit(value).path.rsplit("/", 1)[-1] or name
                info = self._store_file(None, filename, None, kind)
                info["url"] = value
                return info
        raise _bad("wrong file identifier/HTTP URL specified")

    def _reply_to(self, params: dict, chat_id: int) -> int | None:
        reply = params.get("reply_parameters")
        message_id = params.get("reply_to_message_id")
        allow = bool(params.get("allow_sending_without_reply"))
        if isinstance(reply, dict):
            message_id = reply.get("message_id")
            allow = bool(reply.get("allow_sending_without_reply", allow))
            if reply.get("chat_id") not in (None, chat_id):
                return None
        if message_id is None:
            return None
        target = self._messages.get(chat_id, {}).get(message_id)
        if target is None or target["deleted"]:
            if allow:
                return None
            raise _bad("message to be replied not found")
        return int(message_id)

    def _new_bot_message(self, chat_id: int, method: str, **fields: Any) -> dict:
        message_id = self._new_message_id(chat_id)
        rec = {"message_id": message_id, "chat_id": chat_id, "from_bot": True, "deleted": False,
               "method": method, "date": int(time.time()), "edit_date": None, "edits": 0,
               "text": None, "plain_text": None, "entities": [], "parse_mode": None,
               "reply_markup": None, "kind": "text", "caption": None, "caption_plain": None,
               "caption_entities": []}
        rec.update(fields)
        self._messages.setdefault(chat_id, {})[message_id] = rec
        return rec

    def _find_message(self, params: dict, missing: str) -> dict:
        if params.get("inline_message_id"):
            raise _bad("MESSAGE_ID_INVALID")
        chat = self._chat_for(params, create=False)
        message_id = params.get("message_id")
        if message_id is None:
            raise _bad("message identifier is not specified")
        rec = self._messages.get(chat["id"], {}).get(message_id) if isinstance(message_id, int) else None
        if rec is None or rec["deleted"]:
            raise _bad(missing)
        return rec

    @staticmethod
    def _scope_key(scope: Any, language_code: Any) -> tuple[str, str]:
        scope = scope if isinstance(scope, dict) else {"type": "default"}
        return json.dumps(scope, sort_keys=True), language_code or ""

    def _scope_and_language(self, params: dict) -> tuple[str, str]:
        scope = params.get("scope")
        if scope is not None:
            if not isinstance(scope, dict) or scope.get("type") not in _COMMAND_SCOPES:
                raise _bad("can't parse BotCommandScope JSON object")
            if scope["type"] in ("chat", "chat_administrators", "chat_member"):
                self._chat_for(scope, create=False)
        language = params.get("language_code") or ""
        if language and not re.fullmatch(r"[a-z]{2}", str(language)):
            raise _bad("invalid language code specified")
        return self._scope_key(scope, language)

    # ---------------------------------------------------------------- Bot API methods

    def _apiGetMe(self, params: dict) -> dict:
        return {**self._bot_user(), "can_join_groups": True, "can_read_all_group_messages": False,
                "supports_inline_queries": False, "can_connect_to_business": False,
                "has_main_web_app": False}

    def _apiGetUpdates(self, params: dict) -> list[dict]:
        if self._webhook is not None:
            raise _ApiError(409, "Conflict: can't use getUpdates method while webhook is active; use "
                                 "deleteWebhook to delete the webhook first")
        self._poll_generation += 1
        generation = self._poll_generation
        self._poll_end_reason = "Conflict: terminated by other getUpdates request; make sure that only " \
                                "one bot instance is running"
        self._cond.notify_all()
        offset = params.get("offset")
        if isinstance(offset, int) and not isinstance(offset, bool):
            if offset < 0:
                del self._updates[:max(len(self._updates) + offset, 0)]
            elif offset > 0:
                self._updates[:] = [u for u in self._updates if u["update_id"] >= offset]
        allowed = params.get("allowed_updates")
        if isinstance(allowed, list):
            self._allowed_updates = [str(a) for a in allowed] or None
        limit = params.get("limit", 100)
        limit = min(max(int(limit), 1), 100) if isinstance(limit, (int, float)) else 100
        timeout = params.get("timeout", 0)
        timeout = max(float(timeout), 0.0) if isinstance(timeout, (int, float)) else 0.0
        deadline = time.monotonic() + timeout
        while True:
            if self._stop_event.is_set():
                return []
            if self._poll_generation != generation:
                raise _ApiError(409, self._poll_end_reason, invalid=False)
            if self._updates:
                return copy.deepcopy(self._updates[:limit])
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return []
            self._cond.wait(min(remaining, 0.5))

    def _apiSendMessage(self, params: dict) -> dict:
        plain, entities = self._format(params.get("text"), params.get("parse_mode"), params.get("entities"))
        markup = self._markup(params.get("reply_markup"))
        chat = self._chat_for(params)
        self._check_blocked(chat["id"])
        reply_to = self._reply_to(params, chat["id"])
        rec = self._new_bot_message(chat["id"], "sendMessage", text=params.get("text"), plain_text=plain,
                                    entities=entities, parse_mode=params.get("parse_mode"),
                                    reply_markup=markup, reply_to_message_id=reply_to)
        return self._message_json(rec)

    def _send_file(self, params: dict, kind: str, method: str) -> dict:
        caption = params.get("caption")
        caption_plain, caption_entities = self._format(caption, params.get("parse_mode"),
                                                       params.get("caption_entities"), caption=True)
        markup = self._markup(params.get("reply_markup"))
        chat = self._chat_for(params)
        info = self._input_file(params, kind, kind)
        if kind == "photo":
            if info.get("bytes") is not None:
                size = _image_size(info["bytes"])
                if size is None:
                    raise _bad("IMAGE_PROCESS_FAILED")
                width, height = size
                if width + height > 10000 or max(width, height) > 20 * max(min(width, height), 1):
                    raise _bad("PHOTO_INVALID_DIMENSIONS")
            else:
                width, height = 800, 600
            sizes = []
            for limit in (90, 320, 800, 1280, 2560):
                scale = min(1.0, limit / max(width, height, 1))
                sizes.append({"file_id": f"{info['file_id']}_{limit}", "file_unique_id": f"{info['file_unique_id']}{limit}",
                              "width": max(1, round(width * scale)), "height": max(1, round(height * scale)),
                              "file_size": len(info["bytes"] or b"")})
                if scale >= 1.0:
                    break
            sizes[-1]["file_id"] = info["file_id"]
            info["sizes"] = sizes
        self._check_blocked(chat["id"])
        reply_to = self._reply_to(params, chat["id"])
        rec = self._new_bot_message(chat["id"], method, kind=kind, caption=caption, caption_plain=caption_plain,
                                    caption_entities=caption_entities, parse_mode=params.get("parse_mode"),
                                    reply_markup=markup, reply_to_message_id=reply_to, **{kind: info})
        return self._message_json(rec)

    def _apiSendDocument(self, params: dict) -> dict:
        return self._send_file(params, "document", "sendDocument")

    def _apiSendPhoto(self, params: dict) -> dict:
        return self._send_file(params, "photo", "sendPhoto")

    def _apiEditMessageText(self, params: dict) -> dict:
        rec = self._editable(params)
        if rec["kind"] != "text":
            raise _bad("there is no text in the message to edit")
        plain, entities = self._format(params.get("text"), params.get("parse_mode"), params.get("entities"))
        markup = self._markup(params.get("reply_markup"), inline_only=True)
        current = self._inline_markup(rec)
        if plain == rec["plain_text"] and entities == rec["entities"] and markup == current:
            raise _bad(_NOT_MODIFIED)
        self._check_blocked(rec["chat_id"])
        rec.update(text=params.get("text"), plain_text=plain, entities=entities,
                   parse_mode=params.get("parse_mode"), reply_markup=markup, edit_date=int(time.time()))
        rec["edits"] += 1
        return self._message_json(rec)

    def _editable(self, params: dict) -> dict:
        """The bot message an edit method targets; Telegram refuses to edit other users' messages."""
        rec = self._find_message(params, "message to edit not found")
        if not rec["from_bot"]:
            raise _bad("message can't be edited")
        return rec

    @staticmethod
    def _inline_markup(rec: dict) -> dict | None:
        markup = rec["reply_markup"]
        return markup if markup and "inline_keyboard" in markup else None

    def _apiEditMessageCaption(self, params: dict) -> dict:
        rec = self._editable(params)
        if rec["kind"] == "text":
            raise _bad("there is no caption in the message to edit")
        plain, entities = self._format(params.get("caption"), params.get("parse_mode"),
                                       params.get("caption_entities"), caption=True)
        markup = self._markup(params.get("reply_markup"), inline_only=True)
        current = self._inline_markup(rec)
        if plain == (rec["caption_plain"] or "") and entities == rec["caption_entities"] and markup == current:
            raise _bad(_NOT_MODIFIED)
        self._check_blocked(rec["chat_id"])
        rec.update(caption=params.get("caption"), caption_plain=plain, caption_entities=entities,
                   parse_mode=params.get("parse_mode"), reply_markup=markup, edit_date=int(time.time()))
        rec["edits"] += 1
        return self._message_json(rec)

    def _apiEditMessageReplyMarkup(self, params: dict) -> dict:
        rec = self._editable(params)
        markup = self._markup(params.get("reply_markup"), inline_only=True)
        current = self._inline_markup(rec)
        if markup == current:
            raise _bad(_NOT_MODIFIED)
        self._check_blocked(rec["chat_id"])
        rec.update(reply_markup=markup, edit_date=int(time.time()))
        rec["edits"] += 1
        return self._message_json(rec)

    def _apiDeleteMessage(self, params: dict) -> bool:
        rec = self._find_message(params, "message to delete not found")
        rec["deleted"] = True
        return True

    def _apiAnswerCallbackQuery(self, params: dict) -> bool:
        query_id = str(params.get("callback_query_id") or "")
        query = self._callback_queries.get(query_id)
        if query is None or query["answered"]:
            raise _bad(_QUERY_TOO_OLD)
        text = params.get("text")
        if text is not None and len(str(text)) > 200:
            raise _bad("MESSAGE_TOO_LONG")
        query["answered"] = True
        self.answered_callbacks.append(query_id)
        self.callback_answers[query_id] = dict(params)
        return True

    def _apiAnswerInlineQuery(self, params: dict) -> bool:
        query_id = str(params.get("inline_query_id") or "")
        query = self._inline_queries.get(query_id)
        if query is None or query["answered"]:
            raise _bad(_QUERY_TOO_OLD)
        results = params.get("results")
        if not isinstance(results, list):
            raise _bad("can't parse JSON encoded inline query results")
        if len(results) > 50:
            raise _bad("RESULTS_TOO_MUCH")
        ids = [r.get("id") for r in results if isinstance(r, dict)]
        if len(ids) != len(results) or any(not isinstance(i, str) or not 1 <= len(i.encode()) <= 64 for i in ids):
            raise _bad("RESULT_ID_INVALID")
        if len(set(ids)) != len(ids):
            raise _bad("RESULT_ID_DUPLICATE")
        query["answered"] = True
        self.inline_answers[query_id] = dict(params)
        return True

    def _apiSetMyCommands(self, params: dict) -> bool:
        commands = params.get("commands")
        if not isinstance(commands, list):
            raise _bad("can't parse commands JSON object")
        if len(commands) > 100:
            raise _bad("BOT_COMMANDS_TOO_MUCH")
        clean = []
        for command in commands:
            if not isinstance(command, dict):
                raise _bad("can't parse BotCommand JSON object")
            name, description = command.get("command"), command.get("description")
            if not isinstance(name, str) or not re.fullmatch(r"[a-z0-9_]{1,32}", name.lstrip("/")):
                raise _bad("BOT_COMMAND_INVALID")
            if not isinstance(description, str) or not 1 <= len(description.strip()) <= 256:
                raise _bad("BOT_COMMAND_DESCRIPTION_INVALID")
            clean.append({"command": name.lstrip("/"), "description": description})
        key = self._scope_and_language(params)
        if clean:
            self.my_commands[key] = clean
        else:
            self.my_commands.pop(key, None)
        return True

    def _apiGetMyCommands(self, params: dict) -> list[dict]:
        return copy.deepcopy(self.my_commands.get(self._scope_and_language(params), []))

    def _apiDeleteMyCommands(self, params: dict) -> bool:
        self.my_commands.pop(self._scope_and_language(params), None)
        return True

    def _apiSetWebhook(self, params: dict) -> tuple[bool, str]:
        url = params.get("url")
        if url in (None, ""):  # like Telegram: setWebhook without a URL removes the webhook
            return self._delete_webhook(params)
        if not isinstance(url, str) or not re.match(r"https?://[^/\s]+", url):
            raise _bad("bad webhook: An HTTPS URL must be provided for webhook")
        secret = params.get("secret_token")
        if secret not in (None, ""):
            if not isinstance(secret, str) or not re.fullmatch(r"[A-Za-z0-9_-]{1,256}", secret):
                raise _bad("secret token contains unallowed characters")
        if params.get("drop_pending_updates"):
            self._updates.clear()
        allowed = params.get("allowed_updates")
        if isinstance(allowed, list):
            self._allowed_updates = [str(a) for a in allowed] or None
        new = {"url": url, "secret_token": secret or None,
               "max_connections": int(params.get("max_connections") or 40),
               "ip_address": params.get("ip_address")}
        same = self._webhook is not None and self._webhook["url"] == url
        self._webhook = new
        self._webhook_attempts = 0
        self._webhook_next_try = 0.0
        self._poll_generation += 1
        self._poll_end_reason = "Conflict: terminated by setWebhook request"
        return True, "Webhook is already set" if same else "Webhook was set"

    def _delete_webhook(self, params: dict) -> tuple[bool, str]:
        if params.get("drop_pending_updates"):
            self._updates.clear()
        existed = self._webhook is not None
        self._webhook = None
        self._webhook_last_error = None
        return True, "Webhook was deleted" if existed else "Webhook is already deleted"

    def _apiDeleteWebhook(self, params: dict) -> tuple[bool, str]:
        return self._delete_webhook(params)

    def _apiGetWebhookInfo(self, params: dict) -> dict:
        info: dict[str, Any] = {"url": "", "has_custom_certificate": False,
                                "pending_update_count": len(self._updates)}
        if self._webhook is not None:
            info["url"] = self._webhook["url"]
            info["max_connections"] = self._webhook["max_connections"]
            if self._webhook.get("ip_address"):
                info["ip_address"] = self._webhook["ip_address"]
            if self._allowed_updates:
                info["allowed_updates"] = list(self._allowed_updates)
            if self._webhook_last_error:
                info["last_error_date"], info["last_error_message"] = self._webhook_last_error
        return info

    def _apiSendChatAction(self, params: dict) -> bool:
        chat = self._chat_for(params)
        action = params.get("action")
        if action not in _CHAT_ACTIONS:
            raise _bad("wrong parameter action in request")
        self._check_blocked(chat["id"])
        self.chat_actions.append((chat["id"], action))
        return True

    def _apiGetChat(self, params: dict) -> dict:
        chat = self._chat_for(params, create=False)
        return {**chat, "accent_color_id": 0, "max_reaction_count": 11,
                "accepted_gift_types": {"unlimited_gifts": False, "limited_gifts": False,
                                        "unique_gifts": False, "premium_subscription": False,
                                        "gifts_from_channels": False}}

    def _apiGetFile(self, params: dict) -> dict:
        file_id = params.get("file_id")
        info = self._files.get(file_id) if isinstance(file_id, str) else None
        if info is None:
            for stored in self._files.values():  # photo size ids
                for size in stored.get("sizes", []):
                    if size["file_id"] == file_id:
                        info = stored
        if info is None:
            raise _bad("invalid file_id")
        return {"file_id": file_id, "file_unique_id": info["file_unique_id"],
                "file_size": len(info["bytes"] or b""), "file_path": info["file_path"]}

    def _apiClose(self, params: dict) -> bool:
        return True

    def _apiLogOut(self, params: dict) -> bool:
        return True

    # ---------------------------------------------------------------- webhook delivery

    def _webhook_loop(self) -> None:
        while not self._stop_event.is_set():
            with self._cond:
                if self._webhook is None or not self._updates:
                    self._cond.wait(0.1)
                    continue
                delay = self._webhook_next_try - time.monotonic()
                if delay > 0:
                    self._cond.wait(min(delay, 0.1))
                    continue
                update = self._updates[0]
                url, secret = self._webhook["url"], self._webhook["secret_token"]
            status, error = self._post_json(url, update, secret, self.webhook_timeout)
            with self._cond:
                self.webhook_deliveries.append((update["update_id"], status if status else error))
                if self._updates and self._updates[0] is update:
                    if 200 <= status < 300:
                        self._updates.pop(0)
                        self._webhook_attempts = 0
                        self._webhook_last_error = None
                    else:
                        self._webhook_attempts += 1
                        message = f"Wrong response from the webhook: {status} {http.client.responses.get(status, '')}".rstrip() \
                            if status else error
                        self._webhook_last_error = (int(time.time()), message)
                        if self._webhook_attempts >= self.webhook_max_attempts:
                            self.webhook_failures.append(self._updates.pop(0))
                            self._webhook_attempts = 0
                            self._webhook_next_try = 0.0
                        else:
                            self._webhook_next_try = time.monotonic() + min(
                                self.webhook_retry_delay * 2 ** (self._webhook_attempts - 1), 2.0)
                self._cond.notify_all()

    @staticmethod
    def _post_json(url: str, update: dict, secret: str | None, timeout: float) -> tuple[int, str]:
        request = urllib.request.Request(url, data=json.dumps(update).encode("utf-8"), method="POST",
                                         headers={"Content-Type": "application/json"})
        if secret is not None:
            request.add_header("X-Telegram-Bot-Api-Secret-Token", secret)
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                response.read()
                return response.status, ""
        except urllib.error.HTTPError as exc:
            return exc.code, ""
        except (OSError, http.client.HTTPException) as exc:
            return 0, f"Connection failed: {exc}"

    def post_to_webhook(self, update: dict, secret: Any = _USE_REGISTERED_SECRET, url: str | None = None,
                        timeout: float = 5.0) -> int:
        """POST one update synchronously to the registered (or given) webhook; returns the HTTP status.

        `secret` defaults to the secret the bot registered; pass None to send no secret header.
        The update is not queued. Raises ConnectionError when the webhook cannot be reached.
        """
        with self._lock:
            registered = self._webhook
            if url is None:
                if registered is None:
                    raise RuntimeError("no webhook is set")
                url = registered["url"]
            if secret is _USE_REGISTERED_SECRET:
                secret = registered["secret_token"] if registered else None
            update = json.loads(json.dumps(update))
            if "update_id" not in update:
                update["update_id"] = self._next_update_id
                self._next_update_id += 1
        status, error = self._post_json(url, update, secret, timeout)
        if not status:
            raise ConnectionError(error)
        return status

    def __repr__(self) -> str:
        return f"<FakeBotAPI {self.url} calls={len(self.calls)} pending={len(self._updates)}>"
