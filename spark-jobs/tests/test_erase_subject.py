from __future__ import annotations

import json
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from pyspark.sql import SparkSession

from conftest import write_parquet
from gouvernail_jobs import datasets
from gouvernail_jobs.erase_subject import erase_subject, main
from gouvernail_jobs.report import ReportError, post_events

SUBJECT = "camille.martin@example.org"
SCHEMA = "order_id long, email string, amount double, country string"
ROWS = [
    (1, SUBJECT, 10.0, "FR"),
    (2, "noah@example.org", 20.0, "FR"),
    (3, SUBJECT, 30.0, "DE"),
    (4, None, 40.0, "DE"),
    (5, "Camille.Martin@Example.org ", 50.0, "DE"),
]
TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?Z$")


@pytest.fixture(scope="module")
def orders(spark: SparkSession):
    return spark.createDataFrame(ROWS, SCHEMA)


def ids(df) -> list[int]:
    return sorted(r["order_id"] for r in df.select("order_id").collect())


def test_erase_keeps_other_rows_and_counts(orders) -> None:
    kept, counts = erase_subject(orders, "email", SUBJECT)
    assert ids(kept) == [2, 4, 5], "null and differently written identifiers are kept"
    assert counts == {"rowsBefore": 5, "rowsDeleted": 2, "rowsAfter": 3}


def test_erase_ignore_case_matches_trimmed_lowercase(orders) -> None:
    kept, counts = erase_subject(orders, "email", " CAMILLE.martin@example.org", ignore_case=True)
    assert ids(kept) == [2, 4]
    assert counts["rowsDeleted"] == 3


def test_erase_ignore_case_trims_every_kind_of_white_space(spark) -> None:
    rows = [(1, SUBJECT + "\t", 1.0, "FR"), (2, "\n" + SUBJECT.upper(), 2.0, "FR"), (3, "noah@example.org", 3.0, "DE")]
    kept, counts = erase_subject(spark.createDataFrame(rows, SCHEMA), "email", SUBJECT, ignore_case=True)
    assert ids(kept) == [3]
    assert counts["rowsDeleted"] == 2


def test_erase_unknown_column_fails(orders) -> None:
    with pytest.raises(ValueError, match="mail"):
        erase_subject(orders, "mail", SUBJECT)


def _run(tmp_path: Path, spark, datasets_: list[str], *extra: str) -> tuple[int, list[dict[str, Any]]]:
    report = tmp_path / "report.json"
    argv = ["--column", "email", "--subject", SUBJECT, "--case-id", "case-2026-0001", "--task-id", "t1"]
    for d in datasets_:
        argv += ["--dataset", d]
    code = main([*argv, "--report-file", str(report), *extra], spark=spark)
    return code, json.loads(report.read_text())


def test_main_rewrites_each_dataset_and_reports(spark, orders, tmp_path: Path) -> None:
    flat = write_parquet(orders, tmp_path / "lake" / "orders")
    parted = write_parquet(orders, tmp_path / "lake" / "orders_by_country", partition_by=["country"])
    clean = write_parquet(orders.filter("order_id = 2"), tmp_path / "lake" / "other")
    code, events = _run(tmp_path, spark, [flat, parted, clean])

    assert code == 0
    assert ids(spark.read.parquet(flat)) == [2, 4, 5]
    after = spark.read.parquet(parted)
    assert ids(after) == [2, 4, 5] and after.filter(f"email = '{SUBJECT}'").count() == 0
    assert sorted(p.name for p in Path(parted).iterdir() if p.is_dir()) == ["country=DE", "country=FR"]
    def rows(df) -> list[tuple]:
        return sorted((tuple(r) for r in df.select(*orders.columns).collect()), key=lambda t: t[0])

    assert rows(after) == rows(orders.filter("order_id in (2, 4, 5)")), "other rows are unchanged"
    leftovers = [p.name for p in (tmp_path / "lake").iterdir() if "__gouvernail_" in p.name]
    assert leftovers == [], "no staging copy (holding the subject's rows) is left behind"

    [event] = events
    assert event["data"]["outcome"] == "erased"
    assert event["id"].startswith("erase:case-2026-0001:t1:")
    by_ds = {d["dataset"]: d for d in event["data"]["evidence"]["datasets"]}
    assert by_ds[flat]["outcome"] == "erased"
    assert by_ds[flat]["counts"] == {"rowsBefore": 5, "rowsDeleted": 2, "rowsAfter": 3, "filesRewritten": by_ds[flat]["counts"]["filesRewritten"]}
    assert by_ds[flat]["counts"]["filesRewritten"] >= 1
    assert by_ds[parted]["counts"]["filesRewritten"] >= 2
    assert by_ds[flat]["scanForSubjectAfter"] == 0
    assert by_ds[flat]["lineageDataset"] == {"namespace": "file", "name": flat}
    assert by_ds[clean]["outcome"] == "nothing_found"
    assert by_ds[clean]["counts"] == {"rowsBefore": 1, "rowsDeleted": 0, "rowsAfter": 1, "filesRewritten": 0}
    assert event["data"]["counts"]["rowsDeleted"] == 4 and event["data"]["counts"]["rowsBefore"] == 11
    assert SUBJECT not in json.dumps(events), "the identifier itself never leaves the job"

    code, [again] = _run(tmp_path, spark, [flat])
    assert code == 0 and again["id"] != event["id"], "a re-run reports anew"
    assert again["data"]["outcome"] == "nothing_found", "a re-run finds nothing left"


