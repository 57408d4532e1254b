/* Private: the CPU-specific facts capture and unwinding need: DWARF register numbering and
 * how to read registers out of a signal's ucontext. x86_64 only for now; porting means adding
 * a block here. Pure; usable in signal handlers. */
#ifndef SW_ARCH_H
#define SW_ARCH_H

#include <stdint.h>
#include <ucontext.h>

#if defined(__x86_64__)

/* DWARF order: rax rdx rcx rbx rsi rdi rbp rsp r8..r15, then the return address (rip). */
#define SW_NREGS    17
#define SW_DWARF_SP 7
#define SW_DWARF_PC 16

static inline void sw_arch_regs(const ucontext_t *uc, uint64_t regs[SW_NREGS])
{
    const greg_t *g = uc->uc_mcontext.gregs;
    static const int order[SW_NREGS] = {REG_RAX, REG_RDX, REG_RCX, REG_RBX, REG_RSI, REG_RDI,
                                        REG_RBP, REG_RSP, REG_R8,  REG_R9,  REG_R10, REG_R11,
                                        REG_R12, REG_R13, REG_R14, REG_R15, REG_RIP};
    for (int i = 0; i < SW_NREGS; i++)
        regs[i] = (uint64_t)g[order[i]];
}

#else
#error "stallwatch supports x86_64 only (see src/arch.h)"
#endif

#endif
