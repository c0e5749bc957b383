"""The lender's clearing forms. The pacs.008 payment instruction of a claim on it, as ``POST
/v1/claims/{id}/payment-instruction`` makes it (`clearing.service.claim_instruction`), a
download that changes nothing. Withdraw a claim it filed (it is the creditor), as ``POST
/v1/claims/{id}/withdrawal`` does, through `clearing.service.withdraw_as_creditor`. Dispute a
claim on it (it is the debtor), citing an evidence item it may read or a 32-byte reference, as
``POST /v1/claims/{id}/dispute`` does: the evidence is resolved by the same functions
(`notary.queries.dispute_evidence`, `clearing.service.reference_bytes`) and the dispute made by
`clearing.service.dispute_as_debtor`. A disputed claim cannot settle until the dispute ends.
"""

from __future__ import annotations

import re

from fastapi import APIRouter
from fastapi.responses import Response

from api.errors import Conflict, NotFound, Unprocessable
from api.pages.financing import LenderVisitor, lender_clearing_view
from api.pages.once import act_once
from api.pages.site import Visitor
from clearing.errors import InstructionError
from clearing.instructions import MAX_NAME, Party, iban_is_valid
from clearing.service import (
    claim_instruction,
    debtor_claim,
    dispute_as_debtor,
    reference_bytes,
    withdraw_as_creditor,
    withdraw_dispute_as_debtor,
)
from ledger.errors import TransactionReverted
from notary.queries import dispute_evidence

router = APIRouter(include_in_schema=False)

_EVIDENCE_ID = re.compile(r"^ev_[A-Za-z0-9_-]{1,37}$")

REVERTS = {
    "ClearingDisputeWindowClosed": "dispute.error.window_closed",
    "ClearingUnexpectedStatus": "dispute.error.status",
}
"""Catalog strings of the reverts the dispute form can meet; others show their name."""


@router.post("/lender/clearing/disputes")
def dispute(visitor: LenderVisitor) -> Response:
    """Dispute a claim on the lender, then the clearing page saying so."""
    return act_once(visitor, lambda: _dispute(visitor))


def _dispute(visitor: Visitor) -> Response:
    t, form = visitor.t, visitor.form
    runtime, member = visitor.runtime, visitor.member
    claim_text = form.get("claim", "").strip()
    text = form.get("evidence", "").strip()
    shown = {"claim": claim_text, "evidence": text}
    errors: dict[str, str] = {}
    if not claim_text.isdigit():
        errors["claim"] = t("dispute.error.claim")
    if not text:
        errors["evidence"] = t("lending.error.required")
    if errors:
        return lender_clearing_view(visitor, errors=errors, form=shown, status=400)
    claim_id = int(claim_text)
    try:
        if _EVIDENCE_ID.fullmatch(text):
            evidence = dispute_evidence(runtime.engine, member, text)
        else:
            evidence = reference_bytes(text, "evidence")
    except NotFound:
        errors["evidence"] = t("dispute.error.no_evidence", id=text)
    except Unprocessable:
        errors["evidence"] = t("dispute.error.reference")
    if not errors:
        try:
            dispute_as_debtor(runtime, member, claim_id, evidence)
        except (NotFound, Conflict):
            errors["claim"] = t("dispute.error.claim")
        except TransactionReverted as exc:
            key = REVERTS.get(exc.error)
            errors["claim"] = t(key) if key else t("financing.error.reverted", error=exc.error)
    if errors:
        return lender_clearing_view(visitor, errors=errors, form=shown, status=409)
    return visitor.redirect(f"/lender/clearing?disputed={claim_id}")


@router.post("/lender/clearing/withdrawals")
def withdraw(visitor: LenderVisitor) -> Response:
    """Withdraw a claim the lender filed, then the clearing page saying so."""
    return act_once(visitor, lambda: _withdraw(visitor))


