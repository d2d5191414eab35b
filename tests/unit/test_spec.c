/* Unit tests of config.json parsing (spec.c and the spec_*.c sections). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "spec.h"
#include "util.h"

#include <fcntl.h>
#include <sched.h>
#include <string.h>
#include <sys/personality.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

/* A config's start: every case adds its members after these two. */
#define DOC(body) "{\n\"ociVersion\": \"1.2.0\",\n\"root\": {\"path\": \"rootfs\"}" body "\n}\n"
/* A valid process with extra members. */
#define PROC(extra) ",\n\"process\": {\n\"cwd\": \"/\",\n\"args\": [\"sh\"]" extra "\n}"
/* A linux section with a mount namespace and extra members. */
#define LINUX(extra) ",\n\"linux\": {\n\"namespaces\": [{\"type\": \"mount\"}]" extra "\n}"

/* Line (1-based) of the first occurrence of NEEDLE in TEXT. */
static int line_of(const char *text, const char *needle)
{
    const char *at = strstr(text, needle);
    int line = 1;

    if (at == NULL)
        fail_msg("test bug: \"%s\" not in the config", needle);
    for (const char *p = text; p < at; p++)
        line += *p == '\n';
    return line;
}

static struct hull_spec *parse_ok(const char *json)
{
    struct hull_spec *spec = NULL;
    hull_error *err = NULL;

    if (hull_spec_parse(json, "config.json", "/bundle", &spec, &err) < 0)
        fail_msg("unexpected error: %s", err->msg);
    assert_non_null(spec);
    return spec;
}

/* ---- error cases: each names the file, the line of AT and the field ---- */

struct error_case {
    const char *name;
    const char *json;
    const char *at;      /* text on the expected line; NULL when no line is expected */
    const char *message; /* what follows "config.json:LINE: " */
};

