/* A small library for the dynsym suite, built twice: with only the SysV hash table (DT_HASH)
 * and with only the GNU one (DT_GNU_HASH). */
int sw_dynsym_test_function(int x);
extern const unsigned long sw_dynsym_test_object;

int sw_dynsym_test_function(int x)
{
    return x + 1;
}

const unsigned long sw_dynsym_test_object = 0x030b02f0ul;
