/* Image configs (store, hull run) and image references. */
#include "fuzz_common.h"
#include "image.h"

#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    _cleanup_free_ char *text = fuzz_text(data, size);
    hull_error *err = NULL;
    struct hull_ref ref;
    json_t *cfg = NULL;

    fuzz_quiet();
    if (hull_image_config_parse((const char *)data, size, &cfg, &err) == 0) {
        _cleanup_free_ char *dump = hull_image_config_dump(cfg);
        if (dump == NULL)
            abort();
        strv_free(hull_image_config_entrypoint(cfg));
        strv_free(hull_image_config_cmd(cfg));
        strv_free(hull_image_config_env(cfg));
        strv_free(hull_image_config_exposed_ports(cfg));
        strv_free(hull_image_config_volumes(cfg));
        strv_free(hull_image_config_diff_ids(cfg));
        json_decref(hull_image_config_labels(cfg));
        json_decref(cfg);
    }
    hull_error_freep(&err);
    /* The first line as a reference ("busybox:latest", "a/b@sha256:..."). */
    text[strcspn(text, "\n")] = '\0';
    if (hull_ref_parse(text, &ref, &err) == 0) {
        _cleanup_free_ char *s = hull_ref_format(&ref);
        if (s == NULL)
            abort();
        hull_ref_clear(&ref);
    }
    hull_error_freep(&err);
    return 0;
}
