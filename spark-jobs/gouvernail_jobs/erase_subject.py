"""Erase one subject's rows from Parquet datasets and report each result to gouvernail.

    GOUVERNAIL_TOKEN=... python -m gouvernail_jobs.erase_subject \\
        --dataset /lake/orders --column customer_email --subject camille@example.org \\
        --case-id case-2026-0001 --task-id t1 --gouvernail-url http://127.0.0.1:5055

Exit status: 0 when every dataset was erased or held nothing, 1 when an erasure failed (it is
still reported, as `failed`), 2 when the report could not be delivered.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import urlsplit

from pyspark.sql import Column, DataFrame, SparkSession
from pyspark.sql import functions as F

from . import datasets
from .report import Event, ReportError, erasure_completed, event_id, post_events, utc_now
from .session import add_lineage_args, build_session, lineage_from_args, token_from_args


def subject_match(subject_col: str, subject_value: str, *, ignore_case: bool = False) -> Column:
    """True for the subject's rows, never null."""
    if ignore_case:
        # Every kind of white space, as Python's str.strip() (Spark's trim only removes spaces).
        norm = F.lower(F.regexp_replace(F.col(subject_col), r"(?U)^\s+|\s+$", ""))
        return F.coalesce(norm == F.lit(subject_value.strip().lower()), F.lit(False))
    return F.col(subject_col).eqNullSafe(F.lit(subject_value))


def erase_subject(
    df: DataFrame, subject_col: str, subject_value: str, *, ignore_case: bool = False
) -> tuple[DataFrame, dict[str, int]]:
    """The rows that do not belong to the subject, and rowsBefore / rowsDeleted / rowsAfter."""
    if subject_col not in df.columns and "." not in subject_col:
        raise ValueError(f"column {subject_col!r} is not in the dataset")
    match = subject_match(subject_col, subject_value, ignore_case=ignore_case)
    row = df.agg(
        F.count(F.lit(1)).alias("before"),
        F.coalesce(F.sum(F.when(match, 1).otherwise(0)), F.lit(0)).alias("deleted"),
    ).first()
    before, deleted = int(row["before"]), int(row["deleted"])
    return df.filter(~match), {"rowsBefore": before, "rowsDeleted": deleted, "rowsAfter": before - deleted}


@dataclass
class DatasetResult:
    dataset: str
    outcome: str
    counts: dict[str, int] = field(default_factory=dict)
    scan_after: int | None = None
    error: str | None = None


# Partition values are read as written (`zip=007` stays `007`), so the rewrite keeps them.
_INFER_PARTITION_TYPES = "spark.sql.sources.partitionColumnTypeInference.enabled"


def _read(spark: SparkSession, dataset: str) -> DataFrame:
    """Every column of every file (files may differ), partition values as the strings they are."""
    return spark.read.option("mergeSchema", "true").parquet(dataset)


def erase_dataset(
    spark: SparkSession, dataset: str, column: str, subject: str, *, ignore_case: bool = False
) -> DatasetResult:
    """Rewrite one dataset without the subject's rows, then re-scan it for the subject."""
    inference = spark.conf.get(_INFER_PARTITION_TYPES, "true")
    spark.conf.set(_INFER_PARTITION_TYPES, "false")
    try:
        return _erase_dataset(spark, dataset, column, subject, ignore_case=ignore_case)
    finally:
        spark.conf.set(_INFER_PARTITION_TYPES, inference)


def _erase_dataset(
    spark: SparkSession, dataset: str, column: str, subject: str, *, ignore_case: bool
) -> DatasetResult:
    try:
        datasets.recover(spark, dataset)
        before = _read(spark, dataset)
        kept, counts = erase_subject(before, column, subject, ignore_case=ignore_case)
        if counts["rowsDeleted"] == 0:
            return DatasetResult(dataset, "nothing_found", {**counts, "filesRewritten": 0}, scan_after=0)
        partitions = datasets.partition_columns(spark, dataset)

        def write(tmp: str) -> None:
            kept.write.partitionBy(*partitions).mode("errorifexists").parquet(tmp)

        datasets.replace_atomically(spark, dataset, write)
        after = _read(spark, dataset)
        scan = after.filter(subject_match(column, subject, ignore_case=ignore_case)).count()
        rows_after = after.count()
        counts = {**counts, "rowsAfter": rows_after, "filesRewritten": datasets.data_files(spark, dataset)}
        lost = sorted(set(before.columns) - set(after.columns))
        ok = scan == 0 and rows_after == counts["rowsBefore"] - counts["rowsDeleted"] and not lost
        return DatasetResult(
            dataset,
            "erased" if ok else "failed",
            counts,
            scan_after=scan,
            error=None
            if ok
            else f"columns lost in the rewrite: {lost}"
            if lost
            else "re-scan after the rewrite does not match the expected counts",
        )
    except Exception as err:  # noqa: BLE001 - every failure is reported as outcome=failed
        return DatasetResult(dataset, "failed", error=_redact(f"{type(err).__name__}: {err}", subject))


