"""The patterns of the documents' string fields that have a fixed form.

``models`` puts them in the JSON Schemas, and ``schema_check`` says each in words when a
value does not match; they live here so that the schema stage can name them without
importing pydantic.
"""

from __future__ import annotations

NAME_PATTERN = r"^[a-z0-9][a-z0-9-]*$"
TIME_PATTERN = r"^([01]?[0-9]|2[0-3]):[0-5][0-9]$"
DURATION_PATTERN = r"^[0-9]+(\.[0-9]+)?(ms|s|m|h|d)$"
LOCK_PATTERN = r"^(manual|6h|12h|session:[a-z_]+|([01]?[0-9]|2[0-3]):[0-5][0-9])$"
