"""``ordergate run``: the runtime and its HTTP API in one asyncio process.

uvicorn serves the API and owns SIGINT/SIGTERM; when it returns, the runtime stops its
tasks and closes the store. Everything the runtime acknowledged is already committed.

The API's socket is bound before anything starts, so a port another process holds is
one line (``PortTaken``, exit 2) that says how to pick another, not a start-up banner
followed by uvicorn's "address already in use". Once it listens, the runtime writes its
URL into the state directory (``url``, owner-only), where the client verbs look for it.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import gc
import logging
import os
import resource
import signal
import socket
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import uvicorn
from starlette.types import Receive, Scope, Send
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from ordergate.policy import PolicyError
from ordergate.runtime import logs
from ordergate.runtime.api import Authority, build_app
from ordergate.runtime.config import RuntimeConfig, load_config
from ordergate.runtime.errors import ConfigError, RuntimeFault
from ordergate.runtime.hot_orders import DirectOrders, OrderRoutes
from ordergate.runtime.metrics import Metrics
from ordergate.runtime.service import Runtime

HEADER_TIMEOUT_SECONDS = 10.0
MAX_CONNECTIONS = 2048
FD_RESERVE = 128  # descriptors kept for the store, brokers, feeds and logs
EXIT_PORT_TAKEN = 2
URL_FILE = "url"
YOUNG_COLLECTION_EVERY = 10_000  # net allocations between collections of the youngest generation


class PortTaken(RuntimeFault):
    """The API's address is in use by another process."""


def bind(host: str, port: int) -> socket.socket:
    """A TCP socket bound to ``host:port``, listened on by uvicorn later."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn does: restart at once
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        if exc.errno == errno.EADDRINUSE:
            other = port + 1 if 0 < port < 65535 else 8788
            raise PortTaken(
                f"port {port} on {host} is taken (another runtime, or another program); pick another with "
                f"--listen {host}:{other} or spec.api.listen in the config"
            ) from None
        raise ConfigError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
    return sock


def write_url(state_dir: Path, url: str) -> None:
    """The API's URL in ``state_dir/url`` (owner-only), for the client verbs to find."""
    state_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    path = state_dir / URL_FILE
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(url + "\n")


def connection_cap(wanted: int = MAX_CONNECTIONS) -> int:
    """At most ``wanted``, and never so many that accepting one more would run the
    process out of file descriptors."""
    soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft == resource.RLIM_INFINITY:
        return wanted
    return max(16, min(wanted, soft - FD_RESERVE))


