/* Terminals: a pty for process.terminal, handing its master to a console
 * socket (SCM_RIGHTS, as containerd's shim and conmon expect), and proxying
 * a pty to the caller's own terminal for foreground runs. */
#ifndef HULL_TERMINAL_H
#define HULL_TERMINAL_H

#include "error.h"

#include <stdbool.h>
#include <termios.h>

/* Opens a new pty from /dev/ptmx of the current root (inside the container,
 * after pivot_root).  *slave_path gets its name ("/dev/pts/0"). */
int hull_pty_open(int *master, int *slave, char **slave_path, hull_error **err);

/* Makes SLAVE the controlling terminal of the calling process (which must
 * be a session leader, or becomes one) and its stdin/stdout/stderr. */
int hull_pty_make_controlling(int slave, hull_error **err);

int hull_pty_set_size(int fd, unsigned int rows, unsigned int cols, hull_error **err);

/* Connects to the unix socket PATH (stream). */
int hull_unix_connect(const char *path, hull_error **err);

/* Sends/receives one descriptor with SCM_RIGHTS; NAME travels as the data
 * of the message (runc sends the pty's name there). */
int hull_send_fd(int sock, int fd, const char *name, hull_error **err);
int hull_recv_fd(int sock, int *fd, hull_error **err);

/* Raw mode for the caller's terminal; restore with hull_tty_restore(). */
int hull_tty_make_raw(int fd, struct termios *saved, hull_error **err);
void hull_tty_restore(int fd, const struct termios *saved);

/* Copies IN_FD -> MASTER and MASTER -> OUT_FD until MASTER hangs up (the
 * container's side closed) or STOP_FD (may be -1) becomes readable,
 * forwarding window size changes of WINSIZE_FD (may be -1) to MASTER.
 * EOF on IN_FD is passed on as the terminal's EOF character when
 * forward_eof. */
int hull_pty_proxy(int master, int in_fd, int out_fd, int winsize_fd, int stop_fd,
                   hull_error **err);

#endif
