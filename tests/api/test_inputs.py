"""Bad inputs at the HTTP boundary: each is a 4xx problem+json naming what is wrong, documented
in the OpenAPI document, and nothing is stored."""

from __future__ import annotations

import io
import json
import re
from typing import Any

from fastapi.testclient import TestClient
from pypdf import PdfReader
from sqlmodel import Session, select

from api.inputs import InputError, check_text, check_texts
from api.runtime import Runtime
from notary.models import EvidenceItem
from tests.api.conftest import Caller

PROBLEM_JSON = "application/problem+json"
HUGE = "x" * (5 << 20)
"""A 5 MB value: its error answer must stay small."""


def _refused(client: TestClient, response: Any, status: int = 422, *names: str) -> dict[str, Any]:
    """Assert `response` is a `status` problem+json whose detail names each of `names`, that
    the OpenAPI document lists that status for the operation, and that the body is small."""
    assert response.status_code == status, response.text[:500]
    assert response.headers["content-type"] == PROBLEM_JSON
    assert len(response.content) < 8192, "an error answer echoes at most a short prefix"
    body = response.json()
    assert body["status"] == status
    for name in names:
        assert name in body["detail"], (name, body["detail"])
    _documented(client, response.request.method, response.request.url.path, status)
    return dict(body)


def _documented(client: TestClient, method: str, path: str, status: int) -> None:
    doc = client.get("/v1/openapi.json").json()
    for template, operations in doc["paths"].items():
        parts, sent = template.strip("/").split("/"), path.strip("/").split("/")
        if len(parts) == len(sent) and all(
            p == s or p.startswith("{") for p, s in zip(parts, sent, strict=True)
        ):
            operation = operations.get(method.lower())
            if operation is not None:
                answer = operation["responses"][str(status)]
                assert list(answer["content"]) == [PROBLEM_JSON]
                return
    raise AssertionError(f"{method} {path} is not in the OpenAPI document")


def _stored_items(runtime: Runtime) -> list[EvidenceItem]:
    with Session(runtime.engine) as session:
        return list(session.exec(select(EvidenceItem)))


def _multipart(*parts: tuple[bytes, bytes]) -> tuple[bytes, dict[str, str]]:
    """A multipart body made by hand from (Content-Disposition parameters, content) pairs, so
    a test can send what clients normally escape (raw bytes in a file name, a part twice)."""
    boundary = b"autoledgerTESTboundary"
    body = b"".join(
        b"--"
        + boundary
        + b"\r\nContent-Disposition: form-data; "
        + disposition
        + b"\r\n\r\n"
        + content
        + b"\r\n"
        for disposition, content in parts
    )
    body += b"--" + boundary + b"--\r\n"
    return body, {"Content-Type": "multipart/form-data; boundary=" + boundary.decode()}


def _upload_raw(client: TestClient, caller: Caller, *parts: tuple[bytes, bytes]) -> Any:
    body, headers = _multipart(
        (b'name="evidence_type"', b"call_recording"), (b'name="case_reference"', b"C-1"), *parts
    )
    return client.post("/v1/evidence", content=body, headers=caller.headers | headers)


