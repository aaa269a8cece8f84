"""The SignalR JSON hub protocol: a client and a server codec joined in memory."""

from __future__ import annotations

import json

import pytest

from ordergate.runtime.brokers.projectx.protocol import (
    RECORD_SEPARATOR,
    Close,
    Completion,
    HandshakeRequest,
    HandshakeResponse,
    HubConnection,
    Invocation,
    LocalProtocolError,
    Ping,
    RemoteProtocolError,
    Role,
    State,
    StreamInvocation,
    decode_message,
    encode_message,
    handshake_error,
)

RS = RECORD_SEPARATOR


def open_pair() -> tuple[HubConnection, HubConnection]:
    client, server = HubConnection(Role.CLIENT), HubConnection(Role.SERVER)
    (request,) = server.receive(client.initiate())
    assert request == HandshakeRequest("json", 1)
    assert client.receive(server.accept()) == [HandshakeResponse(None)]
    return client, server


def test_handshake_is_json_version_1_and_empty_object_answer() -> None:
    client, server = HubConnection(Role.CLIENT), HubConnection(Role.SERVER)
    assert client.initiate() == '{"protocol":"json","version":1}' + RS
    server.receive('{"protocol":"json","version":1}' + RS)
    assert server.accept() == "{}" + RS
    assert server.state is State.OPEN


def test_handshake_refusal_reaches_client_as_error_and_closes_both() -> None:
    client, server = HubConnection(Role.CLIENT), HubConnection(Role.SERVER)
    (request,) = server.receive(client.initiate().replace("json", "messagepack", 1))
    assert isinstance(request, HandshakeRequest)
    error = handshake_error(request)
    assert error is not None and "messagepack" in error
    (answer,) = client.receive(server.refuse(error))
    assert answer == HandshakeResponse(error)
    assert client.state is State.CLOSED and server.state is State.CLOSED


def test_handshake_error_names_unsupported_version() -> None:
    assert handshake_error(HandshakeRequest("json", 2)) is not None
    assert handshake_error(HandshakeRequest("json", 1)) is None


def test_handshake_answer_and_first_messages_in_one_frame_are_all_read() -> None:
    client, server = HubConnection(Role.CLIENT), HubConnection(Role.SERVER)
    server.receive(client.initiate())
    frame = server.accept() + server.send(Invocation("GatewayQuote", ("CON.F.US.EP.Z26", {"bestBid": 1.0})))
    frame += server.send(Ping())
    events = client.receive(frame)
    assert events == [
        HandshakeResponse(None),
        Invocation("GatewayQuote", ("CON.F.US.EP.Z26", {"bestBid": 1.0}), None),
        Ping(),
    ]


def test_several_records_in_one_frame_and_a_record_split_across_frames() -> None:
    client, server = open_pair()
    text = client.send(Invocation("SubscribeOrders", (7,))) + client.send(Invocation("SubscribeTrades", (7,)))
    first, second = text[:10], text[10:]
    assert server.receive(first) == []
    assert server.receive(second) == [
        Invocation("SubscribeOrders", (7,)),
        Invocation("SubscribeTrades", (7,)),
    ]


def test_invocation_without_id_is_fire_and_forget() -> None:
    client, server = open_pair()
    text, invocation_id = client.invoke("SubscribeAccounts", completion=False)
    assert invocation_id is None
    assert "invocationId" not in json.loads(text.rstrip(RS))
    (message,) = server.receive(text)
    assert message == Invocation("SubscribeAccounts", (), None)


def test_invocation_with_id_gets_its_completion_with_result() -> None:
    client, server = open_pair()
    text, invocation_id = client.invoke("SubscribeOrders", (12,))
    assert invocation_id == "1"
    (message,) = server.receive(text)
    assert isinstance(message, Invocation) and message.invocation_id == "1"
    (completion,) = client.receive(server.send(Completion("1", True, has_result=True)))
    assert completion == Completion("1", True, None, True)
    assert client.awaiting == frozenset()


def test_void_completion_has_neither_result_nor_error() -> None:
    record = encode_message(Completion("3"))
    assert json.loads(record.rstrip(RS)) == {"type": 3, "invocationId": "3"}
    decoded = decode_message(record.rstrip(RS))
    assert decoded == Completion("3", None, None, False)


def test_error_completion_carries_the_server_message() -> None:
    client, server = open_pair()
    text, invocation_id = client.invoke("SubscribeAccounts", (1,))
    server.receive(text)
    assert invocation_id is not None
    (completion,) = client.receive(server.send(Completion(invocation_id, error="wrong signature")))
    assert isinstance(completion, Completion) and completion.error == "wrong signature"


def test_completion_nobody_awaits_is_dropped() -> None:
    client, server = open_pair()
    _text, invocation_id = client.invoke("SubscribeOrders", (1,))
    assert invocation_id is not None
    client.forget(invocation_id)
    assert client.receive(server.send(Completion(invocation_id))) == []
    assert client.receive(server.send(Completion("999"))) == []


