"""Storable text: what every backend can keep, with what was sent recoverable."""

from __future__ import annotations

import pytest

from assistant.messages import Handoff, InboundMessage, Reply
from assistant.storable import keep, recover, storable

CASES = {
    "rain\x00 jacket": "rain jacket",
    "a\ud800b\udfffc": "a\ufffdb\ufffdc",
    "\ud83d\ude00": "\U0001f600",  # a pair split in two code points is joined again
    "one\r\ntwo\rthree\x0bfour\x1b[0m\x7f\x85": "one\ntwo\nthreefour[0m",
    "tab\tand\nnewline": "tab\tand\nnewline",
    "cafe\u0301": "caf\u00e9",  # NFC
    "s" + "\u0301" * 50: "\u015b" + "\u0301" * 7,  # 8 marks kept, then NFC
    "\u202eevil\u202c": "\u202eevil\u202c",  # storable; shown as text, never as markup
    "plain": "plain",
}


@pytest.mark.parametrize(("sent", "stored"), CASES.items())
def test_storable_text_and_the_original_kept(sent: str, stored: str) -> None:
    assert storable(sent) == stored
    assert storable(stored) == stored  # idempotent
    stored.encode("utf-8")  # every database can take it
    assert recover(keep(sent)) == sent
    assert keep(sent).isascii()


def test_an_inbound_message_keeps_what_was_sent_through_a_store_round_trip() -> None:
    sent = "rain\x00 jacket \ud800"
    message = InboundMessage(channel="whatsapp", sender="1650\x00555", text=sent)
    assert (message.text, message.sender) == ("rain jacket \ufffd", "1650555")
    again = InboundMessage.model_validate(message.model_dump(mode="json"))  # as recovery reads it
    assert again == message and again.original("text") == sent
    assert again.original("sender") == "1650\x00555"
    assert message.original("quick_reply") == ""  # unchanged fields have no original
    clean = InboundMessage(channel="web", sender="v", text="merino socks")
    assert clean.originals == {}


def test_model_written_reply_text_and_handoff_reasons_are_storable() -> None:
    reply = Reply(text="Here\x00 you go", handoff=Handoff(reason="why\ud800", confidence=0.5))
    assert reply.text == "Here you go"
    assert reply.handoff is not None and reply.handoff.reason == "why\ufffd"
