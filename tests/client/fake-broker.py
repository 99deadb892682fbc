#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""A FAKE bindbrokerd for the client tests: canned answers to InstallTable, ListTables
and AuditShow, so the client's argument checks, request bytes, output and exit codes can
be tested before the real daemon methods are merged. It checks nothing a real broker
checks. Every call it receives is appended as one JSON line to LOG.

usage: fake-broker.py SOCKET LOG
While a file SOCKET.old exists it acts as a broker without these methods (MethodNotFound).
"""
import json
import os
import socket
import sys

SOCK, LOG = sys.argv[1], sys.argv[2]


def answer(method, params):
    if os.path.exists(SOCK + ".old"):
        return {"error": "org.varlink.service.MethodNotFound",
                "parameters": {"method": method.rsplit(".", 1)[-1]}}
    if method == "io.bindbroker.Broker.InstallTable":
        name = params.get("name", "")
        if name.startswith("deny"):
            return {"error": "io.bindbroker.Broker.Denied",
                    "parameters": {"reason": "bad signature: the file does not match "
                                             "its signature", "check": "signature"}}
        if name.startswith("invalid"):
            return {"error": "org.varlink.service.InvalidParameter",
                    "parameters": {"parameter": "name"}}
        return {"parameters": {"name": name, "signer": "C85B4EE4AB2C468B", "key": "vendor",
                               "serial": 7, "issued": "2026-11-01T00:00:00Z",
                               "expires": "2027-11-01T00:00:00Z", "entries": 2,
                               "journal_seq": 12}}
    if method == "io.bindbroker.Broker.GetStatus":
        return {"parameters": {"version": "0.1.0", "sysfs_root": "/sys", "lockdown": "none",
                               "config_dir": "/etc/bindbroker",
                               "state_dir": "/var/lib/bindbroker", "devices": 3,
                               "audit": {"mode": "best-effort", "available": False},
                               "policy": {"rules": 12, "files": 3},
                               "tables": {"count": 2, "expired": 1},
                               "journal": {"dir": "/var/lib/bindbroker/journal",
                                           "next_seq": 41, "failed": False}}}
    if method == "io.bindbroker.Broker.ListTables":
        return {"parameters": {"tables": [
            {"name": "mlx5-vfio", "signer": "C85B4EE4AB2C468B", "key": "vendor",
             "serial": 7, "issued": "2026-11-01T00:00:00Z",
             "expires": "2027-11-01T00:00:00Z", "entries": 2, "expired": False,
             "signed": True},
            {"name": "old-gpu", "signer": "0123456789ABCDEF", "key": "gpu\x1bvendor",
             "serial": 3, "issued": "2020-01-01T00:00:00Z",
             "expires": "2021-01-01T00:00:00Z", "entries": 5, "expired": True,
             "signed": True}]}}
    if method == "io.bindbroker.Broker.AuditShow":
        rec = {"seq": 4, "time": "2026-11-22T03:00:01.000000Z", "type": "intent",
               "device": params.get("device", "0000:01:00.0"), "op": "bind"}
        if "since" in params:
            rec["since-seen"] = params["since"]
        return {"parameters": {"records": [rec]}}
    return {"error": "org.varlink.service.MethodNotFound", "parameters": {"method": method}}


def serve():
    if os.path.exists(SOCK):
        os.unlink(SOCK)
    srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    srv.bind(SOCK)
    srv.listen(8)
    while True:
        conn, _ = srv.accept()
        with conn:
            buf = b""
            while not buf.endswith(b"\0"):
                chunk = conn.recv(65536)
                if not chunk:
                    break
                buf += chunk
            if not buf.endswith(b"\0"):
                continue
            call = json.loads(buf[:-1])
            with open(LOG, "a") as f:
                f.write(json.dumps(call) + "\n")
            reply = answer(call.get("method", ""), call.get("parameters", {}))
            conn.sendall(json.dumps(reply).encode() + b"\0")


serve()
