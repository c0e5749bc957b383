"""The borrower's pages: open one case with a link and its access code, see its contacts
(checked against the rules), its evidence with receipts, and report a contact as improper.

The borrower is no member: a case session is its own signed cookie (`CASE_COOKIE`) naming the
link, and every request re-reads the link, so a revocation or expiry ends the session at once.
Every query is filtered by the link's case commitment; an item of another case answers 404 as
an unknown one does. See docs/borrower.md.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import io
import json
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from fastapi import APIRouter, Depends
from fastapi.responses import Response
from sqlmodel import Session, col, select

from api.pages.financing import amount
from api.pages.plan_forms import filled_rows, instalments_of, plan_error
from api.pages.site import PageNotFound, Visitor, public_page
from ledger.errors import TransactionReverted
from notary.case_access import (
    SESSION_LIFETIME,
    AccessEnded,
    AccessOutcome,
    AccessRateLimited,
    AccessRefused,
    CaseLink,
)
from notary.case_reports import REPORT_KIND
from notary.case_status import status_history
from notary.certificate import certificate_of
from notary.compliance_models import CollectionContact, ComplianceViolation
from notary.intake import Submission, Submitter
from notary.intake import Submitter as MemberSubmitter
from notary.models import EvidenceItem, ItemStatus
from notary.repayment import (
    AGREEMENT_KIND,
    PlanConflict,
    PlanInputError,
    PlanNotFound,
    PlanState,
    accept_by_borrower,
    decline,
    plans,
    propose,
)

router = APIRouter(include_in_schema=False)

CASE_COOKIE = "autoledger_case"
MAX_REPORT = 2000
"""Characters in an improper-contact report: a few paragraphs; it is stored encrypted."""


_KEY_CONTEXT = b"autoledger/pages/case-session/v1"
Anyone = Annotated[Visitor, Depends(public_page())]


class CaseClosed(PageNotFound):
    """No open case session (none, expired, or its link ended)."""

    status = 401
    message = "borrower.error.no_session"


class CodeRefused(PageNotFound):
    """Unknown link or wrong code (one answer for both)."""

    status = 403
    message = "borrower.error.refused"


class LinkEnded(PageNotFound):
    """The right code for an expired or revoked link."""

    status = 410
    message = "borrower.error.ended"


class TooManyAttempts(PageNotFound):
    """Too many attempts from this address."""

    status = 429
    message = "borrower.error.rate_limited"


# ------------------------------------------------------------------ case sessions


def _signer_key(visitor: Visitor) -> bytes:
    master = visitor.runtime.settings.master_key_bytes()
    return hmac.new(master, _KEY_CONTEXT, hashlib.sha256).digest()


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _cookie_of(visitor: Visitor, link: CaseLink) -> tuple[str, int]:
    expires = min(int(time.time()) + SESSION_LIFETIME, int(_aware(link.expires_at).timestamp()))
    payload = json.dumps({"l": link.public_id, "e": expires}, separators=(",", ":")).encode()
    mac = hmac.new(_signer_key(visitor), payload, hashlib.sha256).digest()
    return _b64(payload) + "." + _b64(mac), expires


def _link_of_cookie(visitor: Visitor) -> CaseLink:
    """The open link of the visitor's case session; raises `CaseClosed`."""
    value = visitor.request.cookies.get(CASE_COOKIE) or ""
    if len(value) > 400 or value.count(".") != 1:
        raise CaseClosed("no case session")
    payload_text, mac_text = value.split(".")
    try:
        payload = base64.urlsafe_b64decode(payload_text + "=" * (-len(payload_text) % 4))
        mac = base64.urlsafe_b64decode(mac_text + "=" * (-len(mac_text) % 4))
    except (binascii.Error, ValueError) as exc:
        raise CaseClosed("case cookie does not decode") from exc
    expected = hmac.new(_signer_key(visitor), payload, hashlib.sha256).digest()
    if not hmac.compare_digest(mac, expected):
        raise CaseClosed("case cookie forged")
    try:
        fields = json.loads(payload)
        public_id, expires = str(fields["l"]), int(fields["e"])
    except (ValueError, KeyError, TypeError) as exc:
        raise CaseClosed("case cookie malformed") from exc
    if expires <= time.time():
        raise CaseClosed("case session expired")
    link = visitor.runtime.case_access.current(public_id)
    if link is None:
        raise CaseClosed(f"link {public_id} ended")
    return link


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _client(visitor: Visitor) -> str:
    client = visitor.request.client
    return client.host if client is not None else "unknown"


