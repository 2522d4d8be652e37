#!/usr/bin/env bash
# Submit a request to the Execution Fabric with kcat, openssl and bash only: no Avro library, no Java.
# The record is built byte by byte as docs/kafka-contract.md describes (single-object header, Avro
# binary of TaskRequest, Ed25519 signature over the request statement).
#
#   examples/kcat/submit.sh -b 127.0.0.1:9092 -t acme -a summarize -p '{"text":"hello from kcat"}' -k keys/billing-agent.key
#
# Prints the request id; follow it with `./fabric status ID --wait PT30S`.
# Options: -b bootstrap server, -t tenant, -a action, -p payload (JSON object), -k submitter's PEM
# private key (unsigned without it), -s submitter name (default: the key file's base name),
# -P topic prefix (default fabric.).
set -euo pipefail
export LC_ALL=C   # lengths in bytes, not characters

# The header of TaskRequest/v3, the schema written today: 0xC3 0x01, then its fingerprint
# c7f1e11baeaeb945 little-endian (docs/kafka-contract.md, "The value, byte by byte").
HEADER='\xc3\x01\xcd\x3c\x3c\x22\xb0\x30\x41\xb4'

bootstrap=127.0.0.1:9092 tenant= action= payload='{}' key= submitter= prefix=fabric.
while getopts 'b:t:a:p:k:s:P:' opt; do
  case "$opt" in
    b) bootstrap=$OPTARG ;; t) tenant=$OPTARG ;; a) action=$OPTARG ;; p) payload=$OPTARG ;;
    k) key=$OPTARG ;; s) submitter=$OPTARG ;; P) prefix=$OPTARG ;;
    *) echo "usage: $0 -t TENANT -a ACTION [-p JSON] [-k KEY.pem] [-s SUBMITTER] [-b HOST:PORT] [-P PREFIX]" >&2; exit 2 ;;
  esac
done
[[ -n $tenant && -n $action ]] || { echo "error: -t TENANT and -a ACTION are required" >&2; exit 2; }
[[ -z $key || -n $submitter ]] || submitter=$(basename "$key" .key)

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

hex() { od -An -tx1 -N"$1" /dev/urandom | tr -d ' \n'; }
request_id=$(cat /proc/sys/kernel/random/uuid 2>/dev/null || hex 16)
flow_id=$request_id idempotency_key=$request_id
submitted_at=$(date +%s%3N)
source_name=kcat-example
traceparent="00-$(hex 16)-$(hex 8)-01"

# --- the request statement: str = 4-byte big-endian length + UTF-8, i64 = 8 bytes big-endian
be32() { printf "\\x$(printf %02x $(($1 >> 24 & 255)))\\x$(printf %02x $(($1 >> 16 & 255)))\\x$(printf %02x $(($1 >> 8 & 255)))\\x$(printf %02x $(($1 & 255)))"; }
be64() { be32 $(($1 >> 32 & 0xffffffff)); be32 $(($1 & 0xffffffff)); }
str() { be32 ${#1}; printf '%s' "$1"; }

statement() {
  local sha; sha=$(printf '%s' "$payload" | sha256sum | cut -c1-64)
  str fabric.request.v1
  str "$request_id"; str "$tenant"; str "$flow_id"; str "$action"; str "$sha"; str "$idempotency_key"; str false
  be64 "$submitted_at"; str "$submitter"; str "$source_name"; str "$traceparent"; str ""
  be32 0   # no attributes
}

# --- Avro binary: long = zig-zag varint; string/bytes = long length + bytes; union = long branch index
avro_long() {
  local n=$(( ($1 << 1) ^ ($1 >> 63) )) out=''
  while (( n > 127 || n < 0 )); do out+="\\x$(printf %02x $(( (n & 127) | 128 )))"; n=$(( (n >> 7) & 0x01ffffffffffffff )); done
  printf "${out}\\x$(printf %02x "$n")"
}
avro_str() { avro_long ${#1}; printf '%s' "$1"; }

{
  printf "$HEADER"
  avro_str "$request_id"; avro_str "$tenant"; avro_str "$flow_id"; avro_str "$action"; avro_str "$payload"
  avro_str "$idempotency_key"
  avro_long 0                                  # approval_token: null
  avro_long "$submitted_at"
  avro_str "$source_name"
  avro_long 1; avro_str "$traceparent"         # traceparent: string
  printf '\x00'                                # final_step: false
  avro_long 0                                  # attributes: empty map
  avro_long 0                                  # replay: null
  if [[ -n $key ]]; then
    statement > "$work/statement"
    openssl pkeyutl -sign -rawin -inkey "$key" -in "$work/statement" -out "$work/signature"
    avro_long 1; avro_str "$submitter"         # submitter: string
    avro_long 1; avro_long 64; cat "$work/signature"   # submitter_signature: 64 bytes
  else
    avro_long 0; avro_long 0                   # unsigned: submitter and signature null
  fi
} > "$work/record"

# murmur2_random is Kafka's Java partitioner, so the gate needs no repartition; acks=all so the
# request is durable when kcat returns
kcat -P -b "$bootstrap" -t "${prefix}tasks.ingress" -k "$tenant|$idempotency_key" -H "traceparent=$traceparent" \
  -X topic.partitioner=murmur2_random -X topic.request.required.acks=all -X enable.idempotence=true "$work/record"
echo "$request_id"
