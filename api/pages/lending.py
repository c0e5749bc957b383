"""The lender's action pages: open a line and change its terms, advance on one vehicle, import
a CSV of vehicles (with a result page), release a lien, record a curtailment payment.

Each form calls what its `/v1` route calls (`ledger.lending`, `ledger.inventory`), acting as
the signed-in lender with the key this service holds for it. A form that succeeds is answered
with a see-other to a GET page that can be reloaded; a form with errors is shown again with
each error next to its field and nothing stored. Every action form carries a key
(`api.pages.once`), so a double click or a resent form acts once.
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from api.errors import Conflict, NotFound, Unprocessable
from api.pages.financing import LenderVisitor, amount, lender_line_view, percent
from api.pages.inventory_imports import ImportJobs, read_upload
from api.pages.lending_forms import (
    FormReader,
    plain_amount,
    read_limit,
    read_terms,
    step_rows,
    terms_form,
)
from api.pages.once import FORM_KEY_FIELD, act_once, new_form_key
from api.pages.site import PageNotFound, Visitor
from ledger import lending
from ledger.consortium import MemberStatus, Role
from ledger.errors import TransactionReverted
from ledger.floorplan import FloorPlanClient, KeyKind, Line
from ledger.inventory import (
    CSV_COLUMNS,
    CSV_OPTIONAL_COLUMNS,
    MAX_IMPORT_BYTES,
    MAX_IMPORT_ROWS,
    InventoryFileError,
    Pledge,
    PledgeConflict,
    lender_line,
    pledge_conflict,
    vehicle_refs,
    vehicles_on_line,
    vin_directory,
)
from ledger.vin import InvalidIdentifier, InvalidVin, normalize_identifier, normalize_vin

router = APIRouter(include_in_schema=False)

REVERTS = {
    "FloorPlanInvalidLineStatus": "lending.error.line_status",
    "FloorPlanLimitExceeded": "lending.error.over_limit",
    "FloorPlanAmountTooLarge": "lending.error.too_large",
}
"""Catalog strings of the reverts the lender's forms can meet; others show their name."""

KEY_FIELDS = {KeyKind.VIN: "vin", KeyKind.CERTIFICATE: "certificate", KeyKind.ENGINE: "engine"}
"""The advance form's field of each key a lien holds (where "already pledged" is shown)."""

DESCRIPTION_FIELDS = {"make": 64, "model": 64, "colour": 32, "stock_number": 32}
"""The optional VIN-directory fields of the advance form and their longest length."""


def _imports(request: Request) -> ImportJobs:
    jobs: ImportJobs = request.app.state.inventory_imports
    return jobs


def _acting(visitor: Visitor) -> FloorPlanClient:
    """The floor plan signing as the visitor (`Conflict` when this service lacks its key)."""
    runtime = visitor.runtime
    return runtime.floorplan.as_sender(runtime.sender_for(visitor.member.address))


def _own_line(visitor: Visitor, line_id: int) -> Line:
    try:
        return lender_line(visitor.runtime, visitor.member, line_id)
    except NotFound as exc:
        raise PageNotFound(str(exc)) from exc


def _refused(visitor: Visitor, exc: TransactionReverted) -> str:
    key = REVERTS.get(exc.error)
    if key is not None:
        return visitor.t(key)
    return visitor.t("financing.error.reverted", error=exc.error)


def _reader(visitor: Visitor) -> FormReader:
    return FormReader(form=visitor.form, t=visitor.t, currency=visitor.runtime.settings.currency)


def _helpers() -> dict[str, Any]:
    return {"amount": amount, "percent": percent}


# ------------------------------------------------------------------ open a line


def _dealers(visitor: Visitor) -> list[tuple[int, str]]:
    """Active dealer members, (id, name), to open a line for."""
    return [
        (m.id, m.name)
        for m in visitor.runtime.members.all()
        if Role.DEALER in m.roles and m.status == MemberStatus.ACTIVE
    ]


