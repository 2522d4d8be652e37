#!/usr/bin/env python3
"""Submit a request to the Execution Fabric from Python, following docs/kafka-contract.md.

Needs Debian's python3-confluent-kafka, python3-avro and python3-cryptography (or the same
libraries from PyPI). No Java, no schema registry.

    ./fabric keys generate --submitter billing-agent --out keys/
    python3 examples/python/submit.py --bootstrap-server 127.0.0.1:9092 --key keys/billing-agent.key \
        --tenant acme --action summarize --payload '{"text":"hello from python"}' --wait 60

Prints the request id; with --wait, then waits on fabric.requests.status and prints the final
status as one JSON line (exit 0 when it is final, 1 on timeout).
"""
import argparse
import hashlib
import io
import json
import os
import secrets
import struct
import sys
import time
import uuid

import avro.io
import avro.schema
from confluent_kafka import Consumer, KafkaException, Producer, TopicPartition
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

HERE = os.path.dirname(os.path.abspath(__file__))
RELEASED = os.path.join(HERE, "..", "..", "schemas", "src", "main", "resources", "fabric-schemas", "released")
STATEMENT_LABEL = "fabric.request.v1"
NOT_FINAL = {"ROUTED", "PENDING_APPROVAL"}
PRIMITIVES = {"null", "boolean", "int", "long", "float", "double", "bytes", "string"}

# --- Avro single-object encoding: 0xC3 0x01, the CRC-64-AVRO fingerprint (little-endian), the body

_EMPTY = 0xC15D213AA4D7A795
_TABLE = []
for _i in range(256):
    _fp = _i
    for _ in range(8):
        _fp = (_fp >> 1) ^ (_EMPTY & -(_fp & 1))
    _TABLE.append(_fp)


def fingerprint64(canonical_form):
    fp = _EMPTY
    for b in canonical_form.encode("utf-8"):
        fp = (fp >> 8) ^ _TABLE[(fp ^ b) & 0xFF]
    return fp


def plain_primitives(node):
    """{"type": "string", "avro.java.string": "String"} -> "string": python3-avro 1.11 keeps the object
    in its canonical form, which the specification (and Java) reduce to the name, so the fingerprint
    would differ."""
    if isinstance(node, dict):
        t = node.get("type")
        if isinstance(t, str) and t in PRIMITIVES and "name" not in node and "logicalType" not in node:
            return t
        return {k: plain_primitives(v) for k, v in node.items()}
    if isinstance(node, list):
        return [plain_primitives(v) for v in node]
    return node


def load_released(directory):
    """Every released writer schema, {name: [(fingerprint, schema), ...]} oldest first."""
    schemas = {}
    with open(os.path.join(directory, "index.txt"), encoding="utf-8") as index:
        for line in index:
            path = line.strip()
            if not path or path.startswith("#"):
                continue
            with open(os.path.join(directory, path), encoding="utf-8") as f:
                schema = avro.schema.parse(json.dumps(plain_primitives(json.load(f))))
            schemas.setdefault(path.split("/")[0], []).append((fingerprint64(schema.canonical_form), schema))
    return schemas


def encode(schema, fingerprint, datum):
    out = io.BytesIO()
    out.write(b"\xc3\x01" + struct.pack("<Q", fingerprint))
    avro.io.DatumWriter(schema).write(datum, avro.io.BinaryEncoder(out))
    return out.getvalue()


def decode(by_fingerprint, data):
    if len(data) < 10 or data[:2] != b"\xc3\x01":
        raise ValueError("not an Avro single-object record")
    (fingerprint,) = struct.unpack("<Q", data[2:10])
    writer = by_fingerprint.get(fingerprint)
    if writer is None:
        raise ValueError("unknown schema fingerprint %016x" % fingerprint)
    return avro.io.DatumReader(writer).read(avro.io.BinaryDecoder(io.BytesIO(data[10:])))


# --- The request statement (docs/kafka-contract.md, "The signature")

def _str(s):
    b = (s or "").encode("utf-8")
    return struct.pack(">I", len(b)) + b


