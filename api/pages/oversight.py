"""The regulator's pages: every member with status and roles, the evidence of all members
counted by status, exposure per lender and dealer, and the open alerts of every line (from
the indexer's mirror, as `GET /v1/views/exposure` and `/v1/views/alerts` read it)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.responses import Response

from api.pages.financing import amount
from api.pages.site import Visitor, role_page
from ledger.consortium import Role
from ledger.indexer import indexed_through
from ledger.inventory import vin_directory
from notary.models import ItemStatus
from notary.queries import EvidenceFilter, search_evidence, status_counts
from oversight.views import exposure, line_books, member_names, open_alerts

router = APIRouter(include_in_schema=False)

Regulator = Annotated[Visitor, Depends(role_page(Role.REGULATOR))]

RECENT = 10
"""Newest items listed on the page; the evidence search has the rest."""


@router.get("/oversight")
def oversight(visitor: Regulator) -> Response:
    """Members with status and roles; evidence counts by status, per member and in total."""
    runtime = visitor.runtime
    members = runtime.members.all()
    counts = status_counts(runtime.engine, visitor.member)
    totals = {status.value: 0 for status in ItemStatus}
    for (_, status), count in counts.items():
        totals[status] = totals.get(status, 0) + count
    totals["all"] = sum(counts.values())
    recent, _ = search_evidence(
        runtime.engine, runtime.intake, visitor.member, EvidenceFilter(), limit=RECENT
    )
    return visitor.page(
        "oversight.html",
        members=members,
        counts=counts,
        totals=totals,
        recent=recent,
        names={m.id: m.name for m in members},
    )


ALERT_ROWS = 500
"""Open alerts one page lists, newest first; the API (`GET /v1/views/alerts`) pages the rest."""


@router.get("/oversight/exposure")
def exposure_page(visitor: Regulator) -> Response:
    """Principal outstanding per lender and per dealer over every line."""
    runtime = visitor.runtime
    chain_id = runtime.chain.chain_id
    books = line_books(runtime.engine, chain_id)
    lenders, dealers = exposure(books.values(), member_names(runtime.engine, chain_id))
    return visitor.page(
        "oversight_exposure.html",
        lenders=sorted(lenders, key=lambda e: -e.outstanding),
        dealers=sorted(dealers, key=lambda e: -e.outstanding),
        indexed_through=indexed_through(runtime.engine, chain_id),
        amount=amount,
    )


@router.get("/oversight/alerts")
def alerts_page(visitor: Regulator, kind: str = "") -> Response:
    """Every alert raised on chain and not resolved since, newest first, by kind."""
    runtime = visitor.runtime
    chain_id = runtime.chain.chain_id
    alerts = list(reversed(open_alerts(runtime.engine, chain_id)))
    kinds = sorted({a.kind for a in alerts})
    shown = [a for a in alerts if not kind or a.kind == kind]
    books = line_books(runtime.engine, chain_id)
    names = member_names(runtime.engine, chain_id)
    vins = vin_directory(runtime).names(
        [a.vin_hash for a in shown[:ALERT_ROWS] if a.vin_hash], lines=None
    )
    return visitor.page(
        "oversight_alerts.html",
        alerts=shown[:ALERT_ROWS],
        total=len(shown),
        kinds=kinds,
        kind=kind if kind in kinds else "",
        books=books,
        names=names,
        vins=vins,
        indexed_through=indexed_through(runtime.engine, chain_id),
        amount=amount,
    )
