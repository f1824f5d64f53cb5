"""Who asks, as the order lookup limits count them."""

from __future__ import annotations

import pytest

from assistant.orders import requester_key


@pytest.mark.parametrize(
    ("channel", "sender", "address", "key"),
    [
        ("web", "v-1", "203.0.113.5", "address:203.0.113.5"),
        ("web", "v-2", "::ffff:203.0.113.5", "address:203.0.113.5"),  # IPv4 over IPv6
        ("web", "v-3", "2001:db8:1:2:aaaa::1", "address:2001:db8:1:2::/64"),
        ("web", "v-4", "2001:db8:1:2:bbbb::9", "address:2001:db8:1:2::/64"),  # same /64
        ("web", "v-5", "testclient", "address:testclient"),
        ("web", "v-6", None, "web:v-6"),  # no address known: the conversation's visitor
        ("whatsapp", "16505551234", None, "whatsapp:16505551234"),
        ("sms", "+14155550100", None, "sms:+14155550100"),
    ],
)
def test_requester_key(channel: str, sender: str, address: str | None, key: str) -> None:
    assert requester_key(channel, sender, address) == key
