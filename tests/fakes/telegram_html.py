"""Telegram's HTML parse mode as the Bot API applies it (a port of tdlib's rules and error texts) and its text limits."""
from __future__ import annotations

import re

__all__ = ["TelegramParseError", "parse_html", "telegram_html_error", "trim", "utf16_len",
           "MAX_MESSAGE_LENGTH", "MAX_CAPTION_LENGTH", "MAX_CALLBACK_DATA_BYTES"]

# parse_html is a port of tdlib's parse_html (td/telegram/MessageEntity.cpp), which the Bot API
# server uses, error wording included. HTML is the only parse mode the bot uses.

MAX_MESSAGE_LENGTH = 4096
MAX_CAPTION_LENGTH = 1024
MAX_CALLBACK_DATA_BYTES = 64


class TelegramParseError(ValueError):
    """Raised by parse_html; str(exc) is tdlib's message (without "Bad Request: ...")."""


_TD_SPACE = frozenset(b" \t\r\n\x00\x0b\x0c")  # td::is_space, which includes the NUL terminator
_HTML_TAGS = frozenset(
    "a b strong i em s strike del u ins tg-spoiler tg-emoji span pre code blockquote".split()
)
_TYPE_PRIORITY = {  # tdlib's entity priorities for the types parse_html makes; any other is 50
    "bold": 90, "italic": 91, "code": 20, "pre": 11, "pre_code": 10, "text_link": 49, "text_mention": 49,
    "underline": 92, "strikethrough": 93, "blockquote": 0, "spoiler": 94, "custom_emoji": 99,
    "expandable_blockquote": 0,
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


_TRIM_CHARS = " \t\r\n\x0b\x0c"


def trim(text: str, entities: list[dict]) -> tuple[str, list[dict]]:
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


def telegram_html_error(text: str) -> str | None:
    """What Telegram says about `text` sent with parse_mode HTML, or None when it is accepted.

    Covers markup errors ("Bad Request: can't parse entities: ..."), empty text and the
    4096 UTF-16 code unit limit.
    """
    try:
        plain, entities = parse_html(text)
    except TelegramParseError as exc:
        return f"Bad Request: can't parse entities: {exc}"
    plain, _ = trim(plain, entities)
    if not plain:
        return "Bad Request: message text is empty"
    if utf16_len(plain) > MAX_MESSAGE_LENGTH:
        return "Bad Request: message is too long"
    return None

