"""The borrower's pages in a real browser, at 390 px in Chinese: link and code, wrong code,
the timeline with a breach, reporting a contact, the receipt verifying, revoked and expired
links, the rate limits, and another case's data unreachable."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import Page, expect
from sqlmodel import Session, select

from notary.case_access import MAX_ADDRESS_ATTEMPTS, MAX_FAILED_ATTEMPTS, CaseLink
from notary.contacts import ContactIn, load_rules, record_contact
from notary.intake import Submitter
from notary.models import EvidenceItem
from notary.receipts import verify_receipt
from tests.api.helpers import issue_link
from tests.pages.conftest import shot

pytestmark = pytest.mark.zh

CASE = "CASE-2026-042"
OTHER_CASE = "CASE-2026-043"
LATE = "请您尽快还款。"
PHONE = {"width": 390, "height": 844}


@pytest.fixture
def contacts(runtime, demo):
    """Two contacts of the case (one at 23:30 Shanghai time: a breach) and one of another
    case, anchored."""
    member = demo["collector"].member
    collector = Submitter(member_id=member.id, address=member.address)
    rules = load_rules(runtime.settings.var_dir)

    def contact(case: str, at: datetime, channel: str, text: str):
        return record_contact(
            engine=runtime.engine,
            intake=runtime.intake,
            rules=rules,
            submitter=collector,
            contact=ContactIn(
                contact_time=at,
                channel=channel,
                time_zone="Asia/Shanghai",
                debtor_reference=f"D-{case}",
                case_reference=case,
                transcript=text,
            ),
        )

    polite = contact(CASE, datetime(2026, 11, 20, 2, 0, tzinfo=UTC), "phone", "您好，提醒您还款。")
    late = contact(CASE, datetime(2026, 11, 20, 15, 30, tzinfo=UTC), "sms", LATE)
    other = contact(OTHER_CASE, datetime(2026, 11, 20, 3, 0, tzinfo=UTC), "phone", "另一个案件")
    runtime.anchorer.anchor_all()
    assert [v.rule for v in late.violations] == ["contact_hours"] and not polite.violations
    return {"polite": polite.contact, "late": late.contact, "other": other.contact}


def _open(page: Page, base: str, path: str, code: str) -> None:
    page.goto(base + path)
    expect(page.get_by_role("heading", name="查看您的案件")).to_be_visible()
    page.get_by_label("访问码").fill(code)
    page.get_by_role("button", name="打开案件").click()


def test_borrower_sees_the_case_reports_a_contact_and_verifies_receipts(
    page, server, client, demo, contacts, runtime, verify_url, tmp_path
):
    page.set_viewport_size(PHONE)
    issued = issue_link(client, demo["collector"], CASE)
    assert re.fullmatch(r"/case-access/[A-Za-z0-9_-]{43}", issued["path"])

    _open(page, server, issued["path"], "00000000")
    expect(page.get_by_role("alert")).to_contain_text("链接或访问码不正确")
    shot(page, "borrower-01-wrong-code")

    _open(page, server, issued["path"], issued["code"])
    page.wait_for_url(re.compile(r"/borrower$"))
    expect(page.get_by_role("heading", name="您的案件", exact=True)).to_be_visible()
    expect(page.locator("#breach-summary")).to_contain_text("有 1 处违反催收规则")
    late = page.locator(f"#{contacts['late'].public_id}")
    expect(late).to_contain_text("2026-11-20 23:30 (Asia/Shanghai)")
    expect(late).to_contain_text("短信")
    expect(late.locator(".breach")).to_contain_text("违反联系时段")
    expect(page.locator(f"#{contacts['polite'].public_id}")).to_contain_text("符合规则")
    anchored = re.compile("已上链|已最终确认")
    expect(page.locator(f"#{contacts['late'].evidence_id}")).to_contain_text(anchored)
    expect(page.locator("#verify-command")).to_contain_text(
        f"--registry {runtime.trust_root(with_notaries=False).registry}"
    )
    assert contacts["other"].evidence_id not in page.content()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    shot(page, "borrower-02-case")

    # the receipt of the late contact verifies against the trust root
    with page.expect_download() as download:
        page.locator(f"#{contacts['late'].evidence_id}").get_by_role(
            "link", name="下载存证回执（JSON）"
        ).click()
    path = tmp_path / "late.receipt.json"
    download.value.save_as(path)
    report = verify_receipt(
        path.read_text(), document=LATE.encode(), rpc_url=verify_url, trust=runtime.trust_root()
    )
    assert report.verified and report.skipped == ()

    # report the late contact: evidence about the case, anchored, its receipt verifying
    late.get_by_text("举报此次联系不当").click()
    late.get_by_label("发生了什么").fill("晚上十一点半发短信催我还款。")
    late.get_by_role("button", name="提交举报").click()
    expect(page.locator("#reported")).to_contain_text("已作为证据")
    report_id = re.search(r"ev_[0-9a-z]+", page.locator("#reported").inner_text()).group(0)
    expect(page.locator(f"#{report_id}")).to_contain_text("待上链")
    runtime.anchorer.anchor_all()
    page.reload()
    item = page.locator(f"#{report_id}")
    expect(item).to_contain_text("您的不当联系举报")
    expect(item).to_contain_text(anchored)
    shot(page, "borrower-03-reported")
    with page.expect_download() as download:
        item.get_by_role("link", name="下载存证回执（JSON）").click()
    download.value.save_as(path)
    with Session(runtime.engine) as db:
        stored = db.exec(select(EvidenceItem).where(EvidenceItem.public_id == report_id)).one()
    assert stored.case_commitment == runtime.intake.case_commitment(CASE)
    document = runtime.blobs.read_bytes(stored.document_digest)
    assert "晚上十一点半".encode() in document
    report = verify_receipt(
        path.read_text(), document=document, rpc_url=verify_url, trust=runtime.trust_root()
    )
    assert report.verified

    # the regulator sees the report in the case's evidence (the issuer: in the access log)
    found = client.get(
        "/v1/evidence", params={"case_reference": CASE}, headers=demo["regulator"].headers
    )
    assert found.status_code == 200, found.text
    assert report_id in found.text

    # another case's data is unreachable, by id and by path
    other_receipt = page.request.get(
        f"{server}/borrower/evidence/{contacts['other'].evidence_id}/receipt.json"
    )
    assert other_receipt.status == 404
    csrf = page.locator("input[name=csrf_token]").first.input_value()
    other_report = page.request.post(
        f"{server}/borrower/report",
        form={"csrf_token": csrf, "contact": contacts["other"].public_id, "text": "x"},
    )
    assert other_report.status == 404
    other_id = contacts["other"].evidence_id
    escaped = page.request.get(f"{server}/borrower/evidence/%2e%2e%2f{other_id}/receipt.json")
    assert escaped.status == 404
    member_page = page.request.get(f"{server}/evidence/{other_id}")
    assert "/sign-in" in member_page.url  # a case session opens no member page

    # the access log: every attempt and use, for the issuer and the regulator only
    link_id = issued["link"]["id"]
    log = client.get(f"/v1/case-links/{link_id}/log", headers=demo["collector"].headers)
    outcomes = [e["outcome"] for e in log.json()]
    assert {"wrong_code", "opened", "viewed", "reported"} <= set(outcomes), outcomes
    assert any(e["outcome"] == "reported" and e["detail"] == report_id for e in log.json())
    regulator = client.get(f"/v1/case-links/{link_id}/log", headers=demo["regulator"].headers)
    assert regulator.json() == log.json()
    lender = client.get(f"/v1/case-links/{link_id}/log", headers=demo["lender"].headers)
    assert lender.status_code == 404

    # revoked: the open session ends at once, and the right code says the link ended
    revoked = client.post(f"/v1/case-links/{link_id}/revoke", headers=demo["collector"].headers)
    assert revoked.status_code == 200 and revoked.json()["revoked_at"]
    page.reload()
    expect(page.get_by_role("alert")).to_contain_text("会话已结束")
    _open(page, server, issued["path"], issued["code"])
    expect(page.get_by_role("alert")).to_contain_text("已过期或已被撤销")
    shot(page, "borrower-04-revoked")


def test_expired_and_locked_links_and_the_address_limit(page, server, client, demo, runtime):
    page.set_viewport_size(PHONE)
    expired = issue_link(client, demo["lender"], CASE)
    with Session(runtime.engine) as db:
        row = db.exec(select(CaseLink).where(CaseLink.public_id == expired["link"]["id"])).one()
        row.expires_at = datetime.now(UTC) - timedelta(minutes=1)
        db.add(row)
        db.commit()
    _open(page, server, expired["path"], expired["code"])
    expect(page.get_by_role("alert")).to_contain_text("已过期或已被撤销")

    locked = issue_link(client, demo["collector"], CASE)
    for _ in range(MAX_FAILED_ATTEMPTS):
        _open(page, server, locked["path"], "11111111")
    _open(page, server, locked["path"], locked["code"])
    expect(page.get_by_role("alert")).to_contain_text("链接或访问码不正确")
    assert page.context.cookies() and not any(
        c["name"] == "autoledger_case" for c in page.context.cookies()
    )

    used = 2 + MAX_FAILED_ATTEMPTS
    csrf = page.locator("input[name=csrf_token]").first.input_value()
    for i in range(MAX_ADDRESS_ATTEMPTS - used):
        answer = page.request.post(
            f"{server}/case-access/scan-{i}", form={"csrf_token": csrf, "code": "0"}
        )
        assert answer.status == 403
    fresh = issue_link(client, demo["collector"], CASE)
    _open(page, server, fresh["path"], fresh["code"])
    expect(page.get_by_role("alert")).to_contain_text("尝试次数过多")
    assert page.request.get(f"{server}/borrower").status == 401
    shot(page, "borrower-05-rate-limited")