def _line_form(
    visitor: Visitor,
    *,
    line: Line | None,
    form: dict[str, str],
    errors: dict[str, str] | None = None,
    status: int = 200,
) -> Response:
    return visitor.page(
        "lender_line_form.html",
        status=status,
        line=line,
        dealers=_dealers(visitor) if line is None else [],
        form=form,
        errors=errors or {},
        steps=step_rows(form),
        form_key=form.get(FORM_KEY_FIELD) or new_form_key(),
        form_key_field=FORM_KEY_FIELD,
        **_helpers(),
    )


@router.get("/lender/lines/new")
def new_line_form(visitor: LenderVisitor) -> Response:
    """The form to open a credit line for a dealer."""
    return _line_form(visitor, line=None, form={})


@router.post("/lender/lines")
def open_line(visitor: LenderVisitor) -> Response:
    """Open a line (as ``POST /v1/lines``), then its page."""
    return act_once(visitor, lambda: _open_line(visitor))


def _open_line(visitor: Visitor) -> Response:
    reader = _reader(visitor)
    dealer_text = reader.text("dealer")
    dealer_id = int(dealer_text) if dealer_text.isdigit() else None
    if dealer_id is None or dealer_id not in {i for i, _ in _dealers(visitor)}:
        reader.errors["dealer"] = visitor.t("lending.error.dealer")
    limit = read_limit(reader)
    terms = read_terms(reader)
    form = dict(visitor.form)
    if reader.errors or dealer_id is None or limit is None or terms is None:
        return _line_form(visitor, line=None, form=form, errors=reader.errors, status=400)
    try:
        line_id = lending.open_line(
            _acting(visitor),
            visitor.runtime.consortium,
            dealer_id=dealer_id,
            limit=limit,
            terms=terms,
        )
    except (Conflict, Unprocessable) as exc:
        errors = {"dealer": visitor.t("lending.error.refused", detail=str(exc))}
        return _line_form(visitor, line=None, form=form, errors=errors, status=409)
    except TransactionReverted as exc:
        errors = {"dealer": _refused(visitor, exc)}
        return _line_form(visitor, line=None, form=form, errors=errors, status=409)
    return visitor.redirect(f"/lender/lines/{line_id}?done=opened")


# ------------------------------------------------------------------ change a line


@router.get("/lender/lines/{line_id}/terms")
def change_line_form(visitor: LenderVisitor, line_id: int) -> Response:
    """The form to change a line's limit and terms, filled with the current ones."""
    line = _own_line(visitor, line_id)
    _, terms = visitor.runtime.floorplan.terms(line.terms_id)
    form = {"limit": plain_amount(line.limit), **terms_form(terms)}
    return _line_form(visitor, line=line, form=form)


@router.post("/lender/lines/{line_id}/terms")
def change_line(visitor: LenderVisitor, line_id: int) -> Response:
    """Set a line's limit and terms (as ``PATCH /v1/lines/{id}``); later advances take them."""
    line = _own_line(visitor, line_id)
    return act_once(visitor, lambda: _change_line(visitor, line))


def _change_line(visitor: Visitor, line: Line) -> Response:
    reader = _reader(visitor)
    limit = read_limit(reader)
    terms = read_terms(reader)
    form = dict(visitor.form)
    if reader.errors or limit is None or terms is None:
        return _line_form(visitor, line=line, form=form, errors=reader.errors, status=400)
    try:
        _acting(visitor).change_line(line.id, limit=limit, terms=terms)
    except Conflict as exc:
        errors = {"limit": visitor.t("lending.error.refused", detail=str(exc))}
        return _line_form(visitor, line=line, form=form, errors=errors, status=409)
    except TransactionReverted as exc:
        errors = {"limit": _refused(visitor, exc)}
        return _line_form(visitor, line=line, form=form, errors=errors, status=409)
    return visitor.redirect(f"/lender/lines/{line.id}?done=changed")


# ------------------------------------------------------------------ advances and imports


