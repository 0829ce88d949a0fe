"""spark-submit entry point: `spark-submit --jars <openlineage jar> spark-jobs/submit.py <job> [args]`."""

import sys

from gouvernail_jobs import dedupe_clean, erase_subject

JOBS = {"dedupe_clean": dedupe_clean.main, "erase_subject": erase_subject.main}

if __name__ == "__main__":
    if len(sys.argv) < 2 or sys.argv[1] not in JOBS:
        sys.exit(f"usage: submit.py {{{'|'.join(JOBS)}}} [job arguments]")
    sys.exit(JOBS[sys.argv[1]](sys.argv[2:]))
