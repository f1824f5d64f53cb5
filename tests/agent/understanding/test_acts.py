"""The act classifier reads each act from utterances written apart from its training file."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from assistant.agent.understanding import ACTS, ActClassifier, load_examples
from assistant.agent.understanding.examples import normalise

# A dozen per act, none of them in prompts/understanding/acts.yaml (checked below).
CASES: dict[str, list[str]] = {
    "search": [
        "i need a thermos for long hikes",
        "got any winter gloves",
        "looking for a coffee table",
        "do you sell baby monitors",
        "want some new earphones for the gym",
        "any face wash for acne",
        "searching for a rice cooker",
        "do you carry camping stoves",
        "i'd like a desk lamp",
        "have you got board games for family night",
        "need some ankle socks",
        "show me tablets",
    ],
    "refine": [
        "only ones under 30 dollars",
        "any of these in a wider fit?",
        "can i see the ones in brown",
        "something a bit lighter",
        "just the cordless ones",
        "anything with a bigger screen?",
        "only the ones that are in stock now",
        "any for petite women",
        "something less expensive",
        "same thing but cheaper",
        "do any of those come with a case",
        "more options in blue",
    ],
    "superlative": [
        "which is the cheapest of these",
        "the lightest one?",
        "which one has the biggest capacity",
        "whats the warmest of them",
        "which is the highest rated",
        "the most compact one please",
        "which one charges the fastest",
        "which has the longest cord",
        "the smallest of the three?",
        "which is the strongest",
        "which of them is the quietest",
        "the most affordable one",
    ],
    "compare": [
        "what's the difference between the first two",
        "is the first one better than the second",
        "which is warmer, the blue or the red",
        "compare the second and the third for me",
        "how does the cheap one compare to the expensive one",
        "which would you choose out of the two",
        "is the large one much heavier than the medium one",
        "are the two kettles any different",
        "first or second, which is better for camping",
        "how do these two differ in battery",
        "which of the two is more comfortable",
        "is the steel one sturdier than the plastic one",
    ],
    "ask_attribute": [
        "is it water resistant",
        "what is the weight of the second one",
        "does the first one have a warranty",
        "what is it made from",
        "how long is the battery life",
        "are they dishwasher safe",
        "how heavy is that one",
        "how big is the third one",
        "does it have a usb port",
        "is the jacket insulated",
        "what's the capacity of that bottle",
        "do the boots have a waterproof lining",
    ],
    "pick": [
        "the third one",
        "tell me more about the first one",
        "that one there",
        "the black one please",
        "show me number 2",
        "more on the last one",
        "the grey one",
        "i'll look at the one in the middle",
        "the one with the pockets",
        "number 4",
        "the silver one",
        "let me see the second",
    ],
    "choose_variant": [
        "medium",
        "size 11",
        "extra large",
        "in white",
        "two of the large",
        "the 128gb one",
        "small in navy",
        "size 7 wide",
        "make it a small",
        "4 of them",
        "the queen",
        "womens medium",
    ],
    "correct": [
        "no, the other one",
        "sorry i meant the mens",
        "not that one, the first",
        "i meant medium not large",
        "oops wrong one",
        "no i said the red one",
        "that's not the one i meant",
        "actually i meant the cheaper one",
        "no the one before",
        "sorry i meant the women's version",
        "nope, the other colour",
        "i didn't mean that, the bigger one",
    ],
    "negate": [
        "no polyester",
        "anything except red",
        "not made of plastic",
        "no leather ones please",
        "nothing over 100 dollars",
        "i don't want wool",
        "nothing with a zip",
        "not black",
        "no down please",
        "anything but the heavy ones",
        "without fragrance",
        "no batteries",
    ],
    "checkout": [
        "i'll buy it",
        "add it to my cart",
        "check out please",
        "i want to order that",
        "let's buy the red one",
        "put two in my cart",
        "i'm ready to pay",
        "send me the checkout link",
        "buy it",
        "add to basket please",
        "ok i'll take the medium",
        "i want to purchase it now",
    ],
    "policy": [
        "what is your returns policy",
        "do you ship to australia",
        "how much is shipping",
        "can i pay with a credit card",
        "is there a warranty on everything",
        "can i return it if it doesn't fit",
        "how long do deliveries take",
        "do you offer free returns",
        "can i exchange it for another colour",
        "do you accept google pay",
        "what if i change my mind after buying",
        "how long do i have to return something",
    ],
    "order_status": [
        "where's my order",
        "has my order shipped yet",
        "can you track my package",
        "when will my order be delivered",
        "what's the status of order 12345",
        "my package still hasn't come",
        "is my parcel on its way",
        "i'm still waiting for my order",
        "any update on my delivery",
        "did my order go out",
        "when is my package arriving",
        "has order #W1000003 been sent",
    ],
    "order_problem": [
        "my item arrived broken",
        "you sent the wrong item",
        "part of my order is missing",
        "i got the wrong size",
        "the product is damaged",
        "i was charged two times",
        "my refund hasn't arrived",
        "it stopped working after two days",
        "the box was damaged and the item is scratched",
        "i received a different colour than i ordered",
        "the zip broke the first time i used it",
        "the order arrived with pieces missing",
    ],
    "gift": [
        "a present for my mom",
        "gift for my 8 year old nephew",
        "birthday gift for my husband",
        "what can i get my girlfriend",
        "a christmas gift for my dad who likes hiking",
        "gift ideas for a friend",
        "something for my grandma's birthday",
        "gift for a teenager",
        "i need a present for my brother",
        "what's a good gift for a runner",
        "a gift for my boss",
        "present for a new baby",
    ],
    "greet": [
        "hello!",
        "hi there!",
        "hey hello",
        "good morning there",
        "hey!",
        "hiii",
        "hello hi",
        "hi, good evening",
        "hey, hello there",
        "hey good morning",
        "hello!!",
        "hi hi hi",
    ],
    "thanks": [
        "thank you very much",
        "thanks!",
        "thank you!",
        "thx so much",
        "cheers mate",
        "many thanks!",
        "thanks, that helped",
        "appreciate that",
        "great, thank you",
        "ty!",
        "thank you so much!",
        "thanks a ton",
    ],
    "bye": [
        "bye!",
        "goodbye then",
        "see you later",
        "ok bye bye",
        "i have to go",
        "that's all, goodbye",
        "have a good day",
        "see ya later",
        "bye, thanks",
        "gotta go now",
        "good bye",
        "that's everything, bye",
    ],
    "human": [
        "i want to talk to a person",
        "can i speak to a human",
        "let me talk to an agent",
        "connect me to a real person",
        "i need a human",
        "put me through to someone",
        "can i talk to customer service",
        "transfer me to a human please",
        "i want to speak to someone real",
        "get me an agent",
        "i'd like to talk to a real human",
        "speak to a person please",
    ],
    "out_of_scope": [
        "what's the weather like today",
        "tell me a funny joke",
        "help me with my homework",
        "who won the football game",
        "write a poem about the sea",
        "what is the capital of france",
        "what's 12 times 12",
        "can you book me a hotel",
        "who is the prime minister",
        "tell me about the history of rome",
        "what's a good recipe for pancakes",
        "can you write my essay",
    ],
}
CLEAR = [(act, text) for act, texts in CASES.items() for text in texts]
NOT_TO_ACT_ON = ["asdfjkl qwer", "¿tienen botas impermeables?", "uhhh", "hmm the"]


def test_every_act_has_a_dozen_cases_none_from_the_training_file() -> None:
    trained = set(load_examples().texts)
    assert set(CASES) == set(ACTS)
    assert all(len(texts) >= 12 for texts in CASES.values())
    assert [text for _, text in CLEAR if normalise(text) in trained] == []


@pytest.mark.parametrize(("act", "text"), CLEAR)
def test_reads_the_act(acts: ActClassifier, act: str, text: str) -> None:
    reading = acts.read(text)
    assert (reading.act, text) == (act, text), reading


@pytest.mark.parametrize("text", NOT_TO_ACT_ON)
def test_gibberish_other_languages_and_fragments_are_unsure(acts: ActClassifier, text: str) -> None:
    reading = acts.read(text)
    assert reading.unsure
    assert reading.confidence < acts.read("any good rain jackets").confidence


def test_a_clear_message_is_more_confident_than_gibberish(acts: ActClassifier) -> None:
    clear = acts.read("where is my order")
    assert clear.act == "order_status" and not clear.unsure
    assert clear.confidence > 0.8 > 0.3 > acts.read("zxcv bnm").confidence


def test_a_reading_is_a_probability_with_runners_up(acts: ActClassifier) -> None:
    reading = acts.read("is the first one heavier than the second")
    assert 0.0 <= reading.confidence <= 1.0
    assert len(reading.runners_up) == 3
    assert reading.act not in [act for act, _ in reading.runners_up]
    scores = [reading.confidence, *(p for _, p in reading.runners_up)]
    assert scores == sorted(scores, reverse=True)
    assert acts.probabilities(np.zeros((1, 384))).sum() <= 1.0 + 1e-9


def test_deterministic_and_accepts_the_search_query_vector(
    acts: ActClassifier, embedder: object
) -> None:
    text = "Anything   cheaper in GREEN?"
    vector = embedder.embed([text])[0]  # type: ignore[attr-defined]
    assert acts.read(text) == acts.read(text) == acts.read(text, vector)
    # A batch pads messages to one length, which moves the last bits of each vector.
    batch = acts.read_many([text, "thanks"])
    assert [r.act for r in batch] == [acts.read(text).act, "thanks"]
    assert batch[0].confidence == pytest.approx(acts.read(text).confidence, abs=1e-6)


def test_the_minimum_confidence_is_the_setting(
    acts: ActClassifier, embedder: object, acts_cache: Path
) -> None:
    strict = ActClassifier.build(
        load_examples(),
        embedder,  # type: ignore[arg-type]
        cache_dir=acts_cache,
        min_confidence=0.999,
    )
    assert strict.read("the second one is nice i guess").unsure
    assert not acts.read("the second one").unsure


def test_an_empty_message_is_unsure(acts: ActClassifier) -> None:
    assert acts.read("").unsure and acts.read("   ").unsure


def test_the_product_search_shares_its_query_vector(
    acts: ActClassifier, demo_index: object, embedder: object
) -> None:
    from assistant.retrieval.index import CatalogIndex

    assert isinstance(demo_index, CatalogIndex)
    text = "any good rain jackets"
    vector = demo_index.products.query_vector(text)
    assert np.array_equal(vector, demo_index.products.query_vector(text))
    assert np.allclose(vector, embedder.embed([text])[0], atol=1e-6)  # type: ignore[attr-defined]
    assert acts.read(text, vector) == acts.read(text)
