"""Settings: one typed object, read once from the environment (`ASSISTANT_` prefix) and passed down.

Nested groups use a double underscore: ``ASSISTANT_RETRIEVAL__DENSE_WEIGHT=0.6``. The settings
people change most live at the top level (``ASSISTANT_CHROMA_URL``); ``OPENAI_API_KEY`` and
``OPENAI_BASE_URL`` are read as-is so the usual OpenAI environment works unchanged.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, BaseModel, Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from assistant.channels.settings import ChannelSettings
from assistant.messages import MAX_MESSAGE_CHARS

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class CatalogSettings(BaseModel):
    """Where the brand's catalog lives and the shop it belongs to."""

    paths: list[Path] = Field(
        default_factory=lambda: [
            PROJECT_ROOT / "catalog" / "products",
            PROJECT_ROOT / "catalog" / "faq.md",
        ]
    )
    shop_domain: str = "cairnandcompass.example"
    schema_path: Path = Field(
        default=PROJECT_ROOT / "catalog" / "schema.yaml",
        description="optional: corrections to the measures and colour families discovered "
        "from the catalog (see catalog/README.md)",
    )


class EmbeddingSettings(BaseModel):
    """`local` (all-MiniLM-L6-v2 int8 ONNX, no network) or `openai:<model>`."""

    model: str = "local"
    batch_size: int = Field(default=64, ge=1, le=2048)
    threads: int = Field(default=0, ge=0, description="onnxruntime intra-op threads; 0 = auto")
    query_threads: int = Field(
        default=1,
        ge=0,
        description="onnxruntime intra-op threads for embedding one text (a shopper's query); "
        "0 = auto. One suits a server: a short query gains little from a second thread and "
        "spends more CPU in all (4.9 against 6.4 ms a query measured on 2 cores), CPU the "
        "other turns need. Batches (ingest) use `threads`.",
    )

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
    scoring_threads: int = Field(
        default=1,
        ge=0,
        description="BLAS threads per process for scoring a query against the catalog vectors; "
        "0 = the library's default (one per core). One suits a server, whose workers already "
        "run turns in parallel: idle BLAS threads spin and take the cores from them.",
    )


class OrderSettings(BaseModel):
    """Where order status comes from: a JSON export (the demo) or the Shopify Admin API."""

    source: Literal["json", "shopify", "none"] = "json"
    orders_path: Path = PROJECT_ROOT / "catalog" / "orders" / "orders.json"
    customers_path: Path = PROJECT_ROOT / "catalog" / "orders" / "users.json"
    shopify_api_url: str | None = Field(
        default=None, description="e.g. https://shop.myshopify.com/admin/api/2024-10"
    )
    shopify_token: SecretStr | None = None
    timeout_s: float = Field(default=10.0, gt=0)
    max_attempts_per_order: int = Field(
        default=5, ge=1, le=100, description="missed lookups of one order number per window"
    )
    max_attempts_per_client: int = Field(
        default=10,
        ge=1,
        le=1000,
        description="missed lookups per web client address or channel sender per window",
    )
    attempt_window_s: int = Field(
        default=3600, ge=60, le=7 * 86400, description="the window of the two limits above"
    )


class CheckoutSettings(BaseModel):
    """How checkout links are built: Shopify cart permalinks or a URL template."""

    platform: Literal["shopify", "template"] = "shopify"
    url_template: str = Field(
        default="https://{shop}/cart?items={items}",
        description="for platform=template: {shop}, {items} (id:qty,...), {discount}, {ref}",
    )
    ref: str = "concierge"
    max_quantity: int = Field(default=10, ge=1, le=1000)
    max_lines: int = Field(default=20, ge=1, le=250)
    discount_codes: list[str] = Field(
        default_factory=lambda: ["WELCOME10", "TRAILREADY15"],
        description="codes the assistant may apply; anything else is refused",
    )


