"""Broken configuration stops ``salespulse worker`` at start-up with one line naming the field.

Every case goes through ``salespulse worker`` in this process (click's runner; the worker
itself is stubbed, so nothing can connect), and one case per source of configuration also
through a real child process with a bootstrap address nothing listens on.
"""

from __future__ import annotations

import os
import sys
import traceback
import types
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner

from salespulse.cli import main
from tests.support.worker_start import run_worker

BOGUS_BOOTSTRAP = "127.0.0.1:1"

SUB = """\
subscriptions:
  - id: ops
    name: Ops
    owner: ops
    channel: {type: slack, webhook_url: "https://hooks.slack.com/services/T0/B0/x"}
"""


@dataclass(frozen=True)
class Case:
    files: dict[str, bytes]
    env: dict[str, str]
    names: tuple[str, ...]  # what the one line must mention
    bug: str | None = None


def _yaml(text: str) -> bytes:
    return text.encode()


CASES: dict[str, Case] = {
    "config-wrong-type": Case(
        {"c.yaml": _yaml("topics:\n  partitions: many\n")},
        {"SALESPULSE_CONFIG": "c.yaml"},
        ("topics.partitions",),
    ),
    "config-out-of-range": Case(
        {"c.yaml": _yaml("topics:\n  partitions: 0\n")},
        {"SALESPULSE_CONFIG": "c.yaml"},
        ("topics.partitions", "greater than or equal to 1"),
    ),
    "config-unknown-field": Case(
        {"c.yaml": _yaml("topics:\n  colour: red\n")},
        {"SALESPULSE_CONFIG": "c.yaml"},
        ("topics.colour",),
    ),
    "config-unknown-section": Case(
        {"c.yaml": _yaml("colour: red\n")}, {"SALESPULSE_CONFIG": "c.yaml"}, ("colour",)
    ),
    "config-section-not-a-mapping": Case(
        {"c.yaml": _yaml("topics: 5\n")}, {"SALESPULSE_CONFIG": "c.yaml"}, ("topics",)
    ),
    "config-bad-timezone": Case(
        {"c.yaml": _yaml("kpi:\n  timezone: Mars/Olympus\n")},
        {"SALESPULSE_CONFIG": "c.yaml"},
        ("kpi.timezone",),
    ),
    "config-missing-file": Case({}, {"SALESPULSE_CONFIG": "nowhere.yaml"}, ("SALESPULSE_CONFIG",)),
    "config-broken-yaml": Case(
        {"c.yaml": _yaml("topics: {partitions: [1\n")},
        {"SALESPULSE_CONFIG": "c.yaml"},
        ("c.yaml",),
        bug="salespulse.settings.load_settings catches only ValidationError and SettingsError; "
        "the yaml.YAMLError raised by YamlConfigSettingsSource escapes: the worker dies with a "
        "yaml.parser.ParserError traceback instead of one 'invalid configuration' line",
    ),
    "config-top-level-list": Case(
        {"c.yaml": _yaml("- kafka\n- topics\n")},
        {"SALESPULSE_CONFIG": "c.yaml"},
        ("c.yaml",),
        bug="a SALESPULSE_CONFIG whose top level is a list makes pydantic_settings' "
        "_read_files raise ValueError ('dictionary update sequence element #0 ...'); "
        "load_settings does not catch it: traceback",
    ),
    "config-not-utf8": Case(
        {"c.yaml": b"\xff\xfe\x00topics: 1\n"},
        {"SALESPULSE_CONFIG": "c.yaml"},
        ("c.yaml",),
        bug="a SALESPULSE_CONFIG that is not UTF-8 raises UnicodeDecodeError inside "
        "YamlConfigSettingsSource; load_settings does not catch it: traceback",
    ),
    "env-wrong-type": Case({}, {"SALESPULSE_INGEST__BATCH_SIZE": "lots"}, ("ingest.batch_size",)),
    "env-unknown-field": Case({}, {"SALESPULSE_INGEST__COLOUR": "red"}, ("ingest.colour",)),
    "detectors-wrong-type": Case(
        {"d.yaml": _yaml("kpis:\n  revenue: {k: lots}\n")},
        {"SALESPULSE_DETECTORS__CONFIG": "d.yaml"},
        ("detectors.config", "kpis.revenue.k"),
    ),
    "detectors-unknown-kpi": Case(
        {"d.yaml": _yaml("kpis:\n  revnue: {k: 3}\n")},
        {"SALESPULSE_DETECTORS__CONFIG": "d.yaml"},
        ("detectors.config", "kpis.revnue"),
    ),
    "detectors-unknown-field": Case(
        {"d.yaml": _yaml("defaults: {colour: red}\n")},
        {"SALESPULSE_DETECTORS__CONFIG": "d.yaml"},
        ("detectors.config", "colour"),
    ),
    "detectors-missing-file": Case(
        {}, {"SALESPULSE_DETECTORS__CONFIG": "nowhere.yaml"}, ("detectors.config",)
    ),
    "detectors-broken-yaml": Case(
        {"d.yaml": _yaml("kpis: {revenue: [\n")},
        {"SALESPULSE_DETECTORS__CONFIG": "d.yaml"},
        ("detectors.config",),
        bug="detectors.policy._read puts str(yaml.YAMLError) in the ConfigError; PyYAML's "
        "message spans several lines with a source snippet, so the start-up error is not one "
        "line (and quotes the file's text)",
    ),
    "routing-wrong-type": Case(
        {"r.yaml": _yaml(SUB + "    group_wait: soon\n")},
        {"SALESPULSE_ALERTS__ROUTING": "r.yaml"},
        ("alerts.routing", "subscriptions.0.group_wait"),
    ),
    "routing-unknown-field": Case(
        {"r.yaml": _yaml(SUB + "    colour: red\n")},
        {"SALESPULSE_ALERTS__ROUTING": "r.yaml"},
        ("alerts.routing", "subscriptions.0.colour"),
    ),
    "routing-bad-url": Case(
        {"r.yaml": _yaml(SUB.replace("https://hooks", "ftp://hooks"))},
        {"SALESPULSE_ALERTS__ROUTING": "r.yaml"},
        ("alerts.routing", "webhook_url"),
    ),
    "routing-duplicate-ids": Case(
        {"r.yaml": _yaml(SUB + SUB.split("\n", 1)[1])},
        {"SALESPULSE_ALERTS__ROUTING": "r.yaml"},
        ("alerts.routing", "subscriptions"),
    ),
    "routing-broken-yaml": Case(
        {"r.yaml": _yaml(SUB.replace('/x"}', '/x"]'))},
        {"SALESPULSE_ALERTS__ROUTING": "r.yaml"},
        ("alerts.routing",),
        bug="alerts.config.load_routing puts str(yaml.YAMLError) in the AlertConfigError: "
        "several lines with a snippet of the file (which holds webhook URLs, i.e. secrets)",
    ),
}


