"""The desk's `shop` fixture (every channel on a fake provider, agents of two teams) for the
console, admin and route-auth tests."""

from __future__ import annotations

from tests.desk import conftest as desk_fixtures

provider_server = desk_fixtures.provider_server
provider = desk_fixtures.provider
provider_url = desk_fixtures.provider_url
shop = desk_fixtures.shop