static const struct error_case error_cases[] = {
    {"version_missing", "{\n\"root\": {\"path\": \"rootfs\"}\n}", "{",
     "ociVersion: required field is missing"},
    {"version_major_2", "{\n\"ociVersion\": \"2.0.0\",\n\"root\": {\"path\": \"r\"}\n}", "2.0.0",
     "ociVersion: unsupported version \"2.0.0\" (this runtime supports 1.x)"},
    {"version_not_string", "{\n\"ociVersion\": 1,\n\"root\": {\"path\": \"r\"}\n}", "1,",
     "ociVersion: expected a string, got an integer"},
    {"top_level_array", "[\n1\n]", "[", "expected an object, got an array"},
    {"root_missing", "{\n\"ociVersion\": \"1.0.2\"\n}", "{", "root: required field is missing"},
    {"root_path_missing", "{\n\"ociVersion\": \"1.0.2\",\n\"root\": {\n\"readonly\": true}\n}",
     "\"root\"", "root.path: required field is missing"},
    {"root_readonly_string",
     "{\n\"ociVersion\": \"1.0.2\",\n\"root\": {\"path\": \"r\",\n\"readonly\": \"yes\"}\n}",
     "\"yes\"", "root.readonly: expected a boolean, got a string"},
    {"args_empty", DOC(",\n\"process\": {\"cwd\": \"/\",\n\"args\": []}"), "\"args\"",
     "process.args: must not be empty"},
    {"args_missing", DOC(",\n\"process\": {\n\"cwd\": \"/\"}"), "\"process\"",
     "process.args: required field is missing"},
    {"args_not_strings", DOC(",\n\"process\": {\"cwd\": \"/\", \"args\": [\"sh\",\n3]}"), "3]",
     "process.args[1]: expected a string, got an integer"},
    {"args_empty_command", DOC(",\n\"process\": {\"cwd\": \"/\", \"args\": [\n\"\"]}"), "\"\"]",
     "process.args[0]: the command must not be empty"},
    {"cwd_relative", DOC(",\n\"process\": {\"args\": [\"sh\"],\n\"cwd\": \"tmp\"}"), "\"tmp\"",
     "process.cwd: \"tmp\" is not an absolute path"},
    {"cwd_missing", DOC(",\n\"process\": {\"args\": [\"sh\"]}"), "\"process\"",
     "process.cwd: required field is missing"},
    {"env_no_equals", DOC(PROC(",\n\"env\": [\"A=1\",\n\"NOPE\"]")), "\"NOPE\"",
     "process.env[1]: \"NOPE\" is not of the form KEY=VALUE"},
    {"uid_string", DOC(PROC(",\n\"user\": {\n\"uid\": \"0\", \"gid\": 0}")), "\"uid\"",
     "process.user.uid: expected an integer, got a string"},
    {"uid_above_int32", DOC(PROC(",\n\"user\": {\n\"uid\": 2147483648, \"gid\": 0}")), "\"uid\"",
     "process.user.uid: 2147483648 is out of range (0..2147483647)"},
    {"uid_negative", DOC(PROC(",\n\"user\": {\"uid\": 0,\n\"gid\": -1}")), "\"gid\"",
     "process.user.gid: -1 is out of range (0..2147483647)"},
    {"uid_real", DOC(PROC(",\n\"user\": {\n\"uid\": 1.5, \"gid\": 0}")), "1.5",
     "process.user.uid: expected an integer, got a real number"},
    {"uid_beyond_uint64", DOC(PROC(",\n\"user\": {\n\"uid\": 4294967296000000000000, \"gid\": 0}")),
     "\"uid\"", "process.user.uid: 4294967296000000000000 is out of range (0..2147483647)"},
    {"uid_missing", DOC(PROC(",\n\"user\": {\"gid\": 0}")), "\"user\"",
     "process.user.uid: required field is missing"},
    {"additional_gid_overflow",
     DOC(PROC(",\n\"user\": {\"uid\": 0, \"gid\": 0, \"additionalGids\": [1,\n4294967296]}")),
     "4294967296]", "process.user.additionalGids[1]: 4294967296 is out of range (0..2147483647)"},
    {"umask_too_big", DOC(PROC(",\n\"user\": {\"uid\": 0, \"gid\": 0,\n\"umask\": 512}")), "512",
     "process.user.umask: 512 is out of range (0..511)"},
    {"mount_destination_relative",
     DOC(",\n\"mounts\": [\n{\"destination\": \"/proc\", \"type\": \"proc\"},\n{\"destination\": "
         "\"/dev\"},\n{\"destination\": \"tmp\", \"type\": \"tmpfs\"}]"),
     "\"tmp\"", "mounts[2].destination: \"tmp\" is not an absolute path"},
    {"mount_options_not_array",
     DOC(",\n\"mounts\": [{\"destination\": \"/x\",\n\"options\": \"ro\"}]"), "\"ro\"",
     "mounts[0].options: expected an array, got a string"},
    {"mount_idmap_zero_size",
     DOC(",\n\"mounts\": [{\"destination\": \"/x\",\n\"uidMappings\": [{\"containerID\": 0, "
         "\"hostID\": 1, \"size\": 0}]}]"),
     "\"uidMappings\"", "mounts[0].uidMappings[0]: size must be greater than 0"},
    {"unknown_key_ignored", DOC(LINUX(",\n\"extra\": 1")), NULL, NULL},
    {"namespace_type_unknown",
     DOC(",\n\"linux\": {\"namespaces\": [{\"type\": \"pid\"},\n{\"type\": \"bogus\"}]}"),
     "\"bogus\"", "linux.namespaces[1].type: unknown namespace type \"bogus\""},
    {"namespace_duplicate",
     DOC(",\n\"linux\": {\"namespaces\": [\n{\"type\": \"pid\"},\n{\"type\": \"mount\"},\n{\"type\": "
         "\"uts\"},\n{\"type\": \"pid\"}]}"),
     "{\"type\": \"pid\"}]", "linux.namespaces[3].type: duplicate namespace \"pid\""},
    {"namespace_type_net", DOC(",\n\"linux\": {\"namespaces\": [{\"type\": \"net\"}]}"), "\"net\"",
     "linux.namespaces[0].type: unknown namespace type \"net\""},
    {"namespace_path_not_absolute",
     DOC(",\n\"linux\": {\"namespaces\": [{\"type\": \"network\",\n\"path\": \"ns/net\"}]}"),
     "\"ns/net\"", "linux.namespaces[0].path: \"ns/net\" is not an absolute path"},
    {"mappings_without_userns",
     DOC(LINUX(",\n\"uidMappings\": [{\"containerID\": 0, \"hostID\": 1000, \"size\": 1}]")),
     "\"uidMappings\"", "linux.uidMappings: mappings require a user namespace in linux.namespaces"},
    {"userns_without_mappings",
     DOC(",\n\"linux\": {\n\"namespaces\": [{\"type\": \"user\"}],\n\"uidMappings\": "
         "[{\"containerID\": 0, \"hostID\": 1000, \"size\": 1}]}"),
     "\"namespaces\"",
     "linux.namespaces: a new user namespace requires linux.uidMappings and linux.gidMappings"},
    {"mappings_overlap",
     DOC(",\n\"linux\": {\"namespaces\": [{\"type\": \"user\"}],\n\"uidMappings\": [\n"
         "{\"containerID\": 0, \"hostID\": 1000, \"size\": 10},\n{\"containerID\": 5, "
         "\"hostID\": 2000, \"size\": 10}],\n\"gidMappings\": [{\"containerID\": 0, \"hostID\": "
         "1000, \"size\": 1}]}"),
     "\"uidMappings\"",
     "linux.uidMappings[1]: container ids 5..14 overlap those of linux.uidMappings[0]"},
    {"mapping_id_type",
     DOC(",\n\"linux\": {\"uidMappings\": [{\"containerID\": 0,\n\"hostID\": \"1000\", \"size\": "
         "1}]}"),
     "\"hostID\"", "linux.uidMappings[0].hostID: expected an integer, got a string"},
    {"time_offsets_without_timens",
     DOC(LINUX(",\n\"timeOffsets\": {\"monotonic\": {\"secs\": 10}}")), "\"timeOffsets\"",
     "linux.timeOffsets: time offsets require a new time namespace"},
    {"time_offsets_unknown_clock",
     DOC(",\n\"linux\": {\"namespaces\": [{\"type\": \"time\"}],\n\"timeOffsets\": {\n\"realtime\": "
         "{\"secs\": 1}}}"),
     "\"realtime\"",
     "linux.timeOffsets.realtime: unknown clock \"realtime\" (expected \"monotonic\" or "
     "\"boottime\")"},
    {"hostname_without_uts", DOC(",\n\"hostname\": \"box\"" LINUX("")), "\"box\"",
     "hostname: setting the hostname requires a private UTS namespace"},
    {"domainname_without_uts", DOC(",\n\"domainname\": \"example.org\""), "\"example.org\"",
     "domainname: setting the domainname requires a private UTS namespace"},
    {"capability_unknown",
     DOC(PROC(",\n\"capabilities\": {\"bounding\": [\"CAP_KILL\",\n\"CAP_FOO\"]}")), "\"CAP_FOO\"",
     "process.capabilities.bounding[1]: unknown capability \"CAP_FOO\""},
    {"capability_lower_case", DOC(PROC(",\n\"capabilities\": {\"ambient\": [\n\"chown\"]}")),
     "\"chown\"", "process.capabilities.ambient[0]: unknown capability \"chown\""},
    {"capabilities_old_array", DOC(PROC(",\n\"capabilities\": [\"CAP_KILL\"]")), "\"capabilities\"",
     "process.capabilities: expected an object, got an array"},
    {"rlimit_unknown",
     DOC(PROC(",\n\"rlimits\": [\n{\"type\": \"RLIMIT_FOO\", \"soft\": 1, \"hard\": 1}]")),
     "RLIMIT_FOO", "process.rlimits[0].type: unknown rlimit \"RLIMIT_FOO\""},
    {"rlimit_soft_above_hard",
     DOC(PROC(",\n\"rlimits\": [{\"type\": \"RLIMIT_NOFILE\",\n\"soft\": 2048, \"hard\": 1024}]")),
     "2048", "process.rlimits[0].soft: soft limit 2048 is above the hard limit 1024"},
    {"rlimit_duplicate",
     DOC(PROC(
         ",\n\"rlimits\": [{\"type\": \"RLIMIT_NOFILE\", \"soft\": 1, \"hard\": 1},\n{\"type\": "
         "\"RLIMIT_NOFILE\", \"soft\": 2, \"hard\": 2}]")),
     "\"soft\": 2", "process.rlimits[1].type: duplicate rlimit \"RLIMIT_NOFILE\""},
    {"rlimit_missing_hard",
     DOC(PROC(",\n\"rlimits\": [\n{\"type\": \"RLIMIT_CORE\", \"soft\": 1}]")), "RLIMIT_CORE",
     "process.rlimits[0].hard: required field is missing"},
    {"oom_score_adj_range", DOC(PROC(",\n\"oomScoreAdj\": 1001")), "1001",
     "process.oomScoreAdj: 1001 is out of range (-1000..1000)"},
    {"console_size_range", DOC(PROC(",\n\"consoleSize\": {\"height\": 70000, \"width\": 80}")),
     "70000", "process.consoleSize.height: 70000 is out of range (0..65535)"},
    {"command_line_unsupported", DOC(PROC(",\n\"commandLine\": \"sh -c true\"")), "commandLine",
     "process.commandLine is not supported"},
    {"scheduler_policy_unknown", DOC(PROC(",\n\"scheduler\": {\"policy\": \"SCHED_ISO\"}")),
     "SCHED_ISO", "process.scheduler.policy: unknown scheduler policy \"SCHED_ISO\""},
    {"scheduler_fifo_priority", DOC(PROC(",\n\"scheduler\": {\"policy\": \"SCHED_FIFO\"}")),
     "SCHED_FIFO", "process.scheduler: SCHED_FIFO requires a priority (1..99)"},
    {"scheduler_other_priority",
     DOC(PROC(",\n\"scheduler\": {\"policy\": \"SCHED_BATCH\",\n\"priority\": 5}")), "5}",
     "process.scheduler.priority: priority 5 is invalid for SCHED_BATCH (must be 0)"},
    {"scheduler_nice_range",
     DOC(PROC(",\n\"scheduler\": {\"policy\": \"SCHED_OTHER\",\n\"nice\": 20}")), "20}",
     "process.scheduler.nice: 20 is out of range (-20..19)"},
    {"ioprio_class_unknown",
     DOC(PROC(",\n\"ioPriority\": {\"class\": \"IOPRIO_CLASS_NONE\", \"priority\": 0}")),
     "IOPRIO_CLASS_NONE",
     "process.ioPriority.class: unknown I/O priority class "
     "\"IOPRIO_CLASS_NONE\""},
    {"cpu_affinity_invalid", DOC(PROC(",\n\"execCPUAffinity\": {\"initial\": \"3-1\"}")), "3-1",
     "process.execCPUAffinity.initial: invalid CPU list \"3-1\""},
    {"device_type_unknown",
     DOC(LINUX(",\n\"devices\": [{\"path\": \"/dev/x\",\n\"type\": \"x\", \"major\": 1, "
               "\"minor\": 1}]")),
     "\"x\"", "linux.devices[0].type: unknown device type \"x\" (expected c, b, u or p)"},
    {"device_path_relative",
     DOC(LINUX(",\n\"devices\": [{\n\"path\": \"dev/x\", \"type\": \"c\", \"major\": 1, "
               "\"minor\": 1}]")),
     "\"dev/x\"", "linux.devices[0].path: \"dev/x\" is not an absolute path"},
    {"device_major_missing",
     DOC(LINUX(",\n\"devices\": [\n{\"path\": \"/dev/x\", \"type\": \"c\", \"minor\": 1}]")),
     "\"/dev/x\"", "linux.devices[0].major: required field is missing"},
    {"device_mode_type_mismatch",
     DOC(LINUX(",\n\"devices\": [{\"path\": \"/dev/x\", \"type\": \"c\", \"major\": 1, "
               "\"minor\": 1,\n\"fileMode\": 24960}]")),
     "24960", "linux.devices[0].fileMode: 060600: its file type bits do not match type \"c\""},
    {"memory_limit_negative", DOC(LINUX(",\n\"resources\": {\"memory\": {\n\"limit\": -2}}")), "-2",
     "linux.resources.memory.limit: -2 is out of range (-1..9223372036854775807)"},
    {"swappiness_range", DOC(LINUX(",\n\"resources\": {\"memory\": {\n\"swappiness\": 101}}")),
     "101", "linux.resources.memory.swappiness: 101 is out of range (0..100)"},
    {"device_rule_access",
     DOC(LINUX(",\n\"resources\": {\"devices\": [{\"allow\": false,\n\"access\": \"rwx\"}]}")),
     "\"rwx\"",
     "linux.resources.devices[0].access: invalid access \"rwx\" (a combination of r, w and m)"},
    {"device_rule_type",
     DOC(LINUX(",\n\"resources\": {\"devices\": [{\"allow\": true,\n\"type\": \"d\"}]}")), "\"d\"",
     "linux.resources.devices[0].type: unknown device type \"d\" (expected a, c or b)"},
    {"device_rule_allow_missing",
     DOC(LINUX(",\n\"resources\": {\"devices\": [\n{\"access\": \"rwm\"}]}")), "\"access\"",
     "linux.resources.devices[0].allow: required field is missing"},
    {"cpu_burst_above_quota",
     DOC(LINUX(",\n\"resources\": {\"cpu\": {\"quota\": 1000,\n\"burst\": 2000}}")), "2000",
     "linux.resources.cpu.burst: burst 2000 is larger than quota 1000"},
    {"cpu_idle_range", DOC(LINUX(",\n\"resources\": {\"cpu\": {\n\"idle\": 2}}")), "\"idle\"",
     "linux.resources.cpu.idle: 2 is out of range (0..1)"},
    {"cpus_invalid", DOC(LINUX(",\n\"resources\": {\"cpu\": {\n\"cpus\": \"0-\"}}")), "\"0-\"",
     "linux.resources.cpu.cpus: invalid list \"0-\""},
    {"pids_limit_range", DOC(LINUX(",\n\"resources\": {\"pids\": {\n\"limit\": -5}}")), "-5",
     "linux.resources.pids.limit: -5 is out of range (-1..9223372036854775807)"},
    {"pids_limit_missing", DOC(LINUX(",\n\"resources\": {\n\"pids\": {}}")), "\"pids\"",
     "linux.resources.pids.limit: required field is missing"},
    {"blkio_weight_range", DOC(LINUX(",\n\"resources\": {\"blockIO\": {\n\"weight\": 65536}}")),
     "65536", "linux.resources.blockIO.weight: 65536 is out of range (0..65535)"},
    {"blkio_weight_device_empty",
     DOC(LINUX(",\n\"resources\": {\"blockIO\": {\"weightDevice\": [\n{\"major\": 8, \"minor\": "
               "0}]}}")),
     "\"major\"", "linux.resources.blockIO.weightDevice[0]: needs weight or leafWeight"},
    {"hugepage_size_invalid",
     DOC(LINUX(",\n\"resources\": {\"hugepageLimits\": [{\n\"pageSize\": \"2M\", \"limit\": "
               "1}]}")),
     "\"2M\"",
     "linux.resources.hugepageLimits[0].pageSize: invalid page size \"2M\" (expected e.g. "
     "\"2MB\")"},
    {"rdma_unsupported", DOC(LINUX(",\n\"resources\": {\n\"rdma\": {}}")), "\"rdma\"",
     "linux.resources.rdma is not supported"},
    {"intel_rdt_unsupported", DOC(LINUX(",\n\"intelRdt\": {\"closID\": \"x\"}")), "intelRdt",
     "linux.intelRdt is not supported"},
    {"memory_policy_unsupported", DOC(LINUX(",\n\"memoryPolicy\": {}")), "memoryPolicy",
     "linux.memoryPolicy is not supported"},
    {"windows_unsupported", DOC(",\n\"windows\": {}"), "windows", "windows is not supported"},
    {"solaris_unsupported", DOC(",\n\"solaris\": {}"), "solaris", "solaris is not supported"},
    {"vm_unsupported", DOC(",\n\"vm\": {}"), "\"vm\"", "vm is not supported"},
    {"hook_path_relative",
     DOC(",\n\"hooks\": {\"prestart\": [{\"path\": \"/bin/true\"},\n{\"path\": \"true\"}]}"),
     "\"true\"", "hooks.prestart[1].path: \"true\" is not an absolute path"},
    {"hook_timeout_zero",
     DOC(",\n\"hooks\": {\"poststop\": [{\"path\": \"/bin/true\",\n\"timeout\": 0}]}"),
     "\"timeout\"",
     "hooks.poststop[0].timeout: timeout must be a positive number of seconds, got 0"},
    {"sysctl_not_string",
     DOC(LINUX(",\n\"sysctl\": {\"net.ipv4.ip_forward\": \"1\",\n\"kernel.x\": "
               "1}")),
     "\"kernel.x\"", "linux.sysctl.kernel.x: expected a string, got an integer"},
    {"annotation_not_string", DOC(",\n\"annotations\": {\n\"a\": true}"), "\"a\"",
     "annotations.a: expected a string, got a boolean"},
    {"seccomp_default_action_missing", DOC(LINUX(",\n\"seccomp\": {\"architectures\": []}")),
     "\"seccomp\"", "linux.seccomp.defaultAction: required field is missing"},
    {"seccomp_names_empty",
     DOC(LINUX(",\n\"seccomp\": {\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [\n"
               "{\"names\": [], \"action\": \"SCMP_ACT_ERRNO\"}]}")),
     "\"names\"", "linux.seccomp.syscalls[0].names: must not be empty"},
    {"seccomp_arg_index",
     DOC(LINUX(",\n\"seccomp\": {\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": "
               "[\"personality\"], \"action\": \"SCMP_ACT_ERRNO\", \"args\": [\n{\"index\": 6, "
               "\"value\": 8, \"op\": \"SCMP_CMP_EQ\"}]}]}")),
     "\"index\"", "linux.seccomp.syscalls[0].args[0].index: 6 is out of range (0..5)"},
    {"seccomp_metadata_without_listener",
     DOC(LINUX(",\n\"seccomp\": {\"defaultAction\": \"SCMP_ACT_ALLOW\",\n\"listenerMetadata\": "
               "\"m\"}")),
     "\"listenerMetadata\"", "linux.seccomp.listenerMetadata: set without listenerPath"},
    {"personality_domain", DOC(LINUX(",\n\"personality\": {\n\"domain\": \"LINUX64\"}")), "LINUX64",
     "linux.personality.domain: unknown personality domain \"LINUX64\" (expected LINUX or "
     "LINUX32)"},
    {"personality_flags",
     DOC(LINUX(",\n\"personality\": {\"domain\": \"LINUX\",\n\"flags\": [\"X\"]}")), "\"flags\"",
     "linux.personality.flags: personality flags are not supported"},
    {"rootfs_propagation_unknown", DOC(LINUX(",\n\"rootfsPropagation\": \"everywhere\"")),
     "everywhere", "linux.rootfsPropagation: unknown propagation \"everywhere\""},
    {"masked_path_relative", DOC(LINUX(",\n\"maskedPaths\": [\"/proc/kcore\",\n\"proc/keys\"]")),
     "\"proc/keys\"", "linux.maskedPaths[1]: \"proc/keys\" is not an absolute path"},
    {"big_integer_in_string_field", DOC(",\n\"hostname\": 99999999999999999999"),
     "99999999999999999999", "hostname: expected a string, got an integer"},
    {"big_negative_limit",
     DOC(LINUX(",\n\"resources\": {\"memory\": {\n\"swap\": -9223372036854775809}}")), "\"swap\"",
     "linux.resources.memory.swap: -9223372036854775809 is out of range "
     "(-1..9223372036854775807)"},
    {"escaped_key_is_located", DOC(PROC(",\n\"oomScore\\u0041dj\": -1001")), "-1001",
     "process.oomScoreAdj: -1001 is out of range (-1000..1000)"},
};

