"""The analytics report: what the console page and `assistant report` show.

What counts (every figure overall, per channel and per prompt variant):

- The window is the last `days` days (UTC), today included, and only its events count. A
  conversation counts if a shopper wrote in the window, once, on the day (UTC) of its first
  message in the window (a long WhatsApp or SMS thread counts in each window it is active in).
- Handed off: it has at least one `handoff` event (the bot's decision or the desk's).
- Resolved by the bot: at least one bot answer (not the apology of a failed turn), never handed
  off, and settled: closed, or no shopper message for `analytics.resolved_after_minutes`.
  Conversations neither handed off nor settled are still open. Rates are over all conversations
  of the window, so open ones count against resolution until they settle.
- Click-through: of the conversations given a checkout link, the share that clicked one (the
  conversation is the unit the A/B split randomises, so conversations are independent trials);
  links created, links clicked and raw clicks are shown beside it.
- CSAT: every rating given (1 to 5): average and distribution.
- First response: from a conversation's first shopper message to the bot's first answer.
- A/B: each variant's click-through minus the baseline's (the configured default variant),
  with Newcombe's 95% interval; the difference is significant when the interval excludes 0.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from datetime import UTC, date, datetime, time, timedelta

from pydantic import BaseModel

from assistant.analytics import queries
from assistant.analytics.queries import ConversationFacts, Rating, Reason
from assistant.analytics.stats import median, newcombe, ratio
from assistant.log import mask
from assistant.store import Store
from assistant.store.models import utcnow

RATING_SCALE = (1, 2, 3, 4, 5)


class Csat(BaseModel):
    """Satisfaction ratings: how many, their average and how they spread over 1 to 5."""

    count: int
    average: float | None
    distribution: dict[int, int]


class Segment(BaseModel):
    """Every figure for one slice of the conversations (all, one channel, one variant)."""

    conversations: int
    bot_answered: int
    resolved_by_bot: int
    resolution_rate: float | None
    handed_off: int
    handoff_rate: float | None
    open: int
    handoff_reasons: dict[str, int]
    links_created: int
    links_clicked: int
    clicks: int
    link_click_through: float | None
    conversations_with_link: int
    conversations_clicked: int
    click_through: float | None
    csat: Csat
    first_response_median_s: float | None
    tool_calls: int
    products_shown: int


class DayCount(BaseModel):
    day: date
    channel: str
    conversations: int


class Comparison(BaseModel):
    """A variant's click-through against the baseline's, with a 95% interval of the difference."""

    variant: str
    baseline: str
    clicked: int
    with_link: int
    baseline_clicked: int
    baseline_with_link: int
    click_through: float | None
    baseline_click_through: float | None
    difference: float
    low: float
    high: float
    significant: bool


class Report(BaseModel):
    """The whole report over a window of days."""

    since: datetime
    until: datetime
    days: int
    resolved_after_minutes: float
    overall: Segment
    by_channel: dict[str, Segment]
    by_variant: dict[str, Segment]
    daily: list[DayCount]
    ab_baseline: str | None
    ab: list[Comparison]


def window_start(days: int, now: datetime) -> datetime:
    """Midnight UTC at the start of the window of the last `days` days, today included."""
    if days < 1:
        raise ValueError("a report covers at least 1 day")
    today = now.astimezone(UTC).date()
    return datetime.combine(today - timedelta(days=days - 1), time(), tzinfo=UTC)


def build_report(
    store: Store,
    *,
    days: int = 30,
    resolved_after_minutes: float = 30,
    baseline: str | None = None,
    now: datetime | None = None,
) -> Report:
    """Read the window's events from the store and add them up."""
    until = now or utcnow()
    since = window_start(days, until)
    with store.session(write=False) as session:
        facts = queries.conversation_facts(session, since, until)
        ratings = queries.ratings(session, since, until)
        reasons = queries.handoff_reasons(session, since, until)
    tally = _Tally(facts, ratings, reasons, until, timedelta(minutes=resolved_after_minutes))
    by_variant = tally.split(lambda f: f.variant)
    chosen = baseline if baseline in by_variant else next(iter(sorted(by_variant)), None)
    return Report(
        since=since,
        until=until,
        days=days,
        resolved_after_minutes=resolved_after_minutes,
        overall=tally.segment(facts),
        by_channel=tally.split(lambda f: f.channel),
        by_variant=by_variant,
        daily=_daily(facts, since, days),
        ab_baseline=chosen,
        ab=_comparisons(by_variant, chosen),
    )


