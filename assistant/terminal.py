"""The terminal chat: a shopper's view of the assistant, rich or as JSON lines for scripts."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from typing import Any, TextIO

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from assistant.conversation import Concierge, new_conversation_id
from assistant.messages import Channel, InboundMessage, Reply


def reply_json(reply: Reply) -> dict[str, Any]:
    """The `--json` shape of one reply."""
    return {
        "text": reply.text,
        "products": [
            {
                "product_id": card.product_id,
                "variant_id": card.variant_id,
                "title": card.title,
                "price": f"{card.price:.2f}",
                "in_stock": card.in_stock,
            }
            for card in reply.products
        ],
        "quick_replies": [q.title for q in reply.quick_replies],
        "checkout_url": reply.checkout_url,
        "handoff": {"reason": reply.handoff.reason} if reply.handoff else None,
    }


def chat_json(concierge: Concierge, channel: Channel, lines: TextIO, out: TextIO) -> None:
    """One conversation: a shopper message per input line, a JSON object per reply."""
    conversation_id = new_conversation_id()
    for line in lines:
        if not line.strip():
            continue
        message = InboundMessage(
            channel=channel,
            sender="terminal",
            text=line.strip()[:4000],
            conversation_id=conversation_id,
        )
        out.write(json.dumps(reply_json(concierge.handle(message))) + "\n")
        out.flush()


class TerminalChat:
    """An interactive chat: product cards as a table, quick replies as numbered choices."""

    def __init__(self, concierge: Concierge, channel: Channel, console: Console) -> None:
        self._concierge = concierge
        self._channel = channel
        self._console = console
        self._conversation_id = new_conversation_id()
        self._choices: list[str] = []

    def run(self, lines: Iterator[str]) -> None:
        for line in lines:
            text = line.strip()
            if text.isdigit() and 0 < int(text) <= len(self._choices):
                text = self._choices[int(text) - 1]
            if text:
                self.say(text)

    def say(self, text: str) -> Reply:
        message = InboundMessage(
            channel=self._channel,
            sender="terminal",
            text=text[:4000],
            conversation_id=self._conversation_id,
        )
        reply = Reply(text="")
        self._console.print(f"[bold green]{escape(self._persona())}>[/] ", end="")
        streamed = False
        for item in self._concierge.stream(message):
            if isinstance(item, Reply):
                reply = item
            else:
                streamed = True
                self._console.print(escape(item), end="")
        if not streamed:
            self._console.print(
                escape(reply.text) if reply.text else "[dim](a teammate will reply here)[/]", end=""
            )
        self._console.print()
        self._show(reply)
        return reply

    def _persona(self) -> str:
        return self._concierge.persona

    def _show(self, reply: Reply) -> None:
        if reply.products:
            table = Table(show_header=True, header_style="bold", box=None, padding=(0, 2))
            for column in ("#", "product", "price", "stock", "id"):
                table.add_column(column)
            for n, card in enumerate(reply.products, 1):
                stock = "[green]in stock[/]" if card.in_stock else "[red]sold out[/]"
                table.add_row(
                    str(n),
                    escape(card.title),
                    f"${card.price:.2f}",
                    stock,
                    escape(card.variant_id or card.product_id),
                )
            self._console.print(table)
        if reply.checkout_url:
            self._console.print(f"[bold]Checkout:[/] {escape(reply.checkout_url)}")
        self._choices = [q.payload for q in reply.quick_replies]
        if self._choices:
            chips = "  ".join(
                f"[cyan]{n}[/]) {escape(q.title)}" for n, q in enumerate(reply.quick_replies, 1)
            )
            self._console.print(chips)
        if reply.handoff:
            self._console.print(f"[yellow]handed to a person[/] ({escape(reply.handoff.reason)})")


def prompt_lines(console: Console) -> Iterator[str]:
    """Lines the shopper types (a prompt when interactive; plain lines from a pipe)."""
    interactive = sys.stdin.isatty()
    while True:
        try:
            line = console.input("[bold cyan]you>[/] ") if interactive else sys.stdin.readline()
        except (EOFError, KeyboardInterrupt):
            return
        if not interactive and not line:
            return
        if not interactive:
            console.print(f"[bold cyan]you>[/] {escape(line.strip())}")
        yield line
