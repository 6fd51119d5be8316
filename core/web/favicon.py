"""The site icon at the address browsers ask for by themselves (`/favicon.ico`), so no page logs a 404 for it.

Pages link `/static/favicon.svg` (`<link rel=icon>` in layout.html); this answers browsers and tools that ask for
`/favicon.ico` anyway, with the same SVG (browsers go by the content type, not the name).
"""

from __future__ import annotations

from pathlib import Path

from litestar import Response, get

from core.auth.permissions import PUBLIC

ICON = Path(__file__).resolve().parents[2] / "frontend" / "static" / "favicon.svg"
ICON_BYTES = ICON.read_bytes()
"""Read once: the file ships with the code."""


@get("/favicon.ico", opt={"action": PUBLIC}, include_in_schema=False, sync_to_thread=False)
def favicon() -> Response[bytes]:
    return Response(ICON_BYTES, media_type="image/svg+xml",
                    headers={"Cache-Control": "public, max-age=86400"})


ROUTES = [favicon]
