"""`assistant agents` and `assistant customers`: agents with hashed credentials, keys shown
once, and data requests from the command line."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from assistant.cli import app
from assistant.config import get_settings
from assistant.desk.credentials import secret_hash, verify_password
from assistant.messages import InboundMessage
from assistant.store import Store
from assistant.store.configured import open_store

runner = CliRunner()


@pytest.fixture
def store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Store]:
    monkeypatch.setenv("ASSISTANT_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("ASSISTANT_DATABASE_URL", raising=False)
    get_settings.cache_clear()
    opened = open_store(get_settings())
    yield opened
    opened.close()
    get_settings.cache_clear()


def test_agents_add_key_and_list(store: Store) -> None:
    added = runner.invoke(
        app, ["agents", "add", "maya", "--team", "support", "--password-stdin"],
        input="a long passphrase\n",
    )  # fmt: skip
    assert added.exit_code == 0, added.output
    agent = store.get_agent("maya")
    assert agent is not None and agent.team == "support" and not agent.is_admin
    assert verify_password("a long passphrase", agent.password_hash)
    keyed = runner.invoke(app, ["agents", "key", "maya"])
    key = keyed.output.strip()
    assert keyed.exit_code == 0 and key.startswith("ck_")
    found = store.agent_by_api_key(secret_hash(key))
    assert found is not None and found.username == "maya"
    listed = runner.invoke(app, ["agents", "list"])
    assert "maya" in listed.output and key not in listed.output


def test_agents_add_refuses_bad_input(store: Store) -> None:
    weak = runner.invoke(
        app, ["agents", "add", "sam", "--team", "sales", "--password-stdin"], input="short\n"
    )
    assert weak.exit_code == 2 and "at least 8" in weak.output
    team = runner.invoke(app, ["agents", "add", "sam", "--team", "marketing", "--password-stdin"])
    assert team.exit_code == 2 and "unknown team" in team.output
    runner.invoke(
        app, ["agents", "add", "sam", "--team", "sales", "--password-stdin"], input="long enough\n"
    )
    again = runner.invoke(
        app, ["agents", "add", "sam", "--team", "sales", "--password-stdin"], input="long enough\n"
    )
    assert again.exit_code == 2 and "already exists" in again.output
    assert runner.invoke(app, ["agents", "key", "nobody"]).exit_code == 2


def test_customers_export_and_delete(store: Store) -> None:
    conversation = store.get_or_create_conversation("sms:+1555", "sms", "+1555", "default")
    store.record_inbound(conversation.id, InboundMessage(channel="sms", sender="+1555", text="hi"))
    customer_id = conversation.customer_id
    assert customer_id is not None
    exported = runner.invoke(app, ["customers", "export", customer_id])
    assert exported.exit_code == 0
    assert [m["text"] for m in json.loads(exported.output)["messages"]] == ["hi"]
    refused = runner.invoke(app, ["customers", "delete", customer_id])
    assert refused.exit_code == 2 and store.get_customer(customer_id) is not None
    deleted = runner.invoke(app, ["customers", "delete", customer_id, "--yes"])
    assert deleted.exit_code == 0 and "1 messages" in deleted.output
    assert store.get_customer(customer_id) is None
    assert runner.invoke(app, ["customers", "export", customer_id]).exit_code == 2
