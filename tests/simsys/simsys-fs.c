/* SPDX-License-Identifier: GPL-2.0-or-later */
/* 3.12 for fuse_loop_cfg_set_max_threads: every write blocked behind a held or slow probe
 * occupies a worker thread, and libfuse's default is 10. */
#define FUSE_USE_VERSION 312

#include <errno.h>
#include <fcntl.h>
#include <fuse.h>
#include <fuse_lowlevel.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "bb-macro.h"
#include "simsys-attrs.h"
#include "simsys-control.h"
#include "simsys-core.h"
#include "simsys-fs.h"
#include "simsys-tree.h"

static time_t mount_time;

static struct sim_machine *machine(void)
{
	return fuse_get_context()->private_data;
}

static void lock(struct sim_machine *m)
{
	pthread_mutex_lock(&m->lock);
}

static void unlock(struct sim_machine *m)
{
	pthread_mutex_unlock(&m->lock);
}

static bool session_exited(void *userdata)
{
	return fuse_session_exited(userdata);
}

static void *fs_init(struct fuse_conn_info *conn, struct fuse_config *cfg)
{
	struct sim_machine *m = machine();

	(void)conn;
	/* Nothing may be cached: the tree changes underneath on every bind/unbind. */
	cfg->entry_timeout = 0;
	cfg->attr_timeout = 0;
	cfg->negative_timeout = 0;
	cfg->direct_io = 1;
	cfg->kernel_cache = 0;
	cfg->use_ino = 0;
	lock(m);
	m->stop_check = session_exited;
	m->stop_userdata = fuse_get_session(fuse_get_context()->fuse);
	unlock(m);
	return m;
}

static void fs_destroy(void *private_data)
{
	struct sim_machine *m = private_data;

	lock(m);
	sim_machine_stop(m);
	unlock(m);
}

static int node_stat(struct sim_machine *m, const struct sim_node *n, struct stat *st)
{
	char target[1024];
	int r;

	memset(st, 0, sizeof(*st));
	st->st_uid = 0;
	st->st_gid = 0;
	st->st_blksize = 4096;
	st->st_atime = st->st_mtime = st->st_ctime = mount_time;
	switch (n->type) {
	case SIM_NODE_DIR:
		st->st_mode = S_IFDIR | n->perm;
		st->st_nlink = 2;
		break;
	case SIM_NODE_FILE:
		st->st_mode = S_IFREG | n->perm;
		st->st_nlink = 1;
		/* sysfs reports a page for every attribute; config is the 256-byte header. The
		 * .simsys files report their true size, so tail(1) finds the end of the log. */
		st->st_size = n->what == F_CONFIG ? 256 : 4096;
		if (n->what == F_LOG || n->what == F_ROUTE || n->what == F_MOUNTS ||
		    n->what == F_SWAPS || n->what == F_CONTROL) {
			_cleanup_free_ char *data = NULL;
			size_t len = 0;
			r = sim_attr_render(m, n, &data, &len);
			if (r < 0)
				return r;
			st->st_size = (off_t)len;
		}
		break;
	case SIM_NODE_LINK:
		r = sim_tree_link_target(m, n, target, sizeof(target));
		if (r < 0)
			return r;
		st->st_mode = S_IFLNK | 0777;
		st->st_nlink = 1;
		st->st_size = (off_t)strlen(target);
		break;
	}
	return 0;
}

static int fs_getattr(const char *path, struct stat *st, struct fuse_file_info *fi)
{
	struct sim_machine *m = machine();
	struct sim_node n;
	int r;

	(void)fi;
	lock(m);
	r = sim_tree_lookup(m, path, &n);
	if (r == 0)
		r = node_stat(m, &n, st);
	unlock(m);
	return r;
}

static int fs_readlink(const char *path, char *buf, size_t size)
{
	struct sim_machine *m = machine();
	char target[1024];
	struct sim_node n;
	int r;

	lock(m);
	r = sim_tree_lookup(m, path, &n);
	if (r == 0)
		r = n.type == SIM_NODE_LINK ? sim_tree_link_target(m, &n, target, sizeof(target))
					    : -EINVAL;
	unlock(m);
	if (r < 0)
		return r;
	if (size == 0)
		return -EINVAL;
	snprintf(buf, size, "%s", target);
	return 0;
}

struct fill_ctx {
	void *buf;
	fuse_fill_dir_t filler;
};

static int fill_cb(void *userdata, const char *name, const struct sim_node *child)
{
	struct fill_ctx *c = userdata;

	(void)child;
	return c->filler(c->buf, name, NULL, 0, 0) ? -ENOMEM : 0;
}

static int fs_readdir(const char *path, void *buf, fuse_fill_dir_t filler, off_t off,
		      struct fuse_file_info *fi, enum fuse_readdir_flags flags)
{
	struct sim_machine *m = machine();
	struct fill_ctx c = {buf, filler};
	struct sim_node n;
	int r;