static void run_error_case(void **state)
{
    const struct error_case *tc = *state;
    struct hull_spec *spec = NULL;
    hull_error *err = NULL;
    int r = hull_spec_parse(tc->json, "config.json", "/bundle", &spec, &err);

    if (tc->message == NULL) {
        if (r < 0)
            fail_msg("unexpected error: %s", err->msg);
        hull_spec_free(spec);
        return;
    }
    if (r == 0)
        fail_msg("config was accepted:\n%s", tc->json);
    assert_null(spec);
    assert_non_null(err);
    assert_int_equal(err->kind, HULL_ERR_BAD_INPUT);
    char *expected = tc->at != NULL
                         ? xasprintf("config.json:%d: %s", line_of(tc->json, tc->at), tc->message)
                         : xasprintf("config.json: %s", tc->message);
    assert_string_equal(err->msg, expected);
    free(expected);
    hull_error_free(err);
}

/* ---- configs that parse ---- */

static const char minimal_config[] = "{\n"
                                     "  \"ociVersion\": \"1.0.2-dev\",\n"
                                     "  \"root\": {\"path\": \"rootfs\"},\n"
                                     "  \"process\": {\n"
                                     "    \"user\": {\"uid\": 0, \"gid\": 0},\n"
                                     "    \"args\": [\"sh\"],\n"
                                     "    \"cwd\": \"/\"\n"
                                     "  }\n"
                                     "}\n";

