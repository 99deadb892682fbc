/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Key rotation: a key list is accepted only with the current admin threshold, its own
 * admin threshold and every new key's signature, and only with a greater version;
 * writing it revokes keys that are no longer listed.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "bb-tables.h"

enum { A, B, C, MLX, NV, N_KEYS };
static struct bb_seckey sk[N_KEYS];
static struct bb_pubkey pk[N_KEYS];
static struct bb_trust *current;
static struct bb_reason why;

static void expect(int r, int err, enum bb_check check, const char *needle)
{
	if (r != err || why.check != check || !strstr(why.msg, needle))
		fail_msg("want %d %s '%s', got %d %s '%s'", err, bb_check_name(check), needle, r,
		         bb_check_name(why.check), why.msg);
}

static const char *pub_b64(int k)
{
	static char line[5][80];
	char *text;
	assert_int_equal(bb_pubkey_format(&pk[k], &text), 0);
	char *l2 = strchr(text, '\n') + 1;
	*strchr(l2, '\n') = '\0';
	snprintf(line[k], sizeof(line[k]), "%s", l2);
	free(text);
	return line[k];
}

static int setup(void **state)
{
	(void)state;
	for (int i = 0; i < N_KEYS; i++) {
		assert_int_equal(bb_keygen(&sk[i]), 0);
		bb_seckey_pubkey(&sk[i], &pk[i]);
	}
	assert_int_equal(bb_trust_new(&current), 0);
	assert_int_equal(bb_trust_add(current, "root-a", &pk[A], "admin\n", 6, &why), 0);
	assert_int_equal(bb_trust_add(current, "root-b", &pk[B], "admin\n", 6, &why), 0);
	assert_int_equal(
	    bb_trust_add(current, "mlx", &pk[MLX], "vendor 15b3\ndriver mlx5_vfio_pci\n", 33, &why),
	    0);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	bb_trust_free(current);
	return 0;
}

/* Version 2: root-b rotated out for root-c, nv added. */
static char *new_list(unsigned version)
{
	char *t;
	assert_true(
	    asprintf(&t,
	             "format: bindbroker-keylist 1\nversion: %u\nthreshold: 2\n\n"
	             "key root-a %s\nscope root-a admin\n"
	             "key root-c %s\nscope root-c admin\n"
	             "key mlx %s\nscope mlx vendor 15b3\nscope mlx driver mlx5_vfio_pci\n"
	             "key nv %s\nscope nv vendor 10de\nscope nv driver nvgrace_gpu_vfio_pci\n",
	             version, pub_b64(A), pub_b64(C), pub_b64(MLX), pub_b64(NV)) > 0);
	return t;
}

static int verify_with(const char *list, const int *signers, size_t n, uint64_t cur_version,
                       struct bb_keylist *kl)
{
	char *sigs[8];
	size_t lens[8];
	int r;

	for (size_t i = 0; i < n; i++) {
		struct bb_minisig s;
		assert_int_equal(
		    bb_sign_buffer(&sk[signers[i]], list, strlen(list), "keylist", &s, &why), 0);
		assert_int_equal(bb_minisig_format(&s, &sigs[i]), 0);
		lens[i] = strlen(sigs[i]);
	}
	memset(&why, 0, sizeof(why));
	r = bb_keylist_verify(current, cur_version, 2, list, strlen(list),
	                      (const char *const *)sigs, lens, n, kl, &why);
	for (size_t i = 0; i < n; i++)
		free(sigs[i]);
	return r;
}

