"""The regulator's audit pages: the trail (timeline) of a vehicle, a case or a member; the
audit verification; rule breaches with charts; and the signed export bundle.

Each page calls the functions its `/v1` route calls (`oversight.views`, `oversight.audit`,
`notary.contacts`), so a page and the API never disagree.
"""

from __future__ import annotations

import csv
import io
import json
import re
import time as clock
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from datetime import time as dt_time
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response, StreamingResponse

from api.errors import NotFound
from api.inputs import parse_day
from api.pages.charts import BarChart, bar_chart
from api.pages.check_details import breach_detail
from api.pages.i18n import Translator
from api.pages.site import Visitor, role_page
from api.pages.trail_sentences import (
    EVENTS,
    EVIDENCE,
    VIN_ARGS,
    Moment,
    Sentence,
    TrailNames,
    say,
    say_time,
)
from ledger.consortium import Member, Role
from ledger.indexer import MAX_PAGE, StoredEvent, indexed_through
from ledger.inventory import VehicleRef, vin_directory
from ledger.vin import InvalidVin
from notary.case_reports import list_reports, report_text
from notary.contacts import Window, list_violations, load_rules, summary
from notary.queries import sees_all
from oversight.audit import (
    AuditError,
    Auditor,
    AuditReport,
    Checkpoint,
    bundle_file_name,
    check_export_range,
    export_days,
)
from oversight.views import (
    audit_lines,
    case_items,
    case_timeline,
    line_parties,
    member_accounts,
    member_lines,
    member_names,
    member_timeline,
    sees_everything,
    vehicle_timeline,
    visible_member_addresses,
)

router = APIRouter(include_in_schema=False)

Regulator = Annotated[Visitor, Depends(role_page(Role.REGULATOR))]

TRAIL_KINDS = ("vehicle", "case", "member")

TRAIL_LIMIT = 100
"""Entries a trail page lists; longer trails page on (`start`, the first entry shown), as the
API's timelines page with their cursors, and the CSV holds them all. 500 sentences made a
lender's trail a 660 KiB page of 817 ms (`scripts/bench-pages`, 1,000 vehicles)."""

BREACH_ROWS = 100
"""Breaches listed under the charts, newest first; the charts and totals count them all."""

MAX_FILLED_DAYS = 92
"""Longest day range the per-day chart draws with a bar for every day, breaches or not; past
a quarter the chart keeps the days that have breaches, or the bars would be hairlines."""


@dataclass(frozen=True, kw_only=True)
class TrailEntry:
    """One row of a trail: a chain event, or (case trails) an evidence item's submission
    (`contract` `EVIDENCE`, no block); `sentence` says it, `args` are the raw arguments."""

    at: datetime
    name: str
    contract: str | None
    block_number: int | None
    tx_hash: str | None
    log_index: int | None
    args: Mapping[str, Any]
    evidence_ids: tuple[str, ...] = ()
    sentence: Sentence | None = None
    moment: Moment | None = None
    """The entry's time as the sentences say one (set with the sentence)."""

    @property
    def kind(self) -> str:
        """``Contract.Event``: what the event-kind filter matches."""
        return f"{self.contract}.{self.name}" if self.contract else self.name

    @property
    def details(self) -> tuple[tuple[str, str], ...]:
        """The raw arguments as shown (smallest units, Unix times, hex)."""
        return tuple((k, _show(v)) for k, v in self.args.items() if v is not None)


@dataclass(frozen=True, kw_only=True)
class TrailFilter:
    """What narrows a trail: one event kind (``Contract.Event``), and days (UTC, both
    included)."""

    kind: str | None = None
    first: date | None = None
    last: date | None = None

    @property
    def since(self) -> datetime | None:
        """The first moment kept."""
        return None if self.first is None else datetime.combine(self.first, dt_time(), UTC)

    @property
    def before(self) -> datetime | None:
        """The first moment past the range (`parse_day` keeps `last` below 9999-12-31)."""
        if self.last is None:
            return None
        return datetime.combine(self.last + timedelta(days=1), dt_time(), UTC)

    @property
    def active(self) -> bool:
        """Whether anything is filtered out."""
        return self.kind is not None or self.first is not None or self.last is not None

    def keeps(self, entry: TrailEntry) -> bool:
        """Whether `entry` passes."""
        at = entry.at if entry.at.tzinfo else entry.at.replace(tzinfo=UTC)
        return (
            (self.kind is None or entry.kind == self.kind)
            and (self.since is None or at >= self.since)
            and (self.before is None or at < self.before)
        )


