"""`GET /c/{token}`: a tracked checkout link. Records the click, then 302 to the real cart."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from assistant.api.webchat import ConciergeDep

router = APIRouter(tags=["checkout"])

NOT_FOUND = """<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>Link not found</title>
<meta name="viewport" content="width=device-width,initial-scale=1"></head>
<body style="font-family:system-ui,sans-serif;max-width:32rem;margin:4rem auto;padding:0 1rem">
<h1>This link isn't valid</h1><p>It may have been mistyped or cut short. Ask the assistant for a
new checkout link, or go back to the shop.</p></body></html>"""


@router.get(
    "/c/{token}",
    response_class=RedirectResponse,
    status_code=302,
    responses={404: {"description": "unknown link"}},
)
def checkout_redirect(token: str, request: Request, concierge: ConciergeDep) -> Response:
    """Follow a checkout link given to a shopper: never an open redirect, only stored carts."""
    target = concierge.resolve_link(token, request.headers.get("user-agent", "")[:300])
    if target is None:
        return HTMLResponse(NOT_FOUND, status_code=404)
    return RedirectResponse(target, status_code=302, headers={"cache-control": "no-store"})
