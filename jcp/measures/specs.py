"""The measure catalogue: each queries/NAME.sql has a spec beside it, queries/NAME.toml.

A spec is the one record of a measure (or report) apart from its SQL: its title and definition,
the groupings it supports, and every output column's label, kind, direction and disclosure
role. The runner's measure list, the disclosure rules, table headers, number formats, tiles,
the command line's help and docs/measures.md are all derived from here.

Loading fails closed (`CatalogueError`, one line naming the file, the column and the rule):
a figure with no disclosure role, a role naming a column that is not there, an SQL file with
no spec or a spec with no SQL. That a spec's columns are exactly what its SQL returns is checked
against the database when a runner opens it (`check_against`), and again on every result.
"""

from __future__ import annotations

import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from jcp.extract import contract
from jcp.measures.queries import QUERIES_DIR
from jcp.measures.rules import Curve, Gated, Money, MoneyMean, PerCount, Ratio, Rules, Share

# What a column holds; decides its format everywhere (jcp.web.formats).
KINDS = ("key", "text", "date", "count", "rate", "change", "mean", "money", "days")
FIGURE_KINDS = ("count", "rate", "change", "mean", "money", "days")
DIRECTIONS = ("higher", "lower", "neither")  # which way is better
# How a figure is protected (jcp.measures.disclosure); "none" only for columns that are not figures.
PROTECTIONS = (
    "count",
    "ratio",
    "gated",
    "per_count",
    "money",
    "money_mean",
    "share",
    "curve",
    "curve_bound",
    "exact",
)
# A curve's confidence band: which side a curve_bound column is.
BOUNDS = ("low", "high")
# A curve's rows are its groups' steps: the month is a step of its own, so it is no grouping.
CURVE_GROUPINGS = ("total", "district", "office")
GROUPINGS = ("total", "district", "office", "month")
# The columns a grouping brings into a result, the same in every measure: declared once here.
KEY_COLUMNS = {
    "district_code": ("District code", "key"),
    "office_code": ("Office code", "key"),
    "month": ("Month", "key"),
}
# The cells a comparison adjusts for case mix by (issue 18): benefit x claimant group x age band
# of the claim. A spec with case_mix = true returns these as well, filled only when its SQL is run
# grouped by the runner's internal cell groupings (Runner.compare, never a user's request).
CELL_KEYS = {
    "benefit": ("Benefit", "key"),
    "claimant_group": ("Claimant group", "key"),
    "age_band": ("Age band", "key"),
}
# Kinds of query: a measure is a statistic about people (protected); a list is operational
# (exact, shown only within scope); a report describes the database itself.
QUERY_KINDS = ("measure", "list", "report")
# Who may run a report: everyone signed in, or national users only.
REPORT_SCOPES = ("everyone", "national")
# Optional column settings, by the protection they belong to.
_COLUMN_FIELDS = {
    "label",
    "kind",
    "better",
    "protect",
    "help",
    "values",
    "numerator",
    "denominator",
    "scale",
    "population",
    "decimals",
    "minimum",
    "count",
    "payments",
    "money",
    "of",
    "within",
    "parent_column",
    "headline",
    "headline_label",
    "league",
    "bound",
    "comparable",
}
_SPEC_FIELDS = {
    "title",
    "query",
    "definition",
    "population",
    "period",
    "caveats",
    "groupings",
    "complete",
    "district_wide",
    "part",
    "parent",
    "curve",
    "keys",
    "scope",
    "unprotected_because",
    "case_mix",
    "columns",
}


class CatalogueError(ValueError):
    """A spec that cannot be trusted; the message names the file, the column and the rule."""