def guarded_protocol(
    metrics: Metrics,
    *,
    max_connections: int,
    header_timeout: float,
    on_request: Callable[[], None] = lambda: None,
    direct: DirectOrders | None = None,
) -> type[HttpToolsProtocol]:
    """uvicorn's HTTP protocol with the two guards it lacks.

    - A connection over ``max_connections`` is closed as soon as it is accepted, so a
      flood of sockets cannot run the process out of descriptors (uvicorn's own
      ``limit_concurrency`` answers 503 only once a request has arrived, and counts
      long-lived event streams against every other request).
    - A request's headers must arrive within ``header_timeout`` of the connection
      opening, or of the request's first byte on a kept-alive connection: a half-open
      socket or a client trickling its headers is closed. The body has its own limit
      (runtime/body.py), and idle keep-alive is uvicorn's ``timeout_keep_alive``.

    The scope gets ``extensions["ordergate.abort"]["abort"]``: the event stream aborts a client
    that stopped reading, which no ASGI message can do. ``on_request`` is told of each
    request as its handler's task is created (runtime/group_commit.py counts them).
    A request for the order routes goes to ``direct`` instead of the ASGI app, when
    given (runtime/hot_orders.py).
    """

    class GuardedProtocol(HttpToolsProtocol):
        _header_timer: asyncio.TimerHandle | None = None
        _began: float | None = None  # when the request whose headers are awaited began

        def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
            if len(self.connections) >= max_connections:
                self.transport = transport  # connection_lost closes it again, harmlessly
                metrics.http_refused.labels("connection_cap").inc()
                transport.abort()
                return
            super().connection_made(transport)
            self._arm()

        def _arm(self) -> None:
            if self._header_timer is None:
                self._header_timer = self.loop.call_later(header_timeout, self._headers_late)

        def _disarm(self) -> None:
            if self._header_timer is not None:
                self._header_timer.cancel()
                self._header_timer = None

        def _headers_late(self) -> None:
            self._header_timer = None
            metrics.http_refused.labels("header_timeout").inc()
            self.transport.abort()

        def on_message_begin(self) -> None:
            super().on_message_begin()
            # Its timer is armed only if its headers are still missing once the bytes at
            # hand are parsed (``data_received``): a request that arrives whole, as
            # nearly all do, costs no timer.
            self._began = self.loop.time()

        def data_received(self, data: bytes) -> None:
            super().data_received(data)
            if self._began is not None and self._header_timer is None:
                late = self._began + header_timeout - self.loop.time()
                self._header_timer = self.loop.call_later(late, self._headers_late)

        def on_headers_complete(self) -> None:
            self._began = None
            self._disarm()
            self.scope["extensions"] = {"ordergate.abort": {"abort": self.transport.abort}}
            super().on_headers_complete()

        def _start_asgi_task(self, cycle: Any, app: Any) -> None:
            on_request()  # at once, or once the pipelined request before it is answered
            handler = direct.handler(cycle.scope) if direct is not None else None
            if handler is None or app is not self.app:  # not an order, or uvicorn refusing it
                super()._start_asgi_task(cycle, app)
                return
            assert direct is not None
            task = self.loop.create_task(direct.serve(cycle, handler))
            task.add_done_callback(self.tasks.discard)
            self.tasks.add(task)

        def connection_lost(self, exc: Exception | None) -> None:
            self._disarm()
            super().connection_lost(exc)

    return GuardedProtocol


def api_config(
    runtime: Runtime,
    *,
    max_connections: int | None = None,
    header_timeout: float = HEADER_TIMEOUT_SECONDS,
    **options: Any,
) -> uvicorn.Config:
    """The uvicorn settings of the runtime's API, shared by ``ordergate run``, the
    tests and the benchmark, so they all exercise the same guards."""
    commits = runtime.gateway.commits
    authority = Authority(runtime.config.tokens)
    # clustered, an order may be another instance's to decide: the ASGI app forwards it
    direct = (
        None if runtime.cluster is not None else DirectOrders(OrderRoutes(runtime), authority, commits.start)
    )
    protocol = guarded_protocol(
        runtime.core.metrics,
        max_connections=max_connections or connection_cap(),
        header_timeout=header_timeout,
        on_request=commits.arrive,
        direct=direct,
    )
    app = build_app(runtime, authority)

    async def counted(scope: Scope, receive: Receive, send: Send) -> None:
        # the handler has started: an order it decides can no longer join an earlier group
        commits.start()
        await app(scope, receive, send)

    return uvicorn.Config(
        counted,
        http=protocol,
        access_log=False,
        lifespan="off",
        # the peer address is the connection's: a webhook's IP allow-list must not take a
        # client's X-Forwarded-For on trust (uvicorn would, from any loopback client);
        # the webhook reads it only from proxies its settings name
        proxy_headers=False,
        **options,
    )


