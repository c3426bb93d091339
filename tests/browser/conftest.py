"""Real-browser tests: headless Debian Chromium against pytest-django's live_server.

The live server runs in this process, so the embedded impact.com sandbox is shared: a test can
inject faults into it (the autouse `sandbox` fixture) and see them in the page.

One browser for the session, a fresh context (cookies, storage) for every test. Every page
records console errors, uncaught exceptions and Content-Security-Policy violations; the last two
fail any test, console errors are checked where a page should have none.

Screenshots go to test-artifacts/screenshots/ (gitignored) always, and to docs/screenshots/ too
when UPDATE_DOCS_SCREENSHOTS=1.
"""

from __future__ import annotations

import os
import re
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from playwright.sync_api import Page, expect

from promoadmin.promocodes.models import EDITORS_GROUP

CHROMIUM = os.environ.get("PROMOADMIN_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
VIEWPORT = {"width": 1280, "height": 900}
SCREENSHOT_DIR = Path(settings.BASE_DIR) / "test-artifacts" / "screenshots"
DOCS_SCREENSHOT_DIR = Path(settings.BASE_DIR) / "docs" / "screenshots"

EDITOR_PASSWORD = "editor-password-1"
VIEWER_PASSWORD = "viewer-password-1"

expect.set_options(timeout=10_000)  # generous: CI machines can be slow; passing tests do not wait


@pytest.fixture(scope="session", autouse=True)
def _django_beside_playwright():
    """Playwright's sync API keeps an asyncio loop running in the test thread, which makes Django
    refuse ORM calls there (SynchronousOnlyOperation). The calls really are synchronous: allow them."""
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    yield
    if previous is None:
        os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    else:
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    if not os.path.exists(CHROMIUM):
        pytest.fail(
            f"The browser tests need Chromium at {CHROMIUM}, and it is missing. "
            "Install it with `apt-get install chromium` (never `playwright install`), "
            "or deselect these tests with `-m 'not browser'`.",
            pytrace=False,
        )
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args, live_server):
    return {
        **browser_context_args,
        "base_url": live_server.url,
        "viewport": VIEWPORT,
        "locale": "en-US",
        "timezone_id": "America/Los_Angeles",
        "permissions": ["clipboard-read", "clipboard-write"],
    }


@dataclass
class PageProblems:
    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    csp_violations: list[str] = field(default_factory=list)


# Runs before any page script, in every document (CDP-injected, so a CSP cannot block it).
_CSP_LISTENER = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", function (event) {
  window.__cspViolations.push(event.violatedDirective + " " + (event.blockedURI || "inline"));
});
"""


@pytest.fixture
def problems(page: Page):
    """What went wrong in the page's scripts. Console errors are collected for the tests that
    expect none; uncaught exceptions and CSP violations fail every test that asks for this."""
    found = PageProblems()

    def on_console(message):
        if message.type == "error":
            found.console_errors.append(f"{message.text} ({message.location.get('url', '')})")
            if "Content Security Policy" in message.text:
                found.csp_violations.append(message.text)

    page.on("console", on_console)
    page.on("pageerror", lambda error: found.page_errors.append(str(error)))
    yield found
    if not page.is_closed():
        found.csp_violations += page.evaluate("window.__cspViolations || []")
    assert not found.page_errors, f"uncaught script errors: {found.page_errors}"
    assert not found.csp_violations, f"Content-Security-Policy violations: {found.csp_violations}"


@pytest.fixture
def page(page: Page) -> Page:
    page.set_default_timeout(10_000)
    page.add_init_script(_CSP_LISTENER)
    return page


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    """Real hashing costs about a second per sign-in; these users only need to exist."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def editor(transactional_db):
    """A user in the editors group. Transactional tests flush the tables, so the group the
    migration made may be gone: make it again, with both write permissions."""
    group, _ = Group.objects.get_or_create(name=EDITORS_GROUP)
    group.permissions.set(
        Permission.objects.filter(
            content_type__app_label="promocodes", codename__in=["create_promo_code", "expire_promo_code"]
        )
    )
    assert group.permissions.count() == 2, "the promo code permissions are missing"
    user = get_user_model().objects.create_user("editor", password=EDITOR_PASSWORD)
    user.groups.add(group)
    return user


