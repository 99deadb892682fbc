/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Per-group serialization without timings: a second taker of a held key is
 * known to wait when it logs so (the log sink is the signal); other keys are
 * taken at once; "all devices" waits for every held key and blocks them all.
 * Keys come from addresses that do not parse, so no sysfs is needed.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "bb-log.h"
#include "group-lock.h"

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static unsigned waiting; /* "waiting for" lines logged */

static void sink(int priority, const char *file, int line, const char *msg, void *userdata)
{
	(void)priority, (void)file, (void)line, (void)userdata;
	if (strncmp(msg, "waiting for ", strlen("waiting for ")) != 0)
		return;
	pthread_mutex_lock(&mu);
	waiting++;
	pthread_cond_broadcast(&cv);
	pthread_mutex_unlock(&mu);
}

static void wait_for_waiters(unsigned n)
{
	pthread_mutex_lock(&mu);
	while (waiting < n)
		pthread_cond_wait(&cv, &mu);
	pthread_mutex_unlock(&mu);
}

typedef struct Taker {
	const char *address;
	BbGroupHold hold;
	bool got;
} Taker;

static void *take(void *arg)
{
	Taker *t = arg;

	bb_group_lock(NULL, t->address, &t->hold);
	pthread_mutex_lock(&mu);
	t->got = true;
	pthread_mutex_unlock(&mu);
	return NULL;
}

static bool got(Taker *t)
{
	bool g;

	pthread_mutex_lock(&mu);
	g = t->got;
	pthread_mutex_unlock(&mu);
	return g;
}

static void test_same_key_waits_other_key_does_not(void **state)
{
	BbGroupHold a, c;
	Taker b = {.address = "not-an-address-1"};
	pthread_t t;
	(void)state;

	waiting = 0;
	bb_group_lock(NULL, "not-an-address-1", &a);
	assert_string_equal(a.key, "device not-an-address-1");
	assert_int_equal(pthread_create(&t, NULL, take, &b), 0);
	wait_for_waiters(1);
	/* Another key is free while the first is held and waited for. */
	bb_group_lock(NULL, "not-an-address-2", &c);
	assert_false(got(&b));
	bb_group_unlock(&c);
	assert_false(got(&b));
	bb_group_unlock(&a);
	pthread_join(t, NULL);
	assert_true(b.got);
	assert_string_equal(b.hold.key, "device not-an-address-1");
	bb_group_unlock(&b.hold);
	assert_string_equal(b.hold.key, "");
}

static void test_all_devices_excludes_everyone(void **state)
{
	BbGroupHold a;
	Taker all = {.address = NULL}, other = {.address = "not-an-address-3"};
	pthread_t t1, t2;
	(void)state;

	waiting = 0;
	bb_group_lock(NULL, "not-an-address-1", &a);
	assert_int_equal(pthread_create(&t1, NULL, take, &all), 0);
	wait_for_waiters(1);
	bb_group_unlock(&a);
	pthread_join(t1, NULL);
	assert_string_equal(all.hold.key, "all devices");

	/* While everything is held, any key waits. */
	assert_int_equal(pthread_create(&t2, NULL, take, &other), 0);
	wait_for_waiters(2);
	assert_false(got(&other));
	bb_group_unlock(&all.hold);
	pthread_join(t2, NULL);
	assert_true(other.got);
	bb_group_unlock(&other.hold);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_same_key_waits_other_key_does_not),
	    cmocka_unit_test(test_all_devices_excludes_everyone),
	};

	bb_log_set_sink(sink, NULL);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
