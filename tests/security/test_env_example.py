""".env.example lists exactly the variables settings read, and copying it gives a working local run."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from test_settings import run

BASE_DIR = Path(__file__).resolve().parents[2]
EXAMPLE = BASE_DIR / ".env.example"
LISTED = re.compile(r"^#?\s*([A-Z][A-Z0-9_]*)=(.*)$")


def variables_settings_read() -> set[str]:
    """Every `env("NAME")` / `env.<kind>("NAME", ...)` in promoadmin/settings.py."""
    tree = ast.parse((BASE_DIR / "promoadmin" / "settings.py").read_text(encoding="utf-8"))
    names = set()
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant)):
            continue
        func = node.func
        called_on_env = (isinstance(func, ast.Name) and func.id == "env") or (
            isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) and func.value.id == "env")
        if called_on_env and isinstance(node.args[0].value, str):
            names.add(node.args[0].value)
    return names


def example_lines() -> list[tuple[str, str, bool]]:
    """(name, value, commented out) for each `NAME=value` or `# NAME=value` line."""
    found = []
    for line in EXAMPLE.read_text(encoding="utf-8").splitlines():
        match = LISTED.match(line)
        if match:
            found.append((match[1], match[2], line.startswith("#")))
    return found


def test_it_lists_every_variable_settings_read_and_no_other():
    read, listed = variables_settings_read(), {name for name, _, _ in example_lines()}

    assert len(read) >= 20  # the parser found them (a refactor to another helper would hide them)
    assert read - listed == set(), "settings read these, .env.example does not list them"
    assert listed - read == set(), ".env.example lists these, settings never read them"


def test_a_copy_of_it_runs_the_local_sandbox():
    copied = {name: value for name, value, commented in example_lines() if not commented}

    result = run(["-c", "import django; django.setup(); from django.conf import settings as s; "
                        "print(s.DEBUG, s.IMPACT_USE_SANDBOX, '127.0.0.1' in s.ALLOWED_HOSTS, s.IMPACT_TIMEOUT)"],
                 **copied)

    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["False", "True", "True", "10.0"]
