/* Docker-format seccomp profiles (--security-opt seccomp=FILE): the
 * translation, then what the runtime does with the result: parse it as
 * linux.seccomp and build the libseccomp filter. */
#include "fuzz_common.h"
#include "seccomp_docker.h"
#include "seccomp_profile.h"
#include "spec.h"

static char *caps_none[] = {NULL};
static char *caps_admin[] = {(char *)"CAP_SYS_ADMIN", (char *)"CAP_SYS_PTRACE", NULL};

static void check_translated(json_t *sc)
{
    json_t *cfg = json_pack("{s:s, s:{s:s}, s:{s:O}}", "ociVersion", "1.2.0", "root", "path", "/",
                            "linux", "seccomp", sc);
    _cleanup_free_ char *text = json_dumps(cfg, 0);
    struct hull_spec *spec = NULL;
    hull_error *err = NULL;

    json_decref(cfg);
    if (text != NULL && hull_spec_parse(text, "config.json", NULL, &spec, &err) == 0) {
        if (hull_seccomp_check(&spec->linux_.seccomp, &err) < 0)
            hull_error_freep(&err);
        hull_spec_free(spec);
    }
    hull_error_freep(&err);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    _cleanup_free_ char *text = fuzz_text(data, size);
    struct hull_seccomp_target t = {
        .arch = "amd64", .scmp_arch = "SCMP_ARCH_X86_64", .kernel_major = 5, .kernel_minor = 10};
    hull_error *err = NULL;
    json_t *out = NULL;

    fuzz_quiet();
    t.caps = size % 2 ? caps_admin : caps_none;
    if (hull_seccomp_docker_translate_text(text, "fuzz.json", &t, &out, &err) == 0) {
        check_translated(out);
        json_decref(out);
    }
    hull_error_freep(&err);
    return 0;
}
