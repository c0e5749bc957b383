"""The evidence API: submit, receipts, download, search, supersede, forget, and who may."""

from __future__ import annotations

import hashlib

from notary.receipts import Receipt, verify_receipt

RECORDING = b"RIFF" + bytes(range(256)) * 64


def _upload(client, caller, content=RECORDING, **fields):
    data = {"evidence_type": "call_recording", "case_reference": "CASE-9", **fields}
    files = {"file": ("call-0001.wav", content, "audio/wav")}
    return client.post("/v1/evidence", data=data, files=files, headers=caller.headers)


def test_upload_anchor_receipt_download(client, runtime, demo, verify_url):
    collector = demo["collector"]
    first = _upload(client, collector, contact_time="2026-11-20T09:30:00Z", channel="phone")
    assert first.status_code == 201, first.text
    body = first.json()
    assert body["status"] == "pending"
    assert body["document_digest"] == hashlib.sha256(RECORDING).hexdigest()
    again = _upload(client, collector, contact_time="2026-11-20T09:30:00Z", channel="phone")
    assert again.status_code == 200 and again.json()["id"] == body["id"], "idempotent"

    pending = client.get(f"/v1/evidence/{body['id']}/receipt", headers=collector.headers)
    assert pending.status_code == 202 and pending.json()["status"] == "pending"
    runtime.anchorer.anchor_all()
    final = client.get(f"/v1/evidence/{body['id']}/receipt", headers=collector.headers)
    assert final.status_code == 200 and final.json()["final"] is True
    receipt = Receipt.from_json(final.json()["receipt"])
    report = verify_receipt(
        receipt, document=RECORDING, rpc_url=verify_url, trust=runtime.trust_root()
    )
    assert report.verified and report.failed == () and report.skipped == ()

    item = client.get(f"/v1/evidence/{body['id']}", headers=collector.headers).json()
    assert item["status"] == "final" and item["channel"] == "phone"
    assert "CASE-9" not in str(item), "the case reference is only ever committed to"
    content = client.get(f"/v1/evidence/{body['id']}/content", headers=collector.headers)
    assert content.status_code == 200 and content.content == RECORDING
    assert content.headers["content-type"] == "audio/wav"


def test_who_sees_what(client, demo):
    collector, lender = demo["collector"], demo["lender"]
    item = _upload(client, collector).json()["id"]
    for reader in ("legal", "regulator", "notary"):
        seen = client.get(f"/v1/evidence/{item}/content", headers=demo[reader].headers)
        assert seen.status_code == 200, reader
    hidden = client.get(f"/v1/evidence/{item}", headers=lender.headers)
    assert hidden.status_code == 404, "another submitter's item does not exist for a lender"
    assert client.get("/v1/evidence", headers=lender.headers).json()["total"] == 0
    dealer = client.get(f"/v1/evidence/{item}", headers=demo["dealer"].headers)
    assert dealer.status_code == 403
    refused = _upload(client, demo["dealer"])
    assert refused.status_code == 403
    regulator_write = _upload(client, demo["regulator"])
    assert regulator_write.status_code == 403


def test_search_by_case_type_submitter_and_time(client, demo):
    collector = demo["collector"]
    _upload(client, collector, content=b"one", case_reference="CASE-A")
    _upload(client, collector, content=b"two", case_reference="CASE-B")
    digest = client.post(
        "/v1/evidence/digests",
        headers=demo["lender"].headers,
        json={
            "document_digest": "ab" * 32,
            "evidence_type": "audit_photo",
            "case_reference": "CASE-A",
            "media_type": "image/jpeg",
        },
    )
    assert digest.status_code == 201, digest.text
    legal = demo["legal"].headers
    by_case = client.get("/v1/evidence", params={"case": "CASE-A"}, headers=legal).json()
    assert by_case["total"] == 2
    by_type = client.get("/v1/evidence", params={"type": "audit_photo"}, headers=legal).json()
    assert [i["document_digest"] for i in by_type["items"]] == ["ab" * 32]
    mine = client.get(
        "/v1/evidence", params={"submitter": collector.member.id}, headers=legal
    ).json()
    assert mine["total"] == 2
    future = client.get(
        "/v1/evidence", params={"from": "2100-01-01T00:00:00Z"}, headers=legal
    ).json()
    assert future["total"] == 0
    paged = client.get("/v1/evidence", params={"limit": 1, "offset": 1}, headers=legal).json()
    assert paged["total"] == 3 and len(paged["items"]) == 1


def test_forget_destroys_the_content_but_not_the_proof(client, runtime, demo, verify_url):
    collector = demo["collector"]
    item = _upload(client, collector).json()["id"]
    runtime.anchorer.anchor_all()
    forgotten = client.post(f"/v1/evidence/{item}/forget", headers=collector.headers)
    assert forgotten.status_code == 200 and forgotten.json()["forgotten"] is True
    gone = client.get(f"/v1/evidence/{item}/content", headers=demo["legal"].headers)
    assert gone.status_code == 410
    receipt = client.get(f"/v1/evidence/{item}/receipt", headers=collector.headers).json()
    report = verify_receipt(
        receipt["receipt"], document=RECORDING, rpc_url=verify_url, trust=runtime.trust_root()
    )
    assert report.verified, report.checks
    leaf = forgotten.json()["leaf_hash"]
    assert runtime.registry.forgotten_at(bytes.fromhex(leaf)) is not None
    twice = client.post(f"/v1/evidence/{item}/forget", headers=collector.headers)
    assert twice.status_code == 409


def test_supersede_records_on_chain(client, runtime, demo):
    collector = demo["collector"]
    old = _upload(client, collector, content=b"blurry").json()["id"]
    new = _upload(client, collector, content=b"sharp").json()["id"]
    done = client.post(
        f"/v1/evidence/{old}/supersede",
        headers=collector.headers,
        json={"replacement": new, "reason": "better_copy"},
    )
    assert done.status_code == 200 and done.json()["superseded_by"] == new
    on_chain = runtime.registry.superseded_by(bytes.fromhex(done.json()["leaf_hash"]))
    assert on_chain is not None and on_chain[1].name == "BETTER_COPY"
    again = client.post(
        f"/v1/evidence/{old}/supersede",
        headers=collector.headers,
        json={"replacement": new, "reason": "duplicate"},
    )
    assert again.status_code == 409
    stranger = client.post(f"/v1/evidence/{new}/forget", headers=demo["lender"].headers)
    assert stranger.status_code == 404


def test_bad_input_is_refused_and_nothing_is_stored(client, runtime, demo):
    collector = demo["collector"].headers
    unknown_field = client.post(
        "/v1/evidence/digests",
        headers=collector,
        json={
            "document_digest": "ab" * 32,
            "evidence_type": "other",
            "case_reference": "C",
            "status": "final",
        },
    )
    assert unknown_field.status_code == 422 and "body.status" in unknown_field.json()["detail"]
    bad_type = _upload(client, demo["collector"], evidence_type="selfie")
    assert bad_type.status_code == 422 and "evidence_type" in bad_type.json()["detail"]
    personal = client.post(
        "/v1/evidence/digests",
        headers=collector,
        json={
            "document_digest": "ab" * 32,
            "evidence_type": "other",
            "case_reference": "C",
            "metadata": {"borrower_name": "Zhang San"},
        },
    )
    assert personal.status_code == 422 and "personal data" in personal.json()["detail"]
    runtime.settings.max_upload_bytes = 100
    too_big = _upload(client, demo["collector"], content=b"x" * 5000)
    assert too_big.status_code == 413
    assert client.get("/v1/evidence", headers=demo["legal"].headers).json()["total"] == 0