static void test_minimal(void **state)
{
    struct hull_spec *spec = parse_ok(minimal_config);

    assert_string_equal(spec->oci_version, "1.0.2-dev");
    assert_string_equal(spec->root_path, "/bundle/rootfs");
    assert_false(spec->root_readonly);
    assert_true(spec->has_process);
    assert_string_equal(spec->process.args[0], "sh");
    assert_null(spec->process.args[1]);
    assert_null(spec->process.env);
    assert_string_equal(spec->process.cwd, "/");
    assert_int_equal(spec->process.user.uid, 0);
    assert_false(spec->process.user.has_umask);
    assert_false(spec->process.caps.has_bounding);
    assert_false(spec->process.has_oom_score_adj);
    assert_int_equal(spec->n_mounts, 0);
    assert_null(spec->hostname);
    for (int t = 0; t < HULL_NS_COUNT; t++)
        assert_false(spec->linux_.namespaces[t].present);
    assert_false(spec->linux_.has_resources);
    assert_false(spec->linux_.seccomp.present);
    assert_string_equal(spec->source_name, "config.json");
    assert_string_equal(spec->raw_json, minimal_config);
    hull_spec_free(spec);
}

static void test_no_process(void **state)
{
    struct hull_spec *spec = parse_ok(DOC(""));
    assert_false(spec->has_process);
    assert_null(spec->process.args);
    hull_spec_free(spec);
}

