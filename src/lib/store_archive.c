/* The files of an image archive, wherever they are: in a directory (an OCI
 * layout), or members of a tar file (an oci-archive or a `docker save`
 * archive).
 *
 * A plain tar file is indexed in place: only its headers are read, and
 * each member is then a byte range of the file, so several layers can be
 * read at once by offset and no byte is copied before it is unpacked.
 * A compressed archive, or one read from a pipe, cannot be read that way:
 * it is first decompressed into the work directory (one copy), then
 * indexed the same way. */
#include "digest.h"
#include "log.h"
#include "paths.h"
#include "store_internal.h"
#include "util.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define BLOCK        512
#define SPOOL_NAME   "input.tar"
#define LINK_DEPTH   8
#define PAX_MAX      (1 << 20)
#define SPOOL_BUF    (1 << 20)
#define MEMBER_ALLOC 64

struct member {
    char *name;
    char *link; /* symlink target or hardlink source, NULL for a file */
    bool hard;
    off_t off;
    int64_t size;
};

struct store_archive {
    char *path;
    int dirfd; /* a directory archive, else -1 */
    int fd;    /* the (spooled) tar file, else -1 */
    struct member *members;
    size_t n, cap;
    int *open_fds; /* descriptors handed out for a directory archive */
    size_t n_fds;
};

/* A member name as a clean relative path ("./a//b" -> "a/b"), resolved
 * against BASE (a member's directory) unless absolute; NULL when ".."
 * climbs out of the archive. */
static char *clean_name(const char *base, const char *name)
{
    _cleanup_free_ char *joined =
        base != NULL && name[0] != '/' ? hull_path_join(base, name) : xstrdup(name);
    char *out = xmalloc(strlen(joined) + 1);
    size_t o = 0;

    for (const char *p = joined; *p != '\0';) {
        const char *end = strchrnul(p, '/');
        size_t len = (size_t)(end - p);
        if (len == 2 && p[0] == '.' && p[1] == '.') {
            if (o == 0) {
                free(out);
                return NULL;
            }
            while (o > 0 && out[o - 1] != '/')
                o--;
            if (o > 0)
                o--;
        } else if (len > 0 && !(len == 1 && p[0] == '.')) {
            if (o > 0)
                out[o++] = '/';
            memcpy(out + o, p, len);
            o += len;
        }
        p = *end == '/' ? end + 1 : end;
    }
    out[o] = '\0';
    return out;
}

static void add_member(struct store_archive *a, struct member m)
{
    if (a->n == a->cap) {
        a->cap = a->cap ? 2 * a->cap : MEMBER_ALLOC;
        a->members = xrealloc(a->members, a->cap * sizeof(*a->members));
    }
    a->members[a->n++] = m;
}

static bool block_is_zero(const unsigned char *b)
{
    for (size_t i = 0; i < BLOCK; i++) {
        if (b[i] != 0)
            return false;
    }
    return true;
}

/* A numeric header field: octal digits, or GNU's base-256 form. */
static int parse_number(const unsigned char *f, size_t len, int64_t *out)
{
    uint64_t v = 0;
    size_t i = 0;

    if (f[0] & 0x80) {
        if (f[0] != 0x80)
            return -1;
        for (i = 1; i < len; i++) {
            if (v >> 55)
                return -1;
            v = (v << 8) | f[i];
        }
        *out = (int64_t)v;
        return 0;
    }
    while (i < len && f[i] == ' ')
        i++;
    for (; i < len && f[i] >= '0' && f[i] <= '7'; i++) {
        if (v >> 60)
            return -1;
        v = (v << 3) | (uint64_t)(f[i] - '0');
    }
    if (i < len && f[i] != ' ' && f[i] != '\0')
        return -1;
    *out = (int64_t)v;
    return 0;
}

static bool checksum_ok(const unsigned char *b)
{
    int64_t want;
    uint64_t sum = 0;

    if (parse_number(b + 148, 8, &want) < 0)
        return false;
    for (size_t i = 0; i < BLOCK; i++)
        sum += (i >= 148 && i < 156) ? ' ' : b[i];
    return (int64_t)sum == want;
}

static char *header_string(const unsigned char *f, size_t len)
{
    return xstrndup((const char *)f, strnlen((const char *)f, len));
}

