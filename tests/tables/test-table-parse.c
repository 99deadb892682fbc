/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The table parser: the minimal table is accepted; each malformation is refused
 * with a reason that names it. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "bb-tables.h"

#define HEADER                                                                                     \
	"format: bindbroker-table 1\n"                                                             \
	"name: mlx5-vfio\n"                                                                        \
	"vendor: 15b3\n"                                                                           \
	"driver: mlx5_vfio_pci\n"                                                                  \
	"serial: 7\n"                                                                              \
	"issued: 2026-11-01T00:00:00Z\n"                                                           \
	"expires: 2027-11-01T00:00:00Z\n"

static const char minimal[] = HEADER "\n"
                                     "15b3:101e                     # one device id\n"
                                     "15b3:101d subsys 15b3:0001    # with subsystem ids\n";

static int parse(const char *text, size_t len, struct bb_table **t, struct bb_reason *why)
{
	memset(why, 0, sizeof(*why));
	return bb_table_parse(text, len, "t.table", t, why);
}

/* Asserts TEXT is refused with ERR and a reason containing NEEDLE. */
static void refused(const char *text, size_t len, int err, const char *needle)
{
	struct bb_table *t = NULL;
	struct bb_reason why;
	int r = parse(text, len, &t, &why);

	if (r != err || !strstr(why.msg, needle))
		fail_msg("want %d '%s', got %d '%s' for:\n%.*s", err, needle, r, why.msg,
		         (int)(len > 400 ? 400 : len), text);
	assert_null(t);
	assert_int_equal(why.check, BB_CHECK_SYNTAX);
}

static void refused_str(const char *text, int err, const char *needle)
{
	refused(text, strlen(text), err, needle);
}

static void test_minimal_accepted(void **state)
{
	struct bb_table *t = NULL;
	struct bb_reason why;
	int64_t when;

	(void)state;
	assert_int_equal(parse(minimal, strlen(minimal), &t, &why), 0);
	assert_int_equal(t->format, 1);
	assert_string_equal(t->name, "mlx5-vfio");
	assert_int_equal(t->vendor, 0x15b3);
	assert_int_equal(t->n_drivers, 1);
	assert_string_equal(t->drivers[0], "mlx5_vfio_pci");
	assert_int_equal(t->serial, 7);
	assert_int_equal(bb_time_parse("2026-11-01T00:00:00Z", &when), 0);
	assert_int_equal(t->issued, when);
	assert_int_equal(t->expires, 1825027200); /* 2027-11-01T00:00:00Z */
	assert_int_equal(t->n_entries, 2);
	assert_int_equal(t->entries[0].device, 0x101e);
	assert_false(t->entries[0].has_subsys);
	assert_string_equal(t->entries[0].comment, "one device id");
	assert_int_equal(t->entries[0].line, 9);
	assert_int_equal(t->entries[1].device, 0x101d);
	assert_true(t->entries[1].has_subsys);
	assert_int_equal(t->entries[1].subvendor, 0x15b3);
	assert_int_equal(t->entries[1].subdevice, 0x0001);
	assert_string_equal(t->entries[1].comment, "with subsystem ids");
	bb_table_free(t);
}

static void test_all_options_accepted(void **state)
{
	static const char text[] =
	    "format: bindbroker-table 1\n"
	    "name: nv.gpu_2\n"
	    "vendor: 10de\n"
	    "expires: 2027-01-01T00:00:00Z\n"
	    "driver: nvgrace_gpu_vfio_pci\n"
	    "driver: vfio-pci\n"
	    "issued: 2026-01-01T00:00:00Z\n"
	    "serial: 9223372036854775807\n"
	    "\n"
	    "# a comment line\n"
	    "10de:2342 subsys 10de:16eb class 030200/ffff00 rev 00-a1 # GH200\n"
	    "\n"
	    "10de:2343 class 030000/ff0000\n"
	    "10de:2344 rev 05-05\n";
	struct bb_table *t = NULL;
	struct bb_reason why;

	(void)state;
	assert_int_equal(parse(text, strlen(text), &t, &why), 0);
	assert_int_equal(t->n_drivers, 2);
	assert_int_equal(t->serial, INT64_MAX);
	assert_int_equal(t->n_entries, 3);
	assert_true(t->entries[0].has_class);
	assert_int_equal(t->entries[0].class_code, 0x030200);
	assert_int_equal(t->entries[0].class_mask, 0xffff00);
	assert_int_equal(t->entries[0].rev_hi, 0xa1);
	assert_string_equal(t->entries[1].comment, "");
	assert_true(bb_table_has_driver(t, "vfio-pci"));
	assert_false(bb_table_has_driver(t, "vfio_pci"));
	bb_table_free(t);
}

