"""Record keys for the cell-key method: the secret they are derived from, and their SQL.

Every record a published count can include (a claim, an initial WFI, a job entry, an FSF
payment) gets a record key at load: a whole number in 0..KEY_RANGE-1, standing for the uniform
number key / KEY_RANGE in [0, 1). A count's cell key is the sum of its records' keys (reduced
modulo KEY_RANGE by the runner), which looks up the count's perturbation. Whole numbers keep the
sums bit-identical on DuckDB and Spark.

A key is a keyed hash of the record's id: the same data and secret give the same keys on every
load, so a cell shows the same value after a reload, and without the secret nobody can work out
a record's key (and so undo the perturbation). The secret never enters the database: it is a
DuckDB session variable of the loading connection only.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

import duckdb

KEY_RANGE = 4096
# The shortest secret accepted from jcp.toml; a generated one is 64 hex characters (256 bits).
MIN_SECRET_LENGTH = 32
SECRET_VARIABLE = "disclosure_secret"  # as named in define_key_function's statement

# md5_number(secret:table:id) % 4096: the low 12 bits of the MD5 digest read as a little-endian
# number. Written `& 4095`, which is the same for a non-negative number: DuckDB 2.0 took 1.2 s
# per million ids for `%` on md5_number's 128-bit integer, and 0.1 s for `&`. The table's name
# is in the hashed text, so the WFI of claim C1 and claim C1 itself (one id) get unrelated keys.
KEY_FUNCTION_SQL = f"""
create or replace temp macro record_key_of(table_name, id) as
    (md5_number(getvariable('{SECRET_VARIABLE}') || ':' || table_name || ':' || id)
        & {KEY_RANGE - 1})::smallint
"""


class SecretError(ValueError):
    """The disclosure secret cannot be read or made: the message names the file, not the secret."""


def define_key_function(con: duckdb.DuckDBPyConnection, secret: str) -> None:
    """Make record_key_of(table_name, id) available to the load's SQL on `con`.

    The secret is bound, never written into SQL text, and lives in this connection's session
    only: a temporary macro and a variable are not stored in the database file.
    """
    if not secret:
        raise SecretError("the disclosure secret is empty")
    con.execute("set variable disclosure_secret = $secret", {"secret": secret})
    con.execute(KEY_FUNCTION_SQL)


def read_or_create_secret(path: Path) -> str:
    """The secret held in `path`, made (secrets.token_hex(32), mode 0600) if there is none.

    Written to a private temporary file and linked into place, so two loads starting at once
    both end up with the one secret that won, never a half-written file.
    """
    path = Path(path)
    if not path.exists() and not path.is_symlink():
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
        try:
            os.fchmod(fd, 0o600)  # whatever the umask
            os.write(fd, (secrets.token_hex(32) + "\n").encode("ascii"))
            os.fsync(fd)
        finally:
            os.close(fd)
        try:
            os.link(tmp, path)
        except FileExistsError:
            pass  # another load made it first: use theirs
        finally:
            tmp.unlink(missing_ok=True)
    if path.is_symlink():
        raise SecretError(f"{path}: a symbolic link; the disclosure secret file must be a file")
    try:
        secret = path.read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) else "not UTF-8 text"
        raise SecretError(f"{path}: the disclosure secret cannot be read ({reason})") from None
    if len(secret) < MIN_SECRET_LENGTH:
        raise SecretError(
            f"{path}: holds no usable disclosure secret (fewer than {MIN_SECRET_LENGTH} "
            "characters); restore it from a backup, or remove the file to have a new one made "
            "(which changes every published perturbation)"
        )
    return secret
