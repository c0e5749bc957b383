"""CSV inventory imports started from the lender's page: the file is read and checked as
`autoledger inventory import` reads it (`ledger.inventory.read_inventory`), then advanced in a
thread of the serving process by the same `import_inventory`, so the browser is sent at once
to a result page that shows the progress and, when done, every rejected row.

Jobs are kept in the serving process (the last `KEEP`), for the member that started them.
"""

from __future__ import annotations

import secrets
import tempfile
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path

from ledger.floorplan import FloorPlanClient
from ledger.inventory import (
    ImportReport,
    ImportRow,
    Rejection,
    import_inventory,
    read_inventory,
)
from ledger.vin_directory import VinDirectory

KEEP = 256
"""How many finished or running imports are remembered (oldest forgotten first)."""


def read_upload(data: bytes) -> tuple[list[ImportRow], list[Rejection]]:
    """The rows of an uploaded inventory file, checked by the CLI's own reader (which takes a
    path): written to a private temporary file first. Raises `InventoryFileError`."""
    with tempfile.TemporaryDirectory(prefix="autoledger-import-") as folder:
        path = Path(folder) / "inventory.csv"
        path.write_bytes(data)
        return read_inventory(path)


@dataclass(kw_only=True)
class ImportJob:
    """An import: the line, the rows in the file, how many are done, and the report so far."""

    id: str
    member_id: int
    line_id: int
    file_name: str
    rows: int
    report: ImportReport
    done: int = 0
    finished: bool = False
    failure: str | None = None
    """Why the import stopped before its end (the chain stopped answering...)."""
    started: float = field(default_factory=time.time)


class ImportJobs:
    """The imports of this process, by id."""

    def __init__(self, keep: int = KEEP) -> None:
        self._keep = keep
        self._lock = threading.Lock()
        self._jobs: OrderedDict[str, ImportJob] = OrderedDict()

    def start(
        self,
        *,
        member_id: int,
        line_id: int,
        file_name: str,
        client: FloorPlanClient,
        directory: VinDirectory,
        rows: list[ImportRow],
        rejected: list[Rejection],
    ) -> ImportJob:
        """Advance `rows` on `line_id` in a thread; `rejected` are the rows the reader
        refused already. The job is returned at once."""
        job = ImportJob(
            id=secrets.token_urlsafe(12),
            member_id=member_id,
            line_id=line_id,
            file_name=file_name,
            rows=len(rows) + len(rejected),
            report=ImportReport(rejected=list(rejected)),
            done=len(rejected),
        )
        with self._lock:
            self._jobs[job.id] = job
            while len(self._jobs) > self._keep:
                self._jobs.popitem(last=False)

        def progress(_report: ImportReport, done: int) -> None:
            job.done = len(rejected) + done

        def run() -> None:
            try:
                import_inventory(
                    client,
                    line_id,
                    rows,
                    directory=directory,
                    report=job.report,
                    on_progress=progress,
                )
            except Exception as exc:  # the page says so; the rows done so far stay done
                job.failure = f"{type(exc).__name__}: {exc}"
            finally:
                job.finished = True

        threading.Thread(target=run, name=f"import-{job.id}", daemon=True).start()
        return job

    def get(self, member_id: int, job_id: str) -> ImportJob | None:
        """Import `job_id` if member `member_id` started it."""
        with self._lock:
            job = self._jobs.get(job_id)
        return job if job is not None and job.member_id == member_id else None
