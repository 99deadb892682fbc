#!/usr/bin/env python3
# compare.py SIMSYS_LOG KERNEL_LOG
#
# Reads the output of scenarios.sh from both worlds (the kernel's from the guest's
# serial console, where kernel messages may share the stream), prints one table
# row per scenario: its verdict on simsys, on the real kernel, and whether every
# observation (OBS line) agreed; then each differing observation. Exit status 0
# when every scenario passed or was skipped in both worlds and all observations
# agree, 1 otherwise (also when the guest never reported VM-DONE).
import re
import sys

SCEN = re.compile(r"SCENARIO (\S+) (PASS|FAIL|SKIP)\b ?(.*)")
OBS = re.compile(r"OBS (\S+) (\S+) (.*)")


def parse(path):
    verdicts, obs, order, done, fatal = {}, {}, [], False, []
    with open(path, "rb") as f:
        text = f.read().decode("utf-8", "replace")
    for raw in text.splitlines():
        line = raw.strip("\r")
        # A line may carry a console escape or a kernel message before our text.
        markers = ("SCENARIO ", "OBS ", "VM-")
        if not line.startswith(markers):
            found = [i for i in (line.find(m) for m in markers) if i > 0]
            if found:
                line = line[min(found):]
        m = SCEN.match(line)
        if m:
            verdicts[m.group(1)] = (m.group(2), m.group(3).strip())
            if m.group(1) not in order:
                order.append(m.group(1))
            continue
        m = OBS.match(line)
        if m:
            obs[(m.group(1), m.group(2))] = m.group(3).strip()
            continue
        if line.startswith("VM-DONE"):
            done = True
        if line.startswith(("VM-UP", "VM-DONE", "VM-FATAL", "VM-WARN", "VM-NOTE")):
            fatal.append(line)
    return verdicts, obs, order, done, fatal


def main():
    if len(sys.argv) != 3:
        print("usage: compare.py SIMSYS_LOG KERNEL_LOG", file=sys.stderr)
        return 2
    sv, so, sorder, _, _ = parse(sys.argv[1])
    kv, ko, korder, kdone, kfatal = parse(sys.argv[2])
    order = list(korder) + [s for s in sorder if s not in korder]
    failed = False

    diffs = {}
    for key in sorted(set(so) | set(ko)):
        a, b = so.get(key, "<missing>"), ko.get(key, "<missing>")
        if a != b:
            diffs.setdefault(key[0], []).append((key[1], a, b))

    width = max([len(s) for s in order] + [8])
    print(f"{'scenario':<{width}}  {'simsys':<6}  {'kernel':<6}  observations")
    print("-" * (width + 36))
    for s in order:
        a = sv.get(s, ("-", ""))[0]
        b = kv.get(s, ("-", ""))[0]
        agree = "differ" if s in diffs else "agree"
        print(f"{s:<{width}}  {a:<6}  {b:<6}  {agree}")
        if a in ("FAIL", "-") or b in ("FAIL", "-") or s in diffs:
            failed = True
    print()
    for s in order:
        for world, v in (("simsys", sv), ("kernel", kv)):
            verdict, detail = v.get(s, ("-", "no verdict"))
            if verdict != "PASS" and detail:
                print(f"{s} on {world}: {verdict} {detail}")
    for s, rows in diffs.items():
        for key, a, b in rows:
            print(f"DIFFERS {s} {key}: simsys={a} kernel={b}")
    for f in kfatal:
        print(f"guest: {f}")  # VM-UP/VM-DONE (with uptimes), warnings, fatal errors
    if not kdone:
        print("guest: no VM-DONE line (the guest crashed, hung or timed out)")
        failed = True
    print()
    n = len(order)
    print(f"{n} scenarios; {'FAILED' if failed else 'all passed or skipped, all observations agree'}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
