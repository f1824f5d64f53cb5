"""Every route of the app is either on an explicit public list or refuses anonymous calls
(401), and the team and admin rules hold (404 for another team's conversation, 403 for a
non-admin on the admin API). Routes are enumerated from the app itself,
so a new route that forgets its auth dependency fails here."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from assistant.store.models import ConversationRow
from assistant.store.tickets import NewTicket, add_ticket
from tests.desk.conftest import Shop

PUBLIC = {
    "/healthz", "/readyz", "/openapi.json", "/docs", "/docs/oauth2-redirect", "/redoc",
    "/", "/widget.js", "/widget.css", "/storefront.css", "/storefront.js", "/api/featured",
    "/api/visitors", "/api/conversations",  # below: need the conversation's secret instead
    "/api/conversations/{conversation_id}/messages",
    "/api/conversations/{conversation_id}/messages/stream",
    "/api/conversations/{conversation_id}/events",
    "/api/conversations/{conversation_id}/link",  # the shopper proves the phone with a code
    "/api/conversations/{conversation_id}/link/verify",
    "/webhooks/{channel}", "/c/{token}",
    "/desk/webhook/reply",  # signed with the helpdesk secret instead (tests/desk)
    "/console/api/login",
    "/console", "/console/console.js", "/console/console.css",  # the page; its data needs login
    "/console/analytics", "/console/analytics.js", "/console/analytics.css",
}  # fmt: skip
ANY_AGENT = {
    "/console/api/me", "/console/api/logout", "/console/api/queue", "/console/api/events",
    "/console/api/analytics",
}  # fmt: skip
TEAM = "/console/api/conversations/{conversation_id}"
ADMIN = "/admin/api/"


def routes(app: FastAPI) -> Iterator[tuple[str, str]]:
    """(method, path template) of every route, also inside included routers."""

    def walk(entries: Iterable[Any]) -> Iterator[tuple[str, str]]:
        for route in entries:
            contexts = getattr(route, "effective_route_contexts", None)
            if contexts is not None:
                yield from walk(contexts())
            elif getattr(route, "methods", None):
                for method in sorted(route.methods - {"HEAD"}):
                    yield method, route.path

    yield from walk(app.routes)


def _sales_ticket(shop: Shop) -> tuple[str, str]:
    """A conversation handed to sales; its id and its customer's id."""
    conversation = shop.store.get_or_create_conversation("web:route-auth", "web", "v-1", "default")
    with shop.store.session() as session:
        row = session.get(ConversationRow, conversation.id)
        assert row is not None
        row.state = "pending_human"
        add_ticket(session, row, NewTicket(team="sales", reason="low confidence", confidence=0.1))
    assert conversation.customer_id is not None
    return conversation.id, conversation.customer_id


def _call(client: TestClient, method: str, path: str, headers: dict[str, str]) -> int:
    body = {"text": "hello", "username": "x9", "team": "sales"} if method == "POST" else None
    return client.request(method, path, json=body, headers=headers).status_code


def _fill(template: str, conversation_id: str, customer_id: str) -> str:
    return template.format(conversation_id=conversation_id, customer_id=customer_id)


def test_every_route_is_public_or_refuses_anonymous_calls(shop: Shop) -> None:
    conversation_id, customer_id = _sales_ticket(shop)
    app: FastAPI = shop.client.app  # type: ignore[assignment]
    checked = []
    for method, template in routes(app):
        if template in PUBLIC:
            continue
        path = _fill(template, conversation_id, customer_id)
        assert _call(shop.client, method, path, {}) == 401, f"{method} {template} is open"
        bad_key = {"Authorization": "Bearer ck_not-a-key"}
        assert _call(shop.client, method, path, bad_key) == 401, f"{method} {template}"
        checked.append(template)
    assert len(checked) >= 13  # console and admin routes were found, not skipped


def test_team_and_admin_rules_hold_on_every_protected_route(shop: Shop) -> None:
    conversation_id, customer_id = _sales_ticket(shop)
    app: FastAPI = shop.client.app  # type: ignore[assignment]
    for method, template in routes(app):
        if template in PUBLIC:
            continue
        path = _fill(template, conversation_id, customer_id)
        if template.startswith(TEAM):  # olga is in orders; the ticket is sales'
            status = _call(shop.client, method, path, shop.as_agent("olga"))
            assert status == 404, f"{method} {template} let another team see it ({status})"
        elif template.startswith(ADMIN):
            status = _call(shop.client, method, path, shop.as_agent("sam"))
            assert status == 403, f"{method} {template} let a non-admin in ({status})"
        else:
            assert template in ANY_AGENT, f"{method} {template}: classify this new route"
            if template != "/console/api/events":  # a stream: covered in test_console_api
                assert _call(shop.client, method, path, shop.as_agent("sam")) == 200


@pytest.mark.parametrize("action", ["claim", "reply"])
def test_an_admin_may_act_on_any_team(shop: Shop, action: str) -> None:
    conversation_id, _ = _sales_ticket(shop)
    response = shop.console("ada", action, conversation_id, text="Ada here, happy to help.")
    assert response.status_code == 200, response.text
    assert response.json()["conversation"]["assigned_agent"] == "ada"
