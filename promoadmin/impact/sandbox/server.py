"""Serve a SandboxApp over real HTTP, for `manage.py sandbox`, browser demos and end-to-end tests."""

import socketserver
import threading
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format, *args):
        pass  # one line per request drowns test output and the runserver console


class SandboxServer(socketserver.ThreadingMixIn, WSGIServer):
    """wsgiref with a thread per connection, so slow answers (latency faults) don't queue others."""

    daemon_threads = True
    # The listen backlog: socketserver's default of 5 refuses bursts of concurrent connections.
    request_queue_size = 128

    def server_bind(self):
        # HTTPServer.server_bind looks up the host's FQDN, which can stall for seconds on a machine
        # without working reverse DNS; the sandbox only ever needs the address it was given.
        socketserver.TCPServer.server_bind(self)
        self.server_name, self.server_port = self.server_address[:2]
        self.setup_environ()

    @property
    def port(self) -> int:
        return self.server_address[1]

    @property
    def base_url(self) -> str:
        return f"http://{self.server_address[0]}:{self.port}"

    def shutdown(self):
        """Stop serving and release the port."""
        super().shutdown()
        self.server_close()


def make_server(app, host: str = "127.0.0.1", port: int = 8001) -> SandboxServer:
    """A bound but not yet serving server; port 0 picks a free port (read it from `.port`)."""
    server = SandboxServer((host, port), _QuietHandler)
    server.set_app(app)
    return server


def serve_sandbox(app, host: str = "127.0.0.1", port: int = 8001) -> SandboxServer:
    """Serve `app` from a background thread; call `.shutdown()` on the result to stop."""
    server = make_server(app, host, port)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1},
                              name=f"sandbox-{server.port}", daemon=True)
    thread.start()
    return server
