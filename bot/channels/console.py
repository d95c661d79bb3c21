"""The coach in a terminal, a channel like any other: plain text, numbered choices; piped stdin works the same."""
from __future__ import annotations

import asyncio
import sys
from pathlib import Path
from typing import Sequence, TextIO

from ..app.service import CoachService, DatabaseLost, StorageUnavailable
from ..core.model import Action, Button, Command, Press, Start, Text
from ..text.render import rich_text, to_plain
from .base import TELEGRAM_OWNERS, Incoming, Limits, Message, OutFile, Sent

CONSOLE_OWNER = 0          # the terminal is one owner; Telegram user ids are never 0


class ConsoleChannel:
    name = "console"
    limits = Limits(text=1_000_000, buttons_per_message=None, button_label=None, button_data=None, edits=False)
    owners = TELEGRAM_OWNERS   # the terminal's one owner, 0, lies in Telegram's block

    def checkin_nudge(self) -> None:
        return None

    def __init__(self, output: TextIO):
        self.output = output
        self.buttons: list[tuple[str, str]] = []   # the last shown buttons, numbered from 1

    def format(self, text: str, buttons: Sequence[Sequence[Button]], replace: bool,
               source_message_id: int | None) -> list[Message]:
        rows = tuple(tuple((b.label, b.data) for b in row) for row in buttons)
        return [Message(to_plain(text), rows)]

    async def send(self, chat_id: int, message: Message, file: OutFile | None = None) -> Sent:
        out = self.output
        if file is not None:   # files (data export, plan picture and document) land in the working folder
            path = Path.cwd() / file.filename
            path.write_bytes(file.data)
            out.write(to_plain(rich_text("file_saved.j2", caption=file.caption, path=str(path.resolve()))) + "\n\n")
        elif not message.file:
            out.write(message.text.rstrip() + "\n")
            shown = [b for row in message.buttons for b in row]
            self.buttons = shown or self.buttons
            for number, (label, _) in enumerate(shown, 1):
                out.write(f"  [{number}] {label}\n")
            out.write("\n")
        out.flush()
        return Sent()

    def to_action(self, line: str) -> Action:
        """A typed line as the core sees it: a number picks a button, /word is a command, else text."""
        text = line.strip()
        if text.isdigit() and 1 <= int(text) <= len(self.buttons):
            return Press(data=self.buttons[int(text) - 1][1])
        if text.startswith("/") and len(text) > 1:
            name, _, args = text[1:].partition(" ")
            return Command(name=name.split("@")[0], args=args)
        return Text(text=text)


def run(service: CoachService, input: TextIO = sys.stdin, output: TextIO = sys.stdout) -> int:
    return asyncio.run(_chat(service, ConsoleChannel(output), input))


async def _chat(service: CoachService, channel: ConsoleChannel, input: TextIO) -> int:
    output = channel.output
    interactive = input.isatty()

    async def say(action: Action) -> None:
        try:
            service.handle(channel, Incoming(CONSOLE_OWNER, CONSOLE_OWNER, action))
        except DatabaseLost:
            raise
        except StorageUnavailable:   # nothing was saved: the owner types it again
            output.write(to_plain(rich_text("storage_trouble.j2", comes_back=False)) + "\n\n")
            return
        await service.deliver(channel, CONSOLE_OWNER)

    output.write(to_plain(rich_text("console_intro.j2")) + "\n\n")
    service.outbox.drop(CONSOLE_OWNER)   # a killed run's unshown replies: /start shows the step again
    await say(Start())
    if service.send_due_checkins(channel, only=CONSOLE_OWNER):   # a check-in fell due since the last run
        await service.deliver(channel, CONSOLE_OWNER)
    exits = service.coach.flow.exit_commands
    while True:
        if interactive:
            output.write("> ")
            output.flush()
        line = input.readline()
        if not line:
            break
        if not interactive:
            output.write(f"> {line.rstrip()}\n")
        if line.strip().lower() in exits:
            break
        if line.strip():
            try:
                await say(channel.to_action(line))
            except DatabaseLost:   # the service logged what happened and where the last state went
                return 1
    output.write(to_plain(rich_text("console_bye.j2")) + "\n")
    return 0
