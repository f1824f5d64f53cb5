"""When the human team answers: weekly opening spans in one time zone, minus closed dates."""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

Day = Literal["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
DAYS: tuple[Day, ...] = (
    "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday",
)  # fmt: skip
_SPAN = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$")
_WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
# Far enough to cross any run of closed dates a brand would list, short enough to stay cheap.
_SEARCH_DAYS = 400


class OpenSpan(BaseModel):
    """One day's opening hours, written "07:00-18:00" in brand.yaml (close is exclusive)."""

    model_config = ConfigDict(frozen=True)

    opens: time
    closes: time

    def contains(self, moment: time) -> bool:
        return self.opens <= moment < self.closes


def _parse_span(value: object) -> OpenSpan | None:
    if value is None or value == "closed":
        return None
    if isinstance(value, OpenSpan):
        return value
    if not isinstance(value, str):  # YAML reads an unquoted 18:00 as the number 1080
        raise ValueError(f'write opening hours in quotes, like "09:00-17:00", got {value!r}')
    match = _SPAN.match(value)
    if match is None:
        raise ValueError(f'opening hours must look like "07:00-18:00" or "closed", got {value!r}')
    oh, om, ch, cm = (int(group) for group in match.groups())
    if oh > 23 or ch > 24 or om > 59 or cm > 59 or (ch == 24 and cm):
        raise ValueError(f"not a time of day in {value!r}")
    closes = time.max if ch == 24 else time(ch, cm)
    if closes <= time(oh, om):
        raise ValueError(f"closing time must be after opening time in {value!r}")
    return OpenSpan(opens=time(oh, om), closes=closes)


class BusinessHours(BaseModel):
    """The human team's hours, e.g. Monday to Friday 07:00-18:00 in America/Los_Angeles."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)

    timezone: str
    timezone_label: str | None = Field(
        default=None, description='how messages name the zone ("Pacific time"); default PST/PDT'
    )
    days: dict[Day, OpenSpan | None]
    closed_dates: list[date] = Field(default_factory=list)

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r} (use an IANA name)") from exc
        return value

    @field_validator("days", mode="before")
    @classmethod
    def _parse_days(cls, value: object) -> object:
        if not isinstance(value, dict):
            return value
        spans = {}
        for day, span in value.items():
            try:
                spans[day] = _parse_span(span)
            except ValueError as exc:
                raise ValueError(f"{day}: {exc}") from None
        return spans

    @model_validator(mode="after")
    def _opens_sometime(self) -> BusinessHours:
        if not any(self.days.values()):
            raise ValueError("the team must be open on at least one day of the week")
        return self

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def _span(self, day: date) -> OpenSpan | None:
        if day in self.closed_dates:
            return None
        return self.days.get(DAYS[day.weekday()])

    def _local(self, now: datetime) -> datetime:
        if now.tzinfo is None or now.utcoffset() is None:
            raise ValueError("business hours need a timezone-aware datetime")
        return now.astimezone(self.zone)

    def is_open(self, now: datetime) -> bool:
        """Whether a person is on duty at `now` (any timezone-aware datetime)."""
        local = self._local(now)
        span = self._span(local.date())
        return span is not None and span.contains(local.time())

    def next_open(self, now: datetime) -> datetime:
        """The first moment at or after `now` when the team is on duty, in the brand's zone."""
        local = self._local(now)
        if self.is_open(local):
            return local
        for offset in range(_SEARCH_DAYS):
            day = local.date() + timedelta(days=offset)
            span = self._span(day)
            if span is None:
                continue
            opens = datetime.combine(day, span.opens, tzinfo=self.zone)
            if opens >= local:
                return opens
        raise ValueError(f"the team is not open on any day in the next {_SEARCH_DAYS} days")

    def describe_moment(self, moment: datetime, now: datetime) -> str:
        """`moment` as a shopper reads it: "today at 9 a.m. Pacific time", "on Monday at ..."."""
        local, today = moment.astimezone(self.zone), self._local(now).date()
        label = self.timezone_label or local.strftime("%Z")
        if local.date() == today:
            day = "today"
        elif local.date() == today + timedelta(days=1):
            day = "tomorrow"
        elif local.date() < today + timedelta(days=7):
            day = f"on {_WEEKDAY_NAMES[local.weekday()]}"
        else:
            day = f"on {_WEEKDAY_NAMES[local.weekday()]}, {local:%B} {local.day}"
        return f"{day} at {clock(local.time())} {label}"

    def describe(self) -> str:
        """The weekly hours in one line, for the system prompt: "Monday to Friday 7 a.m.-..."."""
        groups: list[list[Day]] = []
        for day in DAYS:
            if groups and self.days.get(groups[-1][-1]) == self.days.get(day):
                groups[-1].append(day)
            else:
                groups.append([day])
        parts = []
        for group in groups:
            first, last = group[0].title(), group[-1].title()
            days = (
                first if len(group) == 1 else f"{first} {'and' if len(group) == 2 else 'to'} {last}"
            )
            span = self.days.get(group[0])
            parts.append(
                f"{days} {clock(span.opens)}-{clock(span.closes)}" if span else f"closed {days}"
            )
        closed = " and on listed holidays" if self.closed_dates else ""
        return f"{', '.join(parts)} ({self.timezone_label or self.timezone}){closed}"


def clock(moment: time) -> str:
    """7 a.m., 9:30 a.m., 12 p.m., in the FAQ's style."""
    if moment == time.max:
        return "midnight"
    hour = moment.hour % 12 or 12
    minutes = f":{moment.minute:02d}" if moment.minute else ""
    return f"{hour}{minutes} {'a.m.' if moment.hour < 12 else 'p.m.'}"
