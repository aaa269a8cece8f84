"""Tradovate's sans-IO WebSocket protocol: frames, the client and server sessions joined
in memory, and the auth facts (tokens, penalties, endpoints)."""

from __future__ import annotations

import pytest

from ordergate.runtime.brokers.errors import BrokerConfigError
from ordergate.runtime.brokers.tradovate.auth import (
    RENEW_MARGIN_SECONDS,
    credentials_body,
    endpoints_for,
    penalty_of,
    token_of,
)
from ordergate.runtime.brokers.tradovate.protocol import (
    Authorize,
    Authorized,
    ClientHeartbeat,
    ClientSession,
    ClientState,
    Closed,
    Event,
    LocalProtocolError,
    Opened,
    RemoteProtocolError,
    Request,
    Response,
    ServerHeartbeat,
    ServerSession,
    encode_request,
    parse_request,
    parse_server_frame,
)


def pump_to_server(client: ClientSession, server: ServerSession, now: float) -> list[Authorize | Request]:
    out: list[Authorize | Request] = []
    for frame in client.outbox(now):
        out += server.receive(frame, now)
    return out


def pump_to_client(server: ServerSession, client: ClientSession, now: float) -> list[object]:
    out: list[object] = []
    for frame in server.outbox():
        out += client.receive(frame, now)
    return out


def test_server_frames_parse_into_open_heartbeat_messages_and_close() -> None:
    assert parse_server_frame("o") == [Opened()]
    assert parse_server_frame("h") == [ServerHeartbeat()]
    assert parse_server_frame('a[{"s":200,"i":2,"d":[1]},{"e":"props","d":{"x":1}}]') == [
        Response(2, 200, [1]),
        Event("props", {"x": 1}),
    ]
    assert parse_server_frame('c[3000,"Go away!"]') == [Closed(3000, "Go away!")]


@pytest.mark.parametrize("frame", ["", "x", "a{", 'a["text"]', "c[1]", 'a[{"d":1}]'])
def test_garbage_server_frames_are_remote_protocol_errors(frame: str) -> None:
    with pytest.raises(RemoteProtocolError):
        parse_server_frame(frame)


def test_request_is_four_newline_fields_with_empty_ones_kept() -> None:
    assert encode_request("executionReport/list", 4) == "executionReport/list\n4\n\n"
    assert (
        encode_request("md/subscribeQuote", 5, "", {"symbol": "ESZ6"})
        == 'md/subscribeQuote\n5\n\n{"symbol":"ESZ6"}'
    )


def test_pretty_printed_body_keeps_its_newlines_and_endpoint_matches_any_case() -> None:
    request = parse_request('user/syncRequest\n7\n\n{\n  "users": [1]\n}')
    assert isinstance(request, Request)
    assert (request.endpoint, request.id, request.json()) == ("user/syncrequest", 7, {"users": [1]})
    assert parse_request("[]") == ClientHeartbeat()
    assert isinstance(parse_request("account/list\n3\n?\n"), Request)


@pytest.mark.parametrize("frame", ["nothing", "account/list\nseven\n\n", "\n1\n\n"])
def test_unreadable_client_frames_are_remote_protocol_errors(frame: str) -> None:
    with pytest.raises(RemoteProtocolError):
        parse_request(frame)


def test_client_authorizes_on_open_and_server_accepts() -> None:
    client, server = ClientSession("tok"), ServerSession()
    client.start(0.0)
    server.start(0.0)
    assert pump_to_client(server, client, 0.1) == [Opened()]
    asked = pump_to_server(client, server, 0.1)
    assert asked == [Authorize(0, "tok")]
    server.authorized(0, True)
    assert pump_to_client(server, client, 0.2) == [Authorized(True)]
    assert client.state is ClientState.READY


def test_server_accepts_authorize_sent_before_open_and_a_quoted_token() -> None:
    server = ServerSession()
    server.start(0.0)
    assert server.receive('authorize\n0\n\n"tok"', 0.0) == [Authorize(0, "tok")]
    server.authorized(0, True)
    assert server.outbox() == ["o", 'a[{"s":200,"i":0}]']


def test_eager_client_authorizes_before_open_without_sending_twice() -> None:
    client = ClientSession("tok")
    client.start(0.0, eager=True)
    assert client.outbox(0.0) == ["authorize\n0\n\ntok"]
    client.receive("o", 0.1)
    assert client.outbox(0.1) == []


def test_bad_token_is_refused_with_401_and_a_reason() -> None:
    client, server = ClientSession("bad"), ServerSession()
    client.start(0.0)
    server.start(0.0)
    pump_to_client(server, client, 0.0)
    pump_to_server(client, server, 0.0)
    server.authorized(0, False, "Access is denied")
    assert pump_to_client(server, client, 0.0) == [Authorized(False, "Access is denied")]
    assert client.state is ClientState.CLOSED


def test_requests_before_authorization_get_401_and_never_reach_the_shell() -> None:
    server = ServerSession()
    server.start(0.0)
    assert server.receive("account/list\n1\n\n", 0.0) == []
    assert server.outbox() == ["o", 'a[{"s":401,"i":1,"d":"Access is denied"}]']


