"""The case's stage, amount due and repayment plan in a real browser at 390 px in Chinese:
the collector sets them on its case page, the borrower sees them in words, proposes a plan,
the member counter-proposes, the borrower agrees with an explicit consent step, and the
agreement is an evidence item of the case."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import Browser, Page, expect
from sqlmodel import Session, select

from notary.case_status import CaseStatus
from tests.pages.conftest import shot, sign_in

pytestmark = pytest.mark.zh

CASE = "CASE-2026-142"
PHONE = {"width": 390, "height": 844}


def _issue(client, caller, case: str = CASE) -> dict:
    answer = client.post("/v1/case-links", json={"case_reference": case}, headers=caller.headers)
    assert answer.status_code == 201, answer.text
    return answer.json()


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
    issued = _issue(client, demo["collector"])
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
