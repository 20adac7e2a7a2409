# SPDX-License-Identifier: MIT
"""tap - read TAP (Test Anything Protocol) as bats and cmocka print it.

Shared by tools/run-tests, tools/grade and tools/labcheck.py.
"""

import re

RESULT_RE = re.compile(r"^(not ok|ok)\b\s*(\d+)?\s*(?:-\s+)?(.*)$")
DIRECTIVE_RE = re.compile(r"(?:^|\s+)#\s*(skip|todo)\b:?\s*(.*)$", re.IGNORECASE)
SKIP_PLAN_RE = re.compile(r"^1\.\.0\s*#\s*skip\b:?\s*(.*)$", re.IGNORECASE | re.MULTILINE)
TAG_RE = re.compile(r"^\[(?:lab (\d\d\.\d+), )?(\d+) pts?\] ")


class Result:
    """One test line: status is "pass", "fail" or "skip"."""

    def __init__(self, status, name, reason=""):
        self.status, self.name, self.reason = status, name, reason
        self.diag = []  # the "# ..." lines that followed it

    @property
    def step(self):
        m = TAG_RE.match(self.name)
        return m.group(1) if m else None

    @property
    def points(self):
        m = TAG_RE.match(self.name)
        return int(m.group(2)) if m else 1

    @property
    def title(self):
        return TAG_RE.sub("", self.name)


def parse_line(line):
    """A Result for an 'ok'/'not ok' line, else None."""
    m = RESULT_RE.match(line.rstrip("\n"))
    if not m:
        return None
    ok, rest = m.group(1) == "ok", m.group(3)
    d = DIRECTIVE_RE.search(rest)
    if d and d.group(1).lower() == "skip":
        name, reason = rest[:d.start()].strip(), d.group(2).strip()
        if not name:  # cmocka: "not ok 3 # SKIP test_name", no reason
            name, reason = reason, ""
        return Result("skip", name, reason or "no reason given")
    if d:  # TODO: a known failure, counted as it ran
        rest = rest[:d.start()].strip()
    return Result("pass" if ok else "fail", rest.strip())


def parse(text):
    """All results in a TAP stream, with their diagnostics."""
    results = []
    for line in text.splitlines():
        r = parse_line(line)
        if r:
            results.append(r)
        elif line.startswith("#") and results:
            results[-1].diag.append(line[1:].strip())
    return results
