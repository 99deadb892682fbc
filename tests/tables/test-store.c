/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The table store on a temporary state dir and keys.d: install refusals (bad signature,
 * wrong key, untrusted key, key outside scope, expired, serial equal or lower, also
 * after re-opening), re-verification at load, lookup, expiry of installed tables and
 * the lockdown rule. Real keys and signatures throughout (OpenSSL), no fakes.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "bb-tables.h"

struct fixture {
	char dir[64];
	int keys, state;
	struct bb_seckey mlx, nv, noscope, stranger;
	int64_t now;
};

static struct bb_reason why;

static void expect(int r, int err, enum bb_check check, const char *needle)
{
	if (r != err || why.check != check || !strstr(why.msg, needle))
		fail_msg("want %d %s '%s', got %d %s '%s'", err, bb_check_name(check), needle, r,
		         bb_check_name(why.check), why.msg);
}

static void write_at(int dfd, const char *name, const char *text)
{
	int fd = openat(dfd, name, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
}

static void add_key(struct fixture *f, const char *name, struct bb_seckey *sk, const char *scope)
{
	struct bb_pubkey pk;
	char *text, fname[80];

	assert_int_equal(bb_keygen(sk), 0);
	bb_seckey_pubkey(sk, &pk);
	assert_int_equal(bb_pubkey_format(&pk, &text), 0);
	snprintf(fname, sizeof(fname), "%s.pub", name);
	if (f)
		write_at(f->keys, fname, text);
	free(text);
	if (f && scope) {
		snprintf(fname, sizeof(fname), "%s.scope", name);
		write_at(f->keys, fname, scope);
	}
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	strcpy(f->dir, "/tmp/bb-tables-test-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	int d = open(f->dir, O_RDONLY | O_DIRECTORY);
	assert_int_equal(mkdirat(d, "keys.d", 0755), 0);
	assert_int_equal(mkdirat(d, "state", 0700), 0);
	f->keys = openat(d, "keys.d", O_RDONLY | O_DIRECTORY);
	f->state = openat(d, "state", O_RDONLY | O_DIRECTORY);
	close(d);
	add_key(f, "mlx", &f->mlx, "# Mellanox\nvendor 15b3\ndriver mlx5_vfio_pci\n");
	add_key(f, "nv", &f->nv, "vendor 10de\ndriver nvgrace_gpu_vfio_pci\n");
	add_key(f, "noscope", &f->noscope, NULL);
	add_key(NULL, "stranger", &f->stranger, NULL);
	assert_int_equal(bb_time_parse("2026-11-22T00:00:00Z", &f->now), 0);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	char cmd[128];

	close(f->keys);
	close(f->state);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", f->dir);
	assert_int_equal(system(cmd), 0);
	free(f);
	return 0;
}

static char *table_text(const char *vendor, const char *driver, unsigned serial,
                        const char *expires, const char *entries)
{
	char *t;
	assert_true(asprintf(&t,
	                     "format: bindbroker-table 1\nname: mlx5-vfio\nvendor: %s\n"
	                     "driver: %s\nserial: %u\nissued: 2026-11-01T00:00:00Z\n"
	                     "expires: %s\n\n%s",
	                     vendor, driver, serial, expires, entries) > 0);
	return t;
}

static char *minimal(unsigned serial)
{
	return table_text("15b3", "mlx5_vfio_pci", serial, "2027-11-01T00:00:00Z",
	                  "15b3:101e                     # one device id\n"
	                  "15b3:101d subsys 15b3:0001    # with subsystem ids\n");
}

static char *sign(const struct bb_seckey *sk, const char *text)
{
	struct bb_minisig sig;
	char *out;
	assert_int_equal(
	    bb_sign_buffer(sk, text, strlen(text), "timestamp:1\tfile:t\thashed", &sig, &why), 0);
	assert_int_equal(bb_minisig_format(&sig, &out), 0);
	return out;
}

static struct bb_tables *open_store(struct fixture *f, unsigned *skipped)
{
	struct bb_tables *t = NULL;
	unsigned s = 0;
	assert_int_equal(bb_tables_open(f->keys, f->state, &t, &s, &why), 0);
	if (skipped)
		*skipped = s;
	return t;
}

static int install(struct bb_tables *t, const struct bb_seckey *sk, const char *text, int64_t now)
{
	char *sig = sign(sk, text);
	memset(&why, 0, sizeof(why));
	int r = bb_tables_install(t, text, strlen(text), sig, strlen(sig), now, &why);
	free(sig);
	return r;
}

static int lookup(struct bb_tables *t, uint16_t v, uint16_t d, uint16_t sv, uint16_t sd,
                  const char *driver, int64_t now, struct bb_table_match *m)
{
	struct bb_device_query q = {.vendor = v,
	                            .device = d,
	                            .subvendor = sv,
	                            .subdevice = sd,
	                            .class_code = 0x020000,
	                            .driver = driver,
	                            .now = now};
	memset(&why, 0, sizeof(why));
	return bb_tables_lookup(t, &q, m, &why);
}

static void test_install_minimal_and_lookup(void **state)
{
	struct fixture *f = *state;
	struct bb_tables *t = open_store(f, NULL);
	struct bb_table_match m;
	char *text = minimal(7);

	assert_int_equal(install(t, &f->mlx, text, f->now), 0);
	assert_int_equal(bb_tables_count(t), 1);
	assert_int_equal(lookup(t, 0x15b3, 0x101e, 0, 0, "mlx5_vfio_pci", f->now, &m), 1);
	assert_string_equal(m.table.name, "mlx5-vfio");
	assert_string_equal(m.table.signer_name, "mlx");
	assert_int_equal(m.table.serial, 7);
	assert_int_equal(m.entry->line, 9);
	assert_string_equal(m.entry->comment, "one device id");
	/* Any driver the table names (driver NULL). */
	assert_int_equal(lookup(t, 0x15b3, 0x101e, 0, 0, NULL, f->now, &m), 1);
	assert_int_equal(lookup(t, 0x15b3, 0x101d, 0x15b3, 0x0001, "mlx5_vfio_pci", f->now, &m), 1);
	assert_int_equal(m.entry->line, 10);
	/* Subsystem ids must match when the entry names them. */
	assert_int_equal(lookup(t, 0x15b3, 0x101d, 0x15b3, 0x0002, NULL, f->now, &m), 0);
	assert_int_equal(why.check, BB_CHECK_NO_MATCH);
	assert_non_null(strstr(why.msg, "no table entry matches 15b3:101d"));
	/* A driver the table does not name. */
	assert_int_equal(lookup(t, 0x15b3, 0x101e, 0, 0, "vfio-pci", f->now, &m), 0);
	assert_non_null(strstr(why.msg, "for driver vfio-pci"));
	assert_int_equal(lookup(t, 0x8086, 0x1234, 0, 0, NULL, f->now, &m), 0);

	/* The file in tables/ holds signature and table; no temporary files left. */
	char id[17], name[64];
	struct stat st;
	bb_keyid_hex(f->mlx.keyid, id);
	snprintf(name, sizeof(name), "tables/mlx5-vfio.%s.signed", id);
	assert_int_equal(fstatat(f->state, name, &st, 0), 0);
	char *bundle = calloc(1, (size_t)st.st_size + 1);
	int fd = openat(f->state, name, O_RDONLY);
	assert_int_equal(read(fd, bundle, (size_t)st.st_size), st.st_size);
	close(fd);
	assert_true(strncmp(bundle, "untrusted comment: ", 19) == 0);
	assert_string_equal(bundle + st.st_size - strlen(text), text);
	free(bundle);
	struct dirent *de;
	int entries = 0;
	DIR *d = fdopendir(openat(f->state, "tables", O_RDONLY | O_DIRECTORY));
	while ((de = readdir(d)))
		if (de->d_name[0] != '.' || strstr(de->d_name, "tmp"))
			entries++;
	closedir(d);
	assert_int_equal(entries, 1); /* one bundle, no temporary left behind */
	free(text);
	bb_tables_free(t);
}

static void test_bad_signature_and_wrong_key(void **state)
{
	struct fixture *f = *state;
	struct bb_tables *t = open_store(f, NULL);
	char *text = minimal(7), *sig = sign(&f->mlx, text);

	/* Tampered after signing: one more device. */
	char *tampered = NULL;
	assert_true(asprintf(&tampered, "%s15b3:1021\n", text) > 0);
	expect(bb_tables_install(t, tampered, strlen(tampered), sig, strlen(sig), f->now, &why),
	       -EKEYREJECTED, BB_CHECK_SIGNATURE, "bad signature");
	/* Wrong key: signed by nv's key but claiming mlx's key id. */
	struct bb_seckey forged = f->nv;
	memcpy(forged.keyid, f->mlx.keyid, BB_KEYID_LEN);
	expect(install(t, &forged, text, f->now), -EKEYREJECTED, BB_CHECK_SIGNATURE,
	       "bad signature");
	/* A truncated signature file. */
	sig[strlen(sig) / 2] = '\0';
	expect(bb_tables_install(t, text, strlen(text), sig, strlen(sig), f->now, &why), -EBADMSG,
	       BB_CHECK_SYNTAX, "table.minisig:2");
	assert_int_equal(bb_tables_count(t), 0);
	free(tampered);
	free(sig);
	free(text);
	bb_tables_free(t);
}

static void test_untrusted_keys(void **state)
{
	struct fixture *f = *state;
	struct bb_tables *t = open_store(f, NULL);
	char *text = minimal(7);

	expect(install(t, &f->stranger, text, f->now), -ENOKEY, BB_CHECK_TRUST, "not in keys.d");
	expect(install(t, &f->noscope, text, f->now), -ENOKEY, BB_CHECK_TRUST,
	       "keys.d/noscope.pub has no noscope.scope");
	assert_int_equal(bb_tables_count(t), 0);
	free(text);
	bb_tables_free(t);
}

static void test_key_outside_scope(void **state)
{
	struct fixture *f = *state;
	struct bb_tables *t = open_store(f, NULL);
	char *nv_table =
	    table_text("10de", "mlx5_vfio_pci", 1, "2027-11-01T00:00:00Z", "10de:2342\n");
	char *other_driver =
	    table_text("15b3", "vfio-pci", 1, "2027-11-01T00:00:00Z", "15b3:101e\n");

	/* A 15b3 key cannot admit 10de devices, though the signature is valid. */
	expect(install(t, &f->mlx, nv_table, f->now), -EPERM, BB_CHECK_SCOPE,
	       "key outside scope: vendor 10de");
	expect(install(t, &f->mlx, other_driver, f->now), -EPERM, BB_CHECK_SCOPE,
	       "key outside scope: driver vfio-pci");
	expect(install(t, &f->nv, other_driver, f->now), -EPERM, BB_CHECK_SCOPE,
	       "key outside scope: vendor 15b3");
	assert_int_equal(bb_tables_count(t), 0);
	free(nv_table);
	free(other_driver);
	bb_tables_free(t);
}

/* A table of several vendors needs a signer trusted for every one of them. */
static void test_multi_vendor_scope(void **state)
{
	struct fixture *f = *state;
	struct bb_seckey fleet, half;
	struct bb_table_match m;
	struct bb_tables *t;
	char *text;

	add_key(f, "fleet", &fleet, "vendor 15b3\nvendor 10de\ndriver vfio-pci\n");
	add_key(f, "half", &half, "vendor 15b3\ndriver vfio-pci\n");
	t = open_store(f, NULL);
	assert_true(asprintf(&text,
	                     "format: bindbroker-table 1\nname: fleet\nvendor: 15b3\nvendor: 10de\n"
	                     "driver: vfio-pci\nserial: 1\nissued: 2026-11-01T00:00:00Z\n"
	                     "expires: 2027-11-01T00:00:00Z\n\n15b3:101e\n10de:2342\n") > 0);
	expect(install(t, &f->mlx, text, f->now), -EPERM, BB_CHECK_SCOPE,
	       "key outside scope: vendor 10de");
	expect(install(t, &half, text, f->now), -EPERM, BB_CHECK_SCOPE,
	       "key outside scope: vendor 10de (table fleet, key half)");
	assert_int_equal(bb_tables_count(t), 0);
	assert_int_equal(install(t, &fleet, text, f->now), 0);
	assert_int_equal(lookup(t, 0x15b3, 0x101e, 0, 0, "vfio-pci", f->now, &m), 1);
	assert_string_equal(m.table.name, "fleet");
	assert_int_equal(lookup(t, 0x10de, 0x2342, 0, 0, "vfio-pci", f->now, &m), 1);
	assert_int_equal(lookup(t, 0x10de, 0x2343, 0, 0, "vfio-pci", f->now, &m), 0);
	bb_tables_free(t);

	/* Re-verified at start like any installed table. */
	t = open_store(f, NULL);
	assert_int_equal(lookup(t, 0x10de, 0x2342, 0, 0, "vfio-pci", f->now, &m), 1);
	free(text);
	bb_tables_free(t);
}

static void test_expired(void **state)
{
	struct fixture *f = *state;
	struct bb_tables *t = open_store(f, NULL);
	struct bb_table_match m;
	struct bb_table_info info;
	char *text = minimal(7);
	int64_t later, before;

	assert_int_equal(bb_time_parse("2027-11-01T00:00:00Z", &later), 0);
	assert_int_equal(bb_time_parse("2026-10-01T00:00:00Z", &before), 0);
	expect(install(t, &f->mlx, text, later), -EKEYEXPIRED, BB_CHECK_EXPIRY,
	       "table mlx5-vfio expired at 2027-11-01T00:00:00Z");
	expect(install(t, &f->mlx, text, before), -EKEYEXPIRED, BB_CHECK_EXPIRY,
	       "not valid before 2026-11-01T00:00:00Z");
	/* Installed while fresh, then time passes: it stops admitting and says so. */
	assert_int_equal(install(t, &f->mlx, text, f->now), 0);
	assert_int_equal(lookup(t, 0x15b3, 0x101e, 0, 0, NULL, f->now, &m), 1);
	assert_int_equal(lookup(t, 0x15b3, 0x101e, 0, 0, NULL, later, &m), 0);
	expect(-1, -1, BB_CHECK_EXPIRY, "expired at 2027-11-01T00:00:00Z");
	assert_int_equal(bb_tables_info(t, 0, later, &info), 0);
	assert_true(info.expired);
	assert_int_equal(bb_tables_info(t, 0, f->now, &info), 0);
	assert_false(info.expired);
	free(text);
	bb_tables_free(t);
}

static void test_rollback_survives_restart(void **state)
{
	struct fixture *f = *state;
	struct bb_tables *t = open_store(f, NULL);
	struct bb_table_info info;
	char *t7 = minimal(7), *t6 = minimal(6), *t8 = minimal(8);
	unsigned skipped;

	assert_int_equal(install(t, &f->mlx, t7, f->now), 0);
	expect(install(t, &f->mlx, t7, f->now), -ESTALE, BB_CHECK_ROLLBACK,
	       "serial 7 not greater than 7");
	expect(install(t, &f->mlx, t6, f->now), -ESTALE, BB_CHECK_ROLLBACK,
	       "serial 6 not greater than 7");
	bb_tables_free(t);

	/* A restart: the installed table is re-verified and the floor still holds. */
	t = open_store(f, &skipped);
	assert_int_equal(skipped, 0);
	assert_int_equal(bb_tables_count(t), 1);
	assert_int_equal(bb_tables_info(t, 0, f->now, &info), 0);
	assert_int_equal(info.serial, 7);
	expect(install(t, &f->mlx, t7, f->now), -ESTALE, BB_CHECK_ROLLBACK,
	       "serial 7 not greater than 7");
	expect(install(t, &f->mlx, t6, f->now), -ESTALE, BB_CHECK_ROLLBACK,
	       "serial 6 not greater than 7");
	assert_int_equal(install(t, &f->mlx, t8, f->now), 0);
	assert_int_equal(bb_tables_count(t), 1); /* replaced, not added */
	assert_int_equal(bb_tables_info(t, 0, f->now, &info), 0);
	assert_int_equal(info.serial, 8);
	bb_tables_free(t);

	/* Even with tables/ emptied, the state dir remembers serial 8. */
	char id[17], name[64];
	bb_keyid_hex(f->mlx.keyid, id);
	snprintf(name, sizeof(name), "tables/mlx5-vfio.%s.signed", id);
	assert_int_equal(unlinkat(f->state, name, 0), 0);
	t = open_store(f, NULL);
	assert_int_equal(bb_tables_count(t), 0);
	expect(install(t, &f->mlx, t8, f->now), -ESTALE, BB_CHECK_ROLLBACK,
	       "serial 8 not greater than 8");
	uint64_t floor;
	assert_int_equal(bb_rollback_get(f->state, "mlx5-vfio", f->mlx.keyid, &floor), 0);
	assert_int_equal(floor, 8);
	/* The floor is per signer: the same name from another signer starts afresh. */
	assert_int_equal(bb_rollback_get(f->state, "mlx5-vfio", f->nv.keyid, &floor), 0);
	assert_int_equal(floor, 0);
	free(t6);
	free(t7);
	free(t8);
	bb_tables_free(t);
}

static void test_loader_reverifies(void **state)
{
	struct fixture *f = *state;
	struct bb_tables *t = open_store(f, NULL);
	char *t7 = minimal(7), *t8 = minimal(8), *sig7 = sign(&f->mlx, t7), *bundle7 = NULL;
	char id[17], name[64];
	unsigned skipped;

	assert_int_equal(install(t, &f->mlx, t8, f->now), 0);
	bb_tables_free(t);
	bb_keyid_hex(f->mlx.keyid, id);
	snprintf(name, sizeof(name), "tables/mlx5-vfio.%s.signed", id);

	/* Someone puts the older, validly signed table back on disk: refused at load. */
	assert_true(asprintf(&bundle7, "%s%s", sig7, t7) > 0);
	write_at(f->state, name, bundle7);
	t = open_store(f, &skipped);
	assert_int_equal(skipped, 1);
	assert_int_equal(bb_tables_count(t), 0);
	bb_tables_free(t);

	/* A tampered installed file: refused at load. */
	bundle7[strlen(bundle7) - 3] = 'f';
	write_at(f->state, name, bundle7);
	t = open_store(f, &skipped);
	assert_int_equal(skipped, 1);
	assert_int_equal(bb_tables_count(t), 0);
	bb_tables_free(t);

	/* Trust withdrawn (scope file removed): refused at load. */
	char *t9 = minimal(9);
	assert_int_equal(install(t = open_store(f, NULL), &f->mlx, t9, f->now), 0);
	free(t9);
	bb_tables_free(t);
	assert_int_equal(unlinkat(f->keys, "mlx.scope", 0), 0);
	t = open_store(f, &skipped);
	assert_int_equal(skipped, 1);
	bb_tables_free(t);
	free(t7);
	free(t8);
	free(sig7);
	free(bundle7);
}

static void test_lockdown_rule(void **state)
{
	struct fixture *f = *state;
	struct bb_tables *t = open_store(f, NULL);
	struct bb_table_match m;
	char *local =
	    table_text("8086", "vfio-pci", 1, "2027-11-01T00:00:00Z", "8086:1533 # lab NIC\n");
	struct bb_device_query q = {.vendor = 0x8086, .device = 0x1533, .now = f->now};

	assert_true(bb_table_counts(true, BB_POSTURE_CONFIDENTIALITY, false, &why));
	assert_false(bb_table_counts(false, BB_POSTURE_INTEGRITY, true, &why));
	expect(-1, -1, BB_CHECK_LOCKDOWN, "under lockdown (integrity)");
	assert_false(bb_table_counts(false, BB_POSTURE_NONE, false, &why));
	expect(-1, -1, BB_CHECK_LOCKDOWN, "bindbroker.conf does not allow");
	assert_true(bb_table_counts(false, BB_POSTURE_NONE, true, &why));

	assert_int_equal(bb_tables_add_local(t, local, strlen(local), "local.table", &why), 0);
	q.posture = BB_POSTURE_NONE;
	q.allow_unsigned = true;
	assert_int_equal(bb_tables_lookup(t, &q, &m, &why), 1);
	assert_false(m.table.is_signed);
	assert_string_equal(m.table.signer_name, "(unsigned local)");
	q.posture = BB_POSTURE_CONFIDENTIALITY;
	assert_int_equal(bb_tables_lookup(t, &q, &m, &why), 0);
	expect(-1, -1, BB_CHECK_LOCKDOWN, "under lockdown (confidentiality)");
	q.posture = BB_POSTURE_NONE;
	q.allow_unsigned = false;
	assert_int_equal(bb_tables_lookup(t, &q, &m, &why), 0);
	expect(-1, -1, BB_CHECK_LOCKDOWN, "does not allow");
	free(local);
	bb_tables_free(t);
}

static void test_most_specific_entry(void **state)
{
	struct fixture *f = *state;
	struct bb_tables *t = open_store(f, NULL);
	struct bb_table_match m;
	char *text = table_text("15b3", "mlx5_vfio_pci", 3, "2027-11-01T00:00:00Z",
	                        "15b3:1021 # any\n"
	                        "15b3:1021 subsys 15b3:0022 class 020000/ff0000 rev 00-0f # exact\n"
	                        "15b3:1021 class 030000/ff0000 # display only\n");
	struct bb_device_query q = {.vendor = 0x15b3,
	                            .device = 0x1021,
	                            .subvendor = 0x15b3,
	                            .subdevice = 0x22,
	                            .class_code = 0x020000,
	                            .revision = 3,
	                            .now = f->now};

	assert_int_equal(install(t, &f->mlx, text, f->now), 0);
	assert_int_equal(bb_tables_lookup(t, &q, &m, &why), 1);
	assert_string_equal(m.entry->comment, "exact");
	q.revision = 0x10;
	assert_int_equal(bb_tables_lookup(t, &q, &m, &why), 1);
	assert_string_equal(m.entry->comment, "any");
	free(text);
	bb_tables_free(t);
}

static void test_cli_functions(void **state)
{
	struct fixture *f = *state;
	char pub[128], sec[128], table[128];
	struct bb_table *parsed = NULL;
	char *text = minimal(7);
	int fd;

	snprintf(pub, sizeof(pub), "%s/k.pub", f->dir);
	snprintf(sec, sizeof(sec), "%s/k.key", f->dir);
	snprintf(table, sizeof(table), "%s/t.table", f->dir);
	assert_int_equal(bb_cli_keygen(pub, sec, &why), 0);
	expect(bb_cli_keygen(pub, sec, &why), -EEXIST, BB_CHECK_IO, "not overwriting");
	struct stat st;
	assert_int_equal(stat(sec, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	fd = open(table, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	assert_int_equal(bb_cli_sign(table, sec, f->now, &why), 0);
	assert_int_equal(bb_cli_verify(table, pub, f->now, &parsed, &why), 0);
	assert_int_equal(parsed->serial, 7);
	bb_table_free(parsed);
	int64_t later;
	assert_int_equal(bb_time_parse("2028-01-01T00:00:00Z", &later), 0);
	expect(bb_cli_verify(table, pub, later, NULL, &why), -EKEYEXPIRED, BB_CHECK_EXPIRY,
	       "expired at");
	/* Wrong key for offline verification. */
	char pub2[128];
	snprintf(pub2, sizeof(pub2), "%s/keys.d/mlx.pub", f->dir);
	expect(bb_cli_verify(table, pub2, f->now, NULL, &why), -EKEYREJECTED, BB_CHECK_SIGNATURE,
	       "wrong key");
	free(text);
}

static void test_trust_store_syntax(void **state)
{
	struct fixture *f = *state;
	struct bb_trust *trust = NULL;

	write_at(f->keys, "bad.pub", "untrusted comment: x\nnot base64\n");
	expect(bb_trust_load_at(f->keys, &trust, &why), -EBADMSG, BB_CHECK_SYNTAX, "bad.pub:2");
	unlinkat(f->keys, "bad.pub", 0);
	write_at(f->keys, "mlx.scope", "vendor 15B3\n");
	expect(bb_trust_load_at(f->keys, &trust, &why), -EBADMSG, BB_CHECK_SYNTAX,
	       "mlx.scope:1:1: expected 'vendor VVVV'");
	write_at(f->keys, "mlx.scope", "vendor 15b3\nvendor 15b3\n");
	expect(bb_trust_load_at(f->keys, &trust, &why), -EBADMSG, BB_CHECK_SYNTAX, "duplicate");
	write_at(f->keys, "mlx.scope", "vendor 15b3\ndriver mlx5_vfio_pci\nadmin\n");
	assert_int_equal(bb_trust_load_at(f->keys, &trust, &why), 0);
	assert_int_equal(bb_trust_count(trust), 2);
	const struct bb_trusted_key *k = bb_trust_find(trust, f->mlx.keyid, &why);
	assert_non_null(k);
	assert_true(k->admin);
	assert_int_equal(k->n_vendors, 1);
	bb_trust_free(trust);
}
/* A local table named NAME for vendor 8086 with ENTRIES (one "8086:DDDD" line each). */
static char *named_table(const char *name, const char *entries)
{
	char *t;
	assert_true(asprintf(&t,
	                     "format: bindbroker-table 1\nname: %s\nvendor: 8086\n"
	                     "driver: vfio-pci\nserial: 1\nissued: 2026-11-01T00:00:00Z\n"
	                     "expires: 2027-11-01T00:00:00Z\n\n%s",
	                     name, entries) > 0);
	return t;
}

static int lookup_comment(struct bb_tables *t, int64_t now, uint16_t device, const char **comment)
{
	struct bb_device_query q = {
	    .vendor = 0x8086, .device = device, .now = now, .allow_unsigned = true};
	struct bb_table_match m;
	int r = bb_tables_lookup(t, &q, &m, &why);

	*comment = r == 1 ? m.entry->comment : NULL;
	return r;
}

/* Each install merges one table into the index; a replaced table's old entries leave it. */
static void test_index_merge(void **state)
{
	struct fixture *f = *state;
	struct bb_tables *t = open_store(f, NULL);
	char *a = named_table("a", "8086:0030 # a30\n8086:0010 # a10\n8086:0050 # a50\n");
	char *b = named_table("b", "8086:0040 # b40\n8086:0020 # b20\n8086:0060 # b60\n");
	char *a2 = named_table("a", "8086:0070 # a70\n8086:0005 # a05\n");
	const char *c;

	assert_int_equal(bb_tables_add_local(t, a, strlen(a), "a.table", &why), 0);
	assert_int_equal(bb_tables_add_local(t, b, strlen(b), "b.table", &why), 0);
	for (uint16_t dev = 0x10; dev <= 0x60; dev += 0x10) {
		assert_int_equal(lookup_comment(t, f->now, dev, &c), 1);
		assert_int_equal(strtoul(c + 1, NULL, 16), dev);
	}
	assert_int_equal(lookup_comment(t, f->now, 0x15, &c), 0);

	/* Table a again (same name, unsigned: the same slot) with other entries. */
	assert_int_equal(bb_tables_add_local(t, a2, strlen(a2), "a.table", &why), 0);
	assert_int_equal(bb_tables_count(t), 2);
	assert_int_equal(lookup_comment(t, f->now, 0x10, &c), 0);
	assert_int_equal(lookup_comment(t, f->now, 0x30, &c), 0);
	assert_int_equal(lookup_comment(t, f->now, 0x50, &c), 0);
	assert_int_equal(lookup_comment(t, f->now, 0x05, &c), 1);
	assert_string_equal(c, "a05");
	assert_int_equal(lookup_comment(t, f->now, 0x70, &c), 1);
	assert_string_equal(c, "a70");
	for (uint16_t dev = 0x20; dev <= 0x60; dev += 0x20) {
		assert_int_equal(lookup_comment(t, f->now, dev, &c), 1);
		assert_int_equal(strtoul(c + 1, NULL, 16), dev);
	}
	free(a);
	free(b);
	free(a2);
	bb_tables_free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_install_minimal_and_lookup, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_bad_signature_and_wrong_key, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_untrusted_keys, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_key_outside_scope, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_expired, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_rollback_survives_restart, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_loader_reverifies, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_lockdown_rule, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_most_specific_entry, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_cli_functions, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_trust_store_syntax, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_index_merge, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_multi_vendor_scope, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