# ------------------------------------------------------------------ what the borrower sees


@dataclass(frozen=True, kw_only=True)
class ContactView:
    """One contact as the borrower sees it."""

    contact: CollectionContact
    local_time: str
    agency: str
    violations: list[ComplianceViolation]


def _agency(visitor: Visitor, member_id: int, names: dict[int, str]) -> str:
    if member_id not in names:
        try:
            names[member_id] = visitor.runtime.members.member(member_id).name
        except TransactionReverted:
            names[member_id] = f"#{member_id}"
    return names[member_id]


def _local(moment: datetime, zone: str) -> str:
    try:
        where = ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError):
        where = ZoneInfo("UTC")
    return _aware(moment).astimezone(where).strftime("%Y-%m-%d %H:%M") + f" ({zone})"


def _case_view(visitor: Visitor, link: CaseLink) -> dict[str, Any]:
    names: dict[int, str] = {}
    with Session(visitor.runtime.engine) as db:
        contacts = db.exec(
            select(CollectionContact)
            .where(CollectionContact.case_commitment == link.case_commitment)
            .order_by(col(CollectionContact.contact_time))
        ).all()
        ids = [c.id for c in contacts if c.id is not None]
        violations = (
            db.exec(
                select(ComplianceViolation).where(col(ComplianceViolation.contact_id).in_(ids))
            ).all()
            if ids
            else []
        )
        items = db.exec(
            select(EvidenceItem)
            .where(EvidenceItem.case_commitment == link.case_commitment)
            .order_by(col(EvidenceItem.submitted_at))
        ).all()
    by_contact: dict[int, list[ComplianceViolation]] = {}
    for v in violations:
        by_contact.setdefault(v.contact_id, []).append(v)
    views = [
        ContactView(
            contact=c,
            local_time=_local(c.contact_time, c.time_zone),
            agency=_agency(visitor, c.collector_id, names),
            violations=by_contact.get(c.id or 0, []),
        )
        for c in contacts
    ]
    kinds = {i.public_id: json.loads(i.record_json).get("metadata", {}).get("kind") for i in items}
    trust = visitor.runtime.trust_root(with_notaries=False)
    history = status_history(visitor.runtime.engine, link.case_commitment)
    case_plans = plans(visitor.runtime.engine, link.case_commitment)
    settled = [v for v in case_plans if v.plan.state in (PlanState.OPEN, PlanState.AGREED)]
    plans_open = bool(history) and history[0].plans_open
    return {
        "link": link,
        "case_status": history[0] if history else None,
        "history": history,
        "amount": amount,
        "plans": case_plans,
        "open_plan": next((v for v in settled if v.plan.state == PlanState.OPEN), None),
        "agreed_plan": next((v for v in settled if v.plan.state == PlanState.AGREED), None),
        "can_propose": plans_open and not settled,
        "plan_rows": range(1, (history[0].max_instalments or 0) + 1) if plans_open else range(0),
        "plan_form": {},
        "plan_errors": {},
        "plan_notice": None,
        "contacts": views,
        "breaches": sum(len(v.violations) for v in views),
        "items": list(items),
        "kinds": kinds,
        "report_kind": REPORT_KIND,
        "agreement_kind": AGREEMENT_KIND,
        "trust": trust,
        "max_report": MAX_REPORT,
        "anchored": (ItemStatus.ANCHORED, ItemStatus.FINAL),
    }


# ------------------------------------------------------------------ routes


@router.get("/case-access/{token}")
def code_form(visitor: Anyone, token: str) -> Response:
    """The access code form of a link (nothing about the case before the code)."""
    return visitor.page("borrower/open.html", token=token, error=None)


