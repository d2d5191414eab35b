/* Signal names as runc's command line takes them. */
#ifndef HULL_SIGNALS_H
#define HULL_SIGNALS_H

#include "error.h"

/* Accepts "KILL", "SIGKILL", "kill", "9", and "RTMIN+3"/"SIGRTMIN+3".
 * Returns the number or -1 with an error naming the value. */
int hull_signal_parse(const char *s, hull_error **err);

/* 9 -> "SIGKILL"; realtime signals as "SIGRTMIN+N"; NULL if invalid. The
 * returned string is static or written into buf (at least 16 bytes). */
const char *hull_signal_name(int sig, char *buf);

#endif
