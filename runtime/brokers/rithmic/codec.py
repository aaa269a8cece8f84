"""R|Protocol framing and the template table, sans-IO.

Each WebSocket binary message holds one frame: a 4-byte big-endian signed length N, then
N bytes of one protobuf message (protocols/brokers.md §3.2, §7.1). Every message carries
``template_id`` (field 154467); a receiver parses that one field first, then the whole
message with the class the template table names. A template this table does not know is
skipped, never fatal: gateways send newer templates (358 was seen on Rithmic 01).
"""

from __future__ import annotations

import struct
from typing import Final

from google.protobuf.message import DecodeError, Message

from ordergate.runtime.brokers.rithmic import rithmic_pb2 as pb
from ordergate.runtime.brokers.rithmic.errors import LocalProtocolError, RemoteProtocolError

# A frame larger than this is refused: nothing we use comes near it, and a length read from
# a corrupt prefix must not make us buffer gigabytes.
MAX_FRAME: Final = 4 * 1024 * 1024
_LENGTH = struct.Struct(">i")

# template id → the message class that carries it. Requests whose only fields are the
# common ones share PlainRequest; replies that carry only codes share PlainReply.
TEMPLATES: Final[dict[int, type[Message]]] = {
    10: pb.LoginRequest,
    11: pb.LoginReply,
    12: pb.PlainRequest,
    13: pb.PlainReply,
    14: pb.ReferenceDataRequest,
    15: pb.ReferenceDataReply,
    16: pb.PlainRequest,
    17: pb.SystemInfoReply,
    18: pb.Heartbeat,
    19: pb.Heartbeat,
    20: pb.GatewayInfoRequest,
    21: pb.GatewayInfoReply,
    75: pb.Reject,
    77: pb.Reject,
    100: pb.MarketDataRequest,
    101: pb.PlainReply,
    113: pb.FrontMonthRequest,
    114: pb.FrontMonthReply,
    150: pb.LastTrade,
    151: pb.BestBidOffer,
    300: pb.PlainRequest,
    301: pb.LoginInfoReply,
    302: pb.AccountListRequest,
    303: pb.AccountListReply,
    308: pb.AccountRequest,
    309: pb.PlainReply,
    310: pb.TradeRoutesRequest,
    311: pb.TradeRoutesReply,
    312: pb.NewOrderRequest,
    313: pb.NewOrderReply,
    316: pb.CancelOrderRequest,
    317: pb.CancelOrderReply,
    320: pb.AccountRequest,
    321: pb.PlainReply,
    336: pb.AccountRequest,
    337: pb.PlainReply,
    330: pb.BracketOrderRequest,
    331: pb.BracketOrderReply,
    346: pb.CancelAllRequest,
    347: pb.PlainReply,
    351: pb.RithmicOrderNotification,
    352: pb.ExchangeOrderNotification,
    353: pb.BracketUpdates,
    400: pb.PnlUpdatesRequest,
    401: pb.PlainReply,
    402: pb.AccountRequest,
    403: pb.PlainReply,
    450: pb.InstrumentPnl,
    451: pb.AccountPnl,
    3504: pb.ExitPositionRequest,
    3505: pb.ExitPositionReply,
    3506: pb.ReplayExecutionsRequest,
    3507: pb.PlainReply,
}


def new(template_id: int, **fields: object) -> Message:
    """A message of ``template_id`` with ``fields`` set; LocalProtocolError for a field it lacks."""
    cls = TEMPLATES.get(template_id)
    if cls is None:
        raise LocalProtocolError(f"template {template_id} is not one we speak")
    message = cls()
    message.template_id = template_id  # type: ignore[attr-defined]
    for name, value in fields.items():
        if value is None:
            continue
        try:
            if isinstance(value, list | tuple):
                getattr(message, name).extend(value)
            else:
                setattr(message, name, value)
        except (AttributeError, TypeError, ValueError) as exc:
            raise LocalProtocolError(f"template {template_id}: cannot set {name}={value!r}: {exc}") from None
    return message


def encode(message: Message) -> bytes:
    """One frame: the length prefix and the serialised message."""
    body = message.SerializeToString()
    if len(body) > MAX_FRAME:
        raise LocalProtocolError(f"a {len(body)}-byte message is larger than a frame may be")
    return _LENGTH.pack(len(body)) + body


def decode(frame: bytes) -> tuple[int, Message | None]:
    """The template id and message in one frame; the message is None for an unknown template.

    RemoteProtocolError when the frame is not a length prefix followed by exactly that many
    bytes of protobuf, or carries no template id.
    """
    if len(frame) < _LENGTH.size:
        raise RemoteProtocolError("message length is invalid")
    (length,) = _LENGTH.unpack_from(frame)
    body = frame[_LENGTH.size :]
    if length != len(body) or length > MAX_FRAME:
        raise RemoteProtocolError("message length is invalid")
    envelope = pb.Envelope()
    try:
        envelope.ParseFromString(body)
    except DecodeError:
        raise RemoteProtocolError("the message is not protobuf") from None
    if not envelope.HasField("template_id"):
        raise RemoteProtocolError("the message carries no template id")
    template_id = envelope.template_id
    cls = TEMPLATES.get(template_id)
    if cls is None:
        return template_id, None
    message = cls()
    try:
        message.ParseFromString(body)
    except DecodeError:
        raise RemoteProtocolError(f"template {template_id} does not parse") from None
    return template_id, message


def template_of(message: Message) -> int:
    return int(message.template_id)  # type: ignore[attr-defined]
