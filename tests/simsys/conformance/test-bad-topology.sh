#!/bin/bash
# Bad topology files are refused: non-zero exit, nothing mounted, and a message naming the
# offending key (or the size limit / the parse position).
. "$(dirname "$0")/lib.sh"
GOOD=$BB_TOPOLOGIES/minimal.json

refused() { # refused NAME FILE REGEX
	local name=$1 file=$2 re=$3 rc
	"$BB_SIMSYS" "$MNT" --topology "$file" >"$WORK/out" 2>&1
	rc=$?
	if mountpoint -q "$MNT"; then
		not_ok "$name: mounted anyway"
		fusermount3 -u "$MNT"
		return
	fi
	if [ "$rc" -eq 0 ]; then not_ok "$name: exit 0"; return; fi
	if grep -Eq -- "$re" "$WORK/out"; then
		ok "$name: exit $rc, message: $(head -c 200 "$WORK/out" | tr '\n' ' ')"
	else
		not_ok "$name: exit $rc but message does not match /$re/: $(head -c 300 "$WORK/out")"
	fi
}

head -c 300 "$GOOD" > "$WORK/truncated.json"
refused "truncated" "$WORK/truncated.json" '(truncat|unexpected end|parse|:[0-9]+)'

python3 - "$GOOD" "$WORK" <<'PY'
import json, sys
good = json.load(open(sys.argv[1])); w = sys.argv[2]
def dump(name, obj):
    json.dump(obj, open(f"{w}/{name}.json", "w"))
