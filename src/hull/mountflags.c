/* The mount and security flags of run and create, handed to the engine. */
#include "mountflags.h"

void hull_mount_flags_apply(const struct hull_mount_flags *f, struct hull_run_request *r)
{
    r->volumes = f->volumes;
    r->mounts = f->mounts;
    r->tmpfs = f->tmpfs;
    r->read_only = f->read_only;
    r->cap_add = f->cap_add;
    r->cap_drop = f->cap_drop;
    r->security_opt = f->security_opt;
    r->ulimits = f->ulimits;
    r->privileged = f->privileged;
}
