"""TurnSlots: a worker runs a bounded number of turns at once; the rest wait, in order."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Iterator
from typing import Any

from assistant.api.turn_slots import TurnSlots
from assistant.config import ServerSettings, Settings


def _settings(**server: Any) -> Settings:
    return Settings(server=ServerSettings(**server), _env_file=None)  # type: ignore[call-arg]


def test_the_default_depends_on_the_engine_and_a_setting_overrides_it() -> None:
    assert _settings().server.turns_at_once("offline") == 2
    assert _settings().server.turns_at_once("openai:gpt-4.1-mini") == 32
    assert _settings(turn_concurrency=5).server.turns_at_once("offline") == 5


def test_no_more_than_size_turns_run_at_once_and_the_rest_start_in_order() -> None:
    running, most, started = 0, 0, []
    guard = threading.Lock()

    def turn(n: int) -> int:
        nonlocal running, most
        with guard:
            running += 1
            most = max(most, running)
            started.append(n)
        time.sleep(0.05)
        with guard:
            running -= 1
        return n

    async def main() -> list[int]:
        slots = TurnSlots(2)
        tasks = []
        for n in range(6):
            tasks.append(asyncio.create_task(slots.run(turn, n)))
            await asyncio.sleep(0.005)  # arrive one after another
        return list(await asyncio.gather(*tasks))

    assert asyncio.run(main()) == list(range(6))
    assert most == 2
    assert started[2:] == [2, 3, 4, 5]  # the waiting ones start in the order they came


def test_a_stream_holds_its_slot_to_the_last_item_and_an_unread_one_takes_none() -> None:
    def items() -> Iterator[str]:
        yield "token"
        yield "reply"

    async def main() -> None:
        slots = TurnSlots(1)
        unread = slots.stream(items())  # made, never read: holds nothing
        assert await asyncio.wait_for(slots.run(lambda: "free"), 5) == "free"
        stream = slots.stream(items())
        assert await anext(stream) == "token"
        blocked = asyncio.create_task(slots.run(lambda: "after"))
        await asyncio.sleep(0.1)
        assert not blocked.done()  # the stream still holds the only slot
        assert [item async for item in stream] == ["reply"]
        assert await asyncio.wait_for(blocked, 5) == "after"
        await unread.aclose()

    asyncio.run(main())
