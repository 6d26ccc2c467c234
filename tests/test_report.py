"""The HTML reports as text: whatever a planner typed (a description, a disruption's name, a folder
name) is shown escaped, never read as markup; the pages hold no script; the templates mark nothing
safe and refuse a value they were not given. The pages in a real browser: test_report_browser.py."""

from __future__ import annotations

import html
import re
from pathlib import Path

import jinja2
import pytest
import yaml

from sim.compare import comparison
from sim.report import compare_report, render, write_run_report
from sim.runner import run
from sim.scenario import load_scenario
from sim.store import RunRecord, write_run

GOLDEN = Path(__file__).parent / "data" / "golden.yaml"
TEMPLATES = Path(__file__).parents[1] / "sim" / "templates"
HOSTILE = '<script>alert(1)</script> "&<>'


@pytest.fixture(scope="module")
def hostile_runs(tmp_path_factory) -> list[RunRecord]:
    """The golden scenario, 2 replications, its description and its road jam's name set to HOSTILE,
    saved without plots into folders whose names hold HOSTILE's last characters."""
    root = tmp_path_factory.mktemp("hostile")
    data = yaml.safe_load(GOLDEN.read_text(encoding="utf-8"))
    data["description"] = HOSTILE
    data["disruptions"][0]["name"] = HOSTILE
    path = root / "hostile.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    runs = []
    for n, seed in (("a", 7), ("b", 8)):
        folder = write_run(run(load_scenario(path, ["replications=2", f"seed={seed}"]), workers=1),
                           out=root / f'{n}"&<>')
        runs.append(RunRecord.open(folder))
    return runs


def assert_no_markup_from_the_planner(page: str) -> None:
    assert HOSTILE not in page
    assert not re.search(r"<\s*script", page, re.IGNORECASE)
    assert "&amp;lt;" not in page  # nothing escaped twice


def shown(pattern: str, page: str) -> list[str]:
    """The texts a browser shows for the markup matching ``pattern`` (its group 1)."""
    return [html.unescape(m) for m in re.findall(pattern, page)]


def test_run_report_escapes_the_description_and_a_disruption_name(hostile_runs):
    page = write_run_report(hostile_runs[0].folder, hostile_runs[0]).read_text(encoding="utf-8")
    assert_no_markup_from_the_planner(page)
    assert shown(r'<p class="muted">([^<]*)</p>', page) == [HOSTILE]
    # the jam held the line in the golden run: it is a row of the causes table
    assert HOSTILE in shown(r"<td>disruption</td><td>([^<]*)</td>", page)
    assert shown(r"<pre>([^<]*)</pre>", page)[0].startswith(f"name: golden\ndescription: {HOSTILE}\n")


def test_comparison_report_escapes_the_descriptions_and_the_folders(hostile_runs):
    page = compare_report(hostile_runs, comparison(hostile_runs), {})
    assert_no_markup_from_the_planner(page)
    assert shown(r"<li><strong>golden</strong>: ([^<]*)</li>", page) == [HOSTILE, HOSTILE]
    folders = shown(r"<tr><td>golden</td><td>([^<]*)</td>", page)  # the provenance table
    assert [Path(f).name for f in folders] == ['a"&<>', 'b"&<>']


def test_templates_mark_nothing_safe_and_hold_no_script():
    for path in TEMPLATES.iterdir():
        text = path.read_text(encoding="utf-8")
        assert not re.search(r"\|\s*safe|Markup|autoescape\s+false", text), path.name
        assert "<script" not in text.lower() and "http" not in text, path.name


def test_a_value_the_template_was_not_given_is_an_error():
    with pytest.raises(jinja2.UndefinedError):
        render("run.html.j2", title="t", kind="run")
