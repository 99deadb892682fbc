/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <fcntl.h>
#include <fnmatch.h>
#include <libkmod.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "bb-fileio.h"
#include "bb-log.h"
#include "bb-macro.h"
#include "bb-modules.h"
#include "vfio-alias.h"

struct bb_modules {
	struct kmod_ctx *ctx;
	int dir_fd;
	char *alias_text; /* modules.alias, read on first use */
	int alias_error;  /* why it could not be read, once tried */
};

static void kmod_log_to_bb(void *data, int priority, const char *file, int line, const char *fn,
                           const char *format, va_list args) _printf_(6, 0);
static void kmod_log_to_bb(void *data, int priority, const char *file, int line, const char *fn,
                           const char *format, va_list args)
{
	char msg[512];

	(void)data;
	(void)fn;
	vsnprintf(msg, sizeof(msg), format, args);
	bb_log_internal(priority, 0, file, line, "libkmod: %s", msg);
}

int bb_modules_new(const char *modules_dir, bb_modules **ret)
{
	_cleanup_free_ bb_modules *m = NULL;
	char def[512];
	struct utsname u;

	if (!modules_dir) {
		if (uname(&u) < 0)
			return negative_errno();
		snprintf(def, sizeof(def), "/lib/modules/%s", u.release);
		modules_dir = def;
	}
	m = calloc(1, sizeof(*m));
	if (!m)
		return -ENOMEM;
	m->dir_fd = open(modules_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (m->dir_fd < 0)
		return log_error_errno(errno, "Cannot open modules dir %s: %m", modules_dir);
	m->ctx = kmod_new(modules_dir, NULL);
	if (!m->ctx) {
		close(m->dir_fd);
		return log_error_errno(ENOMEM, "Cannot create a libkmod context for %s",
		                       modules_dir);
	}
	kmod_set_log_fn(m->ctx, kmod_log_to_bb, NULL);
	*ret = TAKE_PTR(m);
	return 0;
}

bb_modules *bb_modules_free(bb_modules *m)
{
	if (!m)
		return NULL;
	kmod_unref(m->ctx);
	close(m->dir_fd);
	free(m->alias_text);
	free(m);
	return NULL;
}

/* Module names use underscores; driver names may use dashes (vfio-pci). */
static int normalize_module_name(const char *name, char *buf, size_t size)
{
	size_t n = strlen(name);

	if (n >= size || n >= BB_MODULE_NAME_MAX)
		return -ENAMETOOLONG;
	for (size_t i = 0; i <= n; i++)
		buf[i] = name[i] == '-' ? '_' : name[i];
	return 0;
}

int bb_modules_driver_module(bb_modules *m, const char *driver, char *buf, size_t size)
{
	struct kmod_list *list = NULL, *it;
	int r;

	if (!bb_valid_driver_name(driver))
		return -EINVAL;
	if (m) {
		/* A driver name is usually its module's name; libkmod normalizes dashes. */
		r = kmod_module_new_from_lookup(m->ctx, driver, &list);
		if (r >= 0 && list) {
			it = list;
			struct kmod_module *mod = kmod_module_get_module(it);
			const char *name = kmod_module_get_name(mod);
			r = bb_valid_driver_name(name) ? normalize_module_name(name, buf, size)
			                               : -EBADMSG;
			kmod_module_unref(mod);
			kmod_module_unref_list(list);
			return r;
		}
		kmod_module_unref_list(list);
	}
	return normalize_module_name(driver, buf, size);
}

/* Simsys test seam: `load-module MOD` on .simsys/control stands for init_module. */
static int simsys_load_module(bb_sysfs *s, const char *module)
{
	char cmd[BB_MODULE_NAME_MAX + 16];
	int r;

	snprintf(cmd, sizeof(cmd), "load-module %s", module);
	r = bb_sysfs_write(s, ".simsys/control", cmd);
	/* simsys answers EINVAL for a module it does not know: the module is missing. */
	return r == -EINVAL ? -ENOENT : r;
}

static int kmod_load_module(bb_modules *m, const char *module)
{
	struct kmod_module *mod = NULL;
	int r;

	r = kmod_module_new_from_name(m->ctx, module, &mod);
	if (r < 0)
		return r;
	if (!kmod_module_get_path(mod)) {
		kmod_module_unref(mod);
		return -ENOENT;
	}
	r = kmod_module_probe_insert_module(mod, KMOD_PROBE_APPLY_BLACKLIST, NULL, NULL, NULL,
	                                    NULL);
	kmod_module_unref(mod);
	if (r > 0) /* blacklisted */
		return -EPERM;
	return r;
}

int bb_modules_ensure_driver(bb_sysfs *s, bb_modules *m, const char *driver)
{
	char module[BB_MODULE_NAME_MAX];
	int r;

	if (!bb_valid_driver_name(driver))
		return -EINVAL;
	if (bb_sysfs_driver_present(s, driver))
		return 0;
	r = bb_modules_driver_module(m, driver, module, sizeof(module));
	if (r < 0)
		return r;
	if (bb_sysfs_is_simsys(s))
		r = simsys_load_module(s, module);
	else if (m)
		r = kmod_load_module(m, module);
	else
		r = -ENOENT;
	if (r < 0)
		return log_error_errno(r, "Cannot load module %s for driver %s: %m", module,
		                       driver);
	if (!bb_sysfs_driver_present(s, driver))
		return log_error_errno(ENOENT, "Module %s is loaded but registers no driver %s",
		                       module, driver);
	return 0;
}

static int load_alias_text(bb_modules *m)
{
	if (m->alias_text || m->alias_error)
		return m->alias_error;
	m->alias_error =
	    bb_read_file_at(m->dir_fd, "modules.alias", BB_MODULES_ALIAS_MAX, &m->alias_text, NULL);
	if (m->alias_error < 0)
		log_debug_errno(m->alias_error, "Cannot read modules.alias: %m");
	return m->alias_error;
}

/* Fewest wildcards among MOD's own `vfio_pci:` aliases matching KEY (from its modinfo). */
static unsigned modinfo_specificity(struct kmod_module *mod, const char *key)
{
	struct kmod_list *info = NULL, *it;
	unsigned best = ~0u;

	if (kmod_module_get_info(mod, &info) < 0)
		return best;
	kmod_list_foreach(it, info)
	{
		const char *k = kmod_module_info_get_key(it), *v = kmod_module_info_get_value(it);

		if (k && v && streq(k, "alias") && strncmp(v, "vfio_pci:", 9) == 0 &&
		    fnmatch(v, key, 0) == 0 && bb_vfio_alias_wildcards(v) < best)
			best = bb_vfio_alias_wildcards(v);
	}
	kmod_module_info_free_list(info);
	return best;
}

/*
 * Without modules.alias text, asks libkmod's index which modules match, and
 * ranks them by their own aliases (modinfo, when the .ko files are there);
 * plain vfio_pci ranks last, then names decide.
 */
static int best_from_kmod(bb_modules *m, const char *key, char *module, size_t size)
{
	struct kmod_list *list = NULL, *it;
	unsigned best = ~0u;
	bool best_generic = true;
	int r;

	r = kmod_module_new_from_lookup(m->ctx, key, &list);
	if (r < 0)
		return r;
	r = -ENOENT;
	kmod_list_foreach(it, list)
	{
		struct kmod_module *mod = kmod_module_get_module(it);
		const char *name = kmod_module_get_name(mod);
		bool generic = name && streq(name, "vfio_pci");
		unsigned w;

		if (!name || !bb_valid_driver_name(name) || strlen(name) >= size) {
			kmod_module_unref(mod);
			continue;
		}
		w = modinfo_specificity(mod, key);
		if (r < 0 || (best_generic && !generic) ||
		    (generic == best_generic &&
		     (w < best || (w == best && strcmp(name, module) < 0)))) {
			strcpy(module, name);
			best = w;
			best_generic = generic;
			r = 0;
		}
		kmod_module_unref(mod);
	}
	kmod_module_unref_list(list);
	return r;
}

int bb_modules_best_vfio_driver(bb_modules *m, const char *modalias, char *buf, size_t size)
{
	char key[256], module[BB_MODULE_NAME_MAX] = "";
	int r = -ENOENT;

	if (strncmp(modalias, "pci:", 4) != 0 || strlen(modalias) > 200)
		return -EINVAL;
	snprintf(key, sizeof(key), "vfio_pci:%s", modalias + 4);

	if (m) {
		if (load_alias_text(m) == 0)
			r = bb_vfio_alias_best(m->alias_text, key, module, sizeof(module));
		else
			r = best_from_kmod(m, key, module, sizeof(module));
	}
	if (r < 0 || streq(module, "vfio_pci"))
		strcpy(module, "vfio-pci");
	if (strlen(module) >= size)
		return -ENAMETOOLONG;
	strcpy(buf, module);
	return 0;
}
