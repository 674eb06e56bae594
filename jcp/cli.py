"""The `python -m jcp` command line: load, check, generate, measure, compare, drift, digest,
publish, export-parquet, bench, loadtest, ptable."""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import tempfile
from dataclasses import replace
from pathlib import Path

import polars as pl

from jcp.config import CACHE_STATS_ENV, ConfigError, load_settings
from jcp.digest import DigestError
from jcp.extract.db import DatabaseMissing, connect_read_only, database_path
from jcp.extract.facts import FactsError
from jcp.extract.load import ExtractError, LoadReport, LoadSettingError, TargetRefused, check, load
from jcp.measures.access import Scope, read_access
from jcp.measures.disclosure import with_markers
from jcp.measures.engines import ENGINES, PARQUET_ENGINES, check_built_tables, open_engine
from jcp.measures.export import ExportError
from jcp.measures.filters import Filters
from jcp.measures.ptable import DEFAULT_PTABLE
from jcp.measures.queries import EngineUnavailable
from jcp.measures.runner import GROUPINGS, MEASURES, MeasureRequest, RequestError, Runner
from jcp.output import csv_text
from jcp.spreadsheet import SpreadsheetError

EXIT_USAGE = 2
SPREADSHEETS = ("ods", "xlsx")


def _print_report(report: LoadReport, show_rejects: bool) -> None:
    print(report.summary())
    if show_rejects and report.first_rejects:
        print(f"\nfirst rejects ({report.total_rejected:,} in all):")
        for _table, source_file, source_row, rule, raw in report.first_rejects:
            print(f"  {source_file} row {source_row}: {rule}  {raw}")


def _cmd_load(args: argparse.Namespace) -> int:
    # The record keys' secret comes from the settings (jcp.toml), read by the loader; so do
    # the memory limit and spill folder, unless the command line gives them.
    settings = load_settings()
    memory_limit = args.memory_limit or settings.load_memory_limit
    temp_directory = args.temp_dir or settings.load_temp_directory
    report = load(args.extract_dir, args.db, memory_limit, temp_directory)
    _print_report(report, show_rejects=False)
    print(f"loaded into {args.db} ({report.total_rejected:,} rows rejected: see the rejects table)")
    return 0


def _cmd_check(args: argparse.Namespace) -> int:
    report = check(args.extract_dir)
    _print_report(report, show_rejects=True)
    return 0


def _cmd_generate(args: argparse.Namespace) -> int:
    from jcp.extract.generate import generate

    try:
        written = generate(
            args.out_dir,
            claims=args.claims,
            seed=args.seed,
            bad_rows=args.bad_rows,
            fmt=args.format,
            extract_date=args.extract_date,
            geography=args.geography,
        )
    except ValueError as exc:  # e.g. bad rows asked for in Parquet, which cannot hold them
        raise RequestError(str(exc)) from None
    for table, rows in written.items():
        print(f"{table:<14}{rows:>12,}")
    print(f"wrote extract to {args.out_dir}")
    return 0


def _scope_for(args: argparse.Namespace, runner: Runner) -> Scope:
    """Who the figures are for: --national, or --as EMAIL looked up in the access file."""
    if args.national and args.as_user:
        raise RequestError("give either --national or --as EMAIL, not both")
    if args.unsuppressed and not args.national:
        raise RequestError("--unsuppressed is only allowed together with --national")
    if args.national:
        return Scope.national()
    if not args.as_user:
        raise RequestError(
            "say whose figures these are: --as EMAIL (with --access PATH, default from jcp.toml), "
            "or --national for analysts with direct access to the database"
        )
    access_file = args.access or load_settings().access_file
    access = read_access(access_file, runner.catalogue)
    scope = access.scope_for(args.as_user, runner.catalogue)
    if not scope.has_access:
        raise RequestError(f"{args.as_user} is not on the access list {access_file}")
    outside = [c for c in args.district if c not in scope.visible_districts(runner.catalogue)]
    outside += [c for c in args.office if c not in scope.visible_offices(runner.catalogue)]
    known = set(runner.catalogue.districts) | set(runner.catalogue.office_districts)
    outside = [c for c in outside if c in known]  # unknown codes get their own message
    if outside:
        raise RequestError(f"{', '.join(outside)} outside the scope of {args.as_user}")
    return scope


