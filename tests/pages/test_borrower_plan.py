"""The case's stage, amount due and repayment plan in a real browser at 390 px in Chinese:
the collector sets them on its case page, the borrower sees them in words, proposes a plan,
the member counter-proposes, the borrower agrees with an explicit consent step, and the
agreement is an evidence item of the case."""

from __future__ import annotations

import io
import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import Browser, Page, expect
from sqlmodel import Session, select

from notary.case_access import CaseLink
from notary.case_status import CaseStatus
from notary.intake import Submission, Submitter
from notary.models import EvidenceItem
from notary.receipts import verify_receipt
from notary.repayment import InstalmentIn, RepaymentPlan, propose
from tests.api.helpers import issue_link
from tests.pages.conftest import shot, sign_in
from tests.pages.test_every_page import AXE, AXE_OPTIONS, untranslated

pytestmark = pytest.mark.zh

CASE = "CASE-2026-142"
PHONE = {"width": 390, "height": 844}


def _open(page: Page, base: str, path: str, code: str) -> None:
    page.goto(base + path)
    page.get_by_label("访问码").fill(code)
    page.get_by_role("button", name="打开案件").click()
    page.wait_for_url(re.compile(r"/borrower$"))


@pytest.fixture
def member_page(browser: Browser, server, demo) -> Iterator[Page]:
    """The collector, signed in, in its own Chinese browser profile at 390 px."""
    context = browser.new_context(locale="zh-CN", viewport=PHONE)
    try:
        page = context.new_page()
        sign_in(page, server, demo["collector"])
        yield page
    finally:
        context.close()


def _set_status(page: Page, server: str, **values: str) -> None:
    page.goto(f"{server}/cases?case={CASE}")
    form = page.locator("form.status-form")
    form.get_by_label("阶段").select_option(values.pop("stage"))
    for label, value in values.items():
        form.get_by_label(label).fill(value)
    form.get_by_role("button", name="保存新的阶段和金额").click()


def test_the_member_sets_the_stage_and_the_borrower_reads_it(
    page, member_page, server, client, demo, runtime
):
    page.set_viewport_size(PHONE)
    issued = issue_link(client, demo["collector"], CASE)
    end = (datetime.now(UTC).date() + timedelta(days=120)).isoformat()

    _set_status(member_page, server, stage="reminder", **{"本金（元）": "abc", "利息（元）": "0",
                                                          "费用（元）": "0"})  # fmt: skip
    expect(member_page.get_by_role("alert")).to_contain_text("请输入金额")
    expect(member_page.locator("#f-principal-error")).to_be_visible()
    with Session(runtime.engine) as db:
        assert db.exec(select(CaseStatus)).all() == []

    _set_status(member_page, server, stage="reminder", **{"本金（元）": "10000", "利息（元）": "0",
                                                          "费用（元）": "0"})  # fmt: skip
    _set_status(member_page, server, stage="negotiation", **{
        "本金（元）": "10,000.00", "利息（元）": "350.5", "费用（元）": "50",
        "计算说明": "逾期 60 天，日利率 0.05%", "还款计划最多期数": "3",
        "还款计划最晚结束日期": end})  # fmt: skip
    expect(member_page.locator("#status-now")).to_contain_text("协商")
    expect(member_page.locator("#status-now")).to_contain_text("10,400.50 CNY")
    expect(member_page.locator("table.stage-history tbody tr")).to_have_count(2)
    assert member_page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    shot(member_page, "cases-01-status")

    _open(page, server, issued["path"], issued["code"])
    stage = page.locator("#stage")
    expect(stage).to_contain_text("当前阶段：协商")
    expect(page.locator("#amount-due")).to_contain_text("应还金额：10,400.50 CNY")
    expect(page.locator("#amount-words")).to_contain_text(
        "本金 10,000.00 + 利息 350.50 + 费用 50.00 = 10,400.50 CNY"
    )
    expect(stage).to_contain_text("逾期 60 天")
    history = stage.locator(".stage-history li")
    expect(history).to_have_count(2)
    expect(history.nth(1)).to_contain_text("提醒，应还 10,000.00 CNY")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    shot(page, "borrower-10-stage")


def _set_by_api(client, caller, case: str, end: str) -> None:
    status = {"case_reference": case, "stage": "negotiation", "currency": "CNY",
              "principal": 1_000_000, "interest": 35_050, "fees": 5_000,
              "note": "逾期 60 天", "max_instalments": 3, "latest_end": end}  # fmt: skip
    answer = client.post("/v1/cases/status", json=status, headers=caller.headers)
    assert answer.status_code == 201, answer.text