def test_one_failed_dataset_fails_the_whole_task(spark, orders, tmp_path: Path) -> None:
    ok = write_parquet(orders, tmp_path / "lake" / "orders")
    code, [event] = _run(tmp_path, spark, [ok, str(tmp_path / "lake" / "nowhere")])
    assert code == 1
    assert event["data"]["outcome"] == "failed"
    assert [d["outcome"] for d in event["data"]["evidence"]["datasets"]] == ["erased", "failed"]


def test_rewrite_keeps_other_rows_columns_and_partition_values(spark, tmp_path: Path) -> None:
    ds = tmp_path / "people"
    spark.createDataFrame([(1, SUBJECT), (2, "lea@example.org")], "id long, email string").write.parquet(
        str(ds / "zip=007")
    )
    spark.createDataFrame([(3, "lea@example.org", "+33 6 12")], "id long, email string, phone string").write.parquet(
        str(ds / "zip=01000")
    )
    code, [event] = _run(tmp_path, spark, [str(ds)])
    assert code == 0 and event["data"]["outcome"] == "erased"
    assert sorted(p.name for p in ds.iterdir() if p.is_dir()) == ["zip=007", "zip=01000"]
    after = spark.read.option("mergeSchema", "true").parquet(str(ds))
    assert "phone" in after.columns
    assert sorted((r["id"], r["phone"]) for r in after.collect()) == [(2, None), (3, "+33 6 12")]


def test_report_matches_the_shared_contract(spark, orders, tmp_path: Path, shared_events) -> None:
    example = next(e for e in shared_events if e["type"] == "ErasureTaskCompleted")
    code, [event] = _run(tmp_path, spark, [write_parquet(orders, tmp_path / "orders")])
    assert code == 0
    assert set(event) == set(example)
    assert event["schemaVersion"] == example["schemaVersion"]
    assert event["type"] == example["type"]
    assert set(event["actor"]) == set(example["actor"]) and event["actor"]["role"] == "producer"
    assert set(example["data"]) <= set(event["data"]) <= {"caseId", "taskId", "outcome", "counts", "evidence"}
    assert all(isinstance(v, int) and v >= 0 for v in event["data"]["counts"].values())
    assert set(event["data"]["counts"]) == {"rowsBefore", "rowsDeleted", "rowsAfter", "filesRewritten"}
    assert re.fullmatch(r"[\x21-\x7e]{1,128}", event["id"])
    assert TIMESTAMP.match(event["occurredAt"])
    assert event["producer"] == "spark-jobs/erase_subject"


def test_missing_dataset_is_reported_as_failed(spark, tmp_path: Path) -> None:
    code, [event] = _run(tmp_path, spark, [str(tmp_path / "nowhere")])
    assert code == 1
    assert event["data"]["outcome"] == "failed"
    assert "error" in event["data"]["evidence"]["datasets"][0]


def test_failed_write_leaves_dataset_untouched(spark, orders, tmp_path: Path) -> None:
    ds = write_parquet(orders, tmp_path / "orders")

    def crash(tmp: str) -> None:
        orders.limit(1).write.parquet(tmp)
        raise RuntimeError("executor lost")

    with pytest.raises(RuntimeError):
        datasets.replace_atomically(spark, ds, crash)
    assert ids(spark.read.parquet(ds)) == [1, 2, 3, 4, 5]
    assert datasets.recover(spark, ds) and not list(tmp_path.glob("*__gouvernail_*"))


