"""Every bench's budget check, fed a figure that misses and one that meets (pure: no bench is run)."""

from __future__ import annotations

import importlib
import re
from pathlib import Path

import pytest

from bench import coverage_scale, crash_bench, export_bench, import_bench, load, pdf_bench, phone_weight, routes
from bench import schedule_bench as schedule
from bench import submit_throughput as submit
from bench.budgets import Budget, Verdict, describe, report
from bench.run import BENCHES

README = Path(__file__).resolve().parents[1] / "README.md"


def code_of(verdicts: list[Verdict], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    code = report(verdicts)
    return code, capsys.readouterr().out


def missed_lines(out: str) -> list[str]:
    return [line.strip() for line in out.splitlines() if line.strip().startswith("MISSED")]


# bench -> (figures that miss, the budget named in the miss, figures that meet)
CASES = {
    "schedule_bench": (lambda: schedule.check(61.0, 5.0, 1.5), schedule.YEAR, lambda: schedule.check(41.0, 5.0, 1.5)),
    "schedule_bench, quality": (lambda: schedule.check(41.0, 5.0, 0.9), schedule.PRIZE,
                                lambda: schedule.check(41.0, 9.9, 1.0)),
    "schedule_bench, RC208": (lambda: schedule.check(41.0, 5.0, 1.5, 2.3), schedule.RC208,
                              lambda: schedule.check(41.0, 5.0, 1.5, 0.0)),
    "phone_weight": (lambda: phone_weight.check(26 * 1024, [1.2], 20_000), phone_weight.WEIGHT,
                     lambda: phone_weight.check(17 * 1024, [1.2, 1.9, 1.4], 20_000)),
    "phone_weight, cold": (lambda: phone_weight.check(17 * 1024, [2.4, 2.1, 1.5], 20_000), phone_weight.READY_COLD,
                           lambda: phone_weight.check(25 * 1024, [1.9], 20_000)),
    "phone_weight, offline list": (lambda: phone_weight.check(17 * 1024, [1.2], 61 * 1024), phone_weight.OFFLINE_LIST,
                                   lambda: phone_weight.check(17 * 1024, [1.2], 60 * 1024)),
    "submit_throughput": (lambda: submit.check({"sqlite": 0.66, "postgres": 0.49}), submit.RATIO,
                          lambda: submit.check({"sqlite": 0.66, "postgres": 0.5})),
    "import_bench": (lambda: import_bench.check({import_bench.BASELINE: 2.0, "check .xlsx": 3.0, "commit": 10.5}),
                     import_bench.STAGE,
                     lambda: import_bench.check({import_bench.BASELINE: 2.0, "check .xlsx": 3.0, "commit": 10.0})),
    "export_bench": (lambda: export_bench.check({10_000: {"csv": 14.1, "xlsx": 11.8},
                                                 1_000_000: {"csv": 14.1, "xlsx": 2553.0}}, ["csv", "xlsx"]),
                     export_bench.FLAT,
                     lambda: export_bench.check({10_000: {"csv": 14.1, "xlsx": 0.2},
                                                 1_000_000: {"csv": 15.9, "xlsx": 1.5}}, ["csv", "xlsx"])),
    "coverage_scale": (lambda: coverage_scale.check({"postgres": {coverage_scale.VISITED: 1.05,
                                                                  coverage_scale.CITY_VISITED: 0.005}}),
                       coverage_scale.COUNTRY_BUDGET,
                       lambda: coverage_scale.check({"postgres": {coverage_scale.VISITED: 0.88,
                                                                  coverage_scale.CITY_VISITED: 0.005}})),
    "coverage_scale, city": (lambda: coverage_scale.check({"sqlite": {coverage_scale.VISITED: 5.0,
                                                                      coverage_scale.CITY_VISITED: 0.051}}),
                             coverage_scale.CITY_BUDGET,
                             lambda: coverage_scale.check({"sqlite": {coverage_scale.VISITED: 5.0,
                                                                      coverage_scale.CITY_VISITED: 0.049}})),
    **{f"coverage_scale, {name}": (
        lambda slow=slow: coverage_scale.check({"postgres": {coverage_scale.VISITED: 0.5,
                                                             coverage_scale.CITY_VISITED: 0.005,
                                                             coverage_scale.PAGE_VISITED: 0.1,
                                                             coverage_scale.INDICATORS_VISITED: 0.2} | slow}),
        budget,
        lambda: coverage_scale.check({"postgres": {coverage_scale.VISITED: 0.5,
                                                   coverage_scale.CITY_VISITED: 0.005,
                                                   coverage_scale.PAGE_VISITED: 0.29,
                                                   coverage_scale.INDICATORS_VISITED: 0.99}}))
       for name, slow, budget in (("page", {coverage_scale.PAGE_VISITED: 0.31}, coverage_scale.PAGE_BUDGET),
                                  ("indicators", {coverage_scale.INDICATORS_VISITED: 1.2},
                                   coverage_scale.INDICATORS_BUDGET))},
    "crash_bench": (lambda: crash_bench.check(1, 0), crash_bench.LOST, lambda: crash_bench.check(0, 0)),
    "crash_bench, duplicates": (lambda: crash_bench.check(0, 2), crash_bench.DUPLICATES,
                                lambda: crash_bench.check(0, 0)),
    "load": (lambda: load.check(3, 0.9, 0.9), load.ERRORS, lambda: load.check(0, 0.9, 0.9)),
    "load, S3 upload": (lambda: load.check(0, 0.49, 0.9), load.UPLOAD, lambda: load.check(0, 0.5, 0.5)),
    "load, S3 download": (lambda: load.check(0, 0.9, 0.3), load.DOWNLOAD, lambda: load.check(0, 1.2, 0.51)),
    "routes": (lambda: routes.check({35: (0.2, 0.99), 150: (3.1, 1.2)}), routes.GAP[150],
               lambda: routes.check({35: (1.0, 0.99), 150: (3.0, 4.9)})),
    "routes, time": (lambda: routes.check({35: (0.0, 1.0), 150: (0.6, 1.1)}), routes.SLOWEST[35],
                     lambda: routes.check({35: (0.0, 0.5), 150: (0.6, 1.1)})),
    "pdf_bench": (lambda: pdf_bench.check([1.2, 1.6, 1.7], 600_000, 20.0), pdf_bench.PDF_TIME,
                  lambda: pdf_bench.check([1.2, 1.4, 1.7], 1_999_000, 29.9)),
    "pdf_bench, size": (lambda: pdf_bench.check([0.9], 2_100_000, 20.0), pdf_bench.PDF_SIZE,
                        lambda: pdf_bench.check([0.9], 600_000, None)),
    "pdf_bench, audit": (lambda: pdf_bench.check(None, None, 31.0), pdf_bench.AUDIT,
                         lambda: pdf_bench.check(None, None, 18.5)),
}


@pytest.mark.parametrize("case", CASES)
def test_a_missed_figure_fails_the_bench_and_names_the_budget(case: str, capsys: pytest.CaptureFixture[str]) -> None:
    misses, budget, _ = CASES[case]
    code, out = code_of(misses(), capsys)
    assert code == 1
    (line,) = missed_lines(out)
    assert budget.name in line
    assert re.search(r"(over|short|off) by [\d.,]+", line), line


@pytest.mark.parametrize("case", CASES)
def test_figures_within_every_budget_pass(case: str, capsys: pytest.CaptureFixture[str]) -> None:
    _, _, meets = CASES[case]
    verdicts = meets()
    code, out = code_of(verdicts, capsys)
    assert verdicts and all(v.met for v in verdicts)
    assert code == 0 and not missed_lines(out) and "all met" in out


def test_each_database_and_format_is_checked_apart(capsys: pytest.CaptureFixture[str]) -> None:
    _, out = code_of(submit.check({"sqlite": 0.4, "postgres": 0.6}), capsys)
    (line,) = missed_lines(out)
    assert "(sqlite)" in line and "short by 0.1×" in line
    _, out = code_of(export_bench.check({10_000: {"csv": 10.0, "geojson": 10.0},
                                         50_000: {"csv": 10.0, "geojson": 20.0}}, ["csv", "geojson"]), capsys)
    (line,) = missed_lines(out)
    assert "(geojson, 50,000 vs 10,000 rows)" in line and "over by 0.5×" in line
    assert len(coverage_scale.check({"sqlite": {coverage_scale.VISITED: 9.0, coverage_scale.CITY_VISITED: 0.01}})) == 1


def test_nothing_checked_is_not_met(capsys: pytest.CaptureFixture[str]) -> None:
    assert export_bench.check({10_000: {"csv": 14.1}}, ["csv"]) == []
    code, out = code_of([], capsys)
    assert code == 1 and "no budget was checked" in out


def test_budget_comparisons_and_lines() -> None:
    at_most = Budget("weight", "<=", 25, "KB")
    assert at_most.check(25).met and not at_most.check(25.1).met
    assert not Budget("ready", "<", 2, "s").check(2).met
    assert Budget("ratio", ">=", 0.5, "×").check(0.5).met
    assert not Budget("errors", "==", 0).check(1).met
    assert at_most.check(30).line() == "MISSED  weight: 30 KB, budget ≤ 25 KB: over by 5 KB, 20 %"
    assert at_most.check(20).line() == "met     weight: 20 KB, budget ≤ 25 KB"
    assert Budget("errors", "==", 0).check(3).line() == "MISSED  errors: 3, budget = 0: off by 3"
    with pytest.raises(ValueError):
        Budget("x", "=<", 1)


@pytest.mark.parametrize("name", BENCHES)
def test_every_bench_checks_its_budgets(name: str) -> None:
    module = importlib.import_module(f"bench.{name}")
    assert module.BUDGETS and all(isinstance(b, Budget) for b in module.BUDGETS), name
    assert callable(module.check), name
    assert name in {case.split(",")[0] for case in CASES}, f"no test feeds {name}'s check"


def test_the_readme_states_every_budget() -> None:
    section = README.read_text(encoding="utf-8").split("### Budgets (bench/)", 1)[1].split("\n## ", 1)[0]
    for name in BENCHES:
        assert describe(importlib.import_module(f"bench.{name}").BUDGETS) in section, name
        assert f"bench.{name} " in section, name


def test_the_phone_weight_counts_every_script_and_stylesheet_the_page_loads() -> None:
    html = ('<link rel="stylesheet" href="/static/app.css"><link rel="icon" href="/static/i.png">'
            '<script src="/static/phone.js" defer></script><script>inline()</script>'
            '<script src="/static/signatures.js" defer></script><script src="/static/phone.js"></script>'
            '<script src="https://cdn.example/x.js"></script><link rel="preload stylesheet" href="/static/b.css">')
    assert phone_weight.loads(html) == ["/static/app.css", "/static/phone.js", "/static/signatures.js",
                                        "/static/b.css"]
    assert phone_weight.WORKER.findall("navigator.serviceWorker.register('/sw.js')") == ["/sw.js"]