@router.post("/case-access/{token}")
def open_case(visitor: Anyone, token: str) -> Response:
    """Check the access code; open a case session."""
    desk = visitor.runtime.case_access
    try:
        link = desk.open(
            token=token[:200], code=visitor.form.get("code", ""), client=_client(visitor)
        )
    except AccessRateLimited as exc:
        raise TooManyAttempts(str(exc)) from exc
    except AccessEnded as exc:
        raise LinkEnded(str(exc)) from exc
    except AccessRefused as exc:
        raise CodeRefused(str(exc)) from exc
    value, expires = _cookie_of(visitor, link)
    response = visitor.redirect("/borrower")
    response.set_cookie(
        CASE_COOKIE,
        value,
        max_age=max(0, expires - int(time.time())),
        path="/",
        httponly=True,
        samesite="strict",
        secure=visitor.request.url.scheme == "https",
    )
    return response


@router.get("/borrower")
def case_page(visitor: Anyone) -> Response:
    """The borrower's case: contacts with rule checks, evidence with receipts, reporting."""
    link = _link_of_cookie(visitor)
    visitor.runtime.case_access.note(link, AccessOutcome.VIEWED, client=_client(visitor))
    reported = visitor.request.query_params.get("reported")
    view = _case_view(visitor, link)
    notice = visitor.request.query_params.get("plan")
    if notice in ("proposed", "agreed", "declined"):
        view["plan_notice"] = f"borrower.plan.done.{notice}"
    return visitor.page("borrower/case.html", reported=reported, report_error=None, **view)


def _item_of_case(visitor: Visitor, link: CaseLink, public_id: str) -> EvidenceItem:
    with Session(visitor.runtime.engine) as db:
        item = db.exec(select(EvidenceItem).where(EvidenceItem.public_id == public_id)).first()
    if item is None or item.case_commitment != link.case_commitment:
        raise PageNotFound(f"no evidence {public_id!r} in this case")
    return item


@router.get("/borrower/evidence/{public_id}/receipt.json")
def receipt_file(visitor: Anyone, public_id: str) -> Response:
    """The signed receipt of an item of the borrower's case, for `autoledger verify`."""
    link = _link_of_cookie(visitor)
    item = _item_of_case(visitor, link, public_id)
    receipt = visitor.runtime.issuer.for_item(item).receipt
    if receipt is None:
        raise PageNotFound(f"{public_id} is {item.status}")
    return visitor.send(
        Response(
            receipt.to_json(),
            media_type="application/json",
            headers={"Content-Disposition": f'attachment; filename="{public_id}.receipt.json"'},
        )
    )


@router.get("/borrower/evidence/{public_id}/certificate.pdf")
def certificate_file(visitor: Anyone, public_id: str) -> Response:
    """The evidence certificate (存证证书) PDF of an anchored item of the borrower's case: for
    the agreed repayment plan, the certificate the borrower keeps."""
    link = _link_of_cookie(visitor)
    item = _item_of_case(visitor, link, public_id)
    pdf = certificate_of(visitor.runtime, item)
    if pdf is None:
        raise PageNotFound(f"{public_id} is {item.status}")
    return visitor.send(
        Response(
            pdf,
            media_type="application/pdf",
            headers={"Content-Disposition": f'attachment; filename="{public_id}.certificate.pdf"'},
        )
    )


@router.post("/borrower/report")
def report(visitor: Anyone) -> Response:
    """Report a contact as improper: stored encrypted, queued for anchoring as evidence."""
    link = _link_of_cookie(visitor)
    contact_id = visitor.form.get("contact", "")
    text = visitor.form.get("text", "").strip()
    with Session(visitor.runtime.engine) as db:
        contact = db.exec(
            select(CollectionContact).where(CollectionContact.public_id == contact_id)
        ).first()
    if contact is None or contact.case_commitment != link.case_commitment:
        raise PageNotFound(f"no contact {contact_id!r} in this case")
    if not text or len(text) > MAX_REPORT:
        return visitor.page(
            "borrower/case.html",
            status=422,
            reported=None,
            report_error="borrower.report.error_text",
            **_case_view(visitor, link),
        )
    runtime = visitor.runtime
    notary = runtime.members.member(runtime.operator.address)
    document = json.dumps(
        {"kind": REPORT_KIND, "contact": contact.public_id, "text": text},
        ensure_ascii=False,
        sort_keys=True,
    ).encode()
    accepted = runtime.intake.submit_file(
        Submitter(member_id=notary.id, address=notary.address),
        io.BytesIO(document),
        Submission(
            evidence_type="other",
            media_type="application/json",
            case_commitment=link.case_commitment,
            metadata={
                "kind": REPORT_KIND,
                "contact_evidence": contact.evidence_id,
                "case_link": link.public_id,
            },
        ),
    )
    runtime.case_access.note(
        link, AccessOutcome.REPORTED, client=_client(visitor), detail=accepted.public_id
    )
    return visitor.redirect(f"/borrower?reported={accepted.public_id}")


