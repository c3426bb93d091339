"""Small helpers shared by the security tests: what a person would read on a page, and form values."""

from __future__ import annotations

import socket
from html.parser import HTMLParser

import httpx

from promoadmin.impact import factory

LATENCY_MS = 1500  # the "timeout" fault: answers come this late, past a 1 s IMPACT_TIMEOUT
NOT_JSON = "<html><body><h1>502 Bad Gateway</h1><p>nginx</p></body></html>"


class _FormValues(HTMLParser):
    """Current values of one form's fields, as the browser would submit them."""

    def __init__(self, form_id: str):
        super().__init__(convert_charrefs=True)
        self.form_id = form_id
        self.inside = False
        self.values: dict[str, str] = {}
        self._select: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "form":
            self.inside = attributes.get("id") == self.form_id
            return
        if not self.inside:
            return
        name = attributes.get("name")
        if tag == "input" and name:
            kind = (attributes.get("type") or "text").lower()
            if kind in ("radio", "checkbox"):
                if "checked" in attributes:
                    self.values[name] = attributes.get("value") or "on"
            elif kind not in ("submit", "button"):
                self.values[name] = attributes.get("value") or ""
        elif tag == "select" and name:
            self._select = name
            self.values.setdefault(name, "")
        elif tag == "option" and self._select and "selected" in attributes:
            self.values[self._select] = attributes.get("value") or ""
        elif tag == "textarea" and name:
            self._textarea = name
            self.values[name] = ""

    def handle_data(self, data):
        if self._textarea:
            self.values[self._textarea] += data

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None


def form_values(content: bytes | str, form_id: str) -> dict[str, str]:
    parser = _FormValues(form_id)
    parser.feed(content.decode() if isinstance(content, bytes) else content)
    return parser.values


def closed_port() -> int:
    """A local port nothing listens on (bound, then released), for connection-refused faults."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def arm(fault: str, sandbox, count: int = 50) -> None:
    """Make impact.com (the sandbox) fail from now on (`count` requests), whatever the endpoint."""
    if fault == "timeout":
        sandbox.inject_fault(latency_ms=LATENCY_MS, count=count)
    elif fault == "not-json":
        sandbox.inject_fault(body=NOT_JSON, count=count)
    else:
        sandbox.inject_fault(int(fault.removeprefix("http-")), count=count)


class FaultAtThePost(httpx.BaseTransport):
    """The sandbox, healthy until the write arrives (a create's POST, or with `method="DELETE"` an
    expire's DELETE, after the read before it); from that request on, the fault."""

    def __init__(self, sandbox, fault: str, count: int = 50, method: str = "POST"):
        self.sandbox, self.fault, self.count, self.method = sandbox, fault, count, method
        self.inner = factory.SandboxTransport(app=sandbox)
        self.armed = True

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if request.method == self.method and self.armed:
            if self.fault == "connection-refused":
                # Nothing listens there: the connection is refused, a real one, over a real socket.
                refused = request.url.copy_with(scheme="http", host="127.0.0.1", port=closed_port())
                request = httpx.Request(request.method, refused, headers=request.headers, content=request.content,
                                        extensions=request.extensions)
                return httpx.HTTPTransport().handle_request(request)
            arm(self.fault, self.sandbox, self.count)
        return self.inner.handle_request(request)
