/* Unit suite for the dynamic symbol lookup from memory (src/dynsym.c): it must find what the
 * loader finds (dlsym is the reference) in the C library, in this executable (linked with
 * -rdynamic, as Debian's python3 is), in libraries with either kind of hash table, and in the
 * vDSO, whose tables the loader leaves unrelocated; and nothing for names only referenced, for
 * absent ones, or in a module unloaded meanwhile. */
#include <check.h>
#include <dlfcn.h>
#include <string.h>
#include <time.h>

#include "watchdog/dynsym.h"
#include "watchdog/modmap.h"
#include "hook/real.h"
#include "support.h"

int sw_test_exported_function(int x);
extern const unsigned long sw_test_exported_object;

__attribute__((visibility("default"), noinline)) int sw_test_exported_function(int x)
{
    return x * 2;
}

__attribute__((visibility("default"))) const unsigned long sw_test_exported_object = 0x030b02f0ul;

static struct sw_modmap map;

static void setup(void)
{
    sw_real_init();
}

static const struct sw_module *module_of(const void *addr)
{
    ck_assert_int_eq(sw_modmap_load(&map), 0);
    return sw_modmap_find(&map, (uint64_t)(uintptr_t)addr);
}

START_TEST(test_c_library_functions_are_where_the_loader_put_them)
{
    static const char *const names[] = {"memfd_create", "strerrordesc_np", "pthread_setname_np",
                                        "clock_nanosleep"};
    for (unsigned i = 0; i < sizeof names / sizeof *names; i++) {
        void *want = dlsym(RTLD_DEFAULT, names[i]);
        ck_assert_ptr_nonnull(want);
        const struct sw_module *m = module_of(want);
        ck_assert_ptr_nonnull(m);
        ck_assert_msg(sw_dynsym_lookup(m, names[i]) == (uint64_t)(uintptr_t)want, "%s", names[i]);
    }
}
END_TEST

START_TEST(test_executable_exports_are_found_and_imports_are_not)
{
    const struct sw_module *m = module_of((const void *)&sw_test_exported_object);
    ck_assert_ptr_nonnull(m);
    ck_assert_uint_eq(sw_dynsym_lookup(m, "sw_test_exported_object"),
                      (uint64_t)(uintptr_t)&sw_test_exported_object);
    uint64_t f = sw_dynsym_lookup(m, "sw_test_exported_function");
    ck_assert_uint_eq(f, (uint64_t)(uintptr_t)&sw_test_exported_function);
    ck_assert_int_eq(((int (*)(int))(uintptr_t)f)(21), 42);
    /* Referenced here, defined in the C library. */
    ck_assert_uint_eq(sw_dynsym_lookup(m, "dlsym"), 0);
    ck_assert_uint_eq(sw_dynsym_lookup(m, "sw_no_such_symbol_anywhere"), 0);
    ck_assert_uint_eq(sw_dynsym_lookup(m, ""), 0);
    char longname[400];
    memset(longname, 'a', sizeof longname - 1);
    longname[sizeof longname - 1] = '\0';
    ck_assert_uint_eq(sw_dynsym_lookup(m, longname), 0);
}
END_TEST

static void check_library(const char *path)
{
    void *h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    ck_assert_msg(h != NULL, "dlopen %s: %s", path, dlerror());
    void *f = dlsym(h, "sw_dynsym_test_function"), *o = dlsym(h, "sw_dynsym_test_object");
    ck_assert_ptr_nonnull(f);
    ck_assert_ptr_nonnull(o);
    const struct sw_module *m = module_of(f);
    ck_assert_ptr_nonnull(m);
    struct sw_module copy = *m;
    ck_assert_uint_eq(sw_dynsym_lookup(m, "sw_dynsym_test_function"), (uint64_t)(uintptr_t)f);
    ck_assert_uint_eq(sw_dynsym_lookup(m, "sw_dynsym_test_object"), (uint64_t)(uintptr_t)o);
    ck_assert_uint_eq(sw_dynsym_lookup(m, "sw_dynsym_test_missing"), 0);
    /* Unloaded: the same module record reads unmapped memory, and finds nothing. */
    dlclose(h);
    ck_assert_ptr_null(module_of(f));
    ck_assert_uint_eq(sw_dynsym_lookup(&copy, "sw_dynsym_test_function"), 0);
}

START_TEST(test_library_with_sysv_hash_only)
{
    check_library(SW_DYNSYM_SYSV);
}
END_TEST

START_TEST(test_library_with_gnu_hash_only)
{
    check_library(SW_DYNSYM_GNU);
}
END_TEST

START_TEST(test_vdso_tables_are_read_unrelocated)
{
    ck_assert_int_eq(sw_modmap_load(&map), 0);
    const struct sw_module *vdso = NULL;
    for (unsigned i = 0; i < map.n; i++)
        if (strcmp(map.mod[i].path, "[vdso]") == 0)
            vdso = &map.mod[i];
    ck_assert_ptr_nonnull(vdso);
    uint64_t f = sw_dynsym_lookup(vdso, "__vdso_clock_gettime");
    ck_assert(f >= vdso->start && f < vdso->end);
    struct timespec a, b, c;
    clock_gettime(CLOCK_MONOTONIC, &a);
    ck_assert_int_eq(((int (*)(clockid_t, struct timespec *))(uintptr_t)f)(CLOCK_MONOTONIC, &b), 0);
    clock_gettime(CLOCK_MONOTONIC, &c);
    ck_assert(b.tv_sec > a.tv_sec || (b.tv_sec == a.tv_sec && b.tv_nsec >= a.tv_nsec));
    ck_assert(c.tv_sec > b.tv_sec || (c.tv_sec == b.tv_sec && c.tv_nsec >= b.tv_nsec));
}
END_TEST

START_TEST(test_module_without_elf_header_finds_nothing)
{
    struct sw_module fake = {.start = 4096, .end = 8192, .bias = 0, .path = "/nowhere"};
    fake.has_bias = true;
    ck_assert_uint_eq(sw_dynsym_lookup(&fake, "malloc"), 0);
    fake.has_bias = false;
    ck_assert_uint_eq(sw_dynsym_lookup(&fake, "malloc"), 0);
}
END_TEST

static Suite *dynsym_suite(void)
{
    Suite *s = suite_create("dynsym");
    TCase *tc = tcase_create("dynsym");
    tcase_add_checked_fixture(tc, setup, NULL);
    tcase_add_test(tc, test_c_library_functions_are_where_the_loader_put_them);
    tcase_add_test(tc, test_executable_exports_are_found_and_imports_are_not);
    tcase_add_test(tc, test_library_with_sysv_hash_only);
    tcase_add_test(tc, test_library_with_gnu_hash_only);
    tcase_add_test(tc, test_vdso_tables_are_read_unrelocated);
    tcase_add_test(tc, test_module_without_elf_header_finds_nothing);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return unit_run(dynsym_suite());
}
