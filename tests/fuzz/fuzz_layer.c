/* The layer applier on arbitrary archives, into a scratch directory that
 * is emptied after each input.  Anything created outside it would be a
 * confinement bug: the harness aborts when the sentinel next to the
 * scratch directory changes. */
#include "fuzz_common.h"
#include "layer.h"

#include <archive.h>
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

static char base[64];
static int base_fd = -1;

static void setup(void)
{
    snprintf(base, sizeof(base), "/tmp/hull-fuzz-layer-%d-XXXXXX", (int)getpid());
    if (mkdtemp(base) == NULL)
        abort();
    base_fd = open(base, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (base_fd < 0 || mkdirat(base_fd, "sentinel", 0755) < 0)
        abort();
}

static void check_sentinel(void)
{
    _cleanup_close_ int d = openat(base_fd, "sentinel", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    int entries = 0;
    DIR *dir = d >= 0 ? fdopendir(dup(d)) : NULL;
    struct dirent *de;

    if (dir == NULL)
        abort();
    while ((de = readdir(dir)) != NULL)
        entries += strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0;
    closedir(dir);
    if (entries != 0)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct archive *a = archive_read_new();
    struct hull_layer_opts o = {.overlay = size > 0 && (data[0] & 1),
                                .userxattr = size > 0 && (data[0] & 2)};
    hull_error *err = NULL;

    fuzz_quiet();
    if (base_fd < 0)
        setup();
    if (mkdirat(base_fd, "root", 0755) < 0)
        abort();
    int root = openat(base_fd, "root", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    archive_read_support_format_tar(a);
    archive_read_support_filter_all(a);
    if (root >= 0 && archive_read_open_memory(a, data, size) == ARCHIVE_OK &&
        hull_layer_apply(a, root, &o, NULL, &err) < 0)
        hull_error_freep(&err);
    archive_read_free(a);
    closep(&root);
    if (rm_rf_at(base_fd, "root", &err) < 0)
        abort();
    check_sentinel();
    return 0;
}
