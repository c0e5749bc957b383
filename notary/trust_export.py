"""The trust root of the running consortium, read from its deployment and member registry:
what `autoledger trust export`, the public route and every certificate publish."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime

from ledger.consortium import ConsortiumClient, Role
from ledger.deployments import Deployed
from notary.records import Address, format_timestamp
from notary.trust import TrustedNotary, TrustRoot


def consortium_trust_root(
    *,
    chain_id: int,
    contracts: Mapping[str, Deployed],
    consortium: ConsortiumClient | None,
) -> TrustRoot:
    """The trust root of the deployment `contracts` on chain `chain_id`: the Consortium and
    EvidenceRegistry addresses and blocks, and the active NOTARY members now (read through
    `consortium`; none without it). Raises `KeyError` naming a contract the deployment
    lacks."""
    registry, members = contracts["EvidenceRegistry"], contracts["Consortium"]
    notaries = tuple(
        TrustedNotary(member_id=int(m.id), name=m.name, address=Address(m.address))
        for m in (consortium.members() if consortium is not None else [])
        if m.active and Role.NOTARY in m.roles
    )
    return TrustRoot(
        chain_id=chain_id,
        consortium=Address(members.address),
        consortium_block=members.block_number,
        registry=Address(registry.address),
        registry_block=registry.block_number,
        notaries=notaries,
        exported_at=format_timestamp(datetime.now(UTC).replace(microsecond=0)),
    )
