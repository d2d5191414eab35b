/* Unit tests of the generated configs: `hullrt spec` output must parse
 * back with the runtime's own parser, and `hullrt features` must be the
 * document of runtime-spec's features.md. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "caps.h"
#include "config.h"
#include "spec.h"
#include "specgen.h"
#include "util.h"

#include <jansson.h>
#include <string.h>
#include <sys/resource.h>

#define BIT(n) (UINT64_C(1) << (n))

static struct hull_spec *parse_default(bool rootless, unsigned int uid, unsigned int gid)
{
    char *text = hull_spec_default_json(rootless, uid, gid);
    struct hull_spec *spec = NULL;
    hull_error *err = NULL;

    assert_true(str_has_suffix(text, "}\n"));
    if (hull_spec_parse(text, "config.json", "/bundle", &spec, &err) < 0)
        fail_msg("default config does not parse: %s\n%s", err->msg, text);
    free(text);
    return spec;
}

static bool has_option(char *const *options, const char *name)
{
    for (size_t i = 0; options != NULL && options[i] != NULL; i++)
        if (strcmp(options[i], name) == 0)
            return true;
    return false;
}

static const struct hull_mount *find_mount(const struct hull_spec *spec, const char *dst)
{
    for (size_t i = 0; i < spec->n_mounts; i++)
        if (strcmp(spec->mounts[i].destination, dst) == 0)
            return &spec->mounts[i];
    fail_msg("no mount on %s", dst);
    return NULL;
}

static bool strv_contains(char *const *v, const char *s)
{
    return has_option(v, s);
}

static void check_common(const struct hull_spec *spec)
{
    static const char *const dsts[] = {"/proc",       "/dev", "/dev/pts",      "/dev/shm",
                                       "/dev/mqueue", "/sys", "/sys/fs/cgroup"};
    const struct hull_process *p = &spec->process;
    uint64_t caps = BIT(29) | BIT(5) | BIT(10); /* AUDIT_WRITE, KILL, NET_BIND_SERVICE */

    assert_string_equal(spec->oci_version, HULL_OCI_VERSION);
    assert_string_equal(spec->root_path, "/bundle/rootfs");
    assert_true(spec->root_readonly);
    assert_string_equal(spec->hostname, "hull");
    assert_true(p->terminal);
    assert_int_equal(strv_len(p->args), 1);
    assert_string_equal(p->args[0], "sh");
    assert_string_equal(hull_env_get(p->env, "TERM"), "xterm");
    assert_string_equal(hull_env_get(p->env, "PATH"),
                        "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
    assert_string_equal(p->cwd, "/");
    assert_int_equal(p->user.uid, 0);
    assert_true(p->caps.has_bounding && p->caps.has_effective && p->caps.has_permitted);
    assert_false(p->caps.has_inheritable || p->caps.has_ambient);
    assert_true(p->caps.bounding == caps && p->caps.effective == caps && p->caps.permitted == caps);
    assert_int_equal(p->n_rlimits, 1);
    assert_int_equal(p->rlimits[0].resource, RLIMIT_NOFILE);
    assert_true(p->rlimits[0].soft == 1024 && p->rlimits[0].hard == 1024);
    assert_true(p->no_new_privileges);
    assert_int_equal(spec->n_mounts, ARRAY_SIZE(dsts));
    for (size_t i = 0; i < ARRAY_SIZE(dsts); i++)
        assert_string_equal(spec->mounts[i].destination, dsts[i]);
    assert_true(has_option(find_mount(spec, "/sys/fs/cgroup")->options, "ro"));
    assert_true(strv_contains(spec->linux_.masked_paths, "/proc/kcore"));
    assert_true(strv_contains(spec->linux_.masked_paths, "/sys/firmware"));
    assert_true(strv_contains(spec->linux_.readonly_paths, "/proc/sys"));
    assert_true(strv_contains(spec->linux_.readonly_paths, "/proc/sysrq-trigger"));
    for (int t = HULL_NS_PID; t <= HULL_NS_CGROUP; t++) {
        if (t != HULL_NS_USER && t != HULL_NS_NETWORK)
            assert_true(spec->linux_.namespaces[t].present);
        assert_null(spec->linux_.namespaces[t].path);
    }
    assert_false(spec->linux_.namespaces[HULL_NS_TIME].present);
}

static void test_default(void **state)
{
    struct hull_spec *spec = parse_default(false, 0, 0);
    const struct hull_mount *m;

    check_common(spec);
    assert_true(spec->linux_.namespaces[HULL_NS_NETWORK].present);
    assert_false(spec->linux_.namespaces[HULL_NS_USER].present);
    assert_int_equal(spec->linux_.n_uid_mappings, 0);
    m = find_mount(spec, "/sys");
    assert_string_equal(m->type, "sysfs");
    assert_true(has_option(m->options, "ro"));
    assert_true(has_option(find_mount(spec, "/dev/pts")->options, "gid=5"));
    assert_true(spec->linux_.has_resources);
    assert_int_equal(spec->linux_.resources.n_devices, 1);
    assert_false(spec->linux_.resources.devices[0].allow);
    assert_string_equal(spec->linux_.resources.devices[0].access, "rwm");
    hull_spec_free(spec);
}

