"""Errors of the cluster package.

RuntimeFault
└── ClusterError      the shared database refused or could not be reached
"""

from __future__ import annotations

from ordergate.runtime.errors import RuntimeFault


class ClusterError(RuntimeFault):
    """The cluster's tables could not be read or written."""