class PromptSettings(BaseModel):
    """Brand voice and prompt templates (files brand teams edit) and A/B variants."""

    dir: Path = PROJECT_ROOT / "prompts"
    variant: str = Field(default="default", description="variant for every conversation")
    variants: dict[str, float] = Field(
        default_factory=dict, description='A/B split, e.g. {"default": 0.5, "playful": 0.5}'
    )


class HandoffSettings(BaseModel):
    """When the assistant hands a conversation to a person (see assistant/handoff.py)."""

    max_fallbacks: int = Field(default=2, ge=1, le=10, description="unhelpful replies in a row")
    min_confidence: float = Field(default=0.2, ge=0.0, le=1.0)
    confident_similarity: float = Field(
        default=0.6,
        gt=0.0,
        le=1.0,
        description="retrieval similarity that counts as full confidence",
    )


class UnderstandingSettings(BaseModel):
    """Reading messages as dialogue acts (see assistant/agent/understanding)."""

    min_confidence: float = Field(
        default=0.3,
        ge=0.0,
        le=1.0,
        description="below this an act reading is unsure: ask once, then hand off",
    )


class DeskSettings(BaseModel):
    """The human desk: agent sessions, team routing, the helpdesk webhook (see assistant/desk)."""

    session_hours: float = Field(default=12.0, gt=0, le=24 * 30, description="console login")
    teams: list[str] = Field(default_factory=lambda: ["sales", "support", "orders"])
    default_team: str = Field(default="support", description="team of a reason no route matches")
    routes: dict[str, str] = Field(
        default_factory=dict,
        description='reason keyword -> team, tried before the built-in table: {"refund": "orders"}',
    )
    webhook_url: str | None = Field(
        default=None, description="helpdesk endpoint that receives every handoff; unset = off"
    )
    webhook_secret: SecretStr | None = Field(
        default=None, description="HMAC-SHA256 key for the outbound and inbound helpdesk webhooks"
    )
    webhook_timeout_s: float = Field(default=10.0, gt=0)
    webhook_max_attempts: int = Field(default=8, ge=1, le=50)
    webhook_tolerance_s: int = Field(
        default=300, ge=30, le=3600, description="inbound replies older or newer are refused"
    )


class AnalyticsSettings(BaseModel):
    """How the analytics report counts (see assistant/analytics)."""

    resolved_after_minutes: float = Field(
        default=30,
        gt=0,
        le=7 * 24 * 60,
        description="a bot-answered conversation idle this long, never handed off, is resolved",
    )


class StoreSettings(BaseModel):
    """The database (see assistant/store)."""

    busy_timeout_s: float = Field(
        default=5.0, gt=0, description="SQLite write-lock wait; PostgreSQL connect timeout"
    )
    lock_timeout_s: float = Field(default=60.0, gt=0, description="longest wait for a conversation")
    lock_files: int = Field(
        default=256,
        ge=1,
        le=65536,
        description="SQLite: conversation lock files beside the database, shared by hash",
    )
    pool_size: int = Field(
        default=5, ge=1, le=100, description="PostgreSQL pool; >= concurrent turns"
    )
    recover_after_s: float = Field(
        default=120.0,
        ge=5,
        description="a stored message unanswered this long is finished by any live worker",
    )
    max_turn_attempts: int = Field(
        default=3,
        ge=1,
        le=20,
        description="turns begun for a message that keep failing before it is a dead letter",
    )
    outbox_max_attempts: int = Field(default=8, ge=1, le=50)
    outbox_backoff_base_s: float = Field(default=2.0, gt=0)
    outbox_backoff_cap_s: float = Field(default=600.0, gt=0)


