#ifndef FORECAST_CRASH_GUARD_H
#define FORECAST_CRASH_GUARD_H

/// Installs, once per process, handlers for the fatal signals (SIGSEGV, SIGBUS, SIGILL, SIGFPE,
/// SIGABRT, SIGTRAP) that release the guarded lock (flock LOCK_UN on its descriptor), write one
/// line to standard error and end the process with the signal's default action. Nothing in
/// them can block, so a crashing run frees the pipeline lock and ends at once.
void forecast_crash_guard_install(void);

/// The descriptor whose flock the handlers release; -1 for none.
void forecast_crash_guard_set_fd(int fd);

#endif
