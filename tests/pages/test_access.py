"""Who may open which page, in a real browser: sign-in required everywhere but the sign-in page
and static files, CSRF tokens on every POST, the session cookie's flags, roles, and sessions
ended by revoking their API key."""

from __future__ import annotations

import re

from playwright.sync_api import BrowserContext, Page, expect

from api.apikeys import list_api_keys, revoke_api_key
from api.pages import PAGE_ROUTERS
from api.pages.sessions import SESSION_COOKIE
from api.pages.site import page_policies
from tests.pages.conftest import shot, sign_in


def test_sign_in_csrf_and_roles(
    page: Page, context: BrowserContext, server, runtime, demo, evidence
):
    request = page.request

    # Every page route but the public ones redirects to the sign-in page when signed out.
    policies = page_policies(PAGE_ROUTERS)
    assert policies and all(p is not None for p in policies.values())
    public = {(m, p) for (m, p), policy in policies.items() if policy and policy.public}
    # the borrower's pages are no member's: they check their own case session (test_borrower)
    borrower = {
        ("GET", "/case-access/{token}"),
        ("POST", "/case-access/{token}"),
        ("GET", "/borrower"),
        ("GET", "/borrower/evidence/{public_id}/receipt.json"),
        ("GET", "/borrower/evidence/{public_id}/certificate.pdf"),
        ("POST", "/borrower/report"),
        ("POST", "/borrower/plans"),
        ("POST", "/borrower/plans/{public_id}/accept"),
        ("POST", "/borrower/plans/{public_id}/decline"),
    }
    assert public == {("GET", "/sign-in"), ("POST", "/sign-in"), ("POST", "/language")} | borrower
    assert request.get(f"{server}/borrower", max_redirects=0).status == 401
    for method, path in policies:
        if method != "GET" or (method, path) in public:
            continue
        url = server + path.replace("{public_id}", evidence.recording)
        answer = request.get(url, max_redirects=0)
        assert answer.status == 303, path
        assert answer.headers["location"].startswith("/sign-in?next=/"), path
    assert request.get(f"{server}/static/pages.css").ok

    # A POST without the session's CSRF token is refused, even with a valid API key.
    forged = request.post(f"{server}/sign-in", form={"api_key": demo["collector"].token})
    assert forged.status == 403 and "form was not accepted" in forged.text()
    wrong = request.post(
        f"{server}/sign-in", form={"api_key": demo["collector"].token, "csrf_token": "x" * 43}
    )
    assert wrong.status == 403
    page.goto(f"{server}/")
    expect(page).to_have_url(re.compile(r"/sign-in"))

    # The collector signs in; the cookie is HttpOnly and SameSite, the pages locked down.
    sign_in(page, server, demo["collector"])
    cookie = next(c for c in context.cookies() if c["name"] == SESSION_COOKIE)
    assert cookie["httpOnly"] and cookie["sameSite"] == "Lax"
    home = request.get(f"{server}/")
    assert "frame-ancestors 'none'" in home.headers["content-security-policy"]
    assert home.headers["cache-control"] == "no-store"
    forged_out = request.post(f"{server}/sign-out", form={})
    assert forged_out.status == 403
    page.goto(f"{server}/")
    expect(page.get_by_role("heading", name="Welcome, Steadfast Collections")).to_be_visible()

    # A collector sees its own evidence only; another member's item does not exist for it.
    page.get_by_role("navigation").get_by_role("link", name="Evidence").click()
    expect(page.get_by_role("heading", name="4 items found")).to_be_visible()
    expect(page.get_by_label("Submitted by")).to_have_count(0)
    page.goto(f"{server}/evidence/{evidence.lender_item}")
    expect(page.get_by_role("alert")).to_contain_text("nothing your organisation may see")
    assert request.get(f"{server}/evidence/{evidence.lender_item}/certificate.pdf").status == 404
    pending = request.get(f"{server}/evidence/{evidence.pending}/certificate.pdf")
    assert pending.status == 409
    page.goto(f"{server}/oversight")
    expect(page.get_by_role("alert")).to_contain_text("roles do not open this page")
    shot(page, "access-01-forbidden")

    # A dealer has no evidence pages: they are neither linked nor open.
    page.get_by_role("button", name="Sign out").click()
    sign_in(page, server, demo["dealer"])
    expect(page.get_by_role("link", name="Evidence")).to_have_count(0)
    expect(page.locator(".card")).to_have_count(2)  # financing and the member list
    assert request.get(f"{server}/evidence").status == 403
    shot(page, "access-02-dealer-home")

    # Revoking the API key ends every session signed in with it.
    dealer_id = demo["dealer"].member.id
    for key in list_api_keys(runtime.engine, member_id=dealer_id):
        revoke_api_key(runtime.engine, key.key_id)
    page.goto(f"{server}/members")
    expect(page).to_have_url(re.compile(r"/sign-in\?ended=true&next=/members$"))
    expect(page.get_by_role("status")).to_contain_text("Your session ended")
    page.goto(f"{server}/members")
    expect(page).to_have_url(re.compile(r"/sign-in\?next=/members$"))