@pytest.fixture
def viewer(transactional_db):
    return get_user_model().objects.create_user("viewer", password=VIEWER_PASSWORD)


def _sign_in(page: Page, username: str, password: str, next_path: str = "/promo-codes/") -> None:
    page.goto(f"/accounts/login/?next={quote(next_path)}")
    page.get_by_label("User name").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator("header .user")).to_have_text(username)


@pytest.fixture
def sign_in():
    """Sign in through the real login form: sign_in(page, username, password)."""
    return _sign_in


@pytest.fixture
def editor_page(page: Page, editor, problems) -> Page:
    _sign_in(page, "editor", EDITOR_PASSWORD)
    return page


@pytest.fixture
def viewer_page(page: Page, viewer, problems) -> Page:
    _sign_in(page, "viewer", VIEWER_PASSWORD)
    return page


@pytest.fixture
def sign_in_as(page: Page, problems, request):
    """sign_in_as("editor" or "viewer", next_path): the page, signed in and showing next_path
    (one page load fewer than editor_page followed by goto)."""

    def sign_in(role: str, next_path: str = "/promo-codes/") -> Page:
        request.getfixturevalue(role)
        _sign_in(page, role, {"editor": EDITOR_PASSWORD, "viewer": VIEWER_PASSWORD}[role], next_path)
        return page

    return sign_in


def _screenshot(page: Page, name: str, *, full_page: bool = False) -> Path:
    assert re.fullmatch(r"[a-z0-9-]+", name), name
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOT_DIR / f"{name}.png"
    page.mouse.move(0, 0)  # no hover effects in the picture
    # caret="initial": hiding the caret leaves style="" on inputs, which htmx copies during a swap
    # and the CSP (style-src 'self') then reports as a violation.
    page.screenshot(path=path, full_page=full_page, animations="disabled", caret="initial")
    if os.environ.get("UPDATE_DOCS_SCREENSHOTS") == "1":
        DOCS_SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
        (DOCS_SCREENSHOT_DIR / f"{name}.png").write_bytes(path.read_bytes())
    return path


@pytest.fixture
def screenshot():
    """screenshot(page, "name"): for people to look at, and for the docs with UPDATE_DOCS_SCREENSHOTS=1."""
    return _screenshot


@contextmanager
def _same_document(page: Page):
    page.evaluate("window.__marker = 1")
    yield
    assert page.evaluate("window.__marker") == 1, "a full page load happened (the marker is gone)"


@pytest.fixture
def same_document():
    """`with same_document(page): ...` fails if the steps inside load a new document."""
    return _same_document


# axe-core (npm's axe-core, unchanged, with its license in tests/browser/vendor/): run in the page
# through Playwright's evaluate (the DevTools protocol), so the page's Content-Security-Policy stays on.
AXE_SOURCE = (Path(__file__).parent / "vendor" / "axe.min.js").read_text()
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
AXE_FAILING_IMPACTS = {"serious", "critical"}


def _axe_findings(page: Page) -> list[str]:
    """axe-core's serious and critical WCAG 2.1 A/AA findings on the page as it is now, one line each."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(AXE_SOURCE)
    result = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})", AXE_TAGS
    )
    return [
        f"{violation['id']} ({violation['impact']}): {violation['help']} at "
        + "; ".join(" ".join(node["target"]) for node in violation["nodes"][:5])
        for violation in result["violations"]
        if violation["impact"] in AXE_FAILING_IMPACTS
    ]


@pytest.fixture
def axe():
    """axe(page, "what is on screen"): fail on any serious or critical WCAG 2.1 A/AA finding."""

    def check(page: Page, where: str) -> None:
        findings = _axe_findings(page)
        assert not findings, f"axe-core on {where}:\n" + "\n".join(findings)

    return check
