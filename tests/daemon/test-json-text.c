/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * json-text.c writes Check's reply as text: it must be the bytes json-c prints
 * for the same tree with the wire's flags. Each case builds both and compares
 * them: every byte value in a string, devices with and without each optional
 * fact, and decisions with and without a policy explanation.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "daemon.h"
#include "decide.h"
#include "json-text.h"

#define FLAGS (JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE)

/* Compares T's text with json-c's printing of O (taken), and empties T. */
static void assert_same(JsonText *t, struct json_object *o)
{
	const char *want = json_object_to_json_string_ext(o, FLAGS);

	assert_false(t->oom);
	assert_non_null(t->buf);
	assert_string_equal(t->buf, want);
	assert_int_equal(t->len, strlen(want));
	json_object_put(o);
	json_text_done(t);
}

static void every_byte_in_a_string(void **state)
{
	char s[8];
	(void)state;

	for (int c = 1; c < 256; c++) {
		JsonText t = {0};

		snprintf(s, sizeof(s), "a%cb%c", c, c);
		json_text_string(&t, s);
		assert_same(&t, json_object_new_string(s));
	}
	/* Long strings go eight bytes at a time: the byte at every offset of two words. */
	for (int c = 1; c < 256; c++)
		for (size_t at = 0; at < 20; at++) {
			char l[21];
			JsonText t = {0};

			memset(l, 'x', 20);
			l[20] = '\0';
			l[at] = (char)c;
			json_text_string(&t, l);
			assert_same(&t, json_object_new_string(l));
		}
}

static void strings_and_scalars(void **state)
{
	static const char *const cases[] = {
	    "", "plain", "/usr/lib/x", "quote \" and \\ back", "tab\tnl\ncr\rff\fbs\b",
	    "\x01\x1f\x7f", "caf\xc3\xa9 \xe2\x82\xac", "\xff\xfe not UTF-8",
	};
	(void)state;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		JsonText t = {0};

		json_text_string(&t, cases[i]);
		assert_same(&t, json_object_new_string(cases[i]));
	}
	{
		JsonText t = {0};
		struct json_object *a = json_object_new_array();

		json_text_lit(&t, "[");
		json_text_bool(&t, true);
		json_text_lit(&t, ",");
		json_text_bool(&t, false);
		json_text_lit(&t, ",");
		json_text_int(&t, -2147483648LL);
		json_text_lit(&t, ",");
		json_text_int(&t, 0);
		json_text_lit(&t, ",");
		json_text_string_or_null(&t, "");
		json_text_lit(&t, ",");
		json_text_string_or_null(&t, NULL);
		json_text_lit(&t, ",");
		json_text_object(&t, NULL);
		json_text_lit(&t, "]");
		json_object_array_add(a, json_object_new_boolean(1));
		json_object_array_add(a, json_object_new_boolean(0));
		json_object_array_add(a, json_object_new_int(-2147483647 - 1));
		json_object_array_add(a, json_object_new_int(0));
		json_object_array_add(a, NULL);
		json_object_array_add(a, NULL);
		json_object_array_add(a, NULL);
		assert_same(&t, a);
	}
}

/* A tree of every kind of value, printed by the walk and by json-c. */
static void trees(void **state)
{
	struct json_object *o = json_object_new_object(), *a = json_object_new_array();
	struct json_object *inner = json_object_new_object();
	JsonText t = {0};
	(void)state;

	json_object_object_add(inner, "line", json_object_new_int64(12));
	json_object_object_add(inner, "big", json_object_new_int64(-9007199254740993LL));
	json_object_object_add(inner, "u", json_object_new_uint64(18446744073709551615ULL));
	json_object_object_add(inner, "d", json_object_new_double(0.5));
	json_object_object_add(inner, "empty", json_object_new_object());
	json_object_array_add(a, json_object_new_string_len("nul\0inside", 10));
	json_object_array_add(a, NULL);
	json_object_array_add(a, json_object_new_boolean(1));
	json_object_array_add(a, json_object_new_array());
	json_object_array_add(a, inner);
	json_object_object_add(o, "k\"ey/\x01", a);
	json_object_object_add(o, "null", NULL);
	json_object_object_add(o, "s", json_object_new_string("caf\xc3\xa9"));
	json_text_object(&t, o);
	assert_same(&t, o);

	json_text_object(&t, NULL);
	assert_string_equal(t.buf, "null");
	json_text_done(&t);
}

