#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "error.h"
#include "net_addr.h"
#include "net_dns.h"
#include "net_ports.h"
#include "util.h"

#include <string.h>

/* ---- addresses ---- */

static void test_cidr_parse(void **state)
{
    _cleanup_error_ hull_error *err = NULL;
    struct hull_cidr c;
    char buf[HULL_IPV4_STRLEN];

    (void)state;
    assert_int_equal(hull_cidr_parse("10.213.7.0/24", &c, &err), 0);
    assert_string_equal(hull_ipv4_format(c.addr, buf), "10.213.7.0");
    assert_int_equal(c.prefix, 24);
    assert_string_equal(hull_ipv4_format(hull_cidr_broadcast(&c), buf), "10.213.7.255");
    _cleanup_free_ char *s = hull_cidr_format(&c);
    assert_string_equal(s, "10.213.7.0/24");
}

static void test_cidr_errors(void **state)
{
    static const char *const bad[][2] = {
        {"10.0.0.0", "missing the prefix length"},
        {"10.0.0/24", "is not an IPv4 address"},
        {"10.0.0.0/33", "prefix length must be 0 to 32"},
        {"10.0.0.0/x", "prefix length must be 0 to 32"},
        {"10.1.0.5/24", "host bits are set (the network is 10.1.0.0/24)"},
        {"300.0.0.0/8", "is not an IPv4 address"},
    };

    (void)state;
    for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
        _cleanup_error_ hull_error *err = NULL;
        struct hull_cidr c;
        assert_int_equal(hull_cidr_parse(bad[i][0], &c, &err), -1);
        assert_int_equal(err->kind, HULL_ERR_BAD_INPUT);
        assert_non_null(strstr(err->msg, bad[i][0]));
        assert_non_null(strstr(err->msg, bad[i][1]));
    }
}

static void test_cidr_overlap(void **state)
{
    struct hull_cidr a, b, c;

    (void)state;
    assert_int_equal(hull_cidr_parse("10.1.0.0/16", &a, NULL), 0);
    assert_int_equal(hull_cidr_parse("10.1.200.0/24", &b, NULL), 0);
    assert_int_equal(hull_cidr_parse("10.2.0.0/16", &c, NULL), 0);
    assert_true(hull_cidr_overlaps(&a, &b));
    assert_true(hull_cidr_overlaps(&b, &a));
    assert_false(hull_cidr_overlaps(&a, &c));
    assert_true(hull_cidr_contains(&a, 0x0a01ff01u));
    assert_false(hull_cidr_contains(&b, 0x0a01ff01u));
    assert_true(hull_ipv4_is_loopback(0x7f000001u));
}

/* ---- ports ---- */

static void parse_one(const char *spec, const char *proto, const char *ip, unsigned host,
                      unsigned ctr)
{
    _cleanup_error_ hull_error *err = NULL;
    struct hull_ports p = {0};
    char buf[HULL_IPV4_STRLEN];

    assert_int_equal(hull_ports_parse_publish(spec, &p, &err), 0);
    assert_int_equal(p.n, 1);
    assert_string_equal(p.v[0].proto, proto);
    assert_string_equal(hull_ipv4_format(p.v[0].host_ip, buf), ip);
    assert_int_equal(p.v[0].host_port, host);
    assert_int_equal(p.v[0].container_port, ctr);
    hull_ports_clear(&p);
}

static void test_publish_forms(void **state)
{
    (void)state;
    parse_one("80", "tcp", "0.0.0.0", 0, 80);
    parse_one("8080:80", "tcp", "0.0.0.0", 8080, 80);
    parse_one("127.0.0.1:8080:80", "tcp", "127.0.0.1", 8080, 80);
    parse_one("127.0.0.1::80/udp", "udp", "127.0.0.1", 0, 80);
    parse_one("0:53/sctp", "sctp", "0.0.0.0", 0, 53);
}

