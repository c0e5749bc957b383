"""HTML for people, JSON for programs: an error a browser meets outside a page route (unknown
path, a form's address opened with GET, a malformed path parameter) renders the site's error
page in the visitor's language, signed in as before; the API and non-browser callers keep
problem+json."""

from __future__ import annotations

import re

import pytest

from tests.api.conftest import Caller

BROWSER = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}


def _signed_in(client, caller: Caller) -> None:
    """Sign `client` in through the form (cookies are kept by the test client)."""
    form = client.get("/sign-in", headers=BROWSER)
    token = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
    assert token is not None
    done = client.post(
        "/sign-in",
        data={"csrf_token": token.group(1), "api_key": caller.token},
        headers=BROWSER,
        follow_redirects=False,
    )
    assert done.status_code == 303, done.text


@pytest.mark.parametrize(
    ("method", "path", "status", "text"),
    [
        ("GET", "/no/such/page", 404, "There is nothing here"),
        ("GET", "/lender/clearing/cycles", 405, "the target of a form"),
        ("GET", "/lender/lines/not-a-number", 422, "This address is not right"),
    ],
)
def test_a_browser_gets_the_site_error_page(client, demo, method, path, status, text):
    _signed_in(client, demo["lender"])
    answer = client.request(method, path, headers=BROWSER)
    assert answer.status_code == status
    assert answer.headers["content-type"].startswith("text/html")
    assert text in answer.text
    assert "Sign out" in answer.text  # still signed in: the navigation is the member's
    assert "Content-Security-Policy" in answer.headers


def test_the_error_page_speaks_the_visitors_language(client):
    answer = client.get("/no/such/page", headers=BROWSER | {"Accept-Language": "zh-CN,zh;q=0.9"})
    assert answer.status_code == 404
    assert '<html lang="zh-CN"' in answer.text
    assert "此处没有内容" in answer.text


def test_programs_keep_problem_json(client, demo):
    for headers in ({}, {"Accept": "application/json"}, BROWSER):
        answer = client.get("/v1/no/such/route", headers=headers)
        assert answer.status_code == 404
        assert answer.headers["content-type"] == "application/problem+json"
        assert answer.json()["status"] == 404
    bare = client.get("/no/such/page")
    assert bare.status_code == 404 and bare.headers["content-type"] == "application/problem+json"