def _open_engine(args: argparse.Namespace):
    """The engine a request runs on: --engine/--parquet/--spark-master, else jcp.toml's."""
    settings = load_settings()
    name = args.engine or settings.engine
    parquet = args.parquet or settings.parquet
    if name in PARQUET_ENGINES and args.db:
        raise RequestError(f"--db is for the duckdb engine; the {name} engine reads --parquet DIR")
    return open_engine(
        name, db=args.db, parquet=parquet, spark_master=args.spark_master or settings.spark_master
    )


def _request_for(args: argparse.Namespace, runner: Runner, measure: str, by: str):
    """The request the period and filter options describe, checked."""
    request = runner.default_request(
        measure,
        by=by,
        districts=tuple(args.district),
        offices=tuple(args.office),
        benefits=tuple(args.benefit),
        groups=tuple(args.group),
    )
    if args.period_from:
        request = replace(request, period_from=args.period_from)
    if args.period_to:
        request = replace(request, period_to=args.period_to)
    runner.check(request)
    return request


def _check_output(args: argparse.Namespace) -> None:
    """A spreadsheet goes to a file: asked for without one, say so before any work is done."""
    if args.format in SPREADSHEETS and args.output is None:
        raise RequestError(f"--format {args.format} writes a file: give --output FILE")


def _print_result(
    result: pl.DataFrame,
    args: argparse.Namespace,
    runner: Runner,
    request: MeasureRequest,
    scope: Scope,
    title: str,
) -> None:
    """The result as --format says, on standard output or in --output FILE."""
    fmt = args.format
    if fmt in SPREADSHEETS:
        from jcp import spreadsheet
        from jcp.web.formats import with_names

        cat = runner.catalogue
        filters = Filters(
            request.period_from,
            request.period_to,
            request.districts,
            request.offices,
            request.benefits,
            request.groups,
        )
        book = spreadsheet.Workbook(
            title=title,
            extract_date=cat.extract_date,
            period=f"{request.period_from} to {request.period_to}",
            filters=filters.describe(cat),
            scope=scope.label,
            thresholds=runner.thresholds,
            contact=load_settings().contact,
            tables=(
                spreadsheet.SheetTable(
                    title, with_names(result, cat.district_names, cat.office_names)
                ),
            ),
        )
        _write(args.output, spreadsheet.workbook_bytes(book, fmt))
        print(f"wrote {args.output}")
        return
    if fmt == "csv":
        text = csv_text(result)
    else:
        frame = with_markers(result)
        if fmt == "json":
            text = frame.write_json() + "\n"
        else:
            with pl.Config(tbl_rows=-1, tbl_cols=-1, tbl_width_chars=250, fmt_str_lengths=40):
                text = f"{frame}\n"
    if args.output is None:
        sys.stdout.write(text)
    else:
        _write(args.output, text.encode("utf-8"))


def _write(path: Path, content: bytes) -> None:
    try:
        path.write_bytes(content)
    except OSError as exc:
        raise RequestError(f"{path}: cannot write ({exc.strerror or exc})") from None


def _title(name: str, by: str, extra: str = "") -> str:
    """A result's title: its measure's, and how it is grouped."""
    spec = MEASURES.get(name)
    title = spec.title if spec else name
    grouped = f" by {by}" if by != "total" else ""
    return f"{title}{extra}{grouped}"


def _cmd_measure(args: argparse.Namespace) -> int:
    _check_output(args)
    engine = _open_engine(args)
    try:
        runner = Runner(engine, load_settings().thresholds)
        request = _request_for(args, runner, args.name, args.by)
        scope = _scope_for(args, runner)
        result = runner.run(request, scope, unsuppressed=args.unsuppressed)
        _print_result(result, args, runner, request, scope, _title(args.name, args.by))
    finally:
        engine.close()
    return 0


def _cmd_compare(args: argparse.Namespace) -> int:
    _check_output(args)
    engine = _open_engine(args)
    settings = load_settings()
    try:
        runner = Runner(engine, settings.thresholds)
        request = _request_for(args, runner, args.name, "total")
        scope = _scope_for(args, runner)
        result = runner.compare(
            request,
            args.column,
            args.unit,
            scope,
            overdispersion=settings.overdispersion and not args.no_overdispersion,
            adjusted=args.adjusted,
        )
        title = _title(args.name, args.unit, f": {args.column} against the national rate")
        _print_result(result, args, runner, request, scope, title)
    finally:
        engine.close()
    return 0


