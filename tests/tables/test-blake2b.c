/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The private BLAKE2b (needed for minisign's 32-byte secret key checksum) against
 * OpenSSL's BLAKE2B-512 for every length around the block boundaries, and against the
 * BLAKE2b-256 value of "abc" from Python's hashlib. Includes the folder's private
 * header on purpose: this unit has no public door.
 */
#include <openssl/evp.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "tb-internal.h"

static void test_matches_openssl(void **state)
{
	uint8_t data[600], ours[64], theirs[64];
	unsigned int n;

	(void)state;
	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)(i * 7 + 3);
	for (size_t len = 0; len <= sizeof(data); len++) {
		struct tb_blake2b s;
		tb_blake2b_init(&s, 64);
		/* Fed in two uneven pieces to exercise the buffering. */
		tb_blake2b_update(&s, data, len / 3);
		tb_blake2b_update(&s, data + len / 3, len - len / 3);
		tb_blake2b_final(&s, ours);
		assert_int_equal(EVP_Digest(data, len, theirs, &n, EVP_blake2b512(), NULL), 1);
		assert_memory_equal(ours, theirs, 64);
		assert_int_equal(tb_blake2b512(data, len, theirs), 0);
		assert_memory_equal(ours, theirs, 64);
	}
}

static void test_256_vector(void **state)
{
	static const uint8_t want[32] = {
	    0xbd, 0xdd, 0x81, 0x3c, 0x63, 0x42, 0x39, 0x72, 0x31, 0x71, 0xef,
	    0x3f, 0xee, 0x98, 0x57, 0x9b, 0x94, 0x96, 0x4e, 0x3b, 0xb1, 0xcb,
	    0x3e, 0x42, 0x72, 0x62, 0xc8, 0xc0, 0x68, 0xd5, 0x23, 0x19,
	};
	struct tb_blake2b s;
	uint8_t out[32];

	(void)state;
	tb_blake2b_init(&s, 32);
	tb_blake2b_update(&s, "abc", 3);
	tb_blake2b_final(&s, out);
	assert_memory_equal(out, want, 32);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_matches_openssl),
	    cmocka_unit_test(test_256_vector),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