def statement(request, submitter):
    out = bytearray()
    for field in (STATEMENT_LABEL, request["request_id"], request["tenant_id"], request["flow_id"], request["action"],
                  hashlib.sha256(request["payload"].encode("utf-8")).hexdigest(), request["idempotency_key"],
                  "true" if request["final_step"] else "false"):
        out += _str(field)
    out += struct.pack(">q", request["submitted_at"])
    out += _str(submitter) + _str(request["source"]) + _str(request["traceparent"]) + _str(request["approval_token"])
    attributes = request["attributes"]
    out += struct.pack(">i", len(attributes))
    # Java sorts by UTF-16 code units; for the ASCII names the gate allows that is byte order
    for name in sorted(attributes, key=lambda n: n.encode("utf-16-be")):
        out += _str(name) + _str(attributes[name])
    return bytes(out)


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--bootstrap-server", default=os.environ.get("FABRIC_BOOTSTRAP_SERVER", "127.0.0.1:9092"))
    p.add_argument("--topic-prefix", default="fabric.")
    p.add_argument("--tenant", required=True)
    p.add_argument("--action", required=True)
    p.add_argument("--payload", default="{}", help="JSON object as text")
    p.add_argument("--flow", help="flow id (default: a new flow, the request id)")
    p.add_argument("--idempotency-key", help="default: the request id")
    p.add_argument("--attribute", action="append", default=[], metavar="NAME=VALUE")
    p.add_argument("--final", action="store_true", help="this step completes the flow")
    p.add_argument("--key", help="submitter's PEM private key (fabric keys generate --submitter NAME); unsigned without it")
    p.add_argument("--submitter", help="submitter name (default: the key file's base name)")
    p.add_argument("--schemas", default=RELEASED, help="directory of the released schemas and their index.txt")
    p.add_argument("--wait", type=float, metavar="SECONDS", help="wait for the final status and print it as JSON")
    args = p.parse_args()

    schemas = load_released(args.schemas)
    writer_fingerprint, writer = schemas["TaskRequest"][-1]   # the newest released TaskRequest
    request_id = str(uuid.uuid4())
    request = {
        "request_id": request_id,
        "tenant_id": args.tenant,
        "flow_id": args.flow or request_id,
        "action": args.action,
        "payload": args.payload,
        "idempotency_key": args.idempotency_key or request_id,
        "approval_token": None,
        "submitted_at": int(time.time() * 1000),
        "source": "python-example",
        "traceparent": "00-%s-%s-01" % (secrets.token_hex(16), secrets.token_hex(8)),
        "final_step": args.final,
        "attributes": dict(a.split("=", 1) for a in args.attribute),
        "replay": None,
        "submitter": None,
        "submitter_signature": None,
    }
    if args.key:
        with open(args.key, "rb") as f:
            key = serialization.load_pem_private_key(f.read(), password=None)
        if not isinstance(key, Ed25519PrivateKey):
            sys.exit("error: %s is not an Ed25519 private key" % args.key)
        submitter = args.submitter or os.path.splitext(os.path.basename(args.key))[0]
        request["submitter"] = submitter
        request["submitter_signature"] = key.sign(statement(request, submitter))

    value = encode(writer, writer_fingerprint, request)
    producer = Producer({
        "bootstrap.servers": args.bootstrap_server,
        "acks": "all",
        "enable.idempotence": True,
        "partitioner": "murmur2_random",   # Kafka's Java partitioner: the gate needs no repartition
    })
    delivered = []
    producer.produce(args.topic_prefix + "tasks.ingress", key="%s|%s" % (request["tenant_id"], request["idempotency_key"]),
                     value=value, headers=[("traceparent", request["traceparent"])],
                     on_delivery=lambda err, msg: delivered.append(err))
    if producer.flush(30) != 0 or delivered != [None]:
        sys.exit("error: Kafka did not acknowledge the request: %s" % (delivered or "timed out"))
    print(request_id, flush=True)

    if args.wait is not None:
        status = wait_for_status(args, schemas, request_id)
        if status is None:
            sys.exit("error: no final status for %s within %s s" % (request_id, args.wait))
        print(json.dumps(status, sort_keys=True), flush=True)


def wait_for_status(args, schemas, request_id):
    """Reads fabric.requests.status from the start (compacted, keyed by request id) until this request's status is final."""
    by_fingerprint = {fp: s for fp, s in schemas["RequestStatus"]}
    topic = args.topic_prefix + "requests.status"
    consumer = Consumer({"bootstrap.servers": args.bootstrap_server, "group.id": "python-example-" + request_id,
                         "enable.auto.commit": False, "auto.offset.reset": "earliest"})
    try:
        metadata = consumer.list_topics(topic, timeout=10)
        partitions = metadata.topics[topic].partitions
        consumer.assign([TopicPartition(topic, p, 0) for p in partitions])   # 0 = from the beginning
        deadline = time.monotonic() + args.wait
        latest = None
        while time.monotonic() < deadline:
            msg = consumer.poll(0.5)
            if msg is None:
                continue
            if msg.error():
                raise KafkaException(msg.error())
            if msg.key() != request_id.encode("utf-8") or msg.value() is None:
                continue
            latest = decode(by_fingerprint, msg.value())
            if latest["outcome"] not in NOT_FINAL:
                return latest
        return None
    finally:
        consumer.close()


if __name__ == "__main__":
    main()
