#!/usr/bin/env bats
# hull exec and hull top: a command in a running container, in its
# namespaces, with its environment, user and working directory; Docker's
# exit statuses; terminals driven through script(1).

load helpers
load hull_ctr_helpers

@test "exec runs in the container's namespaces with its environment" {
    start_ctr box -e FOO=bar -w /tmp
    local t
    for t in pid net mnt ipc uts cgroup; do
        run hull exec box readlink /proc/self/ns/$t
        assert_success
        assert_output "$(readlink "/proc/$CTR_PID/ns/$t")"
    done
    run hull exec box env
    assert_success
    assert_line FOO=bar
    assert_line --regexp '^PATH=/'
    run hull exec box pwd
    assert_output /tmp
    # The sleep is pid 1 of the container's own pid namespace.
    run hull exec box cat /proc/1/comm
    assert_output sleep
}

@test "exec -e, -w and -u change the process, not the container" {
    start_ctr box -e FOO=bar
    run hull exec -e FOO=baz -e NEW=1 -w /etc -u nobody box sh -c 'echo $FOO $NEW $(pwd) $(id -u)'
    assert_success
    assert_output "baz 1 /etc 65534"
    HOSTVAR=fromhost run hull exec -e HOSTVAR box sh -c 'echo $HOSTVAR'
    assert_output fromhost
    run hull exec -u 1234:4321 box id
    assert_output --partial "uid=1234 gid=4321"
    run hull exec -u nosuchuser box id
    assert_failure
    assert_output --partial "nosuchuser"
    run hull exec box sh -c 'echo $FOO; id -u'
    assert_output "$(printf 'bar\n0')"
}

@test "exec returns the command's status, 126 and 127 as Docker does" {
    start_ctr box
    run hull exec box sh -c 'exit 3'
    assert_failure 3
    run -127 hull exec box nosuchcommand
    assert_output --partial "nosuchcommand"
    run hull exec box /etc/passwd
    assert_failure 126
    run hull exec box sh -c 'kill -9 $$'
    assert_failure 137
}

@test "exec with a -w or -u the runtime cannot apply exits 126; a bad container 1" {
    start_ctr box
    run hull exec -w /nonexistent box true
    assert_failure 126
    assert_output --partial /nonexistent
    run hull exec -u nosuchuser box true
    assert_failure 126
    assert_output --partial nosuchuser
    run hull exec nosuchbox$$ true
    assert_failure 1
}

@test "exec -it with an input that is not a terminal: refused, as Docker" {
    start_ctr box
    run hull exec -it box true </dev/null
    assert_failure 1
    assert_output "hull: the input device is not a TTY"
    # -t alone, or -d, need no terminal on our side.
    run hull exec -t box true </dev/null
    assert_success
}

@test "exec -i passes standard input, without -i the command gets none" {
    start_ctr box
    run bash -c "echo hello | HULL_ROOT='$HROOT' HULL_RUNROOT='$HRUN' '$HULL' exec -i box cat"
    assert_success
    assert_output hello
    run bash -c "echo hello | HULL_ROOT='$HROOT' HULL_RUNROOT='$HRUN' '$HULL' exec box cat"
    assert_success
    assert_output ""
}

@test "exec -t gives a terminal, -it an interactive one" {
    start_ctr box
    run script -qec "env HULL_ROOT=$HROOT HULL_RUNROOT=$HRUN $HULL exec -t box tty" /dev/null 3>&- </dev/null
    assert_success
    assert_output --regexp '/dev/pts/[0-9]+'
    run script -qec "env HULL_ROOT=$HROOT HULL_RUNROOT=$HRUN $HULL exec -it box sh -c 'read x; echo got:\$x; exit 4'" /dev/null 3>&- <<<"abc"
    assert_failure 4
    assert_output --partial "got:abc"
}

@test "exec -d runs in the background" {
    start_ctr box
    run hull exec -d box sh -c 'sleep 0.5; echo done > /tmp/marker'
    assert_success
    assert_output ""
    for _ in $(seq 50); do
        hull exec box test -f /tmp/marker && break
        sleep 0.1
    done
    run hull exec box cat /tmp/marker
    assert_output done
}

@test "exec --privileged has every capability" {
    start_ctr box
    local plain full
    plain="$(hull exec box grep CapEff /proc/self/status | awk '{print $2}')"
    full="$(hull exec --privileged box grep CapEff /proc/self/status | awk '{print $2}')"
    [ $((0x$plain & (1 << 21))) -eq 0 ]
    [ $((0x$full & (1 << 21))) -ne 0 ]
}

@test "exec refuses stopped and unknown containers" {
    run hull run --name done busybox true
    assert_success
    run hull exec done true
    assert_failure
    assert_output --partial "is not running"
    run hull exec nosuchcontainer true
    assert_failure
    assert_output --partial "No such container"
}

@test "top lists the container's processes, with ps options too" {
    start_ctr box
    hull exec -d box sleep 300
    for _ in $(seq 50); do
        [ "$(hull top box | grep -c 'sleep ')" -ge 2 ] && break
        sleep 0.1
    done
    run hull top box
    assert_success
    assert_line --index 0 --regexp '^UID +PID +PPID +C +STIME +TTY +TIME +CMD$'
    assert_line --regexp "^root +$CTR_PID +[0-9]+ +[0-9]+ +[0-9:A-Za-z]+ +\? +[0-9:-]+ +sleep 600$"
    assert_line --regexp '^root +[0-9]+ +[0-9]+ .* sleep 300$'
    [ "${#lines[@]}" -eq 3 ]
    run hull top box -o pid,comm
    assert_success
    assert_line --index 0 --regexp '^ *PID +COMMAND$'
    assert_line --regexp "^ *$CTR_PID +sleep$"
    [ "${#lines[@]}" -eq 3 ]
    run hull top nosuchcontainer
    assert_failure
}
