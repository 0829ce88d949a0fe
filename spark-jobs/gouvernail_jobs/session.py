"""SparkSession construction shared by the jobs, with the OpenLineage listener when asked for."""

from __future__ import annotations

import argparse
import glob
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from pyspark.sql import SparkSession

LISTENER = "io.openlineage.spark.agent.OpenLineageSparkListener"
LINEAGE_ENDPOINT = "/api/v1/lineage"
DEFAULT_NAMESPACE = "spark-jobs"

# Staging directories written by erase_subject end with this suffix; the listener strips it
# (spark.openlineage.dataset.removePath.pattern) so lineage names the real dataset, not the temp copy.
STAGING_MARK = ".__gouvernail_"
REMOVE_PATH_PATTERN = r"(.*)(?<remove>\.__gouvernail_[a-z]+_[A-Za-z0-9]+)$"


@dataclass(frozen=True)
class LineageConfig:
    """Where the OpenLineage Spark listener sends its RunEvents."""

    namespace: str = DEFAULT_NAMESPACE
    transport: Literal["http", "file"] = "http"
    url: str | None = None
    api_key: str | None = None
    endpoint: str = LINEAGE_ENDPOINT
    file: str | None = None
    timeout_ms: int = 5000
    # False keeps one job name per application instead of one per output path (staging paths vary per run)
    append_dataset_name: bool = True

    @staticmethod
    def http(url: str, api_key: str | None, namespace: str = DEFAULT_NAMESPACE) -> LineageConfig:
        return LineageConfig(namespace=namespace, transport="http", url=url.rstrip("/"), api_key=api_key)

    @staticmethod
    def to_file(path: str, namespace: str = DEFAULT_NAMESPACE) -> LineageConfig:
        return LineageConfig(namespace=namespace, transport="file", file=os.path.abspath(path))


def find_listener_jar() -> str:
    """OPENLINEAGE_SPARK_JAR, else the newest openlineage-spark_2.13 jar under <repo>/.ci/jars/lib."""
    explicit = os.environ.get("OPENLINEAGE_SPARK_JAR")
    if explicit:
        if not os.path.isfile(explicit):
            raise FileNotFoundError(f"OPENLINEAGE_SPARK_JAR points to a missing file: {explicit}")
        return os.path.abspath(explicit)
    roots = [Path(__file__).resolve().parents[2], Path.cwd().parent, Path.cwd()]
    for root in roots:
        found = glob.glob(str(root / ".ci" / "jars" / "lib" / "openlineage-spark_2.13-*.jar"))
        if found:
            return max(found, key=_jar_version)
    raise FileNotFoundError(
        "OpenLineage Spark listener jar not found: set OPENLINEAGE_SPARK_JAR or run scripts/services/install.sh spark"
    )


def _jar_version(path: str) -> tuple[int, ...]:
    m = re.search(r"-(\d+(?:\.\d+)*)\.jar$", path)
    return tuple(int(p) for p in m.group(1).split(".")) if m else ()


def lineage_conf(lineage: LineageConfig) -> dict[str, str]:
    conf = {
        "spark.jars": find_listener_jar(),
        "spark.extraListeners": LISTENER,
        "spark.openlineage.namespace": lineage.namespace,
        "spark.openlineage.dataset.removePath.pattern": REMOVE_PATH_PATTERN,
        # the api key must not show up in logs or the environment tab
        "spark.redaction.regex": r"(?i)secret|password|token|access[.]?key|api[.]?key",
    }
    if not lineage.append_dataset_name:
        conf["spark.openlineage.jobName.appendDatasetName"] = "false"
    if lineage.transport == "file":
        if not lineage.file:
            raise ValueError("file lineage transport needs a file path")
        conf |= {"spark.openlineage.transport.type": "file", "spark.openlineage.transport.location": lineage.file}
        return conf
    if not lineage.url:
        raise ValueError("http lineage transport needs a url")
    conf |= {
        "spark.openlineage.transport.type": "http",
        "spark.openlineage.transport.url": lineage.url,
        "spark.openlineage.transport.endpoint": lineage.endpoint,
        "spark.openlineage.transport.timeoutInMillis": str(lineage.timeout_ms),
    }
    if lineage.api_key:
        conf |= {
            "spark.openlineage.transport.auth.type": "api_key",
            "spark.openlineage.transport.auth.apiKey": lineage.api_key,
        }
    return conf


def session_conf(app_name: str, lineage: LineageConfig | None = None) -> dict[str, str]:
    conf = {
        "spark.app.name": app_name,
        "spark.master": os.environ.get("SPARK_MASTER", "local[2]"),
        "spark.driver.memory": os.environ.get("SPARK_DRIVER_MEMORY", "1g"),
        "spark.driver.host": "127.0.0.1",
        "spark.driver.bindAddress": "127.0.0.1",
        "spark.ui.enabled": "false",
        "spark.sql.shuffle.partitions": "2",
        "spark.sql.session.timeZone": "UTC",
    }
    if lineage is not None:
        conf |= lineage_conf(lineage)
    return conf


def build_session(app_name: str, lineage: LineageConfig | None = None) -> SparkSession:
    builder = SparkSession.builder
    for key, value in session_conf(app_name, lineage).items():
        builder = builder.config(key, value)
    spark = builder.getOrCreate()
    spark.sparkContext.setLogLevel(os.environ.get("SPARK_LOG_LEVEL", "WARN"))
    if lineage is not None:
        _quiet(spark, _NOISY_LISTENER_LOGGER)
    return spark


# Warns with a stack trace for every plan about connectors loaded by another class loader (none here).
_NOISY_LISTENER_LOGGER = "io.openlineage.spark.agent.lifecycle.SparkOpenLineageExtensionVisitorWrapper"


def _quiet(spark: SparkSession, logger: str) -> None:
    jvm = spark.sparkContext._jvm  # type: ignore[attr-defined]
    jvm.org.apache.logging.log4j.core.config.Configurator.setLevel(logger, jvm.org.apache.logging.log4j.Level.ERROR)


def add_lineage_args(parser: argparse.ArgumentParser) -> None:
    g = parser.add_argument_group("gouvernail and lineage")
    g.add_argument("--gouvernail-url", default=os.environ.get("GOUVERNAIL_URL"), help="base URL (env GOUVERNAIL_URL)")
    g.add_argument("--token", default=None, help="producer token (prefer env GOUVERNAIL_TOKEN)")
    g.add_argument("--lineage-namespace", default=os.environ.get("OPENLINEAGE_NAMESPACE", DEFAULT_NAMESPACE))
    g.add_argument("--lineage-file", default=None, help="write OpenLineage events to this NDJSON file instead of HTTP")
    g.add_argument("--no-lineage", action="store_true", help="run without the OpenLineage listener")


def token_from_args(args: argparse.Namespace) -> str | None:
    return args.token or os.environ.get("GOUVERNAIL_TOKEN") or None


def lineage_from_args(args: argparse.Namespace) -> LineageConfig | None:
    if args.no_lineage:
        return None
    if args.lineage_file:
        return LineageConfig.to_file(args.lineage_file, args.lineage_namespace)
    if args.gouvernail_url:
        return LineageConfig.http(args.gouvernail_url, token_from_args(args), args.lineage_namespace)
    return None