/* Applies a pax extended header's "path", "linkpath" and "size". */
static int parse_pax(const char *data, size_t len, char **path, char **link, int64_t *size)
{
    size_t pos = 0;

    while (pos < len) {
        char *end;
        unsigned long rec = strtoul(data + pos, &end, 10);
        const char *kv = end + 1;
        if (end == data + pos || *end != ' ' || rec == 0 || rec > len - pos ||
            data[pos + rec - 1] != '\n')
            return -1;
        const char *eq = memchr(kv, '=', (size_t)(data + pos + rec - kv));
        if (eq == NULL)
            return -1;
        size_t klen = (size_t)(eq - kv), vlen = (size_t)(data + pos + rec - 1 - eq - 1);
        if (klen == 4 && strncmp(kv, "path", 4) == 0) {
            free(*path);
            *path = xstrndup(eq + 1, vlen);
        } else if (klen == 8 && strncmp(kv, "linkpath", 8) == 0) {
            free(*link);
            *link = xstrndup(eq + 1, vlen);
        } else if (klen == 4 && strncmp(kv, "size", 4) == 0) {
            _cleanup_free_ char *v = xstrndup(eq + 1, vlen);
            if (parse_int64(v, 0, INT64_MAX, size) < 0)
                return -1;
        }
        pos += rec;
    }
    return 0;
}

static int read_at(int fd, void *buf, size_t len, off_t off, hull_error **err)
{
    ssize_t n;

    do
        n = pread(fd, buf, len, off);
    while (n < 0 && errno == EINTR);
    if (n < 0)
        return hull_err(err, errno, "read");
    if ((size_t)n < len)
        return hull_err_kind(err, HULL_ERR_BAD_INPUT, 0, "the archive is truncated at byte %lld",
                             (long long)off + n);
    return 0;
}

/* State carried from an extended header to the entry it describes. */
struct pending {
    char *path, *link;
    int64_t size; /* -1: none */
};

static void pending_clear(struct pending *p)
{
    free(p->path);
    free(p->link);
    *p = (struct pending){.size = -1};
}

/* Handles the header block B at OFF; *next gets the next header's offset. */
static int index_entry(struct store_archive *a, const unsigned char *b, off_t off, off_t file_size,
                       struct pending *p, off_t *next, hull_error **err)
{
    int64_t size;
    char type = (char)b[156];

    if (!checksum_ok(b) || parse_number(b + 124, 12, &size) < 0 || size < 0)
        return hull_err_kind(err, HULL_ERR_BAD_INPUT, 0, "not a tar archive (bad header at %lld)",
                             (long long)off);
    if (p->size >= 0 && type != 'x' && type != 'L' && type != 'K')
        size = p->size;
    off_t data = off + BLOCK;
    if (size > file_size - data)
        return hull_err_kind(err, HULL_ERR_BAD_INPUT, 0,
                             "the archive is truncated: a member at %lld needs %lld bytes",
                             (long long)off, (long long)size);
    *next = data + (off_t)((size + BLOCK - 1) / BLOCK * BLOCK);
    if (type == 'x' || type == 'L' || type == 'K') {
        if (size > PAX_MAX)
            return hull_err_kind(err, HULL_ERR_BAD_INPUT, 0, "tar extended header too large");
        _cleanup_free_ char *ext = xmalloc((size_t)size + 1);
        if (read_at(a->fd, ext, (size_t)size, data, err) < 0)
            return -1;
        ext[size] = '\0';
        if (type == 'L' || type == 'K') {
            char **dst = type == 'L' ? &p->path : &p->link;
            free(*dst);
            *dst = xstrdup(ext);
        } else if (parse_pax(ext, (size_t)size, &p->path, &p->link, &p->size) < 0) {
            return hull_err_kind(err, HULL_ERR_BAD_INPUT, 0, "bad pax header at %lld",
                                 (long long)off);
        }
        return 0;
    }
    if (type == '0' || type == '\0' || type == '1' || type == '2' || type == '7') {
        _cleanup_free_ char *raw = p->path ? xstrdup(p->path) : NULL;
        if (raw == NULL) {
            _cleanup_free_ char *name = header_string(b, 100);
            _cleanup_free_ char *prefix =
                memcmp(b + 257, "ustar\0", 6) == 0 ? header_string(b + 345, 155) : xstrdup("");
            raw = *prefix ? xasprintf("%s/%s", prefix, name) : xstrdup(name);
        }
        char *name = clean_name(NULL, raw);
        if (name != NULL) {
            struct member m = {.name = name, .off = data, .size = size, .hard = type == '1'};
            if (type == '1' || type == '2')
                m.link = p->link ? xstrdup(p->link) : header_string(b + 157, 100);
            add_member(a, m);
        }
    }
    pending_clear(p);
    return 0;
}

