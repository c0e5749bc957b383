"""Dealer and lender pages: lines, vehicles awaiting the dealer's signed confirmation, sale
reports, obligations and every charge explained; exposure, alerts, audits, claims and clearing
cycles with their reconciliation reports.

The pages call the service functions the /v1 routes call (`ledger.inventory`,
`clearing.service`), with the same object-level rule: a dealer sees only the lines it is
the dealer of, a lender only its own; another line, vehicle or cycle answers 404.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from fastapi.responses import Response

from api.errors import ApiError, Conflict, NotFound
from api.pages.once import FORM_KEY_FIELD, new_form_key
from api.pages.site import PageNotFound, Visitor, role_page
from clearing.reports import report_csv
from clearing.service import (
    KIND_NAMES,
    STATE_NAMES,
    PayoffFiling,
    claims_of,
    file_sale_payoffs,
    names_of,
    next_cycle,
    report_for,
    run_cycle_now,
    visible_cycle,
    visible_cycles,
    waiting_documents,
)
from ledger import lending
from ledger.consortium import Role
from ledger.errors import TransactionReverted
from ledger.financing import DAY
from ledger.floorplan import Line
from ledger.inventory import (
    CONFIRMATION_LIFETIME,
    Obligations,
    audit_checklist,
    awaiting_confirmation,
    confirmation_to_sign,
    dealer_line,
    explain_charges,
    exposure_of,
    held_key,
    hex32,
    lender_line,
    line_audits,
    line_events,
    obligations,
    party_names,
    signed_confirmation,
    vehicle_refs,
    vehicles_on_line,
    vin_directory,
    visible_alerts,
    visible_audit,
    visible_lines,
    visible_vehicle,
)
from ledger.vin import InvalidVin
from ledger.vin_directory import VehicleName

router = APIRouter(include_in_schema=False)

DealerVisitor = Annotated[Visitor, Depends(role_page(Role.DEALER))]
LenderVisitor = Annotated[Visitor, Depends(role_page(Role.LENDER))]

CONFIRM_FIELD = "confirm_"
"""Prefix of the confirmation checklist's fields: one checkbox ``confirm_0x<VIN hash>`` per
vehicle (the page's form holds one value per name)."""

OUTCOME_FIELD = "outcome_"
"""Prefix of the audit findings form's fields: one choice ``outcome_0x<VIN hash>`` per
vehicle to check."""

_SIGNATURE = re.compile(r"^0x[0-9a-fA-F]{130}$")
_HASH = re.compile(r"^0x[0-9a-fA-F]{64}$")

REVERT_MESSAGES = {
    "FloorPlanInvalidSignature": "dealer.error.bad_signature",
    "FloorPlanSignatureExpired": "dealer.error.expired",
    "FloorPlanInvalidNonce": "dealer.error.nonce",
    "FloorPlanAlreadyConfirmed": "dealer.error.already_confirmed",
    "FloorPlanInvalidStatus": "dealer.error.not_financed",
}
"""Catalog strings for the reverts a dealer's form can run into; others show their name."""


@contextmanager
def _absent_is_404() -> Iterator[None]:
    """What the service calls `NotFound` (not there, or not the member's) is the 404 page."""
    try:
        yield
    except NotFound as exc:
        raise PageNotFound(str(exc)) from exc


def block_time(value: int | None) -> datetime | None:
    """A block timestamp as an aware UTC time."""
    return None if value is None else datetime.fromtimestamp(value, UTC)


def amount(value: int | str | None) -> str:
    """An amount in the smallest currency unit, shown in main units with two decimals."""
    if value is None:
        return "—"
    number = int(value)
    sign = "-" if number < 0 else ""
    whole, cents = divmod(abs(number), 100)
    return f"{sign}{whole:,}.{cents:02d}"


def percent(bps: int) -> str:
    """Basis points as a percentage."""
    return f"{bps / 100:g} %"


def _helpers() -> dict[str, Any]:
    return {"amount": amount, "percent": percent, "block_time": block_time, "hex32": hex32}


def _vins(
    visitor: Visitor, lines: Iterable[int | None], hashes: Iterable[bytes | str | None]
) -> dict[str, VehicleName]:
    """The VIN directory's names of `hashes`, from records of `lines` only: a page passes the
    lines it already showed the visitor may see, so the directory reveals nothing more."""
    return vin_directory(visitor.runtime).names(
        [h for h in hashes if h is not None], lines=sorted({i for i in lines if i is not None})
    )


def _matching(visitor: Visitor, owed: Obligations, query: str) -> Obligations:
    """`owed` narrowed to the vehicles whose VIN, certificate, engine or stock number (or
    on-chain hash) contains `query`; all of them when `query` is empty."""
    needle = query.strip()
    if not needle:
        return owed
    found = {
        n.vin_hash for n in vin_directory(visitor.runtime).search(needle, lines=[owed.line_id])
    }
    lowered = needle.lower()
    kept = [
        o
        for o in owed.vehicles
        if hex32(o.vehicle.vin_hash) in found or lowered in hex32(o.vehicle.vin_hash)
    ]
    return replace(owed, vehicles=kept)


def _reverted(visitor: Visitor, exc: TransactionReverted) -> str:
    key = REVERT_MESSAGES.get(exc.error)
    if key is not None:
        return visitor.t(key)
    return visitor.t("financing.error.reverted", error=exc.error)


# ------------------------------------------------------------------ dealer


@router.get("/dealer")
def dealer_home(visitor: DealerVisitor) -> Response:
    """The dealer's lines, what awaits its confirmation, and alerts on its lines."""
    runtime, member = visitor.runtime, visitor.member
    lines = visible_lines(runtime, member, dealer_id=member.member_id)
    events = line_events(runtime)
    waiting = {
        line.id: len(awaiting_confirmation(runtime, line.id, events=events)) for line in lines
    }
    alerts = visible_alerts(runtime, member, events=events)
    alerts = [a for a in alerts if a.line_id in waiting]
    return visitor.page(
        "dealer_home.html",
        vins=_vins(visitor, [a.line_id for a in alerts], [a.vin_hash for a in alerts]),
        lines=lines,
        names=party_names(runtime, lines),
        waiting=waiting,
        alerts=alerts,
        **_helpers(),
    )


@router.get("/dealer/lines/{line_id}")
def dealer_line_page(
    visitor: DealerVisitor,
    line_id: int,
    done: str = "",
    count: int = 0,
    claim: int = 0,
    q: Annotated[str, Query(max_length=64)] = "",
) -> Response:
    """One of the dealer's lines: vehicles to confirm, the sale report, what it owes."""
    with _absent_is_404():
        line = dealer_line(visitor.runtime, visitor.member, line_id)
    result = None
    if done == "confirmed":
        result = visitor.t("dealer.done.confirmed", count=count)
    elif done == "sold":
        result = visitor.t("dealer.done.sold_claim" if claim else "dealer.done.sold", claim=claim)
    elif done == "sold_before":
        result = visitor.t("dealer.done.sold_before", claim=claim)
    return _dealer_line_view(visitor, line, result=result, query=q)


def _dealer_line_view(
    visitor: Visitor,
    line: Line,
    *,
    errors: dict[str, str] | None = None,
    form: dict[str, str] | None = None,
    result: str | None = None,
    status: int = 200,
    query: str = "",
) -> Response:
    runtime = visitor.runtime
    events = line_events(runtime)
    _, terms = runtime.floorplan.terms(line.terms_id)
    waiting = awaiting_confirmation(runtime, line.id, events=events)
    owed = _matching(visitor, obligations(runtime, line.id, events=events), query)
    hashes = [v.vin_hash for v in waiting] + [o.vehicle.vin_hash for o in owed.vehicles]
    return visitor.page(
        "dealer_line.html",
        status=status,
        line=line,
        terms=terms,
        names=party_names(runtime, [line]),
        waiting=waiting,
        owed=owed,
        vins=_vins(visitor, [line.id], hashes),
        now=owed.as_of,
        query=query,
        signs_here=held_key(runtime, visitor.member.address) is not None,
        confirm_field=CONFIRM_FIELD,
        errors=errors or {},
        form=form or {},
        result=result,
        **_helpers(),
    )


@router.post("/dealer/lines/{line_id}/confirmations")
def dealer_confirm(visitor: DealerVisitor, line_id: int) -> Response:
    """Confirm the ticked vehicles: signed here with the dealer's key when this service holds
    it, else the typed data to sign in the dealer's wallet."""
    runtime, member, t = visitor.runtime, visitor.member, visitor.t
    with _absent_is_404():
        line = dealer_line(runtime, member, line_id)
    ticked = [
        name[len(CONFIRM_FIELD) :]
        for name, value in visitor.form.items()
        if name.startswith(CONFIRM_FIELD) and value
    ]
    if not ticked or not all(_HASH.fullmatch(h) for h in ticked):
        errors = {"confirm": t("dealer.error.none_ticked")}
        return _dealer_line_view(visitor, line, errors=errors, status=400)
    try:
        refs = vehicle_refs(ticked)
        confirmation = confirmation_to_sign(runtime, line_id, refs, valid_for=CONFIRMATION_LIFETIME)
    except ApiError as exc:
        errors = {"confirm": t("dealer.error.not_waiting", detail=str(exc))}
        return _dealer_line_view(visitor, line, errors=errors, status=409)
    account = held_key(runtime, member.address)
    if account is None or visitor.form.get("mode") == "wallet":
        return _signing_page(visitor, line, confirmation.typed_data())
    try:
        runtime.floorplan.confirm_receipt(confirmation, confirmation.sign(account))
    except TransactionReverted as exc:
        errors = {"confirm": _reverted(visitor, exc)}
        return _dealer_line_view(visitor, line, errors=errors, status=409)
    count = len(confirmation.vin_hashes)
    return visitor.redirect(f"/dealer/lines/{line_id}?done=confirmed&count={count}")


def _signing_page(
    visitor: Visitor,
    line: Line,
    typed: dict[str, Any],
    *,
    errors: dict[str, str] | None = None,
    signature: str = "",
    status: int = 200,
) -> Response:
    message = typed["message"]
    return visitor.page(
        "dealer_sign.html",
        status=status,
        line=line,
        typed_json=json.dumps(typed, indent=2),
        message=message,
        vin_hashes=",".join(message["vinHashes"]),
        errors=errors or {},
        signature=signature,
        **_helpers(),
    )


@router.post("/dealer/lines/{line_id}/confirmations/signed")
def dealer_confirm_signed(visitor: DealerVisitor, line_id: int) -> Response:
    """Relay a confirmation the dealer signed in its wallet; the contract checks the
    signature."""
    runtime, member, t, form = visitor.runtime, visitor.member, visitor.t, visitor.form
    with _absent_is_404():
        line = dealer_line(runtime, member, line_id)
    try:
        hashes = [h for h in form.get("vin_hashes", "").split(",") if h]
        if not hashes or not all(_HASH.fullmatch(h) for h in hashes):
            raise ValueError("vin_hashes")
        confirmation = signed_confirmation(
            runtime,
            line_id=line_id,
            dealer=member.address,
            vin_hashes=[bytes.fromhex(h[2:]) for h in hashes],
            lender=form.get("lender", ""),
            nonce=int(form.get("nonce", "")),
            deadline=int(form.get("deadline", "")),
        )
    except ValueError:
        changed = {"confirm": t("dealer.error.form_changed")}
        return _dealer_line_view(visitor, line, errors=changed, status=400)
    signature = form.get("signature", "").strip()
    errors: dict[str, str] = {}
    if not signature:
        errors["signature"] = t("dealer.error.signature_empty")
    elif not _SIGNATURE.fullmatch(signature):
        errors["signature"] = t("dealer.error.signature_format")
    else:
        try:
            runtime.floorplan.confirm_receipt(confirmation, bytes.fromhex(signature[2:]))
        except TransactionReverted as exc:
            errors["signature"] = _reverted(visitor, exc)
    if errors:
        return _signing_page(
            visitor,
            line,
            confirmation.typed_data(),
            errors=errors,
            signature=signature,
            status=400,
        )
    count = len(confirmation.vin_hashes)
    return visitor.redirect(f"/dealer/lines/{line_id}?done=confirmed&count={count}")


@router.post("/dealer/lines/{line_id}/sales")
def dealer_report_sale(visitor: DealerVisitor, line_id: int) -> Response:
    """Report a financed vehicle sold: its payoff falls due, and the lender's payoff claim is
    filed and confirmed (as ``POST /v1/lines/{id}/payoff-claims``)."""
    runtime, member, t = visitor.runtime, visitor.member, visitor.t
    with _absent_is_404():
        line = dealer_line(runtime, member, line_id)
    text = visitor.form.get("vin", "").strip()
    form = {"vin": text}
    error = None
    filings: list[PayoffFiling] = []
    if not text:
        error = t("dealer.error.vin_empty")
    else:
        try:
            refs = vehicle_refs([text])
            vehicles = vehicles_on_line(runtime, line_id, refs)
            _, filings = file_sale_payoffs(runtime, line=line, vehicles=vehicles)
        except InvalidVin as exc:
            error = t("dealer.error.vin_invalid", reason=exc.reason)
        except NotFound:
            error = t("dealer.error.not_on_line", vin=text)
        except Conflict as exc:
            error = t("dealer.error.cannot_sell", detail=str(exc))
        except TransactionReverted as exc:
            error = _reverted(visitor, exc)
    if error is not None:
        return _dealer_line_view(visitor, line, errors={"vin": error}, form=form, status=400)
    (filing,) = filings
    done = "sold_before" if filing.outcome == "existing" else "sold"
    return visitor.redirect(f"/dealer/lines/{line_id}?done={done}&claim={filing.claim_id or 0}")


@router.get("/dealer/vehicles/{vin_hash}")
def dealer_vehicle(visitor: DealerVisitor, vin_hash: str) -> Response:
    """Every charge of a vehicle on one of the dealer's lines, explained."""
    return _charges_page(visitor, vin_hash, as_lender=False)


def _charges_page(visitor: Visitor, vin_hash: str, *, as_lender: bool) -> Response:
    runtime, member = visitor.runtime, visitor.member
    if not _HASH.fullmatch(vin_hash):
        raise PageNotFound(f"{vin_hash!r} is not a VIN hash")
    with _absent_is_404():
        ref, vehicle = visible_vehicle(runtime, member, vin_hash)
        # the page of one role: a lender's vehicles on the lender pages, a dealer's on its own
        line = (lender_line if as_lender else dealer_line)(runtime, member, vehicle.line_id)
    explained = None
    if vehicle.status.pledged:
        explained = explain_charges(runtime, ref, vehicle)
    return visitor.page(
        "dealer_charges.html",
        vins=_vins(visitor, [line.id], [vehicle.vin_hash]),
        vehicle=vehicle,
        line=line,
        charges=explained,
        back=f"/{'lender' if as_lender else 'dealer'}/lines/{line.id}",
        **_helpers(),
    )


# ------------------------------------------------------------------ lender


@router.get("/lender")
def lender_home(visitor: LenderVisitor) -> Response:
    """The lender's exposure per dealer, its lines and the alerts on them."""
    runtime, member = visitor.runtime, visitor.member
    lines = visible_lines(runtime, member, lender_id=member.member_id)
    own = {line.id for line in lines}
    alerts = [a for a in visible_alerts(runtime, member) if a.line_id in own]
    exposure = [e for e in exposure_of(runtime, member) if e.lender_id == member.member_id]
    return visitor.page(
        "lender_home.html",
        vins=_vins(visitor, [a.line_id for a in alerts], [a.vin_hash for a in alerts]),
        lines=lines,
        names=party_names(runtime, lines),
        exposure=exposure,
        alerts=alerts,
        **_helpers(),
    )


@router.get("/lender/lines/{line_id}")
def lender_line_page(
    visitor: LenderVisitor,
    line_id: int,
    q: Annotated[str, Query(max_length=64)] = "",
    done: str = "",
    vin: Annotated[str, Query(max_length=66)] = "",
    figure: Annotated[int, Query(alias="amount", ge=0)] = 0,
    to_line: Annotated[int, Query(alias="to", ge=0)] = 0,
) -> Response:
    """One of the lender's lines: terms, vehicles and what is owed, alerts and audits; after
    one of the lender's forms (`api.pages.lending`), what it did."""
    with _absent_is_404():
        line = lender_line(visitor.runtime, visitor.member, line_id)
    result = None
    if done in ("opened", "changed", "frozen", "unfrozen", "closed"):
        result = visitor.t(f"lending.done.{done}", id=line_id)
    elif done in ("advanced", "released", "curtailment", "accepted"):
        result = visitor.t(f"lending.done.{done}", vin=vin, amount=amount(figure))
    elif done in ("offered", "withdrawn"):
        result = visitor.t(f"lending.done.{done}", vin=vin, to=to_line)
    return lender_line_view(visitor, line, query=q, result=result)


def lender_line_view(
    visitor: Visitor,
    line: Line,
    *,
    query: str = "",
    result: str | None = None,
    errors: dict[str, str] | None = None,
    form: dict[str, str] | None = None,
    status: int = 200,
) -> Response:
    """The lender's line page, with a form's `result` or `errors` when given."""
    runtime, member, line_id = visitor.runtime, visitor.member, line.id
    events = line_events(runtime)
    _, terms = runtime.floorplan.terms(line.terms_id)
    audits = line_audits(runtime, line_id, events)
    owed = _matching(visitor, obligations(runtime, line_id, events=events), query)
    alerts = visible_alerts(runtime, member, line_id=line_id, events=events)
    incoming = lending.incoming_transfers(runtime, line_id)
    hashes = [o.vehicle.vin_hash for o in owed.vehicles] + [a.vin_hash for a in alerts]
    return visitor.page(
        "lender_line.html",
        status=status,
        line=line,
        terms=terms,
        names=party_names(runtime, [line]),
        owed=owed,
        alerts=alerts,
        vins=_vins(visitor, [line_id], hashes),
        query=query,
        audits=audits,
        opener_names=names_of(runtime, [a.opener_id for a in audits]),
        incoming=incoming,
        confirm_days=terms.confirm_window // DAY,
        result=result,
        errors=errors or {},
        form=form or {},
        new_key=new_form_key,
        form_key_field=FORM_KEY_FIELD,
        **_helpers(),
    )


@router.get("/lender/audits/{audit_id}")
def lender_audit(visitor: LenderVisitor, audit_id: int, done: str = "", count: int = 0) -> Response:
    """A lot audit of one of the lender's lines: its draw and each vehicle's outcome; to its
    opener, the forms to reveal the draw, record outcomes and close it
    (`api.pages.lot_audits`)."""
    result = None
    if done in ("opened", "revealed", "recorded", "closed"):
        result = visitor.t(f"lot_audit.done.{done}", id=audit_id, count=count)
    return lender_audit_view(visitor, audit_id, result=result)


def lender_audit_view(
    visitor: Visitor,
    audit_id: int,
    *,
    result: str | None = None,
    errors: dict[str, str] | None = None,
    status: int = 200,
) -> Response:
    """The lender's audit page, with a form's `result` or `errors` when given."""
    runtime, member = visitor.runtime, visitor.member
    with _absent_is_404():
        audit = visible_audit(runtime, member, audit_id)
        line = lender_line(runtime, member, audit.line_id)
    checklist = audit_checklist(runtime, audit)
    return visitor.page(
        "lender_audit.html",
        status=status,
        vins=_vins(visitor, [line.id], [vin for vin, _ in checklist or []]),
        audit=audit,
        line=line,
        checklist=checklist,
        opener=names_of(runtime, [audit.opener_id]).get(audit.opener_id, f"#{audit.opener_id}"),
        acts=audit.opener_id == member.member_id,
        result=result,
        errors=errors or {},
        new_key=new_form_key,
        form_key_field=FORM_KEY_FIELD,
        outcome_field=OUTCOME_FIELD,
        **_helpers(),
    )


@router.get("/lender/vehicles/{vin_hash}")
def lender_vehicle(visitor: LenderVisitor, vin_hash: str) -> Response:
    """Every charge of a vehicle on one of the lender's lines, explained."""
    return _charges_page(visitor, vin_hash, as_lender=True)


@dataclass(frozen=True, kw_only=True)
class _ClaimRow:
    id: int
    kind: str
    creditor: str
    debtor: str
    amount: int
    state: str
    due_date: int
    reference: str


@router.get("/lender/clearing")
def lender_clearing(
    visitor: LenderVisitor,
    refused: str | None = None,
    disputed: int = 0,
    withdrawn: int = 0,
    undisputed: int = 0,
) -> Response:
    """The lender's claims and the clearing cycles it took part in; run a cycle now; dispute
    a claim on it and withdraw one it filed (`api.pages.disputes`)."""
    if disputed:
        return lender_clearing_view(visitor, result=visitor.t("dispute.done", id=disputed))
    if undisputed:
        return lender_clearing_view(visitor, result=visitor.t("undispute.done", id=undisputed))
    if withdrawn:
        return lender_clearing_view(visitor, result=visitor.t("withdraw.done", id=withdrawn))
    if refused is not None:  # where a refused run lands: a GET that can be reloaded
        outlook = next_cycle(visitor.runtime, visitor.member.member_id)
        return lender_clearing_view(
            visitor,
            errors={"run": visitor.t("lender.error.nothing_to_settle")},
            waiting=[_why(visitor, w) for w in waiting_documents(outlook)],
            status=409,
        )
    return lender_clearing_view(visitor)


def _why(visitor: Visitor, waiting: dict[str, Any]) -> str:
    """A waiting claim's reason (`clearing.service.waiting_documents`) in the visitor's
    language; amounts in main units, times in UTC."""
    try:
        until = block_time(waiting["until"])
        shown = f"{until:%Y-%m-%d %H:%M} UTC" if until is not None else ""
    except (ValueError, OverflowError, OSError):  # past the calendar: a due date of 2**40 - 1
        shown = str(waiting["until"])
    return visitor.t(
        f"clearing.why.{waiting['reason']}",
        id=waiting["claim_id"],
        until=shown,
        debtor=waiting["debtor_id"],
        payer=waiting["payer_id"],
        short_by=amount(waiting["short_by"]),
        balance=amount(waiting["balance"]),
        allowance=amount(waiting["allowance"]),
    )


WITHDRAWABLE = ("filed", "confirmed", "final", "disputed")
"""Claim states its creditor may withdraw (any before it settles)."""

DISPUTABLE = ("filed", "confirmed")
"""Claim states a debtor may dispute (a confirmed one until its dispute window ends)."""


def lender_clearing_view(
    visitor: Visitor,
    *,
    errors: dict[str, str] | None = None,
    waiting: list[str] | None = None,
    form: dict[str, str] | None = None,
    result: str | None = None,
    status: int = 200,
) -> Response:
    """The lender's clearing page, with a form's `errors` or `result` when given."""
    runtime, member = visitor.runtime, visitor.member
    claims = claims_of(runtime, member_id=member.member_id)
    names = names_of(runtime, [i for c in claims for i in (c.creditor_id, c.debtor_id)])
    rows = [
        _ClaimRow(
            id=c.id,
            kind=KIND_NAMES[c.kind],
            creditor=names.get(c.creditor_id, f"#{c.creditor_id}"),
            debtor=names.get(c.debtor_id, f"#{c.debtor_id}"),
            amount=c.amount,
            state=STATE_NAMES.get(c.status, "none"),
            due_date=c.due_date,
            reference=hex32(c.reference),
        )
        for c in reversed(claims)
    ]
    return visitor.page(
        "lender_clearing.html",
        status=status,
        claims=rows,
        disputable=[
            r
            for r, c in zip(rows, reversed(claims), strict=True)
            if c.debtor_id == member.member_id and r.state in DISPUTABLE
        ],
        payable=[
            r
            for r, c in zip(rows, reversed(claims), strict=True)
            if c.debtor_id == member.member_id and r.state in WITHDRAWABLE
        ],
        undisputable=[
            r
            for r, c in zip(rows, reversed(claims), strict=True)
            if c.debtor_id == member.member_id and r.state == "disputed"
        ],
        withdrawable=[
            r
            for r, c in zip(rows, reversed(claims), strict=True)
            if c.creditor_id == member.member_id and r.state in WITHDRAWABLE
        ],
        cycles=visible_cycles(runtime, member),
        errors=errors or {},
        waiting=waiting or [],
        form=form or {},
        result=result,
        new_key=new_form_key,
        form_key_field=FORM_KEY_FIELD,
        **_helpers(),
    )


@router.post("/lender/clearing/cycles")
def lender_run_cycle(visitor: LenderVisitor) -> Response:
    """Run a clearing cycle now over every final, due claim."""
    try:
        cycle, _ = run_cycle_now(visitor.runtime, visitor.member.member_id)
    except Conflict:
        return visitor.redirect("/lender/clearing?refused=nothing_to_settle")
    return visitor.redirect(f"/lender/clearing/cycles/{cycle.id}")


@router.get("/lender/clearing/cycles/{cycle_id}")
def lender_cycle(visitor: LenderVisitor, cycle_id: int) -> Response:
    """A clearing cycle's reconciliation report, as the lender may read it."""
    runtime, member = visitor.runtime, visitor.member
    with _absent_is_404():
        cycle = visible_cycle(runtime, member, cycle_id)
    report = report_for(runtime, member, cycle)
    ids = {int(p["member"]) for p in report["positions"]}
    ids |= {int(c[k]) for c in report["claims"] for k in ("debtor", "creditor")}
    return visitor.page(
        "lender_cycle.html",
        cycle=cycle,
        report=report,
        names=names_of(runtime, ids),
        **_helpers(),
    )


@router.get("/lender/clearing/cycles/{cycle_id}/report.csv")
def lender_cycle_csv(visitor: LenderVisitor, cycle_id: int) -> Response:
    """The cycle's reconciliation report as CSV (as ``GET /v1/cycles/{id}/report?format=csv``)."""
    runtime, member = visitor.runtime, visitor.member
    with _absent_is_404():
        cycle = visible_cycle(runtime, member, cycle_id)
    return visitor.send(
        Response(
            report_csv([report_for(runtime, member, cycle)]),
            media_type="text/csv",
            headers={"Content-Disposition": f'attachment; filename="cycle-{cycle_id}.csv"'},
        )
    )
