from __future__ import annotations

import json
from pathlib import Path

import pytest
from pyspark.sql import SparkSession
from pyspark.sql import types as T

from conftest import fixture_rows, write_parquet
from gouvernail_jobs.dedupe_clean import REASON, dedupe_clean, main

SCHEMA = "event_id string, type string, principal string, occurred_at string, note string"


@pytest.fixture(scope="module")
def raw(spark: SparkSession):
    return spark.createDataFrame(fixture_rows("raw_events.json"), SCHEMA)


@pytest.fixture(scope="module")
def split(raw):
    clean, rejected = dedupe_clean(raw, ["event_id"], ["type"], "occurred_at")
    return clean.collect(), rejected.collect(), clean.schema


def test_keeps_one_latest_valid_row_per_key(split) -> None:
    clean, _, _ = split
    by_id = {r["event_id"]: r for r in clean}
    assert sorted(by_id) == ["e1", "e2", "e3", "e6"]
    assert len(clean) == 4
    assert by_id["e2"]["note"] == "v2"
    assert by_id["e3"]["note"] == "valid, older", "an invalid newer row must not supersede a valid one"


def test_rejects_each_row_once_with_its_reason(split) -> None:
    _, rejected, _ = split
    reasons: dict[str, list[str | None]] = {}
    for r in rejected:
        reasons.setdefault(r[REASON], []).append(r["event_id"])
    assert sorted(reasons["exact_duplicate"]) == ["e1"]
    assert sorted(reasons["superseded"]) == ["e2", "e2"]
    assert sorted(map(str, reasons["missing_required"])) == ["None", "e3", "e5"]
    assert reasons["bad_timestamp"] == ["e4"]
    assert next(r for r in rejected if r[REASON] == "bad_timestamp")["occurred_at"] == "yesterday"


def test_trims_strings_and_parses_the_timestamp(split) -> None:
    clean, _, schema = split
    e1 = next(r for r in clean if r["event_id"] == "e1")
    assert (e1["type"], e1["principal"]) == ("AccessRecorded", "User:analytics-svc")
    assert isinstance(schema["occurred_at"].dataType, T.TimestampType)
    e2 = next(r for r in clean if r["event_id"] == "e2")
    assert e2["occurred_at"].isoformat().startswith("2026-11-03T10:00:00")


def test_same_key_same_time_keeps_exactly_one(spark: SparkSession) -> None:
    rows = [("k", "2026-11-02T09:00:00Z", "a"), ("k", "2026-11-02T09:00:00Z", "b")]
    df = spark.createDataFrame(rows, "id string, ts string, v string")
    first = dedupe_clean(df, ["id"], [], "ts")[0].collect()
    again = dedupe_clean(df.orderBy("v", ascending=False), ["id"], [], "ts")[0].collect()
    assert len(first) == 1 and first == again


def test_names_unknown_columns(raw) -> None:
    with pytest.raises(ValueError, match="nope"):
        dedupe_clean(raw, ["event_id"], ["nope"], "occurred_at")


def test_main_reads_and_writes_parquet(spark: SparkSession, raw, tmp_path: Path, capsys) -> None:
    src = write_parquet(raw, tmp_path / "raw")
    out, rej = tmp_path / "clean", tmp_path / "rejected"
    argv = ["--input", src, "--output", str(out), "--rejected", str(rej), "--key", "event_id", "--required", "type"]
    argv += ["--ts", "occurred_at"]
    (tmp_path / "clean").mkdir()
    (tmp_path / "clean" / "stale.parquet").write_text("left by an earlier run")
    assert main(argv, spark=spark) == 0
    report = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert report["counts"] == {
        "input": 11,
        "clean": 4,
        "rejected": 7,
        "rejectedByReason": {"bad_timestamp": 1, "exact_duplicate": 1, "missing_required": 3, "superseded": 2},
    }
    assert spark.read.parquet(str(out)).count() == 4
    assert spark.read.parquet(str(rej)).count() == 7
