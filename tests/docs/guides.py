"""Read the user guides' command blocks and run them, checking their shown output.

A guide (docs/guides/*.md) is run from top to bottom in one bash process, as a reader pasting
its blocks into one terminal would (variables carry over): every ```sh block runs, except
those tagged ```sh server (they start the long-running service, which the test starts itself
the same way). A ```text block right after a ```sh block is the output that block shows: each
of its non-empty lines must appear, in order, in what the block printed (stdout and stderr),
where `…` stands for any text (ids, hashes, times differ from run to run).
"""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

_FENCE = re.compile(r"^```([^\n`]*)\n(.*?)^```\s*$", re.MULTILINE | re.DOTALL)
MARK = "@@guide-block@@"


@dataclass
class Block:
    """A ```sh block of a guide and the output shown after it (`expected` lines)."""

    line: int
    code: str
    expected: list[str] = field(default_factory=list)


def blocks(path: Path) -> list[Block]:
    """The runnable blocks of the guide at `path`, in order."""
    text = path.read_text()
    found: list[Block] = []
    last: Block | None = None  # the block just before, if it runs
    previous_end = 0
    for match in _FENCE.finditer(text):
        info, body = match.group(1).strip().split(), match.group(2)
        line = text.count("\n", 0, match.start()) + 1
        language = info[0] if info else ""
        follows = not text[previous_end : match.start()].strip()
        if language == "sh" and "server" not in info[1:]:
            last = Block(line=line, code=body)
            found.append(last)
            previous_end = match.end()
            continue
        if language == "text" and follows and last is not None and not last.expected:
            last.expected = [ln.strip() for ln in body.splitlines() if ln.strip()]
        last = None
        previous_end = match.end()
    return found


def script(guide: list[Block]) -> str:
    """One bash script running every block, a marker line before each."""
    parts = ["set -euo pipefail", "exec 2>&1"]
    for index, block in enumerate(guide):
        parts.append(f"printf '\\n{MARK} {index}\\n'")
        parts.append(block.code)
    parts.append(f"printf '\\n{MARK} end\\n'")
    return "\n".join(parts) + "\n"


def matches(expected: str, line: str) -> bool:
    """Whether `line` shows `expected` (`…` for any text, surrounding spaces ignored)."""
    pattern = ".*".join(re.escape(part.strip()) for part in expected.split("…"))
    return re.search(pattern, line) is not None


def check_output(guide: list[Block], output: str, name: str) -> list[str]:
    """Problems: a block that did not finish, or shown output missing from what it printed."""
    pieces = re.split(rf"^{re.escape(MARK)} (\d+|end)$", output, flags=re.MULTILINE)
    printed: dict[str, str] = {pieces[i]: pieces[i + 1] for i in range(1, len(pieces) - 1, 2)}
    problems = []
    for index, block in enumerate(guide):
        if str(index) not in printed:
            problems.append(f"{name}:{block.line}: block did not run")
            continue
        following = str(index + 1) if index + 1 < len(guide) else "end"
        if following not in printed:
            problems.append(
                f"{name}:{block.line}: block failed; it printed:\n{printed[str(index)]}"
            )
            break
        lines = printed[str(index)].splitlines()
        at = 0
        for wanted in block.expected:
            while at < len(lines) and not matches(wanted, lines[at]):
                at += 1
            if at == len(lines):
                problems.append(
                    f"{name}:{block.line}: shown output {wanted!r} not printed; it printed:\n"
                    + printed[str(index)]
                )
                break
            at += 1
    return problems


def run_guide(path: Path, *, cwd: Path, env: dict[str, str], timeout: float) -> list[str]:
    """Run the guide at `path`; the problems found (empty when it works as written)."""
    guide = blocks(path)
    try:
        done = subprocess.run(
            ["bash", "-c", script(guide)],
            cwd=cwd,
            env=env,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        printed = exc.stdout.decode(errors="replace") if isinstance(exc.stdout, bytes) else ""
        return [f"{path.name}: not done after {timeout}s; it printed:\n{printed[-3000:]}"]
    return check_output(guide, done.stdout, path.name)
