/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A set of held keys under one mutex; waiters sleep on one condition variable. */
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "bb-fileio.h"
#include "bb-log.h"
#include "bb-macro.h"
#include "group-lock.h"

#define MAX_HELD 256 /* more than the worker threads that can hold keys at once */

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t released = PTHREAD_COND_INITIALIZER;
static char held[MAX_HELD][48];
static size_t n_held;
static bool all_held;

static bool key_busy(const char *key)
{
	if (all_held)
		return true;
	if (streq(key, "all devices"))
		return n_held > 0;
	for (size_t i = 0; i < n_held; i++)
		if (streq(held[i], key))
			return true;
	return false;
}

static void key_of(bb_sysfs *sysfs, const char *address, char *key, size_t size)
{
	_cleanup_close_ int devfd = -1;
	bb_address a;
	char link[256];

	if (!address) {
		snprintf(key, size, "all devices");
		return;
	}
	if (bb_address_parse(address, &a) < 0) {
		snprintf(key, size, "device %.20s", address);
		return;
	}
	if (bb_sysfs_open_device(sysfs, &a, &devfd) >= 0 &&
	    bb_readlink_at(devfd, "iommu_group", link, sizeof(link)) >= 0)
		snprintf(key, size, "IOMMU group %.20s", bb_path_basename(link));
	else
		snprintf(key, size, "device %s", a.s);
}

int bb_group_lock(bb_sysfs *sysfs, const char *address, BbGroupHold *ret)
{
	char key[sizeof(ret->key)];

	key_of(sysfs, address, key, sizeof(key));
	pthread_mutex_lock(&lock);
	if (key_busy(key))
		log_info("waiting for %s: another request on it is in progress", key);
	while (key_busy(key) || n_held >= MAX_HELD)
		pthread_cond_wait(&released, &lock);
	if (streq(key, "all devices"))
		all_held = true;
	else
		strcpy(held[n_held++], key);
	pthread_mutex_unlock(&lock);
	strcpy(ret->key, key);
	return 0;
}

void bb_group_unlock(BbGroupHold *hold)
{
	if (!hold->key[0])
		return;
	pthread_mutex_lock(&lock);
	if (streq(hold->key, "all devices")) {
		all_held = false;
	} else {
		for (size_t i = 0; i < n_held; i++)
			if (streq(held[i], hold->key)) {
				held[i][0] = '\0';
				memcpy(held[i], held[--n_held], sizeof(held[i]));
				break;
			}
	}
	pthread_cond_broadcast(&released);
	pthread_mutex_unlock(&lock);
	hold->key[0] = '\0';
}