@dataclass(frozen=True)
class Column:
    name: str
    label: str
    kind: str
    better: str | None = None  # higher, lower or neither; figures only
    protect: str | None = None
    help: str = ""
    values: str | None = None  # a contract enumeration whose labels the values take
    numerator: str | None = None
    denominator: str | None = None
    scale: float = 1  # ratios: a multiplier (100 for a figure per 100)
    population: str | None = None
    decimals: int | None = None
    minimum: str = "min_denominator"
    count: str | None = None
    payments: str | None = None
    money: str | None = None
    of: str | None = None
    within: str | None = None  # a count this count is part of
    parent_column: str | None = None  # companions: the parent's count this part adds up to
    headline: int | None = None  # position among the overview's tiles
    headline_label: str | None = None
    league: bool = True  # a headline also compared in the overview's table
    bound: str | None = None  # curve_bound: the low or high side of the curve's band
    # A share of one count in another whose units may be compared with the national rate by
    # control limits (jcp.measures.comparison, `python -m jcp compare`). A scaled ratio (per 100)
    # has its limits worked on the share itself (0 to 1) and shown on its own scale.
    comparable: bool = False

    @property
    def is_figure(self) -> bool:
        return self.kind in FIGURE_KINDS

    @property
    def higher_is_better(self) -> bool | None:
        return {"higher": True, "lower": False}.get(self.better or "neither")


@dataclass(frozen=True)
class MeasureSpec:
    name: str
    title: str
    query: str  # measure, list or report
    definition: str
    population: str = ""
    period: str = ""
    caveats: tuple[str, ...] = ()
    groupings: tuple[str, ...] = ()  # empty: its rows are its own (a list, a report, budgets)
    keys: tuple[str, ...] = ()  # ungrouped: the grouping keys it returns all the same
    complete: bool = True  # every group the filters allow appears, zero-filled
    district_wide: bool = False  # figures cover whole districts (shown only to who sees all)
    part: str | None = None  # companions: the column splitting each group into parts
    parent: str | None = None  # companions: the measure their parts add up to
    curve: str | None = None  # curves: the step column (week), each group's rows 0..curve_last
    curve_last: int = 0
    scope: str = "everyone"  # reports: who may run them
    unprotected_because: str = ""  # lists and reports: why no disclosure control applies
    # Its SQL also returns the case-mix cells (CELL_KEYS) when grouped by cell, so a comparison
    # of its comparable rates can be adjusted for case mix from the measure's own definition.
    case_mix: bool = False
    columns: dict[str, Column] = field(default_factory=dict)

    @property
    def grouped(self) -> bool:
        return bool(self.groupings)

    @property
    def parts(self) -> tuple[str, ...]:
        """Companions: every value of the part, so each group lists every part, 0 where none;
        a part listed only where it occurs would show that someone is there."""
        if self.part is None:
            return ()
        return tuple(sorted(contract.VALUE_LABELS[self.columns[self.part].values or ""]))

    @property
    def steps(self) -> tuple[int, ...]:
        """Curves: every step of each group's curve, 0 to curve_last, so each group lists them
        all (counts 0 where nothing happens), as a companion lists every part."""
        return tuple(range(self.curve_last + 1)) if self.curve else ()

    @property
    def figures(self) -> list[Column]:
        return [c for c in self.columns.values() if c.is_figure]

    @property
    def rules(self) -> Rules:
        """The disclosure rules the columns' roles make up."""
        if self.query != "measure":
            return Rules(unprotected=True)
        by_role: dict[str, list[Column]] = {}
        for column in self.figures:
            by_role.setdefault(column.protect or "", []).append(column)

        def role(name: str) -> list[Column]:
            return by_role.get(name, [])

        def bound(curve: Column, side: str) -> str | None:
            return next(
                (c.name for c in role("curve_bound") if (c.of, c.bound) == (curve.name, side)), None
            )

        return Rules(
            counts=tuple(c.name for c in role("count")),
            ratios=tuple(Ratio(c.name, c.numerator, c.denominator, c.scale) for c in role("ratio")),
            gated=tuple(Gated(c.name, c.population, c.decimals, c.minimum) for c in role("gated")),
            per_count=tuple(PerCount(c.name, c.count, c.decimals or 0) for c in role("per_count")),
            money_means=tuple(MoneyMean(c.name, c.payments) for c in role("money_mean")),
            money=tuple(Money(c.name, c.payments) for c in role("money")),
            shares=tuple(Share(c.name, c.money, c.of) for c in role("share")),
            curves=tuple(
                Curve(c.name, c.population, c.numerator, bound(c, "low"), bound(c, "high"))
                for c in role("curve")
            ),
            curve_step=self.curve,
            exact=tuple(c.name for c in role("exact")),
            within=_within_outer_first(role("count")),
            parent=self.parent,
            parent_columns=tuple(
                (c.name, c.parent_column) for c in role("count") if c.parent_column
            ),
        )

    def output_columns(self) -> list[str]:
        """What the SQL returns: keys (grouped measures return all three), the columns, and
        beside each protected count its record key sum."""
        keys = list(KEY_COLUMNS) if self.grouped else list(self.keys)
        if self.case_mix:
            keys += list(CELL_KEYS)
        sums = [f"{c.name}_key" for c in self.figures if c.protect == "count"]
        return keys + [c for c in self.columns if c not in keys] + sums