def _cmd_drift(args: argparse.Namespace) -> int:
    _check_output(args)
    engine = _open_engine(args)
    try:
        runner = Runner(engine, load_settings().thresholds)
        request = _request_for(args, runner, args.name, "total")
        scope = _scope_for(args, runner)
        result = runner.drift(request, args.column, args.unit, scope)
        title = _title(args.name, args.unit, f": {args.column} against its own past")
        _print_result(result, args, runner, request, scope, title)
    finally:
        engine.close()
    return 0


def _cmd_digest(args: argparse.Namespace) -> int:
    from jcp.digest import digests_for, remembering, send_digests, write_digests

    if bool(args.as_user) == bool(args.all_users):
        raise RequestError("say whose digest: --as EMAIL, or --all-users OUTDIR")
    if args.out and args.all_users:
        raise RequestError("--out is for --as EMAIL; --all-users writes to its own OUTDIR")
    settings = load_settings()
    engine = _open_engine(args)
    try:
        runner = remembering(Runner(engine, settings.thresholds))
        access_file = args.access or settings.access_file
        access = read_access(access_file, runner.catalogue)
        if args.as_user:
            if access.user(args.as_user) is None:
                raise RequestError(f"--as {args.as_user}: not on the access list {access_file}")
            emails = [args.as_user]
        else:
            emails = list(access.users)
            if not emails:
                raise RequestError(f"the access list {access_file} has no users")
        digests = digests_for(runner, access, settings, emails)
    finally:
        engine.close()
    folder = args.all_users or args.out
    if folder:
        written = write_digests(digests, folder, settings)
        print(f"wrote {len(written)} files for {len(digests)} users to {folder}")
    elif not args.send:
        sys.stdout.write(digests[0].text)
    if args.send:
        sent = send_digests(digests, settings)
        print(f"sent {sent} digests by {settings.smtp_host}:{settings.smtp_port}")
    return 0


def _cmd_publish(args: argparse.Namespace) -> int:
    from jcp.publish import build_release, parse_period, write_release
    from jcp.spreadsheet import creation_time

    period = parse_period(args.period)
    created = creation_time()  # a bad SOURCE_DATE_EPOCH is said before any work is done
    settings = load_settings()
    engine = _open_engine(args)
    try:
        release = build_release(Runner(engine, settings.thresholds), period, settings)
    finally:
        engine.close()
    write_release(release, args.out, created)
    print(
        f"wrote {args.out}: {release.name}.ods and .xlsx ({len(release.tables)} tables), "
        f"{len(release.tables)} CSV files in csv/, measures.md and index.html"
    )
    return 0


def _cmd_export(args: argparse.Namespace) -> int:
    from jcp.measures.export import export_parquet

    path = database_path(args.db)
    con = connect_read_only(path)
    check_built_tables(con, path)  # a DuckDB file the loader did not build: one line, not a trace
    try:
        entry = export_parquet(con, args.out_dir, source=str(path))
    finally:
        con.close()
    for table, rows in entry["rows"].items():
        print(f"{table:<16} {rows:>12,}")
    print(f"exported districts {', '.join(entry['districts'])} from {path} to {args.out_dir}")
    return 0


def _cmd_bench(args: argparse.Namespace) -> int:
    import json

    from jcp.bench import markdown, run_benchmark

    if args.report:
        print(markdown(json.loads(args.report.read_text(encoding="utf-8"))))
        return 0

    result = run_benchmark(
        args.claims,
        seed=args.seed,
        runs=args.runs,
        pages=not args.no_pages,
        app=not args.no_app,
        with_pandas=not args.no_pandas,
        geography=args.geography,
        parquet=args.parquet,
        memory_limit=args.memory_limit,
        temp_directory=args.temp_dir,
    )
    return 1 if result["pandas_mismatches"] else 0