static void test_publish_ranges(void **state)
{
    _cleanup_error_ hull_error *err = NULL;
    struct hull_ports p = {0};

    (void)state;
    assert_int_equal(hull_ports_parse_publish("8000-8002:80-82/udp", &p, &err), 0);
    assert_int_equal(p.n, 3);
    assert_int_equal(p.v[2].host_port, 8002);
    assert_int_equal(p.v[2].container_port, 82);
    assert_int_equal(hull_ports_parse_publish("90-91", &p, &err), 0);
    assert_int_equal(p.n, 5);
    assert_int_equal(p.v[4].host_port, 0);
    assert_int_equal(p.v[4].container_port, 91);
    hull_ports_clear(&p);
}

static void test_publish_errors(void **state)
{
    static const char *const bad[][2] = {
        {"99999", "container port \"99999\" is not a port (1-65535)"},
        {"70000:80", "host port \"70000\" is not a port (1-65535)"},
        {"0", "container port \"0\""},
        {"x:80", "host port \"x\""},
        {"1.2.3:80:80", "\"1.2.3\" is not an IPv4 address"},
        {"80/icmp", "protocol \"icmp\" is not tcp, udp or sctp"},
        {"8000-8001:80", "ranges differ in length"},
        {"[::1]:80:80", "IPv6 host addresses are not supported"},
        {"1:2:3:4", "too many"},
        {"90-80", "container port \"90-80\""},
    };

    (void)state;
    for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
        _cleanup_error_ hull_error *err = NULL;
        struct hull_ports p = {0};
        assert_int_equal(hull_ports_parse_publish(bad[i][0], &p, &err), -1);
        assert_int_equal(err->kind, HULL_ERR_BAD_INPUT);
        if (strstr(err->msg, bad[i][1]) == NULL)
            fail_msg("\"%s\": got \"%s\"", bad[i][0], err->msg);
        assert_int_equal(p.n, 0);
    }
}

static void test_conflicts_and_json(void **state)
{
    struct hull_ports p = {0}, back = {0};
    _cleanup_error_ hull_error *err = NULL;

    (void)state;
    assert_int_equal(hull_ports_parse_publish("8080:80", &p, &err), 0);
    assert_int_equal(hull_ports_parse_publish("127.0.0.1:8080:81", &p, &err), 0);
    assert_int_equal(hull_ports_parse_publish("8080:80/udp", &p, &err), 0);
    assert_true(hull_port_conflicts(&p.v[0], &p.v[1]));
    assert_false(hull_port_conflicts(&p.v[0], &p.v[2]));
    hull_ports_add(&p, &p.v[0]);
    assert_int_equal(p.n, 3);
    _cleanup_free_ char *shown = hull_port_format(&p.v[1]);
    assert_string_equal(shown, "127.0.0.1:8080->81/tcp");
    json_t *j = hull_ports_to_json(&p);
    assert_int_equal(hull_ports_from_json(j, "test", &back, &err), 0);
    json_decref(j);
    assert_int_equal(back.n, 3);
    assert_memory_equal(back.v, p.v, 3 * sizeof(*p.v));
    hull_ports_clear(&p);
    hull_ports_clear(&back);
}

static void test_expose(void **state)
{
    _cleanup_error_ hull_error *err = NULL;
    struct hull_ports p = {0};

    (void)state;
    assert_int_equal(hull_ports_parse_expose("80/tcp", &p, &err), 0);
    assert_int_equal(hull_ports_parse_expose("80", &p, &err), 0);
    assert_int_equal(hull_ports_parse_expose("5000-5001/udp", &p, &err), 0);
    assert_int_equal(p.n, 3);
    assert_int_equal(hull_ports_parse_expose("0", &p, &err), -1);
    assert_non_null(strstr(err->msg, "invalid exposed port \"0\""));
    hull_ports_clear(&p);
}

/* ---- hosts and resolv.conf ---- */

