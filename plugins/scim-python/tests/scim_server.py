"""Serves a real SCIM 2.0 service provider on loopback for the connector's end-to-end tests.

`scim2-server` (PyPI) is the reference in-memory SCIM server the tests run the connector
against. Its own `scim2-server` command listens on a fixed port and prints the port it was
given, so a test that runs beside others could collide on it: this launcher builds the same
application (the RFC 7643 schemas and resource types, bearer-token authentication), binds
127.0.0.1 on a port the system picks, and prints one JSON line, `{"base_url": ...}`, once it
accepts connections.

The server stops when its standard input closes (the test that started it ended, however it
ended) or after `--lifetime` seconds, whichever comes first, so it never outlives its test.
"""

import argparse
import json
import sys
import threading
from socketserver import ThreadingMixIn
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from scim2_models import ScimProvider
from scim2_server.memory import InMemoryStorage
from scim2_server.service import ScimService
from scim2_server.testserver.application import BEARER_TOKEN_SCHEME, BearerTokenApplication
from scim2_server.utils import (
    load_default_resource_types,
    load_default_schemas,
    load_default_service_provider_config,
)


class ThreadingServer(ThreadingMixIn, WSGIServer):
    """Serves each request in its own thread, as the `scim2-server` command does."""

    daemon_threads = True


class QuietHandler(WSGIRequestHandler):
    """Keeps the access log off the test's output."""

    def log_message(self, format, *args):
        pass


def build_application(token: str) -> BearerTokenApplication:
    """The application of the `scim2-server` command, accepting only `token`."""
    config = load_default_service_provider_config()
    config.authentication_schemes = [*(config.authentication_schemes or []), BEARER_TOKEN_SCHEME]
    provider = ScimProvider.from_discovery(
        load_default_schemas().values(), load_default_resource_types().values(), config=config
    )
    return BearerTokenApplication(
        InMemoryStorage(), provider, service=ScimService(provider), bearer_tokens=[token]
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--token", required=True, help="the bearer token the server accepts")
    parser.add_argument(
        "--lifetime", type=float, default=600.0, help="seconds after which the server stops"
    )
    args = parser.parse_args()

    server = make_server(
        "127.0.0.1",
        0,
        build_application(args.token),
        server_class=ThreadingServer,
        handler_class=QuietHandler,
    )
    serving = threading.Thread(target=server.serve_forever, daemon=True)
    serving.start()
    print(json.dumps({"base_url": f"http://127.0.0.1:{server.server_port}/v2"}), flush=True)

    stdin_closed = threading.Event()

    def wait_for_stdin_to_close() -> None:
        sys.stdin.buffer.read()
        stdin_closed.set()

    threading.Thread(target=wait_for_stdin_to_close, daemon=True).start()
    stdin_closed.wait(timeout=args.lifetime)
    server.shutdown()
    server.server_close()


if __name__ == "__main__":
    main()
