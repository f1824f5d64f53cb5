"""Chat models behind the agent: `openai:<model>` or the built-in `offline` engine.

Both are plain LangChain chat models, so `create_agent` runs either unchanged.
"""

from __future__ import annotations

from langchain_core.language_models import BaseChatModel

from assistant.agent.offline.engine import OfflineChatModel
from assistant.agent.offline.kit import Kit
from assistant.config import Settings
from assistant.errors import ConfigurationError


def get_chat_model(settings: Settings, *, kit: Kit, greeting: str, sign_off: str) -> BaseChatModel:
    """The configured chat model; the offline engine needs the channel's kit and brand lines."""
    name = settings.chat_model()
    if name == "offline":
        return OfflineChatModel(kit=kit, greeting=greeting, sign_off=sign_off)
    from langchain_openai import ChatOpenAI

    key, base_url = settings.openai_credentials()
    if key is None:
        raise ConfigurationError(
            f"model {name!r} needs OPENAI_API_KEY (or set ASSISTANT_MODEL=offline)"
        )
    return ChatOpenAI(
        model=name.removeprefix("openai:"),
        api_key=key,
        base_url=base_url,
        timeout=settings.openai.timeout_s,
        max_retries=settings.openai.max_retries,
        temperature=0.2,
        streaming=True,
    )
