"""Server time of a lender's line (page and /v1 reads) with 1,000 vehicles on it, as the chain's
history of other lenders' vehicles grows: whether cost follows the page or the history.

On a fresh embedded chain: the demo consortium, a line of Huaxia Auto Finance for Sunrise
Motors with `--line` vehicles, and a line of Pacific Commercial Bank for another dealer that
grows to each of `--sizes` vehicles. After each size the index is brought up to the head (its
time is printed too), then each route is asked `--repeat` times in process (no network: the
time is the server's) and the median is printed.
"""

from __future__ import annotations

import argparse
import re
import statistics
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from bench_floorplan import TERMS, vehicle  # the same synthetic stock and terms
from fastapi.testclient import TestClient

from api.app import create_app
from api.demo import DemoMember, run_demo
from api.runtime import Runtime
from api.settings import Settings
from ledger.floorplan import FloorPlanClient

ROOT = Path(__file__).resolve().parents[1]

GOAL_PAGE_MS = 300.0
"""Issue 13: the lender line page with 1,000 vehicles, server time."""

GOAL_GROWTH = 1.5
"""Issue 13: at most this ratio between the largest and the smallest history."""

BATCH = 100


@contextmanager
def demo_runtime(database: str | None) -> Iterator[tuple[Runtime, dict[str, DemoMember]]]:
    """A runtime on a fresh embedded chain with the demo consortium admitted, and its members
    by name (the benchmarks' common start; compiler output reused from var/test-build)."""
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(
            var_dir=Path(tmp),
            dev=True,
            database_url=database,
            node_modules=ROOT / "node_modules",
            build_dir=ROOT / "var" / "test-build",
        )
        with Runtime.start(settings) as runtime:
            yield runtime, {m.member.name: m for m in run_demo(runtime)}


def advance(plan: FloorPlanClient, line: int, first: int, count: int) -> None:
    for start in range(first, first + count, BATCH):
        plan.advance(line, [vehicle(n) for n in range(start, min(start + BATCH, first + count))])


def sign_in(client: TestClient, token: str) -> None:
    form = client.get("/sign-in").text
    match = re.search(r'name="csrf_token" value="([^"]+)"', form)
    assert match, "no CSRF token on the sign-in page"
    answer = client.post(
        "/sign-in", data={"api_key": token, "csrf_token": match.group(1)}, follow_redirects=False
    )
    assert answer.status_code == 303, answer.text


def median_ms(client: TestClient, path: str, repeat: int, **kwargs: object) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        answer = client.get(path, **kwargs)  # type: ignore[arg-type]
        times.append((time.perf_counter() - started) * 1000)
        assert answer.status_code == 200, f"{path}: {answer.status_code} {answer.text[:300]}"
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--line", type=int, default=1000, help="vehicles on the measured line")
    parser.add_argument(
        "--sizes", default="1000,10000,50000", help="other lenders' vehicles, growing"
    )
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--database", default=None, help="SQLAlchemy URL (default: SQLite)")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    with demo_runtime(args.database) as (runtime, members):
        lender, other = members["Huaxia Auto Finance"], members["Pacific Commercial Bank"]
        dealer, dealer2 = members["Sunrise Motors"], members["Golden Wheel Auto Mall"]
        plan = runtime.floorplan.as_sender(runtime.sender_for(lender.member.address))
        other_plan = runtime.floorplan.as_sender(runtime.sender_for(other.member.address))
        line = plan.open_line(dealer.member.address, 10**15, TERMS)
        other_line = other_plan.open_line(dealer2.member.address, 10**16, TERMS)
        started = time.perf_counter()
        advance(plan, line, 1, args.line)
        took = time.perf_counter() - started
        print(f"advanced {args.line} vehicles on line {line} in {took:.1f}s")
        app = create_app(runtime)
        api = TestClient(app)
        lender_page, dealer_page = TestClient(app), TestClient(app)
        sign_in(lender_page, lender.token)
        sign_in(dealer_page, dealer.token)
        headers = {"Authorization": f"Bearer {lender.token}"}
        routes = {
            f"page /lender/lines/{line}": (lender_page, f"/lender/lines/{line}", {}),
            f"page /dealer/lines/{line}": (dealer_page, f"/dealer/lines/{line}", {}),
            "page /lender": (lender_page, "/lender", {}),
            f"GET /v1/lines/{line}/vehicles": (api, f"/v1/lines/{line}/vehicles", headers),
            f"GET /v1/lines/{line}/obligations": (
                api,
                f"/v1/lines/{line}/obligations",
                headers,
            ),
            "GET /v1/alerts": (api, "/v1/alerts", headers),
        }
        figures: dict[str, list[float]] = {name: [] for name in routes}
        done = 0
        for size in sizes:
            started = time.perf_counter()
            advance(other_plan, other_line, 1_000_000 + done, size - done)
            done = size
            sent = time.perf_counter() - started
            started = time.perf_counter()
            block = runtime.fresh_block()
            indexed = time.perf_counter() - started
            print(
                f"\nhistory: {size} vehicles of another lender (+{args.line} on the line);"
                f" advanced in {sent:.1f}s, indexed and projected to block {block} in"
                f" {indexed:.1f}s"
            )
            for name, (client, path, extra) in routes.items():
                ms = median_ms(client, path, args.repeat, headers=extra)
                figures[name].append(ms)
                print(f"  {name:40} {ms:8.1f} ms (median of {args.repeat})")
        print("\nserver time by history size (" + ", ".join(map(str, sizes)) + " vehicles):")
        for name, values in figures.items():
            ratio = max(values) / min(values)
            shown = " / ".join(f"{v:.1f}" for v in values)
            print(f"  {name:40} {shown} ms; largest/smallest {ratio:.2f}x")
        page = figures[f"page /lender/lines/{line}"]
        verdict = "met" if max(page) < GOAL_PAGE_MS else "NOT met"
        growth = "met" if max(page) / min(page) <= GOAL_GROWTH else "NOT met"
        print(
            f"\ngoal: lender line page under {GOAL_PAGE_MS:.0f} ms: {verdict};"
            f" within {GOAL_GROWTH}x across histories: {growth}"
        )


if __name__ == "__main__":
    main()
