"""A lender's writes on its lines, as the `/v1` inventory routes and the lender's pages make
them: open a line for a dealer, advance on vehicles (and describe them in the VIN directory),
release liens, refinance (offer a lien to another lender's line, accept one offered), act on a
lot audit it opened. One function per action, so the API and the pages
cannot drift apart.

Each takes the floor plan acting as the lender (`FloorPlanClient.as_sender`); checking that
the line is the caller's (`ledger.inventory.lender_line`) is the caller's first step.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from ledger.consortium import ConsortiumClient, Principal, Role
from ledger.errors import Conflict, NotFound, TransactionReverted, Unprocessable
from ledger.financing import LineTerms, Payoff
from ledger.floorplan import Audit, FloorPlanClient, LineId, Vehicle
from ledger.inventory import (
    Pledge,
    Runtime,
    VehicleRef,
    advance,
    floor_plan_index,
    vehicles_on_line,
    visible_audit,
)
from ledger.transactions import Sent
from ledger.vin_directory import VinDirectory


def open_line(
    client: FloorPlanClient,
    consortium: ConsortiumClient,
    *,
    dealer_id: int,
    limit: int,
    terms: LineTerms,
) -> LineId:
    """Open a line of `client`'s sender for member `dealer_id`; `Unprocessable` when that is
    no member or no dealer, `InvalidTerms` for terms the contract would refuse."""
    try:
        dealer = consortium.member(dealer_id)
    except TransactionReverted as exc:
        raise Unprocessable(f"no member {dealer_id}") from exc
    if Role.DEALER not in dealer.roles:
        raise Unprocessable(f"member {dealer.id} ({dealer.name}) is not a dealer")
    return client.open_line(dealer.address, limit, terms.validate())


@dataclass(frozen=True, kw_only=True)
class Advanced:
    """An advance's transaction and the principal advanced on each VIN hash."""

    sent: Sent
    advances: dict[bytes, int]

    @property
    def total(self) -> int:
        """Principal advanced over the vehicles."""
        return sum(self.advances.values())


def advance_and_describe(
    client: FloorPlanClient,
    directory: VinDirectory,
    line_id: int,
    vehicles: Sequence[tuple[Pledge, Mapping[str, str]]],
    registration: str | None,
) -> Advanced:
    """Advance on `vehicles` ((pledge, description) pairs: make, model, colour, stock_number)
    in one transaction (`ledger.inventory.advance`: `Unprocessable`, `PledgeConflict`), then
    record them in the VIN directory once the transaction is final."""
    pledges = [pledge for pledge, _ in vehicles]
    sent = advance(client, line_id, pledges, registration)
    directory.record(line_id, [p.entry(**dict(d)) for p, d in vehicles])
    advances = {
        bytes(e.args["vinHash"]): int(e.args["advance"])
        for e in client.events(sent)
        if e.name == "VehicleFinanced"
    }
    return Advanced(sent=sent, advances=advances)


@dataclass(frozen=True, kw_only=True)
class Released:
    """A release transaction and the payoff charged for each VIN hash: (principal, interest,
    fee)."""

    sent: Sent
    charged: dict[bytes, tuple[int, int, int]]


def release_liens(client: FloorPlanClient, refs: Sequence[VehicleRef]) -> Released:
    """Record the payoffs of `refs` received: their liens are released (the caller checked
    that each is under an active lien on its line, `ledger.inventory.vehicles_on_line`)."""
    sent = client.release([r.vin_hash for r in refs])
    charged = {
        bytes(e.args["vinHash"]): (
            int(e.args["principal"]),
            int(e.args["interest"]),
            int(e.args["fee"]),
        )
        for e in client.events(sent)
        if e.name == "LienReleased"
    }
    return Released(sent=sent, charged=charged)


def offer_transfers(
    runtime: Runtime,
    client: FloorPlanClient,
    line_id: int,
    refs: Sequence[VehicleRef],
    to_line_id: int,
) -> Sent:
    """Offer the liens of `refs` on line `line_id` to line `to_line_id` of the same dealer (0
    withdraws the offers): `NotFound` naming the first vehicle not under an active lien on the
    line; the contract reverts ``FloorPlanInvalidTransferLine`` for the line's own id or another
    dealer's line. The caller checked the line is its own."""
    vehicles_on_line(runtime, line_id, refs)
    return client.offer_transfer([r.vin_hash for r in refs], to_line_id)


@dataclass(frozen=True, kw_only=True)
class Offered:
    """A lien offered to a line: accepting it advances `payoff.total` as the new principal."""

    vehicle: Vehicle
    payoff: Payoff


def incoming_transfers(runtime: Runtime, line_id: int) -> list[Offered]:
    """The liens offered to line `line_id`, oldest offer first, with the payoff accepting each
    would advance now (the caller checked the line is one it may see)."""
    index = floor_plan_index(runtime)
    found = []
    for offered in index.offered_to(line_id):
        if not offered.vehicle.status.pledged:
            continue
        found.append(Offered(vehicle=offered.vehicle, payoff=offered.payoff(index.now)))
    return found


def accept_transfers(
    runtime: Runtime, client: FloorPlanClient, line_id: int, refs: Sequence[VehicleRef]
) -> Advanced:
    """Accept the liens of `refs` offered to line `line_id` (`NotFound` naming the first that
    is not offered to it): `client`'s sender advances each old payoff (principal, interest
    and fee) as the new principal, per VIN hash in the answer. The caller checked the line is
    its own."""
    for ref in refs:
        vehicle = runtime.floorplan.vehicle(ref.vin_hash)
        if vehicle is None or vehicle.transfer_offer_line_id != line_id:
            raise NotFound(f"no lien on {ref.label} is offered to line {line_id}")
    sent = client.accept_transfer(line_id, [r.vin_hash for r in refs])
    advances = {
        bytes(e.args["vinHash"]): int(e.args["principal"])
        + int(e.args["interest"])
        + int(e.args["fee"])
        for e in client.events(sent)
        if e.name == "LienTransferred"
    }
    return Advanced(sent=sent, advances=advances)


def opened_audit(runtime: Runtime, principal: Principal, audit_id: int) -> Audit:
    """Audit `audit_id` if `principal` opened it: `NotFound` if it may not see it, `Conflict`
    if another member opened it (only the opener reveals, records and closes)."""
    audit = visible_audit(runtime, principal, audit_id)
    if audit.opener_id != principal.member_id:
        raise Conflict(f"only the member that opened audit {audit_id} acts on it")
    return audit