EVENT_KINDS = tuple(sorted(f"{contract}.{event}" for contract, event in EVENTS))
"""The event kinds the filter offers: every event the contracts emit, and submissions."""


@dataclass(kw_only=True)
class Trail:
    """What a trail search found: the subject as shown, the entries, and how many in all."""

    subject: str
    entries: list[TrailEntry]
    total: int
    indexed_through: int | None
    notes: list[str] = field(default_factory=list)
    start: int = 0
    """Position of the first entry shown, in the whole (filtered) trail."""


def _show(value: Any) -> str:
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_show(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {_show(v)}" for k, v in value.items()) + "}"
    return str(value)


def _event_entry(e: StoredEvent) -> TrailEntry:
    return TrailEntry(
        at=e.block_time,
        name=e.event,
        contract=e.contract,
        block_number=e.block_number,
        tx_hash=e.tx_hash,
        log_index=e.log_index,
        args=e.args,
    )


def _member_named(members: list[Member], text: str) -> Member | None:
    if text.isdigit():
        return next((m for m in members if m.id == int(text)), None)
    wanted = text.casefold()
    return next((m for m in members if m.name.casefold() == wanted), None)


class TrailProblem(Exception):
    """A trail search that finds nothing to show: `message` says why (in the visitor's
    language), `status` is 400 for input that is not a VIN, 404 for nothing recorded."""

    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


def trail_names(visitor: Visitor, entries: list[TrailEntry]) -> TrailNames:
    """What the sentences of `entries` name, from the index: members, their addresses, the
    lines' parties, the audits' lines, and the VINs of the vehicles on lines the visitor may
    see (every line for a regulator)."""
    runtime = visitor.runtime
    engine, chain_id = runtime.engine, runtime.chain.chain_id
    principal = visitor.member
    hashes = {
        str(value).lower()
        for entry in entries
        for key, value in entry.args.items()
        if key in VIN_ARGS and value is not None
    }
    lines = (
        None if sees_everything(principal) else member_lines(engine, chain_id, principal.member_id)
    )
    found = vin_directory(runtime).names(sorted(hashes), lines=lines)
    return TrailNames(
        members=member_names(engine, chain_id),
        accounts=member_accounts(engine, chain_id),
        lines=line_parties(engine, chain_id),
        audits=audit_lines(engine, chain_id),
        vins={key.lower(): name.vin for key, name in found.items()},
        currency=runtime.settings.currency,
        zone=visitor.zone,
    )


def said(visitor: Visitor, entries: list[TrailEntry]) -> list[TrailEntry]:
    """`entries` with their sentences and times in the visitor's language."""
    names = trail_names(visitor, entries)
    t = visitor.t
    return [
        replace(
            e,
            sentence=say(e.contract, e.name, e.args, names, t),
            moment=say_time(e.at, names, t),
        )
        for e in entries
    ]