static int index_tar(struct store_archive *a, hull_error **err)
{
    unsigned char b[BLOCK];
    struct pending p = {.size = -1};
    struct stat st;
    off_t off = 0;
    int ret = 0;

    if (fstat(a->fd, &st) < 0)
        return hull_err(err, errno, "stat");
    while (ret == 0 && off + BLOCK <= st.st_size) {
        if ((ret = read_at(a->fd, b, BLOCK, off, err)) < 0)
            break;
        if (block_is_zero(b))
            break;
        ret = index_entry(a, b, off, st.st_size, &p, &off, err);
    }
    pending_clear(&p);
    if (ret == 0 && a->n == 0)
        ret = hull_err_kind(err, HULL_ERR_BAD_INPUT, 0, "not an image archive: no files in it");
    return ret;
}

/* Decompresses (or copies) FD into the work directory as a plain tar. */
static int spool(int fd, int ws_fd, hull_error **err)
{
    struct archive *a = archive_read_new();
    _cleanup_close_ int out = -1;
    _cleanup_free_ char *buf = NULL;
    struct archive_entry *e;
    int ret = -1;

    archive_read_support_filter_gzip(a);
    archive_read_support_filter_zstd(a);
    archive_read_support_format_raw(a);
    if (archive_read_open_fd(a, fd, SPOOL_BUF) != ARCHIVE_OK ||
        archive_read_next_header(a, &e) != ARCHIVE_OK) {
        ret = hull_err_kind(err, HULL_ERR_BAD_INPUT, 0, "read the archive: %s",
                            archive_error_string(a) ?: "empty input");
        goto out;
    }
    out = openat(ws_fd, SPOOL_NAME, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (out < 0) {
        ret = hull_err(err, errno, "create the spool file");
        goto out;
    }
    for (;;) {
        const void *blk;
        size_t size;
        la_int64_t o;
        int r = archive_read_data_block(a, &blk, &size, &o);
        if (r == ARCHIVE_EOF)
            break;
        if (r < ARCHIVE_WARN) {
            ret = hull_err_kind(err, HULL_ERR_BAD_INPUT, 0, "read the archive: %s",
                                archive_error_string(a));
            goto out;
        }
        if (write_all(out, blk, size) < 0) {
            ret = hull_err(err, errno, "write the spool file");
            goto out;
        }
    }
    ret = take_fd(out);
out:
    archive_read_free(a);
    return ret;
}

/* True when FD is a plain tar that can be read by offset. */
static bool seekable_plain_tar(int fd)
{
    unsigned char b[BLOCK];
    struct stat st;

    if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size < BLOCK)
        return false;
    if (pread(fd, b, BLOCK, 0) != BLOCK)
        return false;
    return checksum_ok(b) && !block_is_zero(b);
}

static int open_file_archive(struct store_archive *a, int fd, int ws_fd, hull_error **err)
{
    if (seekable_plain_tar(fd)) {
        a->fd = fd;
    } else {
        a->fd = spool(fd, ws_fd, err);
        close(fd);
        if (a->fd < 0)
            return -1;
    }
    return index_tar(a, err);
}

int store_archive_open(const char *path, int ws_fd, struct store_archive **out, hull_error **err)
{
    struct store_archive *a = xmalloc0(sizeof(*a));
    int fd;
    struct stat st;

    a->path = xstrdup(path);
    a->dirfd = a->fd = -1;
    fd = strcmp(path, "-") == 0 ? fcntl(STDIN_FILENO, F_DUPFD_CLOEXEC, 3)
                                : open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0 || fstat(fd, &st) < 0) {
        hull_err(err, errno, "open \"%s\"", path);
        if (fd >= 0)
            close(fd);
        store_archive_free(a);
        return -1;
    }
    if (S_ISDIR(st.st_mode))
        a->dirfd = fd;
    else if (open_file_archive(a, fd, ws_fd, err) < 0) {
        store_archive_free(a);
        return hull_err_wrap(err, "\"%s\"", path);
    }
    *out = a;
    return 0;
}

