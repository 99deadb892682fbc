/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Decisions per second of the policy evaluator: 10,000 rules that do not match (the worst
 * case for first-match-wins) in front of the default policy, decided over the devices of
 * the GPU server. Usage: policy-bench [RULES [ROUNDS [ids|address]]]
 * "ids" rules name vendor and device ids (pre-filtered by id); "address" rules name
 * device addresses and are walked condition by condition.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bb-policy.h"
#include "policy-test-util.h"

static const char default_rules[] = "deny bridge\n"
                                    "deny class 0x06\n"
                                    "deny not endpoint\n"
                                    "deny boot-vga\n"
                                    "deny backs-mount\n"
                                    "deny carries-default-route\n"
                                    "allow driver *_vfio_pci if signed-table\n"
                                    "deny driver *_vfio_pci\n"
                                    "allow driver vfio-pci class 0x03 group bindbroker-admin\n"
                                    "allow driver vfio-pci class 0x02 group bindbroker-admin\n"
                                    "allow driver vfio-pci class 0x12 group bindbroker-admin\n";

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	static const int devices[] = {DEV_GPU0,        DEV_GPU7,    DEV_NVME, DEV_NIC_ROUTE,
	                              DEV_NIC_SPARE,   DEV_BMC_VGA, DEV_CX6,  DEV_ACCEL,
	                              DEV_HOST_BRIDGE, DEV_RCEC};
	unsigned n_rules = argc > 1 ? (unsigned)strtoul(argv[1], NULL, 10) : 10000;
	unsigned rounds = argc > 2 ? (unsigned)strtoul(argv[2], NULL, 10) : 20;
	bool by_address = argc > 3 && strcmp(argv[3], "address") == 0;
	size_t cap = (size_t)n_rules * 96 + sizeof(default_rules), len = 0;
	char *text = malloc(cap);
	struct bb_policy *p = NULL;
	struct bb_policy_error err = {};
	struct bb_policy_decision *d = malloc(sizeof(*d));
	unsigned long decisions = 0, allowed = 0;
	double t0, t1, t2;

	if (!text || !d)
		return 1;
	for (unsigned i = 0; i < n_rules; i++)
		if (by_address)
			len += (size_t)snprintf(text + len, cap - len,
			                        "allow driver vfio-pci address 0001:%02x:%02x.%x "
			                        "group bindbroker-admin\n",
			                        (i >> 8) & 0xff, (i >> 3) & 0x1f, i & 7);
		else
			len += (size_t)snprintf(
			    text + len, cap - len,
			    "allow driver vfio-pci vendor 0x%04x device 0x%04x group "
			    "bindbroker-admin\n",
			    0x2000 + (i >> 16), i & 0xffff);
	memcpy(text + len, default_rules, sizeof(default_rules) - 1);
	len += sizeof(default_rules) - 1;

	t0 = now();
	if (bb_policy_parse_string("bench.rules", text, len, &p, &err) < 0) {
		fprintf(stderr, "%s\n", err.text);
		return 1;
	}
	t1 = now();
	for (unsigned r = 0; r < rounds; r++)
		for (size_t i = 0; i < sizeof(devices) / sizeof(devices[0]); i++) {
			struct bb_policy_facts f = gpu_server_facts(devices[i], "vfio-pci");
			f.group_bind = true;
			if (bb_policy_evaluate(p, &f, d) < 0)
				return 1;
			decisions++;
			allowed += d->verdict == BB_POLICY_ALLOW;
		}
	t2 = now();

	printf("rules: %zu (%s)\n", bb_policy_rule_count(p), by_address ? "address" : "ids");
	printf("parse: %.1f ms (%.0f rules/s)\n", (t1 - t0) * 1e3,
	       (double)bb_policy_rule_count(p) / (t1 - t0));
	printf("decisions: %lu (%lu allowed) in %.1f ms: %.0f decisions/s\n", decisions, allowed,
	       (t2 - t1) * 1e3, (double)decisions / (t2 - t1));
	bb_policy_unref(p);
	free(d);
	free(text);
	return 0;
}