def _cmd_loadtest(args: argparse.Namespace) -> int:
    from jcp.bench.loadtest import (
        LoadTestError,
        read_cache_stats,
        report,
        run_load_test,
        write_json,
    )
    from jcp.bench.proxy import MAX_INSTANCES, ProxyError

    try:
        low, high = (float(x) for x in args.think.split(","))
    except ValueError:
        raise RequestError(f"--think {args.think!r}: give MIN,MAX seconds, e.g. 0.5,2") from None
    if args.url and args.instances != 1:
        raise RequestError("--instances starts its own apps and proxy: give it without --url")
    if not 1 <= args.instances <= MAX_INSTANCES:
        raise RequestError(f"--instances {args.instances}: give 1 to {MAX_INSTANCES}")
    try:
        if args.url:
            results = run_load_test(args.url, args.users, args.seconds, (low, high), args.seed)
        elif args.instances == 1:
            from jcp.bench import running_app

            db = database_path(args.db)
            connect_read_only(
                db
            ).close()  # a missing or unreadable database: one line, not a server
            with tempfile.TemporaryDirectory(prefix="jcp-loadtest-") as folder:
                stats = Path(folder) / "cache-stats.json"
                with running_app(db, env={CACHE_STATS_ENV: str(stats)}) as (url, app):
                    print(f"started the app on {url} against {db}", flush=True)
                    results = run_load_test(
                        url, args.users, args.seconds, (low, high), args.seed, app.pid
                    )
                # Written by the app as it stopped, at the end of the block above.
                results.result_cache = read_cache_stats(stats)
        else:
            from jcp.bench.proxy import nginx_binary, running_instances, running_proxy

            db = database_path(args.db)
            connect_read_only(db).close()
            nginx_binary()  # missing: one line before any app starts
            with running_instances(db, args.instances) as apps:
                urls = [url for url, _ in apps]
                with running_proxy(urls) as proxy:
                    print(
                        f"started {len(apps)} apps ({', '.join(urls)}) against {db} "
                        f"behind nginx on {proxy.url}",
                        flush=True,
                    )
                    results = run_load_test(
                        proxy.url,
                        args.users,
                        args.seconds,
                        (low, high),
                        args.seed,
                        [app.pid for _, app in apps],
                    )
    except LoadTestError as exc:
        raise RequestError(str(exc)) from None
    except ProxyError as exc:
        raise RequestError(str(exc)) from None
    print(report(results))
    if args.json:
        write_json(results, args.json)
    return 0 if results.passed else 1


def _cmd_catalogue(args: argparse.Namespace) -> int:
    from jcp.measures.specs import catalogue, catalogue_markdown

    if args.markdown:
        text = catalogue_markdown()
        if args.out is None:
            print(text, end="")
            return 0
        try:
            args.out.write_text(text, encoding="utf-8")
        except OSError as exc:
            raise RequestError(f"{args.out}: cannot write ({exc.strerror or exc})") from None
        print(f"wrote {args.out}")
        return 0
    for name, spec in catalogue().items():
        groupings = f"by {', '.join(spec.groupings)}" if spec.groupings else "its own rows"
        print(f"{name:<20} {spec.query:<8} {spec.title} ({groupings})")
    return 0


def _cmd_ptable(args: argparse.Namespace) -> int:
    from jcp.measures.ptable import DESIGN, KEY_RANGE, write

    try:
        rows = write(args.out)
    except OSError as exc:
        raise RequestError(f"{args.out}: cannot write ({exc.strerror or exc})") from None
    print(
        f"D = {DESIGN.max_perturbation}, V = {DESIGN.variance}, N = {DESIGN.top_count}; "
        f"keys out of {KEY_RANGE} per perturbation"
    )
    print(f"{'count':>5}  {'-2':>5} {'-1':>5} {'0':>5} {'+1':>5} {'+2':>5}  {'mean':>8}  variance")
    for row in rows:
        keys = dict(zip(row.values, row.keys, strict=True))
        cells = " ".join(f"{keys.get(d, ''):>5}" for d in range(-2, 3))
        mean = f"{round(row.mean * KEY_RANGE)}/{KEY_RANGE}"
        print(f"{row.count:>5}  {cells}  {mean:>8}  {row.variance:.6f}")
    print(f"wrote {args.out}")
    return 0


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date YYYY-MM-DD") from None


class _Parser(argparse.ArgumentParser):
    """argparse, but with our one-line error and exit status 2 for bad usage."""

    def error(self, message: str) -> None:  # type: ignore[override]
        print(f"error: {message}", file=sys.stderr)
        raise SystemExit(EXIT_USAGE)


