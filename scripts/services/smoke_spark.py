"""PySpark + OpenLineage smoke job (run by scripts/services/smoke.sh with the .ci/venv interpreter).

Writes a small parquet data set, reads it back and writes an aggregate, with the OpenLineage Spark
listener sending its events to a file transport (one JSON event per line).

    python smoke_spark.py OPENLINEAGE_JAR WORK_DIR EVENTS_FILE
"""
import os
import sys

from pyspark.sql import SparkSession
from pyspark.sql import functions as F


def main(jar, work, events):
    tmp = os.path.join(work, "tmp")
    os.makedirs(tmp, exist_ok=True)
    spark = (
        SparkSession.builder.master("local[2]")
        .appName("gouvernail-lineage-smoke")
        .config("spark.driver.memory", "1g")
        .config("spark.driver.host", "127.0.0.1")
        .config("spark.driver.bindAddress", "127.0.0.1")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "2")
        .config("spark.local.dir", os.path.join(work, "local"))
        .config("spark.sql.warehouse.dir", os.path.join(work, "warehouse"))
        .config("spark.driver.extraJavaOptions", f"-Djava.io.tmpdir={tmp} -Dderby.system.home={tmp}")
        .config("spark.jars", jar)
        .config("spark.extraListeners", "io.openlineage.spark.agent.OpenLineageSparkListener")
        .config("spark.openlineage.transport.type", "file")
        .config("spark.openlineage.transport.location", events)
        .config("spark.openlineage.namespace", "ci")
        .config("spark.openlineage.appName", "gouvernail-lineage-smoke")
        .getOrCreate()
    )
    try:
        raw = os.path.join(work, "out", "raw")
        agg = os.path.join(work, "out", "by_bucket")
        spark.range(100).withColumn("bucket", F.col("id") % 5).write.mode("overwrite").parquet(raw)
        df = spark.read.parquet(raw).groupBy("bucket").agg(F.count("*").alias("n"))
        df.write.mode("overwrite").parquet(agg)
        rows = sorted((r["bucket"], r["n"]) for r in spark.read.parquet(agg).collect())
        assert rows == [(b, 20) for b in range(5)], rows
        print(f"spark {spark.version}: wrote {raw} and {agg}")
    finally:
        spark.stop()  # flushes the final COMPLETE events


if __name__ == "__main__":
    main(*sys.argv[1:4])