def _within_outer_first(counts: list[Column]) -> tuple[tuple[str, str], ...]:
    """(part, whole) pairs ordered so a whole is settled before its parts are (a part of a
    part of a total after the part itself)."""
    whole_of = {c.name: c.within for c in counts if c.within}

    def depth(name: str) -> int:
        return 0 if name not in whole_of else 1 + depth(whole_of[name])

    ordered = sorted(whole_of, key=lambda name: (depth(name), list(whole_of).index(name)))
    return tuple((name, whole_of[name]) for name in ordered)


def _fail(path: Path, message: str) -> CatalogueError:
    shown = (
        path.relative_to(QUERIES_DIR.parent) if path.is_relative_to(QUERIES_DIR.parent) else path
    )
    return CatalogueError(f"{shown}: {message}")


def _column(path: Path, name: str, entry: object) -> Column:
    if not isinstance(entry, dict):
        raise _fail(path, f"column {name}: must be a table of settings")
    unknown = sorted(set(entry) - _COLUMN_FIELDS)
    if unknown:
        raise _fail(path, f"column {name}: unknown setting(s) {', '.join(unknown)}")
    for required in ("label", "kind"):
        if not isinstance(entry.get(required), str) or not entry[required].strip():
            raise _fail(path, f"column {name}: needs a {required}")
    if entry["kind"] not in KINDS:
        raise _fail(path, f"column {name}: kind {entry['kind']!r} is not one of {', '.join(KINDS)}")
    if "help" in entry:
        entry = {**entry, "help": " ".join(str(entry["help"]).split())}
    return Column(name=name, **entry)


def _check_column(path: Path, spec: MeasureSpec, column: Column) -> None:
    def fail(rule: str) -> CatalogueError:
        return _fail(path, f"column {column.name}: {rule}")

    if column.name in KEY_COLUMNS:
        raise fail("is a grouping key, declared once for every measure (jcp.measures.specs)")
    if column.values is not None and column.values not in contract.VALUE_LABELS:
        raise fail(f"values {column.values!r} is not an enumeration of the contract")
    if not column.is_figure:
        if column.protect or column.better:
            raise fail(f"a {column.kind} column is not a figure: no protect or better")
        return
    if column.better not in DIRECTIONS:
        raise fail(f"a figure needs better = one of {', '.join(DIRECTIONS)}")
    if spec.query != "measure":
        if column.protect:
            raise fail(f"a {spec.query} is not protected, so its figures have no protect")
        return
    if column.protect not in PROTECTIONS:
        raise fail(f"a figure needs a disclosure role: protect = one of {', '.join(PROTECTIONS)}")
    if column.scale != 1 and (
        column.protect != "ratio"
        or isinstance(column.scale, bool)
        or not isinstance(column.scale, int | float)
        or column.scale <= 0
    ):
        raise fail("scale is a positive number, for a ratio only")
    needs = {
        "ratio": {"numerator": "count", "denominator": "count"},
        "gated": {"population": "count"},
        "per_count": {"count": "count"},
        "money": {"payments": "count"},
        "money_mean": {"payments": "count"},
        "share": {"money": "money", "of": "exact"},
        "curve": {"population": "count", "numerator": "count"},
        "curve_bound": {"of": "curve"},
    }.get(column.protect, {})
    for setting, role in needs.items():
        other = getattr(column, setting)
        target = spec.columns.get(other or "")
        if target is None or target.protect != role:
            raise fail(
                f"protect = {column.protect} needs {setting} = a {role} column of {spec.name}"
            )
    if (column.protect == "curve_bound") != (column.bound is not None):
        raise fail(f"bound (one of {', '.join(BOUNDS)}) is for protect = curve_bound only")
    if column.bound is not None and column.bound not in BOUNDS:
        raise fail(f"bound {column.bound!r} is not one of {', '.join(BOUNDS)}")
    if column.protect in ("curve", "curve_bound") and spec.curve is None:
        raise fail(f"protect = {column.protect} needs the measure's curve (its step column)")
    for setting in ("within",):
        other = getattr(column, setting)
        if other is not None and (column.protect != "count" or _role(spec, other) != "count"):
            raise fail(f"{setting} = {other!r}: a count can only be within another count")
    if column.parent_column is not None and spec.parent is None:
        raise fail("parent_column needs the measure's parent")
    if not isinstance(column.comparable, bool):
        raise fail("comparable is true or false")
    # Control limits are binomial: a share of the published denominator that went one way, so
    # only a ratio of two counts (its limits worked on the share whatever its scale), of a measure
    # that has offices and districts.
    if column.comparable and column.protect != "ratio":
        raise fail("comparable is for a protect = ratio column only")
    if column.comparable and not {"district", "office"} <= set(spec.groupings):
        raise fail("comparable needs the measure grouped by district and office")


