"""Analytics for agents: the page at `/console/analytics` (static, strict CSP, charts drawn by
its script as inline SVG) and the JSON it reads, `GET /console/api/analytics?days=30`.

The page holds no data: like the console, it asks for the report with the agent's session
cookie and offers the console's sign-in when the answer is 401. The JSON carries counts and
rates only; free-text handoff reasons are masked (emails, phone numbers).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import FileResponse
from starlette.concurrency import run_in_threadpool

from assistant.analytics.report import Report, build_report
from assistant.api.auth import AgentDep, request_store
from assistant.api.console_page import STATIC
from assistant.api.page_headers import PAGE_HEADERS

router = APIRouter(tags=["analytics"])

ASSETS = {
    "analytics.js": "text/javascript; charset=utf-8",
    "analytics.css": "text/css; charset=utf-8",
}


@router.get("/console/api/analytics")
async def analytics(
    request: Request,
    agent: AgentDep,
    days: Annotated[int, Query(ge=1, le=366, description="days covered, today included")] = 30,
) -> Report:
    """The report: conversations, resolution, handoffs, click-through, CSAT, first response,
    by channel and prompt variant, and the A/B comparison."""
    settings = request.app.state.settings
    return await run_in_threadpool(
        build_report,
        request_store(request),
        days=days,
        resolved_after_minutes=settings.analytics.resolved_after_minutes,
        baseline=settings.prompts.variant,
    )


@router.get("/console/analytics", include_in_schema=False)
def analytics_page() -> FileResponse:
    """The analytics page (it signs in through the console when needed)."""
    return FileResponse(
        STATIC / "analytics.html", media_type="text/html; charset=utf-8", headers=PAGE_HEADERS
    )


@router.get("/console/analytics.js", include_in_schema=False)
def analytics_js() -> FileResponse:
    return _asset("analytics.js")


@router.get("/console/analytics.css", include_in_schema=False)
def analytics_css() -> FileResponse:
    return _asset("analytics.css")


def _asset(name: str) -> FileResponse:
    return FileResponse(
        STATIC / name,
        media_type=ASSETS[name],
        headers={"cache-control": "no-cache", "x-content-type-options": "nosniff"},
    )
