from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from pyspark.sql import DataFrame, SparkSession

from gouvernail_jobs.session import LineageConfig, build_session

FIXTURES = Path(__file__).parent / "fixtures"
SHARED_EVENTS = Path(__file__).resolve().parents[2] / "test" / "fixtures" / "events" / "valid.json"


@pytest.fixture(scope="session")
def lineage_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("openlineage") / "events.ndjson"


@pytest.fixture(scope="session")
def spark(lineage_file: Path) -> SparkSession:
    """The one SparkSession of the run, with the OpenLineage listener writing to a file."""
    session = build_session("gouvernail_spark_jobs_tests", LineageConfig.to_file(str(lineage_file), "tests"))
    # tiny inputs: compiling generated code costs more than it saves
    session.conf.set("spark.sql.codegen.wholeStage", "false")
    yield session
    session.stop()


@pytest.fixture(scope="session")
def shared_events() -> list[dict[str, Any]]:
    return json.loads(SHARED_EVENTS.read_text())


def fixture_rows(name: str) -> list[dict[str, Any]]:
    return json.loads((FIXTURES / name).read_text())


def write_parquet(df: DataFrame, path: Path, partition_by: list[str] | None = None) -> str:
    df.write.partitionBy(*(partition_by or [])).mode("overwrite").parquet(str(path))
    return str(path)


@pytest.fixture
def lineage_events(lineage_file: Path) -> Callable[..., list[dict[str, Any]]]:
    """Wait until the listener wrote a RunEvent matching `pred` (the listener bus is asynchronous)."""

    def wait(pred: Callable[[dict[str, Any]], bool], timeout_s: float = 30.0) -> list[dict[str, Any]]:
        deadline = time.monotonic() + timeout_s
        while True:
            events = []
            if lineage_file.exists():
                events = [json.loads(line) for line in lineage_file.read_text().splitlines() if line.strip()]
            found = [e for e in events if pred(e)]
            if found or time.monotonic() > deadline:
                return found
            time.sleep(0.25)

    return wait