	(void)off;
	(void)fi;
	(void)flags;
	lock(m);
	r = sim_tree_lookup(m, path, &n);
	if (r == 0 && n.type != SIM_NODE_DIR)
		r = -ENOTDIR;
	if (r == 0) {
		filler(buf, ".", NULL, 0, 0);
		filler(buf, "..", NULL, 0, 0);
		r = sim_tree_list(m, &n, fill_cb, &c);
	}
	unlock(m);
	return r < 0 ? r : 0;
}

static int fs_open(const char *path, struct fuse_file_info *fi)
{
	struct sim_machine *m = machine();
	int acc = fi->flags & O_ACCMODE;
	struct sim_node n;
	int r;

	lock(m);
	r = sim_tree_lookup(m, path, &n);
	unlock(m);
	if (r < 0)
		return r;
	if (n.type == SIM_NODE_DIR)
		return -EISDIR;
	/* kernfs refuses to open for writing an attribute without store(), even for root;
	 * default_permissions is off, so the owner check (root) is made here. */
	if (acc != O_RDONLY && (!(n.perm & 0200) || fuse_get_context()->uid != 0))
		return -EACCES;
	if (acc != O_WRONLY && !(n.perm & 0444))
		return -EACCES;
	fi->direct_io = 1;
	fi->keep_cache = 0;
	return 0;
}

/* access(2) as the kernel answers it for root-owned sysfs nodes (root has DAC override). */
static int fs_access(const char *path, int mask)
{
	struct sim_machine *m = machine();
	struct sim_node n;
	mode_t perm;
	int r;

	lock(m);
	r = sim_tree_lookup(m, path, &n);
	unlock(m);
	if (r < 0)
		return r;
	perm = n.type == SIM_NODE_LINK ? 0777 : n.perm;
	if (fuse_get_context()->uid == 0)
		return (mask & X_OK) && n.type == SIM_NODE_FILE && !(perm & 0111) ? -EACCES : 0;
	if (((mask & R_OK) && !(perm & 04)) || ((mask & W_OK) && !(perm & 02)) ||
	    ((mask & X_OK) && !(perm & 01)))
		return -EACCES;
	return 0;
}

static int fs_read(const char *path, char *buf, size_t size, off_t off, struct fuse_file_info *fi)
{
	struct sim_machine *m = machine();
	_cleanup_free_ char *data = NULL;
	struct sim_node n;
	size_t len = 0;
	int r;

	(void)fi;
	lock(m);
	r = sim_tree_lookup(m, path, &n);
	if (r == 0)
		r = n.type == SIM_NODE_FILE ? sim_attr_render(m, &n, &data, &len) : -EISDIR;
	unlock(m);
	if (r < 0)
		return r;
	if (off < 0 || (size_t)off >= len)
		return 0;
	if (size > len - (size_t)off)
		size = len - (size_t)off;
	memcpy(buf, data + off, size);
	return (int)size;
}

static int store(struct sim_machine *m, const struct sim_node *n, const char *buf, size_t len)
{
	switch (n->what) {
	case F_OVERRIDE:
		return sim_store_driver_override(m, n->dev, buf, len);
	case F_UEVENT:
	case F_RESCAN:
		return 0; /* accepted, nothing simulated */
	case F_DRIVERS_PROBE:
		return sim_store_drivers_probe(m, buf, len);
	case F_AUTOPROBE:
		return sim_store_drivers_autoprobe(m, buf, len);
	case F_BIND:
		return sim_store_bind(m, n->drv, buf, len);
	case F_UNBIND:
		return sim_store_unbind(m, n->drv, buf, len);
	case F_NEW_ID:
		return sim_store_new_id(m, n->drv, buf, len);
	case F_REMOVE_ID:
		return sim_store_remove_id(m, n->drv, buf, len);
	default:
		return -EACCES;
	}
}

static int fs_write(const char *path, const char *buf, size_t size, off_t off,
		    struct fuse_file_info *fi)
{
	struct sim_machine *m = machine();
	_cleanup_free_ char *value = NULL, *what = NULL;
	char err[512] = "";
	struct sim_node n;
	size_t len = size;
	int r;

