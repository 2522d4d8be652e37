#!/usr/bin/env python3
"""Checks submit.py against the test vector in docs/kafka-contract.md, which is generated from the
Java code: the same request must give the same statement, signature and record bytes."""
import json
import os
import re
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import submit  # noqa: E402
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey  # noqa: E402

CONTRACT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "docs", "kafka-contract.md")


def vector():
    with open(CONTRACT, encoding="utf-8") as f:
        text = f.read()
    block = re.search(r"<!-- generated:statement-vector -->(.*?)<!-- end generated:statement-vector -->", text, re.S).group(1)

    def dump(title):
        body = re.search(re.escape(title) + r"[^\n]*\n((?:[0-9a-f]{4}  [^\n]*\n)+)", block).group(1)
        return bytes.fromhex("".join(line[6:54] for line in body.splitlines()))

    request = json.loads(re.search(r"request: +(\{.*\})\n", block).group(1)
                         .replace('"submitter_signature": (the signature below)', '"submitter_signature": null'))
    return {
        "seed": bytes.fromhex(re.search(r"seed[^:]*: ([0-9a-f]{64})", block).group(1)),
        "submitter": re.search(r"submitter: +(\S+)", block).group(1),
        "request": request,
        "statement": dump("statement ("),
        "signature": dump("signature ("),
        "record": dump("record value ("),
    }


class ContractTestVector(unittest.TestCase):
    def test_the_statement_the_signature_and_the_record_are_the_java_ones(self):
        v = vector()
        request = v["request"]
        statement = submit.statement(request, v["submitter"])
        self.assertEqual(v["statement"].hex(), statement.hex())
        signature = Ed25519PrivateKey.from_private_bytes(v["seed"]).sign(statement)
        self.assertEqual(v["signature"].hex(), signature.hex())
        request["submitter_signature"] = signature
        fingerprint, writer = submit.load_released(submit.RELEASED)["TaskRequest"][-1]
        self.assertEqual(v["record"].hex(), submit.encode(writer, fingerprint, request).hex())


if __name__ == "__main__":
    unittest.main()
