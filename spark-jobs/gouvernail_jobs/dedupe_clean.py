"""Deduplicate and clean raw events: one row per key (the latest), valid rows only.

    python -m gouvernail_jobs.dedupe_clean --input raw/ --output clean/ --key id --required id,type --ts occurredAt
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from functools import reduce
from operator import or_

from pyspark.sql import Column, DataFrame, SparkSession, Window
from pyspark.sql import functions as F
from pyspark.sql import types as T

from .session import add_lineage_args, build_session, lineage_from_args

REASON = "_reject_reason"
MISSING_REQUIRED = "missing_required"
BAD_TIMESTAMP = "bad_timestamp"
EXACT_DUPLICATE = "exact_duplicate"
SUPERSEDED = "superseded"

_TS_TYPES = (T.TimestampType, T.TimestampNTZType, T.DateType)


def _clean_string(c: str) -> Column:
    trimmed = F.regexp_replace(F.col(c), r"^\s+|\s+$", "")
    return F.when(trimmed == "", F.lit(None)).otherwise(trimmed).alias(c)


def _parse_ts(df: DataFrame, ts_col: str) -> Column:
    dtype = df.schema[ts_col].dataType
    if isinstance(dtype, T.StringType):
        return F.try_to_timestamp(F.col(ts_col))
    if isinstance(dtype, _TS_TYPES):
        return F.col(ts_col).cast(T.TimestampType())
    raise TypeError(f"{ts_col} must be a string, date or timestamp column, not {dtype.simpleString()}")


def dedupe_clean(
    df: DataFrame, key_cols: Sequence[str], required_cols: Sequence[str], ts_col: str
) -> tuple[DataFrame, DataFrame]:
    """Split `df` into (clean, rejected).

    Strings are trimmed and blank strings become null. A row is rejected as `missing_required`
    when a required, key or timestamp column is null, as `bad_timestamp` when `ts_col` does not
    parse, and, among valid rows sharing a key, every row but the latest (by `ts_col`) is rejected
    as `exact_duplicate` (identical once cleaned) or `superseded`. Clean rows carry `ts_col` as a
    timestamp; rejected rows keep its raw value and add `_reject_reason`.
    """
    if not key_cols:
        raise ValueError("at least one key column is needed")
    cols = df.columns
    missing = [c for c in dict.fromkeys([*key_cols, *required_cols, ts_col]) if c not in cols]
    if missing:
        raise ValueError(f"columns not in the input: {', '.join(missing)}")
    if REASON in cols:
        raise ValueError(f"the input already has a {REASON} column")

    strings = {f.name for f in df.schema.fields if isinstance(f.dataType, T.StringType)}
    cleaned = df.select([_clean_string(c) if c in strings else F.col(c) for c in cols])
    parsed = _parse_ts(cleaned, ts_col)
    must_have = list(dict.fromkeys([*key_cols, *required_cols, ts_col]))

    tagged = (
        cleaned.withColumn("__ts_raw", F.col(ts_col))
        .withColumn(ts_col, parsed)
        .withColumn(
            "__invalid",
            F.when(reduce(or_, [F.col("__ts_raw" if c == ts_col else c).isNull() for c in must_have]), F.lit(MISSING_REQUIRED))
            .when(F.col(ts_col).isNull(), F.lit(BAD_TIMESTAMP)),
        )
        .withColumn("__hash", F.xxhash64(*[F.col(c) for c in cols]))
    )
    latest_first = Window.partitionBy(F.col("__invalid").isNull(), *key_cols).orderBy(
        F.col(ts_col).desc(), F.col("__hash").desc()
    )
    ranked = tagged.withColumn("__rank", F.row_number().over(latest_first)).withColumn(
        "__kept_hash", F.first("__hash").over(latest_first)
    )
    reason = (
        F.when(F.col("__invalid").isNotNull(), F.col("__invalid"))
        .when(F.col("__rank") == 1, F.lit(None).cast("string"))
        .when(F.col("__hash") == F.col("__kept_hash"), F.lit(EXACT_DUPLICATE))
        .otherwise(F.lit(SUPERSEDED))
    )
    with_reason = ranked.withColumn(REASON, reason)

    clean = with_reason.filter(F.col(REASON).isNull()).select(*cols)
    rejected = with_reason.filter(F.col(REASON).isNotNull()).select(
        *[F.col("__ts_raw").alias(c) if c == ts_col else F.col(c) for c in cols], REASON
    )
    return clean, rejected


def _csv(values: list[str]) -> list[str]:
    return [v.strip() for item in values for v in item.split(",") if v.strip()]


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="dedupe_clean", description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--input", action="append", required=True, help="Parquet path (repeatable)")
    p.add_argument("--output", required=True, help="Parquet output path (overwritten)")
    p.add_argument("--rejected", help="optional Parquet path for rejected rows (overwritten)")
    p.add_argument("--key", action="append", required=True, help="key column(s), repeatable or comma separated")
    p.add_argument("--required", action="append", default=[], help="required column(s)")
    p.add_argument("--ts", required=True, help="event-time column; the latest row per key wins")
    add_lineage_args(p)
    return p.parse_args(argv)


def main(argv: Sequence[str] | None = None, spark: SparkSession | None = None) -> int:
    args = parse_args(argv)
    own = spark is None
    spark = spark or build_session("gouvernail_dedupe_clean", lineage_from_args(args))
    try:
        raw = spark.read.parquet(*args.input)
        clean, rejected = dedupe_clean(raw, _csv(args.key), _csv(args.required), args.ts)
        clean.write.mode("overwrite").parquet(args.output)
        if args.rejected:
            rejected.write.mode("overwrite").parquet(args.rejected)
            rejected = spark.read.parquet(args.rejected)
        by_reason = {r[REASON]: r["count"] for r in rejected.groupBy(REASON).count().collect()}
        counts = {
            "input": raw.count(),
            "clean": spark.read.parquet(args.output).count(),
            "rejected": sum(by_reason.values()),
            "rejectedByReason": dict(sorted(by_reason.items())),
        }
        print(json.dumps({"job": "dedupe_clean", "output": args.output, "counts": counts}))
        return 0
    finally:
        if own:
            spark.stop()


def run() -> None:
    sys.exit(main())


if __name__ == "__main__":
    run()