static void test_truncated(void **state)
{
	(void)state;
	/* Cut inside the last entry: no final newline. */
	refused(minimal, strlen(minimal) - 5, -EBADMSG, "truncated");
	/* Cut inside the header. */
	refused(minimal, 60, -EBADMSG, "truncated");
	/* Cut right after the header lines: no blank line, no entries. */
	refused_str(HEADER, -EBADMSG, "truncated");
	refused_str(HEADER "\n", -EBADMSG, "no entries");
	refused_str("", -EBADMSG, "empty");
}

static void test_trailing_garbage(void **state)
{
	(void)state;
	refused_str(HEADER "\n15b3:101e garbage\n", -EBADMSG, "trailing garbage 'garbage'");
	refused_str(HEADER "\n15b3:101e\nthis is not an entry\n", -EBADMSG,
	            "t.table:10:1: expected an entry");
	refused_str(HEADER "\n15b3:101e \n", -EBADMSG, "trailing whitespace");
	refused_str(HEADER "\n15b3:101e subsys 15b3:0001 x\n", -EBADMSG, "trailing garbage 'x'");
	refused_str("format: bindbroker-table 1 \n", -EBADMSG, "trailing whitespace");
}

static void test_duplicate_headers(void **state)
{
	(void)state;
	refused_str(HEADER "serial: 8\n\n15b3:101e\n", -EBADMSG,
	            "t.table:8:1: duplicate header key 'serial' (first on line 5)");
	refused_str(HEADER "name: other\n\n15b3:101e\n", -EBADMSG, "duplicate header key 'name'");
	refused_str(HEADER "driver: mlx5_vfio_pci\n\n15b3:101e\n", -EBADMSG,
	            "duplicate driver 'mlx5_vfio_pci'");
	refused_str(HEADER "\n15b3:101e\n15b3:101e # again\n", -EBADMSG,
	            "t.table:10:1: duplicate entry (same as line 9)");
}

static void test_entries_before_header(void **state)
{
	(void)state;
	refused_str("15b3:101e\n" HEADER "\n15b3:101d\n", -EBADMSG,
	            "t.table:1:1: entry before the header ends");
	refused_str("format: bindbroker-table 1\n15b3:101e\nname: x\n", -EBADMSG,
	            "t.table:2:1: entry before the header ends");
	refused_str("\n" HEADER "\n15b3:101e\n", -EBADMSG, "starts with a blank line");
	refused_str("name: mlx5-vfio\nformat: bindbroker-table 1\n", -EBADMSG,
	            "first line must be 'format: bindbroker-table 1'");
	refused_str("format: bindbroker-table 1\nname: x\n\n15b3:101e\n", -EBADMSG,
	            "header ends without 'vendor'");
}

static void test_non_canonical_hex(void **state)
{
	(void)state;
	refused_str(HEADER "\n15B3:101e\n", -EBADMSG, "t.table:9:1: non-canonical hex '15B3'");
	refused_str(HEADER "\n15b3:101E\n", -EBADMSG, "t.table:9:6: non-canonical hex '101E'");
	refused_str(HEADER "\n15b3:101\n", -EBADMSG, "non-canonical id '15b3:101'");
	refused_str(HEADER "\n15b3:0101e\n", -EBADMSG, "non-canonical id");
	refused_str(HEADER "\n0x15b3:101e\n", -EBADMSG, "non-canonical id");
	refused_str(HEADER "\n15b3:101e subsys 15B3:0001\n", -EBADMSG,
	            "non-canonical hex '15B3' for subsystem vendor id");
	refused_str(HEADER "\n15b3:101e class 02000/ffff00\n", -EBADMSG, "class wants");
	refused_str(HEADER "\n15b3:101e rev 0-1\n", -EBADMSG, "rev wants");
	refused_str(HEADER "\n15b3:101e rev 0A-10\n", -EBADMSG, "non-canonical hex '0A'");
	refused_str("format: bindbroker-table 1\nname: a\nvendor: 15B3\n", -EBADMSG,
	            "t.table:3:9: non-canonical hex '15B3' for vendor id");
	refused_str("format: bindbroker-table 01\n", -EBADMSG, "not a canonical number");
	refused_str("format: bindbroker-table 1\nname: a\nvendor: 15b3\nserial: 07\n", -EBADMSG,
	            "serial must be");
}