def test_dates_outside_the_range_are_refused_on_every_route(
    client: TestClient, runtime: Runtime, demo: dict[str, Caller]
):
    regulator, collector = demo["regulator"].headers, demo["collector"].headers
    export = client.get("/v1/audit/export?from=2026-01-01&to=9999-12-31", headers=regulator)
    body = _refused(client, export, 422, "query.to", "2999-12-31")
    assert body["errors"][0]["location"] == "query.to"
    for path in ("/v1/contacts", "/v1/compliance/violations", "/v1/compliance/summary"):
        _refused(client, client.get(f"{path}?to=9999-12-31", headers=regulator), 422, "query.to")
        _refused(client, client.get(f"{path}?from=0001-01-01", headers=regulator), 422)
    search = client.get("/v1/evidence", params={"from": "0001-01-01T00:00:00Z"}, headers=regulator)
    _refused(client, search, 422, "query.from")
    digest = {"document_digest": "ab" * 32, "evidence_type": "other", "case_reference": "C-1"}
    for moment in ("0001-01-01T00:00:00Z", "9999-12-31T23:59:59Z", "3000-01-01T00:00:00Z"):
        at = digest | {"contact_time": moment}
        refused = client.post("/v1/evidence/digests", json=at, headers=collector)
        _refused(client, refused, 422, "body.contact_time", "1970-01-01")
        contact = {
            "contact_time": moment,
            "channel": "phone",
            "debtor_reference": "D-1",
            "case_reference": "C-1",
            "document_digest": "cd" * 32,
        }
        _refused(client, client.post("/v1/contacts", json=contact, headers=collector), 422)
        upload = client.post(
            "/v1/evidence",
            data={"evidence_type": "other", "case_reference": "C-1", "contact_time": moment},
            files={"file": ("a.txt", b"a", "text/plain")},
            headers=collector,
        )
        _refused(client, upload, 422, "body.contact_time")
    assert _stored_items(runtime) == []
    assert client.get("/v1/contacts", headers=regulator).json()["total"] == 0
    # The bounds themselves are accepted.
    assert client.get("/v1/compliance/summary?to=2999-12-31", headers=regulator).status_code == 200
    edge = digest | {"contact_time": "2999-12-31T23:59:59Z"}
    assert client.post("/v1/evidence/digests", json=edge, headers=collector).status_code == 201


def test_multipart_with_a_repeated_or_unknown_part_is_refused(
    client: TestClient, runtime: Runtime, demo: dict[str, Caller]
):
    collector = demo["collector"]
    twice = _upload_raw(
        client,
        collector,
        (b'name="file"; filename="one.wav"', b"first"),
        (b'name="file"; filename="two.wav"', b"second"),
    )
    _refused(client, twice, 422, "body.file", "given 2 times")
    unknown = _upload_raw(
        client,
        collector,
        (b'name="file"; filename="one.wav"', b"first"),
        (b'name="debtor_name"', b"Zhang San"),
    )
    body = _refused(client, unknown, 422, "body.debtor_name", "not a field of this form")
    assert "Zhang San" not in json.dumps(body)
    nul = _upload_raw(
        client,
        collector,
        (b'name="file"; filename="one.wav"', b"first"),
        (b'name="device_id"', b"dev\x00ice"),
    )
    _refused(client, nul, 422, "body.device_id", "U+0000")
    huge = client.post(
        "/v1/evidence",
        data={"evidence_type": "other", "case_reference": "C-1", "channel": HUGE[:100_000]},
        files={"file": ("a.txt", b"a", "text/plain")},
        headers=collector.headers,
    )
    _refused(client, huge, 422, "body.channel")
    assert _stored_items(runtime) == []
    good = _upload_raw(client, collector, (b'name="file"; filename="one.wav"', b"first"))
    assert good.status_code == 201, good.text


def test_uploaded_file_names_are_stored_safe_and_the_original_escaped(
    client: TestClient, runtime: Runtime, demo: dict[str, Caller]
):
    collector = demo["collector"]
    sent = {
        b"../../../../etc/passwd": ("passwd", "../../../../etc/passwd"),
        b"invoice\xe2\x80\xaefdp.exe": ("invoice_fdp.exe", "invoice\\u202efdp.exe"),
        b"nul\x00byte.txt": ("nul_byte.txt", "nul\\x00byte.txt"),
        b"tab\tand\x1b[31mred.txt": ("tab_and_[31mred.txt", "tab\\tand\\x1b[31mred.txt"),
        "录音 01.wav".encode(): ("录音 01.wav", None),
        b"x" * 400 + b".wav": ("x" * 251 + ".wav", "x" * 400 + ".wav"),
    }
    ids = {}
    for index, name in enumerate(sent):
        response = _upload_raw(
            client,
            collector,
            (b'name="file"; filename="' + name + b'"', b"content %d" % index),
        )
        assert response.status_code == 201, (name, response.text)
        ids[name] = response.json()["id"]
    for name, (safe, escaped) in sent.items():
        item = client.get(f"/v1/evidence/{ids[name]}", headers=collector.headers).json()
        assert item["file_name"] == safe, name
        assert item["file_name_as_sent"] == escaped, name
    for item in _stored_items(runtime):
        assert item.file_name is not None
        assert not any(c in item.file_name for c in "/\\\x00\u202e\r\n\x1b"), item.file_name
        assert len(item.file_name.encode()) <= 255
        assert item.file_name not in item.record_json, "a file name never enters the record"
    # The certificate prints the safe form.
    runtime.anchorer.anchor_all()
    overridden = ids["invoice\u202efdp.exe".encode()]
    pdf = client.get(f"/v1/evidence/{overridden}/certificate", headers=collector.headers)
    assert pdf.status_code == 200
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.content)).pages)
    assert "invoice_fdp.exe" in text and "\u202e" not in text


