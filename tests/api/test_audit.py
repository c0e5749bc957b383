"""The audit trail through the API: views over the index (vehicle, case and member timelines,
exposure, open alerts), verification of the database against the chain with each kind of
tampering detected and named, the export bundle, collection contacts and their breaches, and
who may see what."""

from __future__ import annotations

import json
import zipfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import text

from api.runtime import Runtime
from ledger.vin import vin_hash
from oversight.audit import Auditor, Checkpoint, verify_bundle
from oversight.views import _ALERT_STREAM, _still_open, open_alerts, stream_events
from tests.api.conftest import Caller
from tests.api.test_inventory import ADVANCE, DAY, advance, car, make_vin, open_line

RECORDING = b"RIFF" + bytes(range(256)) * 64


def _upload(client: TestClient, caller: Caller, content: bytes, case: str = "CASE-9") -> str:
    response = client.post(
        "/v1/evidence",
        data={"evidence_type": "call_recording", "case_reference": case},
        files={"file": ("call.wav", content, "audio/wav")},
        headers=caller.headers,
    )
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


def _advance_time(runtime: Runtime, seconds: int) -> None:
    provider = runtime.chain.w3.provider
    provider.make_request("evm_increaseTime", [seconds])  # type: ignore[arg-type]
    provider.make_request("evm_mine", [])  # type: ignore[arg-type]


def _blob_path(runtime: Runtime, digest: str) -> Path:
    return runtime.settings.var_dir / "blobs" / "objects" / digest[:2] / digest[2:4] / digest


def _kinds(report: Any) -> list[tuple[str, str]]:
    return [(d.kind, d.where) for d in report.discrepancies]


# -- views --------------------------------------------------------------------------------------


