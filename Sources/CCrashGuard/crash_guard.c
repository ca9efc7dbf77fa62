// Fatal-signal handlers for `forecast run`: free the pipeline lock, say so, and end the process
// with the signal's default action (a core dump where the system keeps them). Only
// async-signal-safe calls are made: an atomic exchange, flock(2), write(2), sigaction(2) and
// raise(3). The Swift runtime's backtracer is not chained: when it handles a signal sent with
// kill it lets the process run on (still holding the lock), and when the process ends while it
// reads it, its helper process blocks for ever. `forecast fit` keeps the runtime's backtraces.
#include "crash_guard.h"

#include <signal.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

static atomic_int guarded_fd = -1;
static atomic_int installed = 0;
static const int fatal_signals[] = {SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT, SIGTRAP};

static void say(const char *text) {
    ssize_t ignored = write(STDERR_FILENO, text, strlen(text));
    (void)ignored;
}

static void on_fatal_signal(int sig) {
    int fd = atomic_exchange(&guarded_fd, -1);
    if (fd >= 0) flock(fd, LOCK_UN);
    const char *name = sig == SIGSEGV ? "SIGSEGV" : sig == SIGBUS ? "SIGBUS" : sig == SIGILL ? "SIGILL"
                     : sig == SIGFPE ? "SIGFPE" : sig == SIGABRT ? "SIGABRT" : "SIGTRAP";
    say("forecast: fatal signal ");
    say(name);
    say(fd >= 0 ? "; the pipeline lock was released; please report this crash\n"
                : "; please report this crash\n");
    struct sigaction dfl;
    memset(&dfl, 0, sizeof dfl);
    dfl.sa_handler = SIG_DFL;
    sigemptyset(&dfl.sa_mask);
    sigaction(sig, &dfl, NULL);
    raise(sig);  // delivered when this handler returns (the signal is blocked inside it)
}

void forecast_crash_guard_install(void) {
    if (atomic_exchange(&installed, 1)) return;
    for (size_t k = 0; k < sizeof fatal_signals / sizeof fatal_signals[0]; k++) {
        struct sigaction action;
        memset(&action, 0, sizeof action);
        action.sa_handler = on_fatal_signal;
        action.sa_flags = SA_ONSTACK;  // the runtime's alternate stack: stack overflows too
        sigemptyset(&action.sa_mask);
        sigaction(fatal_signals[k], &action, NULL);
    }
}

void forecast_crash_guard_set_fd(int fd) { atomic_store(&guarded_fd, fd); }
