"""The error tree. Vendor exceptions are translated into these at the boundary."""


class AssistantError(Exception):
    """Base of every error the assistant raises on purpose."""


class ConfigurationError(AssistantError):
    """Settings or brand files are missing or invalid; raised at start, never mid-conversation."""


class CatalogError(AssistantError):
    """A catalog or FAQ file cannot be read at all (bad rows are reported, not raised)."""


class EmbeddingError(AssistantError):
    """The embedding model cannot be loaded or run."""


class SearchIndexError(AssistantError):
    """The search index is missing, stale or unreachable."""


class IndexMissingError(SearchIndexError):
    """No index has been built yet: run `assistant ingest`."""


class EmbeddingMismatchError(SearchIndexError):
    """The index was built with another embedding than the one configured."""


class VectorStoreError(SearchIndexError):
    """The vector store (Chroma) failed or cannot be reached."""
