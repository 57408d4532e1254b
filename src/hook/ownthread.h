/* Private: starting the shim's own threads (the watchdog, the symbolizer). Any thread: the
 * constructor, the watchdog, a fork child's handler. */
#ifndef SW_OWNTHREAD_H
#define SW_OWNTHREAD_H

/* Starts run(NULL) on a new detached thread, through the real pthread_create (so the thread
 * is not registered as the program's), with every signal blocked: it inherits the mask, so no
 * process-directed signal of the program is ever delivered to it. Returns 0 or the error
 * number pthread_create gave. */
int sw_own_thread_start(void *(*run)(void *));

#endif