def _role(spec: MeasureSpec, name: str) -> str | None:
    column = spec.columns.get(name)
    return None if column is None else column.protect


def read_spec(path: Path) -> MeasureSpec:
    """One spec, checked on its own."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise _fail(path, f"not valid TOML ({exc})") from None
    unknown = sorted(set(data) - _SPEC_FIELDS)
    if unknown:
        raise _fail(path, f"unknown setting(s) {', '.join(unknown)}")
    for required in ("title", "query", "definition", "columns"):
        if required not in data:
            raise _fail(path, f"needs {required}")
    if data["query"] not in QUERY_KINDS:
        raise _fail(path, f"query {data['query']!r} is not one of {', '.join(QUERY_KINDS)}")
    groupings = tuple(data.get("groupings", ()))
    if any(g not in GROUPINGS for g in groupings):
        raise _fail(path, f"groupings must be among {', '.join(GROUPINGS)}")
    keys = tuple(data.get("keys", ()))
    if any(k not in KEY_COLUMNS for k in keys) or (keys and groupings):
        raise _fail(path, f"keys (ungrouped only) must be among {', '.join(KEY_COLUMNS)}")
    if data.get("scope", "everyone") not in REPORT_SCOPES:
        raise _fail(path, f"scope must be one of {', '.join(REPORT_SCOPES)}")
    if data["query"] != "measure" and not data.get("unprotected_because"):
        raise _fail(path, f"a {data['query']} needs unprotected_because: why no control applies")
    if data["query"] == "measure" and data.get("unprotected_because"):
        raise _fail(path, "a measure is always protected: no unprotected_because")
    columns = {name: _column(path, name, entry) for name, entry in data["columns"].items()}
    curve = data.get("curve")
    if curve is not None:
        if (
            not isinstance(curve, dict)
            or set(curve) != {"column", "last"}
            or not isinstance(curve["last"], int)
            or curve["last"] < 0
        ):
            raise _fail(path, "curve must be a table: column (its step column) and last (a step)")
        if any(g not in CURVE_GROUPINGS for g in groupings) or not groupings:
            raise _fail(path, f"a curve's groupings must be among {', '.join(CURVE_GROUPINGS)}")
        step = columns.get(curve["column"])
        if step is None or step.kind != "key":
            raise _fail(path, f"curve column {curve['column']!r} must be a key column of the spec")
        if data.get("part") is not None:
            raise _fail(path, "a curve is not split into parts as well")
    case_mix = data.get("case_mix", False)
    if not isinstance(case_mix, bool):
        raise _fail(path, "case_mix is true or false")
    spec = MeasureSpec(
        name=path.stem,
        title=data["title"],
        query=data["query"],
        definition=" ".join(data["definition"].split()),
        population=" ".join(data.get("population", "").split()),
        period=" ".join(data.get("period", "").split()),
        caveats=tuple(" ".join(c.split()) for c in data.get("caveats", ())),
        groupings=groupings,
        keys=keys,
        complete=data.get("complete", bool(groupings)),
        district_wide=data.get("district_wide", False),
        part=data.get("part"),
        parent=data.get("parent"),
        curve=None if curve is None else curve["column"],
        curve_last=0 if curve is None else curve["last"],
        scope=data.get("scope", "everyone"),
        unprotected_because=" ".join(data.get("unprotected_because", "").split()),
        case_mix=case_mix,
        columns=columns,
    )
    for column in columns.values():
        _check_column(path, spec, column)
    if case_mix:
        # Cells serve only the adjustment of a comparison: a measure with nothing to compare has
        # no use for them, and a column named as a cell would be shadowed by it.
        if not any(c.comparable for c in columns.values()):
            raise _fail(path, "case_mix is for a measure with a comparable rate")
        clash = sorted(set(columns) & set(CELL_KEYS))
        if clash:
            raise _fail(path, f"column {clash[0]}: is a case-mix cell key, returned by case_mix")
    if spec.part is not None:
        part = columns.get(spec.part)
        if part is None or part.values is None:
            raise _fail(path, f"part {spec.part!r} must be a column with values from the contract")
        if spec.parent is None:
            raise _fail(path, "a measure split into parts needs its parent measure")
    return spec


def read_catalogue(directory: Path = QUERIES_DIR) -> dict[str, MeasureSpec]:
    """Every spec in the folder, checked on its own and against each other."""
    sql = {p.stem for p in directory.glob("*.sql")}
    toml = {p.stem for p in directory.glob("*.toml")}
    for name in sorted(sql - toml):
        raise _fail(directory / f"{name}.sql", f"has no spec: write queries/{name}.toml beside it")
    for name in sorted(toml - sql):
        raise _fail(directory / f"{name}.toml", f"has no SQL: queries/{name}.sql is missing")
    specs = {name: read_spec(directory / f"{name}.toml") for name in sorted(toml)}
    headlines: dict[int, str] = {}
    # One name, one meaning: a column that several specs declare is labelled and formatted
    # the same wherever it appears (tables look its header up by name).
    declared: dict[str, tuple[str, str, str]] = {}
    for spec in specs.values():
        for column in spec.columns.values():
            first = declared.setdefault(column.name, (column.label, column.kind, spec.name))
            if first[:2] != (column.label, column.kind):
                raise _fail(
                    directory / f"{spec.name}.toml",
                    f"column {column.name}: labelled {column.label!r} ({column.kind}) here but "
                    f"{first[0]!r} ({first[1]}) in {first[2]}: one name, one label and kind",
                )
    for spec in specs.values():
        path = directory / f"{spec.name}.toml"
        if spec.parent is not None and spec.parent not in specs:
            raise _fail(path, f"parent {spec.parent!r} is not a measure")
        for column in spec.columns.values():
            if column.parent_column is not None:
                parent = specs[spec.parent or ""]
                if _role(parent, column.parent_column) != "count":
                    raise _fail(
                        path,
                        f"column {column.name}: parent_column {column.parent_column!r} is not "
                        f"a count of {spec.parent}",
                    )
            if column.headline is not None:
                if column.headline in headlines:
                    raise _fail(path, f"column {column.name}: headline {column.headline} is taken")
                headlines[column.headline] = f"{spec.name}.{column.name}"
    return specs


@cache
def catalogue() -> dict[str, MeasureSpec]:
    """The project's catalogue (read once per process)."""
    return read_catalogue()


