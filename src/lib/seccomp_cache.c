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
#include <sys/stat.h>
#include <unistd.h>

/* An entry: this magic; the kernel flags, the key's length and the
 * program's length (little endian u32 each) and a u32 of zero; the FNV-1a
 * sum of the key and the program (u64); the key; the program.  The file's
 * name is only a hash of the key; the key itself decides, byte for byte,
 * whether an entry is the program of a profile, so two profiles whose
 * names collide never share a program.  The sum catches an entry damaged
 * on disk (a program cut short by a multiple of an instruction would load
 * as another program, or not at all). */
#define ENTRY_MAGIC     "HULLBPF3"
#define ENTRY_MAGIC_LEN 8
#define ENTRY_HEADER    32
#define KEY_MAX         (1u << 20)
#define ENTRY_MAX       (ENTRY_HEADER + KEY_MAX + BPF_MAXINSNS * sizeof(struct sock_filter))

/* Bumped whenever seccomp.c changes how it turns a profile into a program,
 * so entries of an older hull are never loaded. */
#define KEY_SCHEME "hull-seccomp-cache-3"

static void put_u64(struct hull_strbuf *b, uint64_t v)
{
    char c[8];
    for (int i = 0; i < 8; i++)
        c[i] = (char)(v >> (8 * i));
    hull_strbuf_put(b, c, sizeof(c));
}

/* Length-prefixed, and NULL distinct from "": no two field sequences make
 * the same bytes. */
static void put_str(struct hull_strbuf *b, const char *s)
{
    if (s == NULL) {
        put_u64(b, UINT64_MAX);
        return;
    }
    put_u64(b, strlen(s));
    hull_strbuf_put(b, s, strlen(s));
}

static void put_strv(struct hull_strbuf *b, char *const *v)
{
    size_t n = v != NULL ? strv_len(v) : 0;
    put_u64(b, v != NULL ? n : UINT64_MAX);
    for (size_t i = 0; i < n; i++)
        put_str(b, v[i]);
}

static void put_syscall(struct hull_strbuf *b, const struct hull_seccomp_syscall *s)
{
    put_strv(b, s->names);
    put_str(b, s->action);
    put_u64(b, s->has_errno_ret);
    put_u64(b, s->errno_ret);
    put_u64(b, s->n_args);
    for (size_t i = 0; i < s->n_args; i++) {
        put_u64(b, s->args[i].index);
        put_u64(b, s->args[i].value);
        put_u64(b, s->args[i].value_two);
        put_str(b, s->args[i].op);
    }
}

char *hull_seccomp_cache_key(const struct hull_seccomp *sc, size_t *len)
{
    struct hull_strbuf b = {0};
    const struct scmp_version *v = seccomp_version();

    put_str(&b, KEY_SCHEME);
    put_u64(&b, v != NULL ? v->major : 0);
    put_u64(&b, v != NULL ? v->minor : 0);
    put_u64(&b, v != NULL ? v->micro : 0);
    /* The API level says which kernel features libseccomp relies on: the
     * same profile compiles differently on an older kernel. */
    put_u64(&b, seccomp_api_get());
    put_u64(&b, seccomp_arch_native());
    put_str(&b, sc->default_action);
    put_u64(&b, sc->has_default_errno_ret);
    put_u64(&b, sc->default_errno_ret);
    put_strv(&b, sc->architectures);
    put_strv(&b, sc->flags);
    put_str(&b, sc->listener_path);
    put_str(&b, sc->listener_metadata);
    put_u64(&b, sc->n_syscalls);
    for (size_t i = 0; i < sc->n_syscalls; i++)
        put_syscall(&b, &sc->syscalls[i]);
    *len = b.n;
    return b.p;
}

#define FNV_OFFSET 0xcbf29ce484222325ULL

static uint64_t fnv1a(uint64_t h, const void *data, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        h ^= ((const unsigned char *)data)[i];
        h *= 0x100000001b3ULL;
    }
    return h;
}

/* FNV-1a (64 bits) of the key: a file name, not a proof of identity. */
char *hull_seccomp_cache_name(const char *key, size_t len)
{
    return xasprintf("%016llx.bpf", (unsigned long long)fnv1a(FNV_OFFSET, key, len));
}

static uint64_t get_u64(const unsigned char *p)
{
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--)
        v = v << 8 | p[i];
    return v;
}

static void set_u64(unsigned char *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}

static uint32_t get_u32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void set_u32(unsigned char *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}

/* The entry's bytes, if it is a regular file of a sane size: never
 * blocked by a FIFO or a device put in its place. */
