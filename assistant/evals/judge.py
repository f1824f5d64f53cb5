"""An optional LLM judge for rubric assertions; without a judge model they are skipped, visibly."""

from __future__ import annotations

from typing import Protocol

import openai
from langchain_core.messages import HumanMessage, SystemMessage

from assistant.config import Settings
from assistant.evals.records import Check

NAME = "judge rubric"
INSTRUCTIONS = (
    "You grade a shopping assistant's reply against a rubric. Read the conversation and the "
    "rubric, then answer with PASS or FAIL on the first line and one sentence of reason after."
)


class Judge(Protocol):
    def __call__(self, rubric: str, transcript: list[tuple[str, str]]) -> Check: ...


def no_judge(rubric: str, transcript: list[tuple[str, str]]) -> Check:
    """What runs when no judge model is configured: the rubric is skipped with a note."""
    return Check(NAME, "skipped", "no judge model configured (ASSISTANT_EVALS__JUDGE_MODEL)")


class ModelJudge:
    """A rubric graded by an OpenAI-compatible chat model."""

    def __init__(self, settings: Settings, model: str) -> None:
        from langchain_openai import ChatOpenAI

        key, base_url = settings.openai_credentials()
        self._model = ChatOpenAI(
            model=model.removeprefix("openai:"),
            api_key=key,
            base_url=base_url,
            timeout=settings.openai.timeout_s,
            max_retries=settings.openai.max_retries,
            temperature=0,
        )

    def __call__(self, rubric: str, transcript: list[tuple[str, str]]) -> Check:
        conversation = "\n".join(f"{who}: {text}" for who, text in transcript)
        prompt = f"Conversation:\n{conversation}\n\nRubric: {rubric}"
        try:
            answer = self._model.invoke([SystemMessage(INSTRUCTIONS), HumanMessage(prompt)]).text
        except openai.OpenAIError as exc:
            return Check(NAME, "skipped", f"the judge model failed: {str(exc)[:200]}")
        verdict, _, reason = answer.strip().partition("\n")
        return Check.of(f"{NAME}: {rubric[:60]}", verdict.strip().upper().startswith("PASS"),
                        reason.strip()[:300] or verdict)  # fmt: skip


def get_judge(settings: Settings, model: str | None) -> Judge:
    """The configured judge, or `no_judge` when none is (or it has no key)."""
    if not model or settings.openai_api_key is None:
        return no_judge
    return ModelJudge(settings, model)
