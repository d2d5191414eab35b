/* hull info: what this host runs, in Docker's layout (`docker info`) or
 * through --format, with Docker's key names. */
#include "cli.h"
#include "cgroup.h"
#include "util.h"

#include "config.h"

#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>
#include <sys/sysinfo.h>
#include <sys/utsname.h>
#include <unistd.h>

struct info_flags {
    const char *format;
};

static const struct hull_flag info_flags[] = {
    {"format", 'f', HULL_FLAG_STRING, offsetof(struct info_flags, format), "string",
     "Format the output using the given Go template, or 'json'"},
    {NULL, 0, 0, 0, NULL, NULL},
};

/* PRETTY_NAME from /etc/os-release, a new string. */
static char *os_name(void)
{
    _cleanup_free_ char *text = NULL;
    _cleanup_error_ hull_error *err = NULL;
    char *line, *cursor;

    if (read_file_at(AT_FDCWD, "/etc/os-release", 1 << 16, &text, NULL, &err) < 0)
        return xstrdup("unknown");
    cursor = text;
    while ((line = strsep(&cursor, "\n")) != NULL) {
        if (!str_has_prefix(line, "PRETTY_NAME="))
            continue;
        char *v = line + strlen("PRETTY_NAME=");
        size_t n = strlen(v);
        if (n >= 2 && v[0] == '"' && v[n - 1] == '"')
            return xstrndup(v + 1, n - 2);
        return xstrdup(v);
    }
    return xstrdup("unknown");
}

static json_t *info_object(struct hull_engine *e)
{
    struct hull_ctr *ctrs = NULL;
    struct hull_image **imgs = NULL;
    size_t n = 0, nimg = 0, running = 0, stopped = 0, paused = 0;
    _cleanup_error_ hull_error *err = NULL;
    _cleanup_free_ char *os = os_name();
    struct utsname u;
    struct sysinfo si;
    char host[256] = "";

    hull_engine_reconcile(e);
    if (hull_ctr_list(e->ctr_dirfd, &ctrs, &n, &err) == 0) {
        for (size_t i = 0; i < n; i++) {
            bool up = hull_engine_ctr_status(&ctrs[i]) == HULL_CTR_RUNNING;
            bool frozen = up && hull_engine_ctr_paused(e, &ctrs[i]);
            running += up && !frozen;
            paused += frozen;
            stopped += !up;
        }
        hull_ctr_list_free(ctrs, n);
    }
    if (hull_store_image_list(e->store, &imgs, &nimg, NULL) == 0)
        hull_image_list_free(imgs, nimg);
    uname(&u);
    sysinfo(&si);
    gethostname(host, sizeof(host) - 1);
    return json_pack(
        "{s:I, s:I, s:I, s:I, s:I, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:i, s:I, s:s, s:s, "
        "s:s, s:s}",
        "Containers", (json_int_t)n, "ContainersRunning", (json_int_t)running, "ContainersPaused",
        (json_int_t)paused, "ContainersStopped", (json_int_t)stopped, "Images", (json_int_t)nimg,
        "Driver", "overlay", "LoggingDriver", "json-file", "CgroupDriver", "cgroupfs",
        "CgroupVersion", hull_cgroup_mode() == HULL_CGROUP_V2 ? "2" : "1", "KernelVersion",
        u.release, "OperatingSystem", os, "OSType", "linux", "Architecture", u.machine, "NCPU",
        (int)sysconf(_SC_NPROCESSORS_ONLN), "MemTotal",
        (json_int_t)((unsigned long long)si.totalram * si.mem_unit), "Name", host, "DockerRootDir",
        e->state_root, "ServerVersion", HULL_VERSION, "DefaultRuntime", "hullrt");
}

static void print_text(const json_t *o)
{
#define S(k) json_string_value(json_object_get(o, k))
#define I(k) (long long)json_integer_value(json_object_get(o, k))
    printf("Containers: %lld\n Running: %lld\n Paused: %lld\n Stopped: %lld\nImages: %lld\n"
           "Server Version: %s\nStorage Driver: %s\nLogging Driver: %s\nCgroup Driver: %s\n"
           "Cgroup Version: %s\nDefault Runtime: %s\nKernel Version: %s\nOperating System: %s\n"
           "OSType: %s\nArchitecture: %s\nCPUs: %lld\nTotal Memory: %.4gGiB\nName: %s\n"
           "Hull Root Dir: %s\n",
           I("Containers"), I("ContainersRunning"), I("ContainersPaused"), I("ContainersStopped"),
           I("Images"), S("ServerVersion"), S("Driver"), S("LoggingDriver"), S("CgroupDriver"),
           S("CgroupVersion"), S("DefaultRuntime"), S("KernelVersion"), S("OperatingSystem"),
           S("OSType"), S("Architecture"), I("NCPU"), (double)I("MemTotal") / (1 << 30), S("Name"),
           S("DockerRootDir"));
#undef S
#undef I
}

static int show_info(const struct hull_global *g, void *flags, const struct hull_args *args)
{
    const struct info_flags *f = flags;
    _cleanup_engine_ struct hull_engine *e = NULL;
    json_t *o;
    int ret;

    if (hull_open_engine(g, &e) < 0)
        return 1;
    o = info_object(e);
    ret = hull_show_object(o, f->format, print_text);
    json_decref(o);
    return ret;
}

static int cmd_info(const struct hull_global *g, int argc, char **argv)
{
    struct info_flags f = {0};

    return hull_command_main(&hull_cmd_info, g, argc, argv, &f, show_info);
}

const struct hull_command hull_cmd_info = {
    .name = "info",
    .usage = "[OPTIONS]",
    .summary = "Display system-wide information",
    .flags = info_flags,
    .run = cmd_info,
    .min_args = 0,
    .max_args = HULL_ARGS_ANY,
};