class IdentitySettings(BaseModel):
    """Linking a web chat to a phone the shop already talks to (see assistant/identity.py)."""

    channels: tuple[Literal["whatsapp", "sms"], ...] = Field(
        default=("whatsapp", "sms"),
        description="channels that may carry a code, in order of preference",
    )
    code_ttl_s: int = Field(default=600, ge=60, le=3600, description="how long a code is valid")
    max_attempts: int = Field(default=5, ge=1, le=10, description="wrong tries before a code dies")
    codes_per_hour: int = Field(
        default=5, ge=1, le=50, description="codes per phone number and per conversation"
    )
    history_messages: int = Field(
        default=30, ge=0, le=200, description="agent memory brought over from the phone chat"
    )
    default_region: str = Field(
        default="US",
        pattern=r"^[A-Za-z]{2}$",
        description="country (ISO 3166 code) a number typed without +country code is read in",
    )


OFFLINE_TURNS_AT_ONCE = 2
HOSTED_TURNS_AT_ONCE = 32


class ServerSettings(BaseModel):
    """The HTTP service: where it listens, its public URL, and request limits."""

    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    keep_alive_s: float = Field(
        default=75.0,
        gt=0,
        le=3600,
        description="how long an idle connection stays open; keep it longer than the idle "
        "timeout of the proxy or load balancer in front, or a request sent on a connection the "
        "server is closing fails",
    )
    public_url: str = Field(default="http://127.0.0.1:8000", description="base of /c/ links")
    secret_key: SecretStr | None = Field(
        default=None, description="signs checkout links and visitor passes; unset = generated once"
    )
    max_body_bytes: int = Field(default=64_000, ge=1_000, le=10_000_000)
    cors_origins: list[str] = Field(default_factory=list, description="sites that embed the widget")
    forwarded_allow_ips: list[str] = Field(
        default_factory=list,
        description="proxies (IPs or CIDR ranges) whose X-Forwarded-For/-Proto are believed; "
        "unset = none: the client address is the connection's peer",
    )
    turn_concurrency: int | None = Field(
        default=None,
        ge=1,
        le=1024,
        description="turns one worker process runs at once; more wait their turn in order. "
        "Unset: 2 on the offline engine (its turns are CPU-bound: running many at once in one "
        "process only makes each slower), 32 with a hosted model (its turns wait on the network)",
    )

    def turns_at_once(self, chat_model: str) -> int:
        """`turn_concurrency`, or its default for the chat model."""
        if self.turn_concurrency is not None:
            return self.turn_concurrency
        return OFFLINE_TURNS_AT_ONCE if chat_model == "offline" else HOSTED_TURNS_AT_ONCE


class OpenAISettings(BaseModel):
    """Client behaviour towards an OpenAI-compatible endpoint (the key and URL are top-level)."""

    timeout_s: float = Field(default=30.0, gt=0)
    max_retries: int = Field(default=2, ge=0, le=10)
    turn_budget_s: float = Field(
        default=60.0, gt=0, description="longest a turn may wait on the model, retries included"
    )


class LimitSettings(BaseModel):
    """Bounds on what one client or sender may send (see assistant/api/limits.py).

    Rates are token buckets: `*_per_minute` refills, `*_burst` is the most sent at once.
    Each worker process keeps its own buckets.
    """

    max_message_chars: int = Field(default=MAX_MESSAGE_CHARS, ge=1, le=MAX_MESSAGE_CHARS)
    max_json_depth: int = Field(default=32, ge=2, le=512)
    sender_per_minute: float = Field(
        default=30.0, gt=0, description="messages a minute from one conversation or sender"
    )
    sender_burst: int = Field(default=10, ge=1)
    ip_per_minute: float = Field(
        default=120.0, gt=0, description="web chat requests a minute from one client address"
    )
    ip_burst: int = Field(default=40, ge=1)
    login_failures_per_minute: float = Field(
        default=5.0, gt=0, description="failed console logins a minute from one client address"
    )
    login_failures_burst: int = Field(default=10, ge=1)
    login_pair_failures_per_minute: float = Field(
        default=1.0, gt=0, description="failed logins a minute to one account from one address"
    )
    login_pair_failures_burst: int = Field(default=5, ge=1)
    link_per_minute: float = Field(
        default=2.0,
        gt=0,
        description="phone-linking calls (codes asked, codes typed) a minute from one client "
        "address, and from one conversation",
    )
    link_burst: int = Field(default=10, ge=1)
    tracked_keys: int = Field(
        default=100_000, ge=100, description="senders remembered at once (oldest forgotten)"
    )
    streams_per_client: int = Field(
        default=8, ge=1, description="live-update streams one client address may hold open"
    )
    streams_total: int = Field(
        default=2000, ge=1, description="live-update streams one worker holds open in all"
    )