def find_trail(
    visitor: Visitor,
    kind: str,
    text: str,
    t: Translator,
    *,
    start: int = 0,
    limit: int | None = TRAIL_LIMIT,
    narrow: TrailFilter | None = None,
) -> Trail:
    """The trail of `text` read as a `kind` (a VIN or VIN hash, a case reference, a member
    number or name), as the `/v1/views/.../timeline` routes read it, narrowed by `narrow`:
    `limit` entries (None: all) from position `start`; raises `TrailProblem`."""
    narrow = narrow or TrailFilter()
    runtime = visitor.runtime
    chain_id = runtime.chain.chain_id
    through = indexed_through(runtime.engine, chain_id)
    principal = visitor.member
    end = None if limit is None else start + limit
    if kind == "vehicle":
        try:
            ref = VehicleRef.parse(text)
        except InvalidVin as exc:
            raise TrailProblem(t(f"trail.error.vin_{exc.problem}", vin=text), 400) from exc
        found = vehicle_timeline(runtime.engine, chain_id, ref.vin_hash, principal)
        if not found:
            raise TrailProblem(t("trail.error.no_vehicle", vin=ref.label), 404)
        kept = [e for e in map(_event_entry, found) if narrow.keeps(e)]
        return Trail(
            subject=ref.label,
            entries=said(visitor, kept[start:end]),
            total=len(kept),
            indexed_through=through,
            start=start,
        )
    if kind == "case":
        commitment = runtime.intake.case_commitment(text)
        items = case_items(runtime.engine, commitment, principal, sees_all=sees_all(principal))
        if not items:
            raise TrailProblem(t("trail.error.no_case", case=text), 404)
        entries = [
            TrailEntry(
                at=e.at,
                name=e.name,
                contract=e.contract if e.kind == "event" else EVIDENCE,
                block_number=e.block_number,
                tx_hash=e.tx_hash,
                log_index=e.log_index,
                args={k: v for k, v in e.args.items() if v is not None},
                evidence_ids=e.evidence_ids,
            )
            for e in case_timeline(runtime.engine, chain_id, items)
        ]
        kept = [e for e in entries if narrow.keeps(e)]
        return Trail(
            subject=text,
            entries=said(visitor, kept[start:end]),
            total=len(kept),
            indexed_through=through,
            notes=[t("trail.case_commitment", commitment=commitment)],
            start=start,
        )
    member = _member_named(runtime.members.all(), text)
    if member is None:
        raise TrailProblem(t("trail.error.no_member", member=text), 404)
    try:
        addresses = visible_member_addresses(runtime.engine, chain_id, member.id, principal)
    except NotFound as exc:
        raise TrailProblem(t("trail.error.no_member", member=text), 404) from exc
    contract, _, event = (narrow.kind or "").partition(".")
    events: list[StoredEvent] = []
    while True:
        page, total = member_timeline(
            runtime.engine,
            chain_id=chain_id,
            member_id=member.id,
            addresses=addresses,
            contract=contract or None,
            event=event or None,
            since=narrow.since,
            before=narrow.before,
            offset=start + len(events),
            limit=MAX_PAGE if limit is None else min(limit - len(events), MAX_PAGE),
        )
        events += page
        if not page or (limit is not None and len(events) >= limit):
            break
        if start + len(events) >= total:
            break
    return Trail(
        subject=f"{member.name} (#{member.id})",
        entries=said(visitor, [_event_entry(e) for e in events]),
        total=total,
        indexed_through=through,
        notes=[t("trail.addresses", addresses=", ".join(addresses))],
        start=start,
    )


def _trail_filter(
    query: Mapping[str, str], errors: dict[str, str], t: Translator
) -> tuple[TrailFilter, dict[str, str]]:
    """The filters of the query (event kind, `from` and `to` days) and the form's values;
    a bad one is named in `errors`."""
    form = {name: query.get(name, "").strip() for name in ("event", "from", "to")}
    kind = form["event"] or None
    if kind is not None and kind not in EVENT_KINDS:
        errors["event"] = t("trail.filter.error.event")
        kind = None
    first, last = _range(form, errors, t)
    return TrailFilter(kind=kind, first=first, last=last), form


def _search(visitor: Visitor, request: Request, *, limit: int | None) -> dict[str, Any]:
    """The trail page's context for the query: the form, its errors, the trail found and
    the answer's status."""
    query = request.query_params
    kind = query.get("kind", "vehicle")
    text = query.get("q", "").strip()
    errors: dict[str, str] = {}
    t = visitor.t
    found: Trail | None = None
    status = 200
    narrow, filters = _trail_filter(query, errors, t)
    if kind not in TRAIL_KINDS:
        errors["kind"] = t("trail.error.kind")
    elif "q" in query:
        if not text:
            errors["q"] = t(f"trail.error.empty_{kind}")
        elif len(text) > 200:
            errors["q"] = t("trail.error.long")
        elif not errors:
            start = query.get("start", "0")
            try:
                found = find_trail(
                    visitor,
                    kind,
                    text,
                    t,
                    start=int(start) if start.isdigit() else 0,
                    limit=limit,
                    narrow=narrow,
                )
            except TrailProblem as problem:
                errors["q"], status = problem.message, problem.status
    if errors and status == 200:
        status = 400
    form = {"kind": kind if kind in TRAIL_KINDS else "vehicle", "q": text, **filters}
    return {"status": status, "form": form, "errors": errors, "trail": found, "narrow": narrow}


@router.get("/oversight/trail")
def trail(visitor: Regulator, request: Request) -> Response:
    """The audit trail of a vehicle (VIN), a case (reference) or a member, each entry said
    as a sentence with its raw event one click away; filtered by event kind and days."""
    found = _search(visitor, request, limit=TRAIL_LIMIT)
    return visitor.page(
        "oversight_trail.html",
        status=found["status"],
        kinds=TRAIL_KINDS,
        event_kinds=EVENT_KINDS,
        form=found["form"],
        errors=found["errors"],
        trail=found["trail"],
        narrow=found["narrow"],
        limit=TRAIL_LIMIT,
        members=visitor.runtime.members.all(),
        csv_query=urlencode({k: v for k, v in found["form"].items() if v and k != "start"}),
    )


