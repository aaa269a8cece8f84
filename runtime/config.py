"""The runtime's configuration: a Runtime document, or the embedded default.

A config file is checked like the rules (file:line:col diagnostics). ``${env:NAME}``
and ``${file:PATH}`` references are resolved here, at start, and a missing one is an
error naming the field. Relative paths in a config file (``rules``, a ``sqlite:///``
store, ``${file:PATH}``) are taken from the config file's folder, so the config runs
the same from any working directory; the embedded default's are the working
directory's.

The embedded default (``ordergate run`` with no config): the rules in ``./rules`` if
present, else the bundled ``default`` policy; one paper connection with PAPER-1
($50,000) and a random-walk feed; SQLite at ``.ordergate/state.db``; a token generated
into ``.ordergate/token`` (owner-only).
"""

from __future__ import annotations

import importlib.util
import ipaddress
import logging
import os
import re
import secrets
from dataclasses import dataclass, field, replace
from pathlib import Path

from ordergate.policy import check_bundle
from ordergate.policy.diagnostics import has_errors, render_text
from ordergate.policy.models import AccountConfig, ApiConfig, ConnectionConfig, RuntimeSpec, WebhookConfig
from ordergate.runtime.errors import ConfigError

_REFERENCE = re.compile(r"\$\{(env|file):([^}]+)\}")
log = logging.getLogger("ordergate.runtime")


@dataclass(frozen=True, slots=True)
class RuntimeConfig:
    name: str
    rules: Path
    rules_watched: bool  # false for the bundled default, which never changes
    store: str
    host: str
    port: int
    tokens: tuple[str, ...]
    token_file: Path | None
    plan: str
    connections: tuple[ConnectionConfig, ...]
    webhooks: tuple[WebhookConfig, ...] = ()
    state_dir: Path = field(default=Path(".ordergate"))
    config_dir: Path | None = None  # the config file's folder: replay feeds are read only below it


def relative_to(base: Path | None, path: str) -> Path:
    """``path`` as a config file means it: a relative one is taken from ``base``, the
    config file's folder (the working directory when there is no file)."""
    given = Path(path).expanduser()
    return given if base is None or given.is_absolute() else base / given


def store_url(store: str, base: Path | None) -> str:
    """A ``sqlite:///`` store with a relative path made relative to ``base``; other
    stores (``sqlite:///:memory:``, ``postgresql://``) as they are."""
    prefix = "sqlite:///"
    if not store.startswith(prefix) or store == prefix + ":memory:":
        return store
    return prefix + str(relative_to(base, store.removeprefix(prefix)))


def resolve(value: str, where: str, env: dict[str, str] | None = None, base: Path | None = None) -> str:
    """``value`` with its ``${env:NAME}`` / ``${file:PATH}`` references replaced; a
    relative file is taken from ``base``."""
    env = dict(os.environ) if env is None else env

    def one(m: re.Match[str]) -> str:
        kind, name = m.group(1), m.group(2).strip()
        if kind == "env":
            if name not in env or env[name] == "":
                raise ConfigError(
                    f"{where} references ${{env:{name}}}, and {name} is not set in the environment"
                )
            return env[name]
        try:
            return relative_to(base, name).read_text("utf-8").strip()
        except OSError as exc:
            raise ConfigError(
                f"{where} references ${{file:{name}}}, which cannot be read: {exc.strerror or exc}"
            ) from None

    return _REFERENCE.sub(one, value)


def bundled_rules() -> Path:
    """The rules shipped inside the package (``rules/`` installed as data)."""
    spec = importlib.util.find_spec("ordergate.rules")
    if spec is None or not spec.submodule_search_locations:
        raise ConfigError(
            "the bundled rules are missing from this installation; pass --config with a rules directory"
        )
    return Path(next(iter(spec.submodule_search_locations)))


def default_spec() -> RuntimeSpec:
    # the presets beside it in the package are for copying into a rules directory,
    # not for binding accounts behind a newcomer's back
    rules = "./rules" if Path("rules").is_dir() else str(bundled_rules() / "default.yaml")
    return RuntimeSpec(
        rules=rules,
        store="sqlite:///.ordergate/state.db",
        api=ApiConfig(listen="127.0.0.1:8787"),
        plan="starter",
        connections=[
            ConnectionConfig(
                name="Paper",
                broker="paper",
                accounts=[AccountConfig(id="PAPER-1", balance=50_000)],
                feed="random_walk",
            )
        ],
    )


