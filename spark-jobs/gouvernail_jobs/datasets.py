"""Dataset directory operations through the Hadoop FileSystem API (file:, hdfs:, ...).

A rewrite goes to a sibling staging directory, then two renames swap it in:
`<ds>` -> `<ds>.__gouvernail_old_<t>`, `<ds>.__gouvernail_tmp_<t>` -> `<ds>`, and the old copy is
deleted. Readers see either the old or the new dataset, never a half-written one, and
`recover()` finishes or rolls back a swap that a crash interrupted. Renames are atomic on local
disks and HDFS; object stores (s3a, gcs) emulate them by copying, so there use a table format.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from pyspark.sql import SparkSession

from .session import STAGING_MARK

TMP = "tmp"
OLD = "old"


class _Fs:
    def __init__(self, spark: SparkSession, path: str):
        jvm = spark.sparkContext._jvm  # type: ignore[attr-defined]
        self._Path = jvm.org.apache.hadoop.fs.Path
        self.path = self._Path(path)
        self.fs = self.path.getFileSystem(spark.sparkContext._jsc.hadoopConfiguration())  # type: ignore[attr-defined]

    def p(self, path: str) -> Any:
        return self._Path(path)


def qualified(spark: SparkSession, path: str) -> str:
    f = _Fs(spark, path)
    return str(f.fs.makeQualified(f.path).toString())


def exists(spark: SparkSession, path: str) -> bool:
    f = _Fs(spark, path)
    return bool(f.fs.exists(f.path))


def staging_path(path: str, kind: str, token: str) -> str:
    return f"{path.rstrip('/')}{STAGING_MARK}{kind}_{token}"


def _siblings(f: _Fs) -> list[tuple[str, str, str]]:
    """(kind, token, qualified path) of staging directories left next to the dataset."""
    parent, name = f.path.getParent(), f.path.getName()
    if not f.fs.exists(parent):
        return []
    out = []
    prefix = name + STAGING_MARK
    for st in f.fs.listStatus(parent):
        child = st.getPath().getName()
        if child.startswith(prefix):
            kind, _, token = child[len(prefix) :].partition("_")
            if kind in (TMP, OLD) and token:
                out.append((kind, token, str(st.getPath().toString())))
    return out


def recover(spark: SparkSession, path: str) -> list[str]:
    """Finish or undo an interrupted swap, and delete stale staging copies (they may hold erased rows)."""
    f = _Fs(spark, path)
    actions: list[str] = []
    siblings = _siblings(f)
    if not f.fs.exists(f.path):
        olds = {t: p for k, t, p in siblings if k == OLD}
        tmps = {t: p for k, t, p in siblings if k == TMP}
        for token, old in olds.items():
            tmp = tmps.get(token)
            if tmp and f.fs.exists(f.p(tmp + "/_SUCCESS")):
                _rename(f, tmp, path)
                actions.append(f"completed swap {token}")
            else:
                _rename(f, old, path)
                actions.append(f"rolled back swap {token}")
            break
        siblings = _siblings(f)
    for _, token, p in siblings:
        f.fs.delete(f.p(p), True)
        actions.append(f"deleted staging {token}")
    return actions


def replace_atomically(spark: SparkSession, path: str, write: Callable[[str], None]) -> None:
    """Call `write(staging_path)`, then swap the staging directory in place of `path`."""
    f = _Fs(spark, path)
    token = uuid.uuid4().hex[:12]
    tmp, old = staging_path(path, TMP, token), staging_path(path, OLD, token)
    write(tmp)
    if not f.fs.exists(f.p(tmp + "/_SUCCESS")):
        raise RuntimeError(f"staging write did not complete: {tmp}")
    _rename(f, path, old)
    try:
        _rename(f, tmp, path)
    except Exception:
        _rename(f, old, path)
        raise
    f.fs.delete(f.p(old), True)


def _rename(f: _Fs, src: str, dst: str) -> None:
    if f.fs.exists(f.p(dst)):
        raise RuntimeError(f"rename target exists: {dst}")
    if not f.fs.rename(f.p(src), f.p(dst)):
        raise RuntimeError(f"rename failed: {src} -> {dst}")


def data_files(spark: SparkSession, path: str) -> int:
    """Number of data files under `path`, ignoring `_SUCCESS`, `.crc` and other hidden files."""
    f = _Fs(spark, path)
    it = f.fs.listFiles(f.path, True)
    n = 0
    while it.hasNext():
        name = it.next().getPath().getName()
        if not name.startswith(("_", ".")):
            n += 1
    return n


def partition_columns(spark: SparkSession, path: str) -> list[str]:
    """Hive-style partition columns (`col=value/` directories), outermost first."""
    f = _Fs(spark, path)
    cols: list[str] = []
    current = f.path
    while True:
        dirs = [
            s.getPath()
            for s in f.fs.listStatus(current)
            if s.isDirectory() and "=" in s.getPath().getName() and not s.getPath().getName().startswith(("_", "."))
        ]
        if not dirs:
            return cols
        cols.append(dirs[0].getName().split("=", 1)[0])
        current = dirs[0]
