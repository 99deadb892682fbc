#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""An outside verifier of the journal format, written from bb-journal.h alone:
hash chain, RFC 6962 tree heads, Ed25519 checkpoint signatures with the note
verifier key, and the C2SP checkpoint note. Uses Python's hashlib and the
`cryptography` package (Debian python3-cryptography); exits 77 without it.

usage: verify-independent.py JOURNAL-SAMPLE-PROGRAM
"""
import base64
import hashlib
import os
import subprocess
import sys
import tempfile

try:
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
except ImportError:
    print("SKIP: python3-cryptography missing")
    sys.exit(77)


def mth(leaves):
    if len(leaves) == 0:
        return hashlib.sha256(b"").digest()
    if len(leaves) == 1:
        return hashlib.sha256(b"\x00" + leaves[0]).digest()
    k = 1
    while k * 2 < len(leaves):
        k *= 2
    return hashlib.sha256(b"\x01" + mth(leaves[:k]) + mth(leaves[k:])).digest()


def load_verifier(path):
    name, keyhash, b64 = open(path).read().strip().split("+", 2)
    raw = base64.b64decode(b64)
    assert raw[0] == 1 and len(raw) == 33, "not an Ed25519 note key"
    want = hashlib.sha256(name.encode() + b"\n\x01" + raw[1:]).digest()[:4].hex()
    assert want == keyhash, "key hash does not match the key"
    return name, bytes.fromhex(keyhash), Ed25519PublicKey.from_public_bytes(raw[1:])


def check_sig(key, body, sig_b64):
    name, keyhash, pub = key
    sig = base64.b64decode(sig_b64, validate=True)
    if sig[:4] != keyhash:
        raise ValueError("signed by another key")
    pub.verify(sig[4:], body)


def verify(jdir, key):
    """Returns (records, checkpoints) or raises with the seq of the first bad record."""
    prev = bytes(32)
    bodies = []
    types = []
    checkpoints = 0
    with open(os.path.join(jdir, "records"), "rb") as f:
        data = f.read()
    for seq, line in enumerate(data.split(b"\n")[:-1]):
        body, _, chain = line.rpartition(b" chain=")
        fields = body.split(b" ")
        if fields[0] != b"seq=%d" % seq:
            raise ValueError(f"seq {seq}: sequence broken")
        prev = hashlib.sha256(prev + body).digest()
        if prev.hex().encode() != chain:
            raise ValueError(f"seq {seq}: chain mismatch")
        kv = dict(f.split(b"=", 1) for f in fields)
        keys = [f.split(b"=", 1)[0] for f in fields[3:]]
        if keys != sorted(keys):
            raise ValueError(f"seq {seq}: payload keys not sorted")
        types.append(kv[b"type"])
        if kv[b"type"] == b"checkpoint":
            root = base64.b64encode(mth(bodies)).decode()
            if kv[b"root"].decode() != root:
                raise ValueError(f"seq {seq}: root mismatch")
            note = f"{kv[b'origin'].decode()}\n{seq}\n{root}\n".encode()
            try:
                check_sig(key, note, kv[b"sig"].decode())
            except (ValueError, InvalidSignature) as e:
                raise ValueError(f"seq {seq}: {e or 'bad signature'}")
            checkpoints += 1
        bodies.append(body)
    # The newest checkpoint note.
    with open(os.path.join(jdir, "checkpoint"), "rb") as f:
        note = f.read()
    head, sigline = note.split(b"\n\n")
    origin, size, root = head.decode().split("\n")
    assert sigline.startswith(("\u2014 " + key[0] + " ").encode()) and sigline.endswith(b"\n")
    check_sig(key, head + b"\n", sigline.split(b" ")[2].strip().decode())
    assert base64.b64encode(mth(bodies[: int(size)])).decode() == root
    return len(bodies), checkpoints, types


def main():
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run([sys.argv[1], tmp], check=True)
        key = load_verifier(os.path.join(tmp, "key.pub"))
        jdir = os.path.join(tmp, "journal")
        n, cps, types = verify(jdir, key)
        print(f"independent check: {n} records, {cps} checkpoints verified")
        assert cps >= 2 and b"outcome-unknown" in types and b"result" in types, types

        # This verifier must be able to fail: flip one byte of record 1.
        path = os.path.join(jdir, "records")
        data = bytearray(open(path, "rb").read())
        lines = data.split(b"\n")
        off = len(lines[0]) + 1 + lines[1].index(b"outcome=") + len("outcome=")
        data[off] ^= 0x01
        open(path, "wb").write(bytes(data))
        try:
            verify(jdir, key)
        except ValueError as e:
            assert str(e).startswith("seq 1:"), e
            print(f"flipped byte caught: {e}")
        else:
            sys.exit("the independent verifier missed a flipped byte")


if __name__ == "__main__":
    main()
