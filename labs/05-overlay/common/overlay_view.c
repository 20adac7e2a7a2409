/* SPDX-License-Identifier: MIT */
/*
 * overlay_view.c - reading an overlay's layers the way the kernel reads
 * them, without mounting anything: which layer a name comes from, what a
 * whiteout and an opaque directory are, and what the upper layer changed.
 *
 * Article: §2.5 OverlayFS.  Its rules, as they show in the layers:
 *
 *   read     the top-most layer holding the name wins: upper, then lower1 ...
 *   write    copy-up: the file now exists in upper as well, and upper wins
 *   delete   a whiteout in upper, a character device 0/0, hides the name
 *   rm -r and mkdir of a lower directory: a new upper directory marked
 *            opaque (xattr trusted.overlay.opaque="y") hides the lower ones
 *
 *   kit_overlay_mark()    PLAIN, WHITEOUT or OPAQUE, for one entry
 *   kit_overlay_lookup()  one name through the stack (the kernel's ovl_lookup)
 *   kit_overlay_layers()  the whole merged tree, each name with its layer
 *   kit_overlay_diff()    the upper layer as `docker diff` A/C/D lines
 *
 * Left out: redirect and metacopy attributes, the xattr whiteouts of
 * nested overlays (Linux >= 6.7), and the inode index.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "kit/lab.h"
#include "kit/overlay.h"

size_t kit_overlay_nlayers(const struct kit_overlay *ov)
{
	return ov->nlower + (ov->upper ? 1 : 0);
}

const char *kit_overlay_layer_path(const struct kit_overlay *ov, size_t layer)
{
	if (ov->upper) {
		if (layer == 0)
			return ov->upper;
		layer--;
	}
	return ov->lower[layer];
}

const char *kit_overlay_layer_name(const struct kit_overlay *ov, size_t layer, char *buf)
{
	if (ov->upper && layer == 0)
		return "upper";
	snprintf(buf, 16, "lower%zu", ov->upper ? layer : layer + 1);
	return buf;
}

/* @buf (PATH_MAX) = @a followed by @b; -ENAMETOOLONG if it does not fit. */
static int join(char *buf, const char *a, const char *b, struct kit_err *err)
{
	int n = snprintf(buf, PATH_MAX, "%s%s", a, b);

	if (n < 0 || n >= PATH_MAX)
		return kit_err_set(err, ENAMETOOLONG, "longer than PATH_MAX",
				   "look up %.200s...", a);
	return 0;
}

/* ---- one entry, one name ---------------------------------------------- */

/*
 * Is the overlay attribute @name of @path "y"?  overlayfs keeps it in
 * trusted.overlay.NAME, or in user.overlay.NAME on a mount with userxattr
 * (what an unprivileged overlay in a user namespace uses).  Reading
 * trusted.* needs CAP_SYS_ADMIN: for anyone else the kernel says ENODATA,
 * as if the attribute were not there.  1, 0, or -errno.
 */
static int overlay_xattr_is_y(const char *path, const char *name, struct kit_err *err)
{
	static const char *const prefixes[] = { "trusted.overlay.", "user.overlay." };
	char key[64], value[4];

	for (size_t i = 0; i < 2; i++) {
		ssize_t n;

		snprintf(key, sizeof(key), "%s%s", prefixes[i], name);
		n = lgetxattr(path, key, value, sizeof(value));
		if (n < 0) {
			int e = errno;

			/* absent, a filesystem without xattrs, a longer value */
			if (e == ENODATA || e == ENOTSUP || e == ERANGE || e == EACCES)
				continue;
			return kit_err_set(err, e, NULL, "read %s of %s", key, path);
		}
		if (n == 1 && value[0] == 'y')
			return 1;
	}
	return 0;
}