def _add_request_options(p: argparse.ArgumentParser) -> None:
    """The options shared by measure, compare and drift: database, period, filters, scope,
    format."""
    p.add_argument("--db", help="database file (default: $JCP_DB or data/dashboard.duckdb)")
    p.add_argument("--from", dest="period_from", metavar="YYYY-MM")
    p.add_argument("--to", dest="period_to", metavar="YYYY-MM")
    p.add_argument("--district", nargs="+", default=[], metavar="CODE")
    p.add_argument("--office", nargs="+", default=[], metavar="CODE")
    p.add_argument("--benefit", nargs="+", default=[], metavar="B")
    p.add_argument("--group", nargs="+", default=[], metavar="G")
    p.add_argument(
        "--format",
        choices=("csv", "table", "json", *SPREADSHEETS),
        default="table",
        help="ods and xlsx: a spreadsheet to the government standard (cover, contents, notes, "
        "the table), written to --output",
    )
    p.add_argument(
        "--output", type=Path, metavar="FILE", help="write to FILE instead of standard output"
    )
    p.add_argument("--as", dest="as_user", metavar="EMAIL", help="figures as this user sees them")
    p.add_argument("--access", type=Path, help="access file (default: [access] file in jcp.toml)")
    p.add_argument(
        "--national", action="store_true", help="national scope, for analysts with database access"
    )
    p.add_argument("--engine", choices=ENGINES, help="default: [engine] name in jcp.toml, duckdb")
    p.add_argument("--parquet", type=Path, help="parquet, spark: the folder export-parquet wrote")
    p.add_argument("--spark-master", metavar="URL", help="spark: master URL (default local[2])")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="python -m jcp", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    p = commands.add_parser("load", help="validate an extract folder and build the database")
    p.add_argument("extract_dir", type=Path)
    p.add_argument("--db", type=Path, required=True, help="DuckDB file to create or replace")
    p.add_argument(
        "--memory-limit",
        help="most memory the load may use, e.g. 12GB (default: [load] memory_limit in jcp.toml, "
        "else DuckDB's, 80%% of the machine)",
    )
    p.add_argument(
        "--temp-dir",
        type=Path,
        help="where the load spills what does not fit in --memory-limit (default: [load] "
        "temp_directory in jcp.toml)",
    )
    p.set_defaults(run=_cmd_load)

    p = commands.add_parser("check", help="validate an extract folder without writing anything")
    p.add_argument("extract_dir", type=Path)
    p.set_defaults(run=_cmd_check)

    p = commands.add_parser("generate", help="write a synthetic extract folder")
    p.add_argument("out_dir", type=Path)
    p.add_argument("--claims", type=int, required=True)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--bad-rows", type=int, default=0, help="inject K bad rows per contract rule")
    p.add_argument("--format", choices=("auto", "csv", "parquet"), default="auto")
    p.add_argument("--extract-date", type=_date, default=dt.date(2026, 10, 31))
    p.add_argument(
        "--geography",
        choices=("sample", "national"),
        help="sample: 6 districts, 53 offices (as in sample_data/); national: 37 districts in "
        "7 groups, 380 offices, fictional names (default: national from 1,000,000 claims, "
        "sample below)",
    )
    p.set_defaults(run=_cmd_generate)

    p = commands.add_parser("measure", help="print a measure for a period, filters and grouping")
    p.add_argument(
        "name",
        help="; ".join(f"{name}: {spec.title}" for name, spec in MEASURES.items())
        + " (`python -m jcp catalogue` lists them, docs/measures.md defines them)",
    )
    _add_request_options(p)
    p.add_argument("--by", default="total", help=f"one of {', '.join(GROUPINGS)}")
    p.add_argument(
        "--unsuppressed",
        action="store_true",
        help="no small-number suppression (only with --national; do not share the output)",
    )
    p.set_defaults(run=_cmd_measure)

    p = commands.add_parser(
        "compare",
        help="a comparable rate's offices or districts against the national rate, with limits",
        description="One row per unit in scope: the published rate, the national rate (target), "
        "95%% and 99.8%% control limits (widened for over-dispersion unless "
        "--no-overdispersion) and a verdict. With --adjusted, each unit is judged by observed / "
        "expected, expected from the national rate in each of its cells (benefit x claimant "
        "group x age band), limits on that ratio's scale. A figure per 100 stays per 100. "
        "docs/measures.md marks the comparable rates.",
    )
    p.add_argument("name", help="the measure, e.g. deferrals")
    p.add_argument("column", help="a comparable rate of it, e.g. deferral_rate")
    p.add_argument("--unit", choices=("office", "district"), required=True)
    p.add_argument(
        "--no-overdispersion",
        action="store_true",
        help="binomial limits only, not widened by the over-dispersion phi",
    )
    p.add_argument(
        "--adjusted",
        action="store_true",
        help="adjust for case mix (indirect standardisation by benefit x claimant group x age "
        "band): adds adjusted_rate; expected, ratio and the limits become the adjusted ones",
    )
    _add_request_options(p)
    p.set_defaults(run=_cmd_compare, unsuppressed=False)

    p = commands.add_parser(
        "drift",
        help="a comparable rate's months against each unit's own previous 12 months (p-chart)",
        description="One row per unit and month of the period: the published rate, the centre "
        "(the unit's rate over its previous 12 months), 3-sigma limits and a signal: "
        "above_limit or below_limit (strictly beyond a limit), run_above or run_below (the "
        "8th month or more in a row on one side of the centre). A month needs 6 of its "
        "previous 12 months published to be judged. --unit total is the selection as a whole.",
    )
    p.add_argument("name", help="the measure, e.g. deferrals")
    p.add_argument("column", help="a comparable rate of it, e.g. deferral_rate")
    p.add_argument("--unit", choices=("office", "district", "total"), required=True)
    _add_request_options(p)
    p.set_defaults(run=_cmd_drift, unsuppressed=False)

    p = commands.add_parser(
        "digest",
        help="the weekly digest: a user's Needs attention list as text and HTML, or by e-mail",
        description="The Needs attention list for the 12 whole months to the extract date's "
        "month (the sidebar's default). --as EMAIL prints the plain text (--out DIR writes "
        "EMAIL.txt and EMAIL.html); --all-users OUTDIR writes one pair per user of the access "
        "file; --send delivers them by SMTP ([digest] in jcp.toml; credentials from "
        "$JCP_SMTP_USER and $JCP_SMTP_PASSWORD), audit-logging each one.",
    )
    p.add_argument("--as", dest="as_user", metavar="EMAIL", help="this user's digest")
    p.add_argument(
        "--all-users", type=Path, metavar="OUTDIR", help="every user's, written to OUTDIR"
    )
    p.add_argument("--out", type=Path, metavar="DIR", help="with --as: write the pair to DIR")
    p.add_argument("--send", action="store_true", help="e-mail each digest by SMTP")
    p.add_argument("--access", type=Path, help="access file (default: [access] file in jcp.toml)")
    p.add_argument("--db", help="database file (default: $JCP_DB or data/dashboard.duckdb)")
    p.add_argument("--engine", choices=ENGINES, help="default: [engine] name in jcp.toml, duckdb")
    p.add_argument("--parquet", type=Path, help="parquet, spark: the folder export-parquet wrote")
    p.add_argument("--spark-master", metavar="URL", help="spark: master URL (default local[2])")
    p.set_defaults(run=_cmd_digest)

    p = commands.add_parser(
        "publish",
        help="a statistical release: the main measures by district and office, national, as "
        "ODS, XLSX, CSV and an HTML summary",
        description="Writes into OUT (made if missing): one ODS and one XLSX workbook of the "
        "main measures by district and by office for the whole nation, with disclosure control "
        "on; a CSV per table in OUT/csv; measures.md, the definitions; and index.html, a short "
        "summary page (headlines, two charts with text alternatives, method and disclosure "
        "notes). The same database, period and settings give the same files, apart from the "
        "creation time, which $SOURCE_DATE_EPOCH pins.",
    )
    p.add_argument("out", type=Path, metavar="OUT", help="the folder to write the release into")
    p.add_argument(
        "--period", required=True, metavar="FROM..TO", help="the months, e.g. 2025-11..2026-10"
    )
    p.add_argument("--db", help="database file (default: $JCP_DB or data/dashboard.duckdb)")
    p.add_argument("--engine", choices=ENGINES, help="default: [engine] name in jcp.toml, duckdb")
    p.add_argument("--parquet", type=Path, help="spark: the folder export-parquet wrote")
    p.add_argument("--spark-master", metavar="URL", help="spark: master URL (default local[2])")
    p.set_defaults(run=_cmd_publish)

    p = commands.add_parser(
        "export-parquet", help="write a database's tables as Parquet for Spark (docs/scale-out.md)"
    )
    p.add_argument("out_dir", type=Path, help="new folder, or one holding other districts")
    p.add_argument("--db", help="database file (default: $JCP_DB or data/dashboard.duckdb)")
    p.set_defaults(run=_cmd_export)

    p = commands.add_parser(
        "serve",
        help="start the dashboard (streamlit run app.py, opening the data as the server starts)",
        description="Any further options are Streamlit's, e.g. --server.port 8501.",
    )
    p.set_defaults(run=None)

    p = commands.add_parser(
        "loadtest",
        help="simulated users of mixed roles clicking through a running app (this machine only)",
    )
    p.add_argument("--users", type=int, default=10, help="simulated sessions (default 10)")
    p.add_argument("--seconds", type=float, default=30, help="how long they click (default 30)")
    p.add_argument(
        "--url",
        help="a running app on this machine, e.g. http://127.0.0.1:8501 (default: start one "
        "against --db, $JCP_DB or data/dashboard.duckdb, and stop it after)",
    )
    p.add_argument("--db", help="database for the app it starts when no --url is given")
    p.add_argument(
        "--instances",
        type=int,
        default=1,
        help="start this many apps behind nginx (deploy/nginx.conf.template) and load the "
        "proxy (default 1: one app, no proxy)",
    )
    p.add_argument(
        "--think", default="0.5,2", metavar="MIN,MAX", help="seconds between a user's clicks"
    )
    p.add_argument("--seed", type=int, default=1, help="seed of the users' random choices")
    p.add_argument("--json", type=Path, help="also write the results to this JSON file")
    p.set_defaults(run=_cmd_loadtest)

    p = commands.add_parser("bench", help="time load, measures, pages and start-up at a scale")
    p.add_argument("--claims", type=int, default=1_000_000)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--runs", type=int, default=7, help="warm runs per measure, grouping, filter")
    p.add_argument("--no-pages", action="store_true", help="skip the AppTest page timings")
    p.add_argument("--no-app", action="store_true", help="skip the app start-up timing")
    p.add_argument(
        "--no-pandas",
        action="store_true",
        help="skip the pandas peer (its timings and its check of every figure): for a second "
        "run at a scale where the peer takes minutes",
    )
    p.add_argument(
        "--geography",
        choices=("sample", "national"),
        help="the generated extract's geography, as for generate (default: national from "
        "1,000,000 claims, sample below)",
    )
    p.add_argument(
        "--parquet",
        action="store_true",
        help="also time every measure on the Parquet engine, over an export of the same "
        "database (docs/scale-out.md)",
    )
    p.add_argument(
        "--memory-limit",
        help="the load's --memory-limit, e.g. 12GB (default: [load] memory_limit in jcp.toml)",
    )
    p.add_argument(
        "--temp-dir", type=Path, help="the load's --temp-dir (default: [load] temp_directory)"
    )
    p.add_argument("--report", type=Path, help="print a results JSON as Markdown tables, only")
    p.set_defaults(run=_cmd_bench)

    p = commands.add_parser(
        "catalogue", help="list the measures and reports, or write docs/measures.md from the specs"
    )
    p.add_argument("--markdown", action="store_true", help="the definitions as Markdown")
    p.add_argument("--out", type=Path, help="with --markdown: write to this file")
    p.set_defaults(run=_cmd_catalogue)

    p = commands.add_parser(
        "ptable", help="write the perturbation table from its design (docs/disclosure.md)"
    )
    p.add_argument(
        "--out", type=Path, default=DEFAULT_PTABLE, help="where to write it (default: %(default)s)"
    )
    p.set_defaults(run=_cmd_ptable)
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["serve"] and not {"-h", "--help"} & set(argv[1:]):
        from jcp import serve  # Streamlit's options are its own: passed on as given

        return serve.main(argv[1:])
    args = build_parser().parse_args(argv)
    try:
        return args.run(args)
    except (
        ExtractError,
        LoadSettingError,
        TargetRefused,
        RequestError,
        DatabaseMissing,
        ConfigError,
        EngineUnavailable,
        ExportError,
        FactsError,
        DigestError,
        SpreadsheetError,
    ) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