static void test_hosts(void **state)
{
    const char *own[] = {"10.213.0.2", NULL};
    const char *extra[] = {"192.0.2.9\tdb", NULL};
    const char *peers[] = {"10.213.0.3\tweb", NULL};
    _cleanup_free_ char *text = hull_dns_hosts("box", own, extra, peers);

    (void)state;
    assert_true(str_has_prefix(text, "127.0.0.1\tlocalhost\n::1\tlocalhost"));
    assert_non_null(strstr(text, "\n192.0.2.9\tdb\n10.213.0.2\tbox\n10.213.0.3\tweb\n"));
}

static void test_add_host(void **state)
{
    _cleanup_error_ hull_error *err = NULL;
    _cleanup_free_ char *a = NULL, *b = NULL, *c = NULL;

    (void)state;
    assert_int_equal(hull_dns_add_host_parse("db:192.0.2.9", NULL, &a, &err), 0);
    assert_string_equal(a, "192.0.2.9\tdb");
    assert_int_equal(hull_dns_add_host_parse("v6=2001:db8::1", NULL, &b, &err), 0);
    assert_string_equal(b, "2001:db8::1\tv6");
    assert_int_equal(hull_dns_add_host_parse("gw:host-gateway", "10.0.0.1", &c, &err), 0);
    assert_string_equal(c, "10.0.0.1\tgw");
    assert_int_equal(hull_dns_add_host_parse("gw:host-gateway", NULL, &c, &err), -1);
    assert_non_null(strstr(err->msg, "host-gateway needs a bridge network"));
    assert_int_equal(hull_dns_add_host_parse("nocolon", NULL, &c, &err), -1);
    assert_non_null(strstr(err->msg, "invalid --add-host \"nocolon\""));
    assert_int_equal(hull_dns_add_host_parse("db:banana", NULL, &c, &err), -1);
    assert_non_null(strstr(err->msg, "\"banana\" is not an IP address"));
    assert_int_equal(hull_dns_server_check("1.1.1.1", &err), 0);
    assert_int_equal(hull_dns_server_check("one", &err), -1);
}

static void test_resolv_conf(void **state)
{
    static const char host[] = "# made by someone\n"
                               "nameserver 127.0.0.53\n"
                               "nameserver 192.0.2.53\n"
                               "nameserver ::1\n"
                               "search example.org\n"
                               "options edns0\n";
    const char *dns[] = {"9.9.9.9", NULL}, *search[] = {"a.test", "b.test", NULL};
    bool fallback;

    (void)state;
    _cleanup_free_ char *filtered = hull_dns_resolv_conf(host, false, NULL, NULL, NULL, &fallback);
    assert_false(fallback);
    assert_string_equal(filtered, "nameserver 192.0.2.53\nsearch example.org\noptions edns0\n");
    _cleanup_free_ char *kept = hull_dns_resolv_conf(host, true, NULL, NULL, NULL, &fallback);
    assert_non_null(strstr(kept, "nameserver 127.0.0.53\nnameserver 192.0.2.53\nnameserver ::1\n"));
    _cleanup_free_ char *over = hull_dns_resolv_conf(host, false, dns, search, NULL, &fallback);
    assert_string_equal(over, "nameserver 9.9.9.9\nsearch a.test b.test\noptions edns0\n");
    _cleanup_free_ char *lo =
        hull_dns_resolv_conf("nameserver 127.0.0.1\n", false, NULL, NULL, NULL, &fallback);
    assert_true(fallback);
    assert_string_equal(lo, "nameserver 8.8.8.8\nnameserver 8.8.4.4\n");
    _cleanup_free_ char *none = hull_dns_resolv_conf(NULL, false, NULL, NULL, NULL, &fallback);
    assert_true(fallback);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cidr_parse),
        cmocka_unit_test(test_cidr_errors),
        cmocka_unit_test(test_cidr_overlap),
        cmocka_unit_test(test_publish_forms),
        cmocka_unit_test(test_publish_ranges),
        cmocka_unit_test(test_publish_errors),
        cmocka_unit_test(test_conflicts_and_json),
        cmocka_unit_test(test_expose),
        cmocka_unit_test(test_hosts),
        cmocka_unit_test(test_add_host),
        cmocka_unit_test(test_resolv_conf),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
