/* Capability names and applying process.capabilities.
 *
 * Order matters and is the caller's: the bounding set is reduced while the
 * process still holds CAP_SETPCAP (before the uid change), the other sets
 * after it, with PR_SET_KEEPCAPS keeping the permitted set across setuid. */
#include "caps.h"
#include "log.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#define CAP_LAST_KNOWN 40

static const char *const cap_names[CAP_LAST_KNOWN + 1] = {
    "CAP_CHOWN",
    "CAP_DAC_OVERRIDE",
    "CAP_DAC_READ_SEARCH",
    "CAP_FOWNER",
    "CAP_FSETID",
    "CAP_KILL",
    "CAP_SETGID",
    "CAP_SETUID",
    "CAP_SETPCAP",
    "CAP_LINUX_IMMUTABLE",
    "CAP_NET_BIND_SERVICE",
    "CAP_NET_BROADCAST",
    "CAP_NET_ADMIN",
    "CAP_NET_RAW",
    "CAP_IPC_LOCK",
    "CAP_IPC_OWNER",
    "CAP_SYS_MODULE",
    "CAP_SYS_RAWIO",
    "CAP_SYS_CHROOT",
    "CAP_SYS_PTRACE",
    "CAP_SYS_PACCT",
    "CAP_SYS_ADMIN",
    "CAP_SYS_BOOT",
    "CAP_SYS_NICE",
    "CAP_SYS_RESOURCE",
    "CAP_SYS_TIME",
    "CAP_SYS_TTY_CONFIG",
    "CAP_MKNOD",
    "CAP_LEASE",
    "CAP_AUDIT_WRITE",
    "CAP_AUDIT_CONTROL",
    "CAP_SETFCAP",
    "CAP_MAC_OVERRIDE",
    "CAP_MAC_ADMIN",
    "CAP_SYSLOG",
    "CAP_WAKE_ALARM",
    "CAP_BLOCK_SUSPEND",
    "CAP_AUDIT_READ",
    "CAP_PERFMON",
    "CAP_BPF",
    "CAP_CHECKPOINT_RESTORE",
};

#ifndef PR_CAP_AMBIENT
#define PR_CAP_AMBIENT           47
#define PR_CAP_AMBIENT_RAISE     2
#define PR_CAP_AMBIENT_CLEAR_ALL 4
#endif

#define CAP_BIT(n) (UINT64_C(1) << (n))

int hull_cap_from_name(const char *name)
{
    for (int i = 0; i <= CAP_LAST_KNOWN; i++)
        if (strcmp(cap_names[i], name) == 0)
            return i;
    return -1;
}

const char *hull_cap_name(int cap)
{
    return cap >= 0 && cap <= CAP_LAST_KNOWN ? cap_names[cap] : NULL;
}

int hull_cap_last_known(void)
{
    return CAP_LAST_KNOWN;
}

/* Without /proc (or with a bogus value) the kernel still answers
 * PR_CAPBSET_READ with EINVAL for numbers it does not know. */
static int probe_last_cap(void)
{
    int n = 0;
    while (n < 63 && prctl(PR_CAPBSET_READ, (unsigned long)n + 1, 0, 0, 0) >= 0)
        n++;
    return n;
}

int hull_cap_last_supported(void)
{
    static int cached = -1;
    char buf[16] = {0};
    int64_t v;

    if (cached >= 0)
        return cached;
    _cleanup_close_ int fd = open("/proc/sys/kernel/cap_last_cap", O_RDONLY | O_CLOEXEC);
    ssize_t n = fd >= 0 ? read_all(fd, buf, sizeof(buf) - 1) : -1;
    if (n > 0 && buf[n - 1] == '\n')
        buf[n - 1] = '\0';
    if (n > 0 && parse_int64(buf, 0, 63, &v) == 0)
        cached = (int)v;
    else
        cached = probe_last_cap();
    return cached;
}

int hull_caps_parse_names(char *const *names, const char *field, uint64_t *mask, hull_error **err)
{
    uint64_t m = 0;

    for (size_t i = 0; names != NULL && names[i] != NULL; i++) {
        int cap = hull_cap_from_name(names[i]);
        if (cap < 0)
            return hull_err_kind(err, HULL_ERR_BAD_INPUT, 0, "%s[%zu]: unknown capability \"%s\"",
                                 field, i, names[i]);
        m |= CAP_BIT(cap);
    }
    *mask = m;
    return 0;
}