	(void)off;
	(void)fi;
	lock(m);
	r = sim_tree_lookup(m, path, &n);
	if (r == 0 && n.what == F_CONTROL) {
		r = sim_control_exec(m, buf, size, err, sizeof(err));
		value = sim_log_escape(buf, size < 4096 ? size : 4096);
		if (value && asprintf(&what, "control %s", value) < 0)
			what = NULL;
	} else {
		/* kernfs hands store() at most a page and reports that much written. */
		if (len > SIM_PAGE_SIZE)
			len = SIM_PAGE_SIZE;
		if (r == 0)
			r = n.type == SIM_NODE_FILE ? store(m, &n, buf, len) : -EISDIR;
		value = sim_log_escape(buf, len);
		if (value && asprintf(&what, "write %s %s", path + (path[0] == '/'), value) < 0)
			what = NULL;
	}
	if (what)
		sim_log_append(m, what, r, err[0] ? err : NULL);
	unlock(m);
	return r < 0 ? r : (int)len;
}

static int fs_truncate(const char *path, off_t size, struct fuse_file_info *fi)
{
	struct sim_machine *m = machine();
	struct sim_node n;
	int r;

	(void)size;
	(void)fi;
	lock(m);
	r = sim_tree_lookup(m, path, &n);
	unlock(m);
	if (r < 0)
		return r;
	if (n.type == SIM_NODE_DIR)
		return -EISDIR;
	/* O_TRUNC (the shell's ">") is harmless on sysfs attributes. */
	return (n.perm & 0200) ? 0 : -EACCES;
}

static int fs_refuse_create(const char *path, mode_t mode, struct fuse_file_info *fi)
{
	(void)path;
	(void)mode;
	(void)fi;
	return -EACCES;
}

static int fs_refuse_mkdir(const char *path, mode_t mode)
{
	(void)path;
	(void)mode;
	return -EACCES;
}

static int fs_refuse_path(const char *path)
{
	(void)path;
	return -EPERM;
}

static int fs_refuse_two(const char *a, const char *b)
{
	(void)a;
	(void)b;
	return -EPERM;
}

static int fs_refuse_rename(const char *a, const char *b, unsigned int flags)
{
	(void)a;
	(void)b;
	(void)flags;
	return -EPERM;
}

static int fs_utimens(const char *path, const struct timespec tv[2], struct fuse_file_info *fi)
{
	(void)path;
	(void)tv;
	(void)fi;
	return 0;
}

static const struct fuse_operations ops = {
	.init = fs_init,
	.destroy = fs_destroy,
	.getattr = fs_getattr,
	.readlink = fs_readlink,
	.readdir = fs_readdir,
	.access = fs_access,
	.open = fs_open,
	.read = fs_read,
	.write = fs_write,
	.truncate = fs_truncate,
	.create = fs_refuse_create,
	.mkdir = fs_refuse_mkdir,
	.unlink = fs_refuse_path,
	.rmdir = fs_refuse_path,
	.symlink = fs_refuse_two,
	.link = fs_refuse_two,
	.rename = fs_refuse_rename,
	.utimens = fs_utimens,
};

int sim_fs_run(struct sim_machine *m, const char *mountpoint, bool foreground, bool debug)
{
	char *argv[4];
	int argc = 0, r;
	struct fuse_args args;
	struct fuse *f;
	struct fuse_session *se;
	struct fuse_loop_config *cfg;

	mount_time = time(NULL);
	argv[argc++] = (char *)"bindbroker-simsys";
	/* Root may let every user read (as sysfs does); writes are still root-only (fs_open). */
	argv[argc++] = (char *)(geteuid() == 0 ? "-ofsname=simsys,subtype=simsys,allow_other"
					       : "-ofsname=simsys,subtype=simsys");
	if (debug)
		argv[argc++] = (char *)"-odebug";
	argv[argc] = NULL;
	args = (struct fuse_args)FUSE_ARGS_INIT(argc, argv);

	f = fuse_new(&args, &ops, sizeof(ops), m);
	fuse_opt_free_args(&args);
	if (!f)
		return -EINVAL;
	if (fuse_mount(f, mountpoint) != 0) {
		fuse_destroy(f);
		return -EIO;
	}
	/* The mount is live before the parent returns, so callers need no sleep. */
	if (fuse_daemonize(foreground) != 0) {
		fuse_unmount(f);
		fuse_destroy(f);
		return -EIO;
	}
	se = fuse_get_session(f);
	if (fuse_set_signal_handlers(se) != 0) {
		fuse_unmount(f);
		fuse_destroy(f);
		return -EIO;
	}
	cfg = fuse_loop_cfg_create();
	if (!cfg) {
		fuse_remove_signal_handlers(se);
		fuse_unmount(f);
		fuse_destroy(f);
		return -ENOMEM;
	}
	fuse_loop_cfg_set_max_threads(cfg, 256);
	fuse_loop_cfg_set_idle_threads(cfg, 16);
	r = fuse_loop_mt(f, cfg);
	fuse_loop_cfg_destroy(cfg);
	lock(m);
	sim_machine_stop(m);
	unlock(m);
	fuse_remove_signal_handlers(se);
	fuse_unmount(f);
	fuse_destroy(f);
	return r == 0 ? 0 : -EIO;
}