def measures() -> dict[str, MeasureSpec]:
    """Measures and lists: what the runner runs for a request."""
    return {n: s for n, s in catalogue().items() if s.query != "report"}


def reports() -> dict[str, MeasureSpec]:
    return {n: s for n, s in catalogue().items() if s.query == "report"}


def spec(name: str) -> MeasureSpec:
    return catalogue()[name]


def check_columns(spec: MeasureSpec, returned: list[str]) -> None:
    """The columns a query returned are exactly those its spec declares, in any order."""
    expected = spec.output_columns()
    missing = [c for c in expected if c not in returned]
    extra = [c for c in returned if c not in expected and c != "suppressed"]
    if missing:
        raise CatalogueError(
            f"queries/{spec.name}.toml: declares {', '.join(missing)}, which "
            f"queries/{spec.name}.sql does not return"
        )
    if extra:
        raise CatalogueError(
            f"queries/{spec.name}.sql: returns {', '.join(extra)}, which "
            f"queries/{spec.name}.toml does not declare"
        )


@cache
def declared_columns() -> dict[str, Column]:
    """Every column the catalogue declares, by name: one name has one label and kind wherever
    it appears (read_catalogue checks it), so the first declaration stands for all."""
    found: dict[str, Column] = {}
    for spec in catalogue().values():
        for name, column in spec.columns.items():
            found.setdefault(name, column)
    return found


