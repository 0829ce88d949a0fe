"""Drives the real PySpark jobs for test/integration/erasure-e2e.test.ts.

    python erasure_story.py seed   --lake DIR --subject EMAIL --gouvernail-url URL
    python erasure_story.py erase  --lake DIR --subject EMAIL --gouvernail-url URL --canary C \
                                   --case-id ID --task raw=T1 --task clean=T2

`seed` writes a raw customers dataset holding the subject's row, then runs the real dedupe_clean job
on it; `erase` plants the canary in both datasets (as the subject's row would carry it), then runs the
real erase_subject job once per dataset with that dataset's task id. Both sessions carry the real
OpenLineage listener, sending lineage to gouvernail. Parquet is written uncompressed, so a byte scan
of the files is meaningful. GOUVERNAIL_TOKEN carries the producer token.
"""

from __future__ import annotations

import argparse
import os
import sys

from gouvernail_jobs import dedupe_clean, erase_subject
from gouvernail_jobs.session import LineageConfig, build_session


def session(name: str, url: str):
    os.environ.setdefault("SPARK_LOG_LEVEL", "ERROR")
    spark = build_session(name, LineageConfig.http(url, os.environ["GOUVERNAIL_TOKEN"], "e2e"))
    spark.conf.set("spark.sql.parquet.compression.codec", "uncompressed")
    return spark


def seed(args: argparse.Namespace) -> int:
    spark = session("e2e_seed", args.gouvernail_url)
    try:
        rows = [
            ("c-1", args.subject, "Camille", "2026-11-01 10:00:00", "first order"),
            ("c-1", args.subject, "Camille", "2026-11-01 10:00:00", "first order"),
            ("c-2", "yusuf.demir@example.org", "Yusuf", "2026-11-01 11:00:00", "second order"),
            ("c-3", "lea.martin@example.org", "Lea", "2026-11-01 12:00:00", "third order"),
        ]
        df = spark.createDataFrame(rows, "customer_id string, email string, name string, ts string, note string")
        df.withColumn("ts", df.ts.cast("timestamp")).write.mode("overwrite").parquet(f"{args.lake}/raw")
        return dedupe_clean.main(
            ["--input", f"{args.lake}/raw", "--output", f"{args.lake}/clean", "--key", "customer_id", "--ts", "ts",
             "--required", "email", "--gouvernail-url", args.gouvernail_url],
            spark=spark,
        )
    finally:
        spark.stop()


def erase(args: argparse.Namespace) -> int:
    spark = session("e2e_erase", args.gouvernail_url)
    try:
        planted = spark.createDataFrame(
            [("c-1", args.subject, "Camille", "2026-11-02 09:00:00", args.canary)],
            "customer_id string, email string, name string, ts string, note string",
        )
        planted = planted.withColumn("ts", planted.ts.cast("timestamp"))
        for name in ("raw", "clean"):
            planted.write.mode("append").parquet(f"{args.lake}/{name}")
        status = 0
        for pair in args.task:
            name, task_id = pair.split("=", 1)
            status = max(
                status,
                erase_subject.main(
                    ["--dataset", f"{args.lake}/{name}", "--column", "email", "--subject", args.subject,
                     "--case-id", args.case_id, "--task-id", task_id, "--gouvernail-url", args.gouvernail_url],
                    spark=spark,
                ),
            )
        return status
    finally:
        spark.stop()


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("command", choices=["seed", "erase"])
    p.add_argument("--lake", required=True)
    p.add_argument("--subject", required=True)
    p.add_argument("--gouvernail-url", required=True)
    p.add_argument("--canary")
    p.add_argument("--case-id")
    p.add_argument("--task", action="append", default=[])
    args = p.parse_args()
    return seed(args) if args.command == "seed" else erase(args)


if __name__ == "__main__":
    sys.exit(main())
