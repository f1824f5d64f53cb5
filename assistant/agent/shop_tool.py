"""The shop's tools: LangChain structured tools whose calls skip run bookkeeping nobody hears.

`BaseTool.run` configures a callback manager, copies the input for `on_tool_start`, makes a
child config and context, and resolves the type hints of `_run` and of the function (looking
for a `RunnableConfig` parameter) on every call: about a tenth of an offline turn's CPU. When
nobody listens (the run's callback manager has no handler and the tool no callbacks of its
own) none of that is observable, so `ShopTool.invoke` validates the arguments as `run` does,
calls the function and formats its result with the same `_format_output`. With a handler (a
token stream, a tracer) the whole path runs, so every listener hears the tool as usual.
`tests/agent/test_shop_tool.py` checks that both paths give the same messages and errors, and
fails if a LangChain release moves the helpers used here.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from langchain_core.callbacks import BaseCallbackManager
from langchain_core.messages import ToolCall
from langchain_core.runnables import RunnableConfig
from langchain_core.tools import InjectedToolCallId, StructuredTool
from langchain_core.tools.base import (
    _format_output,
    _is_injected_arg_type,
    get_all_basemodel_annotations,
)
from pydantic import BaseModel

SYNTHETIC = frozenset({"args", "kwargs"})  # fields pydantic makes for *args and **kwargs


class ShopTool(StructuredTool):
    """A structured tool that runs unobserved calls without the callback machinery."""

    def invoke(
        self,
        input: str | dict[str, Any] | ToolCall,
        config: RunnableConfig | None = None,
        **kwargs: Any,
    ) -> Any:
        if kwargs or not self._unobserved(input, config):
            return super().invoke(input, config, **kwargs)
        assert isinstance(input, dict) and self.func is not None
        arguments = dict(input["args"])
        content = self.func(**self._validated(arguments))
        return _format_output(content, None, input["id"], self.name, "success")

    def _unobserved(self, input: Any, config: RunnableConfig | None) -> bool:
        """A model's tool call inside a run whose callback manager has no handler."""
        callbacks = (config or {}).get("callbacks")
        return (
            isinstance(input, dict)
            and input.get("type") == "tool_call"
            and isinstance(callbacks, BaseCallbackManager)
            and not callbacks.handlers
            and self._plain
        )

    @functools.cached_property
    def _plain(self) -> bool:
        """Nothing of this tool's own asks for the full path: callbacks, verbose output, an
        injected call id, a content-and-artifact result, a coroutine-only or schema-less tool."""
        schema = self.args_schema
        return (
            self.callbacks is None
            and not self.verbose
            and self.func is not None
            and self.response_format == "content"
            and isinstance(schema, type)
            and issubclass(schema, BaseModel)
            and bool(schema.model_fields)
            and not any(
                _is_injected_arg_type(annotation, injected_type=InjectedToolCallId)
                for annotation in get_all_basemodel_annotations(schema).values()
            )
        )

    def _validated(self, arguments: dict[str, Any]) -> dict[str, Any]:
        """The function's keyword arguments, as `BaseTool._parse_input` builds them: the
        validated fields given or defaulted, then the injected ones (the runtime) as passed."""
        schema = self.args_schema
        assert isinstance(schema, type) and issubclass(schema, BaseModel)
        parsed = schema.model_validate(arguments)
        given = parsed.model_fields_set
        values = {
            name: getattr(parsed, name)
            for name, field in type(parsed).model_fields.items()
            if name in arguments
            or name in given
            or (name not in SYNTHETIC and not field.is_required())
        }
        for name in self._injected_args_keys:
            if name in arguments:
                values[name] = arguments[name]
        return values


def shop_tool(func: Callable[..., Any]) -> ShopTool:
    """`@tool` for the shop's functions: the same schema and description, as a `ShopTool`."""
    made = ShopTool.from_function(func)
    assert isinstance(made, ShopTool)
    return made
