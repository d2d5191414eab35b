#!/usr/bin/env bats
# The security flags of hull run: --cap-add, --cap-drop, --privileged,
# --security-opt no-new-privileges, --ulimit, and -u USER[:GROUP] resolved
# in the image.

load helpers
load hull_ctr_helpers

# cap_bits NAME: the CapEff mask of `hull run ARGS...` ($1.. are run args).
cap_eff() {
    hull run --rm "$@" busybox sh -c 'grep CapEff /proc/self/status' | awk '{print $2}'
}

@test "--cap-add and --cap-drop change the default set" {
    local plain added dropped none
    plain="$(cap_eff)"
    added="$(cap_eff --cap-add net_admin --cap-add CAP_SYS_TIME)"
    dropped="$(cap_eff --cap-drop CHOWN)"
    none="$(cap_eff --cap-drop ALL --cap-add KILL)"
    [ $((0x$plain & (1 << 12))) -eq 0 ]
    [ $((0x$added & (1 << 12))) -ne 0 ]
    [ $((0x$added & (1 << 25))) -ne 0 ]
    [ $((0x$plain & 1)) -ne 0 ]
    [ $((0x$dropped & 1)) -eq 0 ]
    [ $((0x$none)) -eq $((1 << 5)) ]
    run hull run --rm --cap-add BOGUS busybox true
    assert_failure 125
    assert_output --partial "unknown capability"
}

@test "--privileged: every capability, the host's devices, no masked paths" {
    local caps
    caps="$(cap_eff --privileged)"
    [ $((0x$caps & (1 << 21))) -ne 0 ]
    run hull run --rm --privileged busybox sh -c 'ls /dev; echo firmware $(ls /sys/firmware | wc -l); grep " /sys " /proc/mounts'
    assert_success
    assert_line kmsg
    assert_line --regexp '^firmware [1-9]'
    assert_line --regexp '^sysfs /sys sysfs rw'
    run hull run --rm busybox sh -c 'ls /dev/kmsg; echo firmware $(ls /sys/firmware | wc -l); grep " /sys " /proc/mounts'
    assert_line --partial "No such file"
    assert_line "firmware 0"
    assert_line --regexp '^sysfs /sys sysfs ro'
}

@test "--security-opt no-new-privileges sets no_new_privs" {
    run hull run --rm busybox grep NoNewPrivs /proc/self/status
    assert_output --regexp 'NoNewPrivs:\s+0'
    run hull run --rm --security-opt no-new-privileges busybox grep NoNewPrivs /proc/self/status
    assert_output --regexp 'NoNewPrivs:\s+1'
    run hull run --rm --security-opt no-new-privileges:true busybox grep NoNewPrivs /proc/self/status
    assert_output --regexp 'NoNewPrivs:\s+1'
    run hull run --rm --security-opt bogus=1 busybox true
    assert_failure 125
}

@test "--ulimit sets the limits" {
    run hull run --rm --ulimit nofile=100:200 --ulimit core=0 busybox sh -c 'ulimit -n; ulimit -Hn; ulimit -c'
    assert_success
    assert_output "$(printf '100\n200\n0')"
    run hull run --rm --ulimit nofile=300:100 busybox true
    assert_failure 125
    assert_output --partial "soft limit"
    run hull run --rm --ulimit bogus=1 busybox true
    assert_failure 125
}

@test "-u resolves users and groups in the image" {
    run hull run --rm -u nobody busybox id
    assert_output --regexp '^uid=65534\(nobody\) gid=65534'
    run hull run --rm -u nobody:root busybox id -g
    assert_output 0
    run hull run --rm -u 4321:1234 busybox sh -c 'id -u; id -g'
    assert_output "$(printf '4321\n1234')"
    run hull run --rm -u nosuchuser busybox true
    assert_failure 125
    assert_output --partial "nosuchuser"
}