def test_numbers_are_numbers_and_text_holds_no_nul(
    client: TestClient, runtime: Runtime, demo: dict[str, Caller]
):
    lender, dealer, collector = demo["lender"], demo["dealer"], demo["collector"]
    claim = {"debtor_id": dealer.member.id, "kind": "fee", "reference": "INV-1"}
    for amount, kind in ((True, "int_type"), ("100", "int_type"), (100.0, "int_type")):
        refused = client.post("/v1/claims", json=claim | {"amount": amount}, headers=lender.headers)
        body = _refused(client, refused, 422, "body.amount")
        assert body["errors"][0]["type"] == kind
    as_text = client.post(
        "/v1/claims",
        json=claim | {"amount": 100, "debtor_id": str(dealer.member.id)},
        headers=lender.headers,
    )
    _refused(client, as_text, 422, "body.debtor_id")
    huge_id = client.post(
        "/v1/claims", json=claim | {"amount": 100, "debtor_id": 2**64}, headers=lender.headers
    )
    _refused(client, huge_id, 422, "body.debtor_id")
    nul_reference = client.post(
        "/v1/claims", json=claim | {"amount": 100, "reference": "INV\x00"}, headers=lender.headers
    )
    _refused(client, nul_reference, 422, "body.reference", "U+0000")
    as_form = client.post("/v1/claims", data={"amount": "1"}, headers=lender.headers)
    _refused(client, as_form, 422, "takes application/json")
    nested = b"[" * 100_000
    json_headers = lender.headers | {"Content-Type": "application/json"}
    _refused(client, client.post("/v1/claims", content=nested, headers=json_headers), 400)
    assert client.get("/v1/claims", headers=lender.headers).json() == []
    line = {"dealer_id": dealer.member.id, "limit": True, "terms": {}}
    _refused(client, client.post("/v1/lines", json=line, headers=lender.headers), 422, "limit")
    assert client.get("/v1/lines", headers=lender.headers).json() == []

    digest = {"document_digest": "ab" * 32, "evidence_type": "other"}
    nul_case = client.post(
        "/v1/evidence/digests",
        json=digest | {"case_reference": "CASE\x00-1"},
        headers=collector.headers,
    )
    _refused(client, nul_case, 422, "body.case_reference", "U+0000")
    surrogate = client.post(
        "/v1/evidence/digests",
        content=json.dumps(digest | {"case_reference": "C", "metadata": {"note": "\ud800"}}),
        headers=collector.headers | {"Content-Type": "application/json"},
    )
    _refused(client, surrogate, 422, "body.metadata", "note: contains a lone surrogate")
    huge = client.post(
        "/v1/evidence/digests",
        json=digest | {"case_reference": "C", "media_type": HUGE},
        headers=collector.headers,
    )
    _refused(client, huge, 422, "body.media_type")
    huge_channel = client.post(
        "/v1/contacts",
        json={
            "contact_time": "2026-03-02T10:00:00+08:00",
            "channel": HUGE,
            "debtor_reference": "D-1",
            "case_reference": "C-1",
            "document_digest": "cd" * 32,
        },
        headers=collector.headers,
    )
    _refused(client, huge_channel, 422, "body.channel")
    bool_size = client.post(
        "/v1/evidence/digests",
        json=digest | {"case_reference": "C", "size": True},
        headers=collector.headers,
    )
    _refused(client, bool_size, 422, "body.size")
    assert _stored_items(runtime) == []

    # Query and path parameters: NUL, huge numbers, huge strings.
    legal = demo["legal"].headers
    nul_query = client.get("/v1/evidence", params={"case": "C\x00"}, headers=legal)
    _refused(client, nul_query, 422, "query.case", "U+0000")
    far = client.get("/v1/evidence", params={"offset": 2**63}, headers=legal)
    _refused(client, far, 422, "query.offset")
    member = client.get(f"/v1/views/members/{2**64}/timeline", headers=legal)
    _refused(client, member, 422, "path.member_id")
    nul_event = client.get(
        f"/v1/views/members/{lender.member.id}/timeline", params={"event": "E\x00"}, headers=legal
    )
    _refused(client, nul_event, 422, "query.event")
    long_vin = client.get(f"/v1/views/vehicles/{'V' * 5000}/timeline", headers=legal)
    _refused(client, long_vin, 422, "path.vin")