def _withdraw(visitor: Visitor) -> Response:
    t = visitor.t
    claim_text = visitor.form.get("withdraw_claim", "").strip()
    shown = {"withdraw_claim": claim_text}
    error = None
    if not claim_text.isdigit():
        error = t("withdraw.error.claim")
    else:
        try:
            withdraw_as_creditor(visitor.runtime, visitor.member, int(claim_text))
        except (NotFound, Conflict):
            error = t("withdraw.error.claim")
        except TransactionReverted as exc:
            if exc.error == "ClearingUnexpectedStatus":
                error = t("withdraw.error.status")
            else:
                error = t("financing.error.reverted", error=exc.error)
    if error is not None:
        errors = {"withdraw_claim": error}
        return lender_clearing_view(visitor, errors=errors, form=shown, status=409)
    return visitor.redirect(f"/lender/clearing?withdrawn={claim_text}")


_BIC = re.compile(r"^[A-Z]{4}[A-Z]{2}[A-Z0-9]{2}([A-Z0-9]{3})?$")

ACCOUNT_FIELDS = ("payer_name", "payer_iban", "payer_bic", "payee_name", "payee_iban", "payee_bic")
"""The payment-instruction form's account fields: the lender's (payer) and the creditor's."""


@router.post("/lender/clearing/payment-instructions")
def payment_instruction(visitor: LenderVisitor) -> Response:
    """The pacs.008 XML paying a claim on the lender off chain (end-to-end id CLM-<id>), as a
    file to download; the form shown again with its errors when a field is wrong."""
    t, form = visitor.t, visitor.form
    claim_text = form.get("pay_claim", "").strip()
    shown = {name: form.get(name, "").strip() for name in ("pay_claim", *ACCOUNT_FIELDS)}
    errors: dict[str, str] = {}
    parties = {}
    for role in ("payer", "payee"):
        name = shown[f"{role}_name"]
        iban = shown[f"{role}_iban"].replace(" ", "").upper()
        bic = shown[f"{role}_bic"].upper()
        if not 1 <= len(name) <= MAX_NAME:
            errors[f"{role}_name"] = t("instruction.error.name", count=MAX_NAME)
        if not iban_is_valid(iban):
            errors[f"{role}_iban"] = t("instruction.error.iban")
        if not _BIC.fullmatch(bic):
            errors[f"{role}_bic"] = t("instruction.error.bic")
        parties[role] = Party(name=name, iban=iban, bic=bic)
    claim = None
    if not claim_text.isdigit():
        errors["pay_claim"] = t("instruction.error.claim")
    else:
        try:
            claim = debtor_claim(visitor.runtime, visitor.member, int(claim_text))
        except (NotFound, Conflict):
            errors["pay_claim"] = t("instruction.error.claim")
    if not errors and claim is not None:
        accounts: dict[int, Party] = {
            claim.debtor_id: parties["payer"],
            claim.creditor_id: parties["payee"],
        }
        try:
            xml = claim_instruction(visitor.runtime, claim, accounts=accounts)
        except (Conflict, Unprocessable, InstructionError) as exc:
            errors["pay_claim"] = t("lending.error.refused", detail=str(exc))
    if errors or claim is None:
        return lender_clearing_view(visitor, errors=errors, form=shown, status=400)
    disposition = f'attachment; filename="CLM-{claim.id}.xml"'
    return Response(xml, media_type="application/xml", headers={"Content-Disposition": disposition})


@router.post("/lender/clearing/dispute-withdrawals")
def withdraw_dispute(visitor: LenderVisitor) -> Response:
    """Withdraw the lender's dispute of a claim on it (as ``DELETE /v1/claims/{id}/dispute``):
    the claim stands and is final at once; then the clearing page saying so."""
    return act_once(visitor, lambda: _withdraw_dispute(visitor))


def _withdraw_dispute(visitor: Visitor) -> Response:
    t = visitor.t
    claim_text = visitor.form.get("disputed_claim", "").strip()
    error = None
    if not claim_text.isdigit():
        error = t("undispute.error.claim")
    else:
        try:
            withdraw_dispute_as_debtor(visitor.runtime, visitor.member, int(claim_text))
        except (NotFound, Conflict):
            error = t("undispute.error.claim")
        except TransactionReverted as exc:
            if exc.error == "ClearingUnexpectedStatus":
                error = t("undispute.error.status")
            else:
                error = t("financing.error.reverted", error=exc.error)
    if error is not None:
        errors = {"disputed_claim": error}
        shown = {"disputed_claim": claim_text}
        return lender_clearing_view(visitor, errors=errors, form=shown, status=409)
    return visitor.redirect(f"/lender/clearing?undisputed={claim_text}")