def _advance_page(
    visitor: Visitor,
    line: Line,
    *,
    form: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    status: int = 200,
) -> Response:
    form = form or {}
    _, terms = visitor.runtime.floorplan.terms(line.terms_id)
    return visitor.page(
        "lender_advance.html",
        status=status,
        line=line,
        terms=terms,
        form=form,
        errors=errors or {},
        form_key=form.get(FORM_KEY_FIELD) or new_form_key(),
        import_key=new_form_key(),
        form_key_field=FORM_KEY_FIELD,
        columns=CSV_COLUMNS,
        optional_columns=CSV_OPTIONAL_COLUMNS,
        max_rows=MAX_IMPORT_ROWS,
        max_megabytes=MAX_IMPORT_BYTES >> 20,
        **_helpers(),
    )


@router.get("/lender/lines/{line_id}/advances/new")
def advance_form(visitor: LenderVisitor, line_id: int) -> Response:
    """The forms to advance on one vehicle and to import a CSV file of vehicles."""
    return _advance_page(visitor, _own_line(visitor, line_id))


@router.post("/lender/lines/{line_id}/advances")
def advance_vehicle(visitor: LenderVisitor, line_id: int) -> Response:
    """Advance on one vehicle (as ``POST /v1/lines/{id}/advances``), then the line's page."""
    line = _own_line(visitor, line_id)
    return act_once(visitor, lambda: _advance(visitor, line))


def _advance(visitor: Visitor, line: Line) -> Response:
    t, reader = visitor.t, _reader(visitor)
    vin, certificate, engine = reader.text("vin"), reader.text("certificate"), reader.text("engine")
    try:
        normalize_vin(vin)
    except InvalidVin as exc:
        key = "lending.error.required" if not vin else "dealer.error.vin_invalid"
        reader.errors["vin"] = t(key, reason=exc.reason)
    for name, text in (("certificate", certificate), ("engine", engine)):
        try:
            normalize_identifier(text)
        except InvalidIdentifier:
            reader.errors[name] = t("lending.error.required")
    value = reader.money("value", minimum=1)
    description = {}
    for name, longest in DESCRIPTION_FIELDS.items():
        description[name] = reader.text(name)
        if len(description[name]) > longest:
            reader.errors[name] = t("lending.error.too_long", count=longest)
    registration = reader.text("registration") or None
    if registration is not None and len(registration.encode()) > 32:
        reader.errors["registration"] = t("lending.error.registration")
    form = dict(visitor.form)
    if reader.errors or value is None:
        return _advance_page(visitor, line, form=form, errors=reader.errors, status=400)
    pledge = Pledge.of(vin=vin, certificate=certificate, engine=engine, value=value)
    try:
        done = lending.advance_and_describe(
            _acting(visitor),
            vin_directory(visitor.runtime),
            line.id,
            [(pledge, description)],
            registration,
        )
    except PledgeConflict as exc:
        field = "vin"
        if isinstance(exc.__cause__, TransactionReverted):
            _, kind = pledge_conflict(exc.__cause__, [pledge])
            field = KEY_FIELDS[kind]
        errors = {field: t("lending.error.pledged")}
        return _advance_page(visitor, line, form=form, errors=errors, status=409)
    except Conflict as exc:
        errors = {"vin": t("lending.error.refused", detail=str(exc))}
        return _advance_page(visitor, line, form=form, errors=errors, status=409)
    except TransactionReverted as exc:
        errors = {"value": _refused(visitor, exc)}
        return _advance_page(visitor, line, form=form, errors=errors, status=409)
    query = urlencode({"done": "advanced", "vin": pledge.vin, "amount": done.total})
    return visitor.redirect(f"/lender/lines/{line.id}?{query}")


async def _upload(request: Request) -> tuple[str, bytes | None]:
    """The uploaded file of an import form, (name, bytes); bytes None when it is larger than
    `MAX_IMPORT_BYTES` (read no further), b"" when none was chosen."""
    form = await request.form()  # parsed once per request; the visitor's text fields too
    upload = form.get("file")
    if upload is None or isinstance(upload, str):
        return "", b""
    try:
        data = await upload.read(MAX_IMPORT_BYTES + 1)
    finally:
        await upload.close()
    return upload.filename or "", None if len(data) > MAX_IMPORT_BYTES else data


