"""The security headers of every page the service serves (storefront, console, analytics).

Scripts and styles only from this origin (no inline script, no eval); requests only back to
this origin; product images may come from the brand's CDN over HTTPS (or be drawn as data:
URLs). No page can be framed, no response is sniffed as another type, and other sites are
not told which page a visitor came from.
"""

from __future__ import annotations

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data: https:",
        "connect-src 'self'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)

PAGE_HEADERS = {
    "content-security-policy": CONTENT_SECURITY_POLICY,
    "x-frame-options": "DENY",
    "x-content-type-options": "nosniff",
    "referrer-policy": "same-origin",
    "cache-control": "no-cache",
}

# A page's script or stylesheet: revalidated (ETag) so a new version reaches visitors at once.
ASSET_HEADERS = {"cache-control": "no-cache", "x-content-type-options": "nosniff"}
