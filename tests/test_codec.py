"""The payload codec (HotMesh.register_codec): object values of payloads encoded at rest.

HotMesh's codec scenarios (reference/core.md §10.1 `codec/postgres.test.ts`, durable.md
`codec/postgres.test.ts`) ported: plain JSON without a codec, encoded values with one, decode,
values written before the codec still readable, date strings, scalars untouched, an
encryption codec, removing the codec, HotMesh.register_codec, and a workflow end to end that
leaves no object value in plain text. Plus what is ours: the compiler's refusal of reads
inside encoded values, rotation and removal helpers, and clear errors for bad codecs.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import os
import re
import textwrap

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pyhotmesh import CodecError, CompileError, DecodeOnly, HotMesh, KeyedCodec
from pyhotmesh import codec as payload_codec
from pyhotmesh.cli import main as cli_main
from pyhotmesh.codec import (
    MARKER, decode_payload, decode_value, encode_payload, encode_response, encode_value,
    encoding, get_codec, is_encoded,
)
from pyhotmesh.compiler import compile_source

FAST = 0.05


class Base64Codec:
    def encode(self, json_text: str) -> str:
        return base64.b64encode(json_text.encode()).decode()

    def decode(self, text: str) -> str:
        return base64.b64decode(text.encode()).decode()


class SealedCodec:
    """A reversible, authenticated "encryption" (a keyed SHA-256 stream with an HMAC tag,
    base64 armoured): a stand-in for the AES-GCM codec of HotMesh's test, without a
    dependency. A fresh nonce makes every encoding of the same value different; a wrong key
    fails the tag."""

    def __init__(self, key: bytes) -> None:
        self.key = key

    def _stream(self, nonce: bytes, size: int) -> bytes:
        blocks = (hashlib.sha256(self.key + nonce + i.to_bytes(4, "big")).digest()
                  for i in range(size // 32 + 1))
        return b"".join(blocks)[:size]

    def encode(self, json_text: str) -> str:
        plain = json_text.encode()
        nonce = os.urandom(12)
        sealed = bytes(a ^ b for a, b in zip(plain, self._stream(nonce, len(plain))))
        tag = hmac.new(self.key, nonce + sealed, hashlib.sha256).digest()[:16]
        return base64.b64encode(nonce + tag + sealed).decode()

    def decode(self, text: str) -> str:
        raw = base64.b64decode(text)
        nonce, tag, sealed = raw[:12], raw[12:28], raw[28:]
        if not hmac.compare_digest(tag, hmac.new(self.key, nonce + sealed,
                                                 hashlib.sha256).digest()[:16]):
            raise ValueError("authentication failed (wrong key or tampered value)")
        return bytes(a ^ b for a, b in zip(sealed, self._stream(nonce, len(sealed)))).decode()


@pytest.fixture(autouse=True)
def no_codec_after_the_test():
    """The codec is process-global: every test starts and ends without one."""
    HotMesh.register_codec(None)
    yield
    HotMesh.register_codec(None)


# -- values and payloads ----------------------------------------------------------------------

def test_without_a_codec_payloads_are_plain_json():
    data = {"n": 1, "obj": {"a": [1, 2]}, "list": ["x"]}
    assert get_codec() is None and not encoding()
    assert encode_payload(data) is data
    assert decode_payload(data) is data
    assert encode_value({"a": 1}) == {"a": 1}


def test_object_values_are_encoded_and_scalars_stay_plain():
    HotMesh.register_codec(Base64Codec())
    data = {"n": 42, "f": -1.5, "s": "text", "t": True, "no": False, "z": None,
            "customer": {"name": "Ada", "cards": [{"last4": "4242"}]}, "items": [1, [2, {}]],
            "empty": {}}
    stored = encode_payload(data)
    for scalar in ("n", "f", "s", "t", "no", "z"):
        assert stored[scalar] == data[scalar], "scalars are never encoded"
    for name in ("customer", "items", "empty"):
        assert is_encoded(stored[name]) and set(stored[name]) == {MARKER}
        assert json.loads(base64.b64decode(stored[name][MARKER])) == data[name]
    assert "Ada" not in json.dumps(stored)
    assert decode_payload(stored) == data


def test_data_that_is_a_list_is_encoded_whole():
    HotMesh.register_codec(Base64Codec())
    stored = encode_payload([{"secret": 1}])
    assert is_encoded(stored)
    assert decode_payload(stored) == [{"secret": 1}]


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-2**53, 2**53)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00")),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=5), inner,
                                                                 max_size=4),
    max_leaves=20)


@given(data=st.dictionaries(st.text(max_size=8), json_values, max_size=6))
@settings(max_examples=60, deadline=None)
def test_any_json_payload_round_trips(data):
    payload_codec.register_codec(SealedCodec(b"k"))
    try:
        stored = encode_payload(data)
        assert json.loads(json.dumps(stored)) == stored, "what is stored is JSON"
        assert decode_payload(stored) == data
        assert not any(isinstance(v, (dict, list)) and not is_encoded(v)
                       for v in stored.values())
    finally:
        payload_codec.register_codec(None)


def test_the_marker_is_a_one_key_object_holding_a_string():
    assert is_encoded({MARKER: "eyJhIjoxfQ=="})
    assert not is_encoded({MARKER: 1})
    assert not is_encoded({MARKER: "x", "other": 1})
    assert not is_encoded("/beyJhIjoxfQ==") and not is_encoded("/bin/sh")
    assert not is_encoded([MARKER, "x"]) and not is_encoded(None)


def test_values_written_before_the_codec_stay_readable():
    legacy = {"customer": {"name": "Ada"}, "n": 1, "path": "/bin/sh"}
    HotMesh.register_codec(Base64Codec())
    assert decode_payload(legacy) == legacy
    mixed = {**legacy, "new": encode_value({"x": 1})}
    assert decode_payload(mixed) == {**legacy, "new": {"x": 1}}


def test_iso_date_strings_round_trip_as_strings():
    # HotMesh revives quoted ISO dates as Date objects; JSON (and Python) keep them strings
    HotMesh.register_codec(Base64Codec())
    data = {"at": "2024-01-02T03:04:05.678Z", "dates": ["2024-01-02", "2024-01-02T03:04:05Z"]}
    stored = encode_payload(data)
    assert stored["at"] == data["at"] and is_encoded(stored["dates"])
    assert decode_payload(stored) == data


def test_a_value_that_is_not_json_is_refused_clearly():
    import datetime
    HotMesh.register_codec(Base64Codec())
    with pytest.raises(CodecError, match=r"data\.when is not JSON and cannot be encoded"):
        encode_payload({"when": {"at": datetime.date(2024, 1, 2)}})


def test_the_encryption_codec_hides_values_and_a_wrong_key_is_named():
    HotMesh.register_codec(SealedCodec(b"key-1"))
    first = encode_value({"secret": "s3cr3t"})
    second = encode_value({"secret": "s3cr3t"})
    assert first != second, "a fresh nonce per value"
    assert "s3cr3t" not in first[MARKER] and decode_value(first) == {"secret": "s3cr3t"}
    HotMesh.register_codec(SealedCodec(b"key-2"))
    with pytest.raises(CodecError, match=r"payload codec SealedCodec failed to decode job j1 "
                                         r"data\.card: ValueError: authentication failed"):
        decode_payload({"data": {"card": first}}, "job j1")


def test_removing_the_codec_makes_encoded_values_an_error_naming_where():
    HotMesh.register_codec(Base64Codec())
    stored = encode_payload({"receipt": {"total": 1}, "n": 2})
    HotMesh.register_codec(None)
    assert not encoding() and encode_payload({"x": {}}) == {"x": {}}
    with pytest.raises(CodecError) as err:
        decode_payload({"data": stored}, "job order-1")
    assert str(err.value) == (
        "job order-1 data.receipt was stored encoded by a payload codec, but no codec is "
        "registered: register the codec it was written with (HotMesh.register_codec) to "
        "read it")


def test_decode_only_reads_old_values_and_writes_plain():
    codec = Base64Codec()
    HotMesh.register_codec(codec)
    old = encode_payload({"a": {"x": 1}})
    HotMesh.register_codec(DecodeOnly(codec))
    assert not encoding()
    assert encode_payload({"b": {"y": 2}}) == {"b": {"y": 2}}
    assert decode_payload(old) == {"a": {"x": 1}}


def test_keyed_codec_rotates_keys_and_keeps_reading_old_ones():
    k1, k2 = SealedCodec(b"one"), SealedCodec(b"two")
    HotMesh.register_codec(KeyedCodec({"k1": k1}, current="k1"))
    old = encode_value({"v": 1})
    assert old[MARKER].startswith("k1:")
    HotMesh.register_codec(KeyedCodec({"k1": k1, "k2": k2}, current="k2"))
    new = encode_value({"v": 2})
    assert new[MARKER].startswith("k2:")
    assert decode_value(old) == {"v": 1} and decode_value(new) == {"v": 2}
    HotMesh.register_codec(KeyedCodec({"k2": k2}, current="k2"))
    with pytest.raises(CodecError, match=r"job x data\.v: KeyedCodec: the value was encoded "
                                         r"with key id 'k1', which this codec does not have"):
        decode_payload({"data": {"v": old}}, "job x")
    with pytest.raises(CodecError, match="current key id 'k3' is not one of"):
        KeyedCodec({"k2": k2}, current="k3")
    with pytest.raises(CodecError, match="key ids are non-empty strings without ':'"):
        KeyedCodec({"a:b": k2}, current="a:b")


# -- bad codecs -------------------------------------------------------------------------------

class BytesCodec(Base64Codec):
    def encode(self, json_text):
        return json_text.encode()


class AsyncCodec:
    async def encode(self, json_text):
        return json_text

    async def decode(self, text):
        return text


class NulCodec(Base64Codec):
    def encode(self, json_text):
        return "\x00" + json_text


class SurrogateCodec(Base64Codec):
    def encode(self, json_text):
        return "\ud800" + json_text


class LossyCodec(Base64Codec):
    def decode(self, text):
        return "{}"


class FailingCodec(Base64Codec):
    def encode(self, json_text):
        raise RuntimeError("key service unavailable")


@pytest.mark.parametrize("codec, message", [
    (object(), "a payload codec needs an encode and a decode method; object has no callable "
               "encode()"),
    (BytesCodec(), "payload codec BytesCodec: encode must return a str, got bytes (encoding "
                   "the registration probe); base64-encode binary output"),
    (AsyncCodec(), "payload codec AsyncCodec: encode must return a str, got a coroutine (the "
                   "codec must be synchronous) (encoding the registration probe); "
                   "base64-encode binary output"),
    (NulCodec(), "payload codec NulCodec: encode returned text with a NUL character (encoding "
                 "the registration probe), which Postgres cannot store; use a text-safe "
                 "encoding such as base64"),
    (SurrogateCodec(), "payload codec SurrogateCodec: encode returned text that is not valid "
                       "Unicode (encoding the registration probe); use a text-safe encoding "
                       "such as base64"),
    (LossyCodec(), "payload codec LossyCodec: decode(encode(text)) does not give the text "
                   "back"),
    (FailingCodec(), "payload codec FailingCodec failed to encode the registration probe: "
                     "RuntimeError: key service unavailable"),
], ids=["no-methods", "bytes", "async", "nul", "surrogate", "lossy", "raises"])
def test_a_bad_codec_is_refused_when_registered(codec, message):
    with pytest.raises(CodecError) as err:
        HotMesh.register_codec(codec)
    assert str(err.value) == message
    assert get_codec() is None, "nothing was registered"


def test_a_codec_that_goes_bad_later_is_refused_where_it_is_used():
    class Flaky(Base64Codec):
        calls = 0

        def encode(self, json_text):
            Flaky.calls += 1
            return super().encode(json_text) if Flaky.calls == 1 else b"bytes"

        def decode(self, text):
            return "not json" if text == "bad" else super().decode(text)

    HotMesh.register_codec(Flaky())
    with pytest.raises(CodecError, match=r"encode must return a str, got bytes \(encoding "
                                         r"data\.order\)"):
        encode_payload({"order": {"id": 1}})
    with pytest.raises(CodecError, match=r"payload codec Flaky: decoding job j data\.x did not "
                                         r"give JSON text .*; was it written with another "
                                         r"codec\?"):
        decode_payload({"data": {"x": {MARKER: "bad"}}}, "job j")


def test_register_codec_is_one_process_global_setting():
    codec = Base64Codec()
    HotMesh.register_codec(codec)
    assert get_codec() is codec and payload_codec.get_codec() is codec and encoding()
    HotMesh.register_codec(None)
    assert get_codec() is None


# -- shapes the engine returns ----------------------------------------------------------------

def test_encoded_values_are_decoded_at_any_depth_of_what_the_engine_returns():
    # SQL composes encoded values into new objects (input.maps `{info: '{t1.output.data.c}'}`,
    # job.maps `child: '{$self.output.data}'`, a node, an export): decoding finds them all
    HotMesh.register_codec(Base64Codec())
    obj = {"deep": {"secret": 1}, "list": [{"x": 1}]}
    enc = encode_value(obj)
    returned = {"metadata": {"aid": "a1", "err": {"m": 1}},
                "data": {"x": enc, "n": 1, "composed": {"info": enc, "list": [1, enc]}},
                "timeline": [{"activity": "a1", "output": {"data": {"y": enc}}}]}
    decoded = decode_payload(returned, "job j")
    assert decoded == {"metadata": {"aid": "a1", "err": {"m": 1}},
                       "data": {"x": obj, "n": 1, "composed": {"info": obj, "list": [1, obj]}},
                       "timeline": [{"activity": "a1", "output": {"data": {"y": obj}}}]}
    assert returned["data"]["composed"]["info"] is enc, "the input is not changed"
    assert decoded["metadata"] is returned["metadata"], "untouched parts are not copied"
    plain = {"metadata": {}, "data": {"n": 1, "o": {"p": [1]}}}
    assert decode_payload(plain, "m") is plain, "nothing encoded: nothing copied"
    assert decode_payload(enc, "job j data/x") == obj
    assert encode_response({"data": {"x": obj}, "code": 200}) == {"data": {"x": enc},
                                                                  "code": 200}
    HotMesh.register_codec(None)
    with pytest.raises(CodecError, match=r"^job j data\.composed\.list\.1 was stored encoded"):
        decode_payload({"data": {"n": 1, "composed": {"list": [1, enc]}}}, "job j")


def test_a_decoded_value_is_not_decoded_again():
    # the caller's own data may hold a marker-shaped object: it comes back as it was given
    HotMesh.register_codec(Base64Codec())
    data = {"x": {"inner": {MARKER: "not ours"}}}
    assert decode_payload(encode_payload(data)) == data


# -- the compiler -----------------------------------------------------------------------------

ORDER = """
app:
  id: vault
  version: '1'
  graphs:
    - subscribes: vault.order
      publishes: vault.done
      expire: 120
      activities:
        t1:
          type: trigger
          stats: {id: '{$self.input.data.orderId}'}
          job:
            maps:
              orderId: '{$self.output.data.orderId}'
              customer: '{$self.output.data.customer}'
        price:
          type: worker
          topic: vault.price
          input:
            maps:
              customer: '{t1.output.data.customer}'
              items: '{t1.output.data.items}'
              currency: '{t1.output.data.currency}'
          job:
            maps:
              total: '{$self.output.data.total}'
              receipt: '{$self.output.data.receipt}'
        ship:
          type: worker
          topic: vault.ship
          input:
            maps:
              receipt: '{price.output.data.receipt}'
              address: '{t1.output.data.customer}'
          job:
            maps:
              route: ship
              label: '{$self.output.data.label}'
        hold:
          type: hook
          job: {maps: {route: hold}}
      transitions:
        t1: [{to: price}]
        price:
          - to: ship
            conditions:
              match:
                - expected: true
                  actual:
                    '@pipe':
                      - ['{price.output.data.total}', 100]
                      - ['{@conditional.gte}']
          - to: hold
            conditions:
              match:
                - expected: false
                  actual:
                    '@pipe':
                      - ['{price.output.data.total}', 100]
                      - ['{@conditional.gte}']