CSV_COLUMNS = ("time_utc", "contract", "event", "block", "tx_hash", "log_index", "evidence",
               "args", "sentence")  # fmt: skip
"""The trail's CSV: UTC times and raw arguments (smallest units, Unix times), then the
sentence in the reader's language."""


def trail_csv(entries: list[TrailEntry]) -> str:
    """The entries as CSV (`CSV_COLUMNS`), one row each, with a header."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for e in entries:
        at = (e.at if e.at.tzinfo else e.at.replace(tzinfo=UTC)).astimezone(UTC)
        writer.writerow(
            (
                at.strftime("%Y-%m-%dT%H:%M:%SZ"),
                e.contract if e.block_number is not None else "",
                e.name,
                "" if e.block_number is None else e.block_number,
                e.tx_hash or "",
                "" if e.log_index is None else e.log_index,
                " ".join(e.evidence_ids),
                json.dumps(dict(e.args), ensure_ascii=False, separators=(",", ":")),
                e.sentence.text if e.sentence else "",
            )
        )
    return out.getvalue()


@router.get("/oversight/trail.csv")
def trail_download(visitor: Regulator, request: Request) -> Response:
    """The whole filtered trail as CSV; a bad search or filter is the trail page's 400/404."""
    found = _search(visitor, request, limit=None)
    result: Trail | None = found["trail"]
    if result is None:
        return trail(visitor, request)
    slug = re.sub(r"[^A-Za-z0-9-]+", "-", found["form"]["q"]).strip("-")[:60] or "trail"
    name = f"trail-{found['form']['kind']}-{slug}.csv"
    return visitor.send(
        Response(
            trail_csv(result.entries),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{name}"'},
        )
    )


# ------------------------------------------------------------------ verification


@dataclass(frozen=True, kw_only=True)
class AuditRun:
    """One run of the audit verification from the page: its report, when, how long, by whom."""

    report: AuditReport
    started_at: datetime
    seconds: float
    member_name: str


def _last_run(request: Request) -> AuditRun | None:
    run: AuditRun | None = getattr(request.app.state, "last_audit_run", None)
    return run


@router.get("/oversight/verification")
def verification(visitor: Regulator, request: Request) -> Response:
    """The last audit verification run in this process, and a button to run it now."""
    return visitor.page(
        "oversight_verification.html", run=_last_run(request), form={"checkpoint": ""}, errors={}
    )


@router.post("/oversight/verification")
def run_verification(visitor: Regulator, request: Request) -> Response:
    """Run the audit verification (as `GET /v1/audit/verify`) and show its report."""
    text = visitor.form.get("checkpoint", "").strip()
    checkpoint = None
    if text:
        try:
            checkpoint = Checkpoint.parse(text)
        except ValueError:
            return visitor.page(
                "oversight_verification.html",
                status=400,
                run=_last_run(request),
                form={"checkpoint": text},
                errors={"checkpoint": visitor.t("auditrun.error.checkpoint")},
            )
    started, tick = datetime.now(UTC), clock.monotonic()
    report = Auditor.of(visitor.runtime).verify(checkpoint=checkpoint)
    request.app.state.last_audit_run = AuditRun(
        report=report,
        started_at=started,
        seconds=clock.monotonic() - tick,
        member_name=visitor.member.name,
    )
    return visitor.redirect("/oversight/verification")


# ------------------------------------------------------------------ rule breaches


def _day(form: Mapping[str, str], name: str, errors: dict[str, str], t: Translator) -> date | None:
    text = form.get(name, "").strip()
    if not text:
        return None
    try:
        return parse_day(text)  # the API's range: 9999-12-31 has no next day
    except ValueError:
        errors[name] = t("oversight_form.error.date")
        return None


def _range(
    form: Mapping[str, str], errors: dict[str, str], t: Translator
) -> tuple[date | None, date | None]:
    first, last = _day(form, "from", errors, t), _day(form, "to", errors, t)
    if first is not None and last is not None and last < first:
        errors["to"] = t("oversight_form.error.order")
    return first, last


