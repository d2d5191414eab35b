#include "digest.h"
#include "util.h"

#include <dlfcn.h>
#include <errno.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <string.h>
#include <unistd.h>

#ifndef HULL_LIBCRYPTO_SONAME
#define HULL_LIBCRYPTO_SONAME "libcrypto.so.3"
#endif

/* libcrypto is loaded by the first digest rather than linked: most hull
 * processes (the monitor's exit hook, the copy `hull run` makes of itself)
 * never hash anything, and loading it costs each of them milliseconds. */
static struct {
    __typeof__(&EVP_MD_CTX_new) ctx_new;
    __typeof__(&EVP_MD_CTX_free) ctx_free;
    __typeof__(&EVP_DigestInit_ex) init;
    __typeof__(&EVP_DigestUpdate) update;
    __typeof__(&EVP_DigestFinal_ex) final;
    __typeof__(&EVP_sha256) sha256;
} evp;

static const char *evp_problem; /* why libcrypto is unusable, or NULL */

static void evp_load(void)
{
    void *lib = dlopen(HULL_LIBCRYPTO_SONAME, RTLD_NOW | RTLD_LOCAL);

    if (lib == NULL) {
        evp_problem = dlerror();
        return;
    }
    evp.ctx_new = (__typeof__(evp.ctx_new))dlsym(lib, "EVP_MD_CTX_new");
    evp.ctx_free = (__typeof__(evp.ctx_free))dlsym(lib, "EVP_MD_CTX_free");
    evp.init = (__typeof__(evp.init))dlsym(lib, "EVP_DigestInit_ex");
    evp.update = (__typeof__(evp.update))dlsym(lib, "EVP_DigestUpdate");
    evp.final = (__typeof__(evp.final))dlsym(lib, "EVP_DigestFinal_ex");
    evp.sha256 = (__typeof__(evp.sha256))dlsym(lib, "EVP_sha256");
    if (evp.ctx_new == NULL || evp.ctx_free == NULL || evp.init == NULL || evp.update == NULL ||
        evp.final == NULL || evp.sha256 == NULL)
        evp_problem = "it lacks the EVP digest functions";
}

/* Layers are imported by several threads at once: one load for all. */
static int load_libcrypto(hull_error **err)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;

    pthread_once(&once, evp_load);
    if (evp_problem != NULL)
        return hull_err(err, 0, "sha256: load %s: %s", HULL_LIBCRYPTO_SONAME, evp_problem);
    return 0;
}

struct hull_sha256 {
    EVP_MD_CTX *ctx;
    bool failed;
};

int hull_sha256_new(struct hull_sha256 **out, hull_error **err)
{
    struct hull_sha256 *h;

    if (load_libcrypto(err) < 0)
        return -1;
    h = xmalloc0(sizeof(*h));
    h->ctx = evp.ctx_new();
    if (h->ctx == NULL || evp.init(h->ctx, evp.sha256(), NULL) != 1) {
        hull_sha256_free(h);
        return hull_err(err, 0, "sha256: libcrypto cannot initialize the digest");
    }
    *out = h;
    return 0;
}

void hull_sha256_update(struct hull_sha256 *h, const void *data, size_t len)
{
    if (!h->failed && len > 0 && evp.update(h->ctx, data, len) != 1)
        h->failed = true;
}

int hull_sha256_final(struct hull_sha256 *h, char out[HULL_DIGEST_SIZE], hull_error **err)
{
    static const char digits[] = "0123456789abcdef";
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    char *p = out + strlen(HULL_DIGEST_PREFIX);

    if (h->failed || evp.final(h->ctx, md, &n) != 1 || n * 2 != HULL_SHA256_HEX_LEN) {
        h->failed = true;
        return hull_err(err, 0, "sha256: libcrypto failed to compute the digest");
    }
    h->failed = true; /* EVP contexts cannot be updated after Final */
    memcpy(out, HULL_DIGEST_PREFIX, strlen(HULL_DIGEST_PREFIX));
    for (unsigned int i = 0; i < n; i++) {
        *p++ = digits[md[i] >> 4];
        *p++ = digits[md[i] & 15];
    }
    *p = '\0';
    return 0;
}

void hull_sha256_free(struct hull_sha256 *h)
{
    if (h == NULL)
        return;
    if (h->ctx != NULL)
        evp.ctx_free(h->ctx);
    free(h);
}

void hull_sha256_freep(struct hull_sha256 **h)
{
    hull_sha256_free(*h);
    *h = NULL;
}

int hull_sha256_buf(const void *data, size_t len, char out[HULL_DIGEST_SIZE], hull_error **err)
{
    _cleanup_sha256_ struct hull_sha256 *h = NULL;

    if (hull_sha256_new(&h, err) < 0)
        return -1;
    hull_sha256_update(h, data, len);
    return hull_sha256_final(h, out, err);
}

int hull_sha256_fd(int fd, char out[HULL_DIGEST_SIZE], hull_error **err)
{
    _cleanup_sha256_ struct hull_sha256 *h = NULL;
    _cleanup_free_ char *buf = xmalloc(1 << 17);

    if (hull_sha256_new(&h, err) < 0)
        return -1;
    for (;;) {
        ssize_t n = read(fd, buf, 1 << 17);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return hull_err(err, errno, "sha256: read");
        if (n == 0)
            break;
        hull_sha256_update(h, buf, (size_t)n);
    }
    return hull_sha256_final(h, out, err);
}

bool hull_digest_is_hex(const char *s)
{
    size_t i;

    for (i = 0; s[i] != '\0'; i++) {
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
            return false;
    }
    return i == HULL_SHA256_HEX_LEN;
}

/* The OCI image spec's digest grammar: algorithm components [a-z0-9]+
 * joined by one of "+._-", a colon, then [a-zA-Z0-9=_-]+. */
static bool digest_well_formed(const char *s, size_t algo_len)
{
    bool need_component = true;

    for (size_t i = 0; i < algo_len; i++) {
        char c = s[i];
        if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) {
            need_component = false;
        } else if (strchr("+._-", c) != NULL && !need_component) {
            need_component = true;
        } else {
            return false;
        }
    }
    if (need_component || s[algo_len + 1] == '\0')
        return false;
    for (const char *p = s + algo_len + 1; *p != '\0'; p++) {
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
              strchr("=_-", *p) != NULL))
            return false;
    }
    return true;
}

int hull_digest_validate(const char *s, hull_error **err)
{
    const char *colon = strchr(s, ':');

    if (colon == NULL || !digest_well_formed(s, (size_t)(colon - s)))
        return hull_err_kind(err, HULL_ERR_BAD_INPUT, 0, "invalid digest \"%s\"", s);
    if ((size_t)(colon - s) != strlen(HULL_DIGEST_ALGO) ||
        strncmp(s, HULL_DIGEST_ALGO, strlen(HULL_DIGEST_ALGO)) != 0)
        return hull_err_kind(err, HULL_ERR_BAD_INPUT, 0,
                             "digest \"%s\": algorithm \"%.*s\" is not supported", s,
                             (int)(colon - s), s);
    if (!hull_digest_is_hex(colon + 1))
        return hull_err_kind(
            err, HULL_ERR_BAD_INPUT, 0,
            "invalid digest \"%s\": expected 64 lowercase hex digits after \"sha256:\"", s);
    return 0;
}

const char *hull_digest_hex(const char *digest)
{
    if (str_has_prefix(digest, HULL_DIGEST_PREFIX))
        return digest + strlen(HULL_DIGEST_PREFIX);
    return digest;
}