# A figure adjusted for case mix (a comparison's adjusted rate) is named after the figure it
# adjusts, with this suffix: written as that figure is, labelled as adjusted.
ADJUSTED_SUFFIX = "_adjusted"


def column_label(name: str) -> str:
    """A column's header (a column no spec declares, such as a page's own, from its name)."""
    if name in KEY_COLUMNS:
        return KEY_COLUMNS[name][0]
    column = declared_columns().get(name)
    if column is None and name.endswith(ADJUSTED_SUFFIX):
        base = declared_columns().get(name.removesuffix(ADJUSTED_SUFFIX))
        if base is not None:
            return f"{base.label}, adjusted for case mix"
    return column.label if column else name.replace("_", " ").capitalize()


def column_kind(name: str) -> str:
    if name in KEY_COLUMNS:
        return KEY_COLUMNS[name][1]
    column = declared_columns().get(name)
    if column is None and name.endswith(ADJUSTED_SUFFIX):
        column = declared_columns().get(name.removesuffix(ADJUSTED_SUFFIX))
    return column.kind if column else "text"


def column_values(name: str) -> str | None:
    """The contract enumeration a column's values come from, if any."""
    column = declared_columns().get(name)
    return column.values if column else None


def column_help(name: str) -> str:
    """What a column means."""
    column = declared_columns().get(name)
    return column.help if column else ""


PROTECTION_WORDS = {
    "count": "adjusted count; small ones [c]",
    "ratio": "published {numerator} ÷ {denominator}; [c] when {denominator} is small",
    "gated": "rounded; [c] when {population} is small",
    "per_count": "scaled to the published {count}",
    "money": "rounded to £10; [c] when {payments} are few",
    "money_mean": "rounded spend ÷ published {payments}, to £10",
    "share": "from the rounded {money} ÷ {of}",
    "curve": "Kaplan-Meier from the published {population} and {numerator}; [c] from the first "
    "step whose {population} is small",
    "curve_bound": "95% band of {of}, from the published counts; [c] where {of} is",
    "exact": "shown as it is (describes no one)",
}
COMPARABLE_WORDS = "comparable: offices and districts get control limits around the national rate"
SCALED_COMPARABLE_WORDS = " (limits worked on the share, shown per {scale:g})"


def _code(name: str) -> str:
    """A name as docs/measures.md writes it: as code."""
    return f"`{name}`"


def _protection_text(column: Column, name_of: Callable[[str], str] = _code) -> str:
    """How a column is protected, naming the columns it is worked out from by `name_of`."""
    if column.protect is None:
        return ""
    text = PROTECTION_WORDS[column.protect].format(
        **{k: name_of(v) for k, v in vars(column).items() if isinstance(v, str)}
    )
    text = text if column.scale == 1 else f"{column.scale:g} × {text}"
    if not column.comparable:
        return text
    compared = f"{text}; {COMPARABLE_WORDS}"
    return (
        compared
        if column.scale == 1
        else compared + SCALED_COMPARABLE_WORDS.format(scale=column.scale)
    )


