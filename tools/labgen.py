#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""labgen - make the labs and their answer keys from the solution's markers.

The complete code in common/ and chapters/ is the solution.  A region that a
lab asks the student to write is marked in that code:

    /* LAB 02.1: one-line title
     * What to do and hints, as many lines as needed.
     * Stub: (void)unused_helper;
     * Stub: return kit_lab_todo(err, "02.1");
     * Why: the reason the answer is what it is (answer key only).
     */
    ...the real code...
    /* END LAB */

Commands:
    generate                  write labs/NN-*/ and solutions/NN-*/ for every lab
    check                     exit 1 if labs/ or solutions/ differ from what
                              generate would write (a lab file a student has
                              edited is compared with its committed version)
    skeleton LAB OUT [--only STEP]
                              write LAB's skeleton files under OUT (paths as in
                              the repo); with --only, stub just that step
    steps LAB                 print the lab's steps, one per line
    tests LAB                 print the graded tests as "step<TAB>points<TAB>name"

The handout labs/NN-*/README.md is chapters/NN-*/lab.md followed by a table
of the TODOs and of the tests that grade each one (parsed from
tests/chapters/NN-*.bats, whose names read "[lab 02.1, 3 pts] what it checks").
"""

import argparse
import filecmp
import os
import re
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SOURCE_DIRS = ("common", "chapters")
SOURCE_EXTS = (".c", ".h")

OPEN_RE = re.compile(r"^(\s*)/\* LAB (\d\d)\.(\d+): (.*)$")
END_RE = re.compile(r"^\s*/\* END LAB \*/\s*$")
TEST_RE = re.compile(r'^\s*@test\s+"(.*)"\s*\{\s*$')
TAG_RE = re.compile(r"^\[(?:lab (\d\d\.\d+), )?(\d+) pts?\] ")


class MarkerError(Exception):
    pass


class Region:
    """One marked region: lines [start, end] of a file, END line included."""

    def __init__(self, path, start, indent, lab, step, title):
        self.path, self.start, self.indent = path, start, indent
        self.lab, self.step, self.title = lab, step, title
        self.desc, self.stub, self.why, self.code = [], [], [], []
        self.end = None


def comment_text(line):
    """' * text' -> 'text'; ' *' -> ''."""
    m = re.match(r"^\s*\*( ?)(.*)$", line)
    if not m:
        return None
    return m.group(2).rstrip()


def parse_file(path):
    """Return the regions of a source file, in order."""
    rel = os.path.relpath(path, ROOT)
    with open(path, encoding="utf-8") as f:
        lines = f.read().split("\n")
    regions, i = [], 0
    while i < len(lines):
        m = OPEN_RE.match(lines[i])
        if not m:
            if END_RE.match(lines[i]):
                raise MarkerError(f"{rel}:{i + 1}: END LAB without a LAB marker")
            i += 1
            continue
        r = Region(rel, i, m.group(1), m.group(2), f"{m.group(2)}.{m.group(3)}",
                   m.group(4).strip())
        i += 1
        section = r.desc
        while True:
            if i >= len(lines):
                raise MarkerError(f"{rel}:{r.start + 1}: LAB {r.step} comment never ends")
            if lines[i].strip() == "*/":
                i += 1
                break
            text = comment_text(lines[i])
            if text is None:
                raise MarkerError(f"{rel}:{i + 1}: LAB {r.step}: comment lines must start with ' * '")
            if text.startswith("Stub:"):
                section = r.stub
                text = text[len("Stub:"):].strip()
            elif text.startswith("Why:"):
                section = r.why
                text = text[len("Why:"):].strip()
            elif section is r.stub and text:
                raise MarkerError(f"{rel}:{i + 1}: LAB {r.step}: after 'Stub:' lines only 'Stub:' or 'Why:'")
            section.append(text)
            i += 1
        while True:
            if i >= len(lines):
                raise MarkerError(f"{rel}:{r.start + 1}: LAB {r.step} has no END LAB")
            if OPEN_RE.match(lines[i]):
                raise MarkerError(f"{rel}:{i + 1}: LAB marker inside LAB {r.step}")
            if END_RE.match(lines[i]):
                r.end = i
                i += 1
                break
            r.code.append(lines[i])
            i += 1
        if not r.stub:
            raise MarkerError(f"{rel}:{r.start + 1}: LAB {r.step} has no 'Stub:' line")
        if not r.code:
            raise MarkerError(f"{rel}:{r.start + 1}: LAB {r.step} marks no code")
        regions.append(r)
    return lines, regions


def scan():
    """All marked files: {relpath: (lines, regions)}."""
    found = {}
    for d in SOURCE_DIRS:
        for dirpath, _, files in os.walk(os.path.join(ROOT, d)):
            for name in sorted(files):
                if not name.endswith(SOURCE_EXTS):
                    continue
                path = os.path.join(dirpath, name)
                lines, regions = parse_file(path)
                if regions:
                    found[os.path.relpath(path, ROOT)] = (lines, regions)
    return dict(sorted(found.items()))


def chapter_dir(lab):
    for name in sorted(os.listdir(os.path.join(ROOT, "chapters"))):
        if name.startswith(lab + "-"):
            return name
    raise MarkerError(f"no chapters/{lab}-* directory for lab {lab}")


def skeleton_lines(lines, regions, stub_steps):
    """The file with each region whose step is in stub_steps replaced."""
    out, last = [], 0
    for r in regions:
        if r.step not in stub_steps:
            continue
        out.extend(lines[last:r.start])
        ind = r.indent
        out.append(f"{ind}/* TODO lab {r.step}: {r.title}")
        for d in r.desc:
            out.append(f"{ind} * {d}".rstrip())
        out.append(f"{ind} */")
        for s in r.stub:
            out.append(f"{ind}{s}")
        last = r.end + 1
    out.extend(lines[last:])
    return out


def lab_files(found, lab):
    return {p: v for p, v in found.items() if any(r.lab == lab for r in v[1])}


def labs_of(found):
    return sorted({r.lab for _, regions in found.values() for r in regions})


def steps_of(found, lab):
    steps = []
    for _, regions in found.values():
        for r in regions:
            if r.lab == lab and r.step not in steps:
                steps.append(r.step)
    return sorted(steps, key=lambda s: int(s.split(".")[1]))


def graded_tests(lab):
    """[(step or None, points, name)] from tests/chapters/LAB-*.bats."""
    tests = []
    tdir = os.path.join(ROOT, "tests", "chapters")
    for name in sorted(os.listdir(tdir)):
        if not (name.startswith(lab + "-") and name.endswith(".bats")):
            continue
        with open(os.path.join(tdir, name), encoding="utf-8") as f:
            for line in f:
                m = TEST_RE.match(line)
                if not m:
                    continue
                # bats evaluates the name as a double-quoted shell word
                name = re.sub(r'\\([$`"\\])', r"\1", m.group(1))
                t = TAG_RE.match(name)
                if t:
                    tests.append((t.group(1), int(t.group(2)), name))
                else:
                    tests.append((None, 1, name))
    return tests


def handout(found, lab, chap):
    src = os.path.join(ROOT, "chapters", chap, "lab.md")
    if not os.path.exists(src):
        raise MarkerError(f"chapters/{chap}/lab.md (the handout's text) is missing")
    with open(src, encoding="utf-8") as f:
        text = f.read().rstrip() + "\n"
    tests = graded_tests(lab)
    out = [text, "", "## Your TODOs", "",
           "<!-- generated by `make labs` from the LAB markers: do not edit -->", "",
           "| step | file | what to write | graded by |",
           "|------|------|---------------|-----------|"]
    todo = [(path, r) for path, (_, regions) in lab_files(found, lab).items()
            for r in regions if r.lab == lab]
    for path, r in sorted(todo, key=lambda t: (int(t[1].step.split(".")[1]), t[1].start)):
        pts = sum(p for s, p, _ in tests if s == r.step)
        n = sum(1 for s, _, _ in tests if s == r.step)
        out.append(f"| {r.step} | [`{path}`]({path}) line {r.start + 1} | {r.title} "
                   f"| {n} tests, {pts} pts |")
    total = sum(p for _, p, _ in tests)
    out += ["", "## How it is graded", "",
            f"`make grade LAB={lab}` builds the kit with the files in this folder in place "
            "of the solution's and runs the chapter's tests "
            f"(`tests/chapters/{chap}.bats`). Each test is worth the points shown; "
            "a skipped test (not root, no user namespaces ...) scores zero and says why. "
            f"Full marks: {total} pts.", "",
            "| points | lab step | test |", "|-------:|----------|------|"]
    for step, pts, name in tests:
        out.append(f"| {pts} | {step or '-'} | {TAG_RE.sub('', name)} |")
    return "\n".join(out) + "\n"


def solution_md(found, lab, chap):
    out = [f"# Lab {lab} answer key ({chap})", "",
           "<!-- generated by `make labs` from the LAB markers: do not edit -->", "",
           "For instructors.  Each TODO's answer is the code from the kit itself, with "
           "the reason it is written that way.  The code around it is in the file named.", ""]
    for path, (lines, regions) in lab_files(found, lab).items():
        for r in regions:
            if r.lab != lab:
                continue
            code = [l[len(r.indent):] if l.startswith(r.indent) else l for l in r.code]
            out += [f"## {r.step}: {r.title}", "",
                    f"In `{path}`, line {r.start + 1}.", "", "```c", *code, "```", ""]
            if r.why:
                out += ["Why: " + " ".join(w for w in r.why if w), ""]
    return "\n".join(out).rstrip() + "\n"


def render(found, outdir):
    """Write every lab and answer key under outdir (labs/, solutions/).

    A lab that cannot be written (no chapter folder, no lab.md) does not stop
    the others: returns {chapter folder or lab number: reason} for those.
    """
    failed = {}
    for lab in labs_of(found):
        try:
            chap = chapter_dir(lab)
            steps = set(steps_of(found, lab))
            readme = handout(found, lab, chap)
            answers = solution_md(found, lab, chap)
        except MarkerError as e:
            failed[lab] = str(e)
            continue
        for path, (lines, regions) in lab_files(found, lab).items():
            dest = os.path.join(outdir, "labs", chap, path)
            os.makedirs(os.path.dirname(dest), exist_ok=True)
            with open(dest, "w", encoding="utf-8") as f:
                f.write("\n".join(skeleton_lines(lines, regions, steps)))
        with open(os.path.join(outdir, "labs", chap, "README.md"), "w", encoding="utf-8") as f:
            f.write(readme)
        os.makedirs(os.path.join(outdir, "solutions", chap), exist_ok=True)
        with open(os.path.join(outdir, "solutions", chap, "README.md"), "w", encoding="utf-8") as f:
            f.write(answers)
    return failed


def in_failed(rel, failed):
    """True if rel (below labs/ or solutions/) belongs to a lab that failed."""
    return any(rel.startswith(lab + "-") for lab in failed)


def files_under(top):
    out = set()
    for dirpath, _, files in os.walk(top):
        for name in files:
            out.add(os.path.relpath(os.path.join(dirpath, name), top))
    return out


def committed(rel):
    """The committed text of a file, or None outside git / if untracked."""
    try:
        return subprocess.run(["git", "-C", ROOT, "show", f"HEAD:{rel}"], check=True,
                              capture_output=True).stdout
    except (subprocess.CalledProcessError, FileNotFoundError):
        return None


def student_edited(rel):
    """True if the working copy of rel differs from its committed version."""
    r = subprocess.run(["git", "-C", ROOT, "diff", "--quiet", "HEAD", "--", rel],
                       capture_output=True)
    return r.returncode == 1


def cmd_generate(args):
    found = scan()
    with tempfile.TemporaryDirectory() as tmp:
        failed = render(found, tmp)
        for top in ("labs", "solutions"):
            new = files_under(os.path.join(tmp, top)) if os.path.isdir(os.path.join(tmp, top)) else set()
            for rel in sorted(new):
                src, dst = os.path.join(tmp, top, rel), os.path.join(ROOT, top, rel)
                if os.path.exists(dst) and filecmp.cmp(src, dst, shallow=False):
                    continue
                if top == "labs" and os.path.exists(dst) and not args.force and student_edited(f"{top}/{rel}"):
                    print(f"make labs: kept {top}/{rel}: it has your edits "
                          "(FORCE=1 overwrites them)", file=sys.stderr)
                    continue
                os.makedirs(os.path.dirname(dst), exist_ok=True)
                with open(src, "rb") as fi, open(dst, "wb") as fo:
                    fo.write(fi.read())
                print(f"make labs: wrote {top}/{rel}")
            old = files_under(os.path.join(ROOT, top)) if os.path.isdir(os.path.join(ROOT, top)) else set()
            for rel in sorted(old - new):
                if in_failed(rel, failed):
                    continue  # keep what a broken lab had until it is fixed
                os.remove(os.path.join(ROOT, top, rel))
                print(f"make labs: removed {top}/{rel} (no marker produces it)")
    for lab, why in sorted(failed.items()):
        print(f"make labs: lab {lab} not written: {why}", file=sys.stderr)
    return 1 if failed else 0


def cmd_check(args):
    found = scan()
    with tempfile.TemporaryDirectory() as tmp:
        failed = render(found, tmp)
        bad = [f"lab {lab}: {why}" for lab, why in sorted(failed.items())]
        for top in ("labs", "solutions"):
            gen_top, cur_top = os.path.join(tmp, top), os.path.join(ROOT, top)
            new = files_under(gen_top) if os.path.isdir(gen_top) else set()
            old = files_under(cur_top) if os.path.isdir(cur_top) else set()
            for rel in sorted(new | old):
                if in_failed(rel, failed):
                    continue
                if rel not in old:
                    bad.append(f"{top}/{rel}: missing (run make labs)")
                    continue
                if rel not in new:
                    bad.append(f"{top}/{rel}: no marker produces it (run make labs)")
                    continue
                with open(os.path.join(gen_top, rel), "rb") as f:
                    want = f.read()
                with open(os.path.join(cur_top, rel), "rb") as f:
                    have = f.read()
                if have != want and (committed(f"{top}/{rel}") or have) != want:
                    bad.append(f"{top}/{rel}: out of date with the markers (run make labs)")
    for b in bad:
        print(b)
    return 1 if bad else 0


def cmd_skeleton(args):
    found = scan()
    steps = steps_of(found, args.lab)
    if not steps:
        raise MarkerError(f"lab {args.lab} has no LAB markers")
    if args.only and args.only not in steps:
        raise MarkerError(f"lab {args.lab} has no step {args.only} (steps: {', '.join(steps)})")
    stub = {args.only} if args.only else set(steps)
    for path, (lines, regions) in lab_files(found, args.lab).items():
        dest = os.path.join(args.out, path)
        os.makedirs(os.path.dirname(dest), exist_ok=True)
        with open(dest, "w", encoding="utf-8") as f:
            f.write("\n".join(skeleton_lines(lines, regions, stub)))
    return 0


def cmd_steps(args):
    for s in steps_of(scan(), args.lab):
        print(s)
    return 0


def cmd_tests(args):
    for step, pts, name in graded_tests(args.lab):
        print(f"{step or '-'}\t{pts}\t{name}")
    return 0


def main():
    ap = argparse.ArgumentParser(description="generate labs and answer keys from LAB markers")
    sub = ap.add_subparsers(dest="cmd", required=True)
    g = sub.add_parser("generate")
    g.add_argument("--force", action="store_true", default=os.environ.get("FORCE") == "1")
    sub.add_parser("check")
    s = sub.add_parser("skeleton")
    s.add_argument("lab")
    s.add_argument("out")
    s.add_argument("--only")
    sub.add_parser("steps").add_argument("lab")
    sub.add_parser("tests").add_argument("lab")
    args = ap.parse_args()
    try:
        return {"generate": cmd_generate, "check": cmd_check, "skeleton": cmd_skeleton,
                "steps": cmd_steps, "tests": cmd_tests}[args.cmd](args)
    except MarkerError as e:
        print(f"labgen: {e}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
