"""The collection agency's page: its own recorded contacts and the rule breaches found in them
(read as `GET /v1/contacts` and `/v1/compliance/violations` read them for a collector), each
contact linked to its evidence item."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query
from fastapi.responses import Response

from api.pages.check_details import breach_detail
from api.pages.site import Visitor, role_page
from ledger.consortium import Role
from notary.contacts import Window, list_contacts, list_violations, load_rules

router = APIRouter(include_in_schema=False)

Collector = Annotated[Visitor, Depends(role_page(Role.COLLECTOR))]

PAGE_ROWS = 50
"""Contacts (and breaches) per page: a day's calls of one agent, readable without scrolling
for ever; the pager walks the rest."""


@router.get("/collections")
def collections(
    visitor: Collector,
    contacts_from: Annotated[int, Query(alias="contacts", ge=0)] = 0,
    breaches_from: Annotated[int, Query(alias="breaches", ge=0)] = 0,
) -> Response:
    """The collector's own contacts and their rule breaches, newest first, paged."""
    runtime, member = visitor.runtime, visitor.member
    window = Window(collector_id=member.member_id)
    contacts, contact_total = list_contacts(
        runtime.engine, window, offset=contacts_from, limit=PAGE_ROWS
    )
    breaches, breach_total = list_violations(
        runtime.engine, window, offset=breaches_from, limit=PAGE_ROWS
    )
    rules = load_rules(runtime.settings.var_dir)
    return visitor.page(
        "collections.html",
        contacts=contacts,
        contact_total=contact_total,
        contacts_from=contacts_from,
        breaches=breaches,
        breach_total=breach_total,
        breaches_from=breaches_from,
        rows=PAGE_ROWS,
        breach_detail=breach_detail,
        rules_version=rules.version,
        contact_start=rules.contact_start.strftime("%H:%M"),
        contact_end=rules.contact_end.strftime("%H:%M"),
        max_per_day=rules.max_per_day,
        max_per_week=rules.max_per_week,
    )