int kit_overlay_mark(const char *path, const struct stat *st, struct kit_err *err)
{
	int ret;

	/* TODO lab 05.3: tell whiteouts and opaque directories from plain entries.
	 * A whiteout is a character device (S_ISCHR(st->st_mode)) whose device
	 * number st->st_rdev is 0/0 (major() and minor() both 0): return
	 * KIT_OVERLAY_WHITEOUT.  A directory is opaque when
	 * overlay_xattr_is_y(path, "opaque", err) says 1: return
	 * KIT_OVERLAY_OPAQUE (a negative answer is -errno: return it).
	 * Anything else falls through to KIT_OVERLAY_PLAIN below.
	 */
	(void)path; (void)st; (void)ret; (void)overlay_xattr_is_y;
	return kit_lab_todo(err, "05.3");
	return KIT_OVERLAY_PLAIN;
}

/* lstat() @path in @layer, into @full and @st: 1 found, 0 missing, -errno. */
static int layer_entry(const struct kit_overlay *ov, int layer, const char *path,
		       char *full, struct stat *st, struct kit_err *err)
{
	int ret = join(full, kit_overlay_layer_path(ov, layer), path, err);

	if (ret < 0)
		return ret;
	if (lstat(full, st) == 0)
		return 1;
	ret = errno;
	if (ret == ENOENT || ret == ENOTDIR)
		return 0;
	return kit_err_set(err, ret, NULL, "look up %s", full);
}

int kit_overlay_lookup(const struct kit_overlay *ov, const int *parent, size_t nparent,
		       const char *path, struct kit_overlay_hit *hit, struct kit_err *err)
{
	char full[PATH_MAX];
	bool merging = false;
	struct stat st;
	int ret;

	hit->layer = -1;
	hit->hides = -1;
	hit->ndirs = 0;
	/* TODO lab 05.4: look one name up through the layers, as overlayfs does.
	 * Go through parent[0..nparent) (top first).  In each layer,
	 * layer_entry(ov, parent[i], path, full, &st, err) says whether it
	 * holds the name (1), not (0), or failed (<0: return it); classify a
	 * found entry with kit_overlay_mark(full, &st, err).  Rules:
	 * - the first (top-most) entry decides: set hit->layer, hit->mark
	 *   and hit->type (st.st_mode & S_IFMT);
	 * - a directory merges with the directories of the same name below
	 *   it: append each such layer to hit->dirs[hit->ndirs++], the
	 *   top one included;
	 * - merging stops after an opaque directory, and at the first entry
	 *   that is not a directory; a whiteout or a file merges with
	 *   nothing;
	 * - the first entry below that is not merged is what the top entry
	 *   hides: put its layer in hit->hides and stop.
	 */
	(void)full; (void)merging; (void)st; (void)ret; (void)layer_entry;
	(void)ov; (void)parent; (void)nparent; (void)path;
	return kit_lab_todo(err, "05.4");
	return 0;
}

/* ---- directory listings ------------------------------------------------ */

struct names {
	char **v;
	size_t n, cap;
};

static void names_free(struct names *ns)
{
	for (size_t i = 0; i < ns->n; i++)
		free(ns->v[i]);
	free(ns->v);
	memset(ns, 0, sizeof(*ns));
}

