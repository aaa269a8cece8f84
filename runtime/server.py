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
import urllib.parse
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httptools
import uvicorn
from starlette.types import Receive, Scope, Send
from uvicorn.protocols.http.flow_control import service_unavailable
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol, RequestResponseCycle

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
IDLE_COLLECTION_FROM = 1_000  # young objects that a moment with no order to serve collects


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


class _Cycle(RequestResponseCycle):
    """uvicorn's request cycle, made from its protocol's fields with fewer steps: the
    state every cycle starts in is the class's, until a cycle changes its own."""

    disconnected = False
    more_body = True
    response_started = False
    response_complete = False
    chunked_encoding: bool | None = None
    expected_content_length = 0

    def __init__(self, protocol: HttpToolsProtocol, keep_alive: bool) -> None:
        self.scope = protocol.scope
        self.transport = protocol.transport
        self.flow = protocol.flow
        self.logger = protocol.logger
        self.access_logger = protocol.access_logger
        self.access_log = protocol.access_log
        self.default_headers = protocol.server_state.default_headers
        self.message_event = asyncio.Event()
        self.on_response = protocol.on_response_complete
        self.keep_alive = keep_alive
        self.waiting_for_100_continue = protocol.expect_100_continue
        self.body = bytearray()

    async def receive(self) -> Any:
        # uvicorn's, but that an event already set (the body is here) is not waited on,
        # nor reading resumed that is not paused: both would return at once
        if self.waiting_for_100_continue and not self.transport.is_closing():
            self.transport.write(b"HTTP/1.1 100 Continue\r\n\r\n")
            self.waiting_for_100_continue = False
        if not self.disconnected and not self.response_complete:
            if self.flow.read_paused:
                self.flow.resume_reading()
            event = self.message_event
            if not event.is_set():
                await event.wait()
            event.clear()
        if self.disconnected or self.response_complete:
            return {"type": "http.disconnect"}
        message = {"type": "http.request", "body": bytes(self.body), "more_body": self.more_body}
        self.body = bytearray()
        return message


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
    direct_handler = direct.handler if direct is not None else None

    class GuardedProtocol(HttpToolsProtocol):
        _header_timer: asyncio.TimerHandle | None = None
        # Keep-alive: uvicorn arms a timer as each response completes and cancels it as the
        # next request's bytes arrive, a timer per request. Here the connection notes when
        # it fell idle (``_idle_since``, None while a request is under way) and one timer,
        # armed when none is pending, closes it once it has been idle that long: the same
        # timeout, measured from the same instant, for the price of a clock read.
        _idle_since: float | None = None
        _idle_timer: asyncio.TimerHandle | None = None

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

        def data_received(self, data: bytes) -> None:
            # uvicorn's, but for its keep-alive timer: the connection is no longer idle
            self._idle_since = None
            try:
                self.parser.feed_data(data)
            except httptools.HttpParserError:
                msg = "Invalid HTTP request received."
                self.logger.warning(msg)
                self.send_400_response(msg)
            except httptools.HttpParserUpgrade:
                if self._should_upgrade():
                    self.handle_websocket_upgrade()
                else:
                    self._unsupported_upgrade_warning()
            # A request that began in these bytes (``on_message_begin`` gave it a scope,
            # ``on_headers_complete`` its method) still lacks headers: its clock runs
            # from now. One that arrives whole, as nearly all do, costs no timer; one
            # begun earlier armed its timer then (or on connection_made).
            scope = self.scope
            if scope is not None and "method" not in scope and self._header_timer is None:
                self._header_timer = self.loop.call_later(header_timeout, self._headers_late)

        def on_headers_complete(self) -> None:
            # uvicorn's, but that the header timer stops, the scope gets its extension
            # (before "method", as ever) and the request cycle is a _Cycle
            if self._header_timer is not None:
                self._header_timer.cancel()
                self._header_timer = None
            scope = self.scope
            scope["extensions"] = {"ordergate.abort": {"abort": self.transport.abort}}
            parser = self.parser
            http_version = parser.get_http_version()
            scope["method"] = parser.get_method().decode("ascii")
            if http_version != "1.1":
                scope["http_version"] = http_version
            if parser.should_upgrade() and self._should_upgrade():
                return
            parsed_url = httptools.parse_url(self.url)
            raw_path = parsed_url.path
            path = raw_path.decode("ascii")
            if "%" in path:
                path = urllib.parse.unquote(path)
            scope["path"] = self.root_path + path
            scope["raw_path"] = self.root_path.encode("ascii") + raw_path
            scope["query_string"] = parsed_url.query or b""
            if self.limit_concurrency is not None and (
                len(self.connections) >= self.limit_concurrency or len(self.tasks) >= self.limit_concurrency
            ):
                app = service_unavailable
                self.logger.warning("Exceeded concurrency limit.")
            else:
                app = self.app
            existing = self.cycle
            self.cycle = cycle = _Cycle(self, http_version != "1.0" and parser.should_keep_alive())
            if existing is None or existing.response_complete:
                self._start_asgi_task(cycle, app)
            else:  # pipelined: waits for the answer to the request before it
                self.flow.pause_reading()
                self.pipeline.appendleft((cycle, app))

        def _start_asgi_task(self, cycle: Any, app: Any) -> None:
            on_request()  # at once, or once the pipelined request before it is answered
            handler = direct_handler(cycle.scope) if direct_handler is not None else None
            if handler is None or app is not self.app:  # not an order, or uvicorn refusing it
                super()._start_asgi_task(cycle, app)
                return
            assert direct is not None
            task = self.loop.create_task(direct.serve(cycle, handler))
            task.add_done_callback(self.tasks.discard)
            self.tasks.add(task)

        def on_response_complete(self) -> None:
            # uvicorn's, with the lazy keep-alive timer above in place of its own
            self.server_state.total_requests += 1
            if self.transport.is_closing():
                return
            if self.flow.read_paused:
                self.flow.resume_reading()
            if self.pipeline:
                cycle, app = self.pipeline.pop()
                self._start_asgi_task(cycle, app)
            else:
                self._idle_since = self.loop.time()
                if self._idle_timer is None:
                    self._idle_timer = self.loop.call_later(self.timeout_keep_alive, self._idle_check)

        def _idle_check(self) -> None:
            self._idle_timer = None
            if self._idle_since is None:  # a request came; its response arms the timer again
                return
            late = self._idle_since + self.timeout_keep_alive - self.loop.time()
            if late > 0:  # it fell idle again since this timer was armed
                # at least a millisecond: uvloop's clock and timers count whole ones, and
                # a rounding error must not spin the loop until the next one
                self._idle_timer = self.loop.call_later(max(late, 0.001), self._idle_check)
            else:
                self.timeout_keep_alive_handler()  # uvicorn's: close, unless closing already

        def connection_lost(self, exc: Exception | None) -> None:
            self._disarm()
            if self._idle_timer is not None:
                self._idle_timer.cancel()
                self._idle_timer = None
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

    def idle() -> None:
        if not commits.arriving:  # nobody is waiting for the loop: a moment to collect
            collect_young()

    # clustered, an order may be another instance's to decide: the ASGI app forwards it
    direct = (
        None
        if runtime.cluster is not None
        else DirectOrders(OrderRoutes(runtime), authority, commits.start, idle)
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
    tune_collector()
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


def tune_collector() -> None:
    """The garbage collector as a runtime serving orders wants it, once it has started."""
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


def collect_young() -> None:
    """Collect the young generation now, if ``IDLE_COLLECTION_FROM`` objects have built
    up in it (and the middle one with it, when its turn has come).

    Called when no order is being served and none has arrived. A young collection walks
    every object of the generation: at the threshold ``tune_collector`` sets, 10,000 or
    more, which stalled the orders of a steady flow for 4-9 ms every few thousand orders.
    Taken in a quiet moment at a tenth of that, it costs ~0.3 ms that nobody waits for,
    and the threshold is reached only when the runtime never has such a moment:
    saturated, where collecting seldom is what pays."""
    young, middle, _ = gc.get_count()
    if young >= IDLE_COLLECTION_FROM:
        gc.collect(1 if middle >= gc.get_threshold()[1] else 0)


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