static void test_rootless(void **state)
{
    struct hull_spec *spec = parse_default(true, 1000, 1001);
    const struct hull_linux *l = &spec->linux_;
    const struct hull_mount *m;

    check_common(spec);
    assert_true(l->namespaces[HULL_NS_USER].present);
    assert_false(l->namespaces[HULL_NS_NETWORK].present);
    assert_int_equal(l->n_uid_mappings, 1);
    assert_true(l->uid_mappings[0].container_id == 0 && l->uid_mappings[0].host_id == 1000 &&
                l->uid_mappings[0].size == 1);
    assert_int_equal(l->n_gid_mappings, 1);
    assert_int_equal(l->gid_mappings[0].host_id, 1001);
    m = find_mount(spec, "/sys");
    assert_string_equal(m->type, "none");
    assert_string_equal(m->source, "/sys");
    assert_true(has_option(m->options, "rbind"));
    assert_true(has_option(m->options, "ro"));
    for (size_t i = 0; i < spec->n_mounts; i++)
        for (size_t k = 0; spec->mounts[i].options && spec->mounts[i].options[k]; k++) {
            assert_false(str_has_prefix(spec->mounts[i].options[k], "gid="));
            assert_false(str_has_prefix(spec->mounts[i].options[k], "uid="));
        }
    assert_false(l->has_resources);
    hull_spec_free(spec);
}

static json_t *get_path(json_t *doc, const char *a, const char *b, const char *c)
{
    json_t *v = json_object_get(doc, a);
    if (v != NULL && b != NULL)
        v = json_object_get(v, b);
    if (v != NULL && c != NULL)
        v = json_object_get(v, c);
    if (v == NULL)
        fail_msg("features has no %s%s%s%s%s", a, b ? "." : "", b ? b : "", c ? "." : "",
                 c ? c : "");
    return v;
}

static bool array_has(json_t *arr, const char *s)
{
    size_t i;
    json_t *item;

    assert_true(json_is_array(arr));
    json_array_foreach (arr, i, item) {
        if (json_is_string(item) && strcmp(json_string_value(item), s) == 0)
            return true;
    }
    return false;
}

static void check_features_linux(json_t *doc)
{
    json_t *caps = get_path(doc, "linux", "capabilities", NULL);
    size_t ncaps = json_array_size(caps);

    assert_int_equal(json_array_size(get_path(doc, "linux", "namespaces", NULL)), 8);
    assert_true(array_has(get_path(doc, "linux", "namespaces", NULL), "time"));
    assert_int_equal(ncaps, (size_t)hull_cap_last_known() + 1);
    assert_string_equal(json_string_value(json_array_get(caps, ncaps - 1)),
                        "CAP_CHECKPOINT_RESTORE");
    assert_true(json_is_true(get_path(doc, "linux", "cgroup", "v1")));
    assert_true(json_is_true(get_path(doc, "linux", "cgroup", "v2")));
    assert_true(json_is_false(get_path(doc, "linux", "cgroup", "systemd")));
    assert_true(json_is_true(get_path(doc, "linux", "seccomp", "enabled")));
    assert_true(array_has(get_path(doc, "linux", "seccomp", "actions"), "SCMP_ACT_ERRNO"));
    assert_true(array_has(get_path(doc, "linux", "seccomp", "actions"), "SCMP_ACT_ALLOW"));
    assert_int_equal(json_array_size(get_path(doc, "linux", "seccomp", "operators")), 7);
    assert_true(array_has(get_path(doc, "linux", "seccomp", "operators"), "SCMP_CMP_MASKED_EQ"));
    assert_true(array_has(get_path(doc, "linux", "seccomp", "archs"), "SCMP_ARCH_X86_64"));
    assert_true(array_has(get_path(doc, "linux", "seccomp", "archs"), "SCMP_ARCH_AARCH64"));
    assert_true(json_is_false(get_path(doc, "linux", "apparmor", "enabled")));
    assert_true(json_is_false(get_path(doc, "linux", "selinux", "enabled")));
}

static void test_features(void **state)
{
    char *text = hull_features_json();
    json_error_t je;
    json_t *doc = json_loads(text, JSON_REJECT_DUPLICATES, &je);

    if (doc == NULL)
        fail_msg("features is not JSON: %s", je.text);
    assert_true(str_has_suffix(text, "}\n"));
    assert_string_equal(json_string_value(get_path(doc, "ociVersionMin", NULL, NULL)), "1.0.0");
    assert_string_equal(json_string_value(get_path(doc, "ociVersionMax", NULL, NULL)),
                        HULL_OCI_VERSION);
    json_t *hooks = get_path(doc, "hooks", NULL, NULL);
    assert_int_equal(json_array_size(hooks), 6);
    assert_true(array_has(hooks, "createRuntime") && array_has(hooks, "poststop"));
    json_t *opts = get_path(doc, "mountOptions", NULL, NULL);
    assert_true(array_has(opts, "ro") && array_has(opts, "rbind") && array_has(opts, "nosuid"));
    check_features_linux(doc);
    assert_string_equal(
        json_string_value(get_path(doc, "annotations", "io.github.hull.version", NULL)),
        HULL_VERSION);
    /* hull must not claim to be runc. */
    assert_null(strstr(text, "org.opencontainers.runc"));
    json_decref(doc);
    free(text);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_default),
        cmocka_unit_test(test_rootless),
        cmocka_unit_test(test_features),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
