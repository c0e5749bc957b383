"""The regulator's page: every member with status and roles, and the evidence of all members
counted by status."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.responses import Response

from api.pages.site import Visitor, role_page
from ledger.consortium import Role
from notary.models import ItemStatus
from notary.queries import EvidenceFilter, search_evidence, status_counts

router = APIRouter(include_in_schema=False)

Regulator = Annotated[Visitor, Depends(role_page(Role.REGULATOR))]

RECENT = 10
"""Newest items listed on the page; the evidence search has the rest."""


@router.get("/oversight")
def oversight(visitor: Regulator) -> Response:
    """Members with status and roles; evidence counts by status, per member and in total."""
    runtime = visitor.runtime
    members = runtime.consortium.members()
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
