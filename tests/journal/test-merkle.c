/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * White-box checks of the journal's internals (journal-internal.h): the RFC 6962
 * tree heads against the published test vectors of the certificate transparency
 * reference code and against a plain recursive MTH, strict base64, and the
 * checkpoint note parser.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "journal-internal.h"

static void hex(const uint8_t *h, char out[65])
{
	hex_encode(h, 32, out);
}

/* RFC 6962 MTH(D[n]) by its definition: split at the largest power of two below n. */
static void mth(const uint8_t (*leaves)[1], size_t n, uint8_t out[32])
{
	uint8_t l[32], r[32], buf[65];
	size_t k = 1;

	if (n == 1) {
		assert_int_equal(hash_leaf(leaves[0], 1, out), 0);
		return;
	}
	while (k * 2 < n)
		k *= 2;
	mth(leaves, k, l);
	mth(leaves + k, n - k, r);
	buf[0] = 0x01;
	memcpy(buf + 1, l, 32);
	memcpy(buf + 33, r, 32);
	assert_int_equal(hash_sha256(buf, sizeof(buf), out), 0);
}

static void test_rfc6962_vectors(void **state)
{
	static const struct {
		const char *data;
		size_t len;
	} leaves[] = {
	    {"", 0},
	    {"\x00", 1},
	    {"\x10", 1},
	    {"\x20\x21", 2},
	    {"\x30\x31", 2},
	    {"\x40\x41\x42\x43", 4},
	    {"\x50\x51\x52\x53\x54\x55\x56\x57", 8},
	    {"\x60\x61\x62\x63\x64\x65\x66\x67\x68\x69\x6a\x6b\x6c\x6d\x6e\x6f", 16},
	};
	static const char *roots[] = {
	    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
	    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
	    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
	    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
	    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
	    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
	    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
	    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
	};
	struct merkle m = {0};
	uint8_t leaf[32], root[32];
	char h[65];

	(void)state;
	assert_int_equal(merkle_root(&m, root), 0);
	hex(root, h);
	assert_string_equal(h, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	for (size_t i = 0; i < 8; i++) {
		assert_int_equal(hash_leaf(leaves[i].data, leaves[i].len, leaf), 0);
		assert_int_equal(merkle_append(&m, leaf), 0);
		assert_int_equal(merkle_root(&m, root), 0);
		hex(root, h);
		assert_string_equal(h, roots[i]);
	}
}

static void test_incremental_equals_recursive(void **state)
{
	uint8_t leaves[300][1], leaf[32], a[32], b[32];
	struct merkle m = {0};

	(void)state;
	for (size_t n = 1; n <= 300; n++) {
		leaves[n - 1][0] = (uint8_t)(n * 7);
		assert_int_equal(hash_leaf(leaves[n - 1], 1, leaf), 0);
		assert_int_equal(merkle_append(&m, leaf), 0);
		assert_int_equal(merkle_root(&m, a), 0);
		mth(leaves, n, b);
		if (memcmp(a, b, 32) != 0)
			fail_msg("tree head differs at size %zu", n);
	}
}

static void test_base64_strict(void **state)
{
	uint8_t out[8];

	(void)state;
	assert_int_equal(base64_decode("AAEC", 4, out, sizeof(out)), 3);
	assert_int_equal(base64_decode("AAE=", 4, out, sizeof(out)), 2);
	assert_int_equal(base64_decode("AA==", 4, out, sizeof(out)), 1);
	assert_int_equal(base64_decode("AAF=", 4, out, sizeof(out)),
	                 -EBADMSG); /* non-zero pad bits */
	assert_int_equal(base64_decode(" AAE", 4, out, sizeof(out)), -EBADMSG);
	assert_int_equal(base64_decode("AAE", 3, out, sizeof(out)), -EBADMSG);
	assert_int_equal(base64_decode("A=AA", 4, out, sizeof(out)), -EBADMSG);
}

static void test_checkpoint_note_parse(void **state)
{
	uint8_t root[32] = {1, 2, 3};
	char note[1024], sig[SIG_B64_LEN + 1], err[200];
	struct checkpoint_parsed p;
	int len;

	(void)state;
	memset(sig, 'A', SIG_B64_LEN);
	sig[SIG_B64_LEN] = '\0';
	len = checkpoint_note("example.com/log", 42, root, sig, note, sizeof(note));
	assert_true(len > 0);
	assert_int_equal(checkpoint_note_parse(note, (size_t)len, &p, err, sizeof(err)), 0);
	assert_string_equal(p.origin, "example.com/log");
	assert_int_equal(p.size, 42);
	assert_memory_equal(p.root, root, 32);
	assert_int_equal(p.body_len, strlen("example.com/log\n42\n") + 45);

	note[len - 1] = 'x'; /* no final newline */
	assert_int_equal(checkpoint_note_parse(note, (size_t)len, &p, err, sizeof(err)), -EBADMSG);
	assert_non_null(strstr(err, "line 5"));
	const char *ext =
	    "example.com/log\n42\nAQIDAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\nextra\n\n";
	assert_int_equal(checkpoint_note_parse(ext, strlen(ext), &p, err, sizeof(err)), -EBADMSG);
	assert_non_null(strstr(err, "line 4"));
	const char *lead0 = "example.com/log\n042\n";
	assert_int_equal(checkpoint_note_parse(lead0, strlen(lead0), &p, err, sizeof(err)),
	                 -EBADMSG);
	assert_non_null(strstr(err, "line 2"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_rfc6962_vectors),
	    cmocka_unit_test(test_incremental_equals_recursive),
	    cmocka_unit_test(test_base64_strict),
	    cmocka_unit_test(test_checkpoint_note_parse),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
