"""The lender's lot audit forms: open an audit of its line, reveal a sampled audit's draw,
record what was found about each drawn vehicle, close the audit.

Each calls what its `/v1` route calls (`ledger.inventory.open_audit` and `reveal_audit`,
`ledger.lending.opened_audit`, `LotAuditClient.record_findings` and `close_audit`), acting as
the signed-in lender; success is a see-other to the audit's page, and each form acts once per
key (`api.pages.once`).
"""

from __future__ import annotations

import re
from collections.abc import Callable

from fastapi import APIRouter
from fastapi.responses import Response

from api.errors import Conflict, NotFound
from api.pages.financing import (
    OUTCOME_FIELD,
    LenderVisitor,
    lender_audit_view,
    lender_line_view,
)
from api.pages.lending_forms import FormReader
from api.pages.once import act_once
from api.pages.site import PageNotFound, Visitor
from ledger import lending
from ledger.errors import TransactionReverted
from ledger.floorplan import CHECK_ALL, Audit, Finding, LotAuditClient, Outcome
from ledger.inventory import lender_line, open_audit, reveal_audit

router = APIRouter(include_in_schema=False)

_HASH = re.compile(r"^0x[0-9a-fA-F]{64}$")
_DIGEST = re.compile(r"^(0x)?[0-9a-fA-F]{64}$")

REVERTS = {
    "LotAuditDrawNotReady": "lot_audit.error.not_ready",
    "LotAuditDrawExpired": "lot_audit.error.expired",
    "LotAuditInvalidStatus": "lot_audit.error.status",
}
"""Catalog strings of the reverts the audit forms can meet; others show their name."""


def _audits(visitor: Visitor) -> LotAuditClient:
    """The LotAudit contract signing as the visitor (`Conflict` without its key)."""
    runtime = visitor.runtime
    return runtime.lot_audit.as_sender(runtime.sender_for(visitor.member.address))


def _refused(visitor: Visitor, exc: TransactionReverted) -> str:
    key = REVERTS.get(exc.error)
    if key is not None:
        return visitor.t(key)
    return visitor.t("financing.error.reverted", error=exc.error)


def _own_audit(visitor: Visitor, audit_id: int) -> None:
    """404 unless the audit is on one of the visitor's lines; the opener check is the form's."""
    try:
        lending.opened_audit(visitor.runtime, visitor.member, audit_id)
    except NotFound as exc:
        raise PageNotFound(str(exc)) from exc
    except Conflict:
        pass  # shown on the page: only the opener acts


@router.post("/lender/lines/{line_id}/audits")
def open_lot_audit(visitor: LenderVisitor, line_id: int) -> Response:
    """Open a lot audit of the line (as ``POST /v1/lines/{id}/audits``), then its page."""
    try:
        line = lender_line(visitor.runtime, visitor.member, line_id)
    except NotFound as exc:
        raise PageNotFound(str(exc)) from exc

    def act() -> Response:
        reader = FormReader(
            form=visitor.form, t=visitor.t, currency=visitor.runtime.settings.currency
        )
        sample = reader.percent("sample", minimum=1, maximum=CHECK_ALL)
        form = {"sample": reader.text("sample"), "freeze": visitor.form.get("freeze", "")}
        if sample is None:
            return lender_line_view(visitor, line, errors=reader.errors, form=form, status=400)
        try:
            audit_id = open_audit(
                _audits(visitor),
                visitor.runtime.settings.master_key_bytes(),
                line_id=line.id,
                opener_id=visitor.member.member_id,
                sample_bps=sample,
                freeze_on_missing=bool(visitor.form.get("freeze")),
            )
        except Conflict as exc:
            errors = {"sample": visitor.t("lending.error.refused", detail=str(exc))}
            return lender_line_view(visitor, line, errors=errors, form=form, status=409)
        except TransactionReverted as exc:
            errors = {"sample": _refused(visitor, exc)}
            return lender_line_view(visitor, line, errors=errors, form=form, status=409)
        return visitor.redirect(f"/lender/audits/{audit_id}?done=opened")

    return act_once(visitor, act)


