#!/bin/busybox sh
# /init of the cgroup v2 test VM (tests/vm/cgroup-v2.sh).
#
# Stage 1 runs from the initramfs, whose root cannot be pivot_root'ed away
# from, which a container's setup does: it copies itself to a tmpfs and
# switches root there.  Stage 2 mounts the kernel filesystems and cgroup2
# alone at /sys/fs/cgroup with every controller enabled for children, runs
# the tests and powers off.

if [ "$1" != stage2 ]; then
    /bin/busybox --install -s /bin
    export PATH=/bin
    mount -t tmpfs -o mode=0755 tmpfs /newroot
    for entry in /*; do
        [ "$entry" = /newroot ] || cp -a "$entry" /newroot/
    done
    exec switch_root /newroot /init stage2
fi

export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mkdir -p /dev/pts /dev/shm
mount -t devpts devpts /dev/pts
mount -t tmpfs tmpfs /run
mount -t tmpfs tmpfs /tmp
mount -t cgroup2 cgroup2 /sys/fs/cgroup
for c in $(cat /sys/fs/cgroup/cgroup.controllers); do
    echo "+$c" >/sys/fs/cgroup/cgroup.subtree_control ||
        echo "HULLVM FAIL setup: cannot enable the $c controller"
done
echo "HULLVM controllers: $(cat /sys/fs/cgroup/cgroup.subtree_control)"
sh /hull/tests.sh
echo "HULLVM DONE"
poweroff -f
