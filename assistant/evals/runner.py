"""Runs eval cases through the real conversation core (`Concierge.handle`, as the API and CLI
do) with a private SQLite store, several cases at once, and scores every turn."""

from __future__ import annotations

import tempfile
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from assistant.agent.guardrails import CatalogNames
from assistant.agent.runner import TurnOutcome
from assistant.brand import load_prompts
from assistant.checkout import VariantIndex
from assistant.config import Settings
from assistant.conversation import Concierge
from assistant.errors import AssistantError
from assistant.evals.cases import EvalCase, Profile, Turn
from assistant.evals.checks import TurnContext, check_turn
from assistant.evals.judge import Judge, no_judge
from assistant.evals.records import CaseResult, TurnRecord, tool_calls
from assistant.evals.sources import SharedData, SourceMissingError
from assistant.evals.summary import Summary
from assistant.messages import InboundMessage
from assistant.retrieval.index import CatalogIndex
from assistant.retrieval.measures import MeasureSchema
from assistant.store.configured import open_store


@dataclass
class EvalRun:
    """One run: which model and prompt variant, every case's result, and when."""

    model: str
    variant: str
    results: list[CaseResult]
    started: datetime = field(default_factory=lambda: datetime.now(UTC))
    seconds: float = 0.0

    @property
    def summary(self) -> Summary:
        return Summary.of(self.results)


class EvalRunner:
    """Cases against one model and prompt variant over one catalog index."""

    def __init__(
        self,
        settings: Settings,
        catalog: CatalogIndex,
        *,
        model: str | None = None,
        variant: str | None = None,
        judge: Judge = no_judge,
        workers: int | None = None,
    ) -> None:
        self._base = settings
        self._catalog = catalog
        self.model = model or settings.chat_model()
        self.variant = variant or settings.prompts.variant
        self._judge = judge
        self._workers = workers or settings.evals.workers
        self._data = SharedData(settings.evals.shared_data)
        products = catalog.products.products
        self._products = {p.id: p for p in products}
        self._measures = MeasureSchema.discover(products)
        self._variants = VariantIndex(products)
        self._names = CatalogNames((p.title for p in products), (p.id for p in products))

    def run(self, cases: list[EvalCase]) -> EvalRun:
        """Every case, `workers` at a time, in a private store that is removed afterwards."""
        started = time.perf_counter()
        with tempfile.TemporaryDirectory(prefix="concierge-eval-") as folder:
            settings = self._settings_in(Path(folder))
            concierge = Concierge.from_settings(settings, self._catalog, open_store(settings))
            try:
                with ThreadPoolExecutor(self._workers, thread_name_prefix="eval") as pool:
                    results = list(pool.map(lambda c: self._case(concierge, c), cases))
            finally:
                concierge.store.close()
        return EvalRun(self.model, self.variant, results, seconds=time.perf_counter() - started)

    def _settings_in(self, folder: Path) -> Settings:
        settings = self._base.model_copy(deep=True)
        settings.data_dir = folder
        settings.database_url = None
        settings.model = self.model
        settings.prompts.variant = self.variant
        settings.prompts.variants = {}
        return settings

    def _case(self, concierge: Concierge, case: EvalCase) -> CaseResult:
        started = time.perf_counter()
        sources = ", ".join(t.source.describe() for t in case.turns if t.source)
        result = CaseResult(case.id, case.category, case.channel, "passed", source=sources)
        try:
            said = [self._words(turn, case.profile) for turn in case.turns]
        except SourceMissingError as exc:
            result.status, result.note = "skipped", f"skipped: {exc}"
            return result
        try:
            self._converse(concierge, case, said, result)
        except (AssistantError, ValueError) as exc:  # a broken case or engine: a failure
            result.note = f"error: {type(exc).__name__}: {exc}"
            result.status = "failed"
        else:
            failed = any(turn.failed for turn in result.turns)
            result.status = "failed" if failed else "passed"
        result.seconds = time.perf_counter() - started
        return result

    def _converse(
        self, concierge: Concierge, case: EvalCase, said: list[str], result: CaseResult
    ) -> None:
        conversation_id = f"eval-{case.id}-{uuid.uuid4().hex[:8]}"
        context = self._context(concierge, case.channel)
        transcript: list[tuple[str, str]] = []
        for turn, text in zip(case.turns, said, strict=True):
            outcomes: list[TurnOutcome] = []
            message = InboundMessage(
                channel=case.channel, sender=conversation_id, text=text,
                conversation_id=conversation_id,
            )  # fmt: skip
            reply = concierge.handle(message, observer=outcomes.append)
            record = TurnRecord(text, reply, tool_calls(outcomes[-1]) if outcomes else [])
            record.checks = check_turn(turn.expect, record, context)
            transcript += [("shopper", text), ("assistant", reply.text)]
            if turn.expect.judge:
                record.checks.append(self._judge(turn.expect.judge, transcript))
            result.turns.append(record)

    def _context(self, concierge: Concierge, channel: str) -> TurnContext:
        def cart_of(url: str) -> str | None:
            token = url.rstrip("/").rsplit("/c/", 1)[-1]
            return concierge.resolve_link(token, "concierge-eval") if "/c/" in url else None

        return TurnContext(
            product=self._products.get,
            product_of_variant=lambda vid: found[0] if (found := self._variants.get(vid)) else None,
            names=self._names,
            brand=load_prompts(self._base.prompts.dir, self.variant).brand,
            channel=channel,
            cart_of=cart_of,
            discount_codes=list(self._base.checkout.discount_codes),
            measures=self._measures,
        )

    def _words(self, turn: Turn, profile: Profile | None) -> str:
        text = self._data.text(turn.source) if turn.source else (turn.say or "")
        if profile is not None:
            for key, value in profile.model_dump().items():
                text = text.replace("{" + key + "}", str(value))
        return text[:4000]