class ApiServer(uvicorn.Server):
    """uvicorn re-raises a captured signal once it has shut down, which would end the
    process before the runtime closes its store; the runtime owns the signals instead."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield

    def request_exit(self, sig: int) -> None:
        if self.should_exit:  # a second signal: stop waiting for open connections
            self.force_exit = True
        self.should_exit = True
        logging.getLogger("ordergate.runtime").info("signal %s: shutting down", signal.Signals(sig).name)


async def serve(
    config_path: str | None, state_dir: Path, listen: str | None, log_level: str, allow_remote: bool = False
) -> int:
    config = load_config(config_path, state_dir=state_dir, listen=listen, allow_remote=allow_remote)
    sock = bind(config.host, config.port)
    try:
        return await _serve(config, sock, log_level)
    finally:
        sock.close()


async def _serve(config: RuntimeConfig, sock: socket.socket, log_level: str) -> int:
    logs.hide(*config.tokens, *(w.secret for w in config.webhooks))
    for conn in config.connections:
        logs.hide_fields(conn.credentials)
    runtime = Runtime(config)
    await runtime.start()
    policy = runtime.core.holder.to_dict()
    host = f"[{config.host}]" if ":" in config.host else config.host
    where = f"http://{host}:{sock.getsockname()[1]}"
    token_note = f"token in {config.token_file}" if config.token_file else "tokens from the config"
    print(f"ordergate runtime '{config.name}' on {where} ({token_note})", flush=True)
    if policy["bundle"]:
        print(f"policy: {', '.join(policy['policies'])} from {config.rules} ({policy['bundle']})", flush=True)
    else:
        print(
            f"no valid policy in {config.rules}: entries are blocked until the rules load ({policy['error']})",
            flush=True,
        )
    for conn in config.connections:
        print(
            f"connection {conn.name}: {conn.broker}, accounts {', '.join(a.id for a in conn.accounts or ())}",
            flush=True,
        )
    # log_config=None: uvicorn's lines go through the runtime's handler (runtime/logs.py)
    server = ApiServer(
        api_config(runtime, host=config.host, port=config.port, log_level=log_level, log_config=None)
    )
    write_url(config.state_dir, where)
    # Everything built so far (the compiled policy, the grammar, the schemas, the app)
    # lives as long as the process: moved out of the collector's reach, a full
    # collection scans only what orders create and no longer stalls them for ~20 ms.
    gc.collect()
    gc.freeze()
    # A young collection every 700 net allocations (the default) ran every ~30 orders
    # and walked the objects of every order still in flight, only to promote them and
    # walk them again later: ~7% of the runtime's time under load. One every 10,000
    # lets nearly all of them die first; what an order keeps for good is a few objects.
    gc.set_threshold(YOUNG_COLLECTION_EVERY, *gc.get_threshold()[1:])
    loop = asyncio.get_running_loop()

    def exit_on(sig: int) -> None:
        runtime.core.bus.end_all()  # open event streams would hold the shutdown up
        server.request_exit(sig)

    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, exit_on, sig)
    try:
        await server.serve(sockets=[sock])
    finally:
        await runtime.stop()
        print("ordergate runtime stopped", flush=True)
    return 0 if server.started else 1


def loop_factory() -> Callable[[], asyncio.AbstractEventLoop] | None:
    """uvloop's event loop when it is installed (uvicorn[standard] brings it on Linux and
    macOS), else asyncio's own. It is uvicorn's default too: its sockets, timers and
    callbacks are C, and an order over HTTP costs the runtime 7% fewer instructions.
    A runtime run by ``ordergate run`` gets it; in-process tests keep asyncio's."""
    try:
        import uvloop
    except ImportError:
        return None
    return uvloop.new_event_loop


def main(
    config_path: str | None,
    state_dir: Path,
    listen: str | None,
    log_level: str = "info",
    allow_remote: bool = False,
    log_format: str = "text",
) -> int:
    logs.setup(log_level, log_format)
    try:
        with asyncio.Runner(loop_factory=loop_factory()) as runner:
            return runner.run(serve(config_path, state_dir, listen, log_level, allow_remote))
    except PortTaken as exc:
        sys.stderr.write(f"ordergate run: {exc}\n")
        return EXIT_PORT_TAKEN
    except (RuntimeFault, PolicyError) as exc:
        sys.stderr.write(f"ordergate run: {exc}\n")
        return 1
    except KeyboardInterrupt:  # pragma: no cover - uvicorn handles the signal first
        return 0