def test_vehicle_timeline_exposure_alerts_and_member_timeline(
    client: TestClient, runtime: Runtime, demo: dict[str, Caller]
):
    lender, lender2, dealer, dealer2 = (demo[n] for n in ("lender", "lender2", "dealer", "dealer2"))
    regulator, legal = demo["regulator"], demo["legal"]
    line = open_line(client, lender, dealer)
    other = open_line(client, lender2, dealer2)
    assert advance(client, lender, line, car(1), car(2)).status_code == 201
    assert advance(client, lender2, other, car(3)).status_code == 201
    sold = client.post(
        f"/v1/lines/{line}/sales", json={"vehicles": [make_vin(1)]}, headers=dealer.headers
    )
    assert sold.status_code == 200, sold.text
    _advance_time(runtime, 6 * DAY)
    runtime.floorplan.mark_sold_out_of_trust([vin_hash(make_vin(1))])
    runtime.indexer.run_once()

    # The vehicle's timeline: every lien event, to the parties of its line and to overseers.
    path = f"/v1/views/vehicles/{make_vin(1).lower()}/timeline"
    for caller in (lender, dealer, regulator, legal):
        timeline = client.get(path, headers=caller.headers)
        assert timeline.status_code == 200, timeline.text
        body = timeline.json()
        assert [e["event"] for e in body["items"]] == [
            "VehicleFinanced",
            "VehicleSold",
            "VehicleSoldOutOfTrust",
        ]
        assert body["vin"] == make_vin(1) and body["vin_hash"] == "0x" + vin_hash(make_vin(1)).hex()
        assert body["items"][0]["args"]["advance"] == str(ADVANCE)
        assert body["indexed_through"] == runtime.chain.latest_block()
    paged = client.get(path, params={"offset": 1, "limit": 1}, headers=lender.headers).json()
    assert paged["total"] == 3 and [e["event"] for e in paged["items"]] == ["VehicleSold"]
    for caller in (lender2, dealer2):
        assert client.get(path, headers=caller.headers).status_code == 404
    assert client.get(path, headers=demo["collector"].headers).status_code == 403
    bad = client.get("/v1/views/vehicles/NOT-A-VIN/timeline", headers=lender.headers)
    assert bad.status_code == 422 and bad.json()["problem"] == "length"

    # Exposure per lender and per dealer, from the read models, equals the contract's books.
    books = {i: runtime.floorplan.line(i) for i in (line, other)}
    everything = client.get("/v1/views/exposure", headers=regulator.headers).json()
    assert [
        (r["member_id"], r["outstanding"], r["active_liens"]) for r in everything["lenders"]
    ] == [
        (lender.member.id, books[line].outstanding, 2),
        (lender2.member.id, books[other].outstanding, 1),
    ]
    assert everything["lenders"][0]["name"] == "Huaxia Auto Finance"
    assert [r["member_id"] for r in everything["dealers"]] == [dealer.member.id, dealer2.member.id]
    mine = client.get("/v1/views/exposure", headers=lender2.headers).json()
    assert [r["member_id"] for r in mine["lenders"]] == [lender2.member.id]
    assert [r["outstanding"] for r in mine["dealers"]] == [ADVANCE]

    # Open alerts: the sale out of trust, until the lien is released.
    alerts = client.get("/v1/views/alerts", headers=dealer.headers).json()
    assert [(a["kind"], a["line_id"], a["vin_hash"]) for a in alerts["items"]] == [
        ("sold_out_of_trust", line, "0x" + vin_hash(make_vin(1)).hex())
    ]
    assert client.get("/v1/views/alerts", headers=dealer2.headers).json()["items"] == []
    released = client.post(
        f"/v1/lines/{line}/releases", json={"vehicles": [make_vin(1)]}, headers=lender.headers
    )
    assert released.status_code == 200, released.text
    runtime.indexer.run_once()
    assert client.get("/v1/views/alerts", headers=regulator.headers).json()["items"] == []
    # Financed again with another certificate: a certificate mismatch, on the line of the
    # advance in the same transaction.
    again = advance(client, lender, line, car(1, certificate="WDK999999999999"))
    assert again.status_code == 201, again.text
    runtime.indexer.run_once()
    mismatch = client.get(
        "/v1/views/alerts", params={"kind": "certificate_mismatch"}, headers=dealer.headers
    ).json()
    assert [(a["kind"], a["line_id"]) for a in mismatch["items"]] == [
        ("certificate_mismatch", line)
    ]
    assert client.get("/v1/views/alerts", headers=lender2.headers).json()["total"] == 0
    # The narrowed query (alert events, then only events naming their vehicles and lines)
    # answers as a replay of every FloorPlan event of the stream does.
    chain_id = runtime.chain.chain_id
    replayed = _still_open(
        stream_events(runtime.engine, chain_id=chain_id, contract="FloorPlan", names=_ALERT_STREAM)
    )
    assert open_alerts(runtime.engine, chain_id) == replayed and replayed
    after = client.get("/v1/views/exposure", headers=lender.headers).json()
    assert after["lenders"][0]["outstanding"] == runtime.floorplan.line(line).outstanding

    # A member's timeline: its own, or anyone's for regulators and legal. It holds every
    # event that concerns the member, also those naming only its line (terms, advances, the
    # sale, the release): the dealer's and the lender's alike; not the other line's.
    own = client.get(f"/v1/views/members/{dealer.member.id}/timeline", headers=dealer.headers)
    assert own.status_code == 200, own.text
    names = [e["event"] for e in own.json()["items"]]
    # Its admission was proposed naming its address, then it was admitted, then it got a line.
    on_its_line = [
        "TermsSet",
        "LineOpened",
        "VehicleFinanced",
        "VehicleFinanced",
        "VehicleSold",
        "VehicleSoldOutOfTrust",
        "LienReleased",
        "CertificateMismatch",  # names only the vehicle, in the advance's transaction
        "VehicleFinanced",
    ]
    assert names == [
        "ProposalCreated",
        "MemberAdmitted",
        "RoleGranted",
        "MemberRoleGranted",
        *on_its_line,
    ]
    assert own.json()["total"] == 13
    assert {e["args"].get("lineId") for e in own.json()["items"][4:]} == {str(line), None}
    filtered = client.get(
        f"/v1/views/members/{lender.member.id}/timeline",
        params={"contract": "FloorPlan"},
        headers=regulator.headers,
    ).json()
    assert [e["event"] for e in filtered["items"]] == on_its_line
    advances = [e for e in filtered["items"] if e["event"] == "VehicleFinanced"]
    assert [e["args"]["advance"] for e in advances[:2]] == [str(ADVANCE)] * 2
    other_lender = client.get(
        f"/v1/views/members/{lender2.member.id}/timeline",
        params={"contract": "FloorPlan", "event": "VehicleFinanced"},
        headers=regulator.headers,
    ).json()
    assert [e["args"]["lineId"] for e in other_lender["items"]] == [str(other)]
    theirs = client.get(
        f"/v1/views/members/{lender2.member.id}/timeline",
        params={"event": "CertificateMismatch"},
        headers=regulator.headers,
    ).json()
    assert theirs["items"] == []
    # A registration recorded later names only the vehicle: the line of its lien decides.
    as_lender = runtime.floorplan.as_sender(runtime.sender_for(lender.member.address))
    as_lender.record_registration([vin_hash(make_vin(2))], "REG-2026-0002")
    runtime.indexer.run_once()
    for caller, expected in ((dealer, 1), (lender, 1), (dealer2, 0), (lender2, 0)):
        recorded = client.get(
            f"/v1/views/members/{caller.member.id}/timeline",
            params={"event": "RegistrationRecorded"},
            headers=regulator.headers,
        ).json()
        assert recorded["total"] == expected, caller.member.name
    others = f"/v1/views/members/{lender.member.id}/timeline"
    assert client.get(others, headers=dealer.headers).status_code == 404
    assert client.get("/v1/views/members/999/timeline", headers=legal.headers).status_code == 404


