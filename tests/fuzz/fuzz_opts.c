/* hull run's option parsers: -p / --expose, -v, --mount and --tmpfs.  The
 * first byte picks the parser, the rest is the option's value. */
#include "fuzz_common.h"
#include "mountspec.h"
#include "net_ports.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    _cleanup_free_ char *text = fuzz_text(data + 1, size - 1);
    struct hull_mount_spec m = {0};
    struct hull_ports ports = {0};
    hull_error *err = NULL;
    int r;

    fuzz_quiet();
    switch (data[0] % 5) {
    case 0:
        r = hull_ports_parse_publish(text, &ports, &err);
        break;
    case 1:
        r = hull_ports_parse_expose(text, &ports, &err);
        break;
    case 2:
        r = hull_mount_spec_parse_volume(text, &m, &err);
        break;
    case 3:
        r = hull_mount_spec_parse_mount(text, &m, &err);
        break;
    default:
        r = hull_mount_spec_parse_tmpfs(text, &m, &err);
        if (r == 0)
            strv_free(hull_mount_spec_tmpfs_options(&m));
        break;
    }
    (void)r;
    hull_ports_clear(&ports);
    hull_mount_spec_clear(&m);
    hull_error_freep(&err);
    return 0;
}