static int entry_load(int dirfd, const char *name, char **text, size_t *size)
{
    _cleanup_close_ int fd = openat(dirfd, name, O_RDONLY | O_NONBLOCK | O_NOFOLLOW | O_CLOEXEC);
    struct stat st;

    if (fd < 0) {
        if (errno != ENOENT)
            hull_debug("seccomp cache: %s: %s", name, strerror(errno));
        return -1;
    }
    if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size <= ENTRY_HEADER ||
        (uint64_t)st.st_size > ENTRY_MAX) {
        hull_debug("seccomp cache: %s is not an entry", name);
        return -1;
    }
    *size = (size_t)st.st_size;
    *text = xmalloc(*size);
    if (read_all(fd, *text, *size) != (ssize_t)*size) {
        free(*text);
        *text = NULL;
        return -1;
    }
    return 0;
}

/* Reads DIRFD/NAME; returns 1 with the entry, 0 when there is no usable
 * entry for KEY (missing, damaged or another profile's: all mean
 * "compile"). */
static int entry_read(int dirfd, const char *name, const char *key, size_t key_len, void **bpf,
                      size_t *len, unsigned int *flags)
{
    _cleanup_free_ char *text = NULL;
    size_t size = 0, prog_len;

    if (entry_load(dirfd, name, &text, &size) < 0)
        return 0;
    const unsigned char *h = (const unsigned char *)text + ENTRY_MAGIC_LEN;
    prog_len = get_u32(h + 8);
    if (memcmp(text, ENTRY_MAGIC, ENTRY_MAGIC_LEN) != 0 || get_u32(h + 4) != key_len ||
        prog_len == 0 || prog_len % sizeof(struct sock_filter) != 0 ||
        size != ENTRY_HEADER + key_len + prog_len ||
        get_u64(h + 16) != fnv1a(FNV_OFFSET, text + ENTRY_HEADER, key_len + prog_len)) {
        hull_debug("seccomp cache: %s is damaged or of another version, compiling again", name);
        return 0;
    }
    if (memcmp(text + ENTRY_HEADER, key, key_len) != 0) {
        hull_debug("seccomp cache: %s holds another profile, compiling again", name);
        return 0;
    }
    *flags = get_u32(h);
    *len = prog_len;
    *bpf = xmalloc(*len);
    memcpy(*bpf, text + ENTRY_HEADER + key_len, *len);
    return 1;
}

static int entry_write(int dirfd, const char *name, const char *key, size_t key_len,
                       const void *bpf, size_t len, unsigned int flags, hull_error **err)
{
    _cleanup_free_ unsigned char *buf = xmalloc0(ENTRY_HEADER + key_len + len);

    memcpy(buf, ENTRY_MAGIC, ENTRY_MAGIC_LEN);
    set_u32(buf + ENTRY_MAGIC_LEN, flags);
    set_u32(buf + ENTRY_MAGIC_LEN + 4, (uint32_t)key_len);
    set_u32(buf + ENTRY_MAGIC_LEN + 8, (uint32_t)len);
    memcpy(buf + ENTRY_HEADER, key, key_len);
    memcpy(buf + ENTRY_HEADER + key_len, bpf, len);
    set_u64(buf + ENTRY_MAGIC_LEN + 16, fnv1a(FNV_OFFSET, buf + ENTRY_HEADER, key_len + len));
    return write_file_atomic(dirfd, name, buf, ENTRY_HEADER + key_len + len, 0600, err);
}

int hull_seccomp_cache_get(const char *dir, const struct hull_seccomp *sc, void **bpf, size_t *len,
                           unsigned int *flags, hull_error **err)
{
    size_t key_len;
    _cleanup_free_ char *key = hull_seccomp_cache_key(sc, &key_len);
    _cleanup_free_ char *name = hull_seccomp_cache_name(key, key_len);
    _cleanup_free_ void *prog = NULL;
    _cleanup_close_ int dirfd = -1;
    _cleanup_error_ hull_error *werr = NULL;
    size_t prog_len;
    unsigned int prog_flags;

    /* A cache that cannot be used only costs speed. */
    if (mkdir_p(dir, 0700, &werr) < 0)
        hull_warn("seccomp cache: %s", werr->msg);
    else if ((dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
        hull_warn("seccomp cache: open \"%s\": %s", dir, strerror(errno));
    if (dirfd >= 0 && key_len <= KEY_MAX &&
        entry_read(dirfd, name, key, key_len, bpf, len, flags) == 1)
        return 0;
    if (hull_seccomp_compile(sc, &prog, &prog_len, &prog_flags, err) < 0)
        return -1;
    /* Concurrent starts may both compile; the rename makes the last one
     * win with identical content.  A cache that cannot be written only
     * costs speed. */
    hull_error_freep(&werr);
    if (dirfd >= 0 && key_len <= KEY_MAX &&
        entry_write(dirfd, name, key, key_len, prog, prog_len, prog_flags, &werr) < 0)
        hull_warn("seccomp cache: %s", werr->msg);
    *bpf = take_ptr(prog);
    *len = prog_len;
    *flags = prog_flags;
    return 0;
}
