"""The coach in a terminal: plain text, numbered choices; works the same with piped stdin."""
from __future__ import annotations

import sys
from pathlib import Path
from typing import TextIO

from .. import render
from ..conversation import Action
from ..service import CoachService, Outgoing

CONSOLE_OWNER = 0          # the terminal is one owner; Telegram user ids are never 0
EXIT_COMMANDS = {"/keluar", "/exit", "/quit"}


def _show(messages: list[Outgoing], output: TextIO, service: CoachService) -> list[tuple[str, str]]:
    """Print the replies; return the buttons of the last one, numbered from 1."""
    buttons: list[tuple[str, str]] = []
    for message in messages:
        if message.file:
            _save_file(service, message, output)
            continue
        output.write(render.to_plain(message.text).rstrip() + "\n")
        buttons = [b for row in message.buttons for b in row] or buttons
        for number, (label, _) in enumerate(b for row in message.buttons for b in row):
            output.write(f"  [{number + 1}] {label}\n")
        output.write("\n")
        service.storage.mark_sent(message.outbox_id)
    output.flush()
    return buttons


def _save_file(service: CoachService, message: Outgoing, output: TextIO) -> None:
    """Files (data export, plan picture and document) land in the working folder; say where."""
    made = service.file(CONSOLE_OWNER, message.file)
    if made is not None:
        path = Path.cwd() / made.filename
        path.write_bytes(made.data)
        output.write(render.to_plain(render.html_message("file_saved.j2", caption=made.caption,
                                                         path=str(path.resolve()))) + "\n\n")
    service.storage.mark_sent(message.outbox_id)


def action_for(line: str, buttons: list[tuple[str, str]]) -> Action:
    """A typed line as the core sees it: a number picks a button, /word is a command, else text."""
    text = line.strip()
    if text.isdigit() and 1 <= int(text) <= len(buttons):
        return Action("button", data=buttons[int(text) - 1][1])
    if text.startswith("/") and len(text) > 1:
        name, _, args = text[1:].partition(" ")
        return Action("command", name=name.split("@")[0], text=args)
    return Action("text", text=text)


def run(service: CoachService, input: TextIO = sys.stdin, output: TextIO = sys.stdout) -> int:
    interactive = input.isatty()
    output.write(render.to_plain(render.html_message("console_intro.j2")) + "\n\n")
    service.storage.drop_pending(CONSOLE_OWNER)   # a killed run's unshown replies: /start shows the step again
    buttons = _show(service.handle(CONSOLE_OWNER, CONSOLE_OWNER, Action("start")), output, service)
    if service.send_due_checkins(only=CONSOLE_OWNER):   # a check-in fell due since the last run
        buttons = _show(service.pending(CONSOLE_OWNER), output, service) or buttons
    while True:
        if interactive:
            output.write("> ")
            output.flush()
        line = input.readline()
        if not line:
            break
        if not interactive:
            output.write(f"> {line.rstrip()}\n")
        if line.strip().lower() in EXIT_COMMANDS:
            break
        if not line.strip():
            continue
        buttons = _show(service.handle(CONSOLE_OWNER, CONSOLE_OWNER, action_for(line, buttons)), output, service) \
            or buttons
    output.write(render.to_plain(render.html_message("console_bye.j2")) + "\n")
    return 0
