"""A pytest plugin for ``bench.tester_suite``: the seconds the tests themselves took (setup,
call and teardown of each; collection and imports left out) and the outcome counts, as one
JSON line at the end of the run."""

import json
from typing import Any

totals: dict[str, Any] = {"seconds": 0.0, "passed": 0, "failed": 0, "skipped": 0}


def pytest_runtest_logreport(report: Any) -> None:
    totals["seconds"] += report.duration
    if report.when == "call" or (report.when == "setup" and report.outcome != "passed"):
        totals[report.outcome] += 1


def pytest_terminal_summary(terminalreporter: Any) -> None:
    terminalreporter.write_line("TESTER-TIMES " + json.dumps(totals))