def test_a_405_names_every_allowed_method(client: TestClient, demo: dict[str, Caller]):
    refused = client.put("/v1/evidence", headers=demo["collector"].headers)
    assert refused.status_code == 405
    assert refused.headers["content-type"] == PROBLEM_JSON
    assert set(refused.headers["allow"].split(", ")) == {"GET", "POST"}
    assert set(refused.json()["allowed"]) == {"GET", "POST"}
    assert "GET" in refused.json()["detail"] and "POST" in refused.json()["detail"]
    dispute = client.get("/v1/claims/1/dispute", headers=demo["lender"].headers)
    assert dispute.status_code == 405
    assert set(dispute.headers["allow"].split(", ")) == {"DELETE", "POST"}


def test_openapi_documents_every_error_as_problem_json_and_bounds_every_input(
    client: TestClient,
):
    doc = client.get("/v1/openapi.json").json()
    components = doc["components"]["schemas"]
    assert {"Problem", "FieldError"} <= set(components)
    assert "HTTPValidationError" not in components
    unbounded = []
    for path, operations in doc["paths"].items():
        if not path.startswith("/v1"):
            continue
        for method, operation in operations.items():
            responses = operation["responses"]
            for code, answer in responses.items():
                if code[0] in "45":
                    assert list(answer["content"]) == [PROBLEM_JSON], (method, path, code)
            expected = {"422", "500", "503"}
            if "{" in path:
                expected.add("404")
            if method != "get":
                expected.add("409")
            assert expected <= set(responses), (method, path, sorted(responses))
            for parameter in operation.get("parameters", []):
                unbounded += _unbounded(
                    parameter["schema"], f"{method} {path} {parameter['name']}", components
                )
            for media in operation.get("requestBody", {}).get("content", {}).values():
                unbounded += _unbounded(media["schema"], f"{method} {path} body", components)
    assert unbounded == [], "every string, number, list and map a request takes has a bound"
    # Authenticated operations answer 401 and 403; the public lien check does not.
    assert {"401", "403"} <= set(doc["paths"]["/v1/claims"]["post"]["responses"])
    public = doc["paths"]["/v1/public/vehicles/{vin}/lien"]["get"]["responses"]
    assert "401" not in public
    upload = doc["paths"]["/v1/evidence"]["post"]["responses"]
    assert {"400", "413", "422"} <= set(upload)
    assert "410" in doc["paths"]["/v1/evidence/{public_id}/content"]["get"]["responses"]