static const char complete_config[] =
    "{\"ociVersion\": \"1.2.0\",\n"
    "\"root\": {\"path\": \"/srv/rootfs\", \"readonly\": true},\n"
    "\"hostname\": \"box\", \"domainname\": \"example.org\",\n"
    "\"mounts\": [{\"destination\": \"/proc\", \"type\": \"proc\", \"source\": \"proc\"},\n"
    "  {\"destination\": \"/data\", \"source\": \"data\", \"options\": [\"rbind\", \"ro\"],\n"
    "   \"uidMappings\": [{\"containerID\": 0, \"hostID\": 100000, \"size\": 65536}],\n"
    "   \"gidMappings\": [{\"containerID\": 0, \"hostID\": 100000, \"size\": 65536}]}],\n"
    "\"process\": {\"terminal\": true, \"consoleSize\": {\"height\": 25, \"width\": 80},\n"
    "  \"user\": {\"uid\": 1000, \"gid\": 1001, \"umask\": 18, \"additionalGids\": [5, 6],\n"
    "    \"username\": \"u\"},\n"
    "  \"args\": [\"/bin/sh\", \"-c\", \"true\"], \"env\": [\"PATH=/bin\", \"A=1\", \"A=2\"],\n"
    "  \"cwd\": \"/home\",\n"
    "  \"capabilities\": {\"bounding\": [\"CAP_CHOWN\", \"CAP_SYS_ADMIN\"],\n"
    "    \"effective\": [\"CAP_CHOWN\"], \"inheritable\": [\"CAP_KILL\"],\n"
    "    \"permitted\": [\"CAP_CHOWN\", \"CAP_KILL\"], \"ambient\": [\"CAP_KILL\"]},\n"
    "  \"rlimits\": [{\"type\": \"RLIMIT_NOFILE\", \"soft\": 1024, \"hard\": 4096},\n"
    "    {\"type\": \"RLIMIT_CORE\", \"soft\": 18446744073709551615,\n"
    "     \"hard\": 18446744073709551615}],\n"
    "  \"apparmorProfile\": \"prof\", \"selinuxLabel\": \"label\",\n"
    "  \"noNewPrivileges\": true, \"oomScoreAdj\": -500,\n"
    "  \"scheduler\": {\"policy\": \"SCHED_RR\", \"priority\": 10, \"nice\": -5,\n"
    "    \"flags\": [\"SCHED_FLAG_RESET_ON_FORK\"], \"runtime\": 1, \"deadline\": 2,\n"
    "    \"period\": 3},\n"
    "  \"ioPriority\": {\"class\": \"IOPRIO_CLASS_BE\", \"priority\": 4},\n"
    "  \"execCPUAffinity\": {\"initial\": \"0-3,5\", \"final\": \"1\"}},\n"
    "\"hooks\": {\"prestart\": [{\"path\": \"/bin/a\", \"args\": [\"a\", \"1\"],\n"
    "    \"env\": [\"X=1\"], \"timeout\": 5}],\n"
    "  \"createRuntime\": [{\"path\": \"/bin/b\"}], \"createContainer\": [{\"path\": \"/bin/c\"}],\n"
    "  \"startContainer\": [{\"path\": \"/bin/d\"}], \"poststart\": [{\"path\": \"/bin/e\"}],\n"
    "  \"poststop\": [{\"path\": \"/bin/f\"}, {\"path\": \"/bin/g\"}]},\n"
    "\"annotations\": {\"k1\": \"v1\", \"k2\": \"\"},\n"
    "\"linux\": {\n"
    "  \"namespaces\": [{\"type\": \"pid\"}, {\"type\": \"network\", \"path\": \"/run/netns/x\"},\n"
    "    {\"type\": \"mount\"}, {\"type\": \"ipc\", \"path\": \"\"}, {\"type\": \"uts\"},\n"
    "    {\"type\": \"user\"}, {\"type\": \"cgroup\"}, {\"type\": \"time\"}],\n"
    "  \"uidMappings\": [{\"containerID\": 0, \"hostID\": 100000, \"size\": 1000},\n"
    "    {\"containerID\": 1000, \"hostID\": 1000, \"size\": 1}],\n"
    "  \"gidMappings\": [{\"containerID\": 0, \"hostID\": 100000, \"size\": 65536}],\n"
    "  \"timeOffsets\": {\"monotonic\": {\"secs\": -10, \"nanosecs\": 5},\n"
    "    \"boottime\": {\"secs\": 3600}},\n"
    "  \"devices\": [{\"path\": \"/dev/fuse\", \"type\": \"c\", \"major\": 10, \"minor\": 229,\n"
    "      \"fileMode\": 438, \"uid\": 0, \"gid\": 0},\n"
    "    {\"path\": \"/dev/fifo\", \"type\": \"p\"}],\n"
    "  \"cgroupsPath\": \"/hull/box\",\n"
    "  \"resources\": {\n"
    "    \"devices\": [{\"allow\": false, \"access\": \"rwm\"},\n"
    "      {\"allow\": true, \"type\": \"c\", \"major\": 10, \"minor\": 229, \"access\": \"rw\"},\n"
    "      {\"allow\": true, \"type\": \"b\", \"major\": 8}],\n"
    "    \"memory\": {\"limit\": 536870912, \"reservation\": 1, \"swap\": -1, \"kernel\": -1,\n"
    "      \"kernelTCP\": 0, \"swappiness\": 60, \"disableOOMKiller\": true,\n"
    "      \"useHierarchy\": false, \"checkBeforeUpdate\": true},\n"
    "    \"cpu\": {\"shares\": 1024, \"quota\": 100000, \"burst\": 1000, \"period\": 100000,\n"
    "      \"realtimeRuntime\": -1, \"realtimePeriod\": 1000000, \"cpus\": \"0-1\",\n"
    "      \"mems\": \"0\", \"idle\": 1},\n"
    "    \"pids\": {\"limit\": 32771},\n"
    "    \"blockIO\": {\"weight\": 10, \"leafWeight\": 20,\n"
    "      \"weightDevice\": [{\"major\": 8, \"minor\": 0, \"weight\": 500, \"leafWeight\": 300}],\n"
    "      \"throttleReadBpsDevice\": [{\"major\": 8, \"minor\": 0, \"rate\": 600}],\n"
    "      \"throttleWriteBpsDevice\": [{\"major\": 8, \"minor\": 1, \"rate\": 700}],\n"
    "      \"throttleReadIOPSDevice\": [{\"major\": 8, \"minor\": 2, \"rate\": 800}],\n"
    "      \"throttleWriteIOPSDevice\": [{\"major\": 8, \"minor\": 3, \"rate\": 900}]},\n"
    "    \"hugepageLimits\": [{\"pageSize\": \"2MB\", \"limit\": 9223372036854772000}],\n"
    "    \"network\": {\"classID\": 1048577,\n"
    "      \"priorities\": [{\"name\": \"eth0\", \"priority\": 500}]},\n"
    "    \"unified\": {\"io.weight\": \"100\"}},\n"
    "  \"rootfsPropagation\": \"rslave\",\n"
    "  \"seccomp\": {\"defaultAction\": \"SCMP_ACT_ERRNO\", \"defaultErrnoRet\": 38,\n"
    "    \"architectures\": [\"SCMP_ARCH_X86_64\"], \"flags\": [\"SECCOMP_FILTER_FLAG_LOG\"],\n"
    "    \"listenerPath\": \"/run/agent.sock\", \"listenerMetadata\": \"meta\",\n"
    "    \"syscalls\": [{\"names\": [\"read\", \"write\"], \"action\": \"SCMP_ACT_ALLOW\"},\n"
    "      {\"names\": [\"personality\"], \"action\": \"SCMP_ACT_ERRNO\", \"errnoRet\": 1,\n"
    "       \"args\": [{\"index\": 0, \"value\": 8, \"valueTwo\": 0, \"op\": \"SCMP_CMP_EQ\"},\n"
    "         {\"index\": 1, \"value\": 18446744073709551615, \"op\": \"SCMP_CMP_NE\"}]}]},\n"
    "  \"sysctl\": {\"net.ipv4.ip_forward\": \"1\", \"kernel.shmmax\": \"4096\"},\n"
    "  \"maskedPaths\": [\"/proc/kcore\"], \"readonlyPaths\": [\"/proc/sys\", \"/proc/bus\"],\n"
    "  \"mountLabel\": \"system_u:object_r:x:s0\",\n"
    "  \"personality\": {\"domain\": \"LINUX32\", \"flags\": []},\n"
    "  \"futureExtension\": {\"anything\": [1, 2, 3]}}}\n";

