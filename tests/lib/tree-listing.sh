#!/bin/sh
# Prints the tree of the container it runs in, to compare what two engines
# show of the same image: one line per entry (path, type and mode, owner,
# link count of files, symlink target), then the sha256 of every regular
# file.  The kernel's filesystems and the files engines put there
# themselves (/etc/hostname, /etc/hosts, /etc/mtab, /etc/resolv.conf,
# /.dockerenv) are left out.  Needs find, grep, sort and sha256sum.
#
#   docker run IMAGE sh -c "$(cat tests/lib/tree-listing.sh)"
cd / || exit 1
own='^\./(\.dockerenv|etc/hostname|etc/hosts|etc/mtab|etc/resolv\.conf)$'
walk() {
    find . -xdev \( -path ./proc -o -path ./sys -o -path ./dev \) -prune -o "$@"
}
walk \( -type f -printf '%p %M %U:%G n=%n\n' \) -o \( -type l -printf '%p %M %U:%G -> %l\n' \) \
    -o -printf '%p %M %U:%G\n' | grep -Ev "^\./(\.dockerenv|etc/hostname|etc/hosts|etc/mtab|etc/resolv\.conf) " |
    LC_ALL=C sort
walk -type f -print0 | xargs -0 sha256sum | grep -Ev "  ${own#^}" | LC_ALL=C sort -k2
