"""Deployment settings from jcp.toml (or $JCP_CONFIG): engine, access, thresholds, audit log,
the disclosure secret, the app's address and contact, and the load's memory limit."""

from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from jcp.extract.record_keys import MIN_SECRET_LENGTH, SecretError, read_or_create_secret
from jcp.measures.disclosure import Thresholds
from jcp.measures.engines import ENGINES, PARQUET_ENGINES
from jcp.output import CONTROL_CHARACTERS

DEFAULT_CONFIG = Path("jcp.toml")
# [app] contact: a line, not a letter.
MAX_CONTACT_LENGTH = 200
# [load] memory_limit: an amount as DuckDB reads one ("12GB", "500 MiB"); checked here so that a
# typo is named with its file before a long load starts, not by DuckDB once it has.
MEMORY_AMOUNT = re.compile(r"\d+(\.\d+)?\s*(B|KB|MB|GB|TB|KiB|MiB|GiB|TiB)", re.IGNORECASE)
# A file the app writes its shared result caches' lookups and hit rates to as it exits
# (jcp.web.results.cache_stats): how `python -m jcp loadtest` reports them.
CACHE_STATS_ENV = "JCP_CACHE_STATS"


class ConfigError(ValueError):
    """The configuration file cannot be used; the message names the file and the problem."""


@dataclass(frozen=True)
class Settings:
    access_file: Path = Path("sample_data/access.toml")
    audit_log: Path = Path("data/audit.jsonl")
    thresholds: Thresholds = Thresholds()
    engine: str = "duckdb"  # or "parquet" (DuckDB) or "spark": see docs/scale-out.md
    parquet: Path | None = None  # parquet, spark: the folder `export-parquet` wrote
    spark_master: str = "local[2]"
    # Record keys (jcp/extract/record_keys.py) are derived from this secret: given here, or
    # else held in disclosure_secret_file, which the first load that needs it creates. Never shown.
    disclosure_secret: str | None = field(default=None, repr=False)
    disclosure_secret_file: Path = Path("data/disclosure-secret")
    # Comparisons (funnel plots): widen the limits for over-dispersion, adjust for case mix.
    overdispersion: bool = True
    case_mix: bool = True
    # Where the dashboard is served, for links in the weekly digest; None: no links.
    app_url: str | None = None
    # Who to tell about a problem (the accessibility statement, exported workbooks' cover
    # sheets): an e-mail address, a phone number or a team, shown as written; None: not set.
    contact: str | None = None
    # The weekly digest's mail server; its user name and password come from the environment
    # ($JCP_SMTP_USER, $JCP_SMTP_PASSWORD), never from the file.
    smtp_host: str = "localhost"
    smtp_port: int = 25
    smtp_starttls: bool = False
    digest_sender: str | None = None
    # The load (python -m jcp load): the most memory DuckDB may use, e.g. "12GB" (None: DuckDB's
    # default, 80% of the machine), and where it spills what does not fit (None: DuckDB's
    # default, beside the database). The command line's --memory-limit and --temp-dir win.
    load_memory_limit: str | None = None
    load_temp_directory: Path | None = None

    def record_key_secret(self) -> str:
        """The secret record keys are derived from: the configured one, or the secret file's
        (created on first use). Raises ConfigError, naming the file, when it cannot be had."""
        if self.disclosure_secret is not None:
            return self.disclosure_secret
        try:
            return read_or_create_secret(self.disclosure_secret_file)
        except (SecretError, OSError) as exc:
            if isinstance(exc, SecretError):
                raise ConfigError(f"[disclosure] secret_file {exc}") from None
            raise ConfigError(
                f"[disclosure] secret_file {self.disclosure_secret_file}: cannot be read or "
                f"created ({exc.strerror})"
            ) from None


