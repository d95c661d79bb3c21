"""Decoding the bot's HTTP requests: chunked bodies, url-encoded forms and multipart uploads into method parameters."""
from __future__ import annotations

import json
import re
import urllib.parse
from email.message import Message as _EmailMessage
from typing import Any

__all__ = ["decode_params", "read_body"]

# How python-telegram-bot 22.x encodes a request (telegram/request/_requestparameter.py,
# _requestdata.py and _httpxrequest.py): every call is a POST; with no file it is an
# application/x-www-form-urlencoded body, with a file it is multipart/form-data. String parameters
# are sent as they are (NOT JSON encoded: text "123" arrives as 123), every other value is
# json.dumps-ed (ints, bools as true/false, reply_markup/scope/results as JSON text). None values
# are dropped. An uploaded file (the bot's pictures and PDFs) is a multipart part named after the
# parameter, which is then absent from the form fields. Because strings are not quoted, the server
# cannot decode blindly: the free-text parameters of the methods the bot calls are kept as strings,
# every other value is JSON-decoded when it parses and kept as a string otherwise.

_STRING_PARAMS = frozenset("""
text caption parse_mode callback_query_id inline_query_id next_offset url secret_token ip_address
language_code
""".split())


def _decode_form_value(name: str, raw: str) -> Any:
    if name in _STRING_PARAMS:
        return raw
    try:
        return json.loads(raw)
    except ValueError:
        return raw


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



def read_body(headers, rfile) -> bytes:
    """The request body, by Content-Length or Transfer-Encoding: chunked."""
    if "chunked" in headers.get("Transfer-Encoding", "").lower():
        chunks = []
        while True:
            size_line = rfile.readline()
            size = int(size_line.split(b";")[0].strip() or b"0", 16)
            if size == 0:
                while rfile.readline() not in (b"\r\n", b"\n", b""):
                    pass
                break
            chunks.append(rfile.read(size))
            rfile.readline()
        return b"".join(chunks)
    length = int(headers.get("Content-Length") or 0)
    return rfile.read(length) if length else b""


def decode_params(content_type: str, body: bytes) -> dict[str, Any]:
    """Method parameters from a form or multipart body; an uploaded file becomes
    {"filename", "mime_type", "bytes"}. Raises ValueError for anything else (e.g. a JSON body)."""
    params: dict[str, Any] = {}
    if not body:
        return params
    ctype = content_type.split(";")[0].strip().lower()
    if ctype == "multipart/form-data":
        fields, files = _parse_multipart(body, content_type)
        for key, value in fields.items():
            params[key] = _decode_form_value(key, value)
        for key, value in files.items():
            params.setdefault(key, value)
    elif ctype in ("", "application/x-www-form-urlencoded"):
        for key, values in urllib.parse.parse_qs(body.decode("utf-8"), keep_blank_values=True).items():
            params[key] = _decode_form_value(key, values[-1])
    else:
        raise ValueError(f"unsupported Content-Type {ctype}")
    return params
