"""The members' side of a borrower's case, in a real browser at 390 px in Chinese: the
collector issues a link on its case page (the code shown once), sees the access log and the
borrower's report, revokes the link; the regulator sees the report on its breaches page;
another member does not reach the case."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from playwright.sync_api import Browser, Page, expect

from notary.contacts import ContactIn, load_rules, record_contact
from notary.intake import Submitter
from tests.pages.conftest import shot, sign_in

pytestmark = pytest.mark.zh

CASE = "CASE-2026-143"
PHONE = {"width": 390, "height": 844}


def _member(browser: Browser, server: str, caller) -> Page:
    context = browser.new_context(locale="zh-CN", viewport=PHONE)
    page = context.new_page()
    sign_in(page, server, caller)
    return page


def test_links_log_and_reports_on_the_members_pages(browser, page, server, demo, runtime):
    member = demo["collector"].member
    recorded = record_contact(
        engine=runtime.engine,
        intake=runtime.intake,
        rules=load_rules(runtime.settings.var_dir),
        submitter=Submitter(member_id=member.id, address=member.address),
        contact=ContactIn(
            contact_time=datetime(2026, 11, 21, 2, 0, tzinfo=UTC),
            channel="phone",
            time_zone="Asia/Shanghai",
            debtor_reference=f"D-{CASE}",
            case_reference=CASE,
            transcript="您好，提醒您还款。",
        ),
    )
    collector = _member(browser, server, demo["collector"])
    try:
        collector.goto(f"{server}/cases?case={CASE}")
        links = collector.locator("#links")
        expect(links).to_contain_text("您尚未为此案件发放链接")
        links.get_by_label("有效天数").fill("0")
        links.get_by_role("button", name="发放新链接").click()
        expect(collector.locator("#f-lifetime_days-error")).to_contain_text("1 至 90")
        expect(collector.locator("table.case-links")).to_have_count(0)

        links = collector.locator("#links")
        links.get_by_label("有效天数").fill("7")
        links.get_by_role("button", name="发放新链接").click()
        expect(collector.locator("#issued")).to_contain_text("只显示这一次")
        url = collector.locator("#issued-link").inner_text()
        code = collector.locator("#issued-code").inner_text()
        assert re.fullmatch(rf"{re.escape(server)}/case-access/[A-Za-z0-9_-]{{43}}", url)
        assert re.fullmatch(r"\d{8}", code)
        assert collector.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        shot(collector, "cases-02-link-issued")
        collector.goto(f"{server}/cases?case={CASE}")
        assert code not in collector.content()  # shown once

        # the borrower: a wrong code, then the right one, then a report
        page.set_viewport_size(PHONE)
        page.goto(url)
        page.get_by_label("访问码").fill("00000000")
        page.get_by_role("button", name="打开案件").click()
        page.goto(url)
        page.get_by_label("访问码").fill(code)
        page.get_by_role("button", name="打开案件").click()
        page.wait_for_url(re.compile(r"/borrower$"))
        contact = page.locator(f"#{recorded.contact.public_id}")
        contact.get_by_text("举报此次联系不当").click()
        contact.get_by_label("发生了什么").fill("一天之内打了五次电话。")
        contact.get_by_role("button", name="提交举报").click()
        report_id = re.search(r"ev_[0-9a-z]+", page.locator("#reported").inner_text()).group(0)

        collector.reload()
        log = collector.locator("table.access-log")
        for outcome in ("访问码错误", "打开案件", "查看案件", "提交举报"):
            expect(log).to_contain_text(outcome)
        report = collector.locator(f"#report-{report_id}")
        expect(report).to_contain_text("一天之内打了五次电话")
        expect(report).to_contain_text(recorded.contact.evidence_id)
        shot(collector, "cases-03-log-and-report")

        row = collector.locator("table.case-links tbody tr")
        row.get_by_role("button", name="撤销").click()
        expect(collector.locator("table.case-links")).to_contain_text("已于")
        page.reload()
        expect(page.get_by_role("alert")).to_contain_text("会话已结束")
    finally:
        collector.context.close()

    regulator = _member(browser, server, demo["regulator"])
    try:
        regulator.goto(f"{server}/oversight/breaches")
        listed = regulator.locator(f"#borrower-reports [data-report='{report_id}']")
        expect(listed).to_contain_text("一天之内打了五次电话")
        expect(listed).to_contain_text(recorded.contact.evidence_id)
    finally:
        regulator.context.close()

    lender = _member(browser, server, demo["lender"])  # not a member of this case
    try:
        answer = lender.goto(f"{server}/cases?case={CASE}")
        assert answer is not None and answer.status == 404
        assert "一天之内" not in lender.content()
    finally:
        lender.context.close()