def load_settings(path: str | os.PathLike | None = None) -> Settings:
    """Settings from the file at `path`, $JCP_CONFIG or ./jcp.toml; defaults where absent."""
    path = Path(path or os.environ.get("JCP_CONFIG") or DEFAULT_CONFIG)
    if not path.is_file():
        return Settings()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: not valid TOML ({exc})") from None
    access = data.get("access", {})
    audit = data.get("audit", {})
    disclosure = data.get("disclosure", {})
    defaults = Thresholds()
    values = {}
    for name in ("min_count", "min_denominator", "min_payments"):
        value = disclosure.get(name, getattr(defaults, name))
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            raise ConfigError(f"{path}: [disclosure] {name} must be a whole number of 1 or more")
        values[name] = value
    secret = disclosure.get("secret")
    # The secret's value is never quoted: an error message may reach a log or a terminal.
    if secret is not None and (not isinstance(secret, str) or len(secret) < MIN_SECRET_LENGTH):
        raise ConfigError(
            f"{path}: [disclosure] secret must be text of at least {MIN_SECRET_LENGTH} characters "
            "(or leave it out to use secret_file)"
        )
    secret_file = disclosure.get("secret_file", str(Settings.disclosure_secret_file))
    if not isinstance(secret_file, str) or not secret_file.strip():
        raise ConfigError(f"{path}: [disclosure] secret_file must be a file path")
    engine = data.get("engine", {})
    name = engine.get("name", Settings.engine)
    if name not in ENGINES:
        raise ConfigError(f"{path}: [engine] name {name!r} is not one of {', '.join(ENGINES)}")
    parquet = engine.get("parquet")
    if name in PARQUET_ENGINES and not parquet:
        raise ConfigError(
            f'{path}: [engine] name = "{name}" needs parquet = the folder export-parquet wrote'
        )
    compare = data.get("compare", {})
    switches = {}
    for switch, default in (("overdispersion", True), ("case_mix", True)):
        value = compare.get(switch, default)
        if not isinstance(value, bool):
            raise ConfigError(f"{path}: [compare] {switch} must be true or false")
        switches[switch] = value
    app = data.get("app", {})
    app_url = app.get("url")
    if app_url is not None and (
        not isinstance(app_url, str) or not re.fullmatch(r"https?://[^\s<>\"']+", app_url)
    ):
        raise ConfigError(f"{path}: [app] url must be an http:// or https:// address")
    contact = app.get("contact")
    # One line of text: shown on pages (as text, never Markdown) and in file headers, where a
    # line break could start a line of its own.
    if contact is not None and (
        not isinstance(contact, str)
        or not contact.strip()
        or CONTROL_CHARACTERS.search(contact)
        or len(contact) > MAX_CONTACT_LENGTH
    ):
        raise ConfigError(
            f"{path}: [app] contact must be one line of text of up to {MAX_CONTACT_LENGTH} "
            "characters (an e-mail address, a phone number or a team)"
        )
    digest = data.get("digest", {})
    smtp_host = digest.get("host", Settings.smtp_host)
    if not isinstance(smtp_host, str) or not smtp_host.strip():
        raise ConfigError(f"{path}: [digest] host must be a host name")
    smtp_port = digest.get("port", Settings.smtp_port)
    if not isinstance(smtp_port, int) or isinstance(smtp_port, bool) or not 0 < smtp_port < 65536:
        raise ConfigError(f"{path}: [digest] port must be a whole number from 1 to 65535")
    starttls = digest.get("starttls", Settings.smtp_starttls)
    if not isinstance(starttls, bool):
        raise ConfigError(f"{path}: [digest] starttls must be true or false")
    sender = digest.get("sender")
    if sender is not None and (not isinstance(sender, str) or "@" not in sender):
        raise ConfigError(f"{path}: [digest] sender must be an e-mail address")
    for secret_name in ("user", "password"):
        if secret_name in digest:
            raise ConfigError(
                f"{path}: [digest] {secret_name} does not belong in the file: set "
                f"$JCP_SMTP_{secret_name.upper()} in the environment"
            )
    load_section = data.get("load", {})
    memory_limit = load_section.get("memory_limit")
    if memory_limit is not None and (
        not isinstance(memory_limit, str) or not MEMORY_AMOUNT.fullmatch(memory_limit.strip())
    ):
        raise ConfigError(
            f'{path}: [load] memory_limit must be an amount of memory such as "12GB" or "500MiB"'
        )
    temp_directory = load_section.get("temp_directory")
    if temp_directory is not None and (
        not isinstance(temp_directory, str) or not temp_directory.strip()
    ):
        raise ConfigError(f"{path}: [load] temp_directory must be a folder path")
    return Settings(
        load_memory_limit=memory_limit.strip() if memory_limit else None,
        load_temp_directory=Path(temp_directory) if temp_directory else None,
        overdispersion=switches["overdispersion"],
        case_mix=switches["case_mix"],
        app_url=app_url.rstrip("/") if app_url else None,
        contact=contact.strip() if contact else None,
        smtp_host=smtp_host,
        smtp_port=smtp_port,
        smtp_starttls=starttls,
        digest_sender=sender,
        engine=name,
        parquet=Path(parquet) if parquet else None,
        spark_master=str(engine.get("spark_master", Settings.spark_master)),
        access_file=Path(access.get("file", Settings.access_file)),
        audit_log=Path(audit.get("log", Settings.audit_log)),
        thresholds=Thresholds(**values),
        disclosure_secret=secret,
        disclosure_secret_file=Path(secret_file),
    )
