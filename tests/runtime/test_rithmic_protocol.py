"""The R|Protocol codec and sessions, client against server through an in-memory pair."""

from __future__ import annotations

import struct

import pytest

from ordergate.runtime.brokers.rithmic import codec
from ordergate.runtime.brokers.rithmic import rithmic_pb2 as pb
from ordergate.runtime.brokers.rithmic.errors import LocalProtocolError, RemoteProtocolError
from ordergate.runtime.brokers.rithmic.protocol import (
    ClientSession,
    Completed,
    Failed,
    ForcedOut,
    Plant,
    Pushed,
    Refused,
    Rejected,
    Request,
    ServerSession,
    State,
    TimedOut,
    reject,
)


def served(server: ServerSession, frame: bytes, now: float = 0.0) -> Request:
    events = server.receive(frame, now)
    assert len(events) == 1 and isinstance(events[0], Request), events
    return events[0]


def logged_in_pair(plant: Plant = Plant.ORDER, interval: float = 30.0) -> tuple[ClientSession, ServerSession]:
    client, server = ClientSession(plant), ServerSession()
    _key, frame = client.login(
        0.0, user="demo", password="demo", system_name="Rithmic Test", app_name="og", app_version="1"
    )
    request = served(server, frame)
    assert isinstance(request.message, pb.LoginRequest) and request.message.infra_type == int(plant)
    reply = server.accept_login(request, plant, "demo", heartbeat_interval=interval, fcm_id="F", ib_id="I")
    events = client.receive(reply, 0.0)
    assert isinstance(events[0], Completed)
    return client, server


# ------------------------------------------------------------------ codec


def test_a_frame_is_a_big_endian_length_then_the_message() -> None:
    frame = codec.encode(codec.new(16, user_msg=["x"]))
    (length,) = struct.unpack(">i", frame[:4])
    assert length == len(frame) - 4
    assert codec.decode(frame)[0] == 16


def test_a_frame_without_its_length_prefix_is_a_remote_error() -> None:
    body = codec.new(16).SerializeToString()
    with pytest.raises(RemoteProtocolError, match="message length is invalid"):
        codec.decode(body)


def test_unknown_templates_decode_to_none_and_are_skipped_by_the_session() -> None:
    frame = codec.encode(pb.Envelope(template_id=358))
    assert codec.decode(frame) == (358, None)
    client, _server = logged_in_pair()
    assert client.receive(frame, 1.0) == []
    assert client.skipped == 1


def test_zero_values_keep_their_presence_on_the_wire() -> None:
    frame = codec.encode(codec.new(450, is_snapshot=False, net_quantity=0, account_id="A"))
    _template, message = codec.decode(frame)
    assert message is not None
    assert message.HasField("is_snapshot") and message.HasField("net_quantity")


def test_setting_a_field_a_template_lacks_is_a_local_error() -> None:
    with pytest.raises(LocalProtocolError, match="no_such_field"):
        codec.new(16, no_such_field=1)


# ------------------------------------------------------------------ sessions


def test_system_list_is_answered_before_any_login() -> None:
    client, server = ClientSession(Plant.TICKER), ServerSession()
    key, frame = client.request(16, 0.0)
    request = served(server, frame)
    reply = server.reply(request, last={"system_name": ["Rithmic Test", "Apex"]})
    (event,) = client.receive(reply[0], 0.0)
    assert isinstance(event, Completed) and event.key == key
    assert list(event.last.system_name) == ["Rithmic Test", "Apex"]  # type: ignore[attr-defined]


def test_login_reply_fixes_the_heartbeat_interval_and_ids() -> None:
    client, server = logged_in_pair(interval=20.0)
    assert client.state is State.LOGGED_IN and server.state is State.LOGGED_IN
    assert (client.heartbeat_interval, client.fcm_id, client.ib_id) == (20.0, "F", "I")


def test_refused_login_returns_the_client_to_idle_with_the_code() -> None:
    client, server = ClientSession(Plant.ORDER), ServerSession()
    _key, frame = client.login(
        0.0, user="x", password="y", system_name="Apex", app_name="og", app_version="1"
    )
    reply = server.refuse_login(served(server, frame), "13", "permission denied")
    (event,) = client.receive(reply, 0.0)
    assert isinstance(event, Failed) and (event.code, event.text) == ("13", "permission denied")
    assert client.state is State.IDLE and server.state is State.IDLE