def _fill_plan(form, rows: list[tuple[str, str]]) -> None:
    for n, (day, money) in enumerate(rows, start=1):
        form.locator(f"#f-due_on-{n}").fill(day)
        form.locator(f"#f-amount-{n}").fill(money)


def test_a_plan_proposed_countered_agreed_and_on_record(
    page, member_page, server, client, demo, runtime, verify_url, tmp_path
):
    page.set_viewport_size(PHONE)
    today = datetime.now(UTC).date()
    end = (today + timedelta(days=120)).isoformat()
    day = [(today + timedelta(days=30 * n)).isoformat() for n in range(1, 5)]
    issued = issue_link(client, demo["collector"], CASE)
    _set_by_api(client, demo["collector"], CASE, end)
    # another case, with a borrower's plan of its own
    other = issue_link(client, demo["collector"], "CASE-2026-144")
    _set_by_api(client, demo["collector"], "CASE-2026-144", end)
    with Session(runtime.engine) as db:
        other_link = db.exec(
            select(CaseLink).where(CaseLink.public_id == other["link"]["id"])
        ).one()
    collector = demo["collector"].member
    other_item = runtime.intake.submit_file(
        Submitter(member_id=collector.id, address=collector.address),
        io.BytesIO(b"sms log of the other case"),
        Submission(evidence_type="message_log", case_reference="CASE-2026-144"),
    )
    other_plan = propose(runtime.engine, link=other_link, consent=True,
                         instalments=[InstalmentIn(due_on=today + timedelta(days=9),
                                                   amount=1_040_050)])  # fmt: skip

    _open(page, server, issued["path"], issued["code"])
    plans = page.locator("#plans")
    expect(page.locator("#plan-limits")).to_contain_text("最多 3 期")
    expect(page.locator("#plan-limits")).to_contain_text("10,400.50 CNY")

    # too little in all: refused, nothing stored
    form = plans.locator("form.plan-form")
    _fill_plan(form, [(day[0], "5000"), (day[1], "5000")])
    form.get_by_label("我确认提出此还款计划").check()
    form.get_by_role("button", name="提出还款计划").click()
    expect(page.locator("#plan-errors")).to_contain_text("各期合计须不少于应还金额 10,400.50")
    # no consent: refused
    form = page.locator("#plans form.plan-form")
    _fill_plan(form, [(day[0], "5000"), (day[1], "5400.50")])
    form.get_by_role("button", name="提出还款计划").click()
    expect(page.locator("#plan-errors")).to_contain_text("请勾选确认框")
    with Session(runtime.engine) as db:
        mine = runtime.intake.case_commitment(CASE)
        assert (
            db.exec(select(RepaymentPlan).where(RepaymentPlan.case_commitment == mine)).all() == []
        )
    form = page.locator("#plans form.plan-form")
    _fill_plan(form, [(day[0], "5000"), (day[1], "5400.50")])
    form.get_by_label("我确认提出此还款计划").check()
    shot(page, "borrower-11-proposing")
    form.get_by_role("button", name="提出还款计划").click()
    expect(page.locator("#plan-notice")).to_contain_text("已提交")
    expect(page.locator("#plans")).to_contain_text("等待机构答复")
    expect(page.locator("#plans")).to_contain_text(f"{day[1]}：5,400.50 CNY")

    # the member counter-proposes: three instalments; one past the latest end is refused
    member_page.goto(f"{server}/cases?case={CASE}")
    plan = member_page.locator("ol.plans > li").first
    expect(plan).to_contain_text("借款人提出")
    expect(plan).to_contain_text("待答复")
    plan.get_by_text("提出修改方案").click()
    counter_form = plan.locator("form.plan-counter")
    late = (today + timedelta(days=121)).isoformat()
    _fill_plan(counter_form, [(day[0], "4000"), (day[1], "4000"), (late, "2400.50")])
    counter_form.get_by_role("button", name="发送修改方案").click()
    expect(member_page.locator("#f-due_on-3-error")).to_contain_text("不晚于")
    with Session(runtime.engine) as db:
        assert (
            len(db.exec(select(RepaymentPlan).where(RepaymentPlan.case_commitment == mine)).all())
            == 1
        )
    counter_form = member_page.locator("form.plan-counter")
    _fill_plan(counter_form, [(day[0], "4000"), (day[1], "4000"), (day[2], "2400.50")])
    counter_form.get_by_label("给借款人的说明").fill("首期请提前")
    counter_form.get_by_role("button", name="发送修改方案").click()
    plans_list = member_page.locator("ol.plans > li")
    expect(plans_list).to_have_count(2)
    expect(plans_list.nth(0)).to_contain_text("修改方案")
    expect(plans_list.nth(1)).to_contain_text("已提出修改方案")
    assert member_page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    shot(member_page, "cases-04-counter")

    # the borrower sees it and agrees, only with the consent box ticked
    page.goto(f"{server}/borrower")
    counter_plan = page.locator("#plans .plan.counter")
    expect(counter_plan).to_contain_text("机构对您的计划提出了以下修改方案")
    expect(counter_plan).to_contain_text(f"{day[2]}：2,400.50 CNY")
    expect(counter_plan).to_contain_text("首期请提前")
    shot(page, "borrower-12-counter")
    counter_plan.get_by_role("button", name="同意此方案").click()
    expect(page.locator("#plan-errors")).to_contain_text("请勾选确认框")
    counter_plan = page.locator("#plans .plan.counter")
    counter_plan.get_by_label("我同意机构提出的此还款计划").check()
    counter_plan.get_by_role("button", name="同意此方案").click()
    expect(page.locator("#plan-notice")).to_contain_text("还款计划已达成")
    agreed = page.locator("#plans .plan.agreed")
    expect(agreed).to_contain_text("双方已同意")
    evidence_id = re.search(r"ev_[0-9a-z]+", agreed.inner_text()).group(0)
    item = page.locator(f"#{evidence_id}")
    expect(item).to_contain_text("还款协议（双方已同意）")
    expect(item).to_contain_text("待上链")

    # anchored like any evidence; the receipt verifies against the trust root
    runtime.anchorer.anchor_all()
    page.reload()
    item = page.locator(f"#{evidence_id}")
    expect(item).to_contain_text(re.compile("已上链|已最终确认"))
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    shot(page, "borrower-13-agreed")
    with page.expect_download() as download:
        item.get_by_role("link", name="下载存证回执（JSON）").click()
    path = tmp_path / "agreement.receipt.json"
    download.value.save_as(path)
    with Session(runtime.engine) as db:
        stored = db.exec(select(EvidenceItem).where(EvidenceItem.public_id == evidence_id)).one()
    document = runtime.blobs.read_bytes(stored.document_digest)
    report = verify_receipt(
        path.read_text(), document=document, rpc_url=verify_url, trust=runtime.trust_root()
    )
    assert report.verified
    certificate = page.request.get(f"{server}/borrower/evidence/{evidence_id}/certificate.pdf")
    assert certificate.status == 200 and certificate.body().startswith(b"%PDF")
    record = json.loads(stored.record_json)
    assert record["evidence_type"] == "signed_agreement"
    assert record["metadata"]["acceptance.case_session"].startswith(issued["link"]["id"])
    assert record["metadata"]["acceptance.member"].startswith(f"{collector.id} {collector.address}")
    assert [i["amount"] for i in json.loads(document)["instalments"]] == [400_000, 400_000, 240_050]

    # the page passes axe and shows no untranslated words
    faults = [v["id"] for v in AXE.run(page, options=AXE_OPTIONS).response["violations"]]
    assert faults == []
    names = {c.member.name for c in demo.values()} | {"Asia/Shanghai"}
    assert untranslated(page, names) == []

    # another case's plan is unreachable from this session, by id and by path
    csrf = page.locator("input[name=csrf_token]").first.input_value()
    for path_ in (f"/borrower/plans/{other_plan.public_id}/accept",
                  f"/borrower/plans/{other_plan.public_id}/decline",
                  f"/borrower/plans/%2e%2e%2f{other_plan.public_id}/accept"):  # fmt: skip
        answer = page.request.post(server + path_, form={"csrf_token": csrf, "consent": "yes"})
        assert answer.status == 404, path_
    assert other_plan.public_id not in page.content()
    with Session(runtime.engine) as db:
        other_items = db.exec(
            select(EvidenceItem).where(
                EvidenceItem.case_commitment == runtime.intake.case_commitment("CASE-2026-144")
            )
        ).all()
    # its agreement and the evidence that made the collector its member: none reachable here
    assert other_item.public_id in [i.public_id for i in other_items] and len(other_items) == 2
    for item_ in other_items:
        other_pdf = page.request.get(
            f"{server}/borrower/evidence/{item_.public_id}/certificate.pdf"
        )
        assert other_pdf.status == 404
    with Session(runtime.engine) as db:
        still = db.exec(select(RepaymentPlan).where(RepaymentPlan.id == other_plan.id)).one()
    assert still.state == "open"