def test_case_timeline_shows_evidence_and_registry_events(
    client: TestClient, runtime: Runtime, demo: dict[str, Caller]
):
    collector, legal, lender = demo["collector"], demo["legal"], demo["lender"]
    old = _upload(client, collector, b"blurry recording")
    new = _upload(client, collector, b"sharp recording")
    _upload(client, collector, b"another case", case="CASE-10")
    runtime.anchorer.anchor_all()
    superseded = client.post(
        f"/v1/evidence/{old}/supersede",
        json={"replacement": new, "reason": "better_copy"},
        headers=collector.headers,
    )
    assert superseded.status_code == 200, superseded.text
    runtime.indexer.run_once()

    for caller in (collector, legal):
        response = client.get(
            "/v1/views/cases/timeline", params={"case": "CASE-9"}, headers=caller.headers
        )
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["case_commitment"] == runtime.intake.case_commitment("CASE-9")
        assert [(e["kind"], e["name"], e["evidence_ids"]) for e in body["items"]] == [
            ("evidence", "submitted", [old]),
            ("evidence", "submitted", [new]),
            ("event", "BatchAnchored", [old, new]),
            ("event", "ItemSuperseded", [old, new]),
        ]
        replaced = body["items"][3]["args"]
        assert replaced["item"] == "0x" + _leaf(client, collector, old)
        assert replaced["replacement"] == "0x" + _leaf(client, collector, new)
    by_commitment = client.get(
        "/v1/views/cases/timeline",
        params={"case_commitment": runtime.intake.case_commitment("CASE-9"), "limit": 1},
        headers=legal.headers,
    ).json()
    assert by_commitment["total"] == 4 and len(by_commitment["items"]) == 1
    # Another submitter's case looks absent; asking without a case is refused.
    nothing = client.get(
        "/v1/views/cases/timeline", params={"case": "CASE-9"}, headers=lender.headers
    )
    assert nothing.status_code == 404
    assert client.get("/v1/views/cases/timeline", headers=legal.headers).status_code == 422


def _leaf(client: TestClient, caller: Caller, public_id: str) -> str:
    return str(client.get(f"/v1/evidence/{public_id}", headers=caller.headers).json()["leaf_hash"])


# -- verification -------------------------------------------------------------------------------


