"""Settings of one hub process, read once from ``HUB_*`` environment variables."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class Settings(BaseSettings):
    """Every knob of the hub. Each field is the environment variable ``HUB_<NAME>``."""

    model_config = SettingsConfigDict(env_prefix="HUB_", frozen=True, extra="ignore")

    database_url: str = Field(
        default=f"sqlite:///{PROJECT_ROOT / 'var' / 'hub.db'}",
        description="SQLAlchemy URL: sqlite:///path (default, WAL) or postgresql+psycopg://...",
    )
    broker_url: str = Field(
        default="memory://",
        description="memory:// (in-process broker and worker), redis://host:port/db or amqp://...",
    )
    config_dir: Path = Field(
        default=PROJECT_ROOT / "config" / "emscher-lippe",
        description="Deployment config: municipalities, services, destinations, routes.",
    )
    mappings_dir: Path = Field(
        default=PROJECT_ROOT / "mappings", description="Folder of the declarative mapping specs."
    )
    schema_path: str = Field(
        default="",
        description="Schema catalog: os.pathsep-separated directories of installed schema sets (XSD, Schematron, "
        "JSON Schema); 'hub schemas install' writes into the first writable one.",
    )
    max_body_bytes: int = Field(default=25 * 1024 * 1024, description="Largest accepted request body.")
    worker_threads: int = Field(default=8, description="Delivery threads per worker process.")
    worker_stop_seconds: float = Field(
        default=30.0,
        description="How long a stopping worker process may take to finish its in-flight attempts; what is "
        "still running then is abandoned (its lease expires and the sweeper sends it again).",
    )
    worker_ready_file: Path | None = Field(
        default=None,
        description="'hub worker' writes its ready worker pids here (JSON) and removes the file when it stops.",
    )
    db_pool_size: int | None = Field(
        default=None,
        description="Database connections per process (default: 40 for the API, whose thread pool has 40 "
        "threads, plus the worker threads; threads + 4 for a worker). Keep it at least that: connections "
        "opened beyond the pool are closed after each use, and PostgreSQL forks a backend for each new one.",
    )
    lease_seconds: float = Field(
        default=10.0,
        description="A delivery's lease while a worker sends it, renewed every third of it: a killed worker's "
        "deliveries are taken up again this long (plus a sweep) after it died.",
    )
    limits_url: str = Field(
        default="",
        description="Where the per-destination limits (concurrency, rate, circuit) shared by all worker processes "
        "and nodes live: redis://... (default: HUB_BROKER_URL when it is Redis) or local:// (in one process).",
    )
    destination_thread_share: float = Field(
        default=0.5,
        description="The largest share of a worker process's delivery threads one destination may hold.",
    )
    sweep_interval_seconds: float = Field(
        default=1.0,
        description="How often the sweeper looks for due deliveries and expired leases.",
    )
    requeue_after_seconds: float = Field(
        default=60.0,
        description="A due delivery whose broker message has not run after this long is re-enqueued.",
    )
    log_level: str = Field(default="INFO")
    log_format: str = Field(default="json", description="json or console")
    callback_max_attempts: int = Field(default=10)
    clamd_url: str = Field(
        default="",
        description="ClamAV clamd that scans every attachment at intake: unix:///run/clamav/clamd.ctl or "
        "tcp://127.0.0.1:3310. Unset: no malware scan (logged at start-up, shown in /readyz).",
    )
    clamd_timeout_seconds: float = Field(
        default=10.0,
        description="How long one scan may take before intake answers 503 (Retry-After) and stores nothing.",
    )
    outcome_poll_interval_seconds: float = Field(
        default=30.0,
        description="How often the outcome poller reads the event logs of submissions awaiting acceptance "
        "(FIT-Connect); a signed NEW_EVENTS callback makes it poll at once.",
    )
    purge_interval_seconds: float = Field(
        default=300.0,
        description="How often the retention purge runs (region.yaml retention); one worker process across "
        "all nodes runs it at a time (a lease in the database). 0: never by itself, only by 'hub purge'.",
    )
    inbound_poll_seconds: float = Field(
        default=60.0,
        description="How often the inbound sources (region.yaml inbound: XTA 2 message boxes) are polled; one "
        "worker process across all nodes polls at a time (a lease in the database). 0: never by itself, only by "
        "'hub inbound poll'.",
    )
    inbound_lease_seconds: float = Field(
        default=120.0,
        description="The inbound poll's lease, extended every quarter of it while messages are taken: a poller "
        "that died holds the boxes this long at most.",
    )

    tls_cert: Path | None = Field(
        default=None,
        description="'hub serve' answers HTTPS with this certificate chain (PEM; TLS 1.2 at least), for deployments "
        "without a reverse proxy. Unset: plain HTTP.",
    )
    tls_key: Path | None = Field(
        default=None, description="The private key of HUB_TLS_CERT (PEM; unset: it is in the certificate file)."
    )
    tls_client_ca: Path | None = Field(
        default=None,
        description="With HUB_TLS_CERT: every client must present a certificate signed by this CA (PEM); the "
        "subject of each is logged and counted, the API key still identifies the client.",
    )

    data_keys_file: Path | None = Field(
        default=None,
        description="The keyring for encryption at rest (JSON: current key id and base64 AES-256 keys; see "
        "hub/sealing/keyring.py). Unset, and HUB_DATA_KEYS unset: personal content is stored in plaintext "
        "and the hub warns at start.",
    )
    data_keys: str | None = Field(
        default=None, description="The same keyring content inline (for secret stores that inject variables)."
    )


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings; tests build their own ``Settings`` and pass them explicitly."""
    return Settings()
