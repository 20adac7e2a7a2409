#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""bench - time the kit's program against the real tool, in the same run.

    tests/bench/bench.py --name NAME --runs N --out FILE.md \\
        --case "LABEL" "KIT COMMAND" "PEER COMMAND" [--case ...]

Each case runs both commands N times, interleaved (kit, peer, kit, peer ...)
so that drift on a shared machine hits both alike, after 5 warm-up runs of
each.  It reports both medians, the ratio kit/peer of the medians (below 1:
the kit is faster) and the spread (interquartile range), as a Markdown table
printed and written to FILE.md.  Commands are split like a shell would
(no shell runs them, so its start-up is not measured), output discarded; a command that fails stops the benchmark.
"""

import argparse
import datetime
import os
import platform
import shlex
import statistics
import subprocess
import sys
import time


def once(cmd):
    t0 = time.perf_counter()
    r = subprocess.run(shlex.split(cmd), stdout=subprocess.DEVNULL,
                       stderr=subprocess.PIPE)
    dt = time.perf_counter() - t0
    if r.returncode != 0:
        sys.exit(f"bench: '{cmd}' failed (status {r.returncode}): {r.stderr.decode()[-300:]}")
    return dt


def quartiles(xs):
    q = statistics.quantiles(xs, n=4)
    return q[0], q[2]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--name", required=True)
    ap.add_argument("--runs", type=int, default=200)
    ap.add_argument("--out", required=True)
    ap.add_argument("--case", nargs=3, action="append", metavar=("LABEL", "KIT", "PEER"),
                    required=True)
    args = ap.parse_args()

    rows = []
    for label, kit, peer in args.case:
        for _ in range(5):
            once(kit)
            once(peer)
        tk, tp = [], []
        for _ in range(args.runs):
            tk.append(once(kit))
            tp.append(once(peer))
        mk, mp = statistics.median(tk), statistics.median(tp)
        (k1, k3), (p1, p3) = quartiles(tk), quartiles(tp)
        rows.append((label, mk, k3 - k1, mp, p3 - p1, mk / mp))
        print(f"{label}: kit {mk * 1e3:.3f} ms, peer {mp * 1e3:.3f} ms, ratio {mk / mp:.2f}",
              flush=True)

    lines = [f"# {args.name}", "",
             f"{datetime.date.today()}, {platform.node()}, Linux {platform.release()}, "
             f"{os.cpu_count()} CPUs; {args.runs} interleaved runs per command after 5 warm-ups; "
             "medians (IQR). Ratio = kit / peer: below 1 the kit is faster.", "",
             "| case | kit median | peer median | ratio |", "|---|---:|---:|---:|"]
    for label, mk, ik, mp, ip, ratio in rows:
        lines.append(f"| {label} | {mk * 1e3:.3f} ms ({ik * 1e3:.3f}) | "
                     f"{mp * 1e3:.3f} ms ({ip * 1e3:.3f}) | {ratio:.2f} |")
    top = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))) + "/"
    lines.append("")
    for label, kit, peer in args.case:
        lines.append(f"- {label}: kit `{kit.replace(top, '')}`, peer `{peer}`")
    os.makedirs(os.path.dirname(args.out) or ".", exist_ok=True)
    with open(args.out, "w") as f:
        f.write("\n".join(lines) + "\n")
    print(f"bench: wrote {args.out}")


if __name__ == "__main__":
    main()