AuditAction = Callable[[LotAuditClient, Audit], "str | Response"]
"""What a form does to the audit; a path to send the browser to, or a page with errors."""


def _acting_on(visitor: Visitor, audit_id: int, field: str, act_on: AuditAction) -> Response:
    """Run `act_on(audits, audit)` on the visitor's own audit; errors on `field`."""
    try:
        audit = lending.opened_audit(visitor.runtime, visitor.member, audit_id)
        audits = _audits(visitor)
        done = act_on(audits, audit)
    except Conflict as exc:
        errors = {field: visitor.t("lending.error.refused", detail=str(exc))}
        return lender_audit_view(visitor, audit_id, errors=errors, status=409)
    except TransactionReverted as exc:
        errors = {field: _refused(visitor, exc)}
        return lender_audit_view(visitor, audit_id, errors=errors, status=409)
    if isinstance(done, Response):
        return done
    return visitor.redirect(str(done))


@router.post("/lender/audits/{audit_id}/reveal")
def reveal_lot_audit(visitor: LenderVisitor, audit_id: int) -> Response:
    """Reveal a sampled audit's draw once its draw block is mined (as ``POST
    /v1/audits/{id}/reveal``)."""
    _own_audit(visitor, audit_id)

    def reveal(audits: LotAuditClient, audit: Audit) -> str:
        reveal_audit(audits, visitor.runtime.settings.master_key_bytes(), audit)
        return f"/lender/audits/{audit_id}?done=revealed"

    return act_once(visitor, lambda: _acting_on(visitor, audit_id, "reveal", reveal))


@router.post("/lender/audits/{audit_id}/findings")
def record_findings(visitor: LenderVisitor, audit_id: int) -> Response:
    """Record the outcome chosen for each vehicle, with the evidence digest (as ``POST
    /v1/audits/{id}/findings``); a missing vehicle raises a sold-out-of-trust alert."""
    _own_audit(visitor, audit_id)
    t, form = visitor.t, visitor.form

    def record(audits: LotAuditClient, _audit: Audit) -> str | Response:
        chosen = {
            name[len(OUTCOME_FIELD) :]: value
            for name, value in form.items()
            if name.startswith(OUTCOME_FIELD) and value
        }
        errors: dict[str, str] = {}
        if not chosen:
            errors["findings"] = t("lot_audit.error.none_chosen")
        elif not all(
            _HASH.fullmatch(h) and v in ("found", "missing", "unexpected")
            for h, v in chosen.items()
        ):
            errors["findings"] = t("dealer.error.form_changed")
        evidence = form.get("evidence", "").strip()
        if not _DIGEST.fullmatch(evidence):
            errors["evidence"] = t("lot_audit.error.evidence")
        if errors:
            return lender_audit_view(visitor, audit_id, errors=errors, status=400)
        findings = [
            Finding(
                vin_hash=bytes.fromhex(h[2:]),
                outcome=Outcome[v.upper()],
                evidence=bytes.fromhex(evidence.removeprefix("0x")),
            )
            for h, v in chosen.items()
        ]
        audits.record_findings(audit_id, findings)
        return f"/lender/audits/{audit_id}?done=recorded&count={len(findings)}"

    return act_once(visitor, lambda: _acting_on(visitor, audit_id, "findings", record))


@router.post("/lender/audits/{audit_id}/close")
def close_lot_audit(visitor: LenderVisitor, audit_id: int) -> Response:
    """Close the audit: no more findings (as ``POST /v1/audits/{id}/close``)."""
    _own_audit(visitor, audit_id)

    def close(audits: LotAuditClient, _audit: Audit) -> str:
        audits.close_audit(audit_id)
        return f"/lender/audits/{audit_id}?done=closed"

    return act_once(visitor, lambda: _acting_on(visitor, audit_id, "close", close))