class EvalSettings(BaseModel):
    """`assistant eval`: referenced datasets, the optional LLM judge, the results history."""

    shared_data: Path = Field(
        default=PROJECT_ROOT.parent / "shared" / "data",
        description="folder of the datasets cases reference (read at run time, never copied)",
    )
    judge_model: str | None = Field(
        default=None, description="openai:<model> grading rubric assertions; unset = skipped"
    )
    history_file: Path | None = Field(
        default=None, description="where each run's summary is appended; unset = data_dir"
    )
    workers: int = Field(default=2, ge=1, le=32, description="cases run at once")


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
    model: str | None = Field(
        default=None,
        description="offline or openai:<model>; unset: OpenAI with a key, else offline",
    )
    chroma_url: str | None = Field(
        default=None, description="A Chroma server (http://host:port); unset = embedded Chroma."
    )
    database_url: SecretStr | None = Field(
        default=None, description="SQLAlchemy URL; unset = sqlite:///<data_dir>/assistant.db"
    )
    store: StoreSettings = Field(default_factory=StoreSettings)
    catalog: CatalogSettings = Field(default_factory=CatalogSettings)
    embedding: EmbeddingSettings = Field(default_factory=EmbeddingSettings)
    retrieval: RetrievalSettings = Field(default_factory=RetrievalSettings)
    orders: OrderSettings = Field(default_factory=OrderSettings)
    checkout: CheckoutSettings = Field(default_factory=CheckoutSettings)
    prompts: PromptSettings = Field(default_factory=PromptSettings)
    handoff: HandoffSettings = Field(default_factory=HandoffSettings)
    understanding: UnderstandingSettings = Field(default_factory=UnderstandingSettings)
    desk: DeskSettings = Field(default_factory=DeskSettings)
    analytics: AnalyticsSettings = Field(default_factory=AnalyticsSettings)
    server: ServerSettings = Field(default_factory=ServerSettings)
    identity: IdentitySettings = Field(default_factory=IdentitySettings)
    channels: ChannelSettings = Field(default_factory=ChannelSettings)
    openai: OpenAISettings = Field(default_factory=OpenAISettings)
    evals: EvalSettings = Field(default_factory=EvalSettings)
    limits: LimitSettings = Field(default_factory=LimitSettings)
    openai_api_key: SecretStr | None = Field(
        default=None, validation_alias=AliasChoices("OPENAI_API_KEY", "ASSISTANT_OPENAI_API_KEY")
    )
    openai_base_url: str | None = Field(
        default=None, validation_alias=AliasChoices("OPENAI_BASE_URL", "ASSISTANT_OPENAI_BASE_URL")
    )

    @field_validator("model")
    @classmethod
    def _known_chat_model(cls, value: str | None) -> str | None:
        if value in (None, "offline") or (value.startswith("openai:") and len(value) > 7):
            return value
        raise ValueError("model must be 'offline' or 'openai:<model>'")

    @property
    def chroma_path(self) -> Path:
        return self.data_dir / "chroma"

    def chat_model(self) -> str:
        """The chat model to use: as configured, else OpenAI when a key is set, else offline."""
        if self.model:
            return self.model
        return "openai:gpt-4.1-mini" if self.openai_api_key else "offline"

    def openai_credentials(self) -> tuple[SecretStr | None, str | None]:
        """The key and base URL for calls to an OpenAI-compatible endpoint."""
        return self.openai_api_key, self.openai_base_url


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read once. Tests build their own `Settings(...)` instead."""
    return Settings()
