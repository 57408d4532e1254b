/* Private: starting the shim's own threads (the watchdog, the symbolizer). Any thread: the
 * constructor, the watchdog, a fork child's handler. */
#ifndef SW_OWNTHREAD_H
#define SW_OWNTHREAD_H

#include <pthread.h>
#include <stdbool.h>

/* Starts run(NULL) on a new joinable thread (*t), through the real pthread_create (so the
 * thread is not registered as the program's), with every signal blocked: it inherits the
 * mask, so no process-directed signal of the program is ever delivered to it. Returns 0 or
 * the error number pthread_create gave. */
int sw_own_thread_start(void *(*run)(void *), pthread_t *t);

/* Our threads stepping aside for a call that glibc makes every thread of the process repeat
 * (the set*id calls, setgroups; hook/wrap_creds.c). Registered when the watching starts:
 * aside() makes our threads exit and returns whether they did (and must come back), back()
 * starts them again. Without a registration (no watching yet) there is nothing to do. */
void sw_own_threads_register(bool (*aside)(void), void (*back)(void));
bool sw_own_threads_aside(void);
void sw_own_threads_back(void);

#endif