def _per_day_chart(
    per_day: list[dict[str, Any]], first: date | None, last: date | None
) -> BarChart:
    totals: dict[str, int] = {}
    for row in per_day:
        totals[row["date"]] = totals.get(row["date"], 0) + int(row["count"])
    days = sorted(totals)
    start = first or (date.fromisoformat(days[0]) if days else None)
    end = last or (date.fromisoformat(days[-1]) if days else None)
    if start is not None and end is not None and (end - start).days < MAX_FILLED_DAYS:
        span = (end - start).days + 1
        days = [(start + timedelta(days=n)).isoformat() for n in range(span)]
    return bar_chart([(day, totals.get(day, 0)) for day in days], max_labels=12)


@router.get("/oversight/breaches")
def breaches(visitor: Regulator, request: Request) -> Response:
    """Collection rule breaches: per day and by hour of day (debtor time), with the list."""
    t = visitor.t
    form = {name: request.query_params.get(name, "").strip() for name in ("from", "to")}
    errors: dict[str, str] = {}
    first, last = _range(form, errors, t)
    context: dict[str, Any] = {"form": form, "errors": errors}
    if errors:
        return visitor.page("oversight_breaches.html", status=400, **context)
    runtime = visitor.runtime
    # the regulator reads every collector's contacts, as `GET /v1/compliance/summary` does
    window = Window.of_days(collector_id=None, first=first, last=last)
    counts = summary(runtime.engine, window)
    rows, total = list_violations(runtime.engine, window, limit=BREACH_ROWS)
    rules = load_rules(runtime.settings.var_dir)
    outside = frozenset(
        f"{hour:02d}"
        for hour in range(24)
        if not rules.contact_start.hour <= hour < rules.contact_end.hour
        and not (hour == rules.contact_end.hour and rules.contact_end.minute > 0)
    )
    hours: BarChart = bar_chart(
        [(f"{h['hour']:02d}", int(h["count"])) for h in counts["contacts_by_hour"]],
        marked=outside,
    )
    per_day_rules: dict[str, dict[str, int]] = {}
    for row in counts["violations_per_day"]:
        per_day_rules.setdefault(row["date"], {})[row["rule"]] = int(row["count"])
    return visitor.page(
        "oversight_breaches.html",
        **context,
        totals=counts["totals"],
        per_day=_per_day_chart(counts["violations_per_day"], first, last),
        per_day_rules=per_day_rules,
        rule_names=sorted({row["rule"] for row in counts["violations_per_day"]}),
        hours=hours,
        contact_start=rules.contact_start.strftime("%H:%M"),
        contact_end=rules.contact_end.strftime("%H:%M"),
        rules_version=rules.version,
        violations=rows,
        breach_detail=breach_detail,
        violation_total=total,
        shown=BREACH_ROWS,
        names={m.id: m.name for m in runtime.members.all()},
        reports=[
            (r, report_text(runtime.blobs, r))
            for r in list_reports(runtime.engine, limit=BREACH_ROWS)
        ],
    )


# ------------------------------------------------------------------ exports


@router.get("/oversight/exports")
def exports(visitor: Regulator) -> Response:
    """The export form: a range of days, downloaded as the signed bundle."""
    today = datetime.now(UTC).date()
    form = {"from": (today - timedelta(days=6)).isoformat(), "to": today.isoformat()}
    return visitor.page(
        "oversight_exports.html",
        form=form,
        errors={},
        registry=visitor.runtime.registry.address.lower(),
    )


@router.post("/oversight/exports")
def export_bundle_file(visitor: Regulator) -> Response:
    """Download the signed export bundle of the days (as `GET /v1/audit/export`)."""
    t = visitor.t
    form = {name: visitor.form.get(name, "").strip() for name in ("from", "to")}
    errors: dict[str, str] = {}
    first, last = _range(form, errors, t)
    for name, value in (("from", first), ("to", last)):
        if value is None and name not in errors:
            errors[name] = t("oversight_form.error.required")
    if first is not None and last is not None and not errors:
        try:
            check_export_range(first, last)
        except AuditError as exc:
            errors["to"] = str(exc)
    if errors or first is None or last is None:
        return visitor.page(
            "oversight_exports.html",
            status=400,
            form=form,
            errors=errors,
            registry=visitor.runtime.registry.address.lower(),
        )
    spool, size = export_days(visitor.runtime, first=first, last=last)

    def chunks() -> Iterator[bytes]:
        with spool:
            while chunk := spool.read(1 << 20):
                yield chunk

    name = bundle_file_name(first, last)
    return visitor.send(
        StreamingResponse(
            chunks(),
            media_type="application/zip",
            headers={
                "Content-Disposition": f'attachment; filename="{name}"',
                "Content-Length": str(size),
            },
        )
    )