def test_verification_passes_clean_and_names_each_tampering(
    client: TestClient, runtime: Runtime, demo: dict[str, Caller]
):
    collector, lender, dealer = demo["collector"], demo["lender"], demo["dealer"]
    first = _upload(client, collector, RECORDING)
    runtime.anchorer.anchor_all()
    after_first = Auditor.of(runtime).verify()
    checkpoint = Checkpoint(size=after_first.log_size, root=after_first.log_root)
    _upload(client, collector, b"second call")
    third = _upload(client, collector, b"third call")
    runtime.anchorer.anchor_all()
    line = open_line(client, lender, dealer)
    assert advance(client, lender, line, car(1)).status_code == 201
    forgotten = client.post(f"/v1/evidence/{third}/forget", headers=collector.headers)
    assert forgotten.status_code == 200
    runtime.indexer.run_once()

    clean = client.get(
        "/v1/audit/verify",
        params={"checkpoint_size": checkpoint.size, "checkpoint_root": checkpoint.root},
        headers=demo["regulator"].headers,
    )
    assert clean.status_code == 200, clean.text
    body = clean.json()
    assert body["ok"] is True and body["discrepancies"] == [], body
    assert body["events"]["stored"] == body["events"]["on_chain"] > 20
    assert body["evidence"] == {"items": 3, "blobs": 2, "forgotten": [third]}
    assert body["batches"] == 2 and body["evidence_log"]["size"] == 3
    assert client.get("/v1/audit/verify", headers=dealer.headers).status_code == 403
    assert client.get("/v1/audit/verify", headers=demo["notary"].headers).status_code == 200

    auditor = Auditor.of(runtime)
    engine = runtime.engine

    def row(event: str) -> dict[str, Any]:
        with engine.connect() as conn:
            found = conn.execute(
                text("SELECT * FROM indexed_event WHERE event = :e"), {"e": event}
            ).mappings()
            return dict(next(iter(found)))

    def where(r: dict[str, Any]) -> str:
        return (
            f"{r['contract']}.{r['event']} in block {r['block_number']} ({r['block_hash']}),"
            f" log {r['log_index']}, tx {r['tx_hash']}"
        )

    def execute(sql: str, **params: Any) -> None:
        with engine.begin() as conn:
            conn.execute(text(sql), params)

    insert = (
        "INSERT INTO indexed_event (id, chain_id, block_number, block_hash, block_time, tx_hash,"
        " tx_index, log_index, contract, address, event, args_json) VALUES (:id, :chain_id,"
        " :block_number, :block_hash, :block_time, :tx_hash, :tx_index, :log_index, :contract,"
        " :address, :event, :args_json)"
    )

    # A read model that drifted from the contract is named, with both values; a rebuild from
    # the events repairs it.
    vin = "0x" + vin_hash(make_vin(1)).hex()
    with engine.connect() as conn:
        state = conn.execute(
            text("SELECT state_json FROM rm_floor_plan_vehicle WHERE vin_hash = :v"), {"v": vin}
        ).scalar_one()
    execute(
        "UPDATE rm_floor_plan_vehicle SET state_json = :s WHERE vin_hash = :v",
        s=json.dumps({**json.loads(state), "confirmed": True}),
        v=vin,
    )
    report = auditor.verify()
    assert [(d.check, d.kind, d.where) for d in report.discrepancies] == [
        ("read_models", "drift", f"vehicle {vin}")
    ]
    assert "confirmed=True" in report.discrepancies[0].found
    assert "confirmed=False" in report.discrepancies[0].expected
    assert runtime.indexer.rebuild() > 0
    assert auditor.verify().ok

    # A deleted event row is missing.
    opened = row("LineOpened")
    execute("DELETE FROM indexed_event WHERE id = :id", id=opened["id"])
    report = auditor.verify()
    assert [(d.check, d.kind, d.where) for d in report.discrepancies] == [
        ("events", "event_missing", where(opened))
    ]
    assert report.discrepancies[0].expected.startswith("FloorPlan.LineOpened {")
    assert report.discrepancies[0].found == "no stored event"
    execute(insert, **opened)

    # An edited argument is named with the value on chain and the one stored.
    financed = row("VehicleFinanced")
    args = json.loads(financed["args_json"])
    execute(
        "UPDATE indexed_event SET args_json = :a WHERE id = :id",
        a=json.dumps({**args, "advance": "1"}),
        id=financed["id"],
    )
    report = auditor.verify()
    assert [(d.kind, d.where, d.expected, d.found) for d in report.discrepancies] == [
        (
            "event_altered",
            f"{where(financed)} (row {financed['id']}): args.advance",
            f'"{ADVANCE}"',
            '"1"',
        )
    ]
    execute(
        "UPDATE indexed_event SET args_json = :a WHERE id = :id",
        **{"a": financed["args_json"], "id": financed["id"]},
    )

    # A row added by hand is extra.
    forged = {**financed, "id": 10**6, "log_index": 999}
    execute(insert, **forged)
    report = auditor.verify()
    assert _kinds(report) == [("event_extra", f"{where(forged)} (row {10**6})")]
    execute("DELETE FROM indexed_event WHERE id = :id", id=10**6)

    # One byte of a stored blob changed on disk.
    digest = client.get(f"/v1/evidence/{first}", headers=collector.headers).json()[
        "document_digest"
    ]
    blob = _blob_path(runtime, digest)
    original = blob.read_bytes()
    blob.write_bytes(original[:40] + bytes([original[40] ^ 1]) + original[41:])
    report = auditor.verify()
    assert [(d.check, d.kind, d.where) for d in report.discrepancies] == [
        ("blobs", "blob_corrupted", f"blob {digest} of {first}")
    ]
    assert "chunk 0" in (report.discrepancies[0].found or "")
    blob.write_bytes(original)

    # A batch root altered in the database: its items no longer give it, and it is not the
    # root the chain anchored in that transaction.
    with engine.connect() as conn:
        batch = (
            conn.execute(text("SELECT * FROM anchor_batch ORDER BY block_number LIMIT 1"))
            .mappings()
            .one()
        )
    execute("UPDATE anchor_batch SET root = :r WHERE id = :id", r="ee" * 32, id=batch["id"])
    report = auditor.verify()
    assert [(d.check, d.kind) for d in report.discrepancies] == [
        ("batches", "batch_leaves_mismatch"),
        ("batches", "batch_root_not_on_chain"),
        ("batches", "batch_tx_root_mismatch"),
    ]
    leaves = report.discrepancies[0]
    assert (leaves.expected, leaves.found) == ("ee" * 32, batch["root"])
    assert report.discrepancies[2].expected == batch["root"]
    execute("UPDATE anchor_batch SET root = :r WHERE id = :id", r=batch["root"], id=batch["id"])

    # An edited record breaks its leaf hash and the evidence log: the old checkpoint fails.
    with engine.connect() as conn:
        record = conn.execute(
            text("SELECT record_json FROM evidence_item WHERE public_id = :p"), {"p": first}
        ).scalar_one()
    execute(
        "UPDATE evidence_item SET record_json = :r WHERE public_id = :p",
        r=record.replace('"call_recording"', '"other"'),
        p=first,
    )
    report = auditor.verify(checkpoint=checkpoint)
    found = {(d.check, d.kind) for d in report.discrepancies}
    assert {
        ("items", "item_leaf_mismatch"),
        ("items", "item_field_mismatch"),
        ("batches", "batch_leaves_mismatch"),
        ("evidence_log", "checkpoint_inconsistent"),
    } <= found, report.discrepancies
    execute("UPDATE evidence_item SET record_json = :r WHERE public_id = :p", r=record, p=first)
    assert auditor.verify(checkpoint=checkpoint).ok


