"""The document kinds, named without the models that describe them.

``models.DOCUMENT_MODELS`` maps each to its pydantic model and a test holds the two in
step; this module exists so that the command line can list the kinds (``ordergate schema
--help``) and the loader can identify a document without importing pydantic.
"""

from __future__ import annotations

KINDS: tuple[str, ...] = ("RiskPolicy", "PolicyTest", "Runtime")

API_VERSION = "ordergate/v1"
SUPPORTED_API_VERSIONS = (API_VERSION,)