def _redact(message: str, subject: str) -> str:
    for form in {subject, subject.strip(), subject.strip().lower()}:
        if form:
            message = message.replace(form, "<subject>")
    return message[:2000]


def lineage_name(qualified: str) -> dict[str, str]:
    """The OpenLineage dataset identity of a path: namespace `file` or `scheme://authority`."""
    u = urlsplit(qualified)
    if u.scheme in ("", "file"):
        return {"namespace": "file", "name": u.path}
    return {"namespace": f"{u.scheme}://{u.netloc}", "name": u.path}


def task_outcome(results: Sequence[DatasetResult]) -> str:
    """One outcome for the task: failed if any dataset failed, erased if any was erased."""
    outcomes = {r.outcome for r in results}
    return "failed" if "failed" in outcomes else "erased" if "erased" in outcomes else "nothing_found"


def to_event(args: argparse.Namespace, results: Sequence[tuple[DatasetResult, str]], run_id: str) -> Event:
    """The task's one report: every dataset's result in the evidence, the counts summed."""
    counts: dict[str, int] = {}
    listed: list[dict[str, Any]] = []
    for r, qualified in results:
        for k, v in r.counts.items():
            counts[k] = counts.get(k, 0) + v
        item: dict[str, Any] = {
            "dataset": r.dataset,
            "outcome": r.outcome,
            "counts": r.counts,
            "lineageDataset": lineage_name(qualified),
        }
        if r.scan_after is not None:
            item["scanForSubjectAfter"] = r.scan_after
        if r.error:
            item["error"] = r.error
        listed.append(item)
    return erasure_completed(
        id=event_id(args.case_id, args.task_id, run_id),
        case_id=args.case_id,
        task_id=args.task_id,
        outcome=task_outcome([r for r, _ in results]),
        counts=counts,
        evidence={"column": args.column, "datasets": listed},
        occurred_at=utc_now(),
    )


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="erase_subject", description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--dataset", action="append", required=True, help="Parquet dataset directory (repeatable)")
    p.add_argument("--column", required=True, help="column holding the subject identifier")
    p.add_argument("--subject", default=None, help="identifier as stored in the dataset (or env GOUVERNAIL_SUBJECT)")
    p.add_argument("--ignore-case", action="store_true", help="match trimmed, case-insensitive (e-mail addresses)")
    p.add_argument("--case-id", required=True)
    p.add_argument("--task-id", required=True)
    p.add_argument("--report-file", help="write the events as a JSON array here instead of POSTing them")
    p.add_argument("--report-attempts", type=int, default=5)
    add_lineage_args(p)
    args = p.parse_args(argv)
    args.subject = args.subject if args.subject is not None else os.environ.get("GOUVERNAIL_SUBJECT")
    if not args.subject:
        p.error("--subject (or env GOUVERNAIL_SUBJECT) is required")
    if not args.report_file and not args.gouvernail_url:
        p.error("give --gouvernail-url (or env GOUVERNAIL_URL) or --report-file")
    return args


def main(argv: Sequence[str] | None = None, spark: SparkSession | None = None) -> int:
    args = parse_args(argv)
    token = token_from_args(args)
    own = spark is None
    lineage = lineage_from_args(args)
    if lineage is not None:
        lineage = replace(lineage, append_dataset_name=False)
    spark = spark or build_session("gouvernail_erase_subject", lineage)
    try:
        results = []
        for ds in args.dataset:
            r = erase_dataset(spark, ds, args.column, args.subject, ignore_case=args.ignore_case)
            results.append((r, datasets.qualified(spark, ds)))
            print(json.dumps({"job": "erase_subject", "dataset": ds, "outcome": r.outcome, "counts": r.counts}), flush=True)
        # One report for the task: gouvernail keeps a task's first erased or nothing_found result, so
        # one dataset's failure must not be followed by another's success under the same task.
        event = to_event(args, results, run_id=secrets.token_hex(6))
        print(json.dumps({"job": "erase_subject", "id": event["id"], **event["data"]}), flush=True)
        status = 1 if event["data"]["outcome"] == "failed" else 0
        try:
            if args.report_file:
                _write_json(args.report_file, [event])
            else:
                post_events(args.gouvernail_url, token, [event], attempts=args.report_attempts)
        except (ReportError, OSError) as err:
            print(f"erase_subject: reporting {event['id']} failed: {err}", file=sys.stderr)
            status = 2
        return status
    finally:
        if own:
            spark.stop()


def _write_json(path: str, events: list[Event]) -> None:
    tmp = f"{path}.tmp"
    with open(tmp, "w", encoding="utf-8") as fh:
        json.dump(events, fh, indent=2)
    os.replace(tmp, path)


def run() -> None:
    sys.exit(main())


if __name__ == "__main__":
    run()