static void test_crlf_and_bytes(void **state)
{
	static const char nul[] = "format: bindbroker-table 1\nname: a\0b\n";
	(void)state;
	refused_str("format: bindbroker-table 1\r\nname: a\r\n", -EBADMSG,
	            "t.table:1:27: carriage return in table (CRLF");
	refused_str(HEADER "\n15b3:101e\r\n", -EBADMSG, "t.table:9:10: carriage return");
	refused_str(HEADER "\r\n15b3:101e\n", -EBADMSG, "carriage return");
	refused(nul, sizeof(nul) - 1, -EBADMSG, "t.table:2:8: NUL byte");
	refused_str(HEADER "\n15b3:101e # \x1b[31mred\n", -EBADMSG, "control character");
	refused_str(HEADER "\n15b3:101e # \xc0\xaf\n", -EBADMSG, "invalid UTF-8");
	refused_str(HEADER "\n15b3:101e\t# tab separated\n", -EBADMSG,
	            "t.table:9:10: expected a space");
	refused_str("\xef\xbb\xbf"
	            "format: bindbroker-table 1\n",
	            -EBADMSG, "");
}

static void test_oversized(void **state)
{
	size_t big = BB_TABLE_MAX_SIZE + 1;
	char *text = malloc(big);
	char *line = calloc(1, 4096);

	(void)state;
	assert_non_null(text);
	memset(text, '#', big);
	refused(text, big, -EFBIG, "oversized table");
	free(text);

	assert_non_null(line);
	strcpy(line, HEADER "\n15b3:101e # ");
	size_t l = strlen(line);
	memset(line + l, 'x', BB_TABLE_MAX_LINE + 100);
	line[l + BB_TABLE_MAX_LINE + 100] = '\n';
	refused_str(line, -EBADMSG, "t.table:9:1025: line longer than 1024 bytes");
	free(line);
}

static void test_unknown_format_version(void **state)
{
	(void)state;
	refused_str("format: bindbroker-table 2\nname: a\n", -EPROTONOSUPPORT,
	            "unknown format version 2");
	refused_str("format: other-table 1\n", -EBADMSG, "format must be");
}

static void test_unknown_header_key(void **state)
{
	(void)state;
	refused_str("format: bindbroker-table 1\nname: a\nowner: me\n", -EBADMSG,
	            "t.table:3:1: unknown header key 'owner' in format 1");
	refused_str("format: bindbroker-table 1\nName: a\n", -EBADMSG, "lowercase");
	refused_str("format: bindbroker-table 1\nname:a\n", -EBADMSG, "one space");
	refused_str("format: bindbroker-table 1\nname:  a\n", -EBADMSG, "one space");
}

static void test_semantic_checks(void **state)
{
	(void)state;
	refused_str(HEADER "\n10de:2342\n", -EBADMSG,
	            "entry vendor 10de is not the table vendor 15b3");
	refused_str(HEADER "\n15b3:101e rev 10-05\n", -EBADMSG, "revision range 10-05 is empty");
	refused_str(HEADER "\n15b3:101e class 020001/ffff00\n", -EBADMSG, "outside its mask");
	refused_str(HEADER "\n15b3:101e class 000000/000000\n", -EBADMSG, "matches anything");
	refused_str(HEADER "\n15b3:101e rev 00-01 subsys 15b3:0001\n", -EBADMSG, "out of order");
	refused_str(HEADER "\n15b3:101e subsys 15b3:0001 subsys 15b3:0002\n", -EBADMSG,
	            "repeated or out of order");
	refused_str(HEADER "\n15b3:101e subsys\n", -EBADMSG, "needs a value");
	refused_str("format: bindbroker-table 1\nname: a\nvendor: 15b3\ndriver: x\nserial: 1\n"
	            "issued: 2027-01-01T00:00:00Z\nexpires: 2026-01-01T00:00:00Z\n\n15b3:0001\n",
	            -EBADMSG, "expires (line 7) is not after issued (line 6)");
	refused_str("format: bindbroker-table 1\nname: a\nissued: 2026-02-30T00:00:00Z\n", -EBADMSG,
	            "issued must be a UTC time");
	refused_str("format: bindbroker-table 1\nname: a\nissued: 2026-01-01 00:00:00\n", -EBADMSG,
	            "issued must be a UTC time");
	refused_str("format: bindbroker-table 1\nname: ../etc\n", -EBADMSG, "name must be");
	refused_str("format: bindbroker-table 1\nname: a\ndriver: a/b\n", -EBADMSG,
	            "invalid driver name");
	refused_str("format: bindbroker-table 1\nname: a\nserial: 0\n", -EBADMSG, "serial must");
	refused_str("format: bindbroker-table 1\nname: a\nserial: 99999999999999999999\n", -EBADMSG,
	            "serial must");
}

