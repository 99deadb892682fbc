/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The FUSE front, on libfuse's low-level API.
 *
 * Why low level: the kernel serializes direct-I/O writes to one FUSE inode
 * (inode lock; libfuse 3.14 cannot ask for FOPEN_PARALLEL_DIRECT_WRITES). On sysfs
 * two processes writing the same attribute (drivers_probe, a driver's unbind) do
 * not wait for each other; each waits only for the device lock of its device. So
 * every lookup of a regular file answers with a fresh node id: each opener gets
 * its own inode and a write held by a probe blocks nobody else. Directories and
 * links keep one node id per path while the kernel knows it, so cwd and dentries
 * stay put. st_ino is a hash of the path, stable whatever the node id.
 *
 * A node id also remembers the PCI device its path belonged to. When that device
 * is replaced at the same address (swap-on-unbind) or removed, the old ids go
 * stale as the kernel's kernfs nodes do: lookups under an old directory fd give
 * ENOENT and reads or writes through an old open file ENODEV.
 */
#define FUSE_USE_VERSION 312

#include <errno.h>
#include <fcntl.h>
#include <fuse_lowlevel.h>
#include <stdint.h>
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

/* ---- node ids ------------------------------------------------------------------------------ */

#define BUCKETS 4096

struct ino_entry {
	fuse_ino_t id;
	char *path;                   /* "/" or "/bus/pci/..." */
	uint64_t nlookup;             /* lookups the kernel has not forgotten yet */
	bool shared;                  /* a directory or link: reused for its path */
	const struct sim_device *dev; /* the device the path belonged to, or NULL */
	struct ino_entry *next_by_id, *next_by_path;
};

static struct {
	pthread_mutex_t lock;
	fuse_ino_t next_id;
	struct ino_entry *by_id[BUCKETS], *by_path[BUCKETS];
} inodes = {.lock = PTHREAD_MUTEX_INITIALIZER, .next_id = FUSE_ROOT_ID + 1};

static time_t mount_time;

static uint64_t hash_path(const char *s)
{
	uint64_t h = 1469598103934665603ULL; /* FNV-1a */

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return h;
}

/* A stable inode number for PATH (never 0 or 1, which mean "none" and the root). */
static ino_t path_ino(const char *path)
{
	uint64_t h = hash_path(path);

	if (streq(path, "/"))
		return FUSE_ROOT_ID;
	return (ino_t)(h < 2 ? h + 2 : h);
}

/*
 * The path of node ID (a copy) and the device it belonged to, or NULL when the kernel
 * used an id it had forgotten.
 */
static char *ino_path(fuse_ino_t id, const struct sim_device **ret_dev)
{
	char *path = NULL;

	*ret_dev = NULL;
	if (id == FUSE_ROOT_ID)
		return strdup("/");
	pthread_mutex_lock(&inodes.lock);
	for (struct ino_entry *e = inodes.by_id[id % BUCKETS]; e; e = e->next_by_id)
		if (e->id == id) {
			path = strdup(e->path);
			*ret_dev = e->dev;
			break;
		}
	pthread_mutex_unlock(&inodes.lock);
	return path;
}

/* Registers one lookup of PATH (of DEV); returns its node id (0 on allocation failure). */
static fuse_ino_t ino_ref(const char *path, bool shared, const struct sim_device *dev)
{
	size_t pb = hash_path(path) % BUCKETS;
	struct ino_entry *e;
	fuse_ino_t id = 0;

	pthread_mutex_lock(&inodes.lock);
	if (shared) {
		for (e = inodes.by_path[pb]; e; e = e->next_by_path)
			if (streq(e->path, path) && e->dev == dev) {
				e->nlookup++;
				id = e->id;
				goto out;
			}
	}
	e = calloc(1, sizeof(*e));
	if (!e || !(e->path = strdup(path))) {
		free(e);
		goto out;
	}
	e->id = id = inodes.next_id++;
	e->nlookup = 1;
	e->shared = shared;
	e->dev = dev;
	e->next_by_id = inodes.by_id[id % BUCKETS];
	inodes.by_id[id % BUCKETS] = e;
	if (shared) {
		e->next_by_path = inodes.by_path[pb];
		inodes.by_path[pb] = e;
	}
out:
	pthread_mutex_unlock(&inodes.lock);
	return id;
}

static void ino_forget(fuse_ino_t id, uint64_t n)
{
	struct ino_entry **pp, *e = NULL;

	if (id == FUSE_ROOT_ID)
		return;
	pthread_mutex_lock(&inodes.lock);
	for (pp = &inodes.by_id[id % BUCKETS]; *pp; pp = &(*pp)->next_by_id)
		if ((*pp)->id == id) {
			e = *pp;
			break;
		}
	if (e)
		e->nlookup = n < e->nlookup ? e->nlookup - n : 0;
	if (!e || e->nlookup > 0) {
		pthread_mutex_unlock(&inodes.lock);
		return;
	}
	*pp = e->next_by_id;
	if (e->shared) {
		for (pp = &inodes.by_path[hash_path(e->path) % BUCKETS]; *pp;
		     pp = &(*pp)->next_by_path)
			if (*pp == e) {
				*pp = e->next_by_path;
				break;
			}
	}
	pthread_mutex_unlock(&inodes.lock);
	free(e->path);
	free(e);
}

static void ino_free_all(void)
{
	for (size_t b = 0; b < BUCKETS; b++) {
		while (inodes.by_id[b]) {
			struct ino_entry *e = inodes.by_id[b];
			inodes.by_id[b] = e->next_by_id;
			free(e->path);
			free(e);
		}
		inodes.by_path[b] = NULL;
	}
}

/* ---- the model ----------------------------------------------------------------------------- */

static struct sim_machine *machine(fuse_req_t req)
{
	return fuse_req_userdata(req);
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

/* Fills ST for node N at PATH. Caller holds the model lock. */
static int fill_stat(struct sim_machine *m, const char *path, const struct sim_node *n,
                     struct stat *st)
{
	char target[1024];
	int r;

	memset(st, 0, sizeof(*st));
	st->st_ino = path_ino(path);
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

/*
 * Node id INO -> its path (optional) and node, with the model lock held by the
 * caller. -ENOENT when the path is gone or now belongs to another device.
 */
static int resolve(struct sim_machine *m, fuse_ino_t ino, char **ret_path, struct sim_node *n)
{
	const struct sim_device *dev;
	_cleanup_free_ char *path = ino_path(ino, &dev);
	int r;

	if (!path)
		return -ESTALE;
	r = sim_tree_lookup(m, path, n);
	if (r < 0)
		return r;
	if (dev && n->dev != dev)
		return -ENOENT;
	if (ret_path)
		*ret_path = TAKE_PTR(path);
	return 0;
}

/* resolve() plus stat, taking the model lock. */
static int resolve_stat(struct sim_machine *m, fuse_ino_t ino, struct sim_node *n, struct stat *st)
{
	_cleanup_free_ char *path = NULL;
	int r;

	lock(m);
	r = resolve(m, ino, &path, n);
	if (r == 0 && st)
		r = fill_stat(m, path, n, st);
	unlock(m);
	return r;
}

/* ---- operations ---------------------------------------------------------------------------- */

static void op_init(void *userdata, struct fuse_conn_info *conn)
{
	(void)userdata;
	/* Never cache pages: every read must see the current state. */
	conn->want &= ~FUSE_CAP_AUTO_INVAL_DATA;
}

static void op_destroy(void *userdata)
{
	struct sim_machine *m = userdata;

	lock(m);
	sim_machine_stop(m);
	unlock(m);
}

static void op_lookup(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	struct sim_machine *m = machine(req);
	_cleanup_free_ char *dir = NULL, *path = NULL;
	struct fuse_entry_param e = {0};
	struct sim_node pn, n;
	int r;

	lock(m);
	r = resolve(m, parent, &dir, &pn);
	if (r == 0 && pn.type != SIM_NODE_DIR)
		r = -ENOTDIR;
	if (r == 0 && asprintf(&path, "%s%s%s", dir, streq(dir, "/") ? "" : "/", name) < 0) {
		path = NULL;
		r = -ENOMEM;
	}
	if (r == 0)
		r = sim_tree_lookup(m, path, &n);
	if (r == 0)
		r = fill_stat(m, path, &n, &e.attr);
	unlock(m);
	if (r < 0) {
		fuse_reply_err(req, -r);
		return;
	}
	e.ino = ino_ref(path, n.type != SIM_NODE_FILE, n.dev);
	if (!e.ino) {
		fuse_reply_err(req, ENOMEM);
		return;
	}
	e.generation = 1;
	e.attr_timeout = 0;
	e.entry_timeout = 0;
	if (fuse_reply_entry(req, &e) != 0)
		ino_forget(e.ino, 1);
}

static void op_forget(fuse_req_t req, fuse_ino_t ino, uint64_t nlookup)
{
	ino_forget(ino, nlookup);
	fuse_reply_none(req);
}

static void op_forget_multi(fuse_req_t req, size_t count, struct fuse_forget_data *forgets)
{
	for (size_t i = 0; i < count; i++)
		ino_forget(forgets[i].ino, forgets[i].nlookup);
	fuse_reply_none(req);
}

static void op_getattr(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct sim_node n;
	struct stat st;
	int r = resolve_stat(machine(req), ino, &n, &st);

	(void)fi;
	if (r < 0)
		fuse_reply_err(req, -r);
	else
		fuse_reply_attr(req, &st, 0);
}

static void op_setattr(fuse_req_t req, fuse_ino_t ino, struct stat *attr, int to_set,
                       struct fuse_file_info *fi)
{
	struct sim_node n;
	struct stat st;
	int r = resolve_stat(machine(req), ino, &n, &st);

	(void)attr;
	(void)fi;
	if (r < 0) {
		fuse_reply_err(req, -r);
		return;
	}
	if (to_set & (FUSE_SET_ATTR_MODE | FUSE_SET_ATTR_UID | FUSE_SET_ATTR_GID)) {
		fuse_reply_err(req, EPERM);
		return;
	}
	/* O_TRUNC (the shell's ">") is harmless on a writable attribute. */
	if ((to_set & FUSE_SET_ATTR_SIZE) && (n.type != SIM_NODE_FILE || !(n.perm & 0200))) {
		fuse_reply_err(req, n.type == SIM_NODE_DIR ? EISDIR : EACCES);
		return;
	}
	fuse_reply_attr(req, &st, 0);
}

static void op_readlink(fuse_req_t req, fuse_ino_t ino)
{
	struct sim_machine *m = machine(req);
	char target[1024];
	struct sim_node n;
	int r;

	lock(m);
	r = resolve(m, ino, NULL, &n);
	if (r == 0)
		r = n.type == SIM_NODE_LINK ? sim_tree_link_target(m, &n, target, sizeof(target))
		                            : -EINVAL;
	unlock(m);
	if (r < 0)
		fuse_reply_err(req, -r);
	else
		fuse_reply_readlink(req, target);
}

/* A directory listing taken at opendir, served by offset. */
struct listing {
	char *buf;
	size_t len, cap;
	size_t *ends; /* where each entry ends, so replies cut between entries */
	size_t n;
	const char *dir;
	fuse_req_t req;
	struct listing *prev, *next; /* open listings, freed at unmount if never released */
};

static struct {
	pthread_mutex_t lock;
	struct listing *head;
} listings = {.lock = PTHREAD_MUTEX_INITIALIZER};

static void listing_free(struct listing *l)
{
	free(l->buf);
	free(l->ends);
	free(l);
}

static void listing_track(struct listing *l, bool on)
{
	pthread_mutex_lock(&listings.lock);
	if (on) {
		l->next = listings.head;
		if (l->next)
			l->next->prev = l;
		listings.head = l;
	} else {
		if (l->prev)
			l->prev->next = l->next;
		else
			listings.head = l->next;
		if (l->next)
			l->next->prev = l->prev;
	}
	pthread_mutex_unlock(&listings.lock);
}

/* RELEASEDIR is sent asynchronously: an unmount may come first. */
static void listings_free_all(void)
{
	while (listings.head) {
		struct listing *l = listings.head;
		listings.head = l->next;
		listing_free(l);
	}
}

static bool listing_add(struct listing *l, const char *name, mode_t type, const char *dir)
{
	struct stat st = {.st_mode = type};
	char path[1024];
	size_t need;

	snprintf(path, sizeof(path), "%s%s%s", dir, streq(dir, "/") ? "" : "/", name);
	st.st_ino = streq(name, ".") ? path_ino(dir) : path_ino(path);
	need = fuse_add_direntry(l->req, NULL, 0, name, NULL, 0);
	size_t *ends = realloc(l->ends, (l->n + 1) * sizeof(*ends));
	if (!ends)
		return false;
	l->ends = ends;
	if (l->len + need > l->cap) {
		size_t cap = (l->len + need) * 2;
		char *grown = realloc(l->buf, cap);
		if (!grown)
			return false;
		l->buf = grown;
		l->cap = cap;
	}
	fuse_add_direntry(l->req, l->buf + l->len, need, name, &st, (off_t)(l->len + need));
	l->len += need;
	l->ends[l->n++] = l->len;
	return true;
}

static int listing_cb(void *userdata, const char *name, const struct sim_node *child)
{
	struct listing *l = userdata;
	mode_t type = child->type == SIM_NODE_DIR    ? S_IFDIR
	              : child->type == SIM_NODE_LINK ? S_IFLNK
	                                             : S_IFREG;

	return listing_add(l, name, type, l->dir) ? 0 : -ENOMEM;
}

static void op_opendir(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct sim_machine *m = machine(req);
	_cleanup_free_ char *path = NULL;
	struct listing *l;
	struct sim_node n;
	int r;

	l = calloc(1, sizeof(*l));
	if (!l) {
		fuse_reply_err(req, ENOMEM);
		return;
	}
	l->req = req;
	lock(m);
	r = resolve(m, ino, &path, &n);
	l->dir = path;
	if (r == 0 && n.type != SIM_NODE_DIR)
		r = -ENOTDIR;
	if (r == 0)
		r = listing_add(l, ".", S_IFDIR, path) && listing_add(l, "..", S_IFDIR, path)
		        ? sim_tree_list(m, &n, listing_cb, l)
		        : -ENOMEM;
	unlock(m);
	l->dir = NULL;
	if (r < 0) {
		listing_free(l);
		fuse_reply_err(req, -r);
		return;
	}
	fi->fh = (uint64_t)(uintptr_t)l;
	listing_track(l, true);
	if (fuse_reply_open(req, fi) != 0) {
		listing_track(l, false);
		listing_free(l);
	}
}

static void op_readdir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
                       struct fuse_file_info *fi)
{
	struct listing *l = (struct listing *)(uintptr_t)fi->fh;
	_cleanup_free_ char *chunk = NULL;
	size_t start = (size_t)off, end;

	(void)ino;
	if (off < 0 || start >= l->len) {
		fuse_reply_buf(req, NULL, 0);
		return;
	}
	/* Whole entries only, as many as fit in SIZE. */
	end = start;
	for (size_t i = 0; i < l->n; i++)
		if (l->ends[i] > start && l->ends[i] - start <= size)
			end = l->ends[i];
	/* Reply from a private copy: once the kernel has the reply the program may close the
	 * directory, and releasedir on another thread frees the listing. */
	chunk = malloc(end - start + 1);
	if (!chunk) {
		fuse_reply_err(req, ENOMEM);
		return;
	}
	memcpy(chunk, l->buf + start, end - start);
	fuse_reply_buf(req, chunk, end - start);
}

static void op_releasedir(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct listing *l = (struct listing *)(uintptr_t)fi->fh;

	(void)ino;
	listing_track(l, false);
	listing_free(l);
	fuse_reply_err(req, 0);
}

static void op_open(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	int acc = fi->flags & O_ACCMODE;
	struct sim_node n;
	int r = resolve_stat(machine(req), ino, &n, NULL);

	if (r < 0) {
		fuse_reply_err(req, -r);
		return;
	}
	if (n.type == SIM_NODE_DIR) {
		fuse_reply_err(req, EISDIR);
		return;
	}
	/* kernfs refuses to open for writing an attribute without store(), even for root;
	 * default_permissions is off, so the owner check (root) is made here. */
	if ((acc != O_RDONLY && (!(n.perm & 0200) || fuse_req_ctx(req)->uid != 0)) ||
	    (acc != O_WRONLY && !(n.perm & 0444))) {
		fuse_reply_err(req, EACCES);
		return;
	}
	fi->direct_io = 1;
	fi->keep_cache = 0;
	fuse_reply_open(req, fi);
}

static void op_read(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
                    struct fuse_file_info *fi)
{
	struct sim_machine *m = machine(req);
	_cleanup_free_ char *data = NULL;
	struct sim_node n;
	size_t len = 0;
	int r;

	(void)fi;
	lock(m);
	r = resolve(m, ino, NULL, &n);
	if (r == 0)
		r = n.type == SIM_NODE_FILE ? sim_attr_render(m, &n, &data, &len) : -EISDIR;
	unlock(m);
	/* kernfs: an open attribute whose node is gone answers ENODEV. */
	if (r == -ENOENT)
		r = -ENODEV;
	if (r < 0) {
		fuse_reply_err(req, -r);
		return;
	}
	if (off < 0 || (size_t)off >= len) {
		fuse_reply_buf(req, NULL, 0);
		return;
	}
	if (size > len - (size_t)off)
		size = len - (size_t)off;
	fuse_reply_buf(req, data + off, size);
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
	case F_LOCKDOWN:
		return sim_store_lockdown(m, buf, len);
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

static void op_write(fuse_req_t req, fuse_ino_t ino, const char *buf, size_t size, off_t off,
                     struct fuse_file_info *fi)
{
	struct sim_machine *m = machine(req);
	const struct sim_device *dev;
	_cleanup_free_ char *path = ino_path(ino, &dev), *value = NULL, *what = NULL;
	char err[512] = "";
	struct sim_node n;
	size_t len = size;
	int r;

	(void)off;
	(void)fi;
	if (!path) {
		fuse_reply_err(req, ESTALE);
		return;
	}
	lock(m);
	r = sim_tree_lookup(m, path, &n);
	/* kernfs: an open attribute whose node is gone (device removed or replaced) -> ENODEV. */
	if (r == -ENOENT || (r == 0 && dev && n.dev != dev))
		r = -ENODEV;
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
		if (value && asprintf(&what, "write %s %s", path + 1, value) < 0)
			what = NULL;
	}
	if (what)
		sim_log_append(m, what, r, err[0] ? err : NULL);
	unlock(m);
	if (r < 0)
		fuse_reply_err(req, -r);
	else
		fuse_reply_write(req, len);
}

/* access(2) as the kernel answers it for root-owned sysfs nodes (root has DAC override). */
static void op_access(fuse_req_t req, fuse_ino_t ino, int mask)
{
	struct sim_node n;
	mode_t perm;
	int r = resolve_stat(machine(req), ino, &n, NULL);

	if (r < 0) {
		fuse_reply_err(req, -r);
		return;
	}
	perm = n.type == SIM_NODE_LINK ? 0777 : n.perm;
	if (fuse_req_ctx(req)->uid == 0)
		r = (mask & X_OK) && n.type == SIM_NODE_FILE && !(perm & 0111) ? EACCES : 0;
	else
		r = ((mask & R_OK) && !(perm & 04)) || ((mask & W_OK) && !(perm & 02)) ||
		            ((mask & X_OK) && !(perm & 01))
		        ? EACCES
		        : 0;
	fuse_reply_err(req, r);
}

/* Nothing can be created, removed or renamed in sysfs. */
static void op_mknod(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode, dev_t rdev)
{
	(void)parent;
	(void)name;
	(void)mode;
	(void)rdev;
	fuse_reply_err(req, EACCES);
}

static void op_mkdir(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode)
{
	(void)parent;
	(void)name;
	(void)mode;
	fuse_reply_err(req, EACCES);
}

static void op_create(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode,
                      struct fuse_file_info *fi)
{
	(void)parent;
	(void)name;
	(void)mode;
	(void)fi;
	fuse_reply_err(req, EACCES);
}

static void op_unlink(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	(void)parent;
	(void)name;
	fuse_reply_err(req, EPERM);
}

static void op_symlink(fuse_req_t req, const char *link, fuse_ino_t parent, const char *name)
{
	(void)link;
	(void)parent;
	(void)name;
	fuse_reply_err(req, EPERM);
}

static void op_rename(fuse_req_t req, fuse_ino_t parent, const char *name, fuse_ino_t newparent,
                      const char *newname, unsigned int flags)
{
	(void)parent;
	(void)name;
	(void)newparent;
	(void)newname;
	(void)flags;
	fuse_reply_err(req, EPERM);
}

static void op_link(fuse_req_t req, fuse_ino_t ino, fuse_ino_t newparent, const char *newname)
{
	(void)ino;
	(void)newparent;
	(void)newname;
	fuse_reply_err(req, EPERM);
}

static const struct fuse_lowlevel_ops ops = {
    .init = op_init,
    .destroy = op_destroy,
    .lookup = op_lookup,
    .forget = op_forget,
    .forget_multi = op_forget_multi,
    .getattr = op_getattr,
    .setattr = op_setattr,
    .readlink = op_readlink,
    .opendir = op_opendir,
    .readdir = op_readdir,
    .releasedir = op_releasedir,
    .open = op_open,
    .read = op_read,
    .write = op_write,
    .access = op_access,
    .mknod = op_mknod,
    .mkdir = op_mkdir,
    .create = op_create,
    .unlink = op_unlink,
    .rmdir = op_unlink,
    .symlink = op_symlink,
    .rename = op_rename,
    .link = op_link,
};

int sim_fs_run(struct sim_machine *m, const char *mountpoint, bool foreground, bool debug)
{
	char *argv[4];
	int argc = 0, r;
	struct fuse_args args;
	struct fuse_session *se;
	struct fuse_loop_config *cfg;

	mount_time = time(NULL);
	argv[argc++] = (char *)"bindbroker-simsys";
	/* Root may let every user read (as sysfs does); writes are still root-only (op_open). */
	argv[argc++] = (char *)(geteuid() == 0 ? "-ofsname=simsys,subtype=simsys,allow_other"
	                                       : "-ofsname=simsys,subtype=simsys");
	if (debug)
		argv[argc++] = (char *)"-odebug";
	argv[argc] = NULL;
	args = (struct fuse_args)FUSE_ARGS_INIT(argc, argv);

	se = fuse_session_new(&args, &ops, sizeof(ops), m);
	fuse_opt_free_args(&args);
	if (!se)
		return -EINVAL;
	if (fuse_session_mount(se, mountpoint) != 0) {
		fuse_session_destroy(se);
		return -EIO;
	}
	/* The mount is live before the parent returns, so callers need no sleep. */
	if (fuse_daemonize(foreground) != 0 || fuse_set_signal_handlers(se) != 0) {
		fuse_session_unmount(se);
		fuse_session_destroy(se);
		return -EIO;
	}
	lock(m);
	m->stop_check = session_exited;
	m->stop_userdata = se;
	unlock(m);

	cfg = fuse_loop_cfg_create();
	if (!cfg) {
		r = -ENOMEM;
		goto out;
	}
	/* Every write blocked behind a held or slow probe keeps a worker; the default is 10. */
	fuse_loop_cfg_set_max_threads(cfg, 256);
	fuse_loop_cfg_set_idle_threads(cfg, 16);
	/* A positive result is the signal (SIGTERM, SIGINT, SIGHUP) that ended the loop. */
	r = fuse_session_loop_mt(se, cfg) >= 0 ? 0 : -EIO;
	fuse_loop_cfg_destroy(cfg);
out:
	lock(m);
	sim_machine_stop(m);
	m->stop_check = NULL;
	unlock(m);
	fuse_remove_signal_handlers(se);
	fuse_session_unmount(se);
	fuse_session_destroy(se);
	ino_free_all();
	listings_free_all();
	return r;
}
