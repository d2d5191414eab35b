#include "selfexe.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <unistd.h>

#define REQUIRED_SEALS (F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE)

extern char **environ;

int hull_selfexe_is_sealed(void)
{
    _cleanup_close_ int fd = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return 0;
    int seals = fcntl(fd, F_GET_SEALS);
    return seals >= 0 && (seals & REQUIRED_SEALS) == REQUIRED_SEALS;
}

int hull_selfexe_ensure_sealed(char **argv, hull_error **err)
{
    _cleanup_close_ int src = -1, mfd = -1;
    struct stat st;

    if (hull_selfexe_is_sealed())
        return 0;
    src = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
    if (src < 0)
        return hull_err(err, errno, "open /proc/self/exe");
    if (fstat(src, &st) < 0)
        return hull_err(err, errno, "stat /proc/self/exe");
    mfd = memfd_create("hull", MFD_CLOEXEC | MFD_ALLOW_SEALING);
    if (mfd < 0)
        return hull_err(err, errno, "memfd_create");
    for (off_t left = st.st_size; left > 0;) {
        ssize_t n = sendfile(mfd, src, NULL, (size_t)left);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return hull_err(err, n < 0 ? errno : EIO, "copy the runtime binary into a memfd");
        left -= n;
    }
    if (fcntl(mfd, F_ADD_SEALS, REQUIRED_SEALS) < 0)
        return hull_err(err, errno, "seal the runtime binary copy");
    fexecve(mfd, argv, environ);
    return hull_err(err, errno, "re-execute the runtime from its sealed copy");
}
