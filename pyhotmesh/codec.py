"""The payload codec: object values of payloads encoded at rest.

    HotMesh.register_codec(codec)    # any object with encode(str) -> str and decode(str) -> str
    HotMesh.register_codec(None)     # back to plain JSON

A codec is process-global and synchronous, as in HotMesh. While one is registered, every
*object value* (a dict or a list) inside a payload's ``data`` is stored as an encoded value

    {"/b": "<codec.encode(JSON text of the value)>"}

(HotMesh's ``/b`` marker, as a one-key object) and scalars stay plain, so the SQL engine can
still route on them (``{a1.output.data.total}`` with ``@conditional.gte``) while it sees
objects as opaque. Encoding happens at the Python boundary only (``pub``, ``signal``, worker
results), decoding where payloads come back (worker input, ``get_state``/``pubsub``/``sub``,
``get_query_state``, ``export``). A value without the marker is returned as it is, so
values written before a codec was registered stay readable; an encoded value read without a
codec raises CodecError naming where it was. See docs/codec.md.
"""

from __future__ import annotations

import json
from typing import Any, Mapping, Protocol, runtime_checkable

from .errors import HotMeshError

MARKER = "/b"
"""The key of an encoded value: ``{"/b": "<encoded JSON text>"}``."""

_PROBE = json.dumps({"hotmesh": "codec probe", "n": [1, 2.5, None, True, {}],
                     "s": "é漢字 \"quoted\" \\ \n"}, ensure_ascii=False, separators=(",", ":"))
_PROBE_VALUE = json.loads(_PROBE)


class CodecError(HotMeshError):
    """A payload codec is unusable, failed, or is missing for a value encoded with one."""


@runtime_checkable
class Codec(Protocol):
    def encode(self, json_text: str) -> str: ...

    def decode(self, text: str) -> str: ...


_codec: Codec | None = None


def register_codec(codec: Codec | None) -> None:
    """Encode object values of payloads with ``codec`` from now on (None: stop encoding).

    The codec is checked once here: both methods must be synchronous, encode must give text
    Postgres can store, and decode(encode(x)) must give x back."""
    global _codec
    if codec is None:
        _codec = None
        return
    for method in ("encode", "decode"):
        if not callable(getattr(codec, method, None)):
            raise CodecError(f"a payload codec needs an encode and a decode method; "
                             f"{type(codec).__name__} has no callable {method}()")
    if getattr(codec, "encodes", True):
        encoded = _checked_encode(codec, _PROBE, "the registration probe")
        decoded = _checked_decode(codec, encoded, "the registration probe")
        if decoded != _PROBE and _loads(codec, decoded, "the registration probe") != _PROBE_VALUE:
            raise CodecError(f"payload codec {type(codec).__name__}: decode(encode(text)) does "
                             "not give the text back")
    _codec = codec


def get_codec() -> Codec | None:
    """The registered codec, or None."""
    return _codec


def encoding() -> bool:
    """Whether new object values are stored encoded (a codec is registered that encodes)."""
    return _codec is not None and getattr(_codec, "encodes", True)


def is_encoded(value: Any) -> bool:
    """Whether a stored JSON value is an encoded value (``{"/b": "<text>"}``)."""
    return type(value) is dict and len(value) == 1 and isinstance(value.get(MARKER), str)


# -- values ----------------------------------------------------------------------------------

def encode_value(value: Any, where: str = "a value") -> Any:
    """An object value (dict or list) as an encoded value when a codec encodes; anything else
    (and everything without a codec) unchanged."""
    if not isinstance(value, (dict, list, tuple)) or not encoding():
        return value
    try:
        text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    except (TypeError, ValueError) as exc:
        raise CodecError(f"{where} is not JSON and cannot be encoded: {exc}") from None
    return {MARKER: _checked_encode(_codec, text, where)}


def decode_value(value: Any, where: str = "a value") -> Any:
    """An encoded value decoded back to its JSON value; any other value as it is."""
    if not is_encoded(value):
        return value
    if _codec is None:
        raise CodecError(f"{where} was stored encoded by a payload codec, but no codec is "
                         "registered: register the codec it was written with "
                         "(HotMesh.register_codec) to read it")
    return _loads(_codec, _checked_decode(_codec, value[MARKER], where), where)


# -- payloads ------------------------------------------------------------------------------------

def encode_payload(data: Any, where: str = "data") -> Any:
    """A payload's data as stored: each object value of a data object encoded (scalars stay
    plain, so SQL can read them); data that is itself a list is encoded whole."""
    if not encoding():
        return data
    if isinstance(data, Mapping):
        return {key: encode_value(value, f"{where}.{key}") for key, value in data.items()}
    return encode_value(data, where)


def decode_payload(value: Any, where: str = "the payload") -> Any:
    """Every encoded value inside ``value`` decoded, at any depth (SQL may have composed
    encoded values into new objects: `customer: {info: '{t1.output.data.customer}'}`); plain
    values, such as those written before a codec, stay as they are. Returns ``value`` itself
    when nothing in it is encoded. Errors name ``where`` and the path inside it."""
    return _decode_tree(value, where, [])


