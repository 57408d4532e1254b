/* Private: where the library's code and data lie, for what every process that loads it pays.
 * Any context: it only places code and data.
 *
 * Each page a process first touches costs it a page fault: 10-15 microseconds in the VM this
 * project is measured on, in every process started, forked or exec'ed with the library, most
 * of which never watch anything (scripts/bench, start-up page faults). So the code and data
 * the constructor touches lie together:
 *
 * SW_LARGE, for the static buffers larger than a page (the watchdog's report and parsing
 * buffers, the registry's chunk table): a section of their own, sorted after every small
 * variable (--sort-section=name), so that the small ones of every module share a few pages.
 * scripts/check_tree.py checks that every object larger than a page carries it.
 *
 * SW_EARLY, for the larger variables the constructor writes (the settings, the copied
 * environment): right after the initialised data, whose first page the loader writes anyway,
 * rather than one in this page of .bss and one in that.
 *
 * SW_STARTUP, for functions only the constructor calls that would otherwise lie far from it:
 * with the constructor (GCC's .text.startup), in the pages its first fault maps. */
#ifndef SW_LARGE_H
#define SW_LARGE_H

#define SW_LARGE   __attribute__((section(".bss.sw_large")))
#define SW_EARLY   __attribute__((section(".data.sw_early")))
#define SW_STARTUP __attribute__((section(".text.startup")))

#endif
