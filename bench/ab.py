"""Is checkout B cheaper than checkout A? Request-thread CPU, one request of each in turn.

    .venv/bin/python bench/ab.py ../promoadmin-main .              # A = main, B = this checkout
    .venv/bin/python bench/ab.py A B --requests 300 /promo-codes/7000151/

On a shared machine a page's median moves by a millisecond or more from one run to the next, far
more than most changes buy, so runs of A and then B (even A B B A) answer "is B faster?" badly.
Here each checkout renders pages in its own process (as bench/profile_page.py does: in-process,
DEBUG off, embedded sandbox, SQLite in memory, one signed-in editor), and the two take turns
request by request, so whatever slows the machine slows both alike. It prints each side's median
and the median of the paired ratios B/A, with the share of pairs in which B was cheaper.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
from pathlib import Path

PAGES = ["/promo-codes/?page_size=100", "/promo-codes/", "/promo-codes/7000151/"]


def serve(repo: Path) -> int:
    """The child: render each path read from stdin once, answer its request-thread CPU in ms."""
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from profile_page import app_client, timed_get

    client = app_client(repo)
    for path in sys.stdin:
        response, spent = timed_get(client, path.strip())
        print(f"{spent:.4f}" if response.status_code == 200 else f"HTTP {response.status_code}", flush=True)
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("a", type=Path)
    parser.add_argument("b", type=Path)
    parser.add_argument("paths", nargs="*", default=PAGES)
    parser.add_argument("--requests", type=int, default=200, help="per page and side, after 10 warm-up ones")
    args = parser.parse_args()
    sides = {}
    for name, repo in (("A", args.a), ("B", args.b)):
        sides[name] = subprocess.Popen(
            [sys.executable, __file__, "--serve", str(repo.resolve())], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
        )

    def one(name: str, path: str) -> float:
        child = sides[name]
        child.stdin.write(path + "\n")
        child.stdin.flush()
        answer = child.stdout.readline().strip()
        if not answer or answer.startswith("HTTP"):
            raise SystemExit(f"{name} ({getattr(args, name.lower())}) GET {path}: {answer or 'no answer'}")
        return float(answer)

    try:
        print(f"A = {args.a}, B = {args.b}; request-thread CPU in ms, {args.requests} requests a side, taking turns")
        for path in args.paths:
            for _ in range(10):
                one("A", path), one("B", path)
            pairs = []
            for turn in range(args.requests):
                order = ("A", "B") if turn % 2 == 0 else ("B", "A")
                spent = {name: one(name, path) for name in order}
                pairs.append((spent["A"], spent["B"]))
            a_ms, b_ms = [a for a, _ in pairs], [b for _, b in pairs]
            ratio = statistics.median(b / a for a, b in pairs)
            cheaper = sum(b < a for a, b in pairs) / len(pairs)
            print(f"{path:32} A median {statistics.median(a_ms):5.2f} (min {min(a_ms):5.2f})  "
                  f"B median {statistics.median(b_ms):5.2f} (min {min(b_ms):5.2f})  B/A {ratio:4.2f}, B cheaper in {cheaper:.0%}")
    finally:
        for child in sides.values():
            child.stdin.close()
            child.wait(timeout=30)
    return 0


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--serve":
        sys.exit(serve(Path(sys.argv[2])))
    sys.exit(main())
