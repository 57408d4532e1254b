/* Unit suite for the module map (src/modmap.c): grouping of /proc/self/maps into modules,
 * load bias, executable span and build-id read from memory. */
#include <check.h>
#include <elf.h>
#include <fcntl.h>
#include <gnu/libc-version.h>
#include <link.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "watchdog/modmap.h"
#include "hook/real.h"
#include "support.h"

static struct sw_modmap map;

/* Where the dynamic loader put this executable: AT_PHDR minus PT_PHDR's vaddr. */
static uint64_t exe_bias(void)
{
    const ElfW(Phdr) *ph = (const ElfW(Phdr) *)getauxval(AT_PHDR);
    size_t n = getauxval(AT_PHNUM);
    for (size_t i = 0; i < n; i++)
        if (ph[i].p_type == PT_PHDR)
            return (uint64_t)(uintptr_t)ph - ph[i].p_vaddr;
    return 0;
}

static void setup(void)
{
    sw_real_init();
}

START_TEST(test_own_code_is_found_with_its_bias_and_text)
{
    ck_assert_int_eq(sw_modmap_load(&map), 0);
    uint64_t pc = (uint64_t)(uintptr_t)&exe_bias;
    const struct sw_module *m = sw_modmap_find(&map, pc);
    ck_assert_ptr_nonnull(m);
    char exe[4096];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    exe[n] = '\0';
    ck_assert_str_eq(m->path, exe);
    ck_assert_uint_eq(m->bias, exe_bias());
    ck_assert(pc >= m->text_start && pc < m->text_end);
    ck_assert_uint_eq(strlen(m->build_id), 40);
}
END_TEST

START_TEST(test_file_mapped_as_data_beside_the_loaded_one_stays_apart)
{
    /* Map the executable whole, as libelf does, right below where the loader put it. */
    ck_assert_int_eq(sw_modmap_load(&map), 0);
    uint64_t loaded_start = sw_modmap_find(&map, (uint64_t)(uintptr_t)&exe_bias)->start;
    int fd = open("/proc/self/exe", O_RDONLY);
    struct stat st;
    fstat(fd, &st);
    size_t len = ((size_t)st.st_size + 4095) & ~(size_t)4095;
    void *want = (void *)(uintptr_t)(loaded_start - len);
    void *p = mmap(want, len, PROT_READ, MAP_PRIVATE | MAP_FIXED_NOREPLACE, fd, 0);
    close(fd);
    if (p != want) {
        /* The space below was taken: nothing to test on this layout. */
        if (p != MAP_FAILED)
            munmap(p, len);
        return;
    }
    ck_assert_int_eq(sw_modmap_load(&map), 0);
    const struct sw_module *m = sw_modmap_find(&map, (uint64_t)(uintptr_t)&exe_bias);
    ck_assert_ptr_nonnull(m);
    ck_assert_uint_eq(m->bias, exe_bias());
    ck_assert_uint_eq(m->start, loaded_start);
    const struct sw_module *data = sw_modmap_find(&map, (uint64_t)(uintptr_t)p);
    ck_assert_ptr_nonnull(data);
    ck_assert_ptr_ne(data, m);
    ck_assert_uint_eq(data->text_end, 0); /* not code */
    munmap(p, len);
}
END_TEST

START_TEST(test_libc_is_a_module_with_a_build_id)
{
    ck_assert_int_eq(sw_modmap_load(&map), 0);
    /* A libc function no sanitizer intercepts (their runtimes replace strlen and friends). */
    const struct sw_module *m = sw_modmap_find(&map, (uint64_t)(uintptr_t)&gnu_get_libc_version);
    ck_assert_ptr_nonnull(m);
    ck_assert_ptr_nonnull(strstr(m->path, "libc.so"));
    ck_assert_uint_eq(strlen(m->build_id), 40);
    ck_assert_uint_ne(m->text_end, 0);
}
END_TEST

START_TEST(test_vdso_is_a_module)
{
    ck_assert_int_eq(sw_modmap_load(&map), 0);
    uint64_t vdso = getauxval(AT_SYSINFO_EHDR);
    const struct sw_module *m = sw_modmap_find(&map, vdso);
    ck_assert_ptr_nonnull(m);
    ck_assert_str_eq(m->path, "[vdso]");
}
END_TEST

START_TEST(test_unmapped_address_is_no_module)
{
    ck_assert_int_eq(sw_modmap_load(&map), 0);
    ck_assert_ptr_null(sw_modmap_find(&map, 0x1000));
}
END_TEST

/* Another process's maps lines, as `stallwatch dump` feeds them: the mappings of one file
 * form one module until a mapping at offset 0 starts the next; anonymous mappings are none. */
START_TEST(test_maps_lines_of_another_process_group_by_file)
{
    static struct sw_modmap m;
    sw_modmap_reset(&m);
    sw_modmap_add_line(&m, "55d000000000-55d000001000 r--p 00000000 08:01 77 /usr/bin/app");
    sw_modmap_add_line(&m, "55d000001000-55d000003000 r-xp 00001000 08:01 77 /usr/bin/app");
    sw_modmap_add_line(&m, "55d000003000-55d000004000 rw-p 00003000 08:01 77 /usr/bin/app");
    sw_modmap_add_line(&m, "55d000004000-55d000005000 rw-p 00000000 00:00 0 ");
    sw_modmap_add_line(&m, "7f0000000000-7f0000001000 r--p 00000000 08:01 99 /lib/libx.so");
    sw_modmap_add_line(&m, "7f0000001000-7f0000002000 r--p 00000000 08:01 99 /lib/libx.so");
    sw_modmap_add_line(&m, "7fff00000000-7fff00002000 r-xp 00000000 00:00 0 [vdso]");
    ck_assert_uint_eq(m.n, 4);
    const struct sw_module *app = sw_modmap_find(&m, 0x55d000002000);
    ck_assert_ptr_nonnull(app);
    ck_assert_str_eq(app->path, "/usr/bin/app");
    ck_assert_uint_eq(app->start, 0x55d000000000);
    ck_assert_uint_eq(app->end, 0x55d000004000);
    ck_assert_uint_eq(app->text_start, 0x55d000001000);
    ck_assert_uint_eq(app->text_end, 0x55d000003000);
    ck_assert_ptr_null(sw_modmap_find(&m, 0x55d000004800)); /* anonymous */
    ck_assert_ptr_ne(sw_modmap_find(&m, 0x7f0000000800), sw_modmap_find(&m, 0x7f0000001800));
    ck_assert_str_eq(sw_modmap_find(&m, 0x7fff00001000)->path, "[vdso]");
}
END_TEST

static Suite *modmap_suite(void)
{
    Suite *s = suite_create("modmap");
    TCase *tc = tcase_create("modmap");
    tcase_add_checked_fixture(tc, setup, NULL);
    tcase_add_test(tc, test_own_code_is_found_with_its_bias_and_text);
    tcase_add_test(tc, test_file_mapped_as_data_beside_the_loaded_one_stays_apart);
    tcase_add_test(tc, test_libc_is_a_module_with_a_build_id);
    tcase_add_test(tc, test_vdso_is_a_module);
    tcase_add_test(tc, test_unmapped_address_is_no_module);
    tcase_add_test(tc, test_maps_lines_of_another_process_group_by_file);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return unit_run(modmap_suite());
}
