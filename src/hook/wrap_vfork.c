/* The vfork wrapper. Any thread; what follows the real vfork runs first in the child (on the
 * parent thread's stack, with the parent's memory) and then in the parent.
 *
 * Why: a vfork child shares the parent's memory, the calling thread's thread-local storage
 * included, until it execs or exits, and the wrappers it calls meanwhile (CPython's
 * subprocess closes descriptors there) run as that thread. The start of the watching must
 * not run there: it would claim the thread's slot under the child's tid, use up the
 * parent's one start and create the watchdog thread in the child, which dies at its exec.
 * So the thread is marked as vforking for the call (sw_vforking), and a marked thread claims
 * no slot and starts nothing (hook/enter.c, hook/registry.c): the child sees the mark, the
 * parent takes it off when its vfork returns.
 *
 * How: as in glibc's own vfork, nothing may be kept on the stack across the real call (the
 * child returns first and reuses that stack), so the caller's return address waits in the
 * thread's storage, on a small stack of them (a signal handler may vfork in between), and
 * the real vfork is called with the stack as the caller left it. While the thread is inside
 * the real vfork, an unwinder stops at this wrapper: its return address is not on the
 * stack. Compiled without LTO: the assembly below calls the two C functions by name. */
#include <stdint.h>

#include "hook/interpose.h"

#define SW_VFORK_NEST 4

static __thread uintptr_t return_to[SW_VFORK_NEST] __attribute__((tls_model("initial-exec")));

/* What the assembly does next: call real, or, nested too deep to keep the return address
 * (plain), jump to it with the caller's stack as it is, unmarked. */
struct sw_vfork_next {
    void *real;
    uintptr_t plain;
};

struct sw_vfork_next sw_vfork_enter(uintptr_t ra);
uintptr_t sw_vfork_leave(pid_t r);

/* Before the real vfork, with the caller's return address. */
__attribute__((used, visibility("hidden"))) struct sw_vfork_next sw_vfork_enter(uintptr_t ra)
{
    struct sw_vfork_next next = {(void *)SW_REAL_ANY(vfork), 0};
    unsigned d = sw_vforking;
    if (d >= SW_VFORK_NEST) {
        next.plain = 1;
        return next;
    }
    return_to[d] = ra;
    __atomic_signal_fence(__ATOMIC_SEQ_CST);
    sw_vforking = d + 1;
    return next;
}

/* After it, in the child (r == 0) and then in the parent: the caller's return address. Only
 * the parent takes the mark off. errno is untouched. */
__attribute__((used, visibility("hidden"))) uintptr_t sw_vfork_leave(pid_t r)
{
    unsigned d = sw_vforking;
    uintptr_t ra = return_to[d - 1];
    if (r != 0)
        sw_vforking = d - 1;
    return ra;
}

/* At entry the return address is at (%rsp) and %rsp is 8 mod 16. */
__asm__(".text\n"
        ".globl vfork\n"
        ".type vfork, @function\n"
        ".p2align 4\n"
        "vfork:\n"
        ".cfi_startproc\n"
        "    movq (%rsp), %rdi\n"
        "    subq $8, %rsp\n"
        ".cfi_adjust_cfa_offset 8\n"
        "    call sw_vfork_enter\n"
        "    testq %rdx, %rdx\n"
        "    jnz 1f\n"
        ".cfi_remember_state\n"
        /* The caller's stack as after a return; the return address now lives in return_to. */
        "    addq $16, %rsp\n"
        ".cfi_def_cfa_offset 0\n"
        ".cfi_undefined %rip\n"
        "    call *%rax\n"
        "    pushq %rax\n"
        "    subq $8, %rsp\n"
        ".cfi_def_cfa_offset 16\n"
        "    movl %eax, %edi\n"
        "    call sw_vfork_leave\n"
        "    movq %rax, %rcx\n"
        "    addq $8, %rsp\n"
        "    popq %rax\n"
        ".cfi_def_cfa_offset 0\n"
        "    jmp *%rcx\n"
        "1:\n"
        ".cfi_restore_state\n"
        "    addq $8, %rsp\n"
        ".cfi_adjust_cfa_offset -8\n"
        "    jmp *%rax\n"
        ".cfi_endproc\n"
        ".size vfork, .-vfork\n");
