/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Lookup: a binary search on (vendor, device) in the sorted index, then the entry's
 * optional conditions, the table's drivers, its freshness and whether it counts under
 * the lockdown posture. The most specific admitting entry wins; when none admits,
 * the reason says what stood in the way.
 */
#include <errno.h>
#include <string.h>

#include "tb-internal.h"

static bool entry_matches(const struct bb_table_entry *e, const struct bb_device_query *q)
{
	if (e->has_subsys && (e->subvendor != q->subvendor || e->subdevice != q->subdevice))
		return false;
	if (e->has_class && (q->class_code & e->class_mask) != e->class_code)
		return false;
	if (e->has_rev && (q->revision < e->rev_lo || q->revision > e->rev_hi))
		return false;
	return true;
}

static int specificity(const struct bb_table_entry *e)
{
	return (e->has_subsys ? 4 : 0) + (e->has_class ? 2 : 0) + (e->has_rev ? 1 : 0);
}

static size_t lower_bound(const struct bb_tables *t, uint32_t id)
{
	size_t lo = 0, hi = t->n_index;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (t->index[mid].id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

int bb_tables_lookup(const struct bb_tables *t, const struct bb_device_query *q,
                     struct bb_table_match *ret, struct bb_reason *why)
{
	uint32_t id = (uint32_t)q->vendor << 16 | q->device;
	const struct tb_index_item *best = NULL;
	struct bb_reason obstacle = {0};
	bool wrong_driver = false;

	for (size_t i = lower_bound(t, id); i < t->n_index && t->index[i].id == id; i++) {
		const struct tb_loaded *l = &t->loaded[t->index[i].table];
		const struct bb_table_entry *e = &l->table->entries[t->index[i].entry];
		struct bb_reason r = {0};

		if (!entry_matches(e, q))
			continue;
		if (q->driver && !bb_table_has_driver(l->table, q->driver)) {
			wrong_driver = true;
			continue;
		}
		if (!bb_table_counts(l->is_signed, q->posture, q->allow_unsigned, &r)) {
			obstacle = r;
			continue;
		}
		if (tb_check_expiry(l->table, q->now, &r) < 0) {
			/* An expired table stops admitting: that is the freeze defence. */
			obstacle = r;
			continue;
		}
		if (!best || specificity(e) >
		                 specificity(&t->loaded[best->table].table->entries[best->entry]))
			best = &t->index[i];
	}
	if (best) {
		const struct tb_loaded *l = &t->loaded[best->table];
		ret->entry = &l->table->entries[best->entry];
		bb_tables_info(t, best->table, q->now, &ret->table);
		return 1;
	}
	if (obstacle.check != BB_CHECK_NONE) {
		if (why)
			*why = obstacle;
		return 0;
	}
	if (wrong_driver)
		tb_fail(
		    why, BB_CHECK_NO_MATCH, -ENOENT,
		    "no table admits %04x:%04x for driver %s (tables name it for other drivers)",
		    q->vendor, q->device, q->driver);
	else
		tb_fail(why, BB_CHECK_NO_MATCH, -ENOENT, "no table entry matches %04x:%04x",
		        q->vendor, q->device);
	return 0;
}