Upload = Annotated[tuple[str, bytes | None], Depends(_upload)]


@router.post("/lender/lines/{line_id}/imports")
def import_vehicles(visitor: LenderVisitor, line_id: int, upload: Upload) -> Response:
    """Import a CSV file of vehicles (as ``autoledger inventory import``): checked here, then
    advanced in the background; the result page shows the progress and every rejected row."""
    line = _own_line(visitor, line_id)
    return act_once(visitor, lambda: _import(visitor, line, *upload))


def _import(visitor: Visitor, line: Line, name: str, data: bytes | None) -> Response:
    t = visitor.t
    error = None
    if data is None:
        error = t("lending.error.file_too_large", megabytes=MAX_IMPORT_BYTES >> 20)
    elif not data:
        error = t("lending.error.no_file")
    else:
        try:
            rows, rejected = read_upload(data)
        except InventoryFileError as exc:
            error = t("lending.error.bad_file", detail=exc.detail.split(": ", 1)[-1])
        else:
            try:
                client = _acting(visitor)
            except Conflict as exc:
                error = t("lending.error.refused", detail=str(exc))
    if error is not None:
        return _advance_page(visitor, line, errors={"file": error}, status=400)
    job = _imports(visitor.request).start(
        member_id=visitor.member.member_id,
        line_id=line.id,
        file_name=name,
        client=client,
        directory=vin_directory(visitor.runtime),
        rows=rows,
        rejected=rejected,
    )
    return visitor.redirect(f"/lender/imports/{job.id}")


@router.get("/lender/imports/{job_id}")
def import_result(visitor: LenderVisitor, job_id: str) -> Response:
    """An import's progress, then its counts and every rejected row with its reason."""
    job = _imports(visitor.request).get(visitor.member.member_id, job_id)
    if job is None:
        raise PageNotFound(f"no import {job_id!r} of yours")
    report = job.report
    advanced = len(report.advanced)
    if not job.finished:
        outcome = "running"
    elif job.failure is not None:
        outcome = "stopped"
    elif advanced == 0:
        outcome = "nothing"
    elif report.rejected:
        outcome = "partly"
    else:
        outcome = "all"
    return visitor.page(
        "lender_import.html",
        job=job,
        outcome=outcome,
        advanced=advanced,
        rejected=sorted(report.rejected, key=lambda r: r.row),
        total_advance=report.total_advance,
        **_helpers(),
    )


# ------------------------------------------------------------------ releases


@router.post("/lender/lines/{line_id}/releases")
def release_vehicle(visitor: LenderVisitor, line_id: int) -> Response:
    """Record a vehicle's payoff received: its lien is released (as ``POST
    /v1/lines/{id}/releases``), then the line's page."""
    line = _own_line(visitor, line_id)
    return act_once(visitor, lambda: _release(visitor, line))


def _release(visitor: Visitor, line: Line) -> Response:
    t = visitor.t
    text = visitor.form.get("vin", "").strip()
    error = None
    if not text:
        error = t("lending.error.vin_empty")
    else:
        try:
            refs = vehicle_refs([text])
            vehicles_on_line(visitor.runtime, line.id, refs)
            done = lending.release_liens(_acting(visitor), refs)
        except InvalidVin as exc:
            error = t("dealer.error.vin_invalid", reason=exc.reason)
        except NotFound:
            error = t("dealer.error.not_on_line", vin=text)
        except Conflict as exc:
            error = t("lending.error.refused", detail=str(exc))
        except TransactionReverted as exc:
            error = _refused(visitor, exc)
    if error is not None:
        return lender_line_view(
            visitor, line, errors={"release": error}, form={"release": text}, status=400
        )
    (ref,) = refs
    principal, interest, fee = done.charged[ref.vin_hash]
    query = urlencode({"done": "released", "vin": ref.label, "amount": principal + interest + fee})
    return visitor.redirect(f"/lender/lines/{line.id}?{query}")