static void check_complete_process(const struct hull_process *p)
{
    assert_true(p->terminal);
    assert_true(p->has_console_size);
    assert_int_equal(p->console_height, 25);
    assert_int_equal(p->console_width, 80);
    assert_int_equal(p->user.uid, 1000);
    assert_int_equal(p->user.gid, 1001);
    assert_true(p->user.has_umask);
    assert_int_equal(p->user.umask, 022);
    assert_int_equal(p->user.n_additional_gids, 2);
    assert_int_equal(p->user.additional_gids[1], 6);
    assert_string_equal(p->user.username, "u");
    assert_int_equal(strv_len(p->args), 3);
    assert_string_equal(p->args[2], "true");
    assert_string_equal(hull_env_get(p->env, "A"), "1");
    assert_string_equal(p->cwd, "/home");
    assert_true(p->caps.has_bounding && p->caps.has_ambient);
    assert_int_equal(p->caps.bounding, (1ULL << 0) | (1ULL << 21));
    assert_int_equal(p->caps.permitted, (1ULL << 0) | (1ULL << 5));
    assert_int_equal(p->caps.ambient, 1ULL << 5);
    assert_int_equal(p->n_rlimits, 2);
    assert_int_equal(p->rlimits[0].resource, RLIMIT_NOFILE);
    assert_int_equal(p->rlimits[0].hard, 4096);
    assert_int_equal(p->rlimits[1].resource, RLIMIT_CORE);
    assert_true(p->rlimits[1].soft == UINT64_MAX && p->rlimits[1].hard == UINT64_MAX);
    assert_string_equal(p->apparmor_profile, "prof");
    assert_string_equal(p->selinux_label, "label");
    assert_true(p->no_new_privileges);
    assert_true(p->has_oom_score_adj);
    assert_int_equal(p->oom_score_adj, -500);
    assert_true(p->scheduler.present);
    assert_int_equal(p->scheduler.policy_value, SCHED_RR);
    assert_int_equal(p->scheduler.priority, 10);
    assert_int_equal(p->scheduler.nice, -5);
    assert_int_equal(p->scheduler.period, 3);
    assert_string_equal(p->scheduler.flags[0], "SCHED_FLAG_RESET_ON_FORK");
    assert_true(p->io_priority.present);
    assert_int_equal(p->io_priority.class_value, 2);
    assert_int_equal(p->io_priority.priority, 4);
    assert_string_equal(p->exec_cpu_affinity_initial, "0-3,5");
    assert_string_equal(p->exec_cpu_affinity_final, "1");
}

static void check_complete_resources(const struct hull_resources *r)
{
    assert_int_equal(r->n_devices, 3);
    assert_false(r->devices[0].allow);
    assert_int_equal(r->devices[0].type, 'a');
    assert_int_equal(r->devices[0].major, -1);
    assert_string_equal(r->devices[1].access, "rw");
    assert_int_equal(r->devices[2].minor, -1);
    assert_string_equal(r->devices[2].access, "rwm");
    assert_true(r->memory.has_limit && r->memory.has_swap && r->memory.has_swappiness);
    assert_int_equal(r->memory.limit, 536870912);
    assert_int_equal(r->memory.swap, -1);
    assert_int_equal(r->memory.swappiness, 60);
    assert_true(r->memory.has_disable_oom_killer && r->memory.disable_oom_killer);
    assert_true(r->memory.has_use_hierarchy && !r->memory.use_hierarchy);
    assert_true(r->memory.check_before_update);
    assert_int_equal(r->cpu.shares, 1024);
    assert_int_equal(r->cpu.realtime_runtime, -1);
    assert_true(r->cpu.has_idle && r->cpu.idle == 1);
    assert_string_equal(r->cpu.cpus, "0-1");
    assert_true(r->pids.has_limit);
    assert_int_equal(r->pids.limit, 32771);
    assert_int_equal(r->block_io.weight, 10);
    assert_int_equal(r->block_io.weight_device[0].leaf_weight, 300);
    assert_int_equal(r->block_io.throttle_write_iops[0].rate, 900);
    assert_int_equal(r->block_io.n_throttle_read_bps, 1);
    assert_string_equal(r->hugepage_limits[0].page_size, "2MB");
    assert_int_equal(r->hugepage_limits[0].limit, 9223372036854772000ULL);
    assert_true(r->network.has_class_id);
    assert_int_equal(r->network.class_id, 1048577);
    assert_string_equal(r->network.priorities[0].name, "eth0");
    assert_string_equal(r->unified[0].key, "io.weight");
    assert_string_equal(r->unified[0].value, "100");
}

static void check_complete_linux(const struct hull_linux *l)
{
    for (int t = 0; t < HULL_NS_COUNT; t++)
        assert_true(l->namespaces[t].present);
    assert_string_equal(l->namespaces[HULL_NS_NETWORK].path, "/run/netns/x");
    assert_null(l->namespaces[HULL_NS_IPC].path);
    assert_int_equal(l->n_uid_mappings, 2);
    assert_int_equal(l->uid_mappings[1].host_id, 1000);
    assert_int_equal(l->gid_mappings[0].size, 65536);
    assert_true(l->time_monotonic.present && l->time_monotonic.secs == -10);
    assert_int_equal(l->time_monotonic.nanosecs, 5);
    assert_int_equal(l->time_boottime.secs, 3600);
    assert_int_equal(l->n_devices, 2);
    assert_int_equal(l->devices[0].type, 'c');
    assert_int_equal(l->devices[0].minor, 229);
    assert_true(l->devices[0].has_file_mode && l->devices[0].file_mode == 0666);
    assert_int_equal(l->devices[1].type, 'p');
    assert_false(l->devices[1].has_uid);
    assert_string_equal(l->cgroups_path, "/hull/box");
    assert_true(l->has_resources);
    check_complete_resources(&l->resources);
    assert_string_equal(l->rootfs_propagation, "rslave");
    assert_true(l->seccomp.present);
    assert_true(l->seccomp.has_default_errno_ret && l->seccomp.default_errno_ret == 38);
    assert_string_equal(l->seccomp.architectures[0], "SCMP_ARCH_X86_64");
    assert_string_equal(l->seccomp.listener_metadata, "meta");
    assert_int_equal(l->seccomp.n_syscalls, 2);
    assert_string_equal(l->seccomp.syscalls[0].names[1], "write");
    assert_int_equal(l->seccomp.syscalls[1].errno_ret, 1);
    assert_int_equal(l->seccomp.syscalls[1].n_args, 2);
    assert_true(l->seccomp.syscalls[1].args[1].value == UINT64_MAX);
    assert_string_equal(l->seccomp.syscalls[1].args[1].op, "SCMP_CMP_NE");
    assert_int_equal(l->n_sysctl, 2);
    assert_string_equal(l->sysctl[1].key, "kernel.shmmax");
    assert_string_equal(l->masked_paths[0], "/proc/kcore");
    assert_string_equal(l->readonly_paths[1], "/proc/bus");
    assert_string_equal(l->mount_label, "system_u:object_r:x:s0");
    assert_true(l->has_personality);
    assert_int_equal(l->personality_domain, PER_LINUX32);
}

