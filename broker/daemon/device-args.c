/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The two names a requester hands over, checked before any file is opened,
 * and the facts of the named device.
 */
#include <string.h>

#include "daemon.h"

int request_driver(struct json_object *params, const char **ret, BbReply *reply)
{
	const char *driver = bb_varlink_get_string(params, "driver");

	if (driver && !bb_valid_driver_name(driver)) {
		reply_invalid_argument(reply, "driver",
		                       "invalid driver name: expected 1 to %d of [A-Za-z0-9_-]",
		                       BB_DRIVER_NAME_MAX);
		return -EINVAL;
	}
	*ret = driver;
	return 0;
}

int request_device(BbDaemon *d, struct json_object *params, struct bb_device *ret, BbReply *reply)
{
	const char *device = bb_varlink_get_string(params, "device");
	bb_address address;
	int r;

	r = bb_address_parse(device, &address);
	if (r < 0) {
		reply_invalid_argument(reply, "device",
		                       "invalid device address: expected DDDD:BB:DD.F (hex)");
		return r;
	}
	r = bb_device_read(d->sysfs, address.s, ret);
	if (r == -ENODEV || r == -ENOENT) {
		struct json_object *o = json_object_new_object();

		json_object_object_add(o, "device", json_object_new_string(address.s));
		reply_error(reply, BB_BROKER_ERROR_NO_SUCH_DEVICE, o);
		return -ENODEV;
	}
	if (r < 0) {
		reply_error_reason(reply, BB_BROKER_ERROR_INTERNAL, "reading %s: %s", address.s,
		                   strerror(-r));
		return r;
	}
	return 0;
}
