"""The production contracts and the order they are deployed in."""

from __future__ import annotations

from collections.abc import Sequence

from ledger.chain import Address
from ledger.deployments import ContractSpec
from ledger.dispute_window import DEFAULT_DISPUTE_WINDOW


def deployment_plan(
    *,
    operator: Address,
    governors: Sequence[Address] = (),
    governor_names: Sequence[str] = (),
    quorum: int = 1,
    currency: str = "CNY",
    dispute_window: int = DEFAULT_DISPUTE_WINDOW,
) -> list[ContractSpec]:
    """The contracts to deploy, in dependency order.

    The consortium starts with `governors` (default: the operator alone, quorum 1); further
    members are admitted through governance proposals.
    """
    if governors:
        members = list(governors)
        names = list(governor_names) or [f"Governor {i + 1}" for i in range(len(members))]
    else:
        members, names = [operator], ["AutoLedger operator"]
    return [
        ContractSpec(name="Consortium", args=lambda _: (members, names, quorum)),
        ContractSpec(name="EvidenceRegistry", args=lambda seen: (seen["Consortium"],)),
        # FloorPlan deploys its LotAudit itself (read it with FloorPlan.lotAudit()).
        ContractSpec(name="FloorPlan", args=lambda seen: (seen["Consortium"],)),
        ContractSpec(
            name="SettlementToken",
            args=lambda seen: (
                seen["Consortium"],
                f"AutoLedger {currency} Deposit",
                f"AL{currency}",
                currency,
                2,
            ),
        ),
        ContractSpec(
            name="Clearing",
            args=lambda seen: (seen["Consortium"], seen["SettlementToken"], dispute_window),
        ),
    ]
