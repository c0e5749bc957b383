"""Lists that answered everything at once are paged: `limit` items from `cursor`, the next page
named by the `Link` (rel="next") and `X-Next-Cursor` headers, the size by `X-Total-Count`; a
cursor of another list, or one that does not decode, is a 422; no page is larger than 500."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from tests.api.conftest import Caller
from tests.api.test_clearing_api import filed


def every_page(client: TestClient, caller: Caller, path: str, limit: int) -> list[list[Any]]:
    pages: list[list[Any]] = []
    url: str | None = f"{path}?limit={limit}"
    while url is not None:
        response = client.get(url, headers=caller.headers)
        assert response.status_code == 200, response.text
        pages.append(response.json())
        following = response.links.get("next")
        cursor = response.headers.get("x-next-cursor")
        assert (following is None) == (cursor is None)
        url = following["url"] if following else None
        if url is not None:
            assert f"cursor={cursor}" in url and f"limit={limit}" in url
    return pages


def test_claims_and_members_page_by_cursor(client: TestClient, demo: dict[str, Caller]):
    lender, dealer = demo["lender"], demo["dealer"]
    ids = [filed(client, lender, dealer, n * 1_00) for n in range(1, 6)]
    first = client.get("/v1/claims?limit=2", headers=dealer.headers)
    assert first.headers["x-total-count"] == "5"
    pages = every_page(client, dealer, "/v1/claims", 2)
    assert [len(p) for p in pages] == [2, 2, 1]
    assert [c["id"] for page in pages for c in page] == ids

    members = client.get("/v1/members", headers=dealer.headers).json()
    assert len(members) > 3
    paged = every_page(client, dealer, "/v1/members", 3)
    assert [m["id"] for page in paged for m in page] == [m["id"] for m in members]
    assert all(len(p) <= 3 for p in paged)


def test_bad_cursors_and_limits_are_refused_naming_the_field(
    client: TestClient, demo: dict[str, Caller]
):
    dealer = demo["dealer"]
    members = client.get("/v1/members?limit=1", headers=dealer.headers)
    of_members = members.headers["x-next-cursor"]
    wrong = client.get(f"/v1/claims?cursor={of_members}", headers=dealer.headers)
    assert wrong.status_code == 422 and "cursor" in wrong.json()["detail"]
    garbage = client.get("/v1/claims?cursor=%21%21", headers=dealer.headers)
    assert garbage.status_code == 422 and "cursor" in garbage.json()["detail"]
    for limit in (0, 501):
        refused = client.get(f"/v1/lines?limit={limit}", headers=dealer.headers)
        assert refused.status_code == 422 and "limit" in refused.json()["detail"]