@dataclass(frozen=True)
class Outcome:
    returncode: int
    stderr: str


def _materialise(name: str, case: Case, root: Path) -> dict[str, str]:
    """Write the case's files under ``root/name``; the environment that points at them."""
    where = root / name
    where.mkdir(exist_ok=True)
    for file_name, content in case.files.items():
        (where / file_name).write_bytes(content)
    env = {"SALESPULSE_KAFKA__BOOTSTRAP_SERVERS": BOGUS_BOOTSTRAP}
    for key, value in case.env.items():
        env[key] = str(where / value) if value.endswith(".yaml") else value
    return env


def _in_process(name: str, root: Path, monkeypatch: pytest.MonkeyPatch) -> Outcome:
    """``salespulse worker`` through click in this process; the worker itself is stubbed."""

    def got_past_the_settings(settings: object) -> None:
        raise AssertionError("the settings were accepted")

    stub = types.ModuleType("streams.worker")
    stub.run_worker = got_past_the_settings  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "streams.worker", stub)
    for key in [k for k in os.environ if k.startswith("SALESPULSE_")]:
        monkeypatch.delenv(key)
    env = _materialise(name, CASES[name], root)
    result = CliRunner().invoke(main, ["worker"], env=env)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        tb = "".join(traceback.format_exception(result.exception))
        return Outcome(1, f"Traceback (most recent call last):\n{tb}")
    return Outcome(result.exit_code, result.stderr)


def _subprocess(name: str, root: Path) -> Outcome:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SALESPULSE_")}
    env.update(_materialise(name, CASES[name], root))
    done = run_worker(env)
    return Outcome(done.returncode, done.stderr.decode(errors="replace"))


def _param(name: str) -> object:

    marks: list[object] = []  # every bug these cases found is fixed
    return pytest.param(name, marks=marks, id=name)


def _judge(name: str, outcome: Outcome) -> None:
    assert outcome.returncode != 0, outcome
    assert "Traceback" not in outcome.stderr, outcome.stderr[-1500:]
    lines = [line for line in outcome.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, outcome.stderr[-1500:]
    assert lines[0].startswith("Error: "), lines
    assert "invalid configuration" in lines[0] or "SALESPULSE_CONFIG" in lines[0], lines
    for part in CASES[name].names:
        assert part in lines[0], (part, lines[0])


@pytest.mark.parametrize("name", [_param(n) for n in CASES])
def test_the_worker_refuses_to_start_with_one_line_naming_the_field(
    name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _judge(name, _in_process(name, tmp_path, monkeypatch))


#: A real child process per source of configuration (each pays ~3 s of imports).
CHILD_CASES = (
    "config-wrong-type",
    "detectors-wrong-type",
    "routing-unknown-field",
    "config-broken-yaml",
)


@pytest.fixture(scope="module")
def children(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Outcome]:
    root = tmp_path_factory.mktemp("bad-config")
    with ThreadPoolExecutor(max_workers=2) as pool:
        futures = {name: pool.submit(_subprocess, name, root) for name in CHILD_CASES}
        return {name: future.result() for name, future in futures.items()}


@pytest.mark.parametrize("name", [_param(n) for n in CHILD_CASES])
def test_the_real_cli_exits_non_zero_with_one_line(name: str, children: dict[str, Outcome]) -> None:
    _judge(name, children[name])