static void test_rotation_accepted_and_written(void **state)
{
	static const int all[] = {A, B, C, NV};
	struct bb_keylist kl = {0};
	char *list = new_list(2), dir[] = "/tmp/bb-keylist-XXXXXX", cmd[64];
	uint64_t version;
	int dfd;

	(void)state;
	assert_int_equal(verify_with(list, all, 4, 1, &kl), 0);
	assert_int_equal(kl.version, 2);
	assert_int_equal(kl.threshold, 2);
	assert_int_equal(bb_trust_count(kl.trust), 4);

	/* Written over a keys.d that still holds root-b: root-b loses its scope. */
	assert_non_null(mkdtemp(dir));
	dfd = open(dir, O_RDONLY | O_DIRECTORY);
	int fd = openat(dfd, "root-b.scope", O_WRONLY | O_CREAT, 0644);
	assert_int_equal(write(fd, "admin\n", 6), 6);
	close(fd);
	char *pubb;
	assert_int_equal(bb_pubkey_format(&pk[B], &pubb), 0);
	fd = openat(dfd, "root-b.pub", O_WRONLY | O_CREAT, 0644);
	assert_int_equal(write(fd, pubb, strlen(pubb)), (ssize_t)strlen(pubb));
	close(fd);
	free(pubb);
	assert_int_equal(bb_keylist_write_keys_at(&kl, dfd, &why), 0);
	assert_int_equal(bb_keylist_version_at(dfd, &version), 0);
	assert_int_equal(version, 2);

	struct bb_trust *loaded = NULL;
	assert_int_equal(bb_trust_load_at(dfd, &loaded, &why), 0);
	assert_int_equal(bb_trust_count(loaded), 4);
	const struct bb_trusted_key *nv = bb_trust_find(loaded, pk[NV].keyid, &why);
	assert_non_null(nv);
	assert_int_equal(nv->vendors[0], 0x10de);
	assert_string_equal(nv->drivers[0], "nvgrace_gpu_vfio_pci");
	assert_null(bb_trust_find(loaded, pk[B].keyid, &why));
	expect(-1, -1, BB_CHECK_TRUST, "root-b.pub has no root-b.scope");
	bb_trust_free(loaded);
	bb_keylist_done(&kl);
	close(dfd);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	assert_int_equal(system(cmd), 0);
	free(list);
}

static void test_rotation_refusals(void **state)
{
	static const int only_a[] = {A, C, NV}, no_c[] = {A, B, NV}, no_nv[] = {A, B, C},
	                 all[] = {A, B, C, NV}, strangers[] = {C, NV, MLX};
	struct bb_keylist kl = {0};
	char *list = new_list(2);

	(void)state;
	expect(verify_with(list, only_a, 3, 1, &kl), -EPERM, BB_CHECK_THRESHOLD,
	       "signed by 1 of the current admin keys, 2 needed");
	expect(verify_with(list, strangers, 3, 1, &kl), -EPERM, BB_CHECK_THRESHOLD,
	       "signed by 0 of the current admin keys");
	expect(verify_with(list, no_c, 3, 1, &kl), -EPERM, BB_CHECK_THRESHOLD,
	       "signed by 1 of its own admin keys, 2 needed");
	expect(verify_with(list, no_nv, 3, 1, &kl), -EPERM, BB_CHECK_THRESHOLD, "new key nv");
	expect(verify_with(list, all, 4, 2, &kl), -ESTALE, BB_CHECK_ROLLBACK,
	       "key list version 2 not greater than 2");
	free(list);

	/* Signatures over another text do not count for this one. */
	char *v3 = new_list(3);
	char *sig_text[4];
	size_t lens[4];
	for (int i = 0; i < 4; i++) {
		struct bb_minisig s;
		assert_int_equal(bb_sign_buffer(&sk[all[i]], v3, strlen(v3), "k", &s, &why), 0);
		assert_int_equal(bb_minisig_format(&s, &sig_text[i]), 0);
		lens[i] = strlen(sig_text[i]);
	}
	v3[strlen(v3) - 5] = 'x';
	memset(&why, 0, sizeof(why));
	assert_int_equal(bb_keylist_verify(current, 1, 2, v3, strlen(v3),
	                                   (const char *const *)sig_text, lens, 4, &kl, &why),
	                 -EPERM);
	assert_int_equal(why.check, BB_CHECK_THRESHOLD);
	for (int i = 0; i < 4; i++)
		free(sig_text[i]);
	free(v3);

	/* Syntax: a scope before its key, an unknown line. */
	static const char bad[] = "format: bindbroker-keylist 1\nversion: 2\nthreshold: 1\n\n"
	                          "scope x admin\n";
	memset(&why, 0, sizeof(why));
	assert_int_equal(
	    bb_keylist_verify(current, 1, 2, bad, strlen(bad), NULL, NULL, 0, &kl, &why), -EBADMSG);
	assert_non_null(strstr(why.msg, "keylist:5:"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_rotation_accepted_and_written),
	    cmocka_unit_test(test_rotation_refusals),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