# -- export -------------------------------------------------------------------------------------


def test_export_bundle_verifies_offline_and_a_tampered_file_is_named(
    client: TestClient, runtime: Runtime, demo: dict[str, Caller], tmp_path: Path
):
    collector = demo["collector"]
    _upload(client, collector, RECORDING)
    runtime.anchorer.anchor_all()
    runtime.indexer.run_once()
    today = datetime.now(UTC).date().isoformat()
    response = client.get(
        "/v1/audit/export", params={"from": today, "to": today}, headers=demo["regulator"].headers
    )
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/zip"
    bundle = tmp_path / "bundle.zip"
    bundle.write_bytes(response.content)
    report = verify_bundle(
        bundle,
        rpc_url=runtime.chain.urls[-1],
        trust=runtime.trust_root(),
        expected_signer=runtime.operator.address,
    )
    assert report.verified, report.checks
    names = [c.name for c in report.checks]
    assert names[:3] == ["manifest.json", "signature", "trust_root"]
    assert "events on chain" in names
    manifest = json.loads(zipfile.ZipFile(bundle).read("manifest.json"))
    assert manifest["counts"]["receipts"] == 1 and manifest["counts"]["events"] > 20

    tampered = tmp_path / "tampered.zip"
    with zipfile.ZipFile(bundle) as source, zipfile.ZipFile(tampered, "w") as target:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename == "events.jsonl":
                data = data.replace(b'"MemberAdmitted"', b'"MemberRemoved"', 1)
            target.writestr(info.filename, data)
    assert verify_bundle(tampered).failed == ("events.jsonl",)
    assert (
        client.get(
            "/v1/audit/export", params={"from": today, "to": today}, headers=collector.headers
        ).status_code
        == 403
    )
    backwards = client.get(
        "/v1/audit/export",
        params={"from": today, "to": "2000-01-01"},
        headers=demo["regulator"].headers,
    )
    assert backwards.status_code == 422


# -- collection compliance ----------------------------------------------------------------------


def _contact(client: TestClient, caller: Caller, at: str, **fields: Any) -> Any:
    body = {
        "contact_time": at,
        "time_zone": "Asia/Shanghai",
        "channel": "phone",
        "debtor_reference": "DEBTOR-1",
        "case_reference": "CASE-9",
        "document_digest": "ab" * 32,
        **fields,
    }
    return client.post("/v1/contacts", json=body, headers=caller.headers)