# ------------------------------------------------------------------ curtailment payments


@router.post("/lender/lines/{line_id}/curtailment-payments")
def record_curtailment(visitor: LenderVisitor, line_id: int) -> Response:
    """Record a curtailment (principal) payment received on a vehicle (as ``POST
    /v1/lines/{id}/curtailment-payments``), then the line's page."""
    line = _own_line(visitor, line_id)
    return act_once(visitor, lambda: _curtailment(visitor, line))


def _curtailment(visitor: Visitor, line: Line) -> Response:
    t, reader = visitor.t, _reader(visitor)
    text = reader.text("vin")
    paid = reader.money("paid", minimum=1)
    errors = dict(reader.errors)
    refs = []
    if not text:
        errors["curtail"] = t("lending.error.vin_empty")
    else:
        try:
            refs = vehicle_refs([text])
            vehicles_on_line(visitor.runtime, line.id, refs)
        except InvalidVin as exc:
            errors["curtail"] = t("dealer.error.vin_invalid", reason=exc.reason)
        except NotFound:
            errors["curtail"] = t("dealer.error.not_on_line", vin=text)
    if not errors and paid is not None:
        (ref,) = refs
        try:
            _acting(visitor).record_curtailments([(ref.vin_hash, paid)])
        except Conflict as exc:
            errors["paid"] = t("lending.error.refused", detail=str(exc))
        except TransactionReverted as exc:
            if exc.error == "FloorPlanInvalidPayment":
                principal = int(exc.arguments["principal"])
                errors["paid"] = t("lending.error.payment", principal=amount(principal))
            else:
                errors["paid"] = _refused(visitor, exc)
    if errors:
        form = {"curtail": text, "paid": reader.text("paid")}
        return lender_line_view(visitor, line, errors=errors, form=form, status=400)
    query = urlencode({"done": "curtailment", "vin": refs[0].label, "amount": paid})
    return visitor.redirect(f"/lender/lines/{line.id}?{query}")


# ------------------------------------------------------------------ refinancing


@router.post("/lender/lines/{line_id}/transfer-offers")
def offer_transfer(visitor: LenderVisitor, line_id: int) -> Response:
    """Offer a vehicle's lien to another lender's line of the same dealer (as ``POST
    /v1/lines/{id}/transfer-offers``; line 0 withdraws the offer), then the line's page."""
    line = _own_line(visitor, line_id)
    return act_once(visitor, lambda: _offer_transfer(visitor, line))


def _offer_transfer(visitor: Visitor, line: Line) -> Response:
    t, reader = visitor.t, _reader(visitor)
    text = reader.text("vin")
    to_line = reader.whole("to_line", minimum=0, maximum=2**64 - 1, key="lending.error.to_line")
    errors = dict(reader.errors)
    refs = []
    if not text:
        errors["transfer"] = t("lending.error.transfer_vin")
    else:
        try:
            refs = vehicle_refs([text])
        except InvalidVin as exc:
            errors["transfer"] = t("dealer.error.vin_invalid", reason=exc.reason)
    if not errors and to_line is not None:
        try:
            lending.offer_transfers(visitor.runtime, _acting(visitor), line.id, refs, to_line)
        except NotFound:
            errors["transfer"] = t("dealer.error.not_on_line", vin=text)
        except Conflict as exc:
            errors["transfer"] = t("lending.error.refused", detail=str(exc))
        except TransactionReverted as exc:
            if exc.error in ("FloorPlanInvalidTransferLine", "FloorPlanUnknownLine"):
                errors["to_line"] = t("lending.error.transfer_line")
            elif exc.error == "FloorPlanInvalidStatus":
                errors["transfer"] = t("lending.error.transfer_status")
            else:
                errors["transfer"] = _refused(visitor, exc)
    if errors:
        form = {"transfer": text, "to_line": reader.text("to_line")}
        return lender_line_view(visitor, line, errors=errors, form=form, status=400)
    done = "offered" if to_line else "withdrawn"
    query = urlencode({"done": done, "vin": refs[0].label, "to": to_line})
    return visitor.redirect(f"/lender/lines/{line.id}?{query}")