def test_a_heartbeat_interval_of_one_second_or_less_is_refused_by_both_sides() -> None:
    server = ServerSession()
    client = ClientSession(Plant.PNL)
    _key, frame = client.login(0.0, user="d", password="d", system_name="s", app_name="a", app_version="1")
    request = served(server, frame)
    with pytest.raises(LocalProtocolError):
        server.accept_login(request, Plant.PNL, "d", heartbeat_interval=1.0)
    bad = codec.encode(codec.new(11, user_msg=list(request.user_msg), rp_code=["0"], heartbeat_interval=0.5))
    with pytest.raises(RemoteProtocolError, match="heartbeat interval"):
        client.receive(bad, 0.0)


def test_heartbeats_go_right_after_login_then_every_interval_minus_one_second() -> None:
    client, server = logged_in_pair(interval=10.0)
    _events, frames = client.poll(0.0)
    assert [codec.decode(f)[0] for f in frames] == [18]
    assert client.next_wakeup() == 9.0
    assert client.poll(8.99)[1] == []
    _events, frames = client.poll(9.0)
    assert len(frames) == 1 and client.next_wakeup() == 18.0
    request = served(server, frames[0])
    (pushed,) = client.receive(server.reply(request)[0], 9.0)
    assert isinstance(pushed, Pushed) and pushed.template_id == 19


def test_multi_part_account_list_collects_rows_until_rp_code() -> None:
    client, server = logged_in_pair()
    key, frame = client.request(302, 1.0, fcm_id="F", ib_id="I", user_type=3)
    request = served(server, frame)
    frames = server.reply(request, [{"account_id": "A1"}, {"account_id": "A2"}, {"account_id": "A3"}])
    finals = [len(codec.decode(f)[1].rp_code) for f in frames]  # type: ignore[union-attr]
    assert finals == [0, 0, 0, 1]
    events = [e for f in frames for e in client.receive(f, 1.0)]
    assert len(events) == 1 and isinstance(events[0], Completed) and events[0].key == key
    assert [r.account_id for r in events[0].rows] == ["A1", "A2", "A3"]  # type: ignore[attr-defined]


def test_every_reply_frame_echoes_user_msg() -> None:
    client, server = logged_in_pair()
    key, frame = client.request(302, 1.0)
    for f in server.reply(served(server, frame), [{"account_id": "A1"}]):
        _t, message = codec.decode(f)
        assert list(message.user_msg) == [key]  # type: ignore[union-attr]


def test_no_data_is_an_empty_success_and_other_codes_fail() -> None:
    client, server = logged_in_pair()
    _key, frame = client.request(113, 1.0, symbol="ZZ", exchange="CME")
    (event,) = client.receive(server.reply(served(server, frame), rp_code=["7", "no data"])[0], 1.0)
    assert isinstance(event, Completed) and event.rows == ()
    _key, frame = client.request(14, 1.0, symbol="ZZ", exchange="CME")
    (event,) = client.receive(server.reply(served(server, frame), rp_code=["6", "bad input"])[0], 1.0)
    assert isinstance(event, Failed) and event.code == "6"


def test_snapshot_rows_without_user_msg_join_the_show_orders_reply_by_account() -> None:
    client, server = logged_in_pair()
    key, frame = client.request(320, 1.0, fcm_id="F", ib_id="I", account_id="A1")
    request = served(server, frame)
    other = server.push(352, account_id="A2", is_snapshot=True, basket_id="9")
    mine = server.push(352, account_id="A1", is_snapshot=True, basket_id="7")
    live = server.push(352, account_id="A1", is_snapshot=False, basket_id="8")
    assert isinstance(client.receive(other, 1.0)[0], Pushed)
    assert client.receive(mine, 1.0) == []
    assert isinstance(client.receive(live, 1.0)[0], Pushed)
    (done,) = client.receive(server.reply(request)[0], 1.0)
    assert isinstance(done, Completed) and done.key == key
    assert [r.basket_id for r in done.rows] == ["7"]  # type: ignore[attr-defined]