static void test_complete(void **state)
{
    struct hull_spec *spec = parse_ok(complete_config);

    assert_string_equal(spec->root_path, "/srv/rootfs");
    assert_true(spec->root_readonly);
    assert_string_equal(spec->hostname, "box");
    assert_string_equal(spec->domainname, "example.org");
    assert_int_equal(spec->n_mounts, 2);
    assert_null(spec->mounts[0].options);
    assert_string_equal(spec->mounts[0].type, "proc");
    assert_null(spec->mounts[1].type);
    assert_string_equal(spec->mounts[1].options[1], "ro");
    /* A relative bind source is the bundle's; other sources stay as written. */
    assert_string_equal(spec->mounts[1].source, "/bundle/data");
    assert_string_equal(spec->mounts[0].source, "proc");
    assert_int_equal(spec->mounts[1].n_uid_mappings, 1);
    assert_int_equal(spec->mounts[1].gid_mappings[0].host_id, 100000);
    check_complete_process(&spec->process);
    assert_int_equal(spec->hooks.prestart.n, 1);
    assert_string_equal(spec->hooks.prestart.hooks[0].args[1], "1");
    assert_true(spec->hooks.prestart.hooks[0].has_timeout);
    assert_int_equal(spec->hooks.prestart.hooks[0].timeout, 5);
    assert_false(spec->hooks.poststop.hooks[0].has_timeout);
    assert_string_equal(spec->hooks.create_runtime.hooks[0].path, "/bin/b");
    assert_string_equal(spec->hooks.create_container.hooks[0].path, "/bin/c");
    assert_string_equal(spec->hooks.start_container.hooks[0].path, "/bin/d");
    assert_string_equal(spec->hooks.poststart.hooks[0].path, "/bin/e");
    assert_int_equal(spec->hooks.poststop.n, 2);
    assert_int_equal(spec->n_annotations, 2);
    assert_string_equal(spec->annotations[1].key, "k2");
    assert_string_equal(spec->annotations[1].value, "");
    check_complete_linux(&spec->linux_);
    hull_spec_free(spec);
}

/* Go's encoder writes null for nil slices: null is the same as absent. */
static void test_null_is_absent(void **state)
{
    struct hull_spec *spec = parse_ok(DOC(",\n\"mounts\": null, \"hostname\": null" PROC(
        ",\n\"env\": null, \"capabilities\": null, \"user\": {\"uid\": 1, \"gid\": 2, "
        "\"additionalGids\": null}")));
    assert_int_equal(spec->n_mounts, 0);
    assert_null(spec->hostname);
    assert_null(spec->process.env);
    assert_false(spec->process.caps.has_bounding);
    assert_int_equal(spec->process.user.n_additional_gids, 0);
    hull_spec_free(spec);
}

static void test_empty_hostname_is_unset(void **state)
{
    /* "" sets nothing, so it needs no UTS namespace. */
    struct hull_spec *spec = parse_ok(DOC(",\n\"hostname\": \"\""));
    assert_null(spec->hostname);
    hull_spec_free(spec);
}

/* Values engines write that runc reads leniently: Docker's blockIO weight
 * 0 means "not set", Podman's device fileMode carries the node's type. */
static void test_engine_values(void **state)
{
    struct hull_spec *spec =
        parse_ok(DOC(LINUX(",\n\"devices\": [{\"path\": \"/dev/n\", \"type\": \"c\", \"major\": 1, "
                           "\"minor\": 3, \"fileMode\": 8630}],\n\"resources\": {\"blockIO\": "
                           "{\"weight\": 0, \"leafWeight\": 0}}")));
    assert_int_equal(spec->linux_.devices[0].file_mode, 0666);
    assert_true(spec->linux_.devices[0].has_file_mode);
    assert_false(spec->linux_.resources.block_io.has_weight);
    assert_false(spec->linux_.resources.block_io.has_leaf_weight);
    hull_spec_free(spec);
}

static void test_root_path_resolution(void **state)
{
    struct hull_spec *spec = NULL;
    hull_error *err = NULL;
    char cwd[4096];

    assert_int_equal(hull_spec_parse(DOC(""), "c.json", "/b/", &spec, &err), 0);
    assert_string_equal(spec->root_path, "/b/rootfs");
    hull_spec_free(spec);
    assert_int_equal(hull_spec_parse(DOC(""), "c.json", NULL, &spec, &err), 0);
    assert_string_equal(spec->root_path, "rootfs");
    hull_spec_free(spec);
    assert_int_equal(hull_spec_parse(DOC(""), "c.json", "rel/b", &spec, &err), 0);
    assert_non_null(getcwd(cwd, sizeof(cwd)));
    char *want = xasprintf("%s/rel/b/rootfs", cwd);
    assert_string_equal(spec->root_path, want);
    free(want);
    hull_spec_free(spec);
    assert_int_equal(hull_spec_parse("{\"ociVersion\": \"1.1.0\", \"root\": {\"path\": "
                                     "\"/abs//./root/\"}}",
                                     "c.json", "/b", &spec, &err),
                     0);
    assert_string_equal(spec->root_path, "/abs/root");
    hull_spec_free(spec);
}

static void test_syntax_error(void **state)
{
    struct hull_spec *spec = NULL;
    hull_error *err = NULL;

    assert_int_equal(hull_spec_parse("{\n\"ociVersion\": \"1.0.0\",\n\"root\" {}\n}", "config.json",
                                     NULL, &spec, &err),
                     -1);
    assert_int_equal(err->kind, HULL_ERR_BAD_INPUT);
    assert_true(str_has_prefix(err->msg, "config.json:3:8: invalid JSON: "));
    hull_error_free(err);
    err = NULL;

    /* Duplicate keys would let two readers of one file disagree. */
    assert_int_equal(hull_spec_parse("{\"ociVersion\": \"1.0.0\",\n\"ociVersion\": \"2.0.0\"}",
                                     "config.json", NULL, &spec, &err),
                     -1);
    assert_true(str_has_prefix(err->msg, "config.json:2:"));
    assert_non_null(strstr(err->msg, "duplicate"));
    hull_error_free(err);
}

static void test_error_cases_all_kinds(void **state)
{
    /* The table above must cover at least the 40 classes the brief lists. */
    assert_true(ARRAY_SIZE(error_cases) >= 40);
}

/* Every prefix of a valid config is invalid JSON (or lacks required fields):
 * each must fail cleanly, without a crash or a leak under ASan. */
