"""The EvidenceRegistry contract through `ledger.evidence`: anchoring, sequencing, supersession."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from eth_utils import event_abi_to_log_topic

from ledger.chain import Chain
from ledger.compiler import Artifacts
from ledger.consortium import ConsortiumClient, Role, deploy_consortium
from ledger.errors import TransactionReverted
from ledger.evidence import (
    BLOCKHASH_WINDOW,
    Anchor,
    EvidenceLog,
    EvidenceRegistryClient,
    ReasonCode,
    deploy_evidence_registry,
)
from ledger.keys import dev_account
from ledger.reverts import ErrorDecoder
from ledger.transactions import Sender, Sent

# Dev accounts: 0, 1, 2 found the consortium (quorum 1); 3 is admitted as a notary, 4 as a
# collector, 5 as a dealer, 7 as a second notary (by the tests that need one); 6 and 8 are
# fresh keys for rotations; 9 is never a member.
NOTARY, COLLECTOR, DEALER, NEW_KEY, SECOND_NOTARY, THIRD_KEY, STRANGER = 3, 4, 5, 6, 7, 8, 9
NOTARY_ID, COLLECTOR_ID, SECOND_NOTARY_ID = 4, 5, 7  # member ids, in order of admission
BATCH_SIZE = 1_000
ZERO = bytes(32)

GAS_PER_BATCH_LIMIT = 45_000
"""Bound on a steady-state `anchorBatch` (a notary's second batch onwards), base fee included.

Measured: 43,7xx gas, 44 per document at 1,000 documents a batch (the goal is 50). A batch
rewrites one slot and writes no new one; the transaction base (21,000) and its calldata
(~1,500), the consortium's role check (a cold contract and cold slots, ~10,000), the log slot
(read and rewrite, 5,000) and the event (~2,900) make most of it.
"""


def leaf(label: str) -> bytes:
    """A deterministic 32-byte hash standing in for a root, digest or evidence leaf hash."""
    return hashlib.sha256(label.encode()).digest()


# -- helpers ----------------------------------------------------------------------------------


@contextmanager
def reverts(error: str, **arguments: Any) -> Iterator[None]:
    """Expect the block to revert with custom error `error` and exactly these `arguments`."""
    with pytest.raises(TransactionReverted) as caught:
        yield
    assert (caught.value.error, caught.value.arguments) == (error, arguments)


def emitted(client: EvidenceRegistryClient, sent: Sent) -> list[tuple[str, dict[str, Any]]]:
    """The registry's events in `sent`, in log order, as (name, arguments)."""
    by_topic = {
        event_abi_to_log_topic(item): item["name"] for item in client.abi if item["type"] == "event"
    }
    found = []
    for log in sent.receipt["logs"]:
        assert log["address"] == client.address
        name = by_topic[bytes(log["topics"][0])]
        found.append((name, dict(getattr(client.contract.events, name)().process_log(log)["args"])))
    return found


def committed_block(client: EvidenceRegistryClient, sent: Sent) -> tuple[int, bytes]:
    """The recent block (number, hash) that the BatchAnchored event in `sent` committed to."""
    ((_, args),) = emitted(client, sent)
    return args["recentBlockNumber"], args["recentBlockHash"]


def latest(chain: Chain) -> tuple[int, bytes]:
    """Number and hash of the newest block."""
    block = chain.w3.eth.get_block("latest")
    return int(block["number"]), bytes(block["hash"])


def block_hash(chain: Chain, number: int) -> bytes:
    return bytes(chain.w3.eth.get_block(number)["hash"])


def block_time(chain: Chain, number: int) -> int:
    return int(chain.w3.eth.get_block(number)["timestamp"])


def mine(chain: Chain, blocks: int) -> None:
    """Mine `blocks` empty blocks (test-only RPC)."""
    chain.w3.provider.make_request("anvil_mine", [hex(blocks)])  # type: ignore[arg-type]


def advance(chain: Chain, seconds: int) -> None:
    """Move the chain's clock forward by `seconds` and mine a block (test-only RPC)."""
    chain.w3.provider.make_request("evm_increaseTime", [seconds])  # type: ignore[arg-type]
    chain.w3.provider.make_request("evm_mine", [])  # type: ignore[arg-type]


def anchor(
    client: EvidenceRegistryClient, root: bytes, *, size: int = 0, sequence: int = 0
) -> Sent:
    """Anchor `root` as `client`'s next batch (or batch `sequence`) of `BATCH_SIZE` more leaves
    (or a log of `size`), on a recent block."""
    number, hash_ = client.recent_block()
    sequence = sequence or client.next_sequence(client.sender.address)
    size = size or client.log_of(client.member_id(client.sender.address)).size + BATCH_SIZE
    return client.anchor_batch(root, size, sequence, number, hash_)


def admit(council: ConsortiumClient, sender: Sender, name: str, role: Role) -> None:
    council.execute(council.propose_admit(sender.address, name, [role]))


@pytest.fixture(scope="session")
def senders(chain: Chain, errors: ErrorDecoder, operator: Sender) -> list[Sender]:
    """One sender per anvil dev account; index i signs with dev_account(i)."""
    return [operator, *(Sender(chain, dev_account(i), errors=errors) for i in range(1, 10))]


@pytest.fixture
def council(fresh_chain: Chain, senders: list[Sender], artifacts: Artifacts) -> ConsortiumClient:
    """A fresh Consortium: governors 0, 1, 2 (quorum 1), then a notary, a collector, a dealer.

    The client acts as governor 0, whose single vote executes any proposal.
    """
    founders = [s.address for s in senders[:3]]
    client = deploy_consortium(senders[0], artifacts, founders, ["Alpha", "Beta", "Gamma"], 1)
    admit(client, senders[NOTARY], "Notary Services", Role.NOTARY)
    admit(client, senders[COLLECTOR], "Collections Ltd", Role.COLLECTOR)
    admit(client, senders[DEALER], "Main Street Motors", Role.DEALER)
    return client


@pytest.fixture
def registry(council: ConsortiumClient, artifacts: Artifacts) -> EvidenceRegistryClient:
    """An EvidenceRegistry bound to `council`, acting as governor 0 (no NOTARY role)."""
    return deploy_evidence_registry(council.sender, artifacts, council.address)


@pytest.fixture
def notary(registry: EvidenceRegistryClient, senders: list[Sender]) -> EvidenceRegistryClient:
    return registry.as_sender(senders[NOTARY])


@pytest.fixture
def collector(registry: EvidenceRegistryClient, senders: list[Sender]) -> EvidenceRegistryClient:
    return registry.as_sender(senders[COLLECTOR])


# -- construction -----------------------------------------------------------------------------


def test_registry_is_bound_to_the_consortium_and_mirrors_its_codes(registry, council):
    assert registry.consortium_address() == council.address
    functions = registry.contract.functions
    assert [getattr(functions, f"REASON_{code.name}")().call() for code in ReasonCode] == list(
        ReasonCode
    )
    # The registry hashes role names itself; they must be the consortium's identifiers.
    consortium = council.contract.functions
    assert consortium.NOTARY().call() == Role.NOTARY.id
    assert consortium.COLLECTOR().call() == Role.COLLECTOR.id


def test_constructor_rejects_an_address_without_code(fresh_chain, senders, artifacts):
    stranger = senders[STRANGER].address
    with reverts("EvidenceRegistryInvalidConsortium", consortium=stranger):
        deploy_evidence_registry(senders[0], artifacts, stranger)


def test_client_rejects_hashes_that_are_not_32_bytes(notary):
    with pytest.raises(ValueError, match="digest must be 32 bytes, got 31"):
        notary.anchor_of(bytes(31))
    with pytest.raises(ValueError, match="root must be 32 bytes, got 31"):
        notary.find_batch(bytes(31), from_block=0)
    with pytest.raises(ValueError, match="recent_block_hash must be 32 bytes, got 0"):
        notary.anchor_batch(leaf("r"), 1, 1, 0, b"")


# -- anchoring batches ------------------------------------------------------------------------


def test_anchor_batch_extends_the_notarys_log_and_logs_it(notary, fresh_chain, senders):
    root, address = leaf("log of 1000"), senders[NOTARY].address
    assert notary.log_of(NOTARY_ID) == EvidenceLog(
        last_sequence=0, size=0, root_block=0, root_prefix=bytes(8)
    )
    assert notary.next_sequence(address) == 1 and notary.member_id(address) == NOTARY_ID
    number, hash_ = notary.recent_block()
    assert (number, hash_) == (fresh_chain.latest_block() - 1, block_hash(fresh_chain, number))

    sent = notary.anchor_batch(root, BATCH_SIZE, 1, number, hash_)

    event = {
        "root": root,
        "notaryId": NOTARY_ID,
        "notary": address,
        "sequence": 1,
        "size": BATCH_SIZE,
        "recentBlockNumber": number,
        "recentBlockHash": hash_,
    }
    assert emitted(notary, sent) == [("BatchAnchored", event)]
    assert notary.log_of(NOTARY_ID) == EvidenceLog(
        last_sequence=1, size=BATCH_SIZE, root_block=sent.block_number, root_prefix=root[:8]
    )
    (found,) = notary.batch_anchors(sent.receipt)
    assert found == notary.find_batch(root, from_block=number)
    assert (found.root, found.notary_id, found.notary, found.sequence, found.size) == (
        root,
        NOTARY_ID,
        address,
        1,
        BATCH_SIZE,
    )
    assert (found.block_number, found.tx_hash) == (sent.block_number, sent.tx_hash)
    assert notary.next_sequence(address) == 2
    anchor(notary, leaf("log of 2000"))
    assert notary.log_of(NOTARY_ID).size == 2 * BATCH_SIZE
    assert notary.log_of(NOTARY_ID).root_prefix == leaf("log of 2000")[:8]
    assert notary.next_sequence(address) == 3
    assert notary.find_batch(leaf("never anchored"), from_block=0) is None


def test_a_batch_must_grow_the_log(notary, fresh_chain):
    anchor(notary, leaf("first"), size=10)
    number, hash_ = latest(fresh_chain)
    for size in (0, 9, 10):
        with reverts("EvidenceRegistryLogNotExtended", root=leaf("next"), logSize=10, size=size):
            notary.anchor_batch(leaf("next"), size, 2, number, hash_)
    anchor(notary, leaf("next"), size=11)
    assert notary.log_of(NOTARY_ID).size == 11


@pytest.mark.anvil
def test_a_batch_may_commit_to_any_of_the_last_256_blocks(notary, fresh_chain):
    number, hash_ = latest(fresh_chain)
    # Gas is estimated in the latest block's context, so at most 255 blocks may follow `number`
    # when sending; the transaction then lands 256 blocks after it, the oldest with a hash.
    mine(fresh_chain, BLOCKHASH_WINDOW - 1)
    sent = notary.anchor_batch(leaf("old but valid"), 1, 1, number, hash_)
    assert sent.block_number == number + BLOCKHASH_WINDOW


def test_batches_must_come_in_sequence(notary, senders, fresh_chain):
    address = senders[NOTARY].address
    number, hash_ = latest(fresh_chain)
    for wrong in (0, 2, 2**64 - 1):
        with reverts("EvidenceRegistryBatchOutOfSequence", notary=address, expected=1, got=wrong):
            notary.anchor_batch(leaf("batch"), 1, wrong, number, hash_)
    anchor(notary, leaf("batch"), sequence=1)
    number, hash_ = latest(fresh_chain)
    with reverts("EvidenceRegistryBatchOutOfSequence", notary=address, expected=2, got=3):
        notary.anchor_batch(leaf("batch 3"), 10**6, 3, number, hash_)
    assert notary.next_sequence(address) == 2


def test_a_retried_batch_transaction_reverts_instead_of_anchoring_twice(notary, senders):
    root = leaf("batch")
    first = anchor(notary, root)
    call = notary.contract.functions.anchorBatch(
        root, BATCH_SIZE, 1, *committed_block(notary, first)
    )
    with reverts("EvidenceRegistryAlreadyAnchored", root=root, firstBlock=first.block_number):
        notary.sender.transact(call)  # the very same transaction data, sent again
    assert notary.log_of(NOTARY_ID).root_block == first.block_number
    assert notary.next_sequence(senders[NOTARY].address) == 2


def test_sequences_are_per_notary_member(council, notary, senders):
    second = notary.as_sender(senders[SECOND_NOTARY])
    admit(council, senders[SECOND_NOTARY], "Second Notary", Role.NOTARY)
    anchor(notary, leaf("a1"))
    anchor(notary, leaf("a2"))
    sent = anchor(second, leaf("b1"))
    assert emitted(second, sent)[0][1]["sequence"] == 1
    assert second.log_of(SECOND_NOTARY_ID).root_prefix == leaf("b1")[:8]
    assert second.log_of(SECOND_NOTARY_ID).size == BATCH_SIZE
    assert notary.log_of(NOTARY_ID).size == 2 * BATCH_SIZE  # each member has a log of its own
    assert notary.next_sequence(senders[NOTARY].address) == 3
    assert notary.next_sequence(senders[SECOND_NOTARY].address) == 2
    assert notary.next_sequence(senders[STRANGER].address) == 0


def test_batch_must_commit_to_a_recent_mined_block(notary, fresh_chain):
    root = leaf("batch")
    number, hash_ = latest(fresh_chain)
    cases = [
        (number - 1, block_hash(fresh_chain, number - 2)),  # a real hash, of another block
        (number - 1, leaf("not a block hash")),
        (number - 1, ZERO),
        (number + 1, hash_),  # not mined yet
        (number + 1, ZERO),  # blockhash() of it is zero: zero must not match
        (number + 5, ZERO),
        (2**64 - 1, ZERO),
    ]
    for recent_number, recent_hash in cases:
        with reverts(
            "EvidenceRegistryStaleBlockHash", blockNumber=recent_number, blockHash=recent_hash
        ):
            notary.anchor_batch(root, 1, 1, recent_number, recent_hash)
    assert notary.log_of(NOTARY_ID).size == 0


@pytest.mark.anvil
def test_batch_older_than_256_blocks_is_stale(notary, fresh_chain):
    number, hash_ = latest(fresh_chain)
    # 257 blocks later, even gas estimation (in the latest block's context) finds no hash.
    mine(fresh_chain, BLOCKHASH_WINDOW + 1)
    with reverts("EvidenceRegistryStaleBlockHash", blockNumber=number, blockHash=hash_):
        notary.anchor_batch(leaf("batch"), 1, 1, number, hash_)


def test_empty_log_and_zero_root_are_rejected(notary, fresh_chain):
    number, hash_ = latest(fresh_chain)
    with reverts("EvidenceRegistryLogNotExtended", root=leaf("batch"), logSize=0, size=0):
        notary.anchor_batch(leaf("batch"), 0, 1, number, hash_)
    with reverts("EvidenceRegistryZeroHash"):
        notary.anchor_batch(ZERO, 1, 1, number, hash_)
    with reverts("EvidenceRegistryZeroHash"):
        notary.anchor_digest(ZERO)
    assert notary.anchor_of(ZERO) is None


# -- anchoring single digests, and roots that come again ----------------------------------------


def test_anchor_digest_records_block_time_and_notary(notary, fresh_chain, senders):
    digest, address = leaf("contract.pdf"), senders[NOTARY].address
    sent = notary.anchor_digest(digest)
    assert emitted(notary, sent) == [
        ("DigestAnchored", {"digest": digest, "notaryId": NOTARY_ID, "notary": address})
    ]
    found = notary.anchor_of(digest)
    assert found == Anchor(
        block_number=sent.block_number,
        timestamp=block_time(fresh_chain, sent.block_number),
        notary_id=NOTARY_ID,
        notary=address,
    )
    assert notary.is_anchored(digest)
    assert notary.next_sequence(address) == 1  # digests do not use batch numbers


@pytest.mark.anvil
def test_a_root_is_anchored_once_and_keeps_its_first_time(notary, fresh_chain):
    root, digest = leaf("batch"), leaf("document")
    first = anchor(notary, root)
    advance(fresh_chain, 3600)
    with reverts("EvidenceRegistryAlreadyAnchored", root=root, firstBlock=first.block_number):
        anchor(notary, root)  # with the next sequence number and a larger log: the root repeats
    with reverts(
        "EvidenceRegistryLogNotExtended", root=leaf("other"), logSize=BATCH_SIZE, size=BATCH_SIZE
    ):
        anchor(notary, leaf("other"), size=BATCH_SIZE)  # an older size: a root of that log again

    digest_block = notary.anchor_digest(digest).block_number
    with reverts("EvidenceRegistryAlreadyAnchored", root=digest, firstBlock=digest_block):
        notary.anchor_digest(digest)

    assert notary.find_batch(root, from_block=0).block_number == first.block_number
    assert notary.log_of(NOTARY_ID).root_block == first.block_number
    assert notary.anchor_of(digest).block_number == digest_block
    assert notary.next_sequence(notary.sender.address) == 2  # the failed batches took no number


# -- who may anchor ---------------------------------------------------------------------------


def test_only_active_notaries_anchor_or_record_erasures(registry, collector, senders, fresh_chain):
    number, hash_ = latest(fresh_chain)
    stranger = registry.as_sender(senders[STRANGER])
    governor = registry  # governor 0: a member, but not a notary
    dealer = registry.as_sender(senders[DEALER])
    cases = [
        (stranger, "ConsortiumMemberNotActive", {"account": senders[STRANGER].address}),
        *(
            (
                client,
                "ConsortiumMissingRole",
                {"account": client.sender.address, "role": Role.NOTARY.id},
            )
            for client in (governor, collector, dealer)
        ),
    ]
    for client, error, arguments in cases:
        with reverts(error, **arguments):
            client.anchor_batch(leaf("batch"), 1, 1, number, hash_)
        with reverts(error, **arguments):
            client.anchor_digest(leaf("digest"))
        with reverts(error, **arguments):
            client.record_forgotten(leaf("item"))


def test_a_suspended_notary_cannot_act_until_reinstated(council, notary, senders):
    address = senders[NOTARY].address
    anchor(notary, leaf("before"))
    council.execute(council.propose_suspend(address))
    with reverts("ConsortiumMemberNotActive", account=address):
        anchor(notary, leaf("during"))
    with reverts("ConsortiumMemberNotActive", account=address):
        notary.anchor_digest(leaf("during"))
    with reverts("ConsortiumMemberNotActive", account=address):
        notary.supersede(leaf("before"), leaf("during"), ReasonCode.OTHER)
    with reverts("ConsortiumMemberNotActive", account=address):
        notary.record_forgotten(leaf("before"))
    council.execute(council.propose_reinstate(address))
    sent = anchor(notary, leaf("after"))
    assert emitted(notary, sent)[0][1]["sequence"] == 2


def test_sequence_continues_across_key_rotations(council, notary, senders):
    old, new, third = (senders[i].address for i in (NOTARY, NEW_KEY, THIRD_KEY))
    anchor(notary, leaf("batch 1"))
    council.as_sender(senders[NOTARY]).rotate_key(new)  # the notary rotates its own key
    rotated = notary.as_sender(senders[NEW_KEY])

    assert notary.next_sequence(old) == 0 and notary.next_sequence(new) == 2
    with reverts("ConsortiumMemberNotActive", account=old):
        anchor(notary, leaf("batch 2"), sequence=2)
    with reverts("EvidenceRegistryBatchOutOfSequence", notary=new, expected=2, got=1):
        anchor(rotated, leaf("batch 2"), sequence=1)
    sent = anchor(rotated, leaf("batch 2"))
    event = emitted(rotated, sent)[0][1]
    assert (event["notaryId"], event["notary"], event["sequence"]) == (NOTARY_ID, new, 2)
    anchor(rotated, leaf("batch 3"))
    rotated.anchor_digest(leaf("digest"))

    council.execute(council.propose_rotate(new, third))  # governance rotates it again
    third_key = notary.as_sender(senders[THIRD_KEY])
    anchor(third_key, leaf("batch 4"))

    notaries = {
        label: (found.notary_id, found.sequence, found.notary)
        for label in ("batch 1", "batch 2", "batch 3", "batch 4")
        if (found := notary.find_batch(leaf(label), from_block=0)) is not None
    }
    assert notaries == {
        "batch 1": (NOTARY_ID, 1, old),
        "batch 2": (NOTARY_ID, 2, new),
        "batch 3": (NOTARY_ID, 3, new),
        "batch 4": (NOTARY_ID, 4, third),
    }
    digest = notary.anchor_of(leaf("digest"))
    assert digest is not None and (digest.notary_id, digest.notary) == (NOTARY_ID, new)
    assert notary.log_of(NOTARY_ID).size == 4 * BATCH_SIZE  # one log across the keys
    assert notary.next_sequence(third) == 5


# -- supersession -----------------------------------------------------------------------------


def test_notary_and_collector_supersede_items(notary, collector, senders):
    item, better, best = leaf("item"), leaf("better"), leaf("best")
    assert notary.superseded_by(item) is None
    sent = collector.supersede(item, better, ReasonCode.BETTER_COPY)
    assert emitted(collector, sent) == [
        (
            "ItemSuperseded",
            {
                "item": item,
                "replacement": better,
                "reason": ReasonCode.BETTER_COPY,
                "byMemberId": COLLECTOR_ID,
                "by": senders[COLLECTOR].address,
            },
        )
    ]
    sent = notary.supersede(better, best, ReasonCode.CORRECTED_METADATA)
    assert emitted(notary, sent)[0][1] == {
        "item": better,
        "replacement": best,
        "reason": ReasonCode.CORRECTED_METADATA,
        "byMemberId": NOTARY_ID,
        "by": senders[NOTARY].address,
    }
    assert notary.superseded_by(item) == (better, ReasonCode.BETTER_COPY)
    assert notary.superseded_by(better) == (best, ReasonCode.CORRECTED_METADATA)
    assert notary.superseded_by(best) is None
    for code in (ReasonCode.WRONG_CASE, ReasonCode.DUPLICATE, ReasonCode.OTHER):
        collector.supersede(leaf(code.name), best, code)
        assert collector.superseded_by(leaf(code.name)) == (best, code)


def test_supersede_rejects_bad_arguments(notary, collector):
    item, replacement = leaf("item"), leaf("replacement")
    with reverts("EvidenceRegistryZeroHash"):
        notary.supersede(ZERO, replacement, ReasonCode.OTHER)
    with reverts("EvidenceRegistryZeroHash"):
        notary.supersede(item, ZERO, ReasonCode.OTHER)
    with reverts("EvidenceRegistrySelfSupersession", item=item):
        notary.supersede(item, item, ReasonCode.OTHER)
    for code in (0, 5, 254):
        with reverts("EvidenceRegistryInvalidReason", reason=code):
            notary.supersede(item, replacement, code)
    assert notary.superseded_by(item) is None


def test_an_item_is_superseded_once(notary, collector):
    item, first, second = leaf("item"), leaf("first"), leaf("second")
    notary.supersede(item, first, ReasonCode.DUPLICATE)
    with reverts("EvidenceRegistryAlreadySuperseded", item=item, replacement=first):
        collector.supersede(item, second, ReasonCode.OTHER)
    with reverts("EvidenceRegistryAlreadySuperseded", item=item, replacement=first):
        notary.supersede(item, first, ReasonCode.DUPLICATE)
    assert notary.superseded_by(item) == (first, ReasonCode.DUPLICATE)


def test_only_notaries_and_collectors_supersede(council, registry, collector, senders):
    item, replacement = leaf("item"), leaf("replacement")
    dealer = registry.as_sender(senders[DEALER])
    for client in (dealer, registry):  # a dealer, and governor 0
        with reverts(
            "ConsortiumMissingRole", account=client.sender.address, role=Role.COLLECTOR.id
        ):
            client.supersede(item, replacement, ReasonCode.OTHER)
    stranger = registry.as_sender(senders[STRANGER])
    with reverts("ConsortiumMemberNotActive", account=senders[STRANGER].address):
        stranger.supersede(item, replacement, ReasonCode.OTHER)
    council.execute(council.propose_suspend(senders[COLLECTOR].address))
    with reverts("ConsortiumMemberNotActive", account=senders[COLLECTOR].address):
        collector.supersede(item, replacement, ReasonCode.OTHER)
    assert registry.superseded_by(item) is None


# -- personal data erasure --------------------------------------------------------------------


@pytest.mark.anvil
def test_record_forgotten_once(notary, senders, fresh_chain):
    item = leaf("recording.wav")
    assert notary.forgotten_at(item) is None
    sent = notary.record_forgotten(item)
    assert emitted(notary, sent) == [
        (
            "PersonalDataForgotten",
            {"item": item, "byMemberId": NOTARY_ID, "by": senders[NOTARY].address},
        )
    ]
    forgotten_at = block_time(fresh_chain, sent.block_number)
    assert notary.forgotten_at(item) == forgotten_at
    advance(fresh_chain, 60)
    with reverts("EvidenceRegistryAlreadyForgotten", item=item):
        notary.record_forgotten(item)
    with reverts("EvidenceRegistryZeroHash"):
        notary.record_forgotten(ZERO)
    assert notary.forgotten_at(item) == forgotten_at


# -- gas --------------------------------------------------------------------------------------


def test_anchor_batch_gas_stays_bounded(notary):
    anchor(notary, leaf("warm-up"))  # the notary's first batch also creates its sequence slot
    gas = [int(anchor(notary, leaf(f"batch {i}")).receipt["gasUsed"]) for i in range(3)]
    assert max(gas) < GAS_PER_BATCH_LIMIT, gas
