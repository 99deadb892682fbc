#!/usr/bin/env python3
# Checks varlink replies against the interface description the daemon serves:
# every field a reply carries is declared with its type, and every field the
# IDL does not mark optional (?T) is present. A small reader of the IDL subset
# bindbroker uses (types, methods, errors; string bool int float object, []T, ?T).
#
# Usage: idl-check.py IDL_FILE METHOD < replies   (one JSON reply per line)
# An error reply is checked against the error of that name.
import json
import re
import sys


def parse_fields(text):
    fields = {}
    text = text.strip()
    if not text:
        return fields
    for part in text.split(","):
        name, _, typ = part.partition(":")
        fields[name.strip()] = typ.strip()
    return fields


def parse_idl(text):
    text = re.sub(r"#[^\n]*", "", text)
    types, methods, errors = {}, {}, {}
    for m in re.finditer(r"\btype\s+(\w+)\s*\(([^)]*)\)", text):
        types[m.group(1)] = parse_fields(m.group(2))
    for m in re.finditer(r"\bmethod\s+(\w+)\s*\(([^)]*)\)\s*->\s*\(([^)]*)\)", text):
        methods[m.group(1)] = (parse_fields(m.group(2)), parse_fields(m.group(3)))
    for m in re.finditer(r"\berror\s+(\w+)\s*\(([^)]*)\)", text):
        errors[m.group(1)] = parse_fields(m.group(2))
    return types, methods, errors


def check_value(types, typ, value, where, problems):
    if typ.startswith("?"):
        if value is None:
            return
        typ = typ[1:]
    if typ.startswith("[]"):
        if not isinstance(value, list):
            problems.append(f"{where}: not an array")
            return
        for i, v in enumerate(value):
            check_value(types, typ[2:], v, f"{where}[{i}]", problems)
        return
    simple = {"string": str, "bool": bool, "float": (int, float), "object": dict}
    if typ == "int":
        ok = isinstance(value, int) and not isinstance(value, bool)
    elif typ in simple:
        ok = isinstance(value, simple[typ])
    elif typ in types:
        if isinstance(value, dict):
            check_struct(types, types[typ], value, where, problems)
            return
        ok = False
    else:
        problems.append(f"{where}: unknown type {typ} in the IDL")
        return
    if not ok:
        problems.append(f"{where}: {value!r} is not {typ}")


def check_struct(types, fields, obj, where, problems):
    for key, value in obj.items():
        if key not in fields:
            problems.append(f"{where}.{key}: not declared")
        else:
            check_value(types, fields[key], value, f"{where}.{key}", problems)
    for key, typ in fields.items():
        if not typ.startswith("?") and key not in obj:
            problems.append(f"{where}.{key}: missing")


def main():
    types, methods, errors = parse_idl(open(sys.argv[1]).read())
    method = sys.argv[2]
    if method not in methods:
        print(f"method {method} is not in the IDL")
        return 1
    problems = []
    count = 0
    for line in sys.stdin:
        if not line.strip():
            continue
        count += 1
        reply = json.loads(line)
        params = reply.get("parameters", {})
        if "error" in reply:
            name = reply["error"].rsplit(".", 1)[1]
            if not reply["error"].startswith("io.bindbroker.Broker."):
                continue  # org.varlink.service errors are checked by their own IDL
            if name not in errors:
                problems.append(f"error {name} is not in the IDL")
                continue
            check_struct(types, errors[name], params, name, problems)
        else:
            check_struct(types, methods[method][1], params, method, problems)
    for p in problems:
        print(p)
    if count == 0:
        print("no replies")
        return 1
    return 1 if problems else 0


sys.exit(main())
