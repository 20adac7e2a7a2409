#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""labcheck - prove the labs are sound, as TAP (part of `make test`).

For every lab it checks, each as one TAP line:
  1. labs/ and solutions/ are what `make labs` would write (no drift);
  2. the bare skeleton (every TODO stubbed) compiles with the kit's flags;
  3. the solution scores full marks (from the chapter tests' TAP that
     tools/run-tests saved, or by grading it now), with nothing skipped;
  4. for each TODO, with only that TODO stubbed, every test tagged with it
     fails: a test that still passes does not grade the TODO;
  5. on the bare skeleton, every tagged test fails too.

    tools/labcheck.py [--tap-dir DIR] [LAB...]
"""

import argparse
import os
import re
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import tap  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LABGEN = [sys.executable, os.path.join(ROOT, "tools", "labgen.py")]
WORK = os.path.join(ROOT, "build", "labcheck")

count = 0
failed = 0


def emit(ok, desc, details=()):
    global count, failed
    count += 1
    failed += 0 if ok else 1
    print(f"{'ok' if ok else 'not ok'} {count} - {desc}", flush=True)
    for d in details:
        print(f"#   {d}", flush=True)


def run(cmd, **kw):
    return subprocess.run(cmd, capture_output=True, text=True, **kw)


def variant(lab, name, only=None):
    """Write and build a skeleton variant; return (bin dir or None, log)."""
    top = os.path.join(WORK, lab, name)
    shutil.rmtree(top, ignore_errors=True)
    src = os.path.join(top, "src")
    cmd = LABGEN + ["skeleton", lab, src] + (["--only", only] if only else [])
    r = run(cmd)
    if r.returncode:
        return None, r.stderr
    r = run(["make", "-s", "--no-print-directory", "-C", ROOT, f"BUILD={top}",
             f"LAB_DIR={src}", "programs"])
    if r.returncode:
        return None, r.stdout + r.stderr
    return os.path.join(top, "bin"), ""


def bats_file(lab):
    d = os.path.join(ROOT, "tests", "chapters")
    for name in sorted(os.listdir(d)):
        if name.startswith(lab + "-") and name.endswith(".bats"):
            return os.path.join(d, name)
    return None


def tagged_results(lab, bin_dir, step=None):
    """Run the tests tagged with step (any lab step if None) against bin_dir."""
    pattern = rf"\[lab {re.escape(step)}," if step else rf"\[lab {lab}\.[0-9]+,"
    r = run(["bats", "--tap", "--filter", pattern, bats_file(lab)],
            env=dict(os.environ, KIT_BIN=bin_dir))
    return tap.parse(r.stdout)


def must_all_fail(lab, bin_dir, step, what):
    results = tagged_results(lab, bin_dir, step)
    passing = [r.title for r in results if r.status == "pass"]
    skipped = [f"{r.title}: {r.reason}" for r in results if r.status == "skip"]
    label = f"lab {step}" if step else f"lab {lab}"
    if not results:
        emit(False, f"{label}: no test is tagged with it, so nothing grades it")
    elif passing:
        emit(False, f"{label}: {len(passing)} of its tests pass {what}",
             ["passes without the student's code: " + p for p in passing])
    elif skipped:
        emit(False, f"{label}: {len(skipped)} of its tests were skipped {what}, "
             "so it could not be shown that they fail", skipped)
    else:
        emit(True, f"{label}: all {len(results)} of its tests fail {what}")


def solution_full_marks(lab, tap_dir):
    saved = None
    bf = bats_file(lab)
    if tap_dir and bf:
        cand = os.path.join(tap_dir, os.path.basename(bf)[:-len(".bats")] + ".tap")
        saved = cand if os.path.exists(cand) else None
    cmd = [os.path.join(ROOT, "tools", "grade"), "--solution", lab]
    if saved:
        cmd += ["--tap", saved]
    r = run(cmd)
    score = re.search(r"^Score: (\d+)/(\d+)$", r.stdout, re.M)
    skips = [l.strip() for l in r.stdout.splitlines() if "skipped, scores 0" in l]
    if not score:
        emit(False, f"lab {lab}: grading the solution printed no score", r.stdout.splitlines()[-5:])
    elif score.group(1) != score.group(2):
        emit(False, f"lab {lab}: the solution scores {score.group(1)}/{score.group(2)}, "
             "not full marks", [l for l in r.stdout.splitlines() if "FAIL" in l or "SKIP" in l] + skips)
    else:
        emit(True, f"lab {lab}: the solution scores full marks ({score.group(1)}/{score.group(2)})")


def check_lab(lab, tap_dir):
    steps = run(LABGEN + ["steps", lab]).stdout.split()
    bin_dir, log = variant(lab, "skeleton")
    emit(bin_dir is not None, f"lab {lab}: the bare skeleton compiles", log.splitlines()[-15:])
    solution_full_marks(lab, tap_dir)
    for step in steps:
        only_bin, only_log = variant(lab, step, only=step)
        if only_bin is None:
            emit(False, f"lab {step}: the skeleton with only this TODO compiles",
                 only_log.splitlines()[-15:])
            continue
        must_all_fail(lab, only_bin, step, "when only this TODO is left undone")
    if bin_dir:
        must_all_fail(lab, bin_dir, None, "on the bare skeleton")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--tap-dir", help="where run-tests saved each chapter's TAP")
    ap.add_argument("labs", nargs="*")
    args = ap.parse_args()
    labs = args.labs or sorted({f[:2] for f in os.listdir(os.path.join(ROOT, "labs"))
                                if re.match(r"\d\d-", f)})
    r = run(LABGEN + ["check"])
    emit(r.returncode == 0, "labs/ and solutions/ match the LAB markers (make labs is a no-op)",
         (r.stdout + r.stderr).splitlines())
    for lab in labs:
        check_lab(lab, args.tap_dir)
    print(f"1..{count}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
