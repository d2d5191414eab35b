/* The network flags of run and create. */
#include "netflags.h"

void hull_net_flags_apply(const struct hull_net_flags *f, struct hull_run_request *r)
{
    r->network = f->network;
    r->ip = f->ip;
    r->publish = f->publish;
    r->publish_all = f->publish_all;
    r->expose = f->expose;
    r->dns = f->dns;
    r->dns_search = f->dns_search;
    r->dns_options = f->dns_option;
    r->add_hosts = f->add_host;
}
