/* Private: SW_LARGE, for the library's static buffers larger than a page (the watchdog's
 * report and parsing buffers, the registry's chunk table). Any context: it only places data.
 *
 * They go to a section of their own, so that the small variables of every module lie
 * together in a few pages: a process that loads the library and never watches touches only
 * those, and each page first touched costs a page fault (tens of microseconds in a VM) in
 * every process started, forked or exec'ed. scripts/check_tree.py checks that every object
 * larger than a page carries it. */
#ifndef SW_LARGE_H
#define SW_LARGE_H

#define SW_LARGE __attribute__((section(".bss.sw_large")))

#endif
