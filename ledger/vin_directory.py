"""The VIN directory: the identifiers behind each lien's hashes, kept off chain per line.

The chain keys a vehicle by keccak hashes of its VIN, certificate and engine numbers, so a
page that reads only the chain can show a clerk `0xb64e…` and nothing else. The service that
advanced the vehicle knew the identifiers: it records them here once the advance is on chain
(a crash between the two leaves the vehicle shown by its hash, never a wrong name). Reads take
the lines the reader may see, so the directory discloses no more than the line does.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import Engine
from sqlmodel import Session, col, or_, select

from ledger.models import VinRecord

__all__ = ["VehicleName", "VinDirectory", "VinEntry"]

SEARCH_LIMIT = 200
"""Most vehicles one search returns: a page lists them all, and a fragment of two characters
should not pull a 10,000-vehicle lot into one page."""


@dataclass(frozen=True, kw_only=True)
class VinEntry:
    """One vehicle to record: its normalized identifiers, on-chain VIN hash and description."""

    vin: str
    vin_hash: bytes
    certificate: str
    engine: str
    make: str = ""
    model: str = ""
    colour: str = ""
    stock_number: str = ""


@dataclass(frozen=True, kw_only=True)
class VehicleName:
    """What a page shows for a vehicle: the VIN, the identifiers and a one-line description."""

    line_id: int
    vin: str
    vin_hash: str
    certificate: str
    engine: str
    description: str
    stock_number: str

    @classmethod
    def of(cls, record: VinRecord) -> VehicleName:
        """From a directory row."""
        described = " ".join(p for p in (record.make, record.model, record.colour) if p)
        return cls(
            line_id=record.line_id,
            vin=record.vin,
            vin_hash=record.vin_hash,
            certificate=record.certificate,
            engine=record.engine,
            description=described,
            stock_number=record.stock_number,
        )


class VinDirectory:
    """The directory of one chain (`chain_id`) in the database behind `engine`."""

    def __init__(self, engine: Engine, *, chain_id: int) -> None:
        self._engine = engine
        self._chain_id = chain_id

    def record(self, line_id: int, entries: Iterable[VinEntry]) -> None:
        """Record `entries` as financed on line `line_id`, in one transaction; a vehicle
        recorded on the line before is overwritten (the newer import describes it)."""
        with Session(self._engine) as db:
            for entry in entries:
                key = (self._chain_id, line_id, _hex(entry.vin_hash))
                row = db.get(VinRecord, key) or VinRecord(
                    chain_id=self._chain_id,
                    line_id=line_id,
                    vin_hash=key[2],
                    vin=entry.vin,
                    certificate=entry.certificate,
                    engine=entry.engine,
                )
                row.vin, row.certificate, row.engine = entry.vin, entry.certificate, entry.engine
                row.make, row.model, row.colour = entry.make, entry.model, entry.colour
                row.stock_number = entry.stock_number
                db.add(row)
            db.commit()

    def names(
        self, vin_hashes: Iterable[bytes | str], *, lines: Sequence[int] | None
    ) -> dict[str, VehicleName]:
        """The vehicles among `vin_hashes` recorded on `lines` (None: every line, for a
        regulator), keyed by 0x-hex hash. A hash recorded on several of those lines (financed,
        released, financed again) names the latest line's record."""
        wanted = sorted({h if isinstance(h, str) else _hex(h) for h in vin_hashes})
        if not wanted or lines == []:
            return {}
        query = select(VinRecord).where(
            VinRecord.chain_id == self._chain_id, col(VinRecord.vin_hash).in_(wanted)
        )
        if lines is not None:
            query = query.where(col(VinRecord.line_id).in_(list(lines)))
        with Session(self._engine) as db:
            rows = db.exec(query.order_by(col(VinRecord.line_id))).all()
        return {row.vin_hash: VehicleName.of(row) for row in rows}

    def search(self, text: str, *, lines: Sequence[int] | None) -> list[VehicleName]:
        """Vehicles on `lines` (None: every line) whose VIN, certificate, engine or stock
        number contains `text` (case-insensitive, spaces and hyphens ignored), at most
        `SEARCH_LIMIT`, by line then VIN."""
        needle = "".join(text.split()).replace("-", "").upper()
        if not needle or lines == []:
            return []
        pattern, as_written = f"%{needle}%", f"%{text.strip()}%"
        query = select(VinRecord).where(
            VinRecord.chain_id == self._chain_id,
            or_(
                col(VinRecord.vin).like(pattern),
                col(VinRecord.certificate).like(pattern),
                col(VinRecord.engine).like(pattern),
                col(VinRecord.stock_number).ilike(as_written),
            ),
        )
        if lines is not None:
            query = query.where(col(VinRecord.line_id).in_(list(lines)))
        query = query.order_by(col(VinRecord.line_id), col(VinRecord.vin)).limit(SEARCH_LIMIT)
        with Session(self._engine) as db:
            return [VehicleName.of(row) for row in db.exec(query).all()]


def _hex(value: bytes) -> str:
    return "0x" + bytes(value).hex()
