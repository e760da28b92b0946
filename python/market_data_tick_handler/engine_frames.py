"""The frames of an open engine stream: what an incoming frame is (a batch to process, or
what to reject and why), and the ``error`` frame (docs/protocol.md, Errors)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import msgspec

from .protocol import Batch, InvalidMessage, decode_batch_leniently, inbound_decoder


@dataclass
class Rejection:
    code: str
    message: str
    seq: int | None = None


@dataclass
class EngineFrame:
    """One decoded frame: ``batch`` = (seq, messages) to process (bad messages in it are
    ``InvalidMessage``s), ``rejections`` to report first."""

    batch: tuple[int, list[Any]] | None = None
    rejections: list[Rejection] = field(default_factory=list)


def error_frame(code: str, message: str, seq: int | None = None) -> dict[str, Any]:
    return {"type": "error", "code": code, "message": message, "seq": seq}


def read_engine_frame(data: bytes, next_seq: int) -> EngineFrame:
    """Decodes a frame of a stream whose next expected message is ``next_seq``."""
    try:
        frame = inbound_decoder.decode(data)
    except msgspec.ValidationError as exc:
        return _invalid_frame(data, exc, next_seq)
    except msgspec.DecodeError as exc:
        return EngineFrame(rejections=[Rejection("bad_json", f"invalid JSON: {exc}")])
    if type(frame) is Batch:
        return EngineFrame(batch=(frame.seq, frame.msgs))
    return EngineFrame(rejections=[Rejection("bad_frame",
                                             f'unexpected "{frame_type(frame)}" frame: the stream is open')])


def _invalid_frame(data: bytes, exc: msgspec.ValidationError, next_seq: int) -> EngineFrame:
    try:
        raw_type = msgspec.json.decode(data).get("type")
    except (AttributeError, msgspec.DecodeError):
        raw_type = None
    if raw_type != "batch":
        if raw_type is None:
            problem = 'the frame is not an object with a "type"'
        elif raw_type in ("hello", "subscribe"):
            problem = f"{raw_type}: {exc}"
        else:
            problem = f"unknown frame type {msgspec.json.encode(raw_type).decode()}"
        return EngineFrame(rejections=[Rejection("bad_frame", problem)])
    try:
        seq, msgs = decode_batch_leniently(data)
    except ValueError as problem:
        return EngineFrame(rejections=[Rejection("bad_frame", str(problem))])
    rejections = []
    if seq <= next_seq:  # a gap is reported when the batch is processed instead
        rejections = [Rejection("bad_frame", msg.reason, seq + msg.index) for msg in msgs
                      if type(msg) is InvalidMessage and seq + msg.index >= next_seq]
    return EngineFrame(batch=(seq, msgs), rejections=rejections)


def frame_type(frame: Any) -> str:
    return type(frame).__struct_config__.tag  # type: ignore[no-any-return]