def entry_lines(
    spec: MeasureSpec, catalogue: dict[str, MeasureSpec], for_readers: bool = False
) -> list[str]:
    """A spec's entry under its heading, as Markdown: definition, population, period, caveats
    and a table of its columns.

    docs/measures.md (the default) is for whoever keeps the specs: columns by name, with their
    kind and protection. The app's "About these figures" page (`for_readers`) is for people
    reading the figures: each column by its label and meaning, other measures by their titles,
    the same facts in the same words otherwise, so the two cannot drift apart.
    """

    def column_name(name: str) -> str:
        if not for_readers:
            return _code(name)
        column = spec.columns.get(name)
        return column.label.lower() if column else name.replace("_", " ")

    lines = [spec.definition, ""]
    for title, text in (("Population", spec.population), ("Period", spec.period)):
        if text:
            lines += [f"- **{title}:** {text}"]
    if spec.groupings:
        lines += [f"- **Grouped by:** {', '.join(spec.groupings)}"]
    if spec.district_wide:
        lines += ["- **District-wide:** shown only to users who see whole districts."]
    if spec.parent:
        parent = (
            catalogue[spec.parent].title
            if for_readers and spec.parent in catalogue
            else _code(spec.parent)
        )
        lines += [f"- **Part of:** {parent}, split by {column_name(spec.part or '')}."]
    if spec.case_mix:
        lines += [
            "- **Case mix:** comparisons of its comparable rates can be adjusted for "
            "benefit × claimant group × age band of the claim"
            + ("." if for_readers else " (`compare --adjusted`).")
        ]
    if spec.curve:
        lines += [
            f"- **Curve:** one row per group and {column_name(spec.curve)} 0 to "
            f"{spec.curve_last}, every step listed (0 where nothing happens)."
        ]
    if spec.query == "report":
        lines += [f"- **Shown to:** {spec.scope} signed in"]
    if spec.unprotected_because:
        lines += [f"- **Not adjusted:** {spec.unprotected_because}."]
    lines += [f"- **Caveat:** {caveat}" for caveat in spec.caveats]
    if for_readers:
        lines += [
            "",
            "| Column | What it means | Better | How it is protected |",
            "| --- | --- | --- | --- |",
        ]
        lines += [
            f"| {c.label} | {c.help} | {c.better or ''} | "
            f"{_protection_text(c, column_name) or ('exact' if c.is_figure else '')} |"
            for c in spec.columns.values()
        ]
        return lines
    lines += [
        "",
        "| column | label | kind | better | protection | meaning |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    lines += [
        f"| `{c.name}` | {c.label} | {c.kind} | {c.better or ''} | {_protection_text(c)} | "
        f"{c.help} |"
        for c in spec.columns.values()
    ]
    return lines


# The catalogue's three kinds of query, as docs/measures.md and the About page head them.
SECTIONS = (("Measures", "measure"), ("Lists", "list"), ("Reports", "report"))


def catalogue_markdown(catalogue: dict[str, MeasureSpec] | None = None) -> str:
    """docs/measures.md: every measure, list and report, written from the specs alone."""
    catalogue = catalogue if catalogue is not None else read_catalogue()
    lines = [
        "# Measures",
        "",
        "Generated from `queries/*.toml` by `python -m jcp catalogue --markdown`; do not edit by",
        "hand (a test fails when this file is out of date). Each measure's computation is the SQL",
        "file of the same name in `queries/`.",
        "",
        "[c] marks a figure hidden to protect individuals; counts are adjusted slightly",
        "(cell-key perturbation, docs/disclosure.md), so totals may not equal the sum of rows.",
        "",
        "A rate marked comparable can be compared unit by unit (offices or districts) with the",
        "national rate for the same period and filters, with 95% and 99.8% control limits:",
        "`python -m jcp compare MEASURE COLUMN --unit office|district [--adjusted]`. A figure",
        "per 100 has its limits worked on the share and shown per 100. With `--adjusted`, each",
        "unit's expected count comes from the national rate in each of its cells (benefit ×",
        "claimant group × age band of the claim), and it is judged by observed ÷ expected.",
        "",
    ]
    for heading, kind in SECTIONS:
        chosen = [s for s in catalogue.values() if s.query == kind]
        if not chosen:
            continue
        lines += [f"## {heading}", ""]
        for spec in chosen:
            lines += [f"### {spec.title} (`{spec.name}`)", "", *entry_lines(spec, catalogue), ""]
    return "\n".join(lines)


def comparable_columns(measure: str) -> list[str]:
    """The measure's rates its spec marks comparable (what `compare` accepts)."""
    return [c.name for c in spec(measure).columns.values() if c.comparable]
