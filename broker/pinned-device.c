/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "bb-fileio.h"
#include "bb-log.h"
#include "bb-macro.h"
#include "pinned-device.h"
#include "sysfs-path.h"

int bb_pinned_device_open(bb_sysfs *s, const bb_address *address, struct bb_pinned_device *ret)
{
	int r;

	*ret = (struct bb_pinned_device)BB_PINNED_DEVICE_INIT;
	ret->address = *address;
	r = bb_sysfs_open_device_path(s, address, ret->path, sizeof(ret->path));
	if (r < 0)
		return r;
	ret->dirfd = r;
	ret->depth = bb_path_depth(ret->path);
	ret->ueventfd = openat(ret->dirfd, "uevent", O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY);
	if (ret->ueventfd < 0) {
		r = negative_errno();
		bb_pinned_device_close(ret);
		return r == -ENOENT ? -ENODEV : r;
	}
	return 0;
}

void bb_pinned_device_close(struct bb_pinned_device *p)
{
	if (p->ueventfd >= 0)
		close(p->ueventfd);
	if (p->dirfd >= 0)
		close(p->dirfd);
	p->ueventfd = p->dirfd = -1;
}

/* One read of the held uevent from its start (sysfs regenerates it at offset 0). */
static int read_uevent(struct bb_pinned_device *p, char *buf, size_t size)
{
	return p->ueventfd < 0 ? -ENODEV : bb_pread_attr(p->ueventfd, buf, size);
}

int bb_pinned_device_read_ids(struct bb_pinned_device *p, struct bb_device *ret)
{
	char text[BB_UEVENT_MAX];
	int r;

	ret->address = p->address;
	r = read_uevent(p, text, sizeof(text));
	if (r < 0)
		return r;
	return bb_parse_pci_uevent(text, &p->address, ret);
}

int bb_pinned_device_read_revision(struct bb_pinned_device *p, struct bb_device *ret)
{
	char buf[32];
	int r;

	if (p->dirfd < 0)
		return -ENODEV;
	r = bb_sysfs_read_attr_at(p->dirfd, "revision", buf, sizeof(buf));
	if (r == -ENOENT)
		return -ENODEV;
	if (r < 0)
		return r;
	return bb_parse_revision(buf, &ret->revision);
}

int bb_pinned_device_read_driver(struct bb_pinned_device *p, char *buf, size_t size,
                                 struct bb_device *ids)
{
	struct bb_device scratch;
	int r;

	if (p->dirfd < 0)
		return -ENODEV;
	/* Under a stale directory the link is "missing": only the uevent read after it tells. */
	r = bb_device_read_driver_at(p->dirfd, &p->address, p->depth, buf, size);
	if (r < 0)
		return r;
	return bb_pinned_device_read_ids(p, ids ? ids : &scratch);
}
