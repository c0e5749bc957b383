"""Evidence pages: search, one item with its proof and in-browser file verification, and the
receipt and certificate downloads. Who sees what is the evidence API's rule
(`notary.queries`)."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from api.errors import NotFound
from api.inputs import parse_day
from api.pages.check_details import check_detail
from api.pages.i18n import Translator
from api.pages.site import PageError, PageNotFound, Visitor, role_page
from ledger.errors import TransactionReverted
from notary.certificate import (
    CaseNotAnchored,
    CaseNotFound,
    CaseTooLarge,
    case_certificate_of,
    case_file_disposition,
    certificate_of,
)
from notary.models import EvidenceItem, ItemStatus
from notary.queries import (
    READERS,
    EvidenceFilter,
    case_evidence,
    search_evidence,
    sees_all,
    visible_item,
)
from notary.receipts import Check, verify_receipt
from notary.records import EvidenceType

router = APIRouter(include_in_schema=False)

Reader = Annotated[Visitor, Depends(role_page(*READERS))]

PAGE_SIZE = 25
"""Search results per page."""

MAX_BROWSER_HASH = 1 << 30
"""Largest file the page hashes: WebCrypto has no streaming digest, so the browser holds the
whole file in memory; past 1 GiB, `autoledger verify` (streamed) is the better tool."""

CHECK_RPC_TIMEOUT = 3.0
"""Seconds per JSON-RPC request when the detail page re-checks a receipt against the chain."""

TYPES = tuple(kind.value for kind in EvidenceType)
STATUSES = tuple(status.value for status in ItemStatus)


class ReceiptPending(PageError):
    """The item is not anchored yet: no receipt or certificate."""

    status = 409
    message = "error.pending"


class CaseNotCertifiable(PageError):
    """The case has evidence, but none anchored yet, or more than one certificate holds."""

    status = 422
    message = "casecert.error.pending"


class CaseTooLargePage(CaseNotCertifiable):
    """More anchored items than one case certificate holds."""

    message = "casecert.error.too_large"


def _item(visitor: Visitor, public_id: str) -> EvidenceItem:
    try:
        return visible_item(visitor.runtime.engine, visitor.member, public_id)
    except NotFound as exc:
        raise PageNotFound(str(exc)) from exc


def _member_name(visitor: Visitor, member_id: int) -> str:
    try:
        return visitor.runtime.members.member(member_id).name
    except TransactionReverted:
        return f"#{member_id}"


@router.get("/evidence")
def search(visitor: Reader, request: Request) -> Response:
    """Search evidence by case reference, type, status, date and submitter."""
    query = request.query_params
    names = ("case", "type", "status", "from", "to", "submitter")
    form = {name: query.get(name, "").strip() for name in names}
    errors: dict[str, str] = {}
    filters = _filters(form, errors, visitor.t)
    try:
        offset = max(0, int(query.get("offset", "0")))
    except ValueError:
        offset = 0
    items: list[EvidenceItem] = []
    total = 0
    if not errors:
        runtime = visitor.runtime
        items, total = search_evidence(
            runtime.engine, runtime.intake, visitor.member, filters, offset=offset, limit=PAGE_SIZE
        )
    kept = {k: v for k, v in form.items() if v}
    members = visitor.runtime.members.all()

    def page_url(start: int) -> str:
        return "/evidence?" + urlencode({**kept, "offset": start})

    return visitor.page(
        "evidence_search.html",
        status=400 if errors else 200,
        form=form,
        errors=errors,
        items=items,
        total=total,
        offset=offset,
        names={m.id: m.name for m in members},
        members=members if sees_all(visitor.member) else [],
        sees_all=sees_all(visitor.member),
        types=TYPES,
        statuses=STATUSES,
        prev_url=page_url(max(0, offset - PAGE_SIZE)) if offset > 0 else None,
        next_url=page_url(offset + PAGE_SIZE) if offset + PAGE_SIZE < total else None,
    )


def _filters(form: dict[str, str], errors: dict[str, str], t: Translator) -> EvidenceFilter:
    """The search filters of `form`; problems go into `errors` by field name."""
    start = _day(form["from"], "from", errors, t)
    end = _day(form["to"], "to", errors, t)
    if start is not None and end is not None and end < start:
        errors["to"] = t("search.error.order")
    if form["type"] and form["type"] not in TYPES:
        errors["type"] = t("search.error.choice")
    if form["status"] and form["status"] not in STATUSES:
        errors["status"] = t("search.error.choice")
    submitter = None
    if form["submitter"]:
        if form["submitter"].isdigit():
            submitter = int(form["submitter"])
        else:
            errors["submitter"] = t("search.error.choice")
    return EvidenceFilter(
        case=form["case"] or None,
        evidence_type=form["type"] or None,
        status=form["status"] or None,
        submitted_from=_midnight(start) if start else None,
        # the "to" day is included: everything before the next midnight
        submitted_to=_midnight(end + timedelta(days=1)) if end else None,
        submitter=submitter,
    )


def _day(text: str, field: str, errors: dict[str, str], t: Translator) -> date | None:
    if not text:
        return None
    try:
        return parse_day(text)  # the API's range: 9999-12-31 has no next day
    except ValueError:
        errors[field] = t("search.error.date")
        return None


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=UTC)


@router.get("/evidence/{public_id}")
def detail(visitor: Reader, public_id: str) -> Response:
    """One evidence item: its record, anchoring and proof, and a file check in the browser."""
    runtime = visitor.runtime
    item = _item(visitor, public_id)
    receipt = runtime.issuer.for_item(item).receipt
    checks: tuple[Check, ...] = ()
    trust = runtime.trust_root(with_notaries=False)
    if receipt is not None:
        report = verify_receipt(
            receipt,
            rpc_url=runtime.chain.url,
            trust=trust,
            expected_signer=runtime.operator.address,
            rpc_timeout=CHECK_RPC_TIMEOUT,
        )
        checks = report.checks
    record = json.dumps(json.loads(item.record_json), indent=2, ensure_ascii=False)
    return visitor.page(
        "evidence_detail.html",
        item=item,
        receipt=receipt,
        checks=checks,
        record_json=record,
        submitter_name=_member_name(visitor, item.submitter_id),
        max_hash_bytes=MAX_BROWSER_HASH,
        trust=trust,
        check_detail=check_detail,
    )


@router.get("/evidence/{public_id}/receipt.json")
def receipt_file(visitor: Reader, public_id: str) -> Response:
    """The signed receipt as a file, ready for `autoledger verify`."""
    item = _item(visitor, public_id)
    receipt = visitor.runtime.issuer.for_item(item).receipt
    if receipt is None:
        raise ReceiptPending(f"{public_id} is {item.status}")
    return visitor.send(
        Response(
            receipt.to_json(),
            media_type="application/json",
            headers={"Content-Disposition": f'attachment; filename="{public_id}.receipt.json"'},
        )
    )


@router.get("/evidence/{public_id}/certificate.pdf")
def certificate_file(visitor: Reader, public_id: str) -> Response:
    """The evidence certificate (存证证书) PDF."""
    item = _item(visitor, public_id)
    pdf = certificate_of(visitor.runtime, item)
    if pdf is None:
        raise ReceiptPending(f"{public_id} is {item.status}")
    return visitor.send(
        Response(
            pdf,
            media_type="application/pdf",
            headers={"Content-Disposition": f'attachment; filename="{public_id}.certificate.pdf"'},
        )
    )


@router.get("/cases/certificate.pdf")
def case_certificate_file(visitor: Reader, request: Request) -> Response:
    """The certificate PDF of every anchored item of a case (as `GET /v1/cases/certificate`)."""
    case = request.query_params.get("case", "").strip()
    if not case or len(case) > 200:
        raise PageNotFound("no case reference given")
    runtime = visitor.runtime
    commitment, items = case_evidence(runtime.engine, runtime.intake, visitor.member, case)
    try:
        pdf = case_certificate_of(runtime, commitment, items)
    except CaseNotFound as exc:
        raise PageNotFound(str(exc)) from exc
    except CaseTooLarge as exc:
        raise CaseTooLargePage(str(exc)) from exc
    except CaseNotAnchored as exc:
        raise CaseNotCertifiable(str(exc)) from exc
    return visitor.send(
        Response(
            pdf,
            media_type="application/pdf",
            headers={"Content-Disposition": case_file_disposition(case, commitment)},
        )
    )
