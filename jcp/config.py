"""Deployment settings from jcp.toml (or $JCP_CONFIG): engine, access, thresholds, audit log."""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass
from pathlib import Path

from jcp.disclosure import Thresholds
from jcp.engines import ENGINES

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
    )
