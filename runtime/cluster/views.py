"""What ``/v1/status`` adds when the runtime is clustered: the instances, their leases,
and who holds each connection (also those this instance does not host). From the last
beat's reading, at most ``BEAT_SECONDS`` old: status is read often and must not wait on
the database."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ordergate.runtime.cluster.node import Cluster


def instances_view(cluster: Cluster) -> list[dict[str, Any]]:
    out = []
    for i in cluster.instances:
        leases = sorted(c for c, lease in cluster.leases.items() if lease.holder == i.id and lease.live)
        out.append(
            {
                "id": i.id,
                "address": i.address,
                "host": i.host,
                "pid": i.pid,
                "started_at": i.started_at.isoformat(),
                "heartbeat_at": i.heartbeat_at.isoformat(),
                "bundle": i.bundle,
                "live": i.live,
                "leases": leases,
                "self": i.id == cluster.id,
            }
        )
    return out


def with_cluster(status: dict[str, Any], cluster: Cluster) -> dict[str, Any]:
    """``status`` with ``instance``, ``instances`` and each connection's ``holder``; the
    connections hosted elsewhere are listed too, with the accounts the store gives them."""
    hosted = {c["name"]: c for c in status["connections"]}
    for view in hosted.values():
        view["holder"] = cluster.id
    by_connection: dict[str, list[str]] = {}
    for row in cluster.rt.core.store.accounts():
        by_connection.setdefault(row.connection, []).append(row.id)
    connections = []
    for name in cluster.hosting.names():
        if name in hosted:
            connections.append(hosted[name])
            continue
        lease = cluster.leases.get(name)
        holder = lease.holder if lease is not None and lease.live else None
        connections.append(
            {
                "name": name,
                "broker": cluster.hosting.broker_of(name),
                "status": "elsewhere" if holder else "unheld",
                "detail": f"hosted by instance {holder}" if holder else "no instance holds its lease",
                "accounts": sorted(by_connection.get(name, [])),
                "last_heartbeat": None,
                "holder": holder,
            }
        )
    return {
        **status,
        "instance": cluster.id,
        "connections": connections,
        "instances": instances_view(cluster),
    }
