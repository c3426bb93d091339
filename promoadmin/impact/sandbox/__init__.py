"""A local simulator of the impact.com Brand API, since impact.com offers no sandbox.

Pure WSGI and stdlib (no Django): `SandboxApp` is the app, `serve_sandbox` serves it over HTTP,
`transport.SandboxTransport` calls it in-process (httpx), and
`seed` documents the demo data, including the fixed codes tests can rely on.
"""

from .app import DEFAULT_ACCOUNT_SID, DEFAULT_AUTH_TOKEN, RecordedRequest, SandboxApp
from .server import serve_sandbox

__all__ = ["DEFAULT_ACCOUNT_SID", "DEFAULT_AUTH_TOKEN", "RecordedRequest", "SandboxApp", "serve_sandbox"]