"""


def codec_errors(yaml_text: str) -> list[str]:
    with pytest.raises(CompileError) as err:
        compile_source(textwrap.dedent(yaml_text), codec=True)
    return [str(d) for d in err.value.diagnostics]


def test_whole_values_and_scalar_conditions_compile_for_a_codec():
    _, plain = compile_source(ORDER)
    _, encoded = compile_source(ORDER, codec=True)
    assert encoded == plain, "the compiled graph does not depend on the codec"


def test_a_mapping_that_reads_inside_an_encoded_value_is_refused():
    manifest = ORDER.replace("address: '{t1.output.data.customer}'",
                             "address: '{t1.output.data.customer.address.city}'")
    compile_source(manifest)  # fine without a codec
    assert codec_errors(manifest) == [
        "<yaml>:35:24: activity 'ship', field 'input.maps': '{t1.output.data.customer.address"
        ".city}' reads inside t1.output.data.customer, which the payload codec stores "
        "encoded: SQL cannot read into an encoded value (map the whole value "
        "'{t1.output.data.customer}', or return the field you need at the top level of the "
        "data)"]


def test_a_condition_that_reads_inside_an_encoded_value_is_refused():
    manifest = ORDER.replace("['{price.output.data.total}', 100]",
                             "['{price.output.data.receipt.total}', 100]", 1)
    assert codec_errors(manifest) == [
        "<yaml>:52:26: activity 'price', field 'transitions[0].conditions': "
        "'{price.output.data.receipt.total}' reads inside price.output.data.receipt, which the "
        "payload codec stores encoded: SQL cannot read into an encoded value (map the whole "
        "value '{price.output.data.receipt}', or return the field you need at the top level "
        "of the data)"]


def test_job_data_signal_data_and_spreads_are_checked_too():
    manifest = textwrap.dedent("""
        app:
          id: chk
          version: '1'
          graphs:
            - subscribes: chk.start
              activities:
                t1:
                  type: trigger
                  stats: {id: '{$self.input.data.order.id}'}
                  job:
                    maps:
                      order: '{$self.output.data.order}'
                      flags[-]: '{$self.output.data.flags}'
                      all[_]: '{$self.output.data}'
                wait:
                  type: hook
                  job: {maps: {city: '{$job.data.order.city}', ok: '{$self.hook.data.ok}',
                               meta: '{$self.output.metadata.aid}'}}
              transitions:
                t1: [{to: wait}]
              hooks:
                chk.go:
                  - to: wait
                    conditions:
                      match:
                        - expected: '{$job.metadata.jid}'
                          actual: '{$self.hook.data.key.id}'
        """)
    compile_source(manifest)
    assert codec_errors(manifest) == [
        "<yaml>:10:23: activity 't1', field 'stats.id': '{$self.input.data.order.id}' reads "
        "inside $self.input.data.order, which the payload codec stores encoded: SQL cannot "
        "read into an encoded value (map the whole value '{$self.input.data.order}', or return "
        "the field you need at the top level of the data)",
        "<yaml>:14:15: activity 't1', field 'job.maps.flags[-]': job map key 'flags[-]' "
        "spreads $self.output.data.flags, which the payload codec stores encoded: SQL cannot "
        "read its keys (spread the whole data, or have the worker return the fields at the top "
        "level of its data)",
        "<yaml>:18:30: activity 'wait', field 'job.maps.city': '{$job.data.order.city}' reads "
        "inside $job.data.order, which the payload codec stores encoded: SQL cannot read into "
        "an encoded value (map the whole value '{$job.data.order}', or return the field you "
        "need at the top level of the data)",
        "<yaml>:28:27: activity 'wait', field 'hooks.chk.go[0].actual': "
        "'{$self.hook.data.key.id}' reads inside $self.hook.data.key, which the payload codec "
        "stores encoded: SQL cannot read into an encoded value (map the whole value "
        "'{$self.hook.data.key}', or return the field you need at the top level of the data)",
    ]


def test_plan_on_the_command_line_checks_for_a_codec(tmp_path, capsys):
    path = tmp_path / "order.yaml"
    path.write_text(ORDER.replace("address: '{t1.output.data.customer}'",
                                  "address: '{t1.output.data.customer.city}'"))
    assert cli_main(["plan", str(path)]) == 0
    capsys.readouterr()
    assert cli_main(["plan", "--codec", str(path)]) == 2
    assert "reads inside t1.output.data.customer, which the payload codec stores encoded" \
        in capsys.readouterr().err


# -- end to end -------------------------------------------------------------------------------

@pytest.fixture
async def mesh(dsn):
    created: list[HotMesh] = []

    async def make(app_id: str, manifest: str | None, workers=()) -> HotMesh:
        instance = await HotMesh.init(
            app_id=app_id, engine={"connection": dsn, "poll_interval": FAST},
            workers=[{"poll_interval": FAST, **worker} for worker in workers])
        created.append(instance)
        if manifest:
            await instance.deploy(textwrap.dedent(manifest))
            await instance.activate("1")
        return instance

    yield make
    for instance in created:
        await instance.stop()


ORDER_INPUT = {
    "orderId": "order-1",
    "currency": "EUR",
    "customer": {"name": "Ada SECRET-NAME", "card": "4111-SECRET-CARD", "city": "London"},
    "items": [{"sku": "SKU-SECRET-1", "qty": 2, "price": 50}, {"sku": "SKU-SECRET-2",
                                                               "qty": 1, "price": 20}],
}


def order_workers(seen: dict):
    async def price(message):
        data = message["data"]
        seen["price"] = data
        total = sum(item["qty"] * item["price"] for item in data["items"])
        return {"metadata": message["metadata"], "data": {
            "total": total,
            "receipt": {"number": "RECEIPT-SECRET", "card": data["customer"]["card"][-4:],
                        "lines": [item["sku"] for item in data["items"]]}}}

    def ship(message):  # a plain function: runs in a thread
        seen["ship"] = message["data"]
        return {"label": {"to": message["data"]["address"]["name"],
                          "tracking": "TRACK-SECRET"}}

    return [{"topic": "vault.price", "callback": price},
            {"topic": "vault.ship", "callback": ship}]


def plaintext_rows(db, needle: str = "SECRET") -> list[tuple]:
    """Rows of any engine table whose stored text contains the needle (plain SQL)."""
    return db.execute("""
        SELECT 'jobs_attributes', field FROM hotmesh.jobs_attributes WHERE value::text LIKE %(n)s
        UNION ALL SELECT 'worker_streams', id::text FROM hotmesh.worker_streams
                  WHERE message::text LIKE %(n)s
        UNION ALL SELECT 'engine_streams', id::text FROM hotmesh.engine_streams
                  WHERE message::text LIKE %(n)s
        UNION ALL SELECT 'jobs', key FROM hotmesh.jobs WHERE context::text LIKE %(n)s
        UNION ALL SELECT 'signals', id::text FROM hotmesh.signals WHERE payload::text LIKE %(n)s
        """, {"n": f"%{needle}%"}).fetchall()


async def test_a_workflow_with_an_encryption_codec_keeps_no_plaintext_at_rest(mesh, db):
    HotMesh.register_codec(SealedCodec(b"test-key"))
    seen: dict = {}
    hm = await mesh("vault", ORDER, order_workers(seen))
    output = await hm.pubsub("vault.order", ORDER_INPUT)

    # the workers received decoded values, and the workflow's output decodes to the original
    assert seen["price"] == {k: ORDER_INPUT[k] for k in ("customer", "items", "currency")}
    assert seen["ship"]["receipt"]["number"] == "RECEIPT-SECRET"
    assert output["data"] == {
        "orderId": "order-1", "customer": ORDER_INPUT["customer"], "total": 120,
        "receipt": {"number": "RECEIPT-SECRET", "card": "CARD",
                    "lines": ["SKU-SECRET-1", "SKU-SECRET-2"]},
        "route": "ship", "label": {"to": "Ada SECRET-NAME", "tracking": "TRACK-SECRET"}}

    # at rest: no plaintext anywhere, object values encoded, scalars plain (plain SQL)
    assert plaintext_rows(db) == []
    assert db.execute("SELECT count(*) FROM hotmesh.worker_streams").fetchone() == (2,)
    rows = dict(db.execute("""
        SELECT a.field, a.value FROM hotmesh.jobs_attributes a
        JOIN hotmesh.jobs j ON j.id = a.job_id
        WHERE j.key = 'order-1' AND a.type = 'data'""").fetchall())
    assert rows["data/orderId"] == "order-1" and rows["data/total"] == 120
    assert rows["data/route"] == "ship"
    for name in ("customer", "receipt", "label"):
        assert set(rows[f"data/{name}"]) == {MARKER}
    unencoded = db.execute("""
        SELECT a.field, d.key FROM hotmesh.jobs_attributes a,
             LATERAL (SELECT a.value AS v, NULL AS key WHERE a.type = 'data'
                      UNION ALL
                      SELECT s.value, s.key FROM jsonb_each(CASE WHEN a.type = 'output'
                          THEN coalesce(a.value #> '{output,data}', '{}') END) s) d
        WHERE jsonb_typeof(d.v) IN ('object', 'array') AND NOT d.v ? '/b'""").fetchall()
    assert unencoded == [], "no object value of a payload is stored plain"
    assert db.execute("""SELECT value #> '{output,data,total}' FROM hotmesh.jobs_attributes
                         WHERE field LIKE 'price/%'""").fetchone() == (120,)

    # every way of reading the job decodes
    assert (await hm.get_state("vault.order", "order-1"))["data"] == output["data"]
    exported = await hm.export("order-1")
    assert exported["data"] == output["data"]
    price_step = next(s for s in exported["timeline"] if s["activity"] == "price")
    assert price_step["output"]["data"]["receipt"]["number"] == "RECEIPT-SECRET"
    query = await hm.get_query_state("order-1", ["data/receipt", "data/total", "t1/,0"])
    assert query["data/receipt"]["number"] == "RECEIPT-SECRET" and query["data/total"] == 120
    assert query["t1/,0"]["input"]["data"] == ORDER_INPUT
    raw = await hm.get_raw("order-1")
    assert set(raw["data/receipt"]) == {MARKER}, "get_raw returns what is stored"


async def test_a_condition_on_a_scalar_routes_with_a_codec(mesh, db):
    HotMesh.register_codec(Base64Codec())
    hm = await mesh("vault", ORDER, order_workers({}))
    cheap = {**ORDER_INPUT, "orderId": "order-2",
             "items": [{"sku": "SKU-SECRET-3", "qty": 1, "price": 5}]}
    job_id = await hm.pub("vault.order", cheap)
    await _until(lambda: _status(hm, job_id), 0)
    state = await hm.get_state(None, job_id)
    assert state["data"]["route"] == "hold" and state["data"]["total"] == 5
    assert state["data"]["receipt"]["lines"] == ["SKU-SECRET-3"]
    assert plaintext_rows(db) == []


async def test_subscribers_receive_decoded_completions(mesh):
    HotMesh.register_codec(Base64Codec())
    received = []
    hm = await mesh("vault", ORDER, order_workers({}))
    await hm.sub("vault.done", lambda topic, output: received.append(output))
    await hm.pub("vault.order", {**ORDER_INPUT, "orderId": "order-3"})
    await _until(lambda: _async(len(received)), 1)
    assert received[0]["data"]["label"]["tracking"] == "TRACK-SECRET"


async def test_the_compiler_refusal_at_deploy_stores_nothing(mesh, db):
    HotMesh.register_codec(Base64Codec())
    hm = await mesh("vault", None)
    manifest = ORDER.replace("address: '{t1.output.data.customer}'",
                             "address: '{t1.output.data.customer.address.city}'")
    with pytest.raises(CompileError) as err:
        await hm.deploy(textwrap.dedent(manifest))
    assert str(err.value.diagnostics[0]) == (
        "<yaml>:35:24: activity 'ship', field 'input.maps': '{t1.output.data.customer.address"
        ".city}' reads inside t1.output.data.customer, which the payload codec stores "
        "encoded: SQL cannot read into an encoded value (map the whole value "
        "'{t1.output.data.customer}', or return the field you need at the top level of the "
        "data)")
    with pytest.raises(CompileError):
        await hm.plan(textwrap.dedent(manifest))
    assert db.execute("SELECT count(*) FROM hotmesh.app_versions").fetchone() == (0,)


async def test_a_version_deployed_before_the_codec_deploys_again_unchanged(mesh):
    hm = await mesh("vault", ORDER)
    HotMesh.register_codec(Base64Codec())
    assert (await hm.deploy(textwrap.dedent(ORDER))).status == "unchanged"


HOOK = """
app:
  id: vh
  version: '1'
  graphs:
    - subscribes: vh.start
      activities:
        t1:
          type: trigger
          stats: {id: '{$self.input.data.id}'}
          job: {maps: {request: '{$self.output.data.request}'}}
        wait:
          type: hook
          job:
            maps:
              approved: '{$self.hook.data.approved}'
              approval: '{$self.hook.data.approval}'
      transitions:
        t1: [{to: wait}]
      hooks:
        vh.approve:
          - to: wait
            conditions:
              match:
                - expected: '{$job.metadata.jid}'
                  actual: '{$self.hook.data.id}'
"""


async def test_signal_payloads_are_encoded_and_routed_by_their_scalars(mesh, db):
    HotMesh.register_codec(Base64Codec())
    hm = await mesh("vh", HOOK)
    approval = {"by": "SECRET-APPROVER", "notes": ["SECRET-NOTE"]}
    # one signal comes before its waiter (kept in hotmesh.signals), one after
    assert await hm.signal("vh.approve", {"id": "h-early", "approved": True,
                                          "approval": approval}) == "pending"
    assert plaintext_rows(db) == []
    early = await hm.pub("vh.start", {"id": "h-early", "request": {"amount": "SECRET-1"}})
    late = await hm.pub("vh.start", {"id": "h-late", "request": {"amount": "SECRET-2"}})
    assert await hm.signal_all("vh.approve", {"approved": False, "approval": approval}) == [late]
    for job_id, approved, amount in ((early, True, "SECRET-1"), (late, False, "SECRET-2")):
        output = await hm.wait_for(job_id)
        assert output["data"] == {"approved": approved, "approval": approval,
                                  "request": {"amount": amount}}
    assert plaintext_rows(db) == []


async def test_a_job_written_before_the_codec_reads_back_and_finishes_with_it(mesh, db):
    hm = await mesh("vh", HOOK)
    before = await hm.pub("vh.start", {"id": "h-old", "request": {"amount": "PLAIN-1"}})
    assert db.execute("""SELECT value FROM hotmesh.jobs_attributes
                         WHERE field = 'data/request'""").fetchone() == ({"amount": "PLAIN-1"},)
    HotMesh.register_codec(SealedCodec(b"new-key"))
    assert (await hm.get_state(None, before))["data"] == {"request": {"amount": "PLAIN-1"}}
    await hm.signal("vh.approve", {"id": "h-old", "approved": True,
                                   "approval": {"by": "SECRET-LATER"}})
    output = await hm.wait_for(before)
    assert output["data"] == {"request": {"amount": "PLAIN-1"}, "approved": True,
                              "approval": {"by": "SECRET-LATER"}}
    assert plaintext_rows(db) == [], "the part written with the codec is encoded"
    exported = await hm.export(before)
    assert exported["data"] == output["data"]

    # removing the codec: what it wrote can no longer be read, and the error says where
    HotMesh.register_codec(None)
    with pytest.raises(CodecError, match=rf"^job {before} data\.approval was stored encoded by "
                                         r"a payload codec, but no codec is registered"):
        await hm.get_state(None, before)
    HotMesh.register_codec(DecodeOnly(SealedCodec(b"new-key")))
    assert (await hm.get_state(None, before))["data"] == output["data"]


async def test_a_worker_without_the_codec_fails_the_message_with_a_codec_error(mesh, db):
    HotMesh.register_codec(Base64Codec())
    hm = await mesh("vault", ORDER)
    await hm.pub("vault.order", {**ORDER_INPUT, "orderId": "order-4"})
    HotMesh.register_codec(None)  # the worker's process has no codec
    hm.workers.append(await hm._start_worker(
        {"topic": "vault.price", "callback": lambda m: {}, "poll_interval": FAST,
         "retry": {"maximumAttempts": 1}}, hm.conninfo))
    await _until(lambda: _status(hm, "order-4"), 0)
    HotMesh.register_codec(Base64Codec())
    error = (await hm.get_state(None, "order-4"))["metadata"]["err"]
    assert error["activity_id"] == "price"
    assert re.match(r"worker message \d+ \(vault.price\) data.items was stored encoded by a "
                    r"payload codec, but no codec is registered", error["message"])


async def _status(hm, job_id):
    return await hm.get_status(job_id)


async def _async(value):
    return value


async def _until(probe, expected, timeout: float = 20.0, truthy: bool = False):
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        value = await probe()
        if (truthy and value) or (not truthy and value == expected):
            return value
        if loop.time() > deadline:
            raise AssertionError(f"expected {expected!r}, last saw {value!r}")
        await asyncio.sleep(0.02)


COMPOSED = """
app:
  id: vaw
  version: '1'
  graphs:
    - subscribes: vaw.parent
      activities:
        p1: {type: trigger}
        call:
          type: await
          topic: vaw.child
          input:
            maps:
              wrapped: {customer: '{p1.output.data.customer}', tag: composed}
              n: '{p1.output.data.n}'
          job: {maps: {child: '{$self.output.data}'}}
      transitions:
        p1: [{to: call}]
    - subscribes: vaw.child
      activities:
        c1: {type: trigger}
        cw:
          type: worker
          topic: vaw.work
          input: {maps: {wrapped: '{c1.output.data.wrapped}', n: '{c1.output.data.n}'}}
          job: {maps: {result: '{$self.output.data.result}', n: '{$self.output.data.n}'}}
      transitions:
        c1: [{to: cw}]
"""


async def test_values_that_sql_composes_into_new_objects_stay_encoded_and_decode(mesh, db):
    HotMesh.register_codec(SealedCodec(b"k"))
    seen = []

    async def work(message):
        seen.append(message["data"])
        return {"result": {"greeting": f"hello {message['data']['wrapped']['customer']['name']}"},
                "n": message["data"]["n"] + 1}

    hm = await mesh("vaw", COMPOSED, [{"topic": "vaw.work", "callback": work}])
    output = await hm.pubsub("vaw.parent", {"customer": {"name": "SECRET-ADA"}, "n": 1})
    assert seen == [{"wrapped": {"customer": {"name": "SECRET-ADA"}, "tag": "composed"},
                     "n": 1}]
    assert output["data"] == {"child": {"result": {"greeting": "hello SECRET-ADA"}, "n": 2}}
    assert plaintext_rows(db) == []


async def test_a_codec_failing_at_pub_or_signal_raises_and_stores_nothing(mesh, db):
    class KeyServiceDown(Base64Codec):
        down = False

        def encode(self, json_text):
            if KeyServiceDown.down:
                raise ConnectionError("key service unavailable")
            return super().encode(json_text)

    HotMesh.register_codec(KeyServiceDown())
    hm = await mesh("vault", ORDER)
    KeyServiceDown.down = True
    with pytest.raises(CodecError, match=r"^payload codec KeyServiceDown failed to encode "
                                         r"data\.customer: ConnectionError: key service"):
        await hm.pub("vault.order", ORDER_INPUT)
    with pytest.raises(CodecError, match=r"failed to encode data\.approval"):
        await hm.signal("vh.approve", {"id": "x", "approval": {"by": "me"}})
    assert db.execute("SELECT (SELECT count(*) FROM hotmesh.jobs),"
                      " (SELECT count(*) FROM hotmesh.signals)").fetchone() == (0, 0)
    assert await hm.pub("vault.order", {"orderId": "plain-scalars-only", "n": 1})


# -- the worker host's responses ----------------------------------------------------------------

def test_a_worker_response_is_encoded_to_json_once_with_its_data_through_the_codec():
    from pyhotmesh.worker import _engine_response

    plain = _engine_response({"data": {"x": {"a": 1}}, "code": 201, "metadata": {"m": 1}})
    assert dict(plain) == {"data": {"x": {"a": 1}}, "code": 201}
    assert json.loads(plain.json) == dict(plain)

    HotMesh.register_codec(Base64Codec())
    encoded = _engine_response({"data": {"x": {"a": 1}, "n": 2}})
    assert encoded["data"]["n"] == 2 and is_encoded(encoded["data"]["x"])
    assert json.loads(encoded.json) == dict(encoded)  # the text holds the encoded data


@pytest.mark.parametrize("with_codec", [False, True])
def test_a_worker_result_that_is_not_json_is_refused_before_any_codec(with_codec):
    from pyhotmesh.worker import _engine_response

    if with_codec:
        HotMesh.register_codec(Base64Codec())
    with pytest.raises(TypeError, match="set is not JSON serializable"):
        _engine_response({"data": {"x": {1, 2}}})
