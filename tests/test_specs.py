"""The measure catalogue (queries/*.toml): one record per measure, and it fails closed."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from jcp.extract import contract
from jcp.extract.db import connect_read_only
from jcp.measures.access import Scope
from jcp.measures.engines import DuckDBEngine
from jcp.measures.queries import QUERIES_DIR
from jcp.measures.runner import Runner
from jcp.measures.specs import (
    CatalogueError,
    catalogue,
    catalogue_markdown,
    check_columns,
    read_catalogue,
)

ROOT = Path(__file__).resolve().parent.parent

# A minimal valid measure: a count and a rate over it.
GOOD = """
title = "Test measure"
query = "measure"
definition = "A test."
groupings = ["total"]

[columns.people]
label = "People"
kind = "count"
better = "neither"
protect = "count"

[columns.people_rate]
label = "People rate"
kind = "rate"
better = "higher"
protect = "ratio"
numerator = "people"
denominator = "people"
"""


def _folder(tmp_path: Path, specs: dict[str, str], sql: tuple[str, ...] | None = None) -> Path:
    """A queries folder holding the given specs, and an SQL file for each (or those named)."""
    for name, text in specs.items():
        (tmp_path / f"{name}.toml").write_text(text, encoding="utf-8")
    for name in specs if sql is None else sql:
        (tmp_path / f"{name}.sql").write_text(f"-- {name}: test\nselect 1\n", encoding="utf-8")
    return tmp_path


def test_a_good_spec_reads(tmp_path) -> None:
    spec = read_catalogue(_folder(tmp_path, {"m": GOOD}))["m"]
    assert spec.rules.counts == ("people",)
    assert [r.column for r in spec.rules.ratios] == ["people_rate"]
    # Grouped: the three keys, the columns, then the count's key sum.
    assert spec.output_columns() == [
        "district_code",
        "office_code",
        "month",
        "people",
        "people_rate",
        "people_key",
    ]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        # A figure with no disclosure role.
        (('protect = "ratio"\n', ""), "needs a disclosure role"),
        # A role naming a column that is not there.
        (('denominator = "people"', 'denominator = "nobody"'), "needs denominator = a count"),
        # A kind nobody formats.
        (('kind = "rate"', 'kind = "percentage"'), "kind 'percentage' is not one of"),
        # A figure without a direction.
        (('better = "higher"\n', ""), "needs better = one of"),
        # A setting nobody reads (a typo would otherwise be ignored).
        (('better = "higher"', 'beter = "higher"'), "unknown setting"),
        # A column without a label.
        (('label = "People rate"\n', ""), "needs a label"),
        # A scale (a figure per 100) belongs to a ratio, and is a positive number.
        (('protect = "count"\n', 'protect = "count"\nscale = 100\n'), "for a ratio only"),
        (('denominator = "people"', 'denominator = "people"\nscale = -100'), "positive number"),
        (('denominator = "people"', 'denominator = "people"\nscale = "100"'), "positive number"),
    ],
)
def test_a_spec_that_cannot_be_trusted_fails_to_load(tmp_path, change, message) -> None:
    old, new = change
    text = GOOD.replace(old, new, 1)
    assert text != GOOD
    with pytest.raises(CatalogueError, match=message) as raised:
        read_catalogue(_folder(tmp_path, {"m": text}))
    assert "m.toml" in str(raised.value), "the message names the file"


def test_a_ratio_per_100_is_scaled(tmp_path) -> None:
    text = GOOD.replace('denominator = "people"', 'denominator = "people"\nscale = 100', 1)
    spec = read_catalogue(_folder(tmp_path, {"m": text}))["m"]
    assert [(r.column, r.scale) for r in spec.rules.ratios] == [("people_rate", 100)]
    assert read_catalogue(_folder(tmp_path, {"m": GOOD}))["m"].rules.ratios[0].scale == 1


def test_an_sql_file_without_a_spec_fails(tmp_path) -> None:
    folder = _folder(tmp_path, {"m": GOOD}, sql=("m", "orphan"))
    with pytest.raises(CatalogueError, match="orphan.sql: has no spec"):
        read_catalogue(folder)


def test_a_spec_without_an_sql_file_fails(tmp_path) -> None:
    folder = _folder(tmp_path, {"m": GOOD, "lonely": GOOD}, sql=("m",))
    with pytest.raises(CatalogueError, match="lonely.toml: has no SQL"):
        read_catalogue(folder)


def test_one_name_has_one_label_everywhere(tmp_path) -> None:
    other = GOOD.replace('label = "People"', 'label = "Persons"')
    with pytest.raises(CatalogueError, match="one name, one label and kind"):
        read_catalogue(_folder(tmp_path, {"a": GOOD, "b": other}))


def test_a_list_is_never_protected_and_says_why(tmp_path) -> None:
    listing = GOOD.replace('query = "measure"', 'query = "list"')
    with pytest.raises(CatalogueError, match="needs unprotected_because"):
        read_catalogue(_folder(tmp_path, {"m": listing}))
    # TOML puts a key after a table into that table: say it before the columns.
    explained = listing.replace(
        'groupings = ["total"]', 'groupings = ["total"]\nunprotected_because = "a worklist"'
    )
    with pytest.raises(CatalogueError, match="a list is not protected"):
        read_catalogue(_folder(tmp_path, {"m": explained}))


def test_columns_that_differ_from_the_sql_are_refused() -> None:
    spec = catalogue()["deferrals"]
    returned = spec.output_columns()
    check_columns(spec, returned)  # exactly the declared columns, in any order
    check_columns(spec, list(reversed(returned)))
    with pytest.raises(CatalogueError, match="returns mean_age, which .* does not declare"):
        check_columns(spec, [*returned, "mean_age"])
    with pytest.raises(CatalogueError, match="declares waived, which .* does not return"):
        check_columns(spec, [c for c in returned if c != "waived"])


def test_every_spec_matches_what_its_sql_returns(sample_db) -> None:
    engine = DuckDBEngine(connect_read_only(sample_db))
    for name, spec in catalogue().items():
        assert sorted(engine.columns(name) or []) == sorted(spec.output_columns()), name


class _ExtraColumn(DuckDBEngine):
    """A database whose SQL returns a column its spec does not declare."""

    def query(self, name, params=None):
        return super().query(name, params).with_columns(pl.lit(1).alias("mean_age"))


def test_the_runner_refuses_a_result_its_spec_does_not_describe(sample_db) -> None:
    runner = Runner(_ExtraColumn(connect_read_only(sample_db)))
    with pytest.raises(CatalogueError, match="mean_age"):
        runner.run(runner.default_request("deferrals"), Scope.national())


def test_every_enumeration_has_a_label_for_each_value() -> None:
    enumerations = {
        "benefit": contract.BENEFITS,
        "claimant_group": contract.CLAIMANT_GROUPS,
        "end_reason": contract.END_REASONS,
        "outcome": contract.WFI_OUTCOMES,
        "deferral_reason": contract.DEFERRAL_REASONS,
        "category": contract.FSF_CATEGORIES,
    }
    assert {k: set(v) for k, v in contract.VALUE_LABELS.items()} == {
        k: set(v) for k, v in enumerations.items()
    }
    assert contract.VALUE_LABELS["category"]["clothing_equipment"] == "Clothing and equipment"


def test_every_query_in_the_folder_has_a_spec() -> None:
    sql = {p.stem for p in QUERIES_DIR.glob("*.sql")}
    assert sql == set(catalogue())


def test_docs_measures_md_is_generated_from_the_specs() -> None:
    written = (ROOT / "docs" / "measures.md").read_text(encoding="utf-8")
    assert written == catalogue_markdown(), (
        "docs/measures.md is stale: python -m jcp catalogue --markdown --out docs/measures.md"
    )
