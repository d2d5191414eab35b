/* config.json: the whole parser, and the "process" parser of exec. */
#include "fuzz_common.h"
#include "spec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    _cleanup_free_ char *text = fuzz_text(data, size);
    struct hull_spec *spec = NULL;
    struct hull_process p;
    hull_error *err = NULL;

    fuzz_quiet();
    if (hull_spec_parse(text, "config.json", "/bundle", &spec, &err) == 0)
        hull_spec_free(spec);
    hull_error_freep(&err);
    memset(&p, 0, sizeof(p));
    if (hull_spec_parse_process(text, "process.json", &p, &err) == 0)
        hull_process_clear(&p);
    hull_error_freep(&err);
    return 0;
}
