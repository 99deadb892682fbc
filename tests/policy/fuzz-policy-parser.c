/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Fuzz target: any bytes as a rules file. A parse either succeeds (then the policy is
 * evaluated against a few devices and the decisions rendered) or fails with an error
 * that names a line; it never crashes, leaks or reads out of bounds.
 */
#include <json-c/json.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bb-policy.h"
#include "policy-test-util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int covers_half(const char *driver, char *table, size_t tsize, void *userdata)
{
	(void)userdata;
	snprintf(table, tsize, "fuzz");
	return strlen(driver) % 2;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const int devices[] = {DEV_GPU0, DEV_NVME, DEV_NIC_ROUTE, DEV_BMC_VGA,
	                              DEV_CX6,  DEV_QAT,  DEV_RCEC};
	static const char *const drivers[] = {"vfio-pci", "mlx5_vfio_pci", "nouveau"};
	struct bb_policy *p = NULL;
	struct bb_policy_error err = {};
	struct bb_policy_decision *d;

	if (bb_policy_parse_string("fuzz.rules", (const char *)data, size, &p, &err) < 0) {
		/* every refusal says where and what */
		if (!err.message[0] || !strstr(err.text, "fuzz.rules"))
			abort();
		return 0;
	}
	d = malloc(sizeof(*d));
	if (!d)
		abort();
	for (size_t i = 0; i < sizeof(devices) / sizeof(devices[0]); i++)
		for (size_t j = 0; j < sizeof(drivers) / sizeof(drivers[0]); j++) {
			struct bb_policy_facts f = gpu_server_facts(devices[i], drivers[j]);
			char *text = NULL;
			f.group_bind = (i + j) % 2;
			f.lockdown = (enum bb_policy_lockdown)(i % 3);
			if (j == 1)
				f.table_lookup = covers_half;
			if (bb_policy_evaluate(p, &f, d) < 0)
				abort();
			if (bb_policy_decision_format(d, &text) < 0)
				abort();
			free(text);
			json_object_put(bb_policy_decision_to_json(d));
		}
	free(d);
	bb_policy_unref(p);
	return 0;
}