class _Tally:
    """Adds up the facts of any subset of the window's conversations."""

    def __init__(
        self,
        facts: list[ConversationFacts],
        ratings: list[Rating],
        reasons: list[Reason],
        until: datetime,
        idle: timedelta,
    ) -> None:
        self._facts = facts
        self._ratings: dict[str, list[int]] = defaultdict(list)
        for rating in ratings:
            self._ratings[rating.conversation_id].append(rating.rating)
        self._reasons: dict[str, str] = {}
        for reason in reasons:  # the first handoff's reason holds
            self._reasons.setdefault(reason.conversation_id, mask(reason.reason)[:80])
        self._until = until
        self._idle = idle

    def split(self, key: Callable[[ConversationFacts], str]) -> dict[str, Segment]:
        groups: dict[str, list[ConversationFacts]] = defaultdict(list)
        for fact in self._facts:
            groups[key(fact)].append(fact)
        return {name: self.segment(groups[name]) for name in sorted(groups)}

    def _settled(self, fact: ConversationFacts) -> bool:
        return fact.closed or self._until - fact.last_in >= self._idle

    def segment(self, facts: list[ConversationFacts]) -> Segment:
        total = len(facts)
        handed = [f for f in facts if f.handoffs]
        resolved = [f for f in facts if f.bot_answers and not f.handoffs and self._settled(f)]
        still_open = [f for f in facts if not f.handoffs and not self._settled(f)]
        links = sum(f.links for f in facts)
        clicked_links = sum(f.links_clicked for f in facts)
        with_link = [f for f in facts if f.links]
        clicked = [f for f in with_link if f.links_clicked]
        return Segment(
            conversations=total,
            bot_answered=sum(1 for f in facts if f.bot_answers),
            resolved_by_bot=len(resolved),
            resolution_rate=ratio(len(resolved), total),
            handed_off=len(handed),
            handoff_rate=ratio(len(handed), total),
            open=len(still_open),
            handoff_reasons=dict(
                Counter(self._reasons.get(f.conversation_id, "unspecified") for f in handed)
            ),
            links_created=links,
            links_clicked=clicked_links,
            clicks=sum(f.clicks for f in facts),
            link_click_through=ratio(clicked_links, links),
            conversations_with_link=len(with_link),
            conversations_clicked=len(clicked),
            click_through=ratio(len(clicked), len(with_link)),
            csat=_csat(r for f in facts for r in self._ratings.get(f.conversation_id, [])),
            first_response_median_s=median(_first_responses(facts)),
            tool_calls=sum(f.tool_calls for f in facts),
            products_shown=sum(f.products_shown for f in facts),
        )


def _first_responses(facts: list[ConversationFacts]) -> list[float]:
    return [
        (f.first_out - f.first_in).total_seconds()
        for f in facts
        if f.first_out is not None and f.first_out >= f.first_in
    ]


def _csat(ratings: Iterable[int]) -> Csat:
    given = list(ratings)
    distribution = {score: 0 for score in RATING_SCALE} | dict(sorted(Counter(given).items()))
    average = round(sum(given) / len(given), 3) if given else None
    return Csat(count=len(given), average=average, distribution=distribution)


def _daily(facts: list[ConversationFacts], since: datetime, days: int) -> list[DayCount]:
    counts = Counter((f.first_in.astimezone(UTC).date(), f.channel) for f in facts)
    channels = sorted({f.channel for f in facts})
    first = since.date()
    return [
        DayCount(day=day, channel=channel, conversations=counts[(day, channel)])
        for day in (first + timedelta(days=n) for n in range(days))
        for channel in channels
    ]


def _comparisons(by_variant: dict[str, Segment], baseline: str | None) -> list[Comparison]:
    if baseline is None:
        return []
    base = by_variant[baseline]
    compared = []
    for name, segment in by_variant.items():
        if name == baseline:
            continue
        interval = newcombe(
            segment.conversations_clicked,
            segment.conversations_with_link,
            base.conversations_clicked,
            base.conversations_with_link,
        )
        compared.append(
            Comparison(
                variant=name,
                baseline=baseline,
                clicked=segment.conversations_clicked,
                with_link=segment.conversations_with_link,
                baseline_clicked=base.conversations_clicked,
                baseline_with_link=base.conversations_with_link,
                click_through=segment.click_through,
                baseline_click_through=base.click_through,
                difference=interval.estimate,
                low=interval.low,
                high=interval.high,
                significant=interval.excludes_zero,
            )
        )
    return compared
