"""The import rules of the layering (README, Architecture), checked over the source with `ast`.

- checks/ is pure: it imports nothing from Django (nor anything that does, inside promoadmin);
- services, selectors, checks, presenters and formatting never import views or templatetags
  (the dependency points from the screens to the logic, never back);
- no template line is longer than MAX_TEMPLATE_LINE characters: templates read like HTML, and
  decisions longer than that belong in a presenter;
- no template tag or variable spans two lines: Django's lexer only matches `{% ... %}` and
  `{{ ... }}` within one line, so a split one is printed as text or breaks the parse.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PROMOCODES = ROOT / "promoadmin" / "promocodes"
MAX_TEMPLATE_LINE = 160

PURE = sorted((PROMOCODES / "checks").glob("*.py"))
LOGIC = [PROMOCODES / f"{name}.py" for name in ("services", "selectors", "presenters", "formatting")] + PURE


def imported_modules(path: Path, root: Path = ROOT) -> set[str]:
    """Every module `path` imports, as an absolute dotted name (relative imports resolved)."""
    package = ".".join(path.relative_to(root).with_suffix("").parts[:-1])
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = package
            for _ in range(node.level - 1):
                base = base.rsplit(".", 1)[0]
            module = f"{base}.{node.module}" if node.level and node.module else (node.module or base)
            names.add(module)
            names.update(f"{module}.{alias.name}" for alias in node.names)  # `from . import views`
    return names


def test_every_layer_module_exists():
    """The rules below must not pass because a module moved away."""
    assert PURE, "promoadmin/promocodes/checks/ has no modules"
    for path in LOGIC:
        assert path.exists(), path


@pytest.mark.parametrize("path", PURE, ids=lambda path: path.name)
def test_a_check_imports_nothing_from_django(path):
    offending = sorted(
        name for name in imported_modules(path)
        if name.split(".")[0] in ("django", "django_htmx", "template_partials")
        or name.startswith(("promoadmin.impact.factory", "promoadmin.impact.client", "promoadmin.web"))
    )
    assert not offending, f"{path.relative_to(ROOT)} imports {offending}: checks are pure functions"


@pytest.mark.parametrize("path", LOGIC, ids=lambda path: str(path.relative_to(PROMOCODES)))
def test_logic_never_imports_views_or_templatetags(path):
    offending = sorted(
        name for name in imported_modules(path)
        if name.startswith(("promoadmin.promocodes.views", "promoadmin.promocodes.templatetags", "promoadmin.web.middleware"))
    )
    assert not offending, f"{path.relative_to(ROOT)} imports {offending}: views depend on services, never the reverse"


def test_the_import_walk_sees_what_the_rules_forbid(tmp_path):
    """The walk itself finds a Django import and relative imports of views, in a module made up here."""
    path = tmp_path / "promoadmin" / "promocodes" / "checks" / "probe.py"
    path.parent.mkdir(parents=True)
    path.write_text("from django.utils import timezone\nfrom ..views import listing\nfrom .. import views\n")

    names = imported_modules(path, root=tmp_path)

    assert "django.utils" in names
    assert "promoadmin.promocodes.views" in names
    assert "promoadmin.promocodes.views.listing" in names


def test_no_template_line_is_over_the_limit():
    long_lines = [
        f"{path.relative_to(ROOT)}:{number} ({len(line)} characters)"
        for path in sorted((ROOT / "templates").rglob("*.html"))
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if len(line) > MAX_TEMPLATE_LINE
    ]
    assert not long_lines, f"template lines over {MAX_TEMPLATE_LINE} characters:\n" + "\n".join(long_lines)


def test_no_template_comment_spans_lines():
    # Django reads `{# … #}` only within one line: a longer one is shown on the page as text (it was,
    # on the list's partner filter). Longer notes use {% comment %}.
    open_comments = [
        f"{path.relative_to(ROOT)}:{number}"
        for path in sorted((ROOT / "templates").rglob("*.html"))
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if line.count("{#") != line.count("#}")
    ]
    assert not open_comments, "a {# comment #} must open and close on one line:\n" + "\n".join(open_comments)


# A `{% ... %}` or `{{ ... }}` with a line break before it closes.
SPLIT_TAG = re.compile(r"\{%(?:(?!%\}).)*?\n(?:(?!%\}).)*?%\}|\{\{(?:(?!\}\}).)*?\n(?:(?!\}\}).)*?\}\}", re.S)


def split_tags(text: str) -> list[tuple[int, str]]:
    """Each tag or variable that spans lines: (the line it starts on, its first line)."""
    return [
        (text.count("\n", 0, match.start()) + 1, match.group(0).splitlines()[0])
        for match in SPLIT_TAG.finditer(text)
    ]


def test_no_template_tag_spans_two_lines():
    split = [
        f"{path.relative_to(ROOT)}:{number} {start}"
        for path in sorted((ROOT / "templates").rglob("*.html"))
        for number, start in split_tags(path.read_text(encoding="utf-8"))
    ]
    assert not split, "template tags split over two lines (Django cannot parse them):\n" + "\n".join(split)


def test_the_split_tag_check_sees_a_split_tag():
    text = '<p>\n{% if a %}x{% endif %}<a href="{% url\n  \'promocodes:list\' %}">{{ b\n }}</a>{{ c }}\n</p>'

    assert split_tags(text) == [(2, "{% url"), (3, "{{ b")]
