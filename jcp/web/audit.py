"""The audit log: sign-ins, scope denials and exports, one JSON object per line."""

from __future__ import annotations

import datetime as dt
import json
import threading
from pathlib import Path

_lock = threading.Lock()  # Streamlit serves sessions on threads; keep lines whole


def record(
    log: Path,
    event: str,
    user: str | None,
    page: str = "",
    filters: str = "",
    rows: int | None = None,
    detail: str = "",
) -> None:
    """Append one event. Staff e-mail and filters only: never claim data."""
    entry = {
        "time": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "event": event,
        "user": user or "",
        "page": page,
        "filters": filters,
        "rows": rows,
        "detail": detail,
    }
    log.parent.mkdir(parents=True, exist_ok=True)
    with _lock, log.open("a", encoding="utf-8") as handle:
        handle.write(json.dumps(entry) + "\n")
