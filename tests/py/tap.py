"""tap.py - a tiny TAP producer for the Python tests (tests/py/test_*.py).

    import tap
    tap.ok(cond, "name", "diagnostic line", ...)
    tap.is_(got, want, "name")
    tap.has(haystack, needle, "name") / tap.hasnt(...)
    tap.done()          # prints the plan last and exits 0 or 1

An exception escaping a test script is reported as a failed test by
tap.main(fn), which also prints the plan.
"""

import sys
import traceback

_n = 0
_failed = 0


def diag(*lines):
    for block in lines:
        for line in str(block).splitlines() or [""]:
            print("#   " + line, flush=True)


def ok(cond, name, *why):
    """Reports one test; returns cond so callers can stop early."""
    global _n, _failed
    _n += 1
    name = name.replace("\n", " ").replace("#", "\\#")
    if cond:
        print(f"ok {_n} - {name}", flush=True)
    else:
        _failed += 1
        print(f"not ok {_n} - {name}", flush=True)
        diag(*why)
    return bool(cond)


def is_(got, want, name, *why):
    return ok(got == want, name, f"got:  {got!r}", f"want: {want!r}", *why)


def has(haystack, needle, name, *why):
    return ok(needle in haystack, name, f"missing: {needle!r}",
              f"in: {haystack[:2000]!r}", *why)


def hasnt(haystack, needle, name, *why):
    return ok(needle not in haystack, name, f"unexpected: {needle!r}",
              f"in: {haystack[:2000]!r}", *why)


def skip(name, reason):
    global _n
    _n += 1
    print(f"ok {_n} - {name} # SKIP {reason}", flush=True)


def failed():
    return _failed


def done():
    print(f"1..{_n}", flush=True)
    sys.exit(1 if _failed else 0)


def main(fn):
    """Runs fn(); an uncaught exception is one failed test."""
    try:
        fn()
    except Exception:  # report, don't hide: the plan still prints
        ok(False, "uncaught exception", traceback.format_exc())
    done()
