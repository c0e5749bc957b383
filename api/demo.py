"""The embedded demo consortium: two lenders, three dealers and one of every other role."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from web3.types import TxParams, Wei

from api.apikeys import create_api_key
from api.runtime import Runtime
from ledger.consortium import Member, Role

DEMO_FUNDING = 100 * 10**18
"""Wei given to each demo key on a chain that charges gas, legacy or EIP-1559 (anvil's and
scripts/consortium-net's dev accounts hold 10,000 ETH)."""

DEMO_MEMBERS: list[tuple[str, tuple[Role, ...]]] = [
    ("Huaxia Auto Finance", (Role.LENDER, Role.AUDITOR)),
    ("Pacific Commercial Bank", (Role.LENDER, Role.AUDITOR)),
    ("Sunrise Motors", (Role.DEALER,)),
    ("Golden Wheel Auto Mall", (Role.DEALER,)),
    ("Harbor City Cars", (Role.DEALER,)),
    ("Steadfast Collections", (Role.COLLECTOR,)),
    ("Lex & Partners Legal", (Role.LEGAL,)),
    ("Auto Finance Regulatory Office", (Role.REGULATOR,)),
    ("ChainNotary Services", (Role.NOTARY,)),
    ("Consortium Settlement Bank", (Role.SETTLEMENT_BANK,)),
]


@dataclass(frozen=True, kw_only=True)
class DemoMember:
    """A demo member and a fresh API key for it."""

    member: Member
    token: str
    created: bool


def run_demo(
    runtime: Runtime, *, progress: Callable[[str], None] = lambda _: None
) -> list[DemoMember]:
    """Admit the demo members that are missing, then make one new API key per member.

    Each member gets its own key, held in the service's keyring, and on a chain that charges
    gas (`Fees.charges_gas`: a legacy gas price or an EIP-1559 max fee above 0) is funded by
    the operator. The operator is the sole governor (quorum 1) of a new consortium, so it
    proposes and executes each admission; with a higher quorum the proposals wait for votes.
    Running it again admits nobody twice and prints new API keys.
    """
    if runtime.keyring is None:
        raise RuntimeError("the demo needs a keyring: set AUTOLEDGER_KEYRING_PASSWORD")
    consortium = runtime.consortium
    existing = {m.name: m for m in consortium.members()}
    charges_gas = runtime.chain.fees().charges_gas
    result: list[DemoMember] = []
    operator = consortium.member(runtime.operator.address)
    result.append(DemoMember(member=operator, token=_token(runtime, operator), created=False))
    for name, roles in DEMO_MEMBERS:
        member = existing.get(name)
        created = member is None
        if member is None:
            progress(f"admitting {name}")
            account = runtime.keyring.create()
            if charges_gas:
                funding: TxParams = {"to": account.address, "value": Wei(DEMO_FUNDING)}
                runtime.operator.send(funding)
            proposal = consortium.propose_admit(account.address, name, roles)
            if consortium.current_approvals(proposal) >= consortium.quorum():
                consortium.execute(proposal)
            member = consortium.member(account.address)
        result.append(DemoMember(member=member, token=_token(runtime, member), created=created))
    return result


def _token(runtime: Runtime, member: Member) -> str:
    _, token = create_api_key(runtime.engine, member_id=member.id, label="demo")
    return token
