"""``/openapi.json`` validates, covers every route with its parameters, is built from the
field tables the endpoints validate with, and holds up under a schema-driven fuzzer."""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from openapi_spec_validator import validate
from starlette.routing import Route

from ordergate.runtime.api import build_app
from ordergate.runtime.gateway import ORDER_FIELDS
from ordergate.runtime.service import Runtime
from tests.runtime.cliproc import ORDERGATE
from tests.runtime.conftest import client


@pytest.mark.anyio
async def test_the_served_document_passes_the_openapi_validator(started: Runtime) -> None:
    async with client(started, token=None) as c:  # public: no token needed
        r = await c.get("/openapi.json")
    assert r.status_code == 200
    validate(r.json())  # raises with every problem it finds


def test_every_route_is_an_operation_with_its_path_parameters_declared(make_runtime) -> None:  # type: ignore[no-untyped-def]
    app = build_app(make_runtime())
    from ordergate.runtime.api import PUBLIC_PATHS
    from ordergate.runtime.openapi import document

    doc = document(app.routes, PUBLIC_PATHS)
    for route in app.routes:
        if not isinstance(route, Route) or not route.include_in_schema:
            continue
        for method in route.methods or ():
            if method == "HEAD":
                continue
            op = doc["paths"][route.path][method.lower()]
            declared = {p["name"] for p in op["parameters"] if p["in"] == "path"}
            assert declared == set(re.findall(r"\{(\w+)\}", route.path)), (method, route.path)
            assert op["security"] == (
                []
                if route.path in PUBLIC_PATHS or (method, route.path) == ("POST", "/v1/webhooks/{secret}")
                else [{"bearer": []}]
            )
    assert doc["components"]["securitySchemes"]["bearer"] == {"type": "http", "scheme": "bearer"}


def test_the_order_body_schema_is_the_gateway_s_field_table() -> None:
    from ordergate.runtime.openapi import ORDER

    assert list(ORDER["properties"]) == list(ORDER_FIELDS)


def test_a_comma_in_a_description_stays_in_it(make_runtime) -> None:  # type: ignore[no-untyped-def]
    from ordergate.runtime.api import PUBLIC_PATHS
    from ordergate.runtime.openapi import document

    doc = document(build_app(make_runtime()).routes, PUBLIC_PATHS)
    answers = doc["paths"]["/v1/accounts"]["get"]["responses"]
    assert answers["200"]["description"] == "every account with positions, P&L and lock"
    assert all(
        re.fullmatch(r"\d{3}", status)
        for path in doc["paths"].values()
        for op in path.values()
        for status in op["responses"]
    )


@pytest.mark.slow
def test_schemathesis_finds_no_server_error_or_answer_off_the_schema(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("ORDERGATE_TOKEN", "ORDERGATE_URL")}
    run = subprocess.Popen(
        [ORDERGATE, "run", "--listen", "127.0.0.1:0"],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert run.stdout is not None
        url = re.search(r"on (http://\S+)", run.stdout.readline()).group(1)  # type: ignore[union-attr]
        token = (tmp_path / ".ordergate" / "token").read_text().strip()
        schemathesis = shutil.which("schemathesis", path=str(Path(sys.executable).parent)) or "schemathesis"
        fuzz = subprocess.run(
            [
                schemathesis,
                "run",
                f"{url}/openapi.json",
                "-H",
                f"Authorization: Bearer {token}",
                "--max-examples",
                "5",
                "--seed",
                "1",  # bounded: the suite's time, the 2-core machine
                "--checks",
                "not_a_server_error,response_schema_conformance",
                "--phases",
                "examples,fuzzing",
                "--exclude-path",
                "/v1/events",  # a stream that never ends
                "--exclude-path",
                "/v1/kill-switch",  # would lock every account for the rest of the run
                "--request-timeout",
                "10",
            ],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
        )
        assert fuzz.returncode == 0, fuzz.stdout[-4000:] + fuzz.stderr[-2000:]
        assert re.search(r"\d+ generated, \d+ passed", fuzz.stdout), fuzz.stdout[-2000:]
    finally:
        run.send_signal(signal.SIGTERM)
        run.communicate(timeout=30)