static int names_add(struct names *ns, const char *name)
{
	if (ns->n == ns->cap) {
		size_t cap = ns->cap ? 2 * ns->cap : 32;
		char **v = realloc(ns->v, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		ns->v = v;
		ns->cap = cap;
	}
	ns->v[ns->n] = strdup(name);
	if (!ns->v[ns->n])
		return -ENOMEM;
	ns->n++;
	return 0;
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Sort the names and drop duplicates: the union of several listings. */
static void names_sort_unique(struct names *ns)
{
	size_t out = 0;

	if (ns->n)
		qsort(ns->v, ns->n, sizeof(*ns->v), cmp_names);
	for (size_t i = 0; i < ns->n; i++) {
		if (out > 0 && strcmp(ns->v[out - 1], ns->v[i]) == 0)
			free(ns->v[i]);
		else
			ns->v[out++] = ns->v[i];
	}
	ns->n = out;
}

/* Add the names in the directory @full; a missing one has none. */
static int names_read(struct names *ns, const char *full, struct kit_err *err)
{
	int fd = open(full, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	struct dirent *de;
	DIR *d;

	if (fd < 0) {
		int e = errno;

		if (e == ENOENT || e == ENOTDIR)
			return 0;
		return kit_err_set(err, e, NULL, "read directory %s", full);
	}
	d = fdopendir(fd);
	if (!d) {
		int e = errno;

		close(fd);
		return kit_err_set(err, e, NULL, "read directory %s", full);
	}
	while ((de = readdir(d))) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (names_add(ns, de->d_name) < 0) {
			closedir(d);
			return kit_err_set(err, ENOMEM, NULL, "read directory %s", full);
		}
	}
	closedir(d);
	return 0;
}

/* The sorted union of @dir's names in the layers @layers of @ov. */
static int union_names(const struct kit_overlay *ov, const char *dir, const int *layers,
		       size_t n, struct names *ns, struct kit_err *err)
{
	char full[PATH_MAX];
	int ret;

	for (size_t i = 0; i < n; i++) {
		ret = join(full, kit_overlay_layer_path(ov, layers[i]), dir, err);
		if (ret == 0)
			ret = names_read(ns, full, err);
		if (ret < 0)
			return ret;
	}
	names_sort_unique(ns);
	return 0;
}

/* @buf (PATH_MAX) = "@dir/@name". */
static int child_path(char *buf, const char *dir, const char *name, struct kit_err *err)
{
	int n = snprintf(buf, PATH_MAX, "%s/%s", dir, name);

	if (n < 0 || n >= PATH_MAX)
		return kit_err_set(err, ENAMETOOLONG, "longer than PATH_MAX",
				   "walk %.200s...", dir);
	return 0;
}

/* ---- the merged tree ---------------------------------------------------- */

struct walk {
	const struct kit_overlay *ov;
	int (*fn)(const char *path, const struct kit_overlay_hit *hit, void *arg);
	void *arg;
	struct kit_err *err;
};

/* Report every name in the merged directory @dir, made of @layers. */
static int walk_merged(struct walk *w, const char *dir, const int *layers, size_t n)
{
	int *dirs = calloc(kit_overlay_nlayers(w->ov), sizeof(*dirs));
	struct names ns = { 0 };
	char path[PATH_MAX];
	int ret;

	if (!dirs)
		return kit_err_set(w->err, ENOMEM, NULL, "walk %s/", dir);
	ret = union_names(w->ov, dir, layers, n, &ns, w->err);
	for (size_t i = 0; ret == 0 && i < ns.n; i++) {
		struct kit_overlay_hit hit = { .dirs = dirs };

		ret = child_path(path, dir, ns.v[i], w->err);
		if (ret == 0)
			ret = kit_overlay_lookup(w->ov, layers, n, path, &hit, w->err);
		if (ret < 0 || hit.layer < 0)
			continue;
		/* a whiteout that hides nothing is left-over clutter */
		if (hit.mark == KIT_OVERLAY_WHITEOUT && hit.hides < 0)
			continue;
		ret = w->fn(path, &hit, w->arg);
		if (ret == 0 && S_ISDIR(hit.type))
			ret = walk_merged(w, path, hit.dirs, hit.ndirs);
	}
	names_free(&ns);
	free(dirs);
	return ret;
}

int kit_overlay_layers(const struct kit_overlay *ov,
		       int (*fn)(const char *path, const struct kit_overlay_hit *hit,
				 void *arg),
		       void *arg, struct kit_err *err)
{
	size_t n = kit_overlay_nlayers(ov);
	struct walk w = { ov, fn, arg, err };
	int *all = calloc(n ? n : 1, sizeof(*all));
	int ret;

	if (!all)
		return kit_err_set(err, ENOMEM, NULL, "walk the layers");
	for (size_t i = 0; i < n; i++)
		all[i] = (int)i;
	ret = walk_merged(&w, "", all, n);
	free(all);
	return ret;
}

/* ---- diff: the upper layer against the lower ones ----------------------- */

struct diff {
	const struct kit_overlay *ov; /* upper (and lowers) */
	struct kit_overlay low;       /* the lowers alone: the image */
	int (*fn)(char kind, const char *path, void *arg);
	void *arg;
	struct kit_err *err;
};

static int diff_dir(struct diff *d, const char *dir, const int *ldirs, size_t nl,
		    bool opaque);

/*
 * One name of the upper directory (or, @opaque, of the lowers).  @opaque:
 * the directory holding it is opaque, or lies below an opaque one: then no
 * lower layer shows through here any more.
 */
static int diff_name(struct diff *d, const char *path, const int *ldirs, size_t nl,
		     int *dirs, bool opaque)
{
	struct kit_overlay_hit low = { .layer = -1, .dirs = dirs };
	bool no_lowers = d->ov->nlower == 0, in_lower;
	char full[PATH_MAX];
	struct stat st;
	int ret, mark;

	if (nl > 0) {
		ret = kit_overlay_lookup(&d->low, ldirs, nl, path, &low, d->err);
		if (ret < 0)
			return ret;
	}
	in_lower = low.layer >= 0 && low.mark != KIT_OVERLAY_WHITEOUT;
	ret = join(full, d->ov->upper, path, d->err);
	if (ret < 0)
		return ret;
	if (lstat(full, &st) < 0) {
		int e = errno;

		if (e != ENOENT)
			return kit_err_set(d->err, e, NULL, "look up %s", full);
		/* only under an opaque directory: the image's name is gone */
		return in_lower ? d->fn('D', path, d->arg) : 0;
	}
	mark = kit_overlay_mark(full, &st, d->err);
	if (mark < 0)
		return mark;
	if (mark == KIT_OVERLAY_WHITEOUT)
		return in_lower || no_lowers ? d->fn('D', path, d->arg) : 0;
	ret = d->fn(in_lower || (no_lowers && mark == KIT_OVERLAY_OPAQUE) ? 'C' : 'A',
		    path, d->arg);
	if (ret || !S_ISDIR(st.st_mode))
		return ret;
	if (!in_lower || !S_ISDIR(low.type))
		low.ndirs = 0;
	return diff_dir(d, path, low.dirs, low.ndirs,
			opaque || mark == KIT_OVERLAY_OPAQUE);
}

/*
 * The names of upper's @dir; @ldirs are the lower layers that merge into
 * the same directory of the image.  In or below an @opaque directory the
 * image's names that upper lacks are deleted, so they are listed too.
 */
static int diff_dir(struct diff *d, const char *dir, const int *ldirs, size_t nl,
		    bool opaque)
{
	int *dirs = calloc(d->ov->nlower ? d->ov->nlower : 1, sizeof(*dirs));
	struct names ns = { 0 };
	char path[PATH_MAX], full[PATH_MAX];
	int ret;

	if (!dirs)
		return kit_err_set(d->err, ENOMEM, NULL, "diff %s/", dir);
	ret = join(full, d->ov->upper, dir, d->err);
	if (ret == 0)
		ret = names_read(&ns, full, d->err);
	if (ret == 0 && opaque)
		ret = union_names(&d->low, dir, ldirs, nl, &ns, d->err);
	names_sort_unique(&ns);
	for (size_t i = 0; ret == 0 && i < ns.n; i++) {
		ret = child_path(path, dir, ns.v[i], d->err);
		if (ret == 0)
			ret = diff_name(d, path, ldirs, nl, dirs, opaque);
	}
	names_free(&ns);
	free(dirs);
	return ret;
}

int kit_overlay_diff(const struct kit_overlay *ov,
		     int (*fn)(char kind, const char *path, void *arg), void *arg,
		     struct kit_err *err)
{
	struct diff d = { .ov = ov, .fn = fn, .arg = arg, .err = err };
	int *all = calloc(ov->nlower ? ov->nlower : 1, sizeof(*all));
	int ret;

	if (!all)
		return kit_err_set(err, ENOMEM, NULL, "diff %s", ov->upper);
	d.low.lower = ov->lower;
	d.low.nlower = ov->nlower;
	for (size_t i = 0; i < ov->nlower; i++)
		all[i] = (int)i;
	ret = diff_dir(&d, "", all, ov->nlower, false);
	free(all);
	return ret;
}
