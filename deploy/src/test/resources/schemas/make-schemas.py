#!/usr/bin/env python3
"""Regenerates the JSON Schemas in this folder from their sources (see README.md here).

usage: make-schemas.py STRIMZI_REPO STRIMZI_REF KUBERNETES_SWAGGER COMPOSE_SPEC_REPO COMPOSE_SPEC_REF

Strimzi CRDs and the Kubernetes swagger become standalone, strict JSON Schemas (draft 2020-12
compatible): every $ref inlined, every object with declared properties closed with
additionalProperties: false (as kubeconform's "strict" schemas do, so a misspelt field fails),
int-or-string made a string-or-integer, descriptions dropped. The compose spec is copied as is.
"""
import copy, json, subprocess, sys, yaml

STRIMZI_CRDS = {
    "Kafka": "packaging/install/cluster-operator/040-Crd-kafka.yaml",
    "KafkaTopic": "packaging/install/cluster-operator/043-Crd-kafkatopic.yaml",
    "KafkaUser": "packaging/install/cluster-operator/044-Crd-kafkauser.yaml",
    "KafkaNodePool": "packaging/install/cluster-operator/045-Crd-kafkanodepool.yaml",
}
KUBERNETES = {
    "Deployment": ("io.k8s.api.apps.v1.Deployment", "apps/v1"),
    "ConfigMap": ("io.k8s.api.core.v1.ConfigMap", "v1"),
    "Secret": ("io.k8s.api.core.v1.Secret", "v1"),
    "Service": ("io.k8s.api.core.v1.Service", "v1"),
}


def strict(node):
    if isinstance(node, list):
        return [strict(n) for n in node]
    if not isinstance(node, dict):
        return node
    out = {}
    for key, value in node.items():
        if key in ("description", "x-kubernetes-group-version-kind", "x-kubernetes-patch-strategy",
                   "x-kubernetes-patch-merge-key", "x-kubernetes-list-map-keys", "x-kubernetes-list-type",
                   "x-kubernetes-map-type", "x-kubernetes-validations"):
            continue
        out[key] = strict(value) if key not in ("enum", "required") else value
    if out.pop("x-kubernetes-int-or-string", False) or out.get("format") == "int-or-string":
        out.pop("type", None)
        out.pop("format", None)
        out["anyOf"] = [{"type": "string"}, {"type": "integer"}]
    if out.pop("nullable", False) and "type" in out:
        out["type"] = [out["type"], "null"]
    preserve = out.pop("x-kubernetes-preserve-unknown-fields", False)
    if "properties" in out and "additionalProperties" not in out and not preserve:
        out["additionalProperties"] = False
    return out


def inline(node, definitions, seen=()):
    if isinstance(node, list):
        return [inline(n, definitions, seen) for n in node]
    if not isinstance(node, dict):
        return node
    if "$ref" in node:
        name = node["$ref"].split("/")[-1]
        if name in seen:
            raise ValueError("recursive definition " + name)
        return inline(copy.deepcopy(definitions[name]), definitions, seen + (name,))
    return {k: inline(v, definitions, seen) for k, v in node.items()}


def pin(schema, api_version, kind):
    schema["properties"]["apiVersion"] = {"type": "string", "enum": [api_version]}
    schema["properties"]["kind"] = {"type": "string", "enum": [kind]}
    schema["required"] = sorted(set(schema.get("required", [])) | {"apiVersion", "kind", "metadata"})
    return schema


def write(name, schema):
    schema = {"$schema": "http://json-schema.org/draft-07/schema#", **schema}
    with open(name, "w") as f:
        json.dump(schema, f, indent=1, sort_keys=True)
        f.write("\n")


def main(strimzi_repo, strimzi_ref, swagger, compose_repo, compose_ref):
    for kind, path in STRIMZI_CRDS.items():
        crd = yaml.safe_load(subprocess.check_output(["git", "-C", strimzi_repo, "show", f"{strimzi_ref}:{path}"]))
        version = next(v for v in crd["spec"]["versions"] if v.get("storage"))
        schema = strict(version["schema"]["openAPIV3Schema"])
        schema["properties"].pop("status", None)
        write(f"strimzi/{kind.lower()}.json", pin(schema, crd["spec"]["group"] + "/" + version["name"], kind))
    definitions = json.load(open(swagger))["definitions"]
    for kind, (definition, api_version) in KUBERNETES.items():
        schema = strict(inline(copy.deepcopy(definitions[definition]), definitions))
        schema["properties"].pop("status", None)
        write(f"kubernetes/{kind.lower()}.json", pin(schema, api_version, kind))
    compose = subprocess.check_output(["git", "-C", compose_repo, "show", f"{compose_ref}:schema/compose-spec.json"])
    with open("compose/compose-spec.json", "wb") as f:
        f.write(compose)


if __name__ == "__main__":
    main(*sys.argv[1:])
