#include "selfexe.h"
#include "util.h"

#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <link.h>
#include <string.h>
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

/* The bytes of the binary that executing it needs: the program headers
 * and what they describe (the loadable segments, the interpreter's name,
 * the notes).  The section headers and the debugging information behind
 * them, most of a development build, are for tools, not for the loader;
 * leaving them out makes the copy every `hull run` pays for a fraction of
 * the file.  Returns 0 when the file is not an ELF of this process's
 * class: it is then copied whole. */
static off_t exec_size(int fd, ElfW(Ehdr) * eh)
{
    ElfW(Phdr) ph[64];
    size_t len;
    off_t end;

    if (pread(fd, eh, sizeof(*eh), 0) != (ssize_t)sizeof(*eh) ||
        memcmp(eh->e_ident, ELFMAG, SELFMAG) != 0 ||
        eh->e_ident[EI_CLASS] != (sizeof(void *) == 8 ? ELFCLASS64 : ELFCLASS32) ||
        eh->e_phentsize != sizeof(ElfW(Phdr)) || eh->e_phnum == 0 || eh->e_phnum > ARRAY_SIZE(ph))
        return 0;
    len = eh->e_phnum * sizeof(ElfW(Phdr));
    if (pread(fd, ph, len, (off_t)eh->e_phoff) != (ssize_t)len)
        return 0;
    end = (off_t)(eh->e_phoff + len);
    for (size_t i = 0; i < eh->e_phnum; i++) {
        if ((off_t)(ph[i].p_offset + ph[i].p_filesz) > end)
            end = (off_t)(ph[i].p_offset + ph[i].p_filesz);
    }
    return end;
}

/* Copies what exec_size() measured (or all of SRC) into MFD; a shortened
 * copy says in its header that it has no section headers left. */
static int copy_binary(int src, int mfd, hull_error **err)
{
    ElfW(Ehdr) eh;
    off_t size = exec_size(src, &eh);
    struct stat st;

    if (fstat(src, &st) < 0)
        return hull_err(err, errno, "stat /proc/self/exe");
    if (size <= 0 || size > st.st_size)
        size = st.st_size;
    for (off_t off = 0; off < size;) {
        ssize_t n = sendfile(mfd, src, &off, (size_t)(size - off));
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return hull_err(err, n < 0 ? errno : EIO, "copy the runtime binary into a memfd");
    }
    if (size == st.st_size)
        return 0;
    eh.e_shoff = 0;
    eh.e_shnum = 0;
    eh.e_shstrndx = SHN_UNDEF;
    if (pwrite(mfd, &eh, sizeof(eh), 0) != (ssize_t)sizeof(eh))
        return hull_err(err, errno, "copy the runtime binary into a memfd");
    return 0;
}

/* F_SEAL_WRITE fails with EBUSY while a page of the file still has an
 * extra reference, which the pages sendfile just filled can hold for a
 * moment on a busy machine (the kernel waits a little, then gives up):
 * try again for up to about a tenth of a second. */
static int seal(int mfd)
{
    for (int tries = 0;; tries++) {
        if (fcntl(mfd, F_ADD_SEALS, REQUIRED_SEALS) == 0)
            return 0;
        if (errno != EBUSY || tries == 20)
            return -1;
        usleep(5000);
    }
}

int hull_selfexe_ensure_sealed(char **argv, hull_error **err)
{
    _cleanup_close_ int src = -1, mfd = -1;

    if (hull_selfexe_is_sealed())
        return 0;
    src = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
    if (src < 0)
        return hull_err(err, errno, "open /proc/self/exe");
    mfd = memfd_create("hull", MFD_CLOEXEC | MFD_ALLOW_SEALING);
    if (mfd < 0)
        return hull_err(err, errno, "memfd_create");
    if (copy_binary(src, mfd, err) < 0)
        return -1;
    if (seal(mfd) < 0)
        return hull_err(err, errno, "seal the runtime binary copy");
    fexecve(mfd, argv, environ);
    return hull_err(err, errno, "re-execute the runtime from its sealed copy");
}