def test_recover_finishes_or_rolls_back_an_interrupted_swap(spark, orders, tmp_path: Path) -> None:
    ds = tmp_path / "orders"
    old = datasets.staging_path(str(ds), datasets.OLD, "a1")
    tmp = datasets.staging_path(str(ds), datasets.TMP, "a1")
    write_parquet(orders, Path(old))
    write_parquet(orders.filter("order_id = 2"), Path(tmp))
    assert datasets.recover(spark, str(ds)) == ["completed swap a1", "deleted staging a1"]
    assert ids(spark.read.parquet(str(ds))) == [2]

    ds2 = tmp_path / "orders2"
    write_parquet(orders, Path(datasets.staging_path(str(ds2), datasets.OLD, "b2")))
    assert datasets.recover(spark, str(ds2)) == ["rolled back swap b2"]
    assert ids(spark.read.parquet(str(ds2))) == [1, 2, 3, 4, 5]


class _Gouvernail(BaseHTTPRequestHandler):
    script: list[str] = []
    seen: list[dict[str, Any]] = []

    def do_POST(self) -> None:  # noqa: N802
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        type(self).seen.append({"path": self.path, "auth": self.headers.get("Authorization"), "body": body})
        step = type(self).script.pop(0) if type(self).script else "ok"
        if step == "drop":
            self.close_connection = True
            self.connection.shutdown(2)
            return
        if step == "invalid":
            payload, code = {"error": {"code": "invalid-events", "message": "1 of 1 events are invalid"}}, 400
        elif step == "conflict":
            payload, code = {"results": [{"id": e["id"], "position": 7, "status": "conflict"} for e in body]}, 200
        else:
            payload, code = {"results": [{"id": e["id"], "position": i, "status": "appended"} for i, e in enumerate(body)]}, 200
        raw = json.dumps(payload).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(raw)))
        self.end_headers()
        self.wfile.write(raw)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def gouvernail():
    _Gouvernail.script, _Gouvernail.seen = [], []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Gouvernail)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}", _Gouvernail
    server.shutdown()
    server.server_close()


EVENT = {"id": "erase:c:t", "type": "ErasureTaskCompleted"}


def test_post_retries_the_same_event_after_a_dropped_connection(gouvernail) -> None:
    url, handler = gouvernail
    handler.script = ["drop", "ok"]
    results = post_events(url, "tok", [EVENT], backoff_s=0.01)
    assert results[0]["status"] == "appended"
    assert [s["body"] for s in handler.seen] == [[EVENT], [EVENT]]
    assert {s["auth"] for s in handler.seen} == {"Bearer tok"}
    assert {s["path"] for s in handler.seen} == {"/v1/events"}


def test_a_report_whose_id_holds_another_outcome_fails_naming_it(gouvernail) -> None:
    url, handler = gouvernail
    handler.script = ["conflict"]
    with pytest.raises(ReportError, match="already reported with other content"):
        post_events(url, "tok", [EVENT], backoff_s=0.01)
    assert len(handler.seen) == 1


def test_post_does_not_retry_a_rejected_event(gouvernail) -> None:
    url, handler = gouvernail
    handler.script = ["invalid"]
    with pytest.raises(ReportError, match="400"):
        post_events(url, "tok", [EVENT], backoff_s=0.01)
    assert len(handler.seen) == 1


def test_main_posts_to_gouvernail_and_fails_when_it_refuses(spark, orders, tmp_path: Path, gouvernail, monkeypatch) -> None:
    url, handler = gouvernail
    monkeypatch.setenv("GOUVERNAIL_TOKEN", "producer-token")
    ds = write_parquet(orders, tmp_path / "orders")
    argv = ["--dataset", ds, "--column", "email", "--subject", SUBJECT, "--case-id", "c1", "--task-id", "t9"]
    argv += ["--gouvernail-url", url, "--no-lineage"]
    assert main(argv, spark=spark) == 0
    [sent] = handler.seen
    assert sent["auth"] == "Bearer producer-token"
    assert sent["body"][0]["id"].startswith("erase:c1:t9:") and sent["body"][0]["data"]["outcome"] == "erased"

    handler.script = ["invalid"]
    assert main(argv, spark=spark) == 2
