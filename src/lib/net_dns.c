/* /etc/hosts and /etc/resolv.conf of a container. */
#include "net_dns.h"
#include "util.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <string.h>

/* The loopback and IPv6 multicast names Debian and Docker put in every
 * /etc/hosts. */
static const char base_hosts[] = "127.0.0.1\tlocalhost\n"
                                 "::1\tlocalhost ip6-localhost ip6-loopback\n"
                                 "fe00::0\tip6-localnet\n"
                                 "ff00::0\tip6-mcastprefix\n"
                                 "ff02::1\tip6-allnodes\n"
                                 "ff02::2\tip6-allrouters\n";

static const char *const fallback_servers[] = {"8.8.8.8", "8.8.4.4", NULL};

static bool is_ip(const char *s, bool *v6)
{
    unsigned char buf[sizeof(struct in6_addr)];

    *v6 = false;
    if (inet_pton(AF_INET, s, buf) == 1)
        return true;
    *v6 = true;
    return inet_pton(AF_INET6, s, buf) == 1;
}

int hull_dns_add_host_parse(const char *spec, const char *gateway, char **line, hull_error **err)
{
    size_t name_len = strcspn(spec, ":=");
    const char *addr = spec + name_len + 1;
    bool v6;

    if (spec[name_len] == '\0' || name_len == 0)
        return hull_err_kind(err, HULL_ERR_BAD_INPUT, 0,
                             "invalid --add-host \"%s\": it must be NAME:ADDRESS", spec);
    for (size_t i = 0; i < name_len; i++)
        if (isspace((unsigned char)spec[i]) || spec[i] == '#')
            return hull_err_kind(err, HULL_ERR_BAD_INPUT, 0,
                                 "invalid --add-host \"%s\": invalid host name", spec);
    if (strcmp(addr, "host-gateway") == 0) {
        if (gateway == NULL)
            return hull_err_kind(
                err, HULL_ERR_BAD_INPUT, 0,
                "invalid --add-host \"%s\": host-gateway needs a bridge network, and this container has none",
                spec);
        addr = gateway;
    } else if (!is_ip(addr, &v6)) {
        return hull_err_kind(err, HULL_ERR_BAD_INPUT, 0,
                             "invalid --add-host \"%s\": \"%s\" is not an IP address", spec, addr);
    }
    *line = xasprintf("%s\t%.*s", addr, (int)name_len, spec);
    return 0;
}

int hull_dns_server_check(const char *s, hull_error **err)
{
    bool v6;

    if (!is_ip(s, &v6))
        return hull_err_kind(err, HULL_ERR_BAD_INPUT, 0, "invalid --dns \"%s\": not an IP address",
                             s);
    return 0;
}

static void append_lines(char **text, const char *const *lines)
{
    for (size_t i = 0; lines != NULL && lines[i] != NULL; i++) {
        char *next = xasprintf("%s%s\n", *text, lines[i]);
        free(*text);
        *text = next;
    }
}

char *hull_dns_hosts(const char *hostname, const char *const *own_ips, const char *const *extra,
                     const char *const *peers)
{
    char *text = xstrdup(base_hosts);

    append_lines(&text, extra);
    for (size_t i = 0; own_ips != NULL && own_ips[i] != NULL; i++) {
        char *next = xasprintf("%s%s\t%s\n", text, own_ips[i], hostname);
        free(text);
        text = next;
    }
    append_lines(&text, peers);
    return text;
}

/* What resolv.conf lines the host had, by kind. */
struct resolv {
    char **servers, **search, **options, **other;
};

static void resolv_clear(struct resolv *r)
{
    strv_free(r->servers);
    strv_free(r->search);
    strv_free(r->options);
    strv_free(r->other);
}

/* Keeps a host nameserver unless it cannot work in the container. */
static void add_server(struct resolv *r, const char *addr, bool keep_local)
{
    struct in_addr a4;
    struct in6_addr a6;

    if (!keep_local) {
        if (inet_pton(AF_INET, addr, &a4) == 1 && (ntohl(a4.s_addr) >> 24) == 127)
            return;
        if (inet_pton(AF_INET6, addr, &a6) == 1)
            return;
    }
    strv_append(&r->servers, addr);
}

static void parse_host(const char *text, bool keep_local, struct resolv *r)
{
    _cleanup_free_ char *copy = xstrdup(text != NULL ? text : "");
    char *save = NULL;

    for (char *line = strtok_r(copy, "\n", &save); line != NULL;
         line = strtok_r(NULL, "\n", &save)) {
        char word[16], value[256];
        line += strspn(line, " \t");
        if (line[0] == '#' || line[0] == ';' || line[0] == '\0')
            continue;
        if (sscanf(line, "%15s %255s", word, value) == 2 && strcmp(word, "nameserver") == 0)
            add_server(r, value, keep_local);
        else if (str_has_prefix(line, "search") || str_has_prefix(line, "domain"))
            strv_append(&r->search, line);
        else if (str_has_prefix(line, "options"))
            strv_append(&r->options, line);
        else
            strv_append(&r->other, line);
    }
}

/* "PREFIX a b c" from a user's list. */
static char *joined(const char *prefix, const char *const *v)
{
    char *s = xstrdup(prefix);

    for (size_t i = 0; v[i] != NULL; i++) {
        char *next = xasprintf("%s %s", s, v[i]);
        free(s);
        s = next;
    }
    return s;
}

char *hull_dns_resolv_conf(const char *host_text, bool keep_local, const char *const *dns,
                           const char *const *search, const char *const *options, bool *fallback)
{
    struct resolv r = {0};
    char *text = xstrdup("");
    const char *const *servers;

    *fallback = false;
    parse_host(host_text, keep_local, &r);
    if (dns != NULL && dns[0] != NULL) {
        servers = dns;
    } else if (r.servers != NULL) {
        servers = (const char *const *)r.servers;
    } else {
        servers = fallback_servers;
        *fallback = true;
    }
    for (size_t i = 0; servers[i] != NULL; i++) {
        char *next = xasprintf("%snameserver %s\n", text, servers[i]);
        free(text);
        text = next;
    }
    if (search != NULL && search[0] != NULL) {
        _cleanup_free_ char *line = joined("search", search);
        append_lines(&text, (const char *const[]){line, NULL});
    } else {
        append_lines(&text, (const char *const *)r.search);
    }
    if (options != NULL && options[0] != NULL) {
        _cleanup_free_ char *line = joined("options", options);
        append_lines(&text, (const char *const[]){line, NULL});
    } else {
        append_lines(&text, (const char *const *)r.options);
    }
    append_lines(&text, (const char *const *)r.other);
    resolv_clear(&r);
    return text;
}