static void test_truncations(void **state)
{
    size_t len = strlen(complete_config);
    char *buf = xmalloc(len + 1);

    for (size_t n = 0; n < len; n++) {
        struct hull_spec *spec = NULL;
        hull_error *err = NULL;
        memcpy(buf, complete_config, n);
        buf[n] = '\0';
        int r = hull_spec_parse(buf, "config.json", "/b", &spec, &err);
        /* The only prefix that is a complete document is the whole text
         * without its trailing newline. */
        if (r == 0) {
            assert_int_equal(n, len - 1);
            hull_spec_free(spec);
            continue;
        }
        assert_non_null(err);
        assert_true(str_has_prefix(err->msg, "config.json:"));
        hull_error_free(err);
    }
    free(buf);
}

/* Flipping single bytes into structural characters must never crash the
 * locator, which walks text jansson may have rejected or accepted. */
static void test_byte_flips(void **state)
{
    static const char repl[] = "{}[]\":,0-\\ n";
    size_t len = strlen(complete_config);
    char *buf = xmalloc(len + 1);

    for (size_t n = 0; n < len; n += 3) {
        for (size_t k = 0; k < sizeof(repl) - 1; k++) {
            struct hull_spec *spec = NULL;
            hull_error *err = NULL;
            memcpy(buf, complete_config, len + 1);
            buf[n] = repl[k];
            if (hull_spec_parse(buf, "config.json", "/b", &spec, &err) == 0)
                hull_spec_free(spec);
            else
                hull_error_free(err);
        }
    }
    free(buf);
}

static void test_load_bundle(void **state)
{
    char *dir = xasprintf("/tmp/hull-test-spec-%d", (int)getpid());
    struct hull_spec *spec = NULL;
    hull_error *err = NULL;

    assert_int_equal(mkdir(dir, 0700), 0);
    char *path = xasprintf("%s/config.json", dir);

    /* Missing file: the error names it. */
    assert_int_equal(hull_spec_load_bundle(dir, &spec, &err), -1);
    assert_int_equal(err->kind, HULL_ERR_BAD_INPUT);
    assert_non_null(strstr(err->msg, path));
    hull_error_free(err);
    err = NULL;

    int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
    assert_true(fd >= 0);
    const char *text = DOC(PROC(",\n\"user\": {\"uid\": \"x\", \"gid\": 0}"));
    assert_int_equal(write_all(fd, text, strlen(text)), 0);
    close(fd);
    assert_int_equal(hull_spec_load_bundle(dir, &spec, &err), -1);
    char *want = xasprintf("%s:%d: process.user.uid: expected an integer, got a string", path,
                           line_of(text, "\"uid\""));
    assert_string_equal(err->msg, want);
    free(want);
    hull_error_free(err);
    err = NULL;

    fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC);
    assert_true(fd >= 0);
    assert_int_equal(write_all(fd, minimal_config, strlen(minimal_config)), 0);
    close(fd);
    assert_int_equal(hull_spec_load_bundle(dir, &spec, &err), 0);
    assert_string_equal(spec->source_name, path);
    want = xasprintf("%s/rootfs", dir);
    assert_string_equal(spec->root_path, want);
    free(want);
    hull_spec_free(spec);

    assert_int_equal(unlink(path), 0);
    assert_int_equal(rmdir(dir), 0);
    free(path);
    free(dir);
}

static void test_parse_process(void **state)
{
    struct hull_process p;
    hull_error *err = NULL;

    assert_int_equal(hull_spec_parse_process("{\"args\": [\"ls\", \"-l\"], \"cwd\": \"/tmp\",\n"
                                             "\"env\": [\"TERM=xterm\"], \"terminal\": true,\n"
                                             "\"user\": {\"uid\": 5, \"gid\": 6}}",
                                             "process.json", &p, &err),
                     0);
    assert_string_equal(p.args[1], "-l");
    assert_string_equal(p.cwd, "/tmp");
    assert_true(p.terminal);
    assert_int_equal(p.user.uid, 5);
    hull_process_clear(&p);
    assert_null(p.args);
    hull_process_clear(&p);
    hull_process_clear(NULL);

    assert_int_equal(hull_spec_parse_process("{\"cwd\": \"/\",\n\"args\": [\"ls\"],\n"
                                             "\"rlimits\": [{\"type\": \"RLIMIT_X\", \"soft\": 1, "
                                             "\"hard\": 1}]}",
                                             "p.json", &p, &err),
                     -1);
    assert_string_equal(err->msg, "p.json:3: rlimits[0].type: unknown rlimit \"RLIMIT_X\"");
    assert_null(p.args);
    hull_error_free(err);
}

static void test_env_get(void **state)
{
    char *env[] = {(char *)"PATH=/bin", (char *)"PATHX=no",
                   (char *)"EMPTY=", (char *)"PATH=/second", NULL};

    assert_string_equal(hull_env_get(env, "PATH"), "/bin");
    assert_string_equal(hull_env_get(env, "EMPTY"), "");
    assert_null(hull_env_get(env, "PAT"));
    assert_null(hull_env_get(NULL, "PATH"));
}

static void test_namespace_names(void **state)
{
    assert_string_equal(hull_ns_type_name(HULL_NS_NETWORK), "network");
    assert_string_equal(hull_ns_type_name(HULL_NS_TIME), "time");
    assert_null(hull_ns_type_name(HULL_NS_COUNT));
    assert_int_equal(hull_ns_clone_flag(HULL_NS_MOUNT), CLONE_NEWNS);
    assert_int_equal(hull_ns_clone_flag(HULL_NS_USER), CLONE_NEWUSER);
    assert_int_equal(hull_ns_clone_flag(HULL_NS_TIME), 0x80);
    assert_int_equal(hull_ns_clone_flag(HULL_NS_COUNT), 0);
}

int main(void)
{
    static const struct CMUnitTest fixed[] = {
        cmocka_unit_test(test_minimal),
        cmocka_unit_test(test_no_process),
        cmocka_unit_test(test_complete),
        cmocka_unit_test(test_null_is_absent),
        cmocka_unit_test(test_empty_hostname_is_unset),
        cmocka_unit_test(test_engine_values),
        cmocka_unit_test(test_root_path_resolution),
        cmocka_unit_test(test_syntax_error),
        cmocka_unit_test(test_error_cases_all_kinds),
        cmocka_unit_test(test_truncations),
        cmocka_unit_test(test_byte_flips),
        cmocka_unit_test(test_load_bundle),
        cmocka_unit_test(test_parse_process),
        cmocka_unit_test(test_env_get),
        cmocka_unit_test(test_namespace_names),
    };
    size_t n = ARRAY_SIZE(fixed) + ARRAY_SIZE(error_cases);
    struct CMUnitTest *tests = xmalloc0(n * sizeof(*tests));

    memcpy(tests, fixed, sizeof(fixed));
    for (size_t i = 0; i < ARRAY_SIZE(error_cases); i++) {
        struct CMUnitTest *t = &tests[ARRAY_SIZE(fixed) + i];
        t->name = error_cases[i].name;
        t->test_func = run_error_case;
        t->initial_state = (void *)&error_cases[i];
    }
    int failed = _cmocka_run_group_tests("spec", tests, n, NULL, NULL);
    free(tests);
    return failed;
}
