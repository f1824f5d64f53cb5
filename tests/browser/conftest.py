"""Browser tests: the app on a loopback port; Debian's headless Chromium driven by Playwright."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from assistant.api.app import create_app
from assistant.config import Settings
from assistant.conversation import Concierge
from assistant.retrieval.index import CatalogIndex
from assistant.testing.loopback import serve_app


@pytest.fixture(scope="module")
def app_url(demo_index: CatalogIndex, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The whole service (API, storefront, widget) on the demo catalog, at http://127.0.0.1:PORT."""
    data_dir: Path = tmp_path_factory.mktemp("browser-data")
    settings = Settings(data_dir=data_dir, _env_file=None)  # type: ignore[call-arg]
    app = create_app(settings, Concierge.from_settings(settings, demo_index))
    with serve_app(app, name="concierge app") as url:
        settings.server.public_url = url  # tracked /c/ links point here (the port is known now)
        yield url
