"""decide_handoff: one case per signal, thresholds from settings."""

from __future__ import annotations

import pytest

from assistant.config import HandoffSettings
from assistant.handoff import TurnSignals, confidence, decide_handoff, desk_confidence

SETTINGS = HandoffSettings()


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("can I talk to a human?", "shopper asked for a person"),
        ("I want to speak with a real person", "shopper asked for a person"),
        ("I want a human", "shopper asked for a person"),
        ("connect me with an agent", "shopper asked for a person"),
        ("I'm filing a chargeback", "sensitive topic: refund dispute"),
        ("my lawyer will hear about this", "sensitive topic: legal"),
        ("the stove exploded", "sensitive topic: safety"),
        ("I was double charged", "sensitive topic: payment problem"),
        ("you idiot", "abusive language"),
        ("this is ridiculous!!!", "shopper is frustrated"),
    ],
)
def test_words_that_need_a_person(text: str, reason: str) -> None:
    decision = decide_handoff(TurnSignals(text=text), SETTINGS)
    assert decision.handoff and decision.reason == reason


@pytest.mark.parametrize(
    "text", ["hi", "waterproof jacket under 200", "is it machine washable?", "thanks!"]
)
def test_ordinary_messages_stay_with_the_bot(text: str) -> None:
    decision = decide_handoff(TurnSignals(text=text, similarity=0.7), SETTINGS)
    assert not decision.handoff and decision.confidence == 1.0


def test_the_models_own_call_is_followed() -> None:
    decision = decide_handoff(TurnSignals(text="ok", model_requested="warranty claim"), SETTINGS)
    assert decision.handoff and decision.reason == "warranty claim"


def test_repeated_fallbacks_reach_the_threshold() -> None:
    one = decide_handoff(TurnSignals(text="hmm", consecutive_fallbacks=1, fallback=True), SETTINGS)
    two = decide_handoff(TurnSignals(text="hmm", consecutive_fallbacks=2, fallback=True), SETTINGS)
    assert not one.handoff
    assert two.handoff and two.reason == "repeated failure to help"
    patient = HandoffSettings(max_fallbacks=3)
    assert not decide_handoff(
        TurnSignals(text="hmm", consecutive_fallbacks=2, fallback=True), patient
    ).handoff


def test_weak_retrieval_lowers_confidence_and_hands_off_an_answer() -> None:
    weak = TurnSignals(text="something", similarity=0.1)
    assert confidence(weak, SETTINGS) == pytest.approx(0.167, abs=0.001)
    decision = decide_handoff(weak, SETTINGS)
    assert decision.handoff and decision.reason == "low confidence"
    assert not decide_handoff(
        TurnSignals(text="something", similarity=0.1), HandoffSettings(min_confidence=0.1)
    ).handoff


def test_a_fallback_is_not_also_a_low_confidence_handoff() -> None:
    decision = decide_handoff(
        TurnSignals(text="blorp", similarity=0.05, fallback=True, consecutive_fallbacks=1), SETTINGS
    )
    assert not decision.handoff


def test_grounding_failure_hands_off() -> None:
    decision = decide_handoff(
        TurnSignals(text="price?", grounding_failed=True, similarity=0.8), SETTINGS
    )
    assert decision.handoff and decision.reason == "reply could not be grounded"
    assert decision.confidence == 0.5


def test_explicit_ask_wins_over_other_signals() -> None:
    signals = TurnSignals(text="talk to a person, this is useless", consecutive_fallbacks=5)
    assert decide_handoff(signals, SETTINGS).reason == "shopper asked for a person"


@pytest.mark.parametrize(
    ("text", "trigger"),
    [
        ("can I talk to a human?", "shopper"),
        ("I'm filing a chargeback", "shopper"),
        ("you idiot", "shopper"),
        ("this is ridiculous!!!", "shopper"),
        ("something", "bot"),  # low confidence
    ],
)
def test_a_handoff_says_whose_words_called_for_it(text: str, trigger: str) -> None:
    decision = decide_handoff(TurnSignals(text=text, similarity=0.1), SETTINGS)
    assert decision.handoff and decision.trigger == trigger
    model = decide_handoff(TurnSignals(text="ok", model_requested="warranty claim"), SETTINGS)
    assert model.trigger == "bot"


def test_desk_confidence_combines_the_reply_and_the_reading() -> None:
    signals = TurnSignals(text="waterproof jacket", similarity=0.45)  # 0.75 of full
    assert desk_confidence(signals, SETTINGS, 0.8) == 0.6
    assert desk_confidence(signals, SETTINGS, None) == confidence(signals, SETTINGS) == 0.75
    failing = TurnSignals(text="hmm", similarity=0.45, consecutive_fallbacks=1)
    assert desk_confidence(failing, SETTINGS, 0.8) == 0.3


def test_desk_confidence_is_none_when_nothing_was_measured() -> None:
    assert desk_confidence(TurnSignals(text="hello"), SETTINGS, None) is None
    assert desk_confidence(TurnSignals(text="hello"), SETTINGS, 0.9) == 0.9
    grounding = TurnSignals(text="price?", grounding_failed=True)
    assert desk_confidence(grounding, SETTINGS, None) == 0.5


def test_desk_confidence_never_rounds_a_measure_up_to_certainty() -> None:
    signals = TurnSignals(text="merino socks", similarity=0.9)
    assert desk_confidence(signals, SETTINGS, 0.9996) == 0.999