def test_replayed_fill_rows_join_the_execution_replay_not_an_order_list_asked_alongside() -> None:
    client, server = logged_in_pair()
    listed_key, listed_frame = client.request(320, 1.0, fcm_id="F", ib_id="I", account_id="A1")
    key, frame = client.request(
        3506, 1.0, fcm_id="F", ib_id="I", account_id="A1", start_index=0, finish_index=9
    )
    listed, replay = served(server, listed_frame), served(server, frame)
    assert isinstance(replay.message, pb.ReplayExecutionsRequest) and replay.message.finish_index == 9
    fill = server.push(352, account_id="A1", is_snapshot=True, notify_type=5, basket_id="7", fill_id="f1")
    status = server.push(352, account_id="A1", is_snapshot=True, notify_type=1, basket_id="8")
    assert client.receive(fill, 1.0) == [] and client.receive(status, 1.0) == []
    (done,) = client.receive(server.reply(replay)[0], 1.0)
    assert isinstance(done, Completed) and done.key == key and done.template_id == 3506
    assert [r.fill_id for r in done.rows] == ["f1"]  # type: ignore[attr-defined]
    (shown,) = client.receive(server.reply(listed)[0], 1.0)
    assert isinstance(shown, Completed) and shown.key == listed_key
    assert [r.basket_id for r in shown.rows] == ["8"]  # type: ignore[attr-defined]


def test_a_request_past_its_deadline_times_out_and_its_late_reply_is_dropped() -> None:
    client, server = logged_in_pair()
    client.timeout = 5.0
    key, frame = client.request(312, 1.0, account_id="A1", symbol="ESZ6", exchange="CME", quantity=1)
    request = served(server, frame)
    assert client.poll(5.99)[0] == []
    events, _frames = client.poll(6.0)
    assert events == [TimedOut(key, 312)]
    assert client.receive(server.reply(request, last={"basket_id": "1"})[0], 7.0) == []


def test_reject_with_user_msg_fails_that_request_and_without_is_its_own_event() -> None:
    client, server = logged_in_pair()
    key, frame = client.request(316, 1.0, basket_id="1")
    request = served(server, frame)
    (event,) = client.receive(reject(Refused(request.user_msg, "6", "bad input")), 1.0)
    assert isinstance(event, Failed) and event.key == key and event.template_id == 316
    (event,) = client.receive(reject(Refused((), "3", "message length is invalid")), 1.0)
    assert event == Rejected("3", "message length is invalid")


def test_forced_logout_closes_the_session_and_stops_heartbeats() -> None:
    client, server = logged_in_pair()
    (event,) = client.receive(server.forced_logout(), 1.0)
    assert isinstance(event, ForcedOut) and client.state is State.CLOSED
    assert client.poll(100.0)[1] == []
    with pytest.raises(LocalProtocolError, match="closed"):
        client.request(312, 2.0)


def test_server_rejects_requests_before_login() -> None:
    client, server = ClientSession(Plant.ORDER), ServerSession()
    frame = codec.encode(codec.new(312, user_msg=["k"], account_id="A1"))
    (event,) = server.receive(frame, 0.0)
    assert isinstance(event, Refused) and event.user_msg == ("k",)
    with pytest.raises(LocalProtocolError, match="needs a login"):
        client.request(312, 0.0)


def test_server_answers_a_frame_without_length_prefix_with_a_reject() -> None:
    server = ServerSession()
    (event,) = server.receive(codec.new(16).SerializeToString(), 0.0)
    assert isinstance(event, Refused) and event.text == "message length is invalid"


def test_logout_closes_both_sides() -> None:
    client, server = logged_in_pair()
    _key, frame = client.logout(1.0)
    (event,) = client.receive(server.logout(served(server, frame)), 1.0)
    assert isinstance(event, Completed)
    assert client.state is State.CLOSED and server.state is State.CLOSED


def test_closing_fails_every_open_request() -> None:
    client, _server = logged_in_pair()
    key, _frame = client.request(302, 1.0)
    assert client.close() == [Failed(key, 302, "closed", "the connection closed")]
    assert client.pending() == 0


def test_a_reply_of_the_wrong_template_for_its_user_msg_is_a_remote_error() -> None:
    client, _server = logged_in_pair()
    key, _frame = client.request(302, 1.0)
    bogus = codec.encode(codec.new(311, user_msg=[key], rp_code=["0"]))
    with pytest.raises(RemoteProtocolError, match="answers request"):
        client.receive(bogus, 1.0)
