#!/usr/bin/env python3
# Writes a C file defining `const char NAME[]` with the bytes of INPUT (build time only).
# Usage: embed-text.py NAME INPUT OUTPUT
import sys

name, src, dst = sys.argv[1:4]
data = open(src, "rb").read()
with open(dst, "w") as out:
    out.write("/* Generated from %s by embed-text.py. */\n" % src.split("/")[-1])
    out.write("#include <stddef.h>\n")
    out.write("extern const char %s[];\nextern const size_t %s_size;\n" % (name, name))
    out.write("const char %s[] = {\n" % name)
    for i in range(0, len(data), 16):
        out.write("\t" + ", ".join("0x%02x" % b for b in data[i:i + 16]) + ",\n")
    out.write("\t0x00\n};\n")
    out.write("const size_t %s_size = %d;\n" % (name, len(data)))
