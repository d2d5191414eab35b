/* hull's nftables rules, all in its own table "ip hull", through
 * libnftables.  No other table is ever listed, flushed or changed, so
 * Docker's, Podman's and firewalld's rules stay as they are.
 *
 * The rules are fixed; what changes are the elements of a few sets and
 * maps: the bridges and subnets of the networks, and the published ports.
 * Adding a network or publishing a port adds elements, which the kernel
 * does atomically.  The elements are derived from hull's network state,
 * so a table that someone removed is rebuilt whole from it
 * (hull_nft_table_text). */
#ifndef HULL_NET_NFT_H
#define HULL_NET_NFT_H

#include "error.h"
#include "net_addr.h"
#include "net_ports.h"

#include <stdbool.h>
#include <stddef.h>

#define HULL_NFT_TABLE "ip hull"

struct hull_nft_net {
    const char *bridge;
    struct hull_cidr subnet;
    bool internal;
};

struct hull_nft_pub {
    struct hull_port port; /* with its host port chosen */
    uint32_t ctr_ip;
};

/* Runs CMDS (nft syntax, several commands separated by newlines) as one
 * transaction: all of it applies or none.  The error carries nft's own
 * message. */
int hull_nft_run(const char *cmds, hull_error **err);

/* Appends to *CMDS the commands adding (VERB "add") or removing ("delete")
 * the elements of a network or a published port. */
void hull_nft_net_cmds(char **cmds, const char *verb, const struct hull_nft_net *net);
void hull_nft_pub_cmds(char **cmds, const char *verb, const struct hull_nft_pub *pub);

/* The commands replacing the whole table with one holding these networks
 * and ports: used on first use and when the table was removed behind
 * hull's back. */
char *hull_nft_table_text(const struct hull_nft_net *nets, size_t n_nets,
                          const struct hull_nft_pub *pubs, size_t n_pubs);

/* Whether the table exists. */
int hull_nft_table_exists(bool *exists, hull_error **err);

/* Removes the table (nothing left to route). */
int hull_nft_table_delete(hull_error **err);

#endif
