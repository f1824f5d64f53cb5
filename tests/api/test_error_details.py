"""What a caller learns of a failure: a status and our own words, never the text of the
database's (or any dependency's) error, which names tables and quotes values."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from assistant.api.app import create_app
from assistant.config import Settings
from assistant.conversation import Concierge
from assistant.retrieval.index import CatalogIndex
from assistant.store import StoreError, StoreUnavailable

DRIVER_TEXT = 'PostgreSQL text fields cannot contain NUL (0x00) bytes in "messages"'


@pytest.mark.parametrize("error", [StoreError, StoreUnavailable])
def test_a_database_error_is_a_503_without_its_text(
    settings: Settings,
    demo_index: CatalogIndex,
    caplog: pytest.LogCaptureFixture,
    error: type[StoreError],
) -> None:
    app = create_app(settings, Concierge.from_settings(settings, demo_index))

    @app.get("/refused")
    def refused() -> None:
        raise error(DRIVER_TEXT)

    with TestClient(app) as client:
        response = client.get("/refused")
    assert response.status_code == 503
    assert "NUL" not in response.text and "messages" not in response.text
    assert response.json()["error"] == error.__name__
    if error is StoreUnavailable:  # busy or unreachable: come back
        assert response.headers["retry-after"] and "unavailable" in response.json()["detail"]
    assert all("NUL" not in r.getMessage() for r in caplog.records)
