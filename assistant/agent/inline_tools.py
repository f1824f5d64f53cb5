"""Tool calls on the calling thread when a run allows one task at a time.

LangGraph's `ToolNode` runs each step's tool calls on a thread pool it makes for that step
(`get_executor_for_config`), even a single call, and even when the run's config says
`max_concurrency=1`. On the offline engine, whose turns run on the API's worker threads, that
pool costs a thread start and join per tool step and two hand-offs of the interpreter lock,
each of which can wait behind another turn's thread (measured in process: 8 to 11% of a turn's
CPU time on 10,000 products).

`install()` wraps the function the tool node looks the pool up with: under `max_concurrency`
1 the calls run one after another on the calling thread, each in a copy of the current
context as the pool would run them; any other setting gets the pool as before. The runner
asks for `max_concurrency` 1 on the offline engine only (a hosted model's parallel calls keep
their threads). `tests/agent/test_inline_tools.py` fails if a LangGraph release moves this
seam, rather than letting the optimisation lapse quietly.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Executor
from contextlib import AbstractContextManager, contextmanager
from contextvars import copy_context
from typing import Any

from langchain_core.runnables import RunnableConfig
from langgraph.prebuilt import tool_node

ONE_AT_A_TIME: RunnableConfig = {"max_concurrency": 1}
ExecutorFor = Callable[[RunnableConfig | None], AbstractContextManager[Executor]]


class _InlineExecutor(Executor):
    """`map` runs each call now, in order, on this thread (in its own context copy)."""

    def map(self, fn: Callable[..., Any], *iterables: Iterable[Any], **_: Any) -> Iterator[Any]:
        return iter([copy_context().run(fn, *args) for args in zip(*iterables, strict=True)])


def _inline_when_one_at_a_time(original: ExecutorFor) -> ExecutorFor:
    @contextmanager
    def executor_for(config: RunnableConfig | None) -> Iterator[Executor]:
        if (config or {}).get("max_concurrency") == 1:
            yield _InlineExecutor()
            return
        with original(config) as executor:
            yield executor

    executor_for.inline_when_one_at_a_time = True  # type: ignore[attr-defined]
    return executor_for


def install() -> None:
    """Make tool nodes run calls inline under `max_concurrency` 1 (idempotent)."""
    current = tool_node.get_executor_for_config
    if not getattr(current, "inline_when_one_at_a_time", False):
        tool_node.get_executor_for_config = _inline_when_one_at_a_time(current)  # type: ignore[assignment]
