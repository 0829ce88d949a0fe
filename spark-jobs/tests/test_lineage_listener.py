"""The OpenLineage Spark listener, loaded by build_session, reports the jobs' datasets."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from pyspark.sql import SparkSession

from conftest import fixture_rows, write_parquet
from gouvernail_jobs import dedupe_clean, erase_subject
from gouvernail_jobs.session import LineageConfig, session_conf

SCHEMA = "event_id string, type string, principal string, occurred_at string, note string"


def names(datasets: list[dict]) -> set[str]:
    return {d["name"] for d in datasets}


def test_session_conf_points_the_listener_at_gouvernail() -> None:
    conf = session_conf("job", LineageConfig.http("http://127.0.0.1:5055/", "tok", "lake"))
    assert conf["spark.extraListeners"] == "io.openlineage.spark.agent.OpenLineageSparkListener"
    assert Path(conf["spark.jars"]).is_file()
    assert conf["spark.openlineage.transport.url"] == "http://127.0.0.1:5055"
    assert conf["spark.openlineage.transport.endpoint"] == "/api/v1/lineage"
    assert conf["spark.openlineage.transport.auth.type"] == "api_key"
    assert conf["spark.openlineage.transport.auth.apiKey"] == "tok"
    assert conf["spark.openlineage.namespace"] == "lake"
    assert "spark.openlineage.jobName.appendDatasetName" not in conf
    erase = session_conf("job", replace(LineageConfig.to_file("/tmp/x.ndjson"), append_dataset_name=False))
    assert erase["spark.openlineage.transport.type"] == "file"
    assert erase["spark.openlineage.jobName.appendDatasetName"] == "false"


def test_dedupe_clean_emits_a_complete_run_event_with_datasets_and_schema(
    spark: SparkSession, tmp_path: Path, lineage_events
) -> None:
    src = write_parquet(spark.createDataFrame(fixture_rows("raw_events.json"), SCHEMA), tmp_path / "raw_events")
    out = str(tmp_path / "clean_events")
    argv = ["--input", src, "--output", out, "--key", "event_id", "--required", "type", "--ts", "occurred_at"]
    assert dedupe_clean.main(argv, spark=spark) == 0

    [event, *_] = lineage_events(lambda e: e.get("eventType") == "COMPLETE" and out in names(e.get("outputs", [])))
    assert event["job"]["namespace"] == "tests"
    assert event["run"]["runId"]
    assert src in names(event["inputs"])
    [output] = [o for o in event["outputs"] if o["name"] == out]
    assert output["namespace"] == "file"
    fields = {f["name"]: f["type"] for f in output["facets"]["schema"]["fields"]}
    assert set(fields) == {"event_id", "type", "principal", "occurred_at", "note"}
    assert fields["occurred_at"] == "timestamp"
    column_lineage = output["facets"].get("columnLineage")
    if column_lineage:
        note_from = column_lineage["fields"]["note"]["inputFields"]
        assert {(f["name"], f["field"]) for f in note_from} >= {(src, "note")}


def test_erase_subject_lineage_names_the_dataset_not_its_staging_copy(
    spark: SparkSession, tmp_path: Path, lineage_events
) -> None:
    ds = write_parquet(spark.createDataFrame([(1, "a@example.org"), (2, "b@example.org")], "id long, email string"), tmp_path / "people")
    argv = ["--dataset", ds, "--column", "email", "--subject", "a@example.org", "--case-id", "c", "--task-id", "t"]
    assert erase_subject.main([*argv, "--report-file", str(tmp_path / "r.json")], spark=spark) == 0

    found = lineage_events(lambda e: e.get("eventType") == "COMPLETE" and ds in names(e.get("inputs", [])) and e.get("outputs"))
    assert found, "the rewrite is reported as a run reading the dataset"
    assert all(names(e["outputs"]) == {ds} for e in found), "the staging suffix is stripped from the output name"
