"""The fake OpenAI server's chat endpoint, seen through the real `openai` client."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import openai
import pytest
from openai.types.chat import (
    ChatCompletionMessageFunctionToolCall,
    ChatCompletionMessageParam,
    ChatCompletionMessageToolCallParam,
)

from assistant.testing.openai_server import (
    Completion,
    FakeOpenAI,
    call,
    messages,
    serve,
    text,
    tool_calls,
    tool_results,
)

HELLO: list[ChatCompletionMessageParam] = [{"role": "user", "content": "hello"}]


@pytest.fixture
def fake() -> FakeOpenAI:
    return FakeOpenAI(retry_after_s=0.001)


@pytest.fixture
def client(fake: FakeOpenAI) -> Iterator[openai.OpenAI]:
    with serve(fake) as base_url:
        yield openai.OpenAI(base_url=base_url, api_key="sk-test", max_retries=0, timeout=0.5)


def test_a_plain_completion_carries_text_or_tool_calls(
    client: openai.OpenAI, fake: FakeOpenAI
) -> None:
    pair = tool_calls(call("search_products", {"query": "tent"}), call("compare", "{broken"))
    fake.script([text("Hi there!"), pair])

    hello = client.chat.completions.create(model="m", messages=HELLO)
    tools = client.chat.completions.create(model="m", messages=HELLO)

    assert hello.choices[0].message.content == "Hi there!"
    assert hello.choices[0].finish_reason == "stop" and hello.model == "m"
    made = [
        c
        for c in tools.choices[0].message.tool_calls or []
        if isinstance(c, ChatCompletionMessageFunctionToolCall)
    ]
    assert [(c.function.name, c.function.arguments) for c in made] == [
        ("search_products", '{"query": "tent"}'),
        ("compare", "{broken"),  # sent verbatim: malformed on purpose
    ]
    assert len({c.id for c in made}) == 2 and tools.choices[0].finish_reason == "tool_calls"
    assert fake.chat_requests[0]["messages"] == HELLO and fake.pending == 0


def test_a_streamed_answer_comes_in_chunks_that_rebuild_it(
    client: openai.OpenAI, fake: FakeOpenAI
) -> None:
    words = "Our Ridgeline 3L shell is light, packable and fully seam-taped."
    fake.script([Completion(content=words, tool_calls=(call("get_product", {"product_id": "x"}),))])

    stream = client.chat.completions.create(
        model="m",
        messages=HELLO,
        stream=True,
        stream_options={"include_usage": True},
    )
    chunks = list(stream)

    pieces = [
        c.choices[0].delta.content for c in chunks if c.choices and c.choices[0].delta.content
    ]
    assert len(pieces) > 3 and "".join(pieces) == words
    deltas = [d for c in chunks if c.choices for d in c.choices[0].delta.tool_calls or []]
    assert deltas[0].id and deltas[0].function and deltas[0].function.name == "get_product"
    arguments = "".join(d.function.arguments or "" for d in deltas if d.function)
    assert json.loads(arguments) == {"product_id": "x"} and len(deltas) > 2
    assert chunks[-2].choices[0].finish_reason == "tool_calls"
    assert chunks[-1].choices == [] and chunks[-1].usage is not None


def test_a_scripted_function_reads_the_request(client: openai.OpenAI, fake: FakeOpenAI) -> None:
    def echo(request: dict[str, Any]) -> Completion:
        return text(f"{len(tool_results(request))} result(s): {tool_results(request)[0]['n']}")

    fake.script([echo])
    asked: ChatCompletionMessageToolCallParam = {
        "id": "call_1",
        "type": "function",
        "function": {"name": "count", "arguments": "{}"},
    }
    sent: list[ChatCompletionMessageParam] = [
        *HELLO,
        {"role": "assistant", "tool_calls": [asked]},
        {"role": "tool", "tool_call_id": "call_1", "content": '{"n": 7}'},
    ]
    answer = client.chat.completions.create(model="m", messages=sent)

    assert answer.choices[0].message.content == "1 result(s): 7"
    assert messages(fake.chat_requests[0], "tool")[0]["tool_call_id"] == "call_1"


def test_an_empty_script_is_a_clear_client_error(client: openai.OpenAI) -> None:
    with pytest.raises(openai.BadRequestError, match="no scripted answer left"):
        client.chat.completions.create(model="m", messages=HELLO)


@pytest.mark.parametrize(
    ("status", "error"), [(500, openai.InternalServerError), (429, openai.RateLimitError)]
)
def test_failures_apply_to_chat_and_say_when_to_retry(
    client: openai.OpenAI, fake: FakeOpenAI, status: int, error: type[openai.APIStatusError]
) -> None:
    fake.fail_next(status)
    fake.script([text("back")])
    with pytest.raises(error) as raised:
        client.chat.completions.create(model="m", messages=HELLO)
    assert raised.value.response.headers["retry-after-ms"] == "1"
    assert fake.pending == 1  # a failed request consumes no answer
    assert client.chat.completions.create(model="m", messages=HELLO).choices[0].message.content == (
        "back"
    )


def test_a_request_held_past_the_client_timeout_consumes_nothing(
    client: openai.OpenAI, fake: FakeOpenAI
) -> None:
    fake.delay_next(3.0)
    fake.script([text("on time")])
    started = time.monotonic()
    with pytest.raises(openai.APITimeoutError):
        client.chat.completions.create(model="m", messages=HELLO)
    assert time.monotonic() - started < 2.0
    assert fake.pending == 1
    answer = client.chat.completions.create(model="m", messages=HELLO)
    assert answer.choices[0].message.content == "on time" and len(fake.chat_requests) == 2


def test_a_dropped_stream_breaks_off_after_a_few_chunks(
    client: openai.OpenAI, fake: FakeOpenAI
) -> None:
    fake.script([text("one two three four five six seven eight")])
    fake.drop_next(after_chunks=3)
    received: list[str] = []
    with pytest.raises(openai.APIConnectionError):
        for chunk in client.chat.completions.create(model="m", messages=HELLO, stream=True):
            received.append(chunk.choices[0].delta.content or "")
    assert "".join(received) == "one two three four "  # the role chunk, then two of words
    assert fake.pending == 0