static const struct member *lookup(const struct store_archive *a, const char *name)
{
    /* the last member of a name wins, as when a tar is extracted */
    for (size_t i = a->n; i-- > 0;) {
        if (strcmp(a->members[i].name, name) == 0)
            return &a->members[i];
    }
    return NULL;
}

static int not_in_archive(const char *name, hull_error **err)
{
    return hull_err_kind(err, HULL_ERR_BAD_INPUT, ENOENT, "\"%s\" is not in the archive", name);
}

/* Follows symlinks (relative to the member's directory) and hardlinks
 * (archive names) between members, never out of the archive. */
static int resolve_member(const struct store_archive *a, const char *name,
                          const struct member **out, hull_error **err)
{
    _cleanup_free_ char *cur = clean_name(NULL, name);

    for (int depth = 0; cur != NULL && depth < LINK_DEPTH; depth++) {
        const struct member *m = lookup(a, cur);
        if (m == NULL)
            return not_in_archive(name, err);
        if (m->link == NULL) {
            *out = m;
            return 0;
        }
        _cleanup_free_ char *dir = xstrdup(cur);
        char *slash = strrchr(dir, '/');
        if (slash != NULL)
            *slash = '\0';
        free(cur);
        cur = clean_name(m->hard || slash == NULL ? NULL : dir, m->link);
    }
    return hull_err_kind(err, HULL_ERR_BAD_INPUT, 0,
                         "\"%s\": a link in the archive leads outside it or loops", name);
}

int store_archive_find(struct store_archive *a, const char *name, struct store_src *out,
                       hull_error **err)
{
    const struct member *m;
    struct stat st;

    if (a->dirfd >= 0) {
        _cleanup_error_ hull_error *e = NULL;
        int fd = hull_open_in_root(a->dirfd, name, O_RDONLY, 0, 0, &e);
        if (fd < 0) {
            if (e->errnum == ENOENT)
                return not_in_archive(name, err);
            *err = take_ptr(e);
            return hull_err_wrap(err, "\"%s\"", name);
        }
        if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
            close(fd);
            return hull_err_kind(err, HULL_ERR_BAD_INPUT, 0, "\"%s\" is not a file", name);
        }
        a->open_fds = xrealloc(a->open_fds, (a->n_fds + 1) * sizeof(int));
        a->open_fds[a->n_fds++] = fd;
        *out = (struct store_src){.fd = fd, .off = 0, .len = st.st_size};
        return 0;
    }
    if (resolve_member(a, name, &m, err) < 0)
        return -1;
    *out = (struct store_src){.fd = a->fd, .off = m->off, .len = m->size};
    return 0;
}

bool store_archive_has(struct store_archive *a, const char *name)
{
    const struct member *m;

    if (a->dirfd >= 0) {
        struct stat st;
        _cleanup_close_ int fd = hull_open_in_root(a->dirfd, name, O_PATH, 0, 0, NULL);
        return fd >= 0 && fstat(fd, &st) == 0 && S_ISREG(st.st_mode);
    }
    return resolve_member(a, name, &m, NULL) == 0;
}

int store_archive_read(struct store_archive *a, const char *name, size_t max, char **data,
                       size_t *len, hull_error **err)
{
    struct store_src src;
    char *buf;

    if (store_archive_find(a, name, &src, err) < 0)
        return -1;
    if ((uint64_t)src.len > max)
        return hull_err_kind(err, HULL_ERR_BAD_INPUT, 0, "\"%s\" is larger than %zu bytes", name,
                             max);
    buf = xmalloc((size_t)src.len + 1);
    if (read_at(src.fd, buf, (size_t)src.len, src.off, err) < 0) {
        free(buf);
        return hull_err_wrap(err, "\"%s\"", name);
    }
    buf[src.len] = '\0';
    *data = buf;
    *len = (size_t)src.len;
    return 0;
}

void store_archive_free(struct store_archive *a)
{
    if (a == NULL)
        return;
    for (size_t i = 0; i < a->n; i++) {
        free(a->members[i].name);
        free(a->members[i].link);
    }
    for (size_t i = 0; i < a->n_fds; i++)
        close(a->open_fds[i]);
    free(a->open_fds);
    free(a->members);
    closep(&a->dirfd);
    closep(&a->fd);
    free(a->path);
    free(a);
}
