"""The regulator's path in a real browser, in Chinese first (from Accept-Language), then with
the language switch: members with status and roles, evidence of all members by status."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.pages.conftest import shot


@pytest.mark.zh
def test_regulator_path_in_both_languages(page: Page, server, demo, evidence):
    page.goto(f"{server}/oversight")
    # The browser asks for zh-CN: the sign-in page is in Chinese.
    expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
    expect(page.get_by_role("heading", name="登录")).to_be_visible()
    shot(page, "regulator-01-sign-in-zh")
    page.get_by_label("API 密钥").fill(demo["regulator"].token)
    page.get_by_role("button", name="登录", exact=True).click()
    expect(page).to_have_url(f"{server}/oversight")

    expect(page.get_by_role("heading", name="监管", exact=True)).to_be_visible()
    # 4 items anchored and final, 1 pending; counted across all members.
    expect(page.locator(".figure[data-status='final']")).to_have_text("4")
    expect(page.locator(".figure[data-status='pending']")).to_have_text("1")
    expect(page.locator(".figure[data-status='all']")).to_have_text("5")
    members = page.get_by_role("region", name="成员及其证据")
    collector = members.get_by_role("row").filter(has_text="Steadfast Collections")
    expect(collector).to_contain_text("催收机构")  # the COLLECTOR role, in Chinese
    expect(collector).to_contain_text("正常")  # active
    expect(collector.get_by_role("cell").nth(-1)).to_have_text("3")  # final items
    lender = members.get_by_role("row").filter(has_text="Huaxia Auto Finance")
    expect(lender).to_contain_text("贷款方")
    shot(page, "regulator-02-oversight-zh")

    # Switch to English: the choice sticks across pages.
    page.get_by_role("button", name="English").click()
    expect(page).to_have_url(f"{server}/oversight")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("heading", name="Oversight", exact=True)).to_be_visible()
    expect(page.get_by_role("button", name="English")).to_have_attribute("aria-pressed", "true")
    shot(page, "regulator-03-oversight-en")

    # From a count to the items it counts; the regulator reads every member's evidence.
    page.locator(".total.status-pending a").click()
    expect(page).to_have_url(re.compile(r"/evidence\?status=pending$"))
    expect(page.get_by_role("heading", name="1 item found")).to_be_visible()
    page.goto(f"{server}/evidence/{evidence.lender_item}")
    expect(page.get_by_role("heading", level=1)).to_contain_text(evidence.lender_item)
    expect(page.locator("table.checks .badge.failed")).to_have_count(0)

    page.get_by_role("link", name="Members").click()
    expect(page.get_by_role("table")).to_contain_text("Auto Finance Regulatory Office")
    page.get_by_role("button", name="中文").click()
    expect(page.get_by_role("heading", name="联盟成员")).to_be_visible()
    shot(page, "regulator-04-members-zh")

    page.get_by_role("button", name="退出登录").click()
    expect(page.get_by_role("status")).to_have_text("您已退出登录。")