def encode_response(response: dict[str, Any]) -> dict[str, Any]:
    """A worker's response ({data, status?, code?}) with its data encoded."""
    if "data" not in response or not encoding():
        return response
    return {**response, "data": encode_payload(response["data"], "the worker's result data")}


def _decode_tree(value: Any, where: str, path: list[str]) -> Any:
    if type(value) is dict:
        if len(value) == 1 and is_encoded(value):  # the length first: most dicts are not
            # an encoded value is decoded once: what it holds is the caller's data, as written
            return decode_value(value, f"{where} {'.'.join(path)}" if path else where)
        items = value.items()
    elif type(value) is list:
        items = enumerate(value)
    else:
        return value
    changed = None
    for key, item in items:
        if type(item) is dict or type(item) is list:
            path.append(str(key))
            decoded = _decode_tree(item, where, path)
            path.pop()
            if decoded is not item:
                if changed is None:
                    changed = dict(value) if type(value) is dict else list(value)
                changed[key] = decoded
    return value if changed is None else changed


# -- codecs that help with rotation and removal ----------------------------------------------

class KeyedCodec:
    """Several codecs by key id: encodes with ``current`` as ``<id>:<text>``, decodes with the
    codec its id names. Rotating a key is registering a KeyedCodec with a new current id that
    keeps the old ids for reading."""

    def __init__(self, codecs: Mapping[str, Codec], current: str) -> None:
        if current not in codecs:
            raise CodecError(f"KeyedCodec: the current key id {current!r} is not one of "
                             f"{sorted(codecs)}")
        for key_id in codecs:
            if not isinstance(key_id, str) or not key_id or ":" in key_id:
                raise CodecError(f"KeyedCodec: key ids are non-empty strings without ':', "
                                 f"got {key_id!r}")
        self.codecs = dict(codecs)
        self.current = current

    def encode(self, json_text: str) -> str:
        return f"{self.current}:{self.codecs[self.current].encode(json_text)}"

    def decode(self, text: str) -> str:
        key_id, separator, rest = text.partition(":")
        if not separator or key_id not in self.codecs:
            raise CodecError(f"KeyedCodec: the value was encoded with key id {key_id!r}, which "
                             f"this codec does not have (it has {sorted(self.codecs)})")
        return self.codecs[key_id].decode(rest)


class DecodeOnly:
    """A codec that reads values encoded with ``codec`` but stores new values plain: how a
    codec is removed without making what it wrote unreadable."""

    encodes = False

    def __init__(self, codec: Codec) -> None:
        self.codec = codec

    def encode(self, json_text: str) -> str:  # never called while registered
        return json_text

    def decode(self, text: str) -> str:
        return self.codec.decode(text)


# -- checks ----------------------------------------------------------------------------------

def _checked_encode(codec: Any, text: str, where: str) -> str:
    name = type(codec).__name__
    try:
        encoded = codec.encode(text)
    except CodecError:
        raise
    except Exception as exc:
        raise CodecError(f"payload codec {name} failed to encode {where}: "
                         f"{type(exc).__name__}: {exc}") from exc
    if not isinstance(encoded, str):
        kind = "a coroutine (the codec must be synchronous)" if hasattr(encoded, "__await__") \
            else type(encoded).__name__
        _close(encoded)
        raise CodecError(f"payload codec {name}: encode must return a str, got {kind} "
                         f"(encoding {where}); base64-encode binary output")
    if "\x00" in encoded:
        raise CodecError(f"payload codec {name}: encode returned text with a NUL character "
                         f"(encoding {where}), which Postgres cannot store; use a text-safe "
                         "encoding such as base64")
    try:
        encoded.encode("utf-8")
    except UnicodeEncodeError:
        raise CodecError(f"payload codec {name}: encode returned text that is not valid "
                         f"Unicode (encoding {where}); use a text-safe encoding such as "
                         "base64") from None
    return encoded


def _checked_decode(codec: Any, text: str, where: str) -> str:
    name = type(codec).__name__
    try:
        decoded = codec.decode(text)
    except CodecError as exc:
        raise CodecError(f"{where}: {exc}") from exc
    except Exception as exc:
        raise CodecError(f"payload codec {name} failed to decode {where}: "
                         f"{type(exc).__name__}: {exc}") from exc
    if not isinstance(decoded, str):
        kind = "a coroutine (the codec must be synchronous)" if hasattr(decoded, "__await__") \
            else type(decoded).__name__
        _close(decoded)
        raise CodecError(f"payload codec {name}: decode must return a str, got {kind} "
                         f"(decoding {where})")
    return decoded


def _loads(codec: Any, text: str, where: str) -> Any:
    try:
        return json.loads(text)
    except ValueError as exc:
        raise CodecError(f"payload codec {type(codec).__name__}: decoding {where} did not give "
                         f"JSON text ({exc}); was it written with another codec?") from None


def _close(value: Any) -> None:
    close = getattr(value, "close", None)
    if hasattr(value, "__await__") and callable(close):
        close()  # an un-awaited coroutine would warn
