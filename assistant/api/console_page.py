"""The agent console page at `/console`: static HTML, script and styles, with a strict CSP.

Its headers (a strict CSP, no framing) are `page_headers.PAGE_HEADERS`. The page holds no
data of its own: it shows a sign-in form until `GET /console/api/me` answers,
then works through the console JSON API and its event stream with the session cookie.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import FileResponse

from assistant.api.page_headers import ASSET_HEADERS, PAGE_HEADERS

STATIC = Path(__file__).resolve().parent / "static"

# Public file name -> media type. An explicit list, so no path is ever read from the request.
ASSETS = {
    "console.js": "text/javascript; charset=utf-8",
    "console.css": "text/css; charset=utf-8",
}

router = APIRouter(tags=["console"])


def _asset(name: str) -> FileResponse:
    # `no-cache` makes browsers revalidate (ETag), so a new console reaches agents at once.
    return FileResponse(STATIC / name, media_type=ASSETS[name], headers=ASSET_HEADERS)


@router.get("/console", include_in_schema=False)
def console_page() -> FileResponse:
    """The agent console: sign in, the handoff queue, conversations, replies."""
    return FileResponse(
        STATIC / "console.html", media_type="text/html; charset=utf-8", headers=PAGE_HEADERS
    )


@router.get("/console/console.js", include_in_schema=False)
def console_js() -> FileResponse:
    """The console's script (vanilla JavaScript, no build step)."""
    return _asset("console.js")


@router.get("/console/console.css", include_in_schema=False)
def console_css() -> FileResponse:
    """The console's styles."""
    return _asset("console.css")
