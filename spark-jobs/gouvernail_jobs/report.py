"""ErasureTaskCompleted events and their delivery to gouvernail (POST /v1/events), stdlib only."""

from __future__ import annotations

import hashlib
import http.client
import json
import re
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

PRODUCER = "spark-jobs/erase_subject"
ACTOR = {"principal": "spark-jobs", "role": "producer"}
OUTCOMES = ("erased", "nothing_found", "failed")
ACCEPTED = ("appended", "duplicate")
_EVENT_ID = re.compile(r"^[\x21-\x7e]{1,128}$")
_RETRY_STATUS = {408, 425, 429, 500, 502, 503, 504}

Event = dict[str, Any]


class ReportError(Exception):
    """gouvernail did not accept the events (a 4xx, or still failing after every retry)."""


def utc_now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def event_id(case_id: str, task_id: str, run_id: str) -> str:
    """Per (case, task, run): a re-sent report is absorbed as a duplicate, while a new run (after a
    failure, say) reports anew instead of conflicting with the first run's report."""
    plain = f"erase:{case_id}:{task_id}:{run_id}"
    if _EVENT_ID.match(plain):
        return plain
    return "erase:" + hashlib.sha256(plain.encode()).hexdigest()


def erasure_completed(
    *,
    case_id: str,
    task_id: str,
    outcome: str,
    counts: Mapping[str, int],
    evidence: Mapping[str, Any],
    occurred_at: str,
    id: str,
) -> Event:
    if outcome not in OUTCOMES:
        raise ValueError(f"unknown outcome {outcome!r}")
    return {
        "id": id,
        "type": "ErasureTaskCompleted",
        "schemaVersion": 1,
        "occurredAt": occurred_at,
        "producer": PRODUCER,
        "actor": dict(ACTOR),
        "data": {
            "caseId": case_id,
            "taskId": task_id,
            "outcome": outcome,
            "counts": {k: int(v) for k, v in counts.items()},
            "evidence": dict(evidence),
        },
    }


def _retriable(err: Exception) -> bool:
    if isinstance(err, urllib.error.HTTPError):
        return err.code in _RETRY_STATUS
    return isinstance(err, (urllib.error.URLError, ConnectionError, TimeoutError, http.client.HTTPException))


def post_events(
    base_url: str,
    token: str | None,
    events: Sequence[Event],
    *,
    attempts: int = 5,
    backoff_s: float = 0.5,
    timeout_s: float = 15.0,
    sleep: Callable[[float], None] = time.sleep,
) -> list[dict[str, Any]]:
    """POST the events as one JSON array; retry the same body on connection errors and 5xx/429."""
    body = json.dumps(list(events)).encode()
    headers = {"Content-Type": "application/json", "Accept": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    url = base_url.rstrip("/") + "/v1/events"
    last: Exception | None = None
    for attempt in range(1, attempts + 1):
        req = urllib.request.Request(url, data=body, headers=headers, method="POST")
        try:
            with urllib.request.urlopen(req, timeout=timeout_s) as res:
                return _check_results(json.loads(res.read() or b"{}"), events)
        except Exception as err:  # noqa: BLE001 - classified below
            if not _retriable(err):
                raise ReportError(_describe(err)) from err
            last = err
            if attempt < attempts:
                sleep(min(backoff_s * 2 ** (attempt - 1), 10.0))
    raise ReportError(f"gave up after {attempts} attempts: {_describe(last)}") from last


def _check_results(payload: Any, events: Sequence[Event]) -> list[dict[str, Any]]:
    results = payload.get("results") if isinstance(payload, dict) else None
    if not isinstance(results, list):
        raise ReportError(f"unexpected answer from gouvernail: {json.dumps(payload)[:500]}")
    sent = {e["id"] for e in events}
    got = {r.get("id"): r.get("status") for r in results if isinstance(r, dict)}
    bad = {i: got.get(i) for i in sent if got.get(i) not in ACCEPTED}
    conflicts = sorted(i for i, status in bad.items() if status == "conflict")
    if conflicts:
        # The same (case, task) was reported before with another outcome: that first report stands.
        raise ReportError(
            f"not recorded, already reported with other content (the first report stands; "
            f"report a re-run under a new task id): {conflicts}"
        )
    if bad:
        raise ReportError(f"events not recorded: {bad}")
    return results


def _describe(err: Exception | None) -> str:
    if isinstance(err, urllib.error.HTTPError):
        try:
            detail = err.read().decode(errors="replace")[:2000]
        except Exception:  # noqa: BLE001
            detail = ""
        return f"HTTP {err.code} from {err.url}: {detail}"
    return f"{type(err).__name__}: {err}"