def load_config(
    path: str | None,
    *,
    state_dir: Path = Path(".ordergate"),
    listen: str | None = None,
    allow_remote: bool = False,
) -> RuntimeConfig:
    listen_at = "spec.api.listen"
    base = None if path is None else Path(path).resolve().parent
    if path is None:
        spec = default_spec()
        name = "embedded-default"
    else:
        if not Path(path).is_file():
            raise ConfigError(f"--config {path}: no such file")
        bundle, diagnostics = check_bundle([path])
        if bundle is None or has_errors(diagnostics):
            raise ConfigError(f"{path} is not a valid Runtime document:\n{render_text(diagnostics)}")
        if len(bundle.runtimes) != 1:
            raise ConfigError(
                f"{path} must hold exactly one Runtime document (it holds {len(bundle.runtimes)})"
            )
        spec = bundle.runtimes[0].model.spec
        name = bundle.runtimes[0].name
        pos = bundle.runtimes[0].doc.pos(("spec", "api", "listen"))
        listen_at = f"{pos.file}:{pos.line}:{pos.col}: spec.api.listen"
    config = from_spec(
        name,
        spec,
        state_dir=state_dir,
        listen=listen,
        bundled=path is None and not Path("rules").is_dir(),
        allow_remote=allow_remote,
        listen_at=listen_at,
        base=base,
    )
    return config if base is None else replace(config, config_dir=base)


def from_spec(
    name: str,
    spec: RuntimeSpec,
    *,
    state_dir: Path,
    listen: str | None = None,
    bundled: bool = False,
    allow_remote: bool = False,
    listen_at: str = "spec.api.listen",
    base: Path | None = None,
) -> RuntimeConfig:
    """The runtime's configuration from ``spec``; ``base`` is the config file's folder,
    which relative paths are taken from (None: the working directory)."""
    api = spec.api or ApiConfig()
    host, _, port = (listen or api.listen).rpartition(":")
    try:
        port_number = int(port)
    except ValueError:
        raise ConfigError(f"listen address must be host:port, not {listen or api.listen!r}") from None
    host = host.strip("[]") or "127.0.0.1"
    where = f"--listen {listen}" if listen else f"{listen_at} {api.listen}"
    check_exposure(host, where, allowed=allow_remote or api.allow_remote)
    tokens = tuple(resolve(t, f"spec.api.tokens[{i}]", base=base) for i, t in enumerate(api.tokens or ()))
    connections = []
    for i, conn in enumerate(spec.connections or ()):
        creds = {
            k: resolve(v, f"spec.connections[{i}].credentials.{k}", base=base)
            for k, v in (conn.credentials or {}).items()
        }
        connections.append(conn.model_copy(update={"credentials": creds or None}))
    webhooks = tuple(
        w.model_copy(update={"secret": resolve(w.secret, f"spec.api.webhooks[{i}].secret", base=base)})
        for i, w in enumerate(api.webhooks or ())
    )
    token_file = None
    if not tokens:
        token_file = state_dir / "token"
        tokens = (ensure_token(token_file),)
    return RuntimeConfig(
        name=name,
        rules=relative_to(base, spec.rules),
        rules_watched=not bundled,
        store=store_url(resolve(spec.store, "spec.store", base=base), base),  # postgresql://${env:PGUSER}@…
        host=host,
        port=port_number,
        tokens=tokens,
        token_file=token_file,
        plan=spec.plan,
        connections=tuple(connections),
        webhooks=webhooks,
        state_dir=state_dir,
    )


def is_loopback(host: str) -> bool:
    """Whether ``host`` keeps the API on this machine. A name other than localhost may
    resolve anywhere, so it counts as remote."""
    if host.lower().rstrip(".") == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_exposure(host: str, where: str, *, allowed: bool) -> None:
    """Refuse an API address beyond loopback unless allowed; warn when it is.

    The API speaks plain HTTP with bearer tokens: on 0.0.0.0 every token and order
    crosses the network readable by anyone on the path, which an operator should choose
    knowingly (a TLS proxy in front), never get from a typo.
    """
    if is_loopback(host):
        return
    if not allowed:
        raise ConfigError(
            f"{where} is not a loopback address: the API would take bearer tokens and orders from the "
            "network in clear text. Put a TLS proxy in front and pass --allow-remote "
            "(or set spec.api.allow_remote: true), or listen on 127.0.0.1"
        )
    log.warning(
        "the API listens on %s, beyond this machine: bearer tokens and orders cross the network in "
        "clear text unless a TLS proxy fronts it",
        host,
    )


def ensure_token(path: Path) -> str:
    """The token in ``path``, creating it (owner read/write only) on first use."""
    if path.exists():
        token = path.read_text("utf-8").strip()
        if token:
            return token
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)  # the state directory: owner-only
    token = secrets.token_urlsafe(32)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(token + "\n")
    return token
