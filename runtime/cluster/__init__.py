"""Several ``ordergate run`` instances on one PostgreSQL database.

Clustering is on when the store is ``postgresql://``; with SQLite nothing here runs.
One module per job:

- ``db``: the cluster's own asyncpg pool on the runtime's loop;
- ``registry``: the ``instances`` table, a row per running instance with its heartbeat;
- ``leases``: the ``leases`` table, which instance holds which broker connection;
- ``node``: this instance's beat: renew, take, give back, fail closed (``Cluster``);
- ``hosting``: hosting a connection on this instance and giving it up;
- ``bus``: LISTEN/NOTIFY notices (reloads, webhook settings and kill-switch locks
  everywhere);
- ``forward``: account-scoped requests sent to the instance that hosts the account;
- ``kill_switch``: the kill switch and the account list gathered from every instance;
- ``views``: what ``/v1/status`` adds.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ordergate.runtime.cluster.db import is_postgres
from ordergate.runtime.cluster.errors import ClusterError
from ordergate.runtime.cluster.forward import FORWARDED, Forwarder
from ordergate.runtime.cluster.node import BEAT_SECONDS, LEASE_SECONDS, Cluster
from ordergate.runtime.cluster.views import with_cluster

if TYPE_CHECKING:
    from starlette.middleware import Middleware

    from ordergate.runtime.service import Runtime

__all__ = [
    "BEAT_SECONDS",
    "FORWARDED",
    "LEASE_SECONDS",
    "Cluster",
    "ClusterError",
    "Forwarder",
    "cluster_for",
    "middleware",
    "with_cluster",
]


def cluster_for(runtime: Runtime) -> Cluster | None:
    """The runtime's place in a cluster when its store is PostgreSQL, else None."""
    return Cluster(runtime, runtime.config.store) if is_postgres(runtime.config.store) else None


def middleware(runtime: Runtime) -> list[Middleware]:
    """The forwarding middleware for runtime/api.py: none for a runtime on its own."""
    from starlette.middleware import Middleware

    return [Middleware(Forwarder, runtime=runtime)] if runtime.cluster is not None else []
