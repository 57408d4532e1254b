/* Private: libdw and libelf, loaded when the first stack is symbolized rather than with the
 * shim, so that a program that never stalls pays neither their start-up (mapping and
 * relocating five libraries) nor their memory. Symbolization worker thread only, except
 * sw_dw_loaded.
 *
 * Files that call libdw include this header after the elfutils headers: each libdw or libelf
 * function they use becomes a call through the table that sw_dw_load fills (the names are
 * macros). The list below is every such function; a use missing from it is an undefined
 * symbol at link time (-z defs). */
#ifndef SW_DWLOAD_H
#define SW_DWLOAD_H

#include <stdbool.h>

#include <elfutils/libdwelf.h>
#include <elfutils/libdwfl.h>

#define SW_DW_FUNCS(X)                                                                             \
    X(dwarf_attr)                                                                                  \
    X(dwarf_attr_integrate)                                                                        \
    X(dwarf_diename)                                                                               \
    X(dwarf_filesrc)                                                                               \
    X(dwarf_formstring)                                                                            \
    X(dwarf_formudata)                                                                             \
    X(dwarf_getalt)                                                                                \
    X(dwarf_getelf)                                                                                \
    X(dwarf_getscopes)                                                                             \
    X(dwarf_getscopes_die)                                                                         \
    X(dwarf_getsrcfiles)                                                                           \
    X(dwarf_tag)                                                                                   \
    X(dwelf_elf_gnu_build_id)                                                                      \
    X(dwfl_addrmodule)                                                                             \
    X(dwfl_attach_state)                                                                           \
    X(dwfl_begin)                                                                                  \
    X(dwfl_build_id_find_debuginfo)                                                                \
    X(dwfl_errmsg)                                                                                 \
    X(dwfl_frame_pc)                                                                               \
    X(dwfl_getmodules)                                                                             \
    X(dwfl_getthread_frames)                                                                       \
    X(dwfl_lineinfo)                                                                               \
    X(dwfl_module_addrdie)                                                                         \
    X(dwfl_module_addrinfo)                                                                        \
    X(dwfl_module_build_id)                                                                        \
    X(dwfl_module_getdwarf)                                                                        \
    X(dwfl_module_getelf)                                                                          \
    X(dwfl_module_getsrc)                                                                          \
    X(dwfl_module_info)                                                                            \
    X(dwfl_offline_section_address)                                                                \
    X(dwfl_report_begin)                                                                           \
    X(dwfl_report_end)                                                                             \
    X(dwfl_report_module)                                                                          \
    X(dwfl_standard_find_debuginfo)                                                                \
    X(dwfl_thread_state_registers)                                                                 \
    X(elf_begin)                                                                                   \
    X(elf_cntl)                                                                                    \
    X(elf_end)                                                                                     \
    X(elf_memory)

#define SW_DW_FIELD(name) __typeof__(&name) name;
struct sw_dw {
    SW_DW_FUNCS(SW_DW_FIELD)
};
#undef SW_DW_FIELD

extern struct sw_dw sw_dw;

/* Loads libdw.so.1 (and through it libelf.so.1) and fills sw_dw, unless done already.
 * Returns 0, or -1 with sw_dw_error() saying why (nothing is symbolized then: the reports
 * carry raw frames; the next call tries again). Blocks while another thread holds the
 * dynamic loader's lock. */
int sw_dw_load(void);
const char *sw_dw_error(void);

/* Whether sw_dw_load has succeeded. Any thread (the watchdog asks it before waiting for the
 * worker: a load can be held up by the program, a job once loaded only reads files). */
bool sw_dw_loaded(void);

#ifndef SW_DW_NO_MACROS
#define dwarf_attr                   (sw_dw.dwarf_attr)
#define dwarf_attr_integrate         (sw_dw.dwarf_attr_integrate)
#define dwarf_diename                (sw_dw.dwarf_diename)
#define dwarf_filesrc                (sw_dw.dwarf_filesrc)
#define dwarf_formstring             (sw_dw.dwarf_formstring)
#define dwarf_formudata              (sw_dw.dwarf_formudata)
#define dwarf_getalt                 (sw_dw.dwarf_getalt)
#define dwarf_getelf                 (sw_dw.dwarf_getelf)
#define dwarf_getscopes              (sw_dw.dwarf_getscopes)
#define dwarf_getscopes_die          (sw_dw.dwarf_getscopes_die)
#define dwarf_getsrcfiles            (sw_dw.dwarf_getsrcfiles)
#define dwarf_tag                    (sw_dw.dwarf_tag)
#define dwelf_elf_gnu_build_id       (sw_dw.dwelf_elf_gnu_build_id)
#define dwfl_addrmodule              (sw_dw.dwfl_addrmodule)
#define dwfl_attach_state            (sw_dw.dwfl_attach_state)
#define dwfl_begin                   (sw_dw.dwfl_begin)
#define dwfl_build_id_find_debuginfo (sw_dw.dwfl_build_id_find_debuginfo)
#define dwfl_errmsg                  (sw_dw.dwfl_errmsg)
#define dwfl_frame_pc                (sw_dw.dwfl_frame_pc)
#define dwfl_getmodules              (sw_dw.dwfl_getmodules)
#define dwfl_getthread_frames        (sw_dw.dwfl_getthread_frames)
#define dwfl_lineinfo                (sw_dw.dwfl_lineinfo)
#define dwfl_module_addrdie          (sw_dw.dwfl_module_addrdie)
#define dwfl_module_addrinfo         (sw_dw.dwfl_module_addrinfo)
#define dwfl_module_build_id         (sw_dw.dwfl_module_build_id)
#define dwfl_module_getdwarf         (sw_dw.dwfl_module_getdwarf)
#define dwfl_module_getelf           (sw_dw.dwfl_module_getelf)
#define dwfl_module_getsrc           (sw_dw.dwfl_module_getsrc)
#define dwfl_module_info             (sw_dw.dwfl_module_info)
#define dwfl_offline_section_address (sw_dw.dwfl_offline_section_address)
#define dwfl_report_begin            (sw_dw.dwfl_report_begin)
#define dwfl_report_end              (sw_dw.dwfl_report_end)
#define dwfl_report_module           (sw_dw.dwfl_report_module)
#define dwfl_standard_find_debuginfo (sw_dw.dwfl_standard_find_debuginfo)
#define dwfl_thread_state_registers  (sw_dw.dwfl_thread_state_registers)
#define elf_begin                    (sw_dw.elf_begin)
#define elf_cntl                     (sw_dw.elf_cntl)
#define elf_end                      (sw_dw.elf_end)
#define elf_memory                   (sw_dw.elf_memory)
#endif

#endif