/* One table may name several vendors (a vendor line each); entries carry one of them. */
static void test_multi_vendor(void **state)
{
	static const char head[] = "format: bindbroker-table 1\nname: fleet\n";
	static const char tail[] = "driver: vfio-pci\nserial: 1\nissued: 2026-11-01T00:00:00Z\n"
	                           "expires: 2027-11-01T00:00:00Z\n\n";
	struct bb_table *t = NULL;
	struct bb_reason why;
	char text[1024];

	(void)state;
	/* The same device id under two vendors is two devices, not a duplicate. */
	snprintf(text, sizeof(text),
	         "%svendor: 15b3\nvendor: 10de\n%s15b3:101e\n10de:2342\n10de:101e\n", head, tail);
	assert_int_equal(parse(text, strlen(text), &t, &why), 0);
	assert_int_equal(t->vendor, 0x15b3);
	assert_int_equal(t->n_vendors, 2);
	assert_int_equal(t->vendors[0], 0x15b3);
	assert_int_equal(t->vendors[1], 0x10de);
	assert_int_equal(t->n_entries, 3);
	assert_int_equal(t->entries[1].vendor, 0x10de);
	bb_table_free(t);
	snprintf(text, sizeof(text),
	         "%svendor: 15b3\nvendor: 10de\n%s10de:101e\n15b3:101e\n10de:101e\n", head, tail);
	refused_str(text, -EBADMSG, ":12:1: duplicate entry (same as line 10)");

	snprintf(text, sizeof(text), "%svendor: 15b3\nvendor: 10de\nvendor: 15b3\n%s15b3:101e\n",
	         head, tail);
	refused_str(text, -EBADMSG, ":5:9: duplicate vendor '15b3'");
	snprintf(text, sizeof(text), "%svendor: 15b3\nvendor: 10de\n%s8086:1533\n", head, tail);
	refused_str(text, -EBADMSG, "entry vendor 8086 is none of the table's 2 vendors");
	snprintf(text, sizeof(text), "%svendor: 15b3\n%s8086:1533\n", head, tail);
	refused_str(text, -EBADMSG, "entry vendor 8086 is not the table vendor 15b3");
}

static void test_time_roundtrip(void **state)
{
	char buf[32];
	int64_t t;

	(void)state;
	assert_int_equal(bb_time_parse("2024-02-29T23:59:59Z", &t), 0);
	bb_time_format(t, buf);
	assert_string_equal(buf, "2024-02-29T23:59:59Z");
	assert_int_equal(bb_time_parse("2023-02-29T00:00:00Z", &t), -EINVAL);
	assert_int_equal(bb_time_parse("2023-01-01T24:00:00Z", &t), -EINVAL);
	assert_int_equal(bb_time_parse("2023-01-01T00:00:00+00:00", &t), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_minimal_accepted),
	    cmocka_unit_test(test_all_options_accepted),
	    cmocka_unit_test(test_truncated),
	    cmocka_unit_test(test_trailing_garbage),
	    cmocka_unit_test(test_duplicate_headers),
	    cmocka_unit_test(test_entries_before_header),
	    cmocka_unit_test(test_non_canonical_hex),
	    cmocka_unit_test(test_crlf_and_bytes),
	    cmocka_unit_test(test_oversized),
	    cmocka_unit_test(test_unknown_format_version),
	    cmocka_unit_test(test_unknown_header_key),
	    cmocka_unit_test(test_semantic_checks),
	    cmocka_unit_test(test_time_roundtrip),
	    cmocka_unit_test(test_multi_vendor),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
