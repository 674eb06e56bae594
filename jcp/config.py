"""Deployment settings from jcp.toml (or $JCP_CONFIG): engine, access, thresholds, audit log,
the disclosure secret."""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from jcp.extract.record_keys import MIN_SECRET_LENGTH, SecretError, read_or_create_secret
from jcp.measures.disclosure import Thresholds
from jcp.measures.engines import ENGINES

DEFAULT_CONFIG = Path("jcp.toml")


class ConfigError(ValueError):
    """The configuration file cannot be used; the message names the file and the problem."""


@dataclass(frozen=True)
class Settings:
    access_file: Path = Path("sample_data/access.toml")
    audit_log: Path = Path("data/audit.jsonl")
    thresholds: Thresholds = Thresholds()
    engine: str = "duckdb"  # or "spark": see docs/scale-out.md
    parquet: Path | None = None  # spark: the folder `export-parquet` wrote
    spark_master: str = "local[2]"
    # Record keys (jcp/extract/record_keys.py) are derived from this secret: given here, or
    # else held in disclosure_secret_file, which the first load that needs it creates. Never shown.
    disclosure_secret: str | None = field(default=None, repr=False)
    disclosure_secret_file: Path = Path("data/disclosure-secret")

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
    if name == "spark" and not parquet:
        raise ConfigError(
            f'{path}: [engine] name = "spark" needs parquet = the folder export-parquet wrote'
        )
    return Settings(
        engine=name,
        parquet=Path(parquet) if parquet else None,
        spark_master=str(engine.get("spark_master", Settings.spark_master)),
        access_file=Path(access.get("file", Settings.access_file)),
        audit_log=Path(audit.get("log", Settings.audit_log)),
        thresholds=Thresholds(**values),
        disclosure_secret=secret,
        disclosure_secret_file=Path(secret_file),
    )