def test_contacts_are_checked_stored_anchored_and_listed_for_regulators(
    client: TestClient, runtime: Runtime, demo: dict[str, Caller]
):
    collector, regulator, legal = demo["collector"], demo["regulator"], demo["legal"]
    # 22:30 in Shanghai: outside the contact hours.
    late = _contact(client, collector, "2026-03-02T22:30:00+08:00")
    assert late.status_code == 201, late.text
    body = late.json()
    assert [v["rule"] for v in body["violations"]] == ["contact_hours"]
    assert body["contact"]["local_hour"] == 22 and body["contact"]["local_date"] == "2026-03-02"
    assert body["contact"]["rules_version"] == "collection-rules-v1"
    again = _contact(client, collector, "2026-03-02T22:30:00+08:00")
    assert again.status_code == 200 and again.json()["created"] is False

    # Three more that day; the fourth of the day breaks the limit of 3.
    for hour, expected in ((9, []), (10, []), (11, ["contacts_per_day"])):
        found = _contact(client, collector, f"2026-03-02T{hour:02d}:00:00+08:00")
        assert found.status_code == 201, found.text
        assert [v["rule"] for v in found.json()["violations"]] == expected

    # Forbidden wording in a transcript, with its span; the transcript is the evidence.
    transcript = "Pay today or we will tell your employer, 老赖."
    worded = _contact(
        client,
        collector,
        "2026-03-03T10:00:00+08:00",
        document_digest=None,
        transcript=transcript,
        evidence_type="call_recording",
    )
    assert worded.status_code == 201, worded.text
    hits = worded.json()["violations"]
    assert [(v["phrase_id"], v["span"], v["matched"]) for v in hits] == [
        ("en-employer", [21, 39], "tell your employer"),
        ("zh-deadbeat", [41, 43], "老赖"),
    ]
    assert transcript[21:39] == "tell your employer" and transcript[41:43] == "老赖"

    # The rule set's version and digest are in the anchored record.
    evidence_id = worded.json()["contact"]["evidence_id"]
    runtime.anchorer.anchor_all()
    receipt = client.get(f"/v1/evidence/{evidence_id}/receipt", headers=collector.headers).json()
    metadata = receipt["receipt"]["record"]["metadata"]
    rules = client.get("/v1/compliance/rules", headers=collector.headers).json()
    assert metadata["rules_version"] == rules["version"] == "collection-rules-v1"
    assert metadata["rules_sha256"] == rules["sha256"]
    assert metadata["compliance_flags"] == "forbidden_wording"
    assert metadata["subject_commitment"] == worded.json()["contact"]["debtor_commitment"]
    assert "DEBTOR-1" not in json.dumps(receipt)
    content = client.get(f"/v1/evidence/{evidence_id}/content", headers=legal.headers)
    assert content.content.decode() == transcript

    # Regulators list every breach, with counts per day and contacts by hour of day.
    listed = client.get("/v1/compliance/violations", headers=regulator.headers).json()
    assert listed["total"] == 4
    assert [v["rule"] for v in listed["items"]] == [
        "forbidden_wording",
        "forbidden_wording",
        "contact_hours",
        "contacts_per_day",
    ]
    only = client.get(
        "/v1/compliance/violations", params={"rule": "contact_hours"}, headers=legal.headers
    ).json()
    assert only["total"] == 1
    summary = client.get(
        "/v1/compliance/summary",
        params={"from": "2026-03-01", "to": "2026-03-31"},
        headers=regulator.headers,
    ).json()
    assert summary["violations_per_day"] == [
        {"date": "2026-03-02", "rule": "contact_hours", "count": 1},
        {"date": "2026-03-02", "rule": "contacts_per_day", "count": 1},
        {"date": "2026-03-03", "rule": "forbidden_wording", "count": 2},
    ]
    by_hour = {h["hour"]: h["count"] for h in summary["contacts_by_hour"]}
    assert (by_hour[9], by_hour[10], by_hour[11], by_hour[22], by_hour[12]) == (1, 2, 1, 1, 0)
    assert summary["totals"]["contacts"] == 5 and summary["totals"]["violations"] == 4
    contacts = client.get("/v1/contacts", headers=regulator.headers).json()
    assert contacts["total"] == 5

    # Roles: a regulator cannot record contacts; lenders see no breaches.
    assert _contact(client, regulator, "2026-03-04T10:00:00+08:00").status_code == 403
    assert (
        client.get("/v1/compliance/violations", headers=demo["lender"].headers).status_code == 403
    )
    bad_zone = _contact(client, collector, "2026-03-04T10:00:00+08:00", time_zone="Mars/Base")
    assert bad_zone.status_code == 422 and "Mars/Base" in bad_zone.json()["detail"]
    naive = _contact(client, collector, "2026-03-04T10:00:00")
    assert naive.status_code == 422