def test_completion_with_result_and_error_is_refused_locally() -> None:
    with pytest.raises(LocalProtocolError):
        encode_message(Completion("1", 5, "bad", True))


def test_unknown_keys_are_ignored() -> None:
    _client, server = open_pair()
    record = '{"type":1,"target":"SubscribeOrders","arguments":[5],"headers":{"x":"y"},"streamIds":[]}' + RS
    assert server.receive(record) == [Invocation("SubscribeOrders", (5,), None)]


def test_integer_invocation_id_is_taken_as_a_string() -> None:
    _client, server = open_pair()
    (message,) = server.receive(
        '{"type":1,"invocationId":4,"target":"SubscribeAccounts","arguments":[]}' + RS
    )
    assert isinstance(message, Invocation) and message.invocation_id == "4"


def test_invocation_without_arguments_key_has_none() -> None:
    _client, server = open_pair()
    assert server.receive('{"type":1,"target":"SubscribeAccounts"}' + RS) == [
        Invocation("SubscribeAccounts", ())
    ]


def test_unknown_message_types_are_skipped() -> None:
    client, _server = open_pair()
    assert client.receive('{"type":8,"sequenceId":1}' + RS + '{"type":6}' + RS) == [Ping()]


def test_ping_is_type_6_both_ways() -> None:
    client, server = open_pair()
    assert client.send(Ping()) == '{"type":6}' + RS
    assert server.receive(client.send(Ping())) == [Ping()]
    assert client.receive(server.send(Ping())) == [Ping()]


def test_close_carries_error_and_allow_reconnect_and_ends_the_connection() -> None:
    client, server = open_pair()
    record = server.send(Close("Server timeout elapsed", allow_reconnect=True))
    assert json.loads(record.rstrip(RS)) == {
        "type": 7,
        "error": "Server timeout elapsed",
        "allowReconnect": True,
    }
    assert client.receive(record + server_after_close_record()) == [Close("Server timeout elapsed", True)]
    assert client.state is State.CLOSED and server.state is State.CLOSED


def server_after_close_record() -> str:
    return '{"type":1,"target":"GatewayQuote","arguments":[]}' + RS


def test_close_without_fields_decodes_with_none() -> None:
    assert decode_message('{"type":7}') == Close(None, None)


def test_stream_invocation_is_decoded_so_a_server_can_refuse_it() -> None:
    message = decode_message('{"type":4,"invocationId":"2","target":"StreamQuotes","arguments":[]}')
    assert message == StreamInvocation("StreamQuotes", (), "2")


@pytest.mark.parametrize(
    "record",
    [
        "not json",
        "[1,2]",
        '{"target":"x"}',
        '{"type":"1","target":"x"}',
        '{"type":1,"arguments":[]}',
        '{"type":1,"target":"x","arguments":{}}',
        '{"type":3}',
        '{"type":3,"invocationId":{"a":1}}',
    ],
)
def test_malformed_records_are_remote_protocol_errors(record: str) -> None:
    _client, server = open_pair()
    with pytest.raises(RemoteProtocolError):
        server.receive(record + RS)


def test_frame_that_is_not_utf8_is_a_remote_protocol_error() -> None:
    _client, server = open_pair()
    with pytest.raises(RemoteProtocolError):
        server.receive(b"\xff\xfe" + RS.encode())


def test_bytes_frames_are_read_like_text() -> None:
    _client, server = open_pair()
    assert server.receive(('{"type":6}' + RS).encode()) == [Ping()]


def test_record_longer_than_a_mebibyte_without_separator_is_refused() -> None:
    _client, server = open_pair()
    with pytest.raises(RemoteProtocolError):
        server.receive("x" * ((1 << 20) + 1))


def test_message_before_handshake_answer_is_refused_by_the_server() -> None:
    client, server = HubConnection(Role.CLIENT), HubConnection(Role.SERVER)
    server.receive(client.initiate())
    with pytest.raises(RemoteProtocolError):
        server.receive('{"type":6}' + RS)


def test_client_cannot_send_before_the_handshake_is_answered() -> None:
    client = HubConnection(Role.CLIENT)
    client.initiate()
    with pytest.raises(LocalProtocolError):
        client.send(Ping())


def test_server_cannot_accept_a_handshake_it_never_received() -> None:
    with pytest.raises(LocalProtocolError):
        HubConnection(Role.SERVER).accept()


def test_non_serialisable_argument_is_a_local_error() -> None:
    client, _server = open_pair()
    with pytest.raises(LocalProtocolError):
        client.send(Invocation("SubscribeOrders", (object(),)))


def test_nan_argument_is_a_local_error() -> None:
    client, _server = open_pair()
    with pytest.raises(LocalProtocolError):
        client.send(Invocation("X", (float("nan"),)))


def test_invocation_ids_count_up_per_connection() -> None:
    client, _server = open_pair()
    ids = [client.invoke("SubscribeOrders", (n,))[1] for n in range(3)]
    assert ids == ["1", "2", "3"]
    assert client.awaiting == frozenset(ids)