def test_responses_correlate_by_id_and_events_batch_into_one_frame() -> None:
    client, server = ClientSession("tok"), ServerSession()
    client.start(0.0)
    server.start(0.0)
    pump_to_client(server, client, 0.0)
    pump_to_server(client, server, 0.0)
    server.authorized(0, True)
    pump_to_client(server, client, 0.0)
    first, second = client.request("account/list"), client.request("position/list")
    asked = pump_to_server(client, server, 0.0)
    assert [r.id for r in asked if isinstance(r, Request)] == [first, second]
    server.respond(second, 200, [])
    server.push("props", {"entityType": "order"})
    server.respond(first, 200, [{"id": 1}])
    frames = server.outbox()
    assert len(frames) == 1
    assert client.receive(frames[0], 0.0) == [
        Response(second, 200, []),
        Event("props", {"entityType": "order"}),
        Response(first, 200, [{"id": 1}]),
    ]


def test_client_sends_empty_array_heartbeat_every_period_and_requests_count() -> None:
    client = ClientSession("tok", heartbeat=2.5)
    client.start(0.0)
    client.tick(1.0)
    assert client.outbox(1.0) == []
    assert client.tick(2.5) == 5.0
    assert client.outbox(2.5) == ["[]"]
    client.tick(4.0)
    assert client.outbox(4.0) == []


def test_server_beats_h_on_its_period_and_spots_a_silent_client() -> None:
    server = ServerSession(heartbeat=2.5, client_timeout=10.0)
    server.start(0.0)
    server.outbox()
    server.tick(2.0)
    assert server.outbox() == []
    server.tick(2.5)
    assert server.outbox() == ["h"]
    server.receive("[]", 5.0)
    assert not server.client_gone(14.9)
    assert server.client_gone(15.1)


def test_server_heartbeat_fault_sends_no_h() -> None:
    server = ServerSession(heartbeat=1.0)
    server.start(0.0)
    server.outbox()
    server.tick(5.0, beat=False)
    assert server.outbox() == []


def test_request_before_ready_is_a_local_protocol_error() -> None:
    with pytest.raises(LocalProtocolError, match="connecting"):
        ClientSession("tok").request("account/list")


def test_close_frame_ends_the_session_with_code_and_reason() -> None:
    server = ServerSession()
    server.start(0.0)
    server.push("shutdown", {"reasonCode": "Maintenance"})  # not authorized: nothing to push
    server.close(3000, "Go away!")
    assert server.outbox() == ["o", 'c[3000, "Go away!"]']


def test_token_answers_parse_with_expiry_and_renewal_margin() -> None:
    token = token_of(
        {"accessToken": "a", "mdAccessToken": "m", "expirationTime": "2026-11-23T16:30:00.000Z", "userId": 7},
        0.0,
    )
    assert token is not None
    assert (token.access_token, token.md_token, token.user_id) == ("a", "m", 7)
    assert token.expires_at - token.renew_at == RENEW_MARGIN_SECONDS
    oauth = token_of({"access_token": "o", "expires_in": 4800}, 100.0)
    assert oauth is not None and (oauth.md_token, oauth.expires_at) == ("o", 4900.0)
    assert token_of({"errorText": "Incorrect username"}, 0.0) is None


def test_penalty_answers_parse_with_ticket_time_and_captcha() -> None:
    penalty = penalty_of({"p-ticket": "T", "p-time": 15})
    assert penalty is not None and (penalty.ticket, penalty.seconds, penalty.captcha) == ("T", 15.0, False)
    captcha = penalty_of({"p-ticket": "T", "p-time": 3600, "p-captcha": True})
    assert captcha is not None and captcha.captcha
    assert penalty_of({"accessToken": "x"}) is None


def test_endpoints_for_environments_and_a_simulator() -> None:
    demo = endpoints_for("demo", None)
    assert (demo.rest, demo.user_ws, demo.md_ws) == (
        "https://demo.tradovateapi.com/v1",
        "wss://demo.tradovateapi.com/v1/websocket",
        "wss://md.tradovateapi.com/v1/websocket",
    )
    assert endpoints_for("live", None).rest == "https://live.tradovateapi.com/v1"
    sim = endpoints_for(None, "http://127.0.0.1:9000/v1/")
    assert (sim.rest, sim.user_ws, sim.md_ws) == (
        "http://127.0.0.1:9000/v1",
        "ws://127.0.0.1:9000/v1/websocket",
        "ws://127.0.0.1:9000/md/v1/websocket",
    )
    with pytest.raises(BrokerConfigError, match="demo or live"):
        endpoints_for("paper", None)


def test_credentials_body_names_every_field_of_the_token_request() -> None:
    body = credentials_body(
        {"username": "u", "password": "p", "app_id": "A", "cid": "42", "sec": "s"}, "dev-1"
    )
    assert body == {
        "name": "u",
        "password": "p",
        "appId": "A",
        "appVersion": "0.1",
        "deviceId": "dev-1",
        "cid": 42,
        "sec": "s",
    }
    with pytest.raises(BrokerConfigError, match="password"):
        credentials_body({"username": "u"}, "d")
