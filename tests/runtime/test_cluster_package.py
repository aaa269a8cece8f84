"""The cluster package's public names, pinned: runtime/service.py and runtime/api.py use
them, and nothing else of the package."""

from __future__ import annotations

import ordergate.runtime.cluster as cluster
from ordergate.runtime.cluster.db import is_postgres


def test_the_cluster_package_exports_exactly_its_public_names() -> None:
    assert set(cluster.__all__) == {
        "BEAT_SECONDS",
        "FORWARDED",
        "LEASE_SECONDS",
        "Cluster",
        "ClusterError",
        "Forwarder",
        "cluster_for",
        "middleware",
        "with_cluster",
    }
    assert all(hasattr(cluster, name) for name in cluster.__all__)


def test_a_dead_holders_connections_are_taken_within_the_fifteen_seconds_the_issue_allows() -> None:
    # a holder's last renewal ends its lease LEASE_SECONDS later; another instance notices
    # within one beat after that, and connecting and reconciling take the rest
    assert cluster.LEASE_SECONDS + cluster.BEAT_SECONDS <= 10.0
    assert cluster.BEAT_SECONDS * 3 <= cluster.LEASE_SECONDS  # two missed beats do not lose a lease


def test_clustering_is_on_for_postgresql_stores_only() -> None:
    assert is_postgres("postgresql://og@db:5432/ordergate")
    assert is_postgres("postgres://og@db/ordergate")
    assert not is_postgres("sqlite:///.ordergate/state.db")
    assert not is_postgres("sqlite:///:memory:")
