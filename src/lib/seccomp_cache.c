/* Compiled seccomp programs kept on disk, keyed by what shapes them. */
#include "seccomp_cache.h"
#include "log.h"
#include "seccomp_bpf.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <seccomp.h>
#include <string.h>
#include <unistd.h>

/* An entry: this magic, the kernel flags (little endian u32), four bytes of
 * padding, then the program. */
#define ENTRY_MAGIC     "HULLBPF1"
#define ENTRY_MAGIC_LEN 8
#define ENTRY_HEADER    16
#define ENTRY_MAX       (ENTRY_HEADER + BPF_MAXINSNS * sizeof(struct sock_filter))

/* Bumped whenever seccomp.c changes how it turns a profile into a program,
 * so entries of an older hull are never loaded. */
#define KEY_SCHEME "hull-seccomp-cache-2"

static void put_u64(struct hull_sha256 *h, uint64_t v)
{
    unsigned char b[8];
    for (int i = 0; i < 8; i++)
        b[i] = (unsigned char)(v >> (8 * i));
    hull_sha256_update(h, b, sizeof(b));
}

/* Length-prefixed, and NULL distinct from "": no two field sequences hash
 * the same bytes. */
static void put_str(struct hull_sha256 *h, const char *s)
{
    if (s == NULL) {
        put_u64(h, UINT64_MAX);
        return;
    }
    put_u64(h, strlen(s));
    hull_sha256_update(h, s, strlen(s));
}

static void put_strv(struct hull_sha256 *h, char *const *v)
{
    size_t n = v != NULL ? strv_len(v) : 0;
    put_u64(h, v != NULL ? n : UINT64_MAX);
    for (size_t i = 0; i < n; i++)
        put_str(h, v[i]);
}

static void put_syscall(struct hull_sha256 *h, const struct hull_seccomp_syscall *s)
{
    put_strv(h, s->names);
    put_str(h, s->action);
    put_u64(h, s->has_errno_ret);
    put_u64(h, s->errno_ret);
    put_u64(h, s->n_args);
    for (size_t i = 0; i < s->n_args; i++) {
        put_u64(h, s->args[i].index);
        put_u64(h, s->args[i].value);
        put_u64(h, s->args[i].value_two);
        put_str(h, s->args[i].op);
    }
}

int hull_seccomp_cache_key(const struct hull_seccomp *sc, char key[HULL_DIGEST_SIZE],
                           hull_error **err)
{
    _cleanup_sha256_ struct hull_sha256 *h = NULL;
    const struct scmp_version *v = seccomp_version();

    if (hull_sha256_new(&h, err) < 0)
        return -1;
    put_str(h, KEY_SCHEME);
    put_u64(h, v != NULL ? v->major : 0);
    put_u64(h, v != NULL ? v->minor : 0);
    put_u64(h, v != NULL ? v->micro : 0);
    /* The API level says which kernel features libseccomp relies on: the
     * same profile compiles differently on an older kernel. */
    put_u64(h, seccomp_api_get());
    put_u64(h, seccomp_arch_native());
    put_str(h, sc->default_action);
    put_u64(h, sc->has_default_errno_ret);
    put_u64(h, sc->default_errno_ret);
    put_strv(h, sc->architectures);
    put_strv(h, sc->flags);
    put_str(h, sc->listener_path);
    put_str(h, sc->listener_metadata);
    put_u64(h, sc->n_syscalls);
    for (size_t i = 0; i < sc->n_syscalls; i++)
        put_syscall(h, &sc->syscalls[i]);
    return hull_sha256_final(h, key, err);
}

/* Reads DIRFD/NAME; returns 1 with the entry, 0 when there is no usable
 * entry (missing or damaged: both mean "compile"). */
static int entry_read(int dirfd, const char *name, void **bpf, size_t *len, unsigned int *flags)
{
    _cleanup_free_ char *text = NULL;
    _cleanup_error_ hull_error *e = NULL;
    size_t size = 0;

    if (read_file_at(dirfd, name, ENTRY_MAX, &text, &size, &e) < 0) {
        if (e->errnum != ENOENT)
            hull_debug("seccomp cache: %s: %s", name, e->msg);
        return 0;
    }
    if (size <= ENTRY_HEADER || (size - ENTRY_HEADER) % sizeof(struct sock_filter) != 0 ||
        memcmp(text, ENTRY_MAGIC, ENTRY_MAGIC_LEN) != 0) {
        hull_debug("seccomp cache: %s is damaged, compiling again", name);
        return 0;
    }
    const unsigned char *f = (const unsigned char *)text + ENTRY_MAGIC_LEN;
    *flags = (unsigned int)f[0] | (unsigned int)f[1] << 8 | (unsigned int)f[2] << 16 |
             (unsigned int)f[3] << 24;
    *len = size - ENTRY_HEADER;
    *bpf = xmalloc(*len);
    memcpy(*bpf, text + ENTRY_HEADER, *len);
    return 1;
}

static int entry_write(int dirfd, const char *name, const void *bpf, size_t len, unsigned int flags,
                       hull_error **err)
{
    _cleanup_free_ unsigned char *buf = xmalloc0(ENTRY_HEADER + len);

    memcpy(buf, ENTRY_MAGIC, ENTRY_MAGIC_LEN);
    for (int i = 0; i < 4; i++)
        buf[ENTRY_MAGIC_LEN + i] = (unsigned char)(flags >> (8 * i));
    memcpy(buf + ENTRY_HEADER, bpf, len);
    return write_file_atomic(dirfd, name, buf, ENTRY_HEADER + len, 0600, err);
}

int hull_seccomp_cache_get(const char *dir, const struct hull_seccomp *sc, void **bpf, size_t *len,
                           unsigned int *flags, hull_error **err)
{
    char key[HULL_DIGEST_SIZE];
    _cleanup_free_ char *name = NULL;
    _cleanup_free_ void *prog = NULL;
    _cleanup_close_ int dirfd = -1;
    _cleanup_error_ hull_error *werr = NULL;
    size_t prog_len;
    unsigned int prog_flags;

    if (hull_seccomp_cache_key(sc, key, err) < 0)
        return -1;
    if (mkdir_p(dir, 0700, err) < 0)
        return hull_err_wrap(err, "seccomp cache");
    dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dirfd < 0)
        return hull_err(err, errno, "seccomp cache: open \"%s\"", dir);
    name = xasprintf("%s.bpf", hull_digest_hex(key));
    if (entry_read(dirfd, name, bpf, len, flags) == 1)
        return 0;
    if (hull_seccomp_compile(sc, &prog, &prog_len, &prog_flags, err) < 0)
        return -1;
    /* Concurrent starts may both compile; the rename makes the last one
     * win with identical content.  A cache that cannot be written only
     * costs speed. */
    if (entry_write(dirfd, name, prog, prog_len, prog_flags, &werr) < 0)
        hull_warn("seccomp cache: %s", werr->msg);
    *bpf = take_ptr(prog);
    *len = prog_len;
    *flags = prog_flags;
    return 0;
}