static void fill_device(struct bb_device *dev, int variant)
{
	memset(dev, 0, sizeof(*dev));
	strcpy(dev->address.s, "0000:03:00.0");
	dev->vendor = variant ? 0x10de : 0x1;
	dev->device = 0x2330;
	dev->subsystem_vendor = 0xffff;
	dev->subsystem_device = 0;
	dev->class_code = variant ? 0x030200 : 0x000001;
	dev->revision = variant ? 0xa1 : 0x0f;
	strcpy(dev->modalias, "pci:v000010DEd00002330sv000010DEsd000016C1bc03sc02i00");
	dev->boot_vga = variant == 0 ? -1 : variant == 1 ? 0 : 1;
	dev->iommu_group = variant == 0 ? -1 : 5 * variant;
	if (variant >= 1) {
		strcpy(dev->driver, "nvidia");
		strcpy(dev->driver_override, "vfio-pci");
	}
	dev->override_unusual = variant == 3;
	if (variant >= 2) {
		dev->n_group = 3;
		strcpy(dev->group[0].address.s, "0000:03:00.0");
		strcpy(dev->group[0].driver, "nvidia");
		dev->group[0].class_code = 0x030200;
		strcpy(dev->group[1].address.s, "0000:03:00.1");
		dev->group[1].class_code = 0x040300;
		strcpy(dev->group[2].address.s, "0000:00:01.0");
		strcpy(dev->group[2].driver, "pcieport");
		dev->group[2].class_code = 0x060400;
		dev->group[2].bridge = true;
		dev->n_net = 2;
		strcpy(dev->net[0].name, "eth0");
		dev->net[0].default_route = true;
		strcpy(dev->net[1].name, "we\"ird\\name");
		dev->n_block = 1;
		strcpy(dev->block[0].name, "nvme0n1");
		dev->block[0].mounted = true;
		dev->block[0].swap = variant == 3;
	}
}

static void device_facts(void **state)
{
	struct bb_device *dev = malloc(sizeof(*dev));
	(void)state;

	assert_non_null(dev);
	for (int variant = 0; variant < 4; variant++) {
		JsonText t = {0};

		fill_device(dev, variant);
		device_to_json_text(&t, dev);
		assert_same(&t, device_to_json(dev));
	}
	free(dev);
}

static void decisions(void **state)
{
	struct bb_policy_decision pd = {.verdict = BB_POLICY_DENY,
	                                .source = BB_POLICY_SOURCE_BUILTIN,
	                                .n_facts = 2};
	struct bb_decision d = {.allowed = false};
	JsonText t = {0};
	(void)state;

	strcpy(d.rule, "iommu-group-viability");
	strcpy(d.reason, "0000:03:00.0: \"group\" not viable\n(iommu_group=5)");
	decision_to_json_text(&t, &d); /* no policy explanation (a daemon rule) */
	assert_same(&t, decision_to_json(&d));

	strcpy(pd.reason, "IOMMU group 5 is not viable");
	strcpy(pd.builtin, "iommu-group-viability");
	strcpy(pd.device, "0000:03:00.0");
	strcpy(pd.driver, "vfio-pci");
	strcpy(pd.facts[0].name, "iommu_group");
	strcpy(pd.facts[0].value, "5");
	strcpy(pd.facts[1].name, "group_member");
	strcpy(pd.facts[1].value, "0000:03:00.1 driver snd_hda_intel");
	d.policy = bb_policy_decision_to_json(&pd);
	assert_non_null(d.policy);
	decision_to_json_text(&t, &d);
	assert_same(&t, decision_to_json(&d));
	json_object_put(d.policy);

	/* As decide() leaves it: its text printed once and kept with the object. */
	{
		struct bb_decide_input in = {.action = BB_ACTION_BIND, .driver = "vfio-pci"};
		struct bb_device *dev = malloc(sizeof(*dev));
		struct json_object *members = json_object_new_array(), *m;
		struct bb_decision kept;
		char *before;

		assert_non_null(dev);
		fill_device(dev, 2);
		in.device = dev;
		assert_int_equal(decide(&in, &kept), 0);
		assert_non_null(kept.policy);
		assert_non_null(json_object_get_userdata(kept.policy));
		m = decision_to_json(&kept);
		json_object_object_add(m, "device", json_object_new_string(dev->address.s));
		json_object_array_add(members, m);
		/* json-c's print of the same tree without the kept text */
		before = strdup(json_object_get_userdata(kept.policy));
		json_text_object(&t, members);
		assert_non_null(strstr(t.buf, before));
		json_text_done(&t);
		json_text_object(&t, kept.policy);
		json_object_set_serializer(kept.policy, NULL, NULL, NULL); /* json-c's own again */
		assert_same(&t, json_object_get(kept.policy));
		json_text_object(&t, members);
		assert_same(&t, members);
		free(before);
		decision_done(&kept);
		free(dev);
	}

	d.allowed = true;
	pd.verdict = BB_POLICY_ALLOW;
	pd.source = BB_POLICY_SOURCE_RULE;
	strcpy(pd.file, "/etc/bindbroker/policy.d/60-site.rules");
	pd.line = 12;
	strcpy(pd.rule_text, "allow class 0x0302* to vfio-pci if user in \"kvm\"");
	d.policy = bb_policy_decision_to_json(&pd);
	decision_to_json_text(&t, &d);
	assert_same(&t, decision_to_json(&d));
	json_object_put(d.policy);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(every_byte_in_a_string),
	    cmocka_unit_test(strings_and_scalars),
	    cmocka_unit_test(trees),
	    cmocka_unit_test(device_facts),
	    cmocka_unit_test(decisions),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
