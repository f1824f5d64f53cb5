"""Settings: one typed object, read once from the environment (`ASSISTANT_` prefix) and passed down.

Nested groups use a double underscore: ``ASSISTANT_RETRIEVAL__DENSE_WEIGHT=0.6``. The settings
people change most live at the top level (``ASSISTANT_CHROMA_URL``); ``OPENAI_API_KEY`` and
``OPENAI_BASE_URL`` are read as-is so the usual OpenAI environment works unchanged.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import AliasChoices, BaseModel, Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class CatalogSettings(BaseModel):
    """Where the brand's catalog lives and the shop it belongs to."""

    paths: list[Path] = Field(default_factory=lambda: [PROJECT_ROOT / "catalog"])
    shop_domain: str = "cairnandcompass.example"


class EmbeddingSettings(BaseModel):
    """`local` (all-MiniLM-L6-v2 int8 ONNX, no network) or `openai:<model>`."""

    model: str = "local"
    batch_size: int = Field(default=64, ge=1, le=2048)
    threads: int = Field(default=0, ge=0, description="onnxruntime intra-op threads; 0 = auto")

    @field_validator("model")
    @classmethod
    def _known_model(cls, value: str) -> str:
        if value != "local" and not (value.startswith("openai:") and len(value) > len("openai:")):
            raise ValueError("embedding model must be 'local' or 'openai:<model>'")
        return value


class RetrievalSettings(BaseModel):
    """How lexical and dense scores are fused (weights measured in benchmarks/retrieval.py)."""

    collection_prefix: str = Field(
        default="concierge", pattern=r"^[a-zA-Z0-9][a-zA-Z0-9._-]{1,60}$"
    )
    dense_weight: float = Field(default=0.5, ge=0.0, le=1.0)
    faq_dense_weight: float = Field(default=0.75, ge=0.0, le=1.0)
    default_k: int = Field(default=8, ge=1, le=100)


class OpenAISettings(BaseModel):
    """Client behaviour towards an OpenAI-compatible endpoint (the key and URL are top-level)."""

    timeout_s: float = Field(default=30.0, gt=0)
    max_retries: int = Field(default=2, ge=0, le=10)


class Settings(BaseSettings):
    """Every setting. Library code receives this object; it never reads os.environ."""

    model_config = SettingsConfigDict(
        env_prefix="ASSISTANT_",
        env_nested_delimiter="__",
        env_file=".env",
        extra="ignore",
        populate_by_name=True,
    )

    data_dir: Path = Field(default=PROJECT_ROOT / ".data")
    chroma_url: str | None = Field(
        default=None, description="A Chroma server (http://host:port); unset = embedded Chroma."
    )
    catalog: CatalogSettings = Field(default_factory=CatalogSettings)
    embedding: EmbeddingSettings = Field(default_factory=EmbeddingSettings)
    retrieval: RetrievalSettings = Field(default_factory=RetrievalSettings)
    openai: OpenAISettings = Field(default_factory=OpenAISettings)
    openai_api_key: SecretStr | None = Field(
        default=None, validation_alias=AliasChoices("OPENAI_API_KEY", "ASSISTANT_OPENAI_API_KEY")
    )
    openai_base_url: str | None = Field(
        default=None, validation_alias=AliasChoices("OPENAI_BASE_URL", "ASSISTANT_OPENAI_BASE_URL")
    )

    @property
    def chroma_path(self) -> Path:
        return self.data_dir / "chroma"

    def openai_credentials(self) -> tuple[SecretStr | None, str | None]:
        """The key and base URL for calls to an OpenAI-compatible endpoint."""
        return self.openai_api_key, self.openai_base_url


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read once. Tests build their own `Settings(...)` instead."""
    return Settings()