# ------------------------------------------------------------------ repayment plans


def _plan_refused(
    visitor: Visitor, link: CaseLink, status: int, errors: dict[str, str], form: dict[str, str]
) -> Response:
    view = _case_view(visitor, link)
    due = view["case_status"].amount_due if view["case_status"] else 0
    end = view["case_status"].latest_end if view["case_status"] else None
    view["plan_errors"] = {
        name: visitor.t(key, max=len(view["plan_rows"]), end=end, due=amount(due))
        for name, key in errors.items()
    }
    view["plan_form"] = form
    return visitor.page(
        "borrower/case.html", status=status, reported=None, report_error=None, **view
    )


@router.post("/borrower/plans")
def propose_plan(visitor: Anyone) -> Response:
    """Propose a repayment plan within the members' limits, with explicit consent."""
    link = _link_of_cookie(visitor)
    view = _case_view(visitor, link)
    rows = len(view["plan_rows"])
    form = {k: v for k, v in visitor.form.items() if k.startswith(("due_on-", "amount-"))}
    consent = visitor.form.get("consent") == "yes"
    instalments, errors = instalments_of(visitor.form, rows)
    if not errors and not consent:
        errors = {"consent": "plan.error.consent"}
    if errors:
        return _plan_refused(visitor, link, 422, errors, form)
    try:
        plan = propose(visitor.runtime.engine, link=link, instalments=instalments, consent=True)
    except PlanInputError as exc:
        return _plan_refused(visitor, link, 422, plan_error(exc, filled_rows(form, rows)), form)
    except PlanConflict:
        return _plan_refused(visitor, link, 409, {"plans": "plan.error.conflict"}, form)
    visitor.runtime.case_access.note(
        link, AccessOutcome.PROPOSED, client=_client(visitor), detail=plan.public_id
    )
    return visitor.redirect("/borrower?plan=proposed#plans")


@router.post("/borrower/plans/{public_id}/accept")
def accept_plan(visitor: Anyone, public_id: str) -> Response:
    """Accept the member's counter-proposal: only with the explicit consent box ticked."""
    link = _link_of_cookie(visitor)
    runtime = visitor.runtime

    def submitter_of(member_id: int) -> MemberSubmitter:
        member = runtime.members.member(member_id)
        return MemberSubmitter(member_id=member.id, address=member.address)

    try:
        plan = accept_by_borrower(
            runtime.engine,
            runtime.intake,
            link=link,
            public_id=public_id[:40],
            consent=visitor.form.get("consent") == "yes",
            submitter_of=submitter_of,
        )
    except PlanNotFound as exc:
        raise PageNotFound(str(exc)) from exc
    except PlanInputError:
        return _plan_refused(visitor, link, 422, {"consent": "plan.error.consent"}, {})
    except PlanConflict:
        return _plan_refused(visitor, link, 409, {"plans": "plan.error.conflict"}, {})
    runtime.case_access.note(
        link, AccessOutcome.AGREED, client=_client(visitor), detail=plan.evidence_id
    )
    return visitor.redirect("/borrower?plan=agreed#plans")


@router.post("/borrower/plans/{public_id}/decline")
def decline_plan(visitor: Anyone, public_id: str) -> Response:
    """Decline the member's counter-proposal (the borrower may then propose again)."""
    link = _link_of_cookie(visitor)
    try:
        decline(
            visitor.runtime.engine,
            case_commitment=link.case_commitment,
            public_id=public_id[:40],
            member_id=None,
        )
    except PlanNotFound as exc:
        raise PageNotFound(str(exc)) from exc
    except PlanConflict:
        return _plan_refused(visitor, link, 409, {"plans": "plan.error.conflict"}, {})
    visitor.runtime.case_access.note(
        link, AccessOutcome.DECLINED, client=_client(visitor), detail=public_id[:40]
    )
    return visitor.redirect("/borrower?plan=declined#plans")