def _unbounded(schema: dict[str, Any], where: str, components: dict[str, Any]) -> list[str]:
    """Where `schema` takes a string without a length bound (or a bounded pattern), an
    integer without a maximum, a list without maxItems, a map without maxProperties."""
    while "$ref" in schema:
        schema = components[schema["$ref"].rsplit("/", 1)[-1]]
    found: list[str] = []
    for key in ("anyOf", "oneOf", "allOf"):
        for part in schema.get(key, []):
            found += _unbounded(part, where, components)
    kind = schema.get("type")
    if kind == "string":
        pattern = schema.get("pattern", "")
        bounded_pattern = (
            pattern.startswith("^")
            and pattern.endswith("$")
            and not re.search(r"[*+]|\{\d*,\}", pattern)
        )
        if not (
            "maxLength" in schema
            or "enum" in schema
            or "const" in schema
            or bounded_pattern
            or schema.get("format") in ("date", "date-time")
            or "contentMediaType" in schema
        ):
            found.append(f"{where}: string")
    elif kind == "integer" and "maximum" not in schema and "exclusiveMaximum" not in schema:
        found.append(f"{where}: integer")
    elif kind == "array":
        if "maxItems" not in schema:
            found.append(f"{where}: array")
        found += _unbounded(schema.get("items", {}), f"{where}[]", components)
    elif kind == "object":
        for name, member in schema.get("properties", {}).items():
            found += _unbounded(member, f"{where}.{name}", components)
        extra = schema.get("additionalProperties")
        if isinstance(extra, dict):
            if "maxProperties" not in schema:
                found.append(f"{where}: object")
            found += _unbounded(extra, f"{where}{{}}", components)
    return found


def test_the_command_line_enforces_the_upload_limit_and_the_date_range(
    cli_env, database_url, monkeypatch
):
    from typer.testing import CliRunner

    from api.cli import app
    from ledger.database import make_engine

    runner = CliRunner()
    folder = cli_env / "evidence"
    folder.mkdir()
    (folder / "small.txt").write_bytes(b"x" * 10)
    (folder / "big.wav").write_bytes(b"x" * 5000)
    monkeypatch.setenv("AUTOLEDGER_MAX_UPLOAD_BYTES", "100")
    result = runner.invoke(app, ["stamp", str(folder), "--case", "C-1"])
    assert result.exit_code == 2, result.output
    said = " ".join(result.output.split())  # the console wraps long lines
    assert "big.wav: 5000 bytes is larger than the upload limit of 100 bytes" in said
    assert "AUTOLEDGER_MAX_UPLOAD_BYTES" in said and "small.txt" not in said
    assert list(folder.glob("*.receipt.json")) == []
    engine = make_engine(database_url)
    with Session(engine) as session:
        assert list(session.exec(select(EvidenceItem))) == [], "nothing was stored"
    engine.dispose()
    # Digests only: no file is stored, so no limit (as POST /v1/evidence/digests).
    digests = runner.invoke(app, ["stamp", str(folder), "--digest", "--no-wait", "--case", "C-1"])
    assert digests.exit_code == 0, digests.output
    export = runner.invoke(
        app, ["audit", "export", "--from", "2026-01-01", "--to", "9999-12-31", "-o", "x.zip"]
    )
    assert export.exit_code == 2, export.output
    assert "2999-12-31" in " ".join(export.output.split())


def test_the_whole_body_search_refuses_exactly_what_the_character_rule_refuses():
    """`check_texts` searches a list or dict as one JSON text first: for every character near
    the forbidden ranges, in a value, a key and a nested tuple, it refuses what `check_text`
    refuses and names the same place, and text that only looks like an escape passes."""
    for code in [*range(0x300), *range(0xD7F0, 0xE010)]:
        char = chr(code)
        try:
            check_text(char)
            forbidden = False
        except InputError:
            forbidden = True
        for value, where in (
            ({"items": [{"a": "x"}, {"b": "ab" + char}]}, "items.1.b"),
            ([{"k" + char: 1}], "0.k"),
            (["ok", ("t", "x" + char)], "1.1"),
        ):
            try:
                check_texts(value)
                refused = None
            except InputError as exc:
                refused = str(exc)
            assert (refused is not None) == forbidden, (hex(code), value)
            if refused is not None:
                assert refused.startswith(where) and f"U+{code:04X}" in refused, refused
    check_texts({"text": "\\u0001, \\b and \\f as typed"})
