"""The in-process way to reach the sandbox: an httpx transport that calls the WSGI app directly."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout

import httpx


class SandboxTransport(httpx.WSGITransport):
    """httpx's WSGI transport, but honouring the read timeout like a socket would.

    The sandbox runs in the calling process, so a slow (fault-injected) answer would otherwise
    hold the page for as long as the sandbox sleeps. Running the call on a worker thread lets
    the client give up on time, exactly as it would with the real upstream.
    """

    _pool = ThreadPoolExecutor(max_workers=64, thread_name_prefix="sandbox")

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        read_timeout = (request.extensions.get("timeout") or {}).get("read")
        request.read()  # the body must be in memory before another thread reads it
        future = self._pool.submit(super().handle_request, request)
        try:
            return future.result(timeout=read_timeout)
        except FutureTimeout:
            raise httpx.ReadTimeout("The sandbox did not answer in time.", request=request) from None
