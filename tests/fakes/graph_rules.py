"""The WhatsApp Cloud API's rules for an outgoing message, as the fake Graph API enforces them (each broken rule named)."""
from __future__ import annotations

import re

HTML = re.compile(r"</?(b|i|u|s|a|code|pre|strong|em)\b[^<>]*>")


def problems(message: dict, media: set[str], templates: set[str]) -> list[str]:
    """What is wrong with a /messages payload; [] when WhatsApp would take it."""
    if message.get("messaging_product") != "whatsapp":
        return ["messaging_product must be whatsapp"]
    if not str(message.get("to", "")).isdigit():
        return ["to must be a wa_id"]
    kind = message.get("type")
    body = message.get(kind)
    if not isinstance(body, dict):
        return [f"no {kind} object"]
    check = {"text": _text, "interactive": _interactive, "image": _media, "document": _media,
             "template": _template}.get(kind)
    if check is None:
        return [f"type {kind} is not one the coach should send"]
    return check(body, media, templates)


def _formatted(text: str, limit: int, where: str) -> list[str]:
    found = []
    if not text.strip():
        found.append(f"{where} is empty")
    if len(text) > limit:
        found.append(f"{where} has {len(text)} characters (limit {limit})")
    if HTML.search(text):
        found.append(f"{where} contains HTML tags (WhatsApp uses *bold* and _italic_)")
    return found


def _text(body: dict, media, templates) -> list[str]:
    return _formatted(str(body.get("body", "")), 4096, "text.body")


def _interactive(body: dict, media, templates) -> list[str]:
    found = _formatted(str((body.get("body") or {}).get("text", "")), 1024, "interactive body")
    action = body.get("action") or {}
    if body.get("type") == "button":
        buttons = action.get("buttons") or []
        if not 1 <= len(buttons) <= 3:
            found.append(f"{len(buttons)} reply buttons (1 to 3)")
        replies = [b.get("reply") or {} for b in buttons]
        found += [f"button title {r.get('title')!r} longer than 20" for r in replies
                  if not 0 < len(r.get("title", "")) <= 20]
        ids = [r.get("id", "") for r in replies]
    elif body.get("type") == "list":
        if not 0 < len(action.get("button", "")) <= 20:
            found.append("list button label must be 1 to 20 characters")
        rows = [row for section in action.get("sections") or [] for row in section.get("rows") or []]
        if not 1 <= len(rows) <= 10:
            found.append(f"{len(rows)} list rows (1 to 10)")
        found += [f"row title {r.get('title')!r} longer than 24" for r in rows if not 0 < len(r.get("title", "")) <= 24]
        found += ["row description longer than 72" for r in rows if len(r.get("description", "")) > 72]
        ids = [r.get("id", "") for r in rows]
    else:
        return found + [f"interactive type {body.get('type')} is not button or list"]
    if len(set(ids)) != len(ids) or any(not i or len(i) > 256 for i in ids):
        found.append("choice ids must be unique, 1 to 256 characters")
    return found


def _media(body: dict, media: set[str], templates) -> list[str]:
    found = [] if body.get("id") in media else [f"media id {body.get('id')!r} was never uploaded"]
    if "caption" in body and len(body["caption"]) > 1024:
        found.append("caption longer than 1024")
    if "caption" in body and HTML.search(body["caption"]):
        found.append("caption contains HTML tags")
    return found


def _template(body: dict, media, templates: set[str]) -> list[str]:
    if body.get("name") not in templates:
        return [f"template {body.get('name')!r} is not approved"]
    return [] if (body.get("language") or {}).get("code") else ["template without a language"]