@router.post("/lender/lines/{line_id}/transfer-acceptances")
def accept_transfer(visitor: LenderVisitor, line_id: int) -> Response:
    """Accept a lien offered to this line (as ``POST /v1/lines/{id}/transfer-acceptances``):
    the lender advances the old payoff as the new principal; then the line's page."""
    line = _own_line(visitor, line_id)
    return act_once(visitor, lambda: _accept_transfer(visitor, line))


def _accept_transfer(visitor: Visitor, line: Line) -> Response:
    t = visitor.t
    text = visitor.form.get("vin", "").strip()
    error = None
    try:
        refs = vehicle_refs([text])
        done = lending.accept_transfers(visitor.runtime, _acting(visitor), line.id, refs)
    except (InvalidVin, NotFound):
        error = t("lending.error.not_offered")
    except Conflict as exc:
        error = t("lending.error.refused", detail=str(exc))
    except TransactionReverted as exc:
        error = _refused(visitor, exc)
    if error is not None:
        return lender_line_view(visitor, line, errors={"accept": error}, status=400)
    (ref,) = refs
    query = urlencode({"done": "accepted", "vin": ref.label, "amount": done.total})
    return visitor.redirect(f"/lender/lines/{line.id}?{query}")


# ------------------------------------------------------------------ freeze, unfreeze, close

STATUS_ACTIONS = {"freeze": "freeze_line", "unfreeze": "unfreeze_line", "close": "close_line"}
"""The line's status forms and the client method each calls, as ``POST
/v1/lines/{id}/freeze|unfreeze|close`` do."""

STATUS_DONE = {"freeze": "frozen", "unfreeze": "unfrozen", "close": "closed"}


@router.post("/lender/lines/{line_id}/freeze")
def freeze_line(visitor: LenderVisitor, line_id: int) -> Response:
    """Freeze the line against new advances (as ``POST /v1/lines/{id}/freeze``)."""
    line = _own_line(visitor, line_id)
    return act_once(visitor, lambda: _change_status(visitor, line, "freeze"))


@router.post("/lender/lines/{line_id}/unfreeze")
def unfreeze_line(visitor: LenderVisitor, line_id: int) -> Response:
    """Reopen the frozen line (as ``POST /v1/lines/{id}/unfreeze``)."""
    line = _own_line(visitor, line_id)
    return act_once(visitor, lambda: _change_status(visitor, line, "unfreeze"))


@router.post("/lender/lines/{line_id}/close")
def close_line(visitor: LenderVisitor, line_id: int) -> Response:
    """Close the line for good, once no lien on it is active (as ``POST
    /v1/lines/{id}/close``)."""
    line = _own_line(visitor, line_id)
    return act_once(visitor, lambda: _change_status(visitor, line, "close"))


def _change_status(visitor: Visitor, line: Line, action: str) -> Response:
    t = visitor.t
    error = None
    try:
        getattr(_acting(visitor), STATUS_ACTIONS[action])(line.id)
    except Conflict as exc:
        error = t("lending.error.refused", detail=str(exc))
    except TransactionReverted as exc:
        if exc.error == "FloorPlanLineHasLiens":
            error = t("lending.error.has_liens", count=int(exc.arguments["activeLiens"]))
        elif exc.error == "FloorPlanInvalidLineStatus":
            error = t("lending.error.status_changed")
        else:
            error = _refused(visitor, exc)
    if error is not None:
        return lender_line_view(visitor, line, errors={"line_status": error}, status=409)
    return visitor.redirect(f"/lender/lines/{line.id}?done={STATUS_DONE[action]}")