d = json.loads(json.dumps(good)); d["devices"].append(dict(d["devices"][1])); dump("dup-address", d)
d = json.loads(json.dumps(good)); d["drivers"].append(dict(d["drivers"][0])); dump("dup-driver", d)
d = json.loads(json.dumps(good)); d["devices"][1]["iommu_group"] = "1"; dump("wrong-type", d)
d = json.loads(json.dumps(good)); d["drivers"][1]["override_only"] = "yes"; dump("wrong-bool", d)
d = json.loads(json.dumps(good)); d["devices"][1]["vendor"] = "80860"; dump("bad-hex-width", d)
d = json.loads(json.dumps(good)); d["devices"][1]["vendor"] = "zz86"; dump("bad-hex", d)
d = json.loads(json.dumps(good)); d["devices"][1]["colour"] = "blue"; dump("unknown-key", d)
d = json.loads(json.dumps(good)); d["devices"][1]["address"] = "0000:00:19"; dump("bad-address", d)
d = json.loads(json.dumps(good)); d["lockdown"] = "paranoid"; dump("bad-lockdown", d)
d = json.loads(json.dumps(good)); d["drivers"][0]["probe"] = "sometimes"; dump("bad-probe", d)
d = json.loads(json.dumps(good)); d["devices"] = {"a": 1}; dump("devices-not-array", d)
d = json.loads(json.dumps(good)); d["drivers"][0]["ids"] = [{"vendor": "8086"}] * 65; dump("too-many-ids", d)
d = json.loads(json.dumps(good)); d["devices"][1]["driver"] = "e1000e"; dump("driver-given", d)
d = json.loads(json.dumps(good)); d["devices"][1]["iommu_group"] = -1; dump("negative-group", d)
d = json.loads(json.dumps(good)); d["devices"][1]["revision"] = "abc"; dump("bad-revision", d)
d = json.loads(json.dumps(good)); d["devices"][1]["class"] = "02000"; dump("short-class", d)
d = json.loads(json.dumps(good)); d["devices"][1]["parent"] = "0000:00:1f.0"; dump("unknown-parent", d)
d = json.loads(json.dumps(good)); d["devices"][1]["parent"] = "0000:00:00.0"; dump("parent-not-bridge", d)
d = json.loads(json.dumps(good)); d["devices"][1]["net"] = [{"name": "eth/0", "default_route": True}]; dump("bad-ifname", d)
d = json.loads(json.dumps(good))
d["devices"] += [{"address": "0001:%02x:%02x.%x" % (i // 256, (i // 8) % 32, i % 8), "vendor": "8086",
                  "device": "10d3", "class": "020000", "iommu_group": 100} for i in range(4095)]
dump("too-many-devices", d)
d = json.loads(json.dumps(good))
d["drivers"] += [{"name": "drv%d" % i, "module": "drv%d" % i, "ids": []} for i in range(511)]
dump("too-many-drivers", d)
d = json.loads(json.dumps(good))
d["devices"] += [{"address": "0001:%02x:%02x.%x" % (i // 256, (i // 8) % 32, i % 8), "vendor": "8086",
                  "device": "10d3", "class": "020000", "iommu_group": 100} for i in range(4094)]
d["drivers"] += [{"name": "drv%d" % i, "module": "drv%d" % i, "ids": []} for i in range(510)]
d["drivers"][0]["ids"] = [{"vendor": "8086", "device": "%04x" % (0x10d3 + i)} for i in range(64)]
dump("at-limits", d)
# > 1 MiB: the good topology padded with JSON whitespace, so only the size is wrong
open(f"{w}/huge.json", "w").write(json.dumps(good)[:-1] + " " * (1100 * 1024) + "}")
PY
refused "iommu_group as string" "$WORK/wrong-type.json" 'iommu_group'
refused "override_only as string" "$WORK/wrong-bool.json" 'override_only'
refused "duplicate address" "$WORK/dup-address.json" '(0000:00:19\.0|address).*(duplicate|twice|already)|(duplicate|twice|already).*(0000:00:19\.0|address)'
refused "duplicate driver name" "$WORK/dup-driver.json" '(duplicate|twice|already).*(e1000e|name)|(e1000e|name).*(duplicate|twice|already)'
refused "vendor of 5 hex digits" "$WORK/bad-hex-width.json" 'vendor'
refused "vendor not hex" "$WORK/bad-hex.json" 'vendor'
refused "unknown key" "$WORK/unknown-key.json" 'colour'
refused "malformed address" "$WORK/bad-address.json" 'address'
refused "unknown lockdown mode" "$WORK/bad-lockdown.json" 'lockdown'
refused "unknown probe mode" "$WORK/bad-probe.json" 'probe'
refused "devices not an array" "$WORK/devices-not-array.json" 'devices'
refused "65 ids for one driver" "$WORK/too-many-ids.json" 'ids'
refused "driver given for a device" "$WORK/driver-given.json" 'driver'
refused "negative iommu_group" "$WORK/negative-group.json" 'iommu_group'
refused "revision not hex" "$WORK/bad-revision.json" 'revision'
refused "class of 5 digits" "$WORK/short-class.json" 'class'
refused "parent that does not exist" "$WORK/unknown-parent.json" 'parent'
refused "parent that is not a bridge" "$WORK/parent-not-bridge.json" 'parent'
refused "interface name with a slash" "$WORK/bad-ifname.json" 'name'
n=$(python3 -c "import json,sys; print(len(json.load(open(sys.argv[1]))['devices']))" "$WORK/too-many-devices.json")
check "too-many-devices has 4097 devices ($n)" [ "$n" -eq 4097 ]
check "too-many-devices is under 1 MiB" [ "$(stat -c %s "$WORK/too-many-devices.json")" -lt 1048576 ]
refused "4097 devices" "$WORK/too-many-devices.json" 'devices'
refused "513 drivers" "$WORK/too-many-drivers.json" 'drivers'
size=$(stat -c %s "$WORK/huge.json")
check "huge file is over 1 MiB ($size bytes)" [ "$size" -gt 1048576 ]
refused "file over 1 MiB" "$WORK/huge.json" '(1 ?MiB|1048576|too (large|big)|size)'
: > "$WORK/empty.json"
refused "empty file" "$WORK/empty.json" '(empty|parse|unexpected end|truncat)'
refused "missing file" "$WORK/does-not-exist.json" 'does-not-exist'
# exactly at the limits (4096 devices, 512 drivers, 64 ids): accepted
if "$BB_SIMSYS" "$MNT" --topology "$WORK/at-limits.json"; then
	check "at the limits: 4096 devices mounted" [ "$(ls "$MNT/bus/pci/devices" | wc -l)" -eq 4096 ]
	check "at the limits: 512 drivers" [ "$(ls "$MNT/bus/pci/drivers" | wc -l)" -eq 512 ]
	check "at the limits: the 64-id driver bound its devices" [ "$(ls "$MNT/bus/pci/drivers/e1000e" | grep -c '^000')" -eq 4095 ]
	umount_topology
else
	not_ok "a topology exactly at the limits is refused"
fi
# and the good file mounts, so the refusals above are about the defects
"$BB_SIMSYS" "$MNT" --topology "$GOOD" && ok "unmodified minimal.json mounts" || not_ok "minimal.json refused"
mountpoint -q "$MNT" && umount_topology
finish
