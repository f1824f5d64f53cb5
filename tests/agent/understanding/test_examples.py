"""Example files: the shipped one, a brand's additions, clear errors, and the trained cache."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from assistant.agent.understanding import ActClassifier, load_examples
from assistant.agent.understanding.examples import ACTS, SHIPPED, example_files, read_examples
from assistant.config import PromptSettings, Settings, UnderstandingSettings
from assistant.errors import ConfigurationError
from assistant.retrieval.embeddings import LocalMiniLM
from tests.conftest import REPO

HELDOUT = REPO / "evals" / "understanding" / "acts_heldout.yaml"
# A brand's own word for buying: "summit it" means "I'll take it".
BRAND_CHECKOUT = """\
checkout:
  - summit it
  - summit that one
  - summit the large
  - i'll summit the tent
  - summit both of them
  - let's summit this
  - summit the first one
  - ok summit it for me
"""


def brand_prompts(tmp_path: Path, name: str, text: str) -> Path:
    folder = tmp_path / "prompts" / "understanding"
    folder.mkdir(parents=True)
    (folder / name).write_text(text, encoding="utf-8")
    return tmp_path / "prompts"


def test_the_shipped_file_has_forty_examples_per_act_and_none_held_apart() -> None:
    examples = load_examples()
    assert all(len(examples.of(act)) >= 40 for act in ACTS)
    held_apart = read_examples(HELDOUT)
    assert not set(held_apart.texts) & set(examples.texts)


def test_a_brand_file_adds_examples_after_the_shipped_ones(tmp_path: Path) -> None:
    prompts = brand_prompts(tmp_path, "acts-brand.yaml", BRAND_CHECKOUT)
    (prompts / "understanding" / "notes.yaml").write_text("not: examples", encoding="utf-8")
    assert example_files(prompts) == [SHIPPED, prompts / "understanding" / "acts-brand.yaml"]
    extended = load_examples(prompts)
    assert "summit it" in extended.of("checkout")
    assert extended.texts[: len(load_examples().texts)] == load_examples().texts


def test_a_brand_phrase_is_recognised_once_its_examples_are_added(
    acts: ActClassifier, embedder: object, tmp_path: Path
) -> None:
    phrase = "summit the blue one for me"
    assert acts.read(phrase).act != "checkout"
    prompts = brand_prompts(tmp_path, "acts-brand.yaml", BRAND_CHECKOUT)
    extended = ActClassifier.from_prompts(prompts, embedder, cache_dir=tmp_path / "cache")  # type: ignore[arg-type]
    reading = extended.read(phrase)
    assert reading.act == "checkout" and not reading.unsure
    assert extended.read("where is my order").act == "order_status"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("shopping:\n  - buy a tent\n", "acts-bad.yaml: unknown act 'shopping'"),
        ("search:\n  - ''\n", "acts-bad.yaml: search: example 1: empty example"),
        ("search:\n  - '   '\n", "search: example 1: empty example"),
        ("search:\n  - a tent\n  -\n", "acts-bad.yaml: search: example 2: expected text"),
        ("search: []\n", "search: expected a non-empty list"),
        ("search: a tent\n", "search: expected a non-empty list"),
        ("- a tent\n", "expected a mapping of act to example utterances"),
        ("search: [a tent\n", "acts-bad.yaml: not valid YAML"),
        (f"search:\n  - {'x' * 501}\n", "search: example 1: longer than 500 characters"),
    ],
)
def test_bad_files_give_clear_errors(tmp_path: Path, text: str, message: str) -> None:
    prompts = brand_prompts(tmp_path, "acts-bad.yaml", text)
    with pytest.raises(ConfigurationError, match=message.replace("[", r"\[")):
        load_examples(prompts)


def test_every_act_needs_examples(tmp_path: Path) -> None:
    from assistant.agent.understanding.examples import merge

    with pytest.raises(ConfigurationError, match=r"no example utterances for act.*refine"):
        merge(
            [
                read_examples(
                    brand_prompts(tmp_path, "acts.yaml", "search:\n  - a\n")
                    / "understanding"
                    / "acts.yaml"
                )
            ]
        )


class CountingEmbedder:
    """The real embedder, counting how many texts it was asked to embed."""

    def __init__(self, inner: object) -> None:
        assert isinstance(inner, LocalMiniLM)
        self.inner, self.texts = inner, 0
        self.id = inner.id
        self.dimension = inner.dimension

    def embed(self, texts: list[str]) -> np.ndarray:
        self.texts += len(texts)
        return self.inner.embed(texts)


def test_a_second_build_comes_from_the_cache(embedder: object, acts_cache: Path) -> None:
    counting = CountingEmbedder(embedder)
    built = ActClassifier.build(load_examples(), counting, cache_dir=acts_cache)
    assert counting.texts == 0  # the session fixture trained and cached it already
    assert built.read("any good rain jackets").act == "search"


def test_an_unreadable_cache_is_built_again(embedder: object, tmp_path: Path) -> None:
    prompts = brand_prompts(tmp_path, "acts-x.yaml", "greet:\n  - howdy partner\n")
    counting = CountingEmbedder(embedder)
    first = ActClassifier.from_prompts(prompts, counting, cache_dir=tmp_path / "c")
    (model,) = (tmp_path / "c").glob("acts-*.npz")
    model.write_bytes(b"torn")
    again = ActClassifier.from_prompts(prompts, counting, cache_dir=tmp_path / "c")
    assert counting.texts == len(load_examples(prompts).texts)  # trained from cached vectors
    for torn in (tmp_path / "c").glob("*.npz"):
        torn.write_bytes(b"torn")
    third = ActClassifier.from_prompts(prompts, counting, cache_dir=tmp_path / "c")
    assert counting.texts == 2 * len(load_examples(prompts).texts)  # embedded again
    assert again.read("thank you") == first.read("thank you")
    assert third.read("thank you").act == "thanks"


def test_a_brand_example_added_later_is_the_only_one_embedded(
    embedder: object, tmp_path: Path
) -> None:
    prompts = brand_prompts(tmp_path, "acts-brand.yaml", BRAND_CHECKOUT)
    counting = CountingEmbedder(embedder)
    ActClassifier.from_prompts(prompts, counting, cache_dir=tmp_path / "c")
    before = counting.texts
    extra = prompts / "understanding" / "acts-more.yaml"
    extra.write_text("checkout:\n  - summit the pair\n", encoding="utf-8")
    extended = ActClassifier.from_prompts(prompts, counting, cache_dir=tmp_path / "c")
    assert counting.texts - before == 1
    assert extended.read("summit it").act == "checkout"


def test_from_settings_reads_the_brand_dir_and_the_threshold(
    embedder: object, tmp_path: Path
) -> None:
    prompts = brand_prompts(tmp_path, "acts-brand.yaml", BRAND_CHECKOUT)
    settings = Settings(
        data_dir=tmp_path / "data",
        prompts=PromptSettings(dir=prompts),
        understanding=UnderstandingSettings(min_confidence=0.99),
    )
    classifier = ActClassifier.from_settings(settings, embedder)  # type: ignore[arg-type]
    assert classifier.min_confidence == 0.99
    assert list((tmp_path / "data" / "understanding").glob("acts-*.npz"))
    assert classifier.read("summit it").act == "checkout"