/* Drops from MASK, with a debug line each, the capabilities this kernel does
 * not have: a config written for a newer kernel still runs, as with runc. */
static uint64_t kernel_mask(uint64_t mask, const char *set)
{
    int last = hull_cap_last_supported();

    for (int cap = last + 1; cap <= CAP_LAST_KNOWN; cap++) {
        if (mask & CAP_BIT(cap))
            hull_debug("%s capability %s is not supported by the kernel, skipped", set,
                       cap_names[cap]);
    }
    return last >= 63 ? mask : mask & (CAP_BIT(last + 1) - 1);
}

int hull_caps_apply_bounding(const struct hull_caps *caps, hull_error **err)
{
    uint64_t keep = caps->has_bounding ? kernel_mask(caps->bounding, "bounding") : 0;
    int last = hull_cap_last_supported();

    for (int cap = 0; cap <= last; cap++) {
        if (keep & CAP_BIT(cap))
            continue;
        if (prctl(PR_CAPBSET_DROP, (unsigned long)cap, 0, 0, 0) < 0) {
            const char *name = hull_cap_name(cap);
            if (name != NULL)
                return hull_err(err, errno, "drop %s from the bounding set", name);
            return hull_err(err, errno, "drop capability %d from the bounding set", cap);
        }
    }
    return 0;
}

static int set_ambient(uint64_t ambient, hull_error **err)
{
    if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0)
        return hull_err(err, errno, "clear the ambient capability set");
    for (int cap = 0; cap <= CAP_LAST_KNOWN; cap++) {
        if (!(ambient & CAP_BIT(cap)))
            continue;
        if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, (unsigned long)cap, 0, 0) < 0)
            return hull_err(err, errno, "raise ambient capability %s", cap_names[cap]);
    }
    return 0;
}

int hull_caps_apply_final(const struct hull_caps *caps, hull_error **err)
{
    uint64_t eff = caps->has_effective ? kernel_mask(caps->effective, "effective") : 0;
    uint64_t prm = caps->has_permitted ? kernel_mask(caps->permitted, "permitted") : 0;
    uint64_t inh = caps->has_inheritable ? kernel_mask(caps->inheritable, "inheritable") : 0;
    uint64_t amb = caps->has_ambient ? kernel_mask(caps->ambient, "ambient") : 0;
    struct __user_cap_header_struct hdr = {.version = _LINUX_CAPABILITY_VERSION_3, .pid = 0};
    struct __user_cap_data_struct data[2];

    /* The kernel refuses to raise an ambient capability that is not both
     * permitted and inheritable.  runc warns and goes on, and `runc spec`
     * writes such a config (ambient without inheritable): so do we, and
     * the capability is simply not raised. */
    for (int cap = 0; cap <= CAP_LAST_KNOWN; cap++) {
        if ((amb & CAP_BIT(cap)) && !((prm & inh) & CAP_BIT(cap))) {
            hull_warn("ambient capability %s is not in the permitted and inheritable sets: not "
                      "raised",
                      cap_names[cap]);
            amb &= ~CAP_BIT(cap);
        }
    }
    /* Likewise for an effective capability that is not permitted. */
    for (int cap = 0; cap <= CAP_LAST_KNOWN; cap++) {
        if ((eff & CAP_BIT(cap)) && !(prm & CAP_BIT(cap)))
            return hull_err_kind(err, HULL_ERR_BAD_INPUT, 0,
                                 "effective capability %s is not in the permitted set",
                                 cap_names[cap]);
    }
    for (int w = 0; w < 2; w++) {
        data[w].effective = (uint32_t)(eff >> (32 * w));
        data[w].permitted = (uint32_t)(prm >> (32 * w));
        data[w].inheritable = (uint32_t)(inh >> (32 * w));
    }
    if (syscall(SYS_capset, &hdr, data) < 0)
        return hull_err(err, errno, "set capabilities (capset)");
    return set_ambient(amb, err);
}
