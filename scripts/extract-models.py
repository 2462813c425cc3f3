#!/usr/bin/env python3
"""Extract the wire-relevant part of AWS's API models for IAM, STS and Organizations.

The models come from botocore (Apache-2.0, see NOTICE). Documentation, examples, endpoint rules
and everything else the wire does not need are dropped, so the committed files stay small and
CI needs no botocore. Run it again after upgrading botocore:

    python3 scripts/extract-models.py            # finds botocore on the Python path
    python3 scripts/extract-models.py --botocore-data /path/to/botocore/data

Output: src/protocols/aws-query/model/{iam,sts,organizations}.json, the operations of JSON
services served so far in src/protocols/aws-json/model/ (cloudtrail.json: LookupEvents), and those
of REST-JSON services in src/protocols/rest-json/model/ (accessanalyzer.json: ValidatePolicy), one
operation or shape per line so that a model update reads as a small diff.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import sys

SERVICES = {
    # output name: (botocore service directory, API version)
    "iam": ("iam", "2010-05-08"),
    "sts": ("sts", "2011-06-15"),
    "organizations": ("organizations", "2016-11-28"),
}

# JSON-protocol services, reduced to the operations served and the shapes they reach.
JSON_SERVICES = {
    "cloudtrail": ("cloudtrail", "2013-11-01", ("LookupEvents",)),
}

# REST-JSON services, reduced the same way; they also keep what REST routing reads: each
# operation's `http` (method, requestUri, responseCode) and each member's `location` (querystring,
# header, uri) beside its `locationName`.
REST_JSON_SERVICES = {
    "accessanalyzer": ("accessanalyzer", "2019-11-01", ("ValidatePolicy",)),
}

# Operation keys kept. `auth`/`authtype` say whether an operation is signed at all (for example
# STS AssumeRoleWithWebIdentity is not), which a server needs.
OPERATION_KEYS = ("name", "input", "output", "errors", "auth", "authtype")

# Shape keys kept: the ones serialization, deserialization and input validation read.
# `sensitive` is kept so that logs can redact such values; `fault` marks server faults in the
# JSON protocol's exception shapes.
SHAPE_KEYS = (
    "type",
    "members",
    "required",
    "min",
    "max",
    "pattern",
    "enum",
    "flattened",
    "member",
    "key",
    "value",
    "locationName",
    "timestampFormat",
    "xmlNamespace",
    "error",
    "exception",
    "fault",
    "sensitive",
)

# Keys kept on a member reference (a structure member, a list member, a map key or value).
MEMBER_KEYS = ("shape", "locationName", "flattened", "queryName", "xmlNamespace", "timestampFormat")

ERROR_KEYS = ("code", "httpStatusCode", "senderFault")


def botocore_data_dir() -> str:
    try:
        import botocore  # type: ignore
    except ImportError:
        sys.exit("botocore is not installed; pass --botocore-data")
    return os.path.join(os.path.dirname(botocore.__file__), "data")


def load(data_dir: str, service: str, version: str) -> dict:
    base = os.path.join(data_dir, service, version)
    for name, opener in (("service-2.json.gz", gzip.open), ("service-2.json", open)):
        path = os.path.join(base, name)
        if os.path.exists(path):
            with opener(path, "rt", encoding="utf-8") as handle:
                return json.load(handle)
    sys.exit(f"no service-2.json(.gz) under {base}")


def pick(source: dict, keys: tuple[str, ...]) -> dict:
    return {key: source[key] for key in keys if key in source}


def strip_member(ref: dict, rest: bool = False) -> dict:
    return pick(ref, MEMBER_KEYS + (("location",) if rest else ()))


def strip_operation(operation: dict, rest: bool = False) -> dict:
    out = {}
    for key in OPERATION_KEYS + (("http",) if rest else ()):
        if key not in operation:
            continue
        value = operation[key]
        if key == "input":
            value = {"shape": value["shape"]}
        elif key == "output":
            value = pick(value, ("shape", "resultWrapper"))
        elif key == "errors":
            value = [error["shape"] for error in value]
        out[key] = value
    return out


def strip_shape(shape: dict, rest: bool = False) -> dict:
    # The model's own key order is kept: AWS lists an element's constraints in that order
    # ("Member must satisfy constraint: [max, min, pattern]").
    out = {}
    for key in shape:
        if key not in SHAPE_KEYS:
            continue
        value = shape[key]
        if key == "members":
            value = {name: strip_member(ref, rest) for name, ref in value.items()}
        elif key in ("member", "key", "value"):
            value = strip_member(value, rest)
        elif key == "error":
            value = pick(value, ERROR_KEYS)
        out[key] = value
    return out


def strip(model: dict, rest: bool = False) -> dict:
    return {
        "metadata": model["metadata"],
        "operations": {name: strip_operation(op, rest) for name, op in model["operations"].items()},
        "shapes": {name: strip_shape(shape, rest) for name, shape in model["shapes"].items()},
    }


def only(model: dict, operations: tuple[str, ...]) -> dict:
    """The model reduced to these operations and the shapes they reach (errors included)."""
    ops = {name: model["operations"][name] for name in operations}
    seen: set[str] = set()

    def reach(name: str) -> None:
        if name in seen:
            return
        seen.add(name)
        shape = model["shapes"][name]
        refs = list(shape.get("members", {}).values()) + [shape[k] for k in ("member", "key", "value") if k in shape]
        for ref in refs:
            reach(ref["shape"])

    for op in ops.values():
        for key in ("input", "output"):
            if key in op:
                reach(op[key]["shape"])
        for error in op.get("errors", []):
            reach(error)
    return {"metadata": model["metadata"], "operations": ops, "shapes": {n: s for n, s in model["shapes"].items() if n in seen}}


def dump(model: dict) -> str:
    def one(value) -> str:
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))

    lines = ["{", f'"metadata":{one(model["metadata"])},', '"operations":{']
    for section in ("operations", "shapes"):
        items = list(model[section].items())
        if section == "shapes":
            lines.append('"shapes":{')
        for index, (name, value) in enumerate(items):
            comma = "," if index < len(items) - 1 else ""
            lines.append(f"{one(name)}:{one(value)}{comma}")
        lines.append("}," if section == "operations" else "}")
    lines.append("}")
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--botocore-data", help="botocore's data directory (default: the installed botocore)")
    here = os.path.dirname(os.path.abspath(__file__))
    default_out = os.path.join(here, "..", "src", "protocols", "aws-query", "model")
    parser.add_argument("--out", default=default_out, help="output directory")
    args = parser.parse_args()

    data_dir = args.botocore_data or botocore_data_dir()
    os.makedirs(args.out, exist_ok=True)
    for out_name, (service, version) in SERVICES.items():
        model = strip(load(data_dir, service, version))
        text = dump(model)
        json.loads(text)  # the writer above is hand-rolled: make sure it is still JSON
        path = os.path.normpath(os.path.join(args.out, f"{out_name}.json"))
        with open(path, "w", encoding="utf-8") as handle:
            handle.write(text)
        print(f"{path}: {len(model['operations'])} operations, {len(model['shapes'])} shapes, {len(text)} bytes")
    json_out = os.path.normpath(os.path.join(args.out, "..", "..", "aws-json", "model"))
    os.makedirs(json_out, exist_ok=True)
    for out_name, (service, version, operations) in JSON_SERVICES.items():
        model = only(strip(load(data_dir, service, version)), operations)
        text = dump(model)
        json.loads(text)
        path = os.path.join(json_out, f"{out_name}.json")
        with open(path, "w", encoding="utf-8") as handle:
            handle.write(text)
        print(f"{path}: {len(model['operations'])} operations, {len(model['shapes'])} shapes, {len(text)} bytes")
    rest_out = os.path.normpath(os.path.join(args.out, "..", "..", "rest-json", "model"))
    os.makedirs(rest_out, exist_ok=True)
    for out_name, (service, version, operations) in REST_JSON_SERVICES.items():
        model = only(strip(load(data_dir, service, version), rest=True), operations)
        text = dump(model)
        json.loads(text)
        path = os.path.join(rest_out, f"{out_name}.json")
        with open(path, "w", encoding="utf-8") as handle:
            handle.write(text)
        print(f"{path}: {len(model['operations'])} operations, {len(model['shapes'])} shapes, {len(text)} bytes")


if __name__ == "__main__":
    main()
